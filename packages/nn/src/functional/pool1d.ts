/**
 * Note [1-D pooling as 2-D pooling of unit height]
 * `maxPool1d`, `avgPool1d`, `adaptiveAvgPool1d` and `adaptiveMaxPool1d` pool [C, L] or [N, C, L]
 * as the 2-D ops over [.., 1, L] with a [1, k] window: the same kernels (and webgpu paths), the
 * same divisor rules, and max pooling's flat index h·W + w is w when H = 1, which is torch's 1-D
 * index.
 */
import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, isFloating, type Tensor, type ValuesIndices } from '@dl/tensor';
import { defineOp } from '@dl/tensor/internal';
import { adaptiveAvgPool2d } from './conv.js';
import { pairOf } from './values-indices.js';

/** A 1-D size: a number or a one-entry tuple. */
export type Size1 = number | readonly [number] | readonly number[];

function one(v: Size1, name: string, op: string): number {
  if (typeof v === 'number') return v;
  if (v.length !== 1) throw new ArgumentError(`${op}: ${name} must be a number or a 1-tuple, got ${JSON.stringify(v)}`, { op });
  return v[0]!;
}

function check1d(op: string, x: Tensor): void {
  if (x.dim() !== 2 && x.dim() !== 3)
    throw new ShapeError(`${op}: expected a 2-D [C, L] or 3-D [N, C, L] input, got ${fmtShape(x.shape)}`, { op });
}

/** Options of `F.maxPool1d` / `F.avgPool1d`. */
export interface Pool1dOptions {
  /** Defaults to kernelSize. */
  stride?: Size1 | null;
  padding?: Size1;
  /** max pooling only */
  dilation?: Size1;
  ceilMode?: boolean;
  /** avg pooling: count padding zeros in the divisor (default true). */
  countIncludePad?: boolean;
}

function params1d(op: string, kernelSize: Size1, o: Pool1dOptions) {
  const k = one(kernelSize, 'kernelSize', op);
  const s =
    o.stride === undefined || o.stride === null || (Array.isArray(o.stride) && o.stride.length === 0) ? k : one(o.stride, 'stride', op);
  return {
    kernelSize: [1, k] as [number, number],
    stride: [1, s] as [number, number],
    padding: [0, one(o.padding ?? 0, 'padding', op)] as [number, number],
    dilation: [1, one(o.dilation ?? 1, 'dilation', op)] as [number, number],
    ceilMode: o.ceilMode ?? false,
    countIncludePad: o.countIncludePad ?? true,
  };
}

/**
 * 1-D max pooling over [C, L] or [N, C, L] (Note [1-D pooling as 2-D pooling of unit height]).
 *
 * @example
 * F.maxPool1d(x, 3, { stride: 2, padding: 1 });
 */
export function maxPool1d(x: Tensor, kernelSize: Size1, opts: Pool1dOptions = {}): Tensor {
  return maxPool1dWithIndices(x, kernelSize, opts).values;
}

/**
 * 1-D max pooling that also returns torch's indices (positions in L, int32), as `return_indices=True`.
 *
 * @example
 * const { values, indices } = F.maxPool1dWithIndices(x, 2);
 */
export function maxPool1dWithIndices(x: Tensor, kernelSize: Size1, opts: Pool1dOptions = {}): ValuesIndices {
  check1d('maxPool1d', x);
  const r = dl.maxPool2d(x.unsqueeze(-2), params1d('maxPool1d', kernelSize, opts));
  return pairOf({ values: r.values.squeeze(-2), indices: r.indices.squeeze(-2) });
}

/**
 * 1-D average pooling over [C, L] or [N, C, L] (torch's divisor rules for padding,
 * `countIncludePad`, `ceilMode`).
 *
 * @example
 * F.avgPool1d(x, 3, { stride: 1, padding: 1, countIncludePad: false });
 */
export function avgPool1d(x: Tensor, kernelSize: Size1, opts: Omit<Pool1dOptions, 'dilation'> = {}): Tensor {
  check1d('avgPool1d', x);
  return dl.avgPool2d(x.unsqueeze(-2), params1d('avgPool1d', kernelSize, { ...opts, dilation: 1 })).squeeze(-2);
}

/**
 * Adaptive average pooling of [C, L] or [N, C, L] to `outputSize` with torch's bins.
 *
 * @example
 * F.adaptiveAvgPool1d(x, 4);
 */
export function adaptiveAvgPool1d(x: Tensor, outputSize: Size1): Tensor {
  check1d('adaptiveAvgPool1d', x);
  return adaptiveAvgPool2d(x.unsqueeze(-2), [1, one(outputSize, 'outputSize', 'adaptiveAvgPool1d')]).squeeze(-2);
}

/** torch's adaptive bin [start, end) of output i of an axis of size n pooled to out. */
const binStart = (i: number, out: number, n: number) => Math.floor((i * n) / out);
const binEnd = (i: number, out: number, n: number) => Math.ceil(((i + 1) * n) / out);

/**
 * Note [Adaptive max pooling as one gather]
 * Output (oh, ow) of adaptive max pooling is the max over its bin rows × bin columns (torch's
 * bins, Note [Adaptive average pooling as window sums] in @dl/tensor). The bins of one output size
 * differ by at most one position, so dl gathers every window, padded to the widest with repeats
 * of the window's first position (a repeat never changes the max nor, being later, its first
 * index), into [N, C, OH·OW, K], takes `max` over K — or, as torch's scan (`val > max || isnan(val)`),
 * the last NaN of the window's own taps when it holds one — and maps the winning tap to torch's
 * flat index h·W + w through the same table; the value is gathered at that tap. The gradient is gather's and max's: each output's
 * gradient goes to the one input it took, as torch's AdaptiveMaxPool2DBackward0.
 */
const adaptiveMax = defineOp('adaptiveMaxPool2d', (x: Tensor, OH: number, OW: number): { values: Tensor; indices: Tensor } => {
  const op = 'adaptiveMaxPool2d';
  const H = x.shape[x.dim() - 2]!;
  const W = x.shape[x.dim() - 1]!;
  const kh = Math.max(0, ...Array.from({ length: OH }, (_, i) => binEnd(i, OH, H) - binStart(i, OH, H)));
  const kw = Math.max(0, ...Array.from({ length: OW }, (_, j) => binEnd(j, OW, W) - binStart(j, OW, W)));
  const K = kh * kw;
  const table = new Int32Array(OH * OW * K);
  const rank = new Int32Array(OH * OW * K); // t + 1 at the window's own taps, 0 at the repeats
  for (let i = 0; i < OH; i++)
    for (let j = 0; j < OW; j++) {
      const h0 = binStart(i, OH, H);
      const h1 = binEnd(i, OH, H);
      const w0 = binStart(j, OW, W);
      const w1 = binEnd(j, OW, W);
      let t = 0;
      const base = (i * OW + j) * K;
      for (let h = h0; h < h1; h++) for (let w = w0; w < w1; w++) (rank[base + t] = t + 1), (table[base + t++] = h * W + w);
      for (; t < K; t++) table[base + t] = h0 * W + w0;
    }
  const lead = x.shape.slice(0, -2);
  const flat = x.reshape([...lead, H * W]);
  const idx = dl.fromHost(table, [OH * OW * K], 'int32', x.device, op);
  const win = flat.indexSelect(-1, idx).reshape([...lead, OH * OW, K]);
  // torch's scan takes the first max, or the last NaN (Note [Adaptive max pooling as one gather])
  const lastNaN = win
    .isnan()
    .to('int32')
    .mul(dl.fromHost(rank, [OH * OW, K], 'int32', x.device, op))
    .amax(-1, { keepdim: true });
  const tap = lastNaN.sub(1).where(lastNaN.gt(0), win.max(-1, { keepdim: true }).indices);
  const tab = idx.reshape(OH * OW, K).expand([...lead, OH * OW, K]);
  const indices = tab.gather(-1, tap).squeeze(-1);
  const values = win.gather(-1, tap).squeeze(-1);
  return { values: values.reshape([...lead, OH, OW]), indices: indices.reshape([...lead, OH, OW]) };
});

function adaptiveMaxArgs(op: string, x: Tensor, outputSize: number | readonly (number | null)[], nd: 1 | 2): [number, number] {
  if (x.dim() !== nd + 1 && x.dim() !== nd + 2) {
    throw new ShapeError(`${op}: expected a ${nd + 1}-D or ${nd + 2}-D input, got ${fmtShape(x.shape)}`, { op });
  }
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating input, got ${x.dtype}`, { op, hint: 'cast with .float()' });
  const first = x.dim() - nd - 1;
  const empty = x.shape.findIndex((s, d) => d >= first && s === 0);
  if (empty >= 0) {
    throw new ShapeError(
      `${op}: expected input to have non-zero size for non-batch dimensions, but input has sizes ${fmtShape(x.shape)} with dimension ${empty} being empty`,
      { op },
    );
  }
  const os = typeof outputSize === 'number' ? Array(nd).fill(outputSize) : [...outputSize];
  if (os.length !== nd) throw new ArgumentError(`${op}: output size must have ${nd} entries, got ${JSON.stringify(outputSize)}`, { op });
  const sizes = os.map((o, i) => o ?? x.shape[x.dim() - nd + i]!);
  if (!sizes.every((s) => Number.isInteger(s) && s >= 0))
    throw new ArgumentError(`${op}: output size must be non-negative integers, got ${JSON.stringify(outputSize)}`, { op });
  return nd === 1 ? [1, sizes[0]!] : [sizes[0]!, sizes[1]!];
}

/**
 * Adaptive max pooling of [C, H, W] or [N, C, H, W] to `outputSize` (null keeps a size), with
 * torch's bins (Note [Adaptive max pooling as one gather]).
 *
 * @example
 * F.adaptiveMaxPool2d(x, [7, 7]);
 */
export function adaptiveMaxPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  return adaptiveMaxPool2dWithIndices(x, outputSize).values;
}

/**
 * Adaptive max pooling that also returns torch's flat indices h·W + w (int32).
 *
 * @example
 * const { values, indices } = F.adaptiveMaxPool2dWithIndices(x, 2);
 */
export function adaptiveMaxPool2dWithIndices(x: Tensor, outputSize: number | readonly (number | null)[]): ValuesIndices {
  const [OH, OW] = adaptiveMaxArgs('adaptiveMaxPool2d', x, outputSize, 2);
  return pairOf(adaptiveMax(x, OH, OW));
}

/**
 * Adaptive max pooling of [C, L] or [N, C, L] to `outputSize`.
 *
 * @example
 * F.adaptiveMaxPool1d(x, 4);
 */
export function adaptiveMaxPool1d(x: Tensor, outputSize: Size1): Tensor {
  return adaptiveMaxPool1dWithIndices(x, outputSize).values;
}

/**
 * Adaptive 1-D max pooling that also returns the positions in L (int32).
 *
 * @example
 * const { values, indices } = F.adaptiveMaxPool1dWithIndices(x, 4);
 */
export function adaptiveMaxPool1dWithIndices(x: Tensor, outputSize: Size1): ValuesIndices {
  const [, OL] = adaptiveMaxArgs('adaptiveMaxPool1d', x, [one(outputSize, 'outputSize', 'adaptiveMaxPool1d')], 1);
  const r = adaptiveMax(x.unsqueeze(-2), 1, OL);
  return pairOf({ values: r.values.squeeze(-2), indices: r.indices.squeeze(-2) });
}
