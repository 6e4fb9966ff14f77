/**
 * Index ops built on gather / scatter / indexSelect: `take`, `takeAlongDim`, `indexAdd`,
 * `indexCopy`, `indexFill` (and the in-place `indexAdd_`, `indexCopy_`, `indexFill_`), as torch.
 * Each is a composite: autograd comes from the ops it is made of.
 */
import { defineOp } from '../dispatch.js';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { commonDevice } from './core.js';
import { arange, fromHost } from './creation.js';
import { where } from './elementwise.js';
import { checkIndexBounds } from './index-bounds.js';
import { applyInPlace, maskedFillInPlace } from './inplace.js';
import { gather, indexSelect, scatter, scatterAdd } from './indexing.js';
import { checkOptionsArg } from './options-arg.js';

declare module '../tensor.js' {
  interface Tensor {
    /**
     * Entries of the flattened tensor at `index` (`torch.take`); negative indices count from the end.
     * @example dl.tensor([[1, 2], [3, 4]]).take(dl.tensor([0, -1]).long()); // [1, 4]
     */
    take(index: Tensor): Tensor;
    /**
     * `gather` with `indices` broadcast against this tensor (`torch.take_along_dim`); without `dim`, of the flattened tensor.
     * @example x.takeAlongDim(x.argmax(1, { keepdim: true }), 1);
     */
    takeAlongDim(indices: Tensor, dim?: number | null): Tensor;
    /**
     * A copy with `alpha * source` added at `index` along `dim` (`torch.Tensor.index_add`).
     * @example dl.zeros(3, 2).indexAdd(0, dl.tensor([0, 0]).long(), dl.ones(2, 2)); // row 0 is 2
     */
    indexAdd(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor;
    /**
     * In-place `indexAdd`.
     * @example x.indexAdd_(0, dl.tensor([2]).long(), dl.ones(1, 3), { alpha: -1 });
     */
    indexAdd_(dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }): Tensor;
    /**
     * A copy with the slices of `source` written at `index` along `dim` (`torch.Tensor.index_copy`).
     * @example dl.zeros(3).indexCopy(0, dl.tensor([2, 0]).long(), dl.tensor([5, 6.])); // [6, 0, 5]
     */
    indexCopy(dim: number, index: Tensor, source: Tensor): Tensor;
    /**
     * In-place `indexCopy`.
     * @example x.indexCopy_(1, dl.tensor([0]).long(), src);
     */
    indexCopy_(dim: number, index: Tensor, source: Tensor): Tensor;
    /**
     * A copy with `value` at `index` along `dim` (`torch.Tensor.index_fill`); `value` a number or a 0-d tensor.
     * @example dl.zeros(2, 3).indexFill(1, dl.tensor([0, 2]).long(), -1);
     */
    indexFill(dim: number, index: Tensor, value: number | Tensor): Tensor;
    /**
     * In-place `indexFill`.
     * @example x.indexFill_(0, dl.tensor([1]).long(), 0);
     */
    indexFill_(dim: number, index: Tensor, value: number | Tensor): Tensor;
  }
}

function checkIndexTensor(op: string, index: unknown): asserts index is Tensor {
  if (!(index instanceof Tensor))
    throw new ArgumentError(`${op}: index must be a Tensor of integers`, { op, hint: 'e.g. dl.tensor([0, 2])' });
  if (index.dtype !== 'int32' && index.dtype !== 'uint8') {
    throw new DTypeError(`${op}: expected index to be an integer tensor (int32), got ${index.dtype} with shape ${fmtShape(index.shape)}`, {
      op,
      hint: 'cast with .long() (int32 in dl)',
    });
  }
}

/** `index` with negative entries moved up by `size` (they count from the end). */
function wrapNegative(index: Tensor, size: number): Tensor {
  const i = index.to('int32');
  return where(i.lt(0), i.add(size), i);
}

/**
 * The entries of `x`, read as 1-D, at `index` (`torch.take`): the result has the index's shape;
 * negative indices count from the end.
 *
 * @example
 * dl.take(dl.tensor([[4, 3], [5, 7]]), dl.tensor([0, 2, -1]).long()); // [4, 5, 7]
 */
export const take = defineOp('take', (x: Tensor, index: Tensor): Tensor => {
  const op = 'take';
  checkIndexTensor(op, index);
  commonDevice(op, x, index);
  const n = x.numel();
  checkIndexBounds(op, index, 0, n, { negativeWraps: true, selfShape: x.shape, onDevice: true }); // Note [Index bounds on the host]
  const flat = indexSelect(x.reshape([-1]), 0, wrapNegative(index, n).reshape([-1]));
  return flat.reshape([...index.shape]);
});

/**
 * `gather` along `dim` after broadcasting `x` and `indices` against each other in every other dim
 * (`torch.take_along_dim`); without `dim`, indexes the flattened `x` with the flattened indices.
 *
 * @example
 * const x = dl.tensor([[10, 30, 20], [60, 40, 50]]);
 * dl.takeAlongDim(x, x.argmax(1, { keepdim: true }), 1); // [[30], [60]]
 * dl.takeAlongDim(x, dl.tensor([5, 0]).long()); // [50, 10]
 */
export const takeAlongDim = defineOp('takeAlongDim', (x: Tensor, indices: Tensor, dim?: number | null): Tensor => {
  const op = 'takeAlongDim';
  checkIndexTensor(op, indices);
  commonDevice(op, x, indices);
  if (dim === undefined || dim === null) return gather(x.view([-1]), 0, indices.view([-1])); // views, as torch (a layout that cannot be flattened without a copy raises)
  if (x.dim() !== indices.dim()) {
    throw new ShapeError(
      `takeAlongDim: input and indices should have the same number of dimensions, but got ${x.dim()} dimensions for input ${fmtShape(x.shape)}, and ${indices.dim()} dimensions for indices ${fmtShape(indices.shape)}`,
      { op, hint: 'unsqueeze the indices (or pass no dim to index the flattened input)' },
    );
  }
  const d = normDim(dim, Math.max(x.dim(), 1), op);
  if (x.dim() === 0) return gather(x, 0, indices);
  const b = broadcastShapes(
    op,
    x.shape.map((s, i) => (i === d ? 1 : s)),
    indices.shape.map((s, i) => (i === d ? 1 : s)),
  );
  const xs = b.map((s, i) => (i === d ? x.shape[d]! : s));
  const is = b.map((s, i) => (i === d ? indices.shape[d]! : s));
  return gather(x.expand(xs), d, indices.expand(is));
});

/** Shared checks of indexAdd/indexCopy: a 1-D index matching `source` along `dim`, same dtypes and other sizes. */
function indexSourceArgs(op: string, x: Tensor, dim: number, index: Tensor, source: Tensor) {
  checkIndexTensor(op, index);
  if (!(source instanceof Tensor)) throw new ArgumentError(`${op}: source must be a Tensor`, { op });
  commonDevice(op, x, index, source);
  if (index.dim() > 1) {
    throw new IndexError(`${op}: index is supposed to be a vector, but got dim: ${index.dim()} with shape ${fmtShape(index.shape)}`, {
      op,
      hint: 'flatten the index',
    });
  }
  if (x.dtype !== source.dtype) {
    throw new DTypeError(`${op}: self (${x.dtype}) and source (${source.dtype}) must have the same dtype`, {
      op,
      hint: `cast source with .to('${x.dtype}')`,
    });
  }
  // torch treats 0-d self and source as 1-d here
  const xs = x.dim() === 0 ? x.reshape([1]) : x;
  const src = source.dim() === 0 && xs.dim() === 1 ? source.reshape([1]) : source;
  const d = normDim(dim, xs.dim(), op);
  const idx = index.reshape([-1]);
  if (src.dim() !== xs.dim()) {
    throw new ShapeError(`${op}: source ${fmtShape(source.shape)} and self ${fmtShape(x.shape)} must have the same number of dimensions`, {
      op,
    });
  }
  if (src.shape[d] !== idx.shape[0]) {
    throw new ShapeError(`${op}: number of indices (${idx.shape[0]}) should be equal to source.size(dim) (${src.shape[d]}), for dim ${d}`, {
      op,
      hint: `source ${fmtShape(source.shape)}, index ${fmtShape(index.shape)}`,
    });
  }
  for (let i = 0; i < xs.dim(); i++) {
    if (i !== d && src.shape[i] !== xs.shape[i]) {
      throw new ShapeError(`${op}: source ${fmtShape(source.shape)} must match self ${fmtShape(x.shape)} in every dimension but ${d}`, {
        op,
      });
    }
  }
  // the index as a view of source's shape (stride 0 off `dim`): gather/scatter index it elementwise
  const spread = idx.reshape(xs.shape.map((_, i) => (i === d ? -1 : 1))).expand([...src.shape]);
  return { xs, src, d, idx, spread };
}

/**
 * `x` with `alpha * source` added at the entries `index` names along `dim` (repeated indices
 * accumulate), as `torch.Tensor.index_add`.
 *
 * @example
 * const x = dl.ones(5, 3);
 * x.indexAdd(0, dl.tensor([0, 4, 2]).long(), dl.tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9.]])); // rows 0, 4, 2 gain
 * dl.indexAdd(x, 1, dl.tensor([0, 0]).long(), dl.ones(5, 2), { alpha: 2 }); // column 0 gains 4
 */
export const indexAdd = defineOp(
  'indexAdd',
  (x: Tensor, dim: number, index: Tensor, source: Tensor, opts: { alpha?: number } = {}): Tensor => {
    checkOptionsArg('indexAdd', opts, 'x.indexAdd(0, index, source, { alpha: 2 })');
    const op = 'indexAdd';
    const { xs, src, d, idx, spread } = indexSourceArgs(op, x, dim, index, source);
    checkIndexBounds(op, idx, d, xs.shape[d]!, { negativeWraps: false, selfShape: x.shape }); // Note [Index bounds on the host]
    const alpha = opts.alpha ?? 1;
    const r = scatterAdd(xs, d, spread, alpha === 1 ? src : src.mul(alpha));
    return x.dim() === 0 ? r.reshape([]) : r;
  },
);

/**
 * `x` with the slices of `source` written at the entries `index` names along `dim`, as
 * `torch.Tensor.index_copy` (with repeated indices, which slice lands is unspecified, as torch).
 *
 * @example
 * dl.zeros(5, 3).indexCopy(0, dl.tensor([0, 4, 2]).long(), dl.ones(3, 3)); // rows 0, 2, 4 are ones
 */
export const indexCopy = defineOp('indexCopy', (x: Tensor, dim: number, index: Tensor, source: Tensor): Tensor => {
  const op = 'indexCopy';
  const { xs, src, d, idx, spread } = indexSourceArgs(op, x, dim, index, source);
  checkIndexBounds(op, idx, d, xs.shape[d]!, { negativeWraps: false, selfShape: x.shape }); // Note [Index bounds on the host]
  const r = scatter(xs, d, spread, src);
  return x.dim() === 0 ? r.reshape([]) : r;
});

/**
 * `x` with `value` (a number, or a 0-d tensor that receives a gradient) at the entries `index`
 * names along `dim`, as `torch.Tensor.index_fill`; negative indices count from the end.
 *
 * @example
 * dl.ones(2, 3).indexFill(1, dl.tensor([0, -1]).long(), 0); // [[0, 1, 0], [0, 1, 0]]
 */
export const indexFill = defineOp('indexFill', (x: Tensor, dim: number, index: Tensor, value: number | Tensor): Tensor => {
  const { mask, v } = indexFillArgs('indexFill', x, dim, index, value);
  return where(mask, v, x);
});

/** In-place `indexFill` (a masked fill, so it also writes through expanded views, as torch). */
const indexFillInPlace = defineOp('indexFill_', (x: Tensor, dim: number, index: Tensor, value: number | Tensor): Tensor => {
  const { mask, v } = indexFillArgs('indexFill_', x, dim, index, value);
  return maskedFillInPlace(x, mask, v);
});

/** Checks of indexFill, and the fill as a mask (true at the indexed entries along `dim`, broadcasting against x) and a 0-d value of x's dtype. */
function indexFillArgs(op: string, x: Tensor, dim: number, index: Tensor, value: number | Tensor): { mask: Tensor; v: Tensor } {
  checkIndexTensor(op, index);
  if (index.dim() > 1) throw new IndexError(`${op}: index has to be a vector or a scalar, got shape ${fmtShape(index.shape)}`, { op });
  if (value instanceof Tensor) {
    if (value.dim() !== 0) {
      throw new ShapeError(`${op}: only supports a 0-dimensional value tensor, but got a tensor with ${value.dim()} dimension(s)`, {
        op,
        hint: 'pass value.reshape([]) or a number',
      });
    }
    commonDevice(op, x, index, value);
  } else if (typeof value !== 'number' && typeof value !== 'boolean') {
    throw new ArgumentError(`${op}: value must be a number or a 0-d Tensor, got ${typeof value}`, { op });
  } else commonDevice(op, x, index);
  const d = normDim(dim, Math.max(x.dim(), 1), op);
  const n = x.dim() === 0 ? 1 : x.shape[d]!;
  const idx = index.reshape([-1]);
  checkIndexBounds(op, idx, d, n, { negativeWraps: true, selfShape: x.shape, onDevice: true }); // Note [Index bounds on the host]
  const hit = wrapNegative(idx, n)
    .reshape([-1, 1])
    .eq(arange(n, undefined, 1, { dtype: 'int32', device: x.device }))
    .any(0);
  const mask = x.dim() === 0 ? hit.reshape([]) : hit.reshape(x.shape.map((_, i) => (i === d ? n : 1)));
  const v =
    value instanceof Tensor
      ? value.to(x.dtype)
      : fromHost([x.dtype === 'bool' ? Number(Number(value) !== 0) : Number(value)], [], x.dtype, x.device, op);
  return { mask, v };
}

export const indexExtraMethods = {
  take(this: Tensor, index: Tensor) {
    return take(this, index);
  },
  takeAlongDim(this: Tensor, indices: Tensor, dim?: number | null) {
    return takeAlongDim(this, indices, dim);
  },
  indexAdd(this: Tensor, dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }) {
    return indexAdd(this, dim, index, source, opts);
  },
  indexAdd_(this: Tensor, dim: number, index: Tensor, source: Tensor, opts?: { alpha?: number }) {
    applyInPlace(this, 'indexAdd_', (s) => indexAdd(s, dim, index, source, opts));
    return this;
  },
  indexCopy(this: Tensor, dim: number, index: Tensor, source: Tensor) {
    return indexCopy(this, dim, index, source);
  },
  indexCopy_(this: Tensor, dim: number, index: Tensor, source: Tensor) {
    applyInPlace(this, 'indexCopy_', (s) => indexCopy(s, dim, index, source));
    return this;
  },
  indexFill(this: Tensor, dim: number, index: Tensor, value: number | Tensor) {
    return indexFill(this, dim, index, value);
  },
  indexFill_(this: Tensor, dim: number, index: Tensor, value: number | Tensor) {
    indexFillInPlace(this, dim, index, value);
    return this;
  },
} satisfies TensorMethods;
