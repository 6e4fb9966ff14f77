/**
 * Note [Adaptive average pooling as window sums]
 * PyTorch's adaptive pooling bins output i of an axis of size n → out over the input positions
 * [floor(i·n/out), ceil((i+1)·n/out)), and averages each 2-D window by `sum / (kh·kw)`. Each
 * output reads only its own window, so an inf or NaN reaches only the windows that hold it (an
 * averaging-matrix product would meet 0·inf = NaN everywhere else). dl sums one axis at a time:
 *  - windows that tile the axis (n a multiple of out): a reshape [out, n/out] and a sum;
 *  - otherwise a gather of each window's positions, padded to the widest window with a masked
 *    tap (filled with 0 by `maskedFill`, which selects, so a NaN next door does not leak in), then
 *    the sum over the taps.
 * The gradient is the same construction over the transposed bins (input j sums the outputs of
 * the windows that hold it, each divided by its window's size): `adaptiveAvgPool2dBackward`,
 * written with tensor ops so createGraph differentiates it again. Neither direction touches a
 * position outside the windows that hold it.
 */
import { defineOp, recordOp } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isFloating } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { fromHost } from './creation.js';

/** How one axis is summed: output i is the sum of input positions `index[i·k .. i·k + k)` (masked taps left out). */
interface AxisSum {
  out: number;
  k: number;
  /** the windows tile the input in order (input size out·k): a reshape, no gather */
  tiles: boolean;
  index: Int32Array | null;
  /** 1 at the padding taps of windows narrower than k */
  pad: Uint8Array | null;
}

/** PyTorch's adaptive bin [start, end) of output i (aten's start_index / end_index). */
const binStart = (i: number, out: number, n: number) => Math.floor((i * n) / out);
const binEnd = (i: number, out: number, n: number) => Math.ceil(((i + 1) * n) / out);

/** A window table from the list of positions (in a source axis of size n) of each output. */
function table(windows: number[][], n: number): AxisSum {
  const out = windows.length;
  const k = windows.reduce((m, w) => Math.max(m, w.length), 0);
  const index = new Int32Array(out * k);
  let pad: Uint8Array | null = null;
  let tiles = true;
  windows.forEach((w, i) => {
    for (let t = 0; t < k; t++) {
      if (w[t] !== i * k + t) tiles = false;
      if (t < w.length) index[i * k + t] = w[t]!;
      else {
        index[i * k + t] = w[0] ?? 0; // a position the window already reads; masked out below
        (pad ??= new Uint8Array(out * k))[i * k + t] = 1;
      }
    }
  });
  return { out, k, tiles: tiles && pad === null && out * k === n, index, pad };
}

/** The forward windows of an axis of size n pooled to out. */
function forwardAxis(n: number, out: number): AxisSum {
  const windows: number[][] = [];
  for (let i = 0; i < out; i++) {
    const w: number[] = [];
    for (let j = binStart(i, out, n); j < binEnd(i, out, n); j++) w.push(j);
    windows.push(w);
  }
  return table(windows, n);
}

/** The transposed windows: input position j sums the outputs whose window holds it. */
function backwardAxis(n: number, out: number): AxisSum {
  const windows: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < out; i++) for (let j = binStart(i, out, n); j < binEnd(i, out, n); j++) windows[j]!.push(i);
  return table(windows, out);
}

/** The sizes of the windows of an axis of size n pooled to out. */
function windowSizes(n: number, out: number): number[] {
  return Array.from({ length: out }, (_, i) => binEnd(i, out, n) - binStart(i, out, n));
}

/** Sum `t` over the windows of `a` along `dim` (Note [Adaptive average pooling as window sums]). */
function axisSum(t: Tensor, dim: number, a: AxisSum, op: string): Tensor {
  const before = t.shape.slice(0, dim);
  const after = t.shape.slice(dim + 1);
  if (a.tiles) return a.k === 1 ? t : t.reshape([...before, a.out, a.k, ...after]).sum(dim + 1);
  let y = t.indexSelect(dim, fromHost(a.index!, [a.out * a.k], 'int32', t.device, op));
  if (a.k === 1) return y;
  y = y.reshape([...before, a.out, a.k, ...after]);
  if (a.pad) y = y.maskedFill(fromHost(a.pad, [a.out, a.k, ...after.map(() => 1)], 'bool', t.device, op), 0);
  return y.sum(dim + 1);
}

/** `t` divided by each output's window size (kh·kw), as PyTorch's `sum / kh / kw`. */
function divideByWindow(t: Tensor, hs: number[], ws: number[], op: string): Tensor {
  const uniform = hs.every((s) => s === hs[0]) && ws.every((s) => s === ws[0]);
  if (uniform) return hs.length && ws.length && hs[0]! * ws[0]! !== 1 ? t.div(hs[0]! * ws[0]!) : t;
  const d = new Float64Array(hs.length * ws.length);
  hs.forEach((h, i) => ws.forEach((w, j) => (d[i * ws.length + j] = h * w)));
  return t.div(fromHost(d, [hs.length, ws.length], t.dtype, t.device, op));
}

/**
 * Adaptive average pooling of x [C, H, W] or [N, C, H, W] to [outH, outW] with PyTorch's bins:
 * one `AdaptiveAvgPool2DBackward0` node (Note [Composite ops as one node] in ops/composite.ts).
 * Each output averages only its own window (Note [Adaptive average pooling as window sums]).
 *
 * @example
 * adaptiveAvgPool2d(x, [1, 1]);
 */
export const adaptiveAvgPool2d = defineOp('adaptiveAvgPool2d', (x: Tensor, outputSize: readonly [number, number]): Tensor => {
  const op = 'adaptiveAvgPool2d';
  if (x.dim() !== 3 && x.dim() !== 4) throw new ShapeError(`${op}: expected a 3-D or 4-D input, got ${fmtShape(x.shape)}`, { op });
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating input, got ${x.dtype}`, { op, hint: 'cast with .float()' });
  const [OH, OW] = outputSize;
  if (!(Number.isInteger(OH) && Number.isInteger(OW) && OH >= 0 && OW >= 0)) {
    throw new ShapeError(`${op}: output size must be non-negative integers, got ${fmtShape(outputSize)}`, { op });
  }
  const first = x.dim() - 3; // the first non-batch dim
  const empty = x.shape.findIndex((s, d) => d >= first && s === 0);
  if (empty >= 0) {
    throw new ShapeError(
      `${op}: expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(x.shape)} with dimension ${empty} being empty`,
      {
        op,
        hint: 'only the batch dimension may be empty',
      },
    );
  }
  const hd = x.dim() - 2;
  const H = x.shape[hd]!;
  const W = x.shape[hd + 1]!;
  const out = runDetached([x], (xd) => {
    const y = axisSum(axisSum(xd, hd, forwardAxis(H, OH), op), hd + 1, forwardAxis(W, OW), op);
    const r = divideByWindow(y, windowSizes(H, OH), windowSizes(W, OW), op);
    return r === xd ? xd.clone() : r.contiguous();
  });
  recordOp('adaptiveAvgPool2d', [x], out, { inputShape: x.shape.slice(), outputSize: [OH, OW] });
  return out;
});

/**
 * @internal The gradient of {@link adaptiveAvgPool2d} with respect to its input of shape
 * `inputShape`: each input position sums `g / (kh·kw)` over the windows that hold it. Written with
 * tensor ops (differentiable again under createGraph).
 *
 * @example
 * adaptiveAvgPool2dBackward(g, [1, 2, 5, 7]);
 */
export function adaptiveAvgPool2dBackward(g: Tensor, inputShape: readonly number[]): Tensor {
  const op = 'adaptiveAvgPool2d';
  const hd = inputShape.length - 2;
  const H = inputShape[hd]!;
  const W = inputShape[hd + 1]!;
  const OH = g.shape[hd]!;
  const OW = g.shape[hd + 1]!;
  const scaled = divideByWindow(g, windowSizes(H, OH), windowSizes(W, OW), op);
  const r = axisSum(axisSum(scaled, hd, backwardAxis(H, OH), op), hd + 1, backwardAxis(W, OW), op);
  return r === g ? g.clone() : r;
}
