import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE } from '../wgsl.js';

/** Outputs from which each row gets one thread of its own (one pass). */
const THREAD_ROWS = 512;
/** Elements each thread of the first pass aims to reduce, and the most threads (segments) per row. */
const PER_THREAD = 1024;
const MAX_SEGS = 4096;

/** The float32 reductions with barrier-free kernels: identity and combine (of `a`, `b`). */
export const OPS: Partial<Record<ReduceOp, { init: string; comb: string }>> = {
  sum: { init: '0.0', comb: 'a + b' },
  prod: { init: '1.0', comb: 'a * b' },
  max: { init: '-f_inf()', comb: 'fmax_nan(a, b)' },
  min: { init: 'f_inf()', comb: 'fmin_nan(a, b)' },
};

/**
 * Note [Pairwise partials]
 * The second pass of the two-pass reductions combines an output's S partials (S ≤ 4096) as a
 * pairwise tree, not left to right: a stack of at most 16 subtotals, where adding item i merges
 * the top entries once per trailing zero bit of i + 1, then the stack is folded from the top. A
 * sum's rounding error then grows with log2(S) instead of S (the 1024 partials of a
 * million-element sum), at the same cost, and the order is still fixed.
 */
/**
 * WGSL statements leaving in `acc` the pairwise combination (by `fn`) of `item(j)` for j < `count`
 * (≥ 1, < 65536), values of WGSL type `type`.
 */
export function pairwise(item: (j: string) => string, count: string, type = 'f32', fn = 'comb'): string {
  return `  var stk: array<${type}, 16>;
  var top = 0u;
  for (var j = 0u; j < ${count}; j++) {
    var v = ${item('j')};
    var c = j + 1u;
    while ((c & 1u) == 0u) { top -= 1u; v = ${fn}(stk[top], v); c = c >> 1u; }
    stk[top] = v;
    top += 1u;
  }
  var acc = stk[top - 1u];
  for (var k = 1u; k < top; k++) { acc = ${fn}(stk[top - 1u - k], acc); }`;
}

/**
 * Note [Contiguous-row reductions]
 * A float32 sum / prod / max / min whose reduced elements form one contiguous run per output
 * (the reduced axes are the innermost axes of a row-major block: a full reduction, the trailing
 * axes, or inner axes around kept outer ones) reads its row at `xb + j`, without the per-element
 * div/mod walk of the general kernels, and without workgroup barriers:
 * - many outputs (≥ {@link THREAD_ROWS}): one thread per output walks its row, one pass;
 * - few outputs: the whole device. Pass 1 gives each output S threads (S ≈ R / {@link PER_THREAD},
 *   at most {@link MAX_SEGS}); thread s reads elements s, s + S, s + 2S, … of the row, so
 *   neighbouring threads read neighbouring words, and writes one partial; pass 2 combines each
 *   output's S partials pairwise (Note [Pairwise partials]).
 * Where every row starts on a 16-byte boundary, both forms load vec4 (pass 1: vector s, s + S, …
 * of the row) into four running values per thread, combined at the end, then the R % 4 tail: a
 * quarter of the loop iterations.
 * Measured on lavapipe (scratch bench against tfjs-webgpu), the shared-memory tree of the general
 * kernel is what cost most there: every barrier splits the work into resumable pieces. Results
 * are deterministic (a fixed order per output); NaN propagates (IEEE sums and products,
 * `fmax_nan`/`fmin_nan`). Other reductions (integers, arg-reductions, strided rows, short rows
 * with few outputs) take the kernels of `reduce.ts`.
 */
export function reduceRows(rt: Runtime, op: ReduceOp, x: TensorView, red: readonly number[], out: TensorView): boolean {
  const spec = OPS[op];
  if (!spec || x.dtype !== 'float32' || out.dtype !== 'float32') return false;
  const rank = x.shape.length;
  // the reduced elements of one output must be the contiguous run [xb, xb + R)
  let R = 1;
  for (let k = red.length - 1; k >= 0; k--) {
    const d = red[k]!;
    if (x.shape[d] !== 1 && x.strides[d] !== R) return false;
    R *= x.shape[d]!;
  }
  const outShape = x.shape.map((s, d) => (red.includes(d) ? 1 : s));
  const nOut = outShape.reduce((a, b) => a * b, 1);
  const many = nOut >= THREAD_ROWS;
  if (nOut === 0 || R === 0 || (!many && R < 2048)) return false;
  const segs = many ? 1 : Math.min(MAX_SEGS, Math.ceil(R / PER_THREAD));
  let walk = '  var rem = o; var xb = P[2]; var ob = P[3];\n';
  for (let d = rank - 1; d >= 0; d--) {
    walk += `  { let c = rem % P[${5 + d}]; rem = rem / P[${5 + d}]; xb += c * P[${5 + rank + d}]; ob += c * P[${5 + 2 * rank + d}]; }\n`;
  }
  const params = [nOut, R, x.offset, out.offset, segs, ...outShape, ...x.strides, ...outShape.map((_, d) => out.strides[d] ?? 0)];
  const head = (decl: string) => `${PRELUDE}${decl}
fn comb(a: f32, b: f32) -> f32 { return ${spec.comb}; }
${entry1d(64)}`;
  // rows starting on 16-byte boundaries: vec4 loads (Note [Contiguous-row reductions])
  const aligned = (unique: readonly GpuBuf[]) =>
    rt.fast.vec4 &&
    x.offset % 4 === 0 &&
    outShape.every((n, d) => n === 1 || x.strides[d]! % 4 === 0) &&
    unique.every((u) => u.size % 16 === 0);
  const c4 = (a: string, b: string) => `vec4<f32>(comb(${a}.x, ${b}.x), comb(${a}.y, ${b}.y), comb(${a}.z, ${b}.z), comb(${a}.w, ${b}.w))`;
  const vecDecl = (decl: string, name: string) => decl.replace(new RegExp(`(${name}): array<u32>`), '$1: array<vec4<u32>>');
  if (many) {
    const b = bind([{ buf: x.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }]);
    const [X, O] = b.names as [string, string];
    const vec = X !== O && aligned(b.unique);
    rt.run(
      `reduceRows:${op}:${rank}:${vec ? 'v4' : 's'}:${b.key}`,
      () =>
        vec
          ? `${head(vecDecl(b.decl, X))}
  let o = gid;
  if (o >= P[0]) { return; }
${walk}  let q = xb / 4u; let R4 = P[1] / 4u;
  var acc = vec4<f32>(${spec.init});
  for (var j = 0u; j < R4; j++) { let v = bitcast<vec4<f32>>(${X}[q + j]); acc = ${c4('acc', 'v')}; }
  var r = comb(comb(acc.x, acc.y), comb(acc.z, acc.w));
  for (var t = 0u; t < P[1] % 4u; t++) { r = comb(r, bitcast<f32>(${X}[q + R4][t])); }
  ${O}[ob] = bitcast<u32>(r);
}`
          : `${head(b.decl)}
  let o = gid;
  if (o >= P[0]) { return; }
${walk}  var acc = ${spec.init};
  for (var j = 0u; j < P[1]; j++) { acc = comb(acc, bitcast<f32>(${X}[xb + j])); }
  ${O}[ob] = bitcast<u32>(acc);
}`,
      b,
      params,
      { threads: nOut, wg: 64 },
    );
    return true;
  }
  // pass 1: thread (o, s) combines elements s, s + S, … of row o into tmp[o * S + s]
  const tmp = rt.allocate(nOut * segs);
  const b1 = bind([{ buf: x.buffer as GpuBuf }, { buf: tmp, write: true }]);
  const [X, T] = b1.names as [string, string];
  const vec = aligned(b1.unique);
  rt.run(
    `reduceRows1:${op}:${rank}:${vec ? 'v4' : 's'}:${b1.key}`,
    () =>
      vec
        ? `${head(vecDecl(b1.decl, X))}
  if (gid >= P[0] * P[4]) { return; }
  let o = gid / P[4]; let s = gid % P[4];
${walk}  let q = xb / 4u; let R4 = P[1] / 4u;
  var acc = vec4<f32>(${spec.init});
  for (var j = s; j < R4; j += P[4]) { let v = bitcast<vec4<f32>>(${X}[q + j]); acc = ${c4('acc', 'v')}; }
  var r = comb(comb(acc.x, acc.y), comb(acc.z, acc.w));
  for (var t = s; t < P[1] % 4u; t += P[4]) { r = comb(r, bitcast<f32>(${X}[q + R4][t])); }
  ${T}[gid] = bitcast<u32>(r);
}`
        : `${head(b1.decl)}
  if (gid >= P[0] * P[4]) { return; }
  let o = gid / P[4]; let s = gid % P[4];
${walk}  var acc = ${spec.init};
  for (var j = s; j < P[1]; j += P[4]) { acc = comb(acc, bitcast<f32>(${X}[xb + j])); }
  ${T}[gid] = bitcast<u32>(acc);
}`,
    b1,
    params,
    { threads: nOut * segs, wg: 64 },
  );
  // pass 2: thread o combines its S partials pairwise (Note [Pairwise partials])
  const b2 = bind([{ buf: tmp }, { buf: out.buffer as GpuBuf, write: true }]);
  const [Q, O] = b2.names as [string, string];
  rt.run(
    `reduceRows2:${op}:${rank}:${b2.key}`,
    () => `${head(b2.decl)}
  let o = gid;
  if (o >= P[0]) { return; }
${walk}${pairwise((j) => `bitcast<f32>(${Q}[o * P[4] + ${j}])`, 'P[4]')}
  ${O}[ob] = bitcast<u32>(acc);
}`,
    b2,
    params,
    { threads: nOut, wg: 64 },
  );
  rt.free(tmp);
  return true;
}
