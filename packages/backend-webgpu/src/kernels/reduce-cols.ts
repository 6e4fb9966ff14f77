import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE } from '../wgsl.js';
import { OPS, pairwise } from './reduce-rows.js';

/** Outputs from which each output gets one thread (one pass, no partials). */
const ONE_PASS_OUTPUTS = 16384;
/** Rows each first-pass thread aims to combine, and the threads the first pass aims at in all. */
const ROWS_PER_THREAD = 64;
const TARGET_THREADS = 65536;

/**
 * Note [Column reductions]
 * A float32 sum / prod / max / min whose reduced axes (sizes of 1 aside) flatten to one run of
 * stride `SR` > 1, with kept axes inside it — `x.sum(0)` of a row-major matrix, the batch axis of
 * `[N, C]`, the middle axis of `[A, R, B]` — reads element `r` of output `o` at `xb(o) + r·SR`:
 * `xb(o)` is walked once per thread (div/mod over the output's shape), not once per element as in
 * the general kernel of `reduce.ts`, and neighbouring threads (neighbouring outputs along the
 * innermost kept axis) read neighbouring words, so every row is read in contiguous runs.
 * - many outputs (≥ {@link ONE_PASS_OUTPUTS}): one thread per output walks its column, one pass;
 * - fewer: the reduced run is cut into `S` chunks of consecutive rows, thread `s·nOut + o` combines
 *   chunk `s` of output `o` into a partial, and a second pass combines each output's `S` partials
 *   pairwise, so the whole device works on a few hundred columns of a tall matrix.
 * Where the innermost kept axis is contiguous in x and out with a length that is a multiple of 4
 * and every base is 16-byte aligned, each thread takes four neighbouring outputs with vec4 loads
 * and stores (`sum(0)` of [1024, 1024]: half the cpu time on lavapipe).
 * Results are deterministic (a fixed order per output) and NaN propagates as in Note
 * [Contiguous-row reductions], whose combine functions these kernels share.
 */
export function reduceCols(rt: Runtime, op: ReduceOp, x: TensorView, red: readonly number[], out: TensorView): boolean {
  const spec = OPS[op];
  if (!spec || x.dtype !== 'float32' || out.dtype !== 'float32') return false;
  const rank = x.shape.length;
  // the reduced axes of size > 1 must flatten to one arithmetic run: stride SR, length R
  let R = 1;
  let SR = 0;
  for (let k = red.length - 1; k >= 0; k--) {
    const d = red[k]!;
    const n = x.shape[d]!;
    if (n === 1) continue;
    if (SR === 0) SR = x.strides[d]!;
    else if (x.strides[d] !== SR * R) return false;
    R *= n;
  }
  const outShape = x.shape.map((s, d) => (red.includes(d) ? 1 : s));
  const nOut = outShape.reduce((a, b) => a * b, 1);
  // SR = 1 is a row (reduce-rows.ts or the general kernel); short runs gain nothing here
  if (nOut <= 1 || R < 8 || SR <= 1) return false;
  const segs = nOut >= ONE_PASS_OUTPUTS ? 1 : Math.max(1, Math.min(Math.ceil(R / ROWS_PER_THREAD), Math.ceil(TARGET_THREADS / nOut)));
  const chunk = Math.ceil(R / segs);
  let walk = '  var rem = o; var xb = P[2]; var ob = P[3];\n';
  for (let d = rank - 1; d >= 0; d--) {
    if (outShape[d] === 1) continue;
    walk += `  { let c = rem % P[${7 + d}]; rem = rem / P[${7 + d}]; xb += c * P[${7 + rank + d}]; ob += c * P[${7 + 2 * rank + d}]; }\n`;
  }
  const params = [
    nOut,
    R,
    x.offset,
    out.offset,
    segs,
    SR,
    chunk,
    ...outShape,
    ...x.strides,
    ...outShape.map((_, d) => out.strides[d] ?? 0),
  ];
  const head = (decl: string) => `${PRELUDE}${decl}
fn comb(a: f32, b: f32) -> f32 { return ${spec.comb}; }
fn comb4(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> { return vec4<f32>(comb(a.x, b.x), comb(a.y, b.y), comb(a.z, b.z), comb(a.w, b.w)); }
${entry1d(64)}`;
  const vec4Decl = (decl: string) => decl.replace(/(B\d+): array<u32>/g, '$1: array<vec4<u32>>');
  // four neighbouring outputs per thread (vec4 loads and stores) where the innermost kept axis is
  // contiguous in x and out with a length that is a multiple of 4, and every base is 16-byte aligned
  let inner = -1;
  for (let d = rank - 1; d >= 0 && inner < 0; d--) if (outShape[d] !== 1) inner = d;
  const v4 =
    rt.fast.vec4 &&
    x.buffer !== out.buffer &&
    inner >= 0 &&
    x.strides[inner] === 1 &&
    out.strides[inner] === 1 &&
    outShape[inner]! % 4 === 0 &&
    SR % 4 === 0 &&
    x.offset % 4 === 0 &&
    out.offset % 4 === 0 &&
    outShape.every((n, d) => n === 1 || d === inner || (x.strides[d]! % 4 === 0 && out.strides[d]! % 4 === 0)) &&
    (x.buffer as GpuBuf).size % 16 === 0 &&
    (out.buffer as GpuBuf).size % 16 === 0;
  if (v4)
    return reduceCols4(rt, op, x, out, {
      walk,
      params,
      head,
      vec4Decl,
      segs,
      nOut,
      shapeKey: outShape.map((n) => (n === 1 ? 1 : 0)).join(''),
    });
  const shapeKey = outShape.map((s) => (s === 1 ? 1 : 0)).join('');
  if (segs === 1) {
    const b = bind([{ buf: x.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }]);
    const [X, O] = b.names as [string, string];
    rt.run(
      `reduceCols:${op}:${shapeKey}:${b.key}`,
      () => `${head(b.decl)}
  let o = gid;
  if (o >= P[0]) { return; }
${walk}  var acc = ${spec.init};
  var p = xb;
  for (var r = 0u; r < P[1]; r++) { acc = comb(acc, bitcast<f32>(${X}[p])); p += P[5]; }
  ${O}[ob] = bitcast<u32>(acc);
}`,
      b,
      params,
      { threads: nOut, wg: 64 },
    );
    return true;
  }
  // pass 1: thread s·nOut + o combines rows [s·chunk, (s+1)·chunk) of output o into tmp[s·nOut + o]
  const tmp = rt.allocate(nOut * segs);
  const b1 = bind([{ buf: x.buffer as GpuBuf }, { buf: tmp, write: true }]);
  const [X, T] = b1.names as [string, string];
  rt.run(
    `reduceCols1:${op}:${shapeKey}:${b1.key}`,
    () => `${head(b1.decl)}
  if (gid >= P[0] * P[4]) { return; }
  let s = gid / P[0]; let o = gid % P[0];
${walk}  var acc = ${spec.init};
  let r0 = s * P[6];
  let r1 = min(P[1], r0 + P[6]);
  var p = xb + r0 * P[5];
  for (var r = r0; r < r1; r++) { acc = comb(acc, bitcast<f32>(${X}[p])); p += P[5]; }
  ${T}[gid] = bitcast<u32>(acc);
}`,
    b1,
    params,
    { threads: nOut * segs, wg: 64 },
  );
  // pass 2: thread o combines its S partials pairwise (Note [Pairwise partials] in reduce-rows.ts;
  // neighbouring threads read neighbouring words)
  const b2 = bind([{ buf: tmp }, { buf: out.buffer as GpuBuf, write: true }]);
  const [Q, O] = b2.names as [string, string];
  rt.run(
    `reduceCols2:${op}:${shapeKey}:${b2.key}`,
    () => `${head(b2.decl)}
  let o = gid;
  if (o >= P[0]) { return; }
${walk}${pairwise((s) => `bitcast<f32>(${Q}[${s} * P[0] + o])`, 'P[4]')}
  ${O}[ob] = bitcast<u32>(acc);
}`,
    b2,
    params,
    { threads: nOut, wg: 64 },
  );
  rt.free(tmp);
  return true;
}

interface Cols4 {
  walk: string;
  params: number[];
  head: (decl: string) => string;
  vec4Decl: (decl: string) => string;
  segs: number;
  nOut: number;
  shapeKey: string;
}

/** The column kernels with four neighbouring outputs per thread (Note [Column reductions]). */
function reduceCols4(rt: Runtime, op: ReduceOp, x: TensorView, out: TensorView, k: Cols4): boolean {
  const { walk, params, head, vec4Decl, segs, nOut, shapeKey } = k;
  const init = OPS[op]!.init;
  const quads = nOut / 4;
  if (segs === 1) {
    const b = bind([{ buf: x.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }]);
    const [X, O] = b.names as [string, string];
    rt.run(
      `reduceCols4:${op}:${shapeKey}:${b.key}`,
      () => `${head(vec4Decl(b.decl))}
  let o = gid * 4u;
  if (o >= P[0]) { return; }
${walk}  var acc = vec4<f32>(${init});
  var p = xb / 4u;
  let step = P[5] / 4u;
  for (var r = 0u; r < P[1]; r++) { acc = comb4(acc, bitcast<vec4<f32>>(${X}[p])); p += step; }
  ${O}[ob / 4u] = bitcast<vec4<u32>>(acc);
}`,
      b,
      params,
      { threads: quads, wg: 64 },
    );
    return true;
  }
  // pass 1: thread s·(nOut/4) + t combines chunk s of outputs 4t … 4t + 3 into vector s·(nOut/4) + t of tmp
  const tmp = rt.allocate(nOut * segs);
  const b1 = bind([{ buf: x.buffer as GpuBuf }, { buf: tmp, write: true }]);
  const [X, T] = b1.names as [string, string];
  rt.run(
    `reduceCols4a:${op}:${shapeKey}:${b1.key}`,
    () => `${head(vec4Decl(b1.decl))}
  let quads = P[0] / 4u;
  if (gid >= quads * P[4]) { return; }
  let s = gid / quads; let o = (gid % quads) * 4u;
${walk}  var acc = vec4<f32>(${init});
  let r0 = s * P[6];
  let r1 = min(P[1], r0 + P[6]);
  let step = P[5] / 4u;
  var p = (xb + r0 * P[5]) / 4u;
  for (var r = r0; r < r1; r++) { acc = comb4(acc, bitcast<vec4<f32>>(${X}[p])); p += step; }
  ${T}[gid] = bitcast<vec4<u32>>(acc);
}`,
    b1,
    params,
    { threads: quads * segs, wg: 64 },
  );
  // pass 2: thread t combines its S partial vectors pairwise (Note [Pairwise partials] in reduce-rows.ts)
  const b2 = bind([{ buf: tmp }, { buf: out.buffer as GpuBuf, write: true }]);
  const [Q, O] = b2.names as [string, string];
  rt.run(
    `reduceCols4b:${op}:${shapeKey}:${b2.key}`,
    () => `${head(vec4Decl(b2.decl))}
  let quads = P[0] / 4u;
  if (gid >= quads) { return; }
  let o = gid * 4u;
${walk}${pairwise((s) => `bitcast<vec4<f32>>(${Q}[${s} * quads + gid])`, 'P[4]', 'vec4<f32>', 'comb4')}
  ${O}[ob / 4u] = bitcast<vec4<u32>>(acc);
}`,
    b2,
    params,
    { threads: quads, wg: 64 },
  );
  rt.free(tmp);
  return true;
}
