/**
 * Note [Order statistics from sort]
 * `median`, `nanmedian`, `kthvalue`, `mode`, `quantile` and `nanquantile` are composed of the
 * stable `argsort` (NaN sorts last) on detached values: the position each wants in the sorted
 * slice is computed on the device (no host reads, so they run on webgpu as on cpu), its original
 * index is read from the argsort, and the values are `x.gather(dim, index)`, whose gradient
 * (scatter into the index) is torch's value_selecting_reduction_backward. The whole-tensor
 * `median()` / `nanmedian()` instead spread the gradient evenly over the elements equal to the
 * result, as torch's evenly_distribute_backward: their value is taken again as the `max()` (or,
 * for -inf, the `min()`) of the input restricted to those elements, whose backward does exactly
 * that. `quantile` follows torch's composite: sort, ranks `q·(n - 1)` (NaN rows: the last rank;
 * nanquantile counts non-NaN values), rounding by `interpolation`, two gathers and a `lerp`.
 *
 * Ties: torch documents the index among equal values as unspecified for median/kthvalue; dl's is
 * the first in sorted order (the smallest index, as the sort is stable). `mode` follows torch's
 * rule: the smallest of the most frequent values, at the largest index it occurs (NaNs are never
 * equal, so each counts once).
 */
import { defineOp, deviceCan, readHostSync } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { arange, fromHost, full } from './creation.js';
import { where, lerp } from './elementwise.js';
import { cat, gather } from './indexing.js';
import { valuesIndices, type ValuesIndices } from './reduce.js';
import { argsort, sort } from './sort.js';
import { DEFERRED_NOTE, checkOnDevice } from './device-check.js';
import { cummax, cummin } from './cumulative.js';
import { checkOptionsArg } from './options-arg.js';

function needNonEmpty(op: string, x: Tensor, d: number): void {
  if (x.dim() > 0 && x.shape[d] === 0) {
    throw new IndexError(`${op}: cannot compute ${op} over dim ${d} of size 0 (input shape ${fmtShape(x.shape)})`, {
      op,
      hint: `${op} has no value over no elements; reduce over a non-empty dim`,
    });
  }
}

/** `[values, indices]` picking, per slice along `d`, sorted position `pos` (int32, keepdim shape). */
function pickSorted(x: Tensor, d: number, order: Tensor, pos: Tensor, keepdim: boolean): ValuesIndices {
  let indices = gather(order, d, pos);
  let values = gather(x, d, indices);
  if (!keepdim) {
    indices = indices.squeeze(d);
    values = values.squeeze(d);
  }
  return valuesIndices(values, indices);
}

/** Count of NaNs along `d` (keepdim, int32); zeros for non-float dtypes. */
function nanCount(x: Tensor, d: number): Tensor {
  return x.isnan().sum(d, { keepdim: true });
}

function medianDim(op: 'median' | 'nanmedian', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const d = normDim(dim, x.dim(), op);
  if (x.dim() === 0) return valuesIndices(x.clone(), fromHost([0], [], 'int32', x.device, op));
  needNonEmpty(op, x, d);
  const n = x.shape[d]!;
  const order = argsort(x.detach(), d);
  const nans = nanCount(x.detach(), d);
  // median: a NaN in the slice is the result (its first occurrence); nanmedian: the lower median of the rest
  const pos =
    op === 'median'
      ? where(nans.gt(0), nans.neg().add(n), Math.floor((n - 1) / 2))
      : nans
          .neg()
          .add(n - 1)
          .floorDivide(2)
          .clamp(0);
  return pickSorted(x, d, order, pos.to('int32'), keepdim);
}

/** The whole-tensor (nan)median's value from host data: a native sort of the non-NaN values. */
function medianHost(op: 'median' | 'nanmedian', flat: Tensor): Tensor {
  const data = readHostSync(flat.detach().contiguous(), op);
  const vals = new Float64Array(data.length);
  let k = 0;
  for (let i = 0; i < data.length; i++) if (data[i] === data[i]) vals[k++] = data[i]!;
  const nan = k < data.length;
  const r = (op === 'median' && nan) || k === 0 ? NaN : vals.subarray(0, k).sort()[(k - 1) >> 1]!;
  return fromHost([r], [], flat.dtype, flat.device, op);
}

/** The whole-tensor median: 0-d, NaN for an empty input (as torch), gradient spread over the ties. */
function medianAll(op: 'median' | 'nanmedian', x: Tensor): Tensor {
  const flat = x.reshape([-1]);
  if (flat.numel() === 0) return x.sum().mul(NaN); // NaN with a (zero) gradient
  const v = deviceCan(x, 'readSync') ? medianHost(op, flat) : medianDim(op, flat.detach(), 0, false)[0];
  if (!isFloating(x.dtype) || !x.requiresGrad) return v!;
  // Note [Order statistics from sort]: evenly_distribute_backward through max()/min()
  const mask = where(v!.isnan(), flat.isnan(), flat.eq(v!));
  const hi = where(mask, flat, -Infinity).max();
  const lo = where(mask, flat, Infinity).min();
  return where(v!.eq(-Infinity), lo, hi);
}

/**
 * The lower median (`torch.median`): of all elements (a 0-d tensor), or along `dim` giving
 * `[values, indices]`. NaN propagates: a slice with a NaN has median NaN (at its first NaN).
 *
 * @example
 * dl.tensor([1, 4, 2, 3]).median();          // tensor(2.)
 * const [v, i] = x.median(1, { keepdim: true });
 */
export function median(x: Tensor): Tensor;
export function median(x: Tensor, dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
export function median(x: Tensor, dim?: number, opts: { keepdim?: boolean } = {}): Tensor | ValuesIndices {
  checkOptionsArg('median', opts, 'x.median(1, { keepdim: true })');
  return medianOp('median', x, dim, opts.keepdim ?? false);
}

/**
 * `median` ignoring NaNs (`torch.nanmedian`): the lower median of the non-NaN values (NaN where a
 * slice has only NaNs).
 *
 * @example
 * dl.tensor([1, NaN, 3, 2]).nanmedian(); // tensor(2.)
 */
export function nanmedian(x: Tensor): Tensor;
export function nanmedian(x: Tensor, dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
export function nanmedian(x: Tensor, dim?: number, opts: { keepdim?: boolean } = {}): Tensor | ValuesIndices {
  checkOptionsArg('nanmedian', opts, 'x.nanmedian(1, { keepdim: true })');
  return medianOp('nanmedian', x, dim, opts.keepdim ?? false);
}

const medianOp = defineOp(
  (op) => op,
  (op: 'median' | 'nanmedian', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | ValuesIndices =>
    dim === undefined ? medianAll(op, x) : medianDim(op, x, dim, keepdim),
);

/**
 * The `k`-th smallest element along `dim` (last by default), 1-based, and its index
 * (`torch.kthvalue`): `[values, indices]`. NaN counts as the largest value.
 *
 * @example
 * const [v, i] = dl.tensor([5, 1, 4]).kthvalue(2); // v: tensor(4.), i: tensor(2)
 */
export const kthvalue = defineOp('kthvalue', (x: Tensor, k: number, dim: number = -1, opts: { keepdim?: boolean } = {}): ValuesIndices => {
  checkOptionsArg('kthvalue', opts, 'x.kthvalue(2, 1, { keepdim: true })');
  const d = normDim(dim, x.dim(), 'kthvalue');
  const n = x.dim() === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k))
    throw new ArgumentError(`kthvalue: k must be an integer, got ${k}`, {
      op: 'kthvalue',
      hint: 'k is 1-based: x.kthvalue(1) is the smallest',
    });
  if (k < 1 || k > n) {
    throw new IndexError(`kthvalue: k (${k}) out of range for dimension ${d} of size ${n} (input shape ${fmtShape(x.shape)})`, {
      op: 'kthvalue',
      hint: `k is 1-based: 1 <= k <= ${n}`,
    });
  }
  if (x.dim() === 0) return valuesIndices(x.clone(), fromHost([0], [], 'int32', x.device, 'kthvalue'));
  const order = argsort(x.detach(), d);
  const pos = order
    .narrow(d, k - 1, 1)
    .mul(0)
    .add(k - 1);
  return pickSorted(x, d, order, pos, opts.keepdim ?? false);
});

/**
 * The most frequent value along `dim` (last by default) and an index where it occurs
 * (`torch.mode`): `[values, indices]`. Ties between values: the smallest; the index is the last
 * occurrence, as torch.
 *
 * @example
 * const [v, i] = dl.tensor([3, 1, 1, 3, 2]).mode(); // v: tensor(1.), i: tensor(2)
 */
export const mode = defineOp('mode', (x: Tensor, dim: number = -1, opts: { keepdim?: boolean } = {}): ValuesIndices => {
  checkOptionsArg('mode', opts, 'x.mode(1, { keepdim: true })');
  const d = normDim(dim, x.dim(), 'mode');
  if (x.dim() === 0) return valuesIndices(x.clone(), fromHost([0], [], 'int32', x.device, 'mode'));
  needNonEmpty('mode', x, d);
  const n = x.shape[d]!;
  const [s, order] = sort(x.detach(), d);
  // runs of equal values in the sorted slice: each element's run start and end (exclusive)
  const pos = arange(n, undefined, 1, { dtype: 'int32', device: x.device })
    .reshape(x.shape.map((sz, i) => (i === d ? sz : 1)))
    .expand([...x.shape]);
  const differs = s!.narrow(d, 1, n - 1).ne(s!.narrow(d, 0, n - 1)); // NaN != NaN: each NaN is a run
  const yes = full(
    x.shape.map((sz, i) => (i === d ? 1 : sz)),
    true,
    { dtype: 'bool', device: x.device },
  );
  const startFlag = cat([yes, differs], d);
  const endFlag = cat([differs, yes], d);
  const starts = cummax(where(startFlag, pos, 0), d).values;
  const ends = cummin(where(endFlag, pos.add(1), n).flip(d), d).values.flip(d);
  const count = ends.sub(starts);
  // the first run (smallest value) with the largest count; its last element has the largest index
  const best = count.argmax(d, { keepdim: true });
  const lastOfRun = gather(ends, d, best).sub(1);
  return pickSorted(x, d, order!, lastOfRun, opts.keepdim ?? false);
});

/** Interpolation of {@link quantile} between the two nearest sorted values. */
export type QuantileInterpolation = 'linear' | 'lower' | 'higher' | 'midpoint' | 'nearest';

/** Options of {@link quantile}: torch's keywords. */
export interface QuantileOptions {
  /** The dim to reduce (default: all elements, flattened). */
  dim?: number | null;
  keepdim?: boolean;
  /** Default 'linear'. */
  interpolation?: QuantileInterpolation;
}

const INTERPOLATIONS: readonly string[] = ['linear', 'lower', 'higher', 'midpoint', 'nearest'];

function quantileImpl(op: 'quantile' | 'nanquantile', x: Tensor, q: number | readonly number[] | Tensor, opts: QuantileOptions): Tensor {
  checkOptionsArg(op, opts, `x.${op}(0.5, { dim: 1, keepdim: true })`);
  const interpolation = opts.interpolation ?? 'linear';
  if (!INTERPOLATIONS.includes(interpolation)) {
    throw new ArgumentError(`${op}: interpolation must be one of ${INTERPOLATIONS.join(', ')}, got '${String(interpolation)}'`, { op });
  }
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`${op}: input tensor must be either float or double dtype, got ${x.dtype} ${fmtShape(x.shape)}`, {
      op,
      hint: 'cast first with .float()',
    });
  }
  if (x.numel() === 0) throw new ShapeError(`${op}: input tensor must be non-empty (shape ${fmtShape(x.shape)})`, { op });
  let qt: Tensor;
  if (q instanceof Tensor) {
    if (q.dtype !== x.dtype) {
      throw new DTypeError(`${op}: q tensor must be same dtype as the input tensor, got ${q.dtype} and ${x.dtype}`, {
        op,
        hint: `q.to('${x.dtype}')`,
      });
    }
    if (q.dim() > 1) throw new ShapeError(`${op}: q must be a scalar or 1D tensor, got shape ${fmtShape(q.shape)}`, { op });
    if (q.device !== x.device)
      throw new ArgumentError(`${op}: q is on ${q.device} and the input on ${x.device}`, { op, hint: `q.to('${x.device}')` });
    qt = q.detach();
  } else {
    const qs = typeof q === 'number' ? [q] : [...q];
    qt = fromHost(qs, typeof q === 'number' ? [] : [qs.length], x.dtype, x.device, op);
  }
  const host: ArrayLike<number> | null =
    q instanceof Tensor
      ? deviceCan(q, 'readSync') && q.numel() > 0
        ? readHostSync(q.contiguous(), op)
        : null
      : typeof q === 'number'
        ? [q]
        : q;
  const rangeError = (v: number, hint?: string) => new ArgumentError(`${op}: q values must be in the range [0, 1], got ${v}`, { op, hint });
  if (host) {
    for (const v of Array.from(host)) if (!(v >= 0 && v <= 1)) throw rangeError(v);
  } else checkOnDevice(op, qt, { lo: 0, hi: 1, key: `${op}:q`, error: (v) => rangeError(v, DEFERRED_NOTE) });
  const dim = opts.dim ?? null;
  const keepdim = opts.keepdim ?? false;
  // sorted: keepdim shape + [n] (torch's unsqueeze(-1).transpose(dim, -1)), or [n] without dim
  let sorted: Tensor;
  let d = -1;
  if (dim === null) sorted = sort(x.reshape([-1]), -1).values;
  else {
    d = normDim(dim, x.dim(), op);
    sorted = x.dim() === 0 ? x.reshape([1]) : sort(x.unsqueeze(-1).transpose(d, -1), -1).values;
  }
  const n = sorted.shape[sorted.dim() - 1]!;
  const last = n - 1;
  const qv = qt.reshape([-1]); // [Q]
  const isnan = sorted.detach().isnan();
  let ranks: Tensor;
  if (op === 'nanquantile') {
    const cnt = isnan.logicalNot().sum(-1, { keepdim: true }).to(x.dtype).sub(1);
    ranks = qv.mul(cnt).clamp(0);
  } else {
    ranks = where(isnan.any(-1, { keepdim: true }), last, qv.mul(last));
  }
  if (interpolation === 'lower') ranks = ranks.floor();
  else if (interpolation === 'higher') ranks = ranks.ceil();
  else if (interpolation === 'nearest') ranks = ranks.round();
  const below = ranks.to('int32');
  const expanded = [...sorted.shape.slice(0, -1), qv.shape[0]!];
  const belowE = below.expand(expanded).contiguous();
  let r = gather(sorted, -1, belowE);
  if (interpolation === 'linear' || interpolation === 'midpoint') {
    const w = interpolation === 'midpoint' ? ranks.mul(0).add(0.5) : ranks.sub(below.to(x.dtype));
    const above = gather(sorted, -1, ranks.ceil().to('int32').expand(expanded).contiguous());
    r = lerp(r, above, w.expand(expanded));
  }
  // r: [...keepdim shape, Q] (or [Q]); q's dim goes first, as torch
  if (dim === null) {
    if (keepdim) r = r.reshape([...x.shape.map(() => 1), qv.shape[0]!]);
  } else if (!keepdim && x.dim() > 0) r = r.squeeze(d);
  if (q instanceof Tensor ? q.dim() === 0 : typeof q === 'number') return r.squeeze(-1);
  return r.dim() === 1 ? r : r.permute([r.dim() - 1, ...Array.from({ length: r.dim() - 1 }, (_, i) => i)]);
}

/**
 * The `q`-th quantiles (`torch.quantile`) of all elements or along `dim`: `q` a number (the
 * result has the reduced shape) or a list / 1-D tensor (its dim comes first). NaN in a slice
 * gives NaN. `interpolation`: 'linear' (default), 'lower', 'higher', 'midpoint', 'nearest'.
 *
 * @example
 * dl.quantile(dl.tensor([1, 2, 3, 4]), 0.5);                         // tensor(2.5000)
 * x.quantile([0.25, 0.75], { dim: 1, keepdim: true, interpolation: 'lower' });
 */
export const quantile = defineOp(
  'quantile',
  (x: Tensor, q: number | readonly number[] | Tensor, opts: QuantileOptions = {}): Tensor => quantileImpl('quantile', x, q, opts),
);

/**
 * {@link quantile} ignoring NaNs (`torch.nanquantile`): NaN only where a slice is all NaN.
 *
 * @example
 * dl.nanquantile(dl.tensor([1, NaN, 3]), 0.5); // tensor(2.)
 */
export const nanquantile = defineOp(
  'nanquantile',
  (x: Tensor, q: number | readonly number[] | Tensor, opts: QuantileOptions = {}): Tensor => quantileImpl('nanquantile', x, q, opts),
);

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The lower median of all elements (0-d), or along `dim` the `{ values, indices }` of the medians, as
     * `torch.Tensor.median` (of an even count the smaller middle value, as torch). NaN propagates; see `nanmedian`.
     *
     * @example
     * dl.tensor([[1, 5, 2, 4]]).median(1).values; // → tensor([2.])
     */
    median(): Tensor;
    median(dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
    /**
     * `median` ignoring NaNs (NaN only where a row is all NaN), as `torch.Tensor.nanmedian`.
     *
     * @example
     * dl.tensor([1, NaN, 3, 2]).nanmedian(); // → tensor(2.)
     */
    nanmedian(): Tensor;
    nanmedian(dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
    /**
     * The k-th smallest element (1-based) along `dim` (default last) and its index: `{ values, indices }`, as
     * `torch.Tensor.kthvalue`.
     *
     * @example
     * dl.tensor([5, 1, 4, 2]).kthvalue(2).values; // → tensor(2.)
     */
    kthvalue(k: number, dim?: number, opts?: { keepdim?: boolean }): ValuesIndices;
    /**
     * The most frequent value along `dim` (default last; the smallest among ties) and an index of it:
     * `{ values, indices }`, as `torch.Tensor.mode`.
     *
     * @example
     * dl.tensor([[1, 2, 2, 3]]).mode(1).values; // → tensor([2.])
     */
    mode(dim?: number, opts?: { keepdim?: boolean }): ValuesIndices;
    /**
     * The `q`-th quantiles (numbers in [0, 1], a list or a tensor) over all elements or `{ dim }`, with torch's
     * `interpolation` modes (default linear), as `torch.Tensor.quantile`. NaN propagates; see `nanquantile`.
     *
     * @example
     * dl.tensor([1, 2, 3, 4]).quantile([0.25, 0.5]); // → tensor([1.7500, 2.5000])
     */
    quantile(q: number | readonly number[] | Tensor, opts?: QuantileOptions): Tensor;
    /**
     * `quantile` ignoring NaNs, as `torch.Tensor.nanquantile`.
     *
     * @example
     * dl.tensor([1, NaN, 3]).nanquantile(0.5); // → tensor(2.)
     */
    nanquantile(q: number | readonly number[] | Tensor, opts?: QuantileOptions): Tensor;
  }
}

/** The order statistics as Tensor methods (Note [Tensor methods from op families]). */
export const orderStatsMethods = {
  median(this: Tensor, dim?: number, opts?: { keepdim?: boolean }) {
    return (dim === undefined ? median(this) : median(this, dim, opts)) as Tensor & ValuesIndices;
  },
  nanmedian(this: Tensor, dim?: number, opts?: { keepdim?: boolean }) {
    return (dim === undefined ? nanmedian(this) : nanmedian(this, dim, opts)) as Tensor & ValuesIndices;
  },
  kthvalue(this: Tensor, k: number, dim?: number, opts?: { keepdim?: boolean }) {
    return kthvalue(this, k, dim, opts);
  },
  mode(this: Tensor, dim?: number, opts?: { keepdim?: boolean }) {
    return mode(this, dim, opts);
  },
  quantile(this: Tensor, q: number | readonly number[] | Tensor, opts?: QuantileOptions) {
    return quantile(this, q, opts);
  },
  nanquantile(this: Tensor, q: number | readonly number[] | Tensor, opts?: QuantileOptions) {
    return nanquantile(this, q, opts);
  },
} satisfies TensorMethods;
