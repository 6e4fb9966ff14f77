import type { DType } from '@dl/tensor';
import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { reportCode } from '../device-errors.js';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { cast, entry1d, isFloatD, load, PRELUDE, toWord, WG } from '../wgsl.js';
import { reduceCols } from './reduce-cols.js';
import { reduceRows } from './reduce-rows.js';

const RWG = 256;

/** WGSL: the 64-bit product of two u32 as (low, high) words. */
const MAG_MUL = `
fn mag_mul(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu; let a1 = a >> 16u;
  let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>((p00 & 0xffffu) | (mid << 16u), p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}`;

/**
 * Note [Reductions]
 * Output elements walk `x`'s kept axes; each reduces the product of the reduced axes,
 * `R` elements. Small `R` (or many outputs): one thread per output, a sequential loop.
 * Large `R`: one workgroup per output, a strided loop per thread then a shared-memory
 * tree. The accumulator is a (value, index) pair so argmax/argmin combine in any order
 * and still pick the first index; max/min/argmax/argmin let NaN win.
 */
export function reduce(rt: Runtime, op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): void {
  const rank = x.shape.length;
  const red = [...new Set(axes.map((a) => (a < 0 ? a + rank : a)))].sort((a, b) => a - b);
  const outShape = x.shape.map((s, d) => (red.includes(d) ? 1 : s));
  const nOut = outShape.reduce((a, b) => a * b, 1);
  const R = red.reduce((a, d) => a * x.shape[d]!, 1);
  if (reduceRows(rt, op, x, red, out)) return; // Note [Contiguous-row reductions]
  if (rt.fast.columns && reduceCols(rt, op, x, red, out)) return; // Note [Column reductions]
  const nr = red.length;
  const params = [nOut, R, x.offset, out.offset, ...outShape, ...x.strides, ...outShape.map((_, d) => out.strides[d] ?? 0)];
  for (const d of red) params.push(x.shape[d]!);
  for (const d of red) params.push(x.strides[d]!);
  const isArg = op === 'argmax' || op === 'argmin';
  const isMinMax = op === 'max' || op === 'min' || isArg;
  const xFloat = isFloatD(x.dtype);
  // value type of the accumulator
  const accD: DType =
    op === 'all' || op === 'any' ? 'bool' : isMinMax ? (xFloat ? 'float32' : 'int32') : isFloatD(out.dtype) || xFloat ? 'float32' : 'int32';
  // Note [Exact int32 sums]: an int32 sum into int32 carries the high word of the exact 64-bit sum
  // in the accumulator's (otherwise unused) index, and reports a result outside int32 to the error
  // words (Note [Deferred GPU errors]) instead of wrapping: torch sums into int64; dl cpu raises too.
  // An int32 prod checks each partial product exactly (64-bit magnitude) and, once one leaves
  // int32, carries a float32 approximation for the message (a later zero factor makes it 0 again).
  const checked = (op === 'sum' || op === 'prod') && accD === 'int32' && out.dtype === 'int32';
  const b = bind([{ buf: x.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }, ...(checked ? [rt.errors.binding()] : [])]);
  const xs = b.names[0]!;
  const os = b.names[1]!;
  let guard = '';
  if (checked) {
    const sp = params.length;
    params.push(rt.errors.site(op, 0, op === 'sum' ? 'overflow' : 'overflowApprox', `${x.dtype} tensor of shape [${x.shape.join(', ')}]`));
    // sum: the high word must be the low word's sign extension; prod: i != 0 marks an overflow
    const bad = op === 'sum' ? 'acc.i != select(0u, 0xffffffffu, acc.v < 0i)' : 'acc.i != 0u';
    guard = `if (${bad}) {
      ${reportCode(b.names[2]!, `P[${sp}]`, 'acc.v', 'acc.i')}
    }
    `;
  }
  const T = accD === 'float32' ? 'f32' : accD === 'int32' ? 'i32' : 'u32';
  const fl = accD === 'float32';
  const INF = fl ? 'f_inf()' : '2147483647i';
  const NINF = fl ? '-f_inf()' : 'bitcast<i32>(0x80000000u)';
  const nan = (v: string) => (fl ? `isnan_f(${v})` : 'false');
  let init: string;
  let comb: string;
  switch (op) {
    case 'sum':
      init = fl ? '0.0' : '0i';
      comb = checked
        ? `let lo = bitcast<u32>(a.v) + bitcast<u32>(b.v);
  return Acc(bitcast<i32>(lo), a.i + b.i + select(0u, 1u, lo < bitcast<u32>(a.v)));`
        : 'return Acc(a.v + b.v, 0u);';
      break;
    case 'prod':
      init = fl ? '1.0' : '1i';
      // checked: i = 0 while v is the exact product, else the float32 bits of an approximation
      // (nonzero: every factor is nonzero); a zero factor makes the product exactly 0 again
      comb = checked
        ? `if ((a.i == 0u && a.v == 0i) || (b.i == 0u && b.v == 0i)) { return Acc(0i, 0u); }
  if (a.i != 0u || b.i != 0u) {
    let fa = select(f32(a.v), bitcast<f32>(a.i), a.i != 0u);
    let fb = select(f32(b.v), bitcast<f32>(b.i), b.i != 0u);
    return Acc(0i, bitcast<u32>(fa * fb));
  }
  let neg = (a.v < 0i) != (b.v < 0i);
  let m = mag_mul(select(bitcast<u32>(a.v), 0u - bitcast<u32>(a.v), a.v < 0i), select(bitcast<u32>(b.v), 0u - bitcast<u32>(b.v), b.v < 0i));
  if (m.y != 0u || m.x > select(0x7fffffffu, 0x80000000u, neg)) { return Acc(0i, bitcast<u32>(f32(a.v) * f32(b.v))); }
  return Acc(bitcast<i32>(select(m.x, 0u - m.x, neg)), 0u);`
        : 'return Acc(a.v * b.v, 0u);';
      break;
    case 'max':
      init = NINF;
      comb = fl ? 'return Acc(fmax_nan(a.v, b.v), 0u);' : 'return Acc(max(a.v, b.v), 0u);';
      break;
    case 'min':
      init = INF;
      comb = fl ? 'return Acc(fmin_nan(a.v, b.v), 0u);' : 'return Acc(min(a.v, b.v), 0u);';
      break;
    case 'argmax':
    case 'argmin': {
      init = op === 'argmax' ? NINF : INF;
      const better = op === 'argmax' ? 'b.v > a.v' : 'b.v < a.v';
      comb = `let an = ${nan('a.v')}; let bn = ${nan('b.v')};
  if (an && bn) { if (b.i < a.i) { return b; } return a; }
  if (an) { return a; }
  if (bn) { return b; }
  if (${better}) { return b; }
  if (b.v == a.v && b.i < a.i) { return b; }
  return a;`;
      break;
    }
    case 'all':
      init = '1u';
      comb = 'return Acc(a.v & b.v, 0u);';
      break;
    case 'any':
      init = '0u';
      comb = 'return Acc(a.v | b.v, 0u);';
      break;
    default: {
      // Every reduce primitive of @dl/tensor's table has a case: a new one fails to type-check here.
      const missing: never = op;
      throw new Error(`webgpu: no reduce kernel for ${String(missing)}`);
    }
  }
  const iInit = isArg ? '0xffffffffu' : '0u';
  const xv = cast(load(xs, 'xi', x.dtype), x.dtype, accD);
  // checked sums: each element's high word is its sign extension
  const elem = checked ? (op === 'sum' ? `acc_elem(${xv})` : `Acc(${xv}, 0u)`) : `Acc(${xv}, j)`;
  const result = isArg ? toWord('bitcast<i32>(acc.i)', 'int32') : toWord(cast('acc.v', accD, out.dtype), out.dtype);

  let walk = '  var rem = o; var xb = P[2]; var ob = P[3];\n';
  for (let d = rank - 1; d >= 0; d--) {
    walk += `  { let c = rem % P[${4 + d}]; rem = rem / P[${4 + d}]; xb += c * P[${4 + rank + d}]; ob += c * P[${4 + 2 * rank + d}]; }\n`;
  }
  const rs = 4 + 3 * rank;
  let rwalk = '    var rr = j; var xi = xb;\n';
  for (let k = nr - 1; k >= 0; k--) {
    rwalk += `    { let c = rr % P[${rs + k}]; rr = rr / P[${rs + k}]; xi += c * P[${rs + nr + k}]; }\n`;
  }
  const header = `${PRELUDE}${b.decl}
struct Acc { v: ${T}, i: u32 }
fn comb(a: Acc, b: Acc) -> Acc {
  ${comb}
}${checked && op === 'sum' ? '\nfn acc_elem(v: i32) -> Acc { return Acc(v, select(0u, 0xffffffffu, v < 0i)); }' : ''}${checked && op === 'prod' ? MAG_MUL : ''}`;
  const big = R >= 128 && nOut <= 16384;
  const key = `reduce:${op}:${x.dtype}:${out.dtype}:${rank}:${nr}:${big ? 'wg' : 't'}:${b.key}`;
  if (!big) {
    rt.run(
      key,
      () => `${header}
${entry1d()}
  let o = gid;
  if (o >= P[0]) { return; }
${walk}  var acc = Acc(${init}, ${iInit});
  for (var j = 0u; j < P[1]; j++) {
${rwalk}    acc = comb(acc, ${elem});
  }
  ${guard}${os}[ob] = ${result};
}`,
      b,
      params,
      { threads: nOut, wg: WG },
    );
    return;
  }
  const gx = Math.min(nOut, rt.limits.maxComputeWorkgroupsPerDimension);
  rt.run(
    key,
    () => `${header}
var<workgroup> sh: array<Acc, ${RWG}>;
@compute @workgroup_size(${RWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let o = wid.y * nwg.x + wid.x;
  let valid = o < P[0];
${walk}  var acc = Acc(${init}, ${iInit});
  if (valid) {
    for (var j = lid; j < P[1]; j += ${RWG}u) {
${rwalk}      acc = comb(acc, ${elem});
    }
  }
  sh[lid] = acc;
  workgroupBarrier();
  for (var s = ${RWG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { sh[lid] = comb(sh[lid], sh[lid + s]); }
    workgroupBarrier();
  }
  if (lid == 0u && valid) {
    let acc = sh[0];
    ${guard}${os}[ob] = ${result};
  }
}`,
    b,
    params,
    { groups: [gx, Math.ceil(nOut / gx), 1] },
  );
}
