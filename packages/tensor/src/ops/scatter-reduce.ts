/**
 * `scatterReduce` (`torch.Tensor.scatter_reduce`): scatter with a reduction.
 *
 * Note [scatterReduce without a kernel]
 * `sum` and `mean` are scatter-adds. `amax`, `amin` and `prod` have no scatter kernel: for each
 * index row along `dim` the op compares every index with every place it can go to (`[..., k, n]`,
 * k the index size and n the size of `dim`) or, when there are fewer indices than places, with
 * every other index (`[..., k, k]`), reduces the source values that go to the same place, and
 * scatters each group's result (every member of a group writes the same value, so the assignment
 * order does not matter). That costs O(index.numel() · min(k, n)): fine for the sizes
 * scatter_reduce is used at in models (segment reductions over a few hundred places); a kernel
 * would make it linear. The forward runs on detached inputs and autograd records one
 * `scatterReduce` node with torch 1.13's gradient (ScatterReduceBackward0: ties of amax/amin
 * share the gradient evenly, counting `self` too, as torch does even with `includeSelf: false`).
 */
import { defineOp, recordOp } from '../dispatch.js';
import { isFloating, type DType } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { applyInPlace } from './inplace.js';
import { runDetached } from './composite.js';
import { commonDevice } from './core.js';
import { arange } from './creation.js';
import { where } from './elementwise.js';
import { checkIndexBounds } from './index-bounds.js';
import { sliceDims } from './views.js';

/** The reductions of `scatterReduce`. */
export type ScatterReduction = 'sum' | 'prod' | 'mean' | 'amax' | 'amin';

/** `includeSelf` (torch's `include_self=`): whether `self`'s values take part (default true). */
export interface ScatterReduceOptions {
  includeSelf?: boolean;
}

declare module '../tensor.js' {
  interface Tensor {
    /**
     * A copy with `src` reduced into it at `index` along `dim` (`torch.Tensor.scatter_reduce`).
     * @example dl.zeros(3).scatterReduce(0, dl.tensor([0, 0, 2]).long(), dl.tensor([1, 2, 3.]), 'amax'); // [2, 0, 3]
     */
    scatterReduce(dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, opts?: ScatterReduceOptions): Tensor;
    /**
     * In-place `scatterReduce`.
     * @example x.scatterReduce_(0, idx, src, 'sum', { includeSelf: false });
     */
    scatterReduce_(dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, opts?: ScatterReduceOptions): Tensor;
  }
}

const REDUCTIONS: readonly string[] = ['sum', 'prod', 'mean', 'amax', 'amin'];

/** The neutral element of a reduction in `dtype` (what a non-member of a group contributes). */
function identity(reduce: ScatterReduction, dtype: DType): number {
  if (reduce === 'prod') return 1;
  const int =
    dtype === 'int32' ? [-2147483648, 2147483647] : dtype === 'uint8' ? [0, 255] : dtype === 'bool' ? [0, 1] : [-Infinity, Infinity];
  return reduce === 'amax' ? int[0]! : int[1]!;
}

/**
 * Reduce `src` into a copy of `x` at `index` along `dim` with `reduce` (`'sum'`, `'prod'`,
 * `'mean'`, `'amax'`, `'amin'`), as `torch.scatter_reduce`. With `includeSelf: false` the values of
 * `x` at the indexed places do not take part. Integer `'mean'` rounds down, as torch.
 *
 * @example
 * const x = dl.tensor([1, 2, 3, 4.]);
 * x.scatterReduce(0, dl.tensor([0, 1, 0, 1]).long(), dl.tensor([5, 6, 7, 8.]), 'amax'); // [7, 8, 3, 4]
 * dl.scatterReduce(x, 0, dl.tensor([0, 0]).long(), dl.tensor([2, 4.]), 'mean', { includeSelf: false }); // [3, 2, 3, 4]
 */
export const scatterReduce = defineOp(
  'scatterReduce',
  (x: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, opts: ScatterReduceOptions = {}): Tensor => {
    const op = 'scatterReduce';
    if (!REDUCTIONS.includes(reduce)) {
      throw new ArgumentError(`scatterReduce: reduce argument must be either sum, prod, mean, amax or amin, got ${String(reduce)}`, { op });
    }
    if (!(index instanceof Tensor) || !(src instanceof Tensor)) {
      throw new ArgumentError('scatterReduce: index and src must be Tensors', { op, hint: 'x.scatterReduce(dim, index, src, reduce)' });
    }
    if (index.dtype !== 'int32' && index.dtype !== 'uint8') {
      throw new DTypeError(
        `scatterReduce: expected index to be an integer tensor (int32), got ${index.dtype} with shape ${fmtShape(index.shape)}`,
        {
          op,
          hint: 'cast with .long() (int32 in dl)',
        },
      );
    }
    if (src.dtype !== x.dtype) {
      throw new DTypeError(`scatterReduce: expected self.dtype to be equal to src.dtype, got ${x.dtype} and ${src.dtype}`, {
        op,
        hint: `cast src with .to('${x.dtype}')`,
      });
    }
    if (x.dtype === 'bool' && reduce !== 'sum' && reduce !== 'amax' && reduce !== 'amin') {
      throw new DTypeError(`scatterReduce: reduce '${reduce}' is not implemented for bool tensors`, {
        op,
        hint: "cast first, e.g. x.to('int32')",
      });
    }
    commonDevice(op, x, index, src);
    const includeSelf = opts.includeSelf ?? true;
    // torch treats 0-d tensors as 1-d here
    if (x.dim() === 0 || index.dim() === 0 || src.dim() === 0) {
      if (x.dim() <= 1 && index.dim() <= 1 && src.dim() <= 1) {
        const r = scatterReduce(x.reshape([-1]), dim, index.reshape([-1]), src.reshape([-1]), reduce, opts);
        return x.dim() === 0 ? r.reshape([]) : r;
      }
    }
    const d = normDim(dim, x.dim(), op);
    if (index.dim() !== x.dim() || src.dim() !== x.dim()) {
      throw new ShapeError(
        `scatterReduce: index ${fmtShape(index.shape)}, src ${fmtShape(src.shape)} and self ${fmtShape(x.shape)} must have the same number of dimensions`,
        { op },
      );
    }
    for (let i = 0; i < x.dim(); i++) {
      if (index.shape[i]! > src.shape[i]! || (i !== d && index.shape[i]! > x.shape[i]!)) {
        throw new ShapeError(
          `scatterReduce: expected index ${fmtShape(index.shape)} to be smaller than self ${fmtShape(x.shape)} apart from dimension ${d} and to be smaller than src ${fmtShape(src.shape)}`,
          { op },
        );
      }
    }
    checkIndexBounds(op, index, d, x.shape[d]!, { negativeWraps: false, selfShape: x.shape, onDevice: true }); // Note [Index bounds on the host]
    const out = runDetached([x, index, src], (xd, id, sd) => scatterReduceForward(xd, d, id, srcPart(sd, id), reduce, includeSelf));
    recordOp('scatterReduce', [x, index, src], out, { dim: d, reduce, includeSelf });
    return out;
  },
);

/** `src` cut to the index's shape: the part scatter reads. */
function srcPart(src: Tensor, index: Tensor): Tensor {
  if (src.shape.every((s, i) => s === index.shape[i])) return src;
  return sliceDims(
    src,
    src.shape.map(() => 0),
    [...index.shape],
    src.shape.map(() => 1),
  );
}

function scatterReduceForward(x: Tensor, d: number, index: Tensor, src: Tensor, reduce: ScatterReduction, includeSelf: boolean): Tensor {
  if (index.numel() === 0) return x.clone();
  const base = includeSelf ? x : x.scatter(d, index, 0);
  if (reduce === 'sum') return base.scatterAdd(d, index, src);
  if (reduce === 'mean') {
    const total = base.scatterAdd(d, index, src);
    const ones = index.newOnes([...index.shape], { dtype: x.dtype });
    const start = includeSelf ? x.newOnes([...x.shape]) : x.newOnes([...x.shape]).scatter(d, index, 0);
    const count = start.scatterAdd(d, index, ones);
    const safe = where(count.eq(0), 1, count).to(x.dtype);
    return isFloating(x.dtype) ? total.div(safe) : total.div(safe, { roundingMode: 'floor' }).to(x.dtype);
  }
  // Note [scatterReduce without a kernel]: group the source values by index, per index row
  const last = x.dim() - 1;
  const it = index.transpose(d, last);
  const st = src.transpose(d, last);
  const k = index.shape[d]!;
  const n = x.shape[d]!;
  const fill = identity(reduce, x.dtype);
  const reduceAxis = (t: Tensor, axis: number) => (reduce === 'amax' ? t.amax(axis) : reduce === 'amin' ? t.amin(axis) : t.prod(axis));
  let grouped: Tensor;
  if (n < k) {
    // fewer places than indices: reduce per place ([..., k, n]), then read each index's place
    const places = arange(n, undefined, 1, { dtype: 'int32', device: x.device });
    const perPlace = reduceAxis(where(it.unsqueeze(-1).eq(places), st.unsqueeze(-1), fill), -2); // [..., n]
    grouped = perPlace.transpose(d, last).to(x.dtype).gather(d, index);
  } else {
    // [..., j, j']: indices j and j' go to one place
    const members = where(it.unsqueeze(-1).eq(it.unsqueeze(-2)), st.unsqueeze(-2), fill);
    grouped = reduceAxis(members, -1).transpose(d, last).to(x.dtype);
  }
  if (includeSelf) {
    const own = x.gather(d, index);
    grouped =
      reduce === 'amax' ? maxNaN(grouped, own, 'max') : reduce === 'amin' ? maxNaN(grouped, own, 'min') : grouped.mul(own).to(x.dtype);
  }
  return x.scatter(d, index, grouped);
}

/** maximum / minimum that propagate NaN, as torch's scatter_reduce. */
function maxNaN(a: Tensor, b: Tensor, which: 'max' | 'min'): Tensor {
  const m = which === 'max' ? a.maximum(b) : a.minimum(b);
  return isFloating(a.dtype) ? where(a.isnan(), a, where(b.isnan(), b, m)) : m;
}

export const scatterReduceMethods = {
  scatterReduce(this: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, opts?: ScatterReduceOptions) {
    return scatterReduce(this, dim, index, src, reduce, opts);
  },
  scatterReduce_(this: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, opts?: ScatterReduceOptions) {
    applyInPlace(this, 'scatterReduce_', (s) => scatterReduce(s, dim, index, src, reduce, opts));
    return this;
  },
} satisfies TensorMethods;
