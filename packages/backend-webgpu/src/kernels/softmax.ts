/**
 * Fused softmax / logSoftmax forward and backward on WebGPU (`FusedKernels.softmax`,
 * `softmaxBackward`): one dispatch each, instead of the composite's five kernels and four
 * temporaries (max, sub, exp, sum, div) forward and four backward.
 *
 * Note [Fused softmax on WebGPU]
 * The op layer hands contiguous float32 views. Softmax along `dim` of a shape split as
 * `outer × n × inner` has `outer · inner` rows of `n` elements `inner` apart; each row is
 * reduced and written by one thread or one workgroup (Note [Row kernels]). Forward: the row
 * max `m` (NaN propagates), `s = Σ exp(x − m)`, then `exp(x − m) / s` or `x − m − log s`. A row
 * whose max is NaN, +inf (inf − inf) or −inf (a row of −inf: −inf − −inf) is NaN throughout,
 * as torch's (and the composite's) arithmetic gives; the kernel writes NaN for those rows
 * itself, because WGSL leaves `exp` of NaN indeterminate (Note [NaN in WGSL]). Backward:
 * `y · (g − Σ g·y)`, or `g − exp(y) · Σ g` for logSoftmax.
 *
 * @example
 * softmax(rt, xView, outView, { dim: 1, log: true });
 */
import type { SoftmaxParams, TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { rowForm, rowGrid, rowHead } from './row-kernels.js';

/** [outer, n, inner] of a shape around `dim` (a 0-d tensor is one row of one). */
function split(shape: readonly number[], dim: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1];
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[dim]!, inner];
}

function floatOnly(op: string, ...vs: TensorView[]): void {
  for (const v of vs) if (v.dtype !== 'float32') throw new TypeError(`webgpu ${op}: expected float32 views, got ${v.dtype}`);
}

/** The row's base word and the index of its element `j` (P: rows, n, inner, then the offsets). */
const ROW_BASE = `  let n = P[1]; let inner = P[2];
  let base = (row / inner) * n * inner + row % inner;
`;

/**
 * softmax (logSoftmax when `p.log`) of contiguous `x` along `p.dim` into contiguous `out`
 * (Note [Fused softmax on WebGPU]).
 *
 * @example
 * softmax(rt, x, out, { dim: 1, log: false });
 */
export function softmax(rt: Runtime, x: TensorView, out: TensorView, p: SoftmaxParams): void {
  floatOnly('softmax', x, out);
  const [outer, n, inner] = split(x.shape, p.dim);
  const rows = outer * inner;
  if (n === 0 || rows === 0) return;
  const form = rowForm(n);
  const b = bind([{ buf: x.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }]);
  const [X, O] = b.names as [string, string];
  const at = (B: string, off: number, j: string) => `${B}[P[${off}] + base + (${j}) * inner]`;
  const write = p.log
    ? `${at(O, 4, 'j')} = bitcast<u32>(bitcast<f32>(${at(X, 3, 'j')}) - m - ls);`
    : `${at(O, 4, 'j')} = bitcast<u32>(exp(bitcast<f32>(${at(X, 3, 'j')}) - m) / s);`;
  rt.run(
    `softmax:${p.log ? 'log' : 'exp'}:${form}:${b.key}`,
    () => `${rowHead(form, b.decl)}${ROW_BASE}
  var mx = -f_inf();
  for (var j = T0; j < n; j += TS) { mx = fmax_nan(mx, bitcast<f32>(${at(X, 3, 'j')})); }
  let m = wmax(mx);
  let bad = isnan_f(m) || isinf_f(m);
  var acc = 0.0;
  if (!bad) {
    for (var j = T0; j < n; j += TS) { acc += exp(bitcast<f32>(${at(X, 3, 'j')}) - m); }
  }
  let s = wsum(acc);
  if (bad) {
    for (var j = T0; j < n; j += TS) { ${at(O, 4, 'j')} = BITS_NAN; }
    return;
  }
  let ls = log(s);
  for (var j = T0; j < n; j += TS) { ${write} }
}`,
    b,
    [rows, n, inner, x.offset, out.offset],
    rowGrid(form, rows),
  );
}

/**
 * Gradient of softmax (`y·(g − Σ g·y)`) or logSoftmax (`g − exp(y)·Σ g`) along `p.dim` from the
 * forward's output `y` and the gradient `g` (contiguous, one shape) into `gradIn`.
 *
 * @example
 * softmaxBackward(rt, y, g, gradIn, { dim: 1, log: true });
 */
export function softmaxBackward(rt: Runtime, y: TensorView, g: TensorView, gradIn: TensorView, p: SoftmaxParams): void {
  floatOnly('softmaxBackward', y, g, gradIn);
  const [outer, n, inner] = split(y.shape, p.dim);
  const rows = outer * inner;
  if (n === 0 || rows === 0) return;
  const form = rowForm(n);
  const b = bind([{ buf: y.buffer as GpuBuf }, { buf: g.buffer as GpuBuf }, { buf: gradIn.buffer as GpuBuf, write: true }]);
  const [Y, G, O] = b.names as [string, string, string];
  const yv = `bitcast<f32>(${Y}[P[3] + base + j * inner])`;
  const gv = `bitcast<f32>(${G}[P[4] + base + j * inner])`;
  const term = p.log ? gv : `${gv} * ${yv}`;
  const res = p.log ? `${gv} - exp(${yv}) * d` : `${yv} * (${gv} - d)`;
  rt.run(
    `softmaxBackward:${p.log ? 'log' : 'exp'}:${form}:${b.key}`,
    () => `${rowHead(form, b.decl)}${ROW_BASE}
  var acc = 0.0;
  for (var j = T0; j < n; j += TS) { acc += ${term}; }
  let d = wsum(acc);
  for (var j = T0; j < n; j += TS) { ${O}[P[5] + base + j * inner] = bitcast<u32>(${res}); }
}`,
    b,
    [rows, n, inner, y.offset, g.offset, gradIn.offset],
    rowGrid(form, rows),
  );
}
