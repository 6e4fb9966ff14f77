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
 * Note [Contiguous-row reductions]
 * A float32 sum / prod / max / min whose reduced elements form one contiguous run per output
 * (the reduced axes are the innermost axes of a row-major block: a full reduction, the trailing
 * axes, or inner axes around kept outer ones) reads its row at `xb + j`, without the per-element
 * div/mod walk of the general kernels, and without workgroup barriers:
 * - many outputs (≥ {@link THREAD_ROWS}): one thread per output walks its row, one pass;
 * - few outputs: the whole device. Pass 1 gives each output S threads (S ≈ R / {@link PER_THREAD},
 *   at most {@link MAX_SEGS}); thread s reads elements s, s + S, s + 2S, … of the row, so
 *   neighbouring threads read neighbouring words, and writes one partial; pass 2 combines each
 *   output's S partials in order.
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
  if (many) {
    const b = bind([{ buf: x.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }]);
    const [X, O] = b.names as [string, string];
    rt.run(
      `reduceRows:${op}:${rank}:${b.key}`,
      () => `${head(b.decl)}
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
  rt.run(
    `reduceRows1:${op}:${rank}:${b1.key}`,
    () => `${head(b1.decl)}
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
  // pass 2: thread o combines its S partials in order
  const b2 = bind([{ buf: tmp }, { buf: out.buffer as GpuBuf, write: true }]);
  const [Q, O] = b2.names as [string, string];
  rt.run(
    `reduceRows2:${op}:${rank}:${b2.key}`,
    () => `${head(b2.decl)}
  let o = gid;
  if (o >= P[0]) { return; }
${walk}  var acc = ${spec.init};
  for (var j = 0u; j < P[4]; j++) { acc = comb(acc, bitcast<f32>(${Q}[o * P[4] + j])); }
  ${O}[ob] = bitcast<u32>(acc);
}`,
    b2,
    params,
    { threads: nOut, wg: 64 },
  );
  rt.free(tmp);
  return true;
}
