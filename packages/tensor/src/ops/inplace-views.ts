/**
 * In-place view-metadata ops (`unsqueeze_`, `squeeze_`, `t_`, `transpose_`) and `typeAs`.
 *
 * Note [In-place metadata ops]
 * `x.unsqueeze_(0)` changes `x`'s own shape and strides; its storage and values stay. As torch:
 * the tensor takes over the view op's graph node (`UnsqueezeBackward1`, `SqueezeBackward2`/`3`,
 * `TBackward1`, `TransposeBackward1`), so gradients flow through the reshaping; a leaf that
 * requires grad refuses (torch's "a leaf Variable that requires grad is being used in an
 * in-place operation"), and the version counter moves, so a tensor saved for backward (an
 * `exp` output) refuses to be used after it, as torch. Nothing is written, so a view's base
 * needs no CopySlices.
 */
import { checkInPlace, defineOp, recordOp } from '../dispatch.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';

declare module '../tensor.js' {
  interface Tensor {
    /**
     * Insert a size-1 dimension at `dim`, in place (`torch.Tensor.unsqueeze_`).
     * @example const x = dl.zeros(2, 3); x.unsqueeze_(0); x.shape; // [1, 2, 3]
     */
    unsqueeze_(dim: number): this;
    /**
     * Remove size-1 dimensions (all, or `dim`), in place (`torch.Tensor.squeeze_`).
     * @example const x = dl.zeros(2, 1, 3); x.squeeze_(1); x.shape; // [2, 3]
     */
    squeeze_(dim?: number): this;
    /**
     * Transpose a ≤2-D tensor in place (`torch.Tensor.t_`).
     * @example const x = dl.zeros(2, 3); x.t_(); x.shape; // [3, 2]
     */
    t_(): this;
    /**
     * Swap two dimensions in place (`torch.Tensor.transpose_`).
     * @example const x = dl.zeros(2, 3, 4); x.transpose_(0, 2); x.shape; // [4, 3, 2]
     */
    transpose_(dim0: number, dim1: number): this;
    /**
     * This tensor cast to `other`'s dtype (`torch.Tensor.type_as`; the device stays).
     * @example dl.arange(3).typeAs(dl.ones(1)).dtype; // 'float32'
     */
    typeAs(other: Tensor): Tensor;
  }
}

/** Give `x` the layout `shape`/`strides` and the node of the view op `kind` (Note [In-place metadata ops]). */
function relayout(x: Tensor, op: string, shape: readonly number[], strides: readonly number[], record: (v: Tensor) => void): Tensor {
  checkInPlace(x, op, true);
  x._view(op); // throws if disposed
  const v = new Tensor(x._storage, shape, strides, x._offset);
  v._base = x._base ?? x;
  record(v);
  const m = x as { -readonly [K in 'shape' | '_strides']: Tensor[K] };
  m.shape = v.shape;
  m._strides = v._strides;
  x._storage.version++; // as torch: a tensor saved for backward refuses once reshaped in place
  if (v.gradFn) {
    x.gradFn = v.gradFn;
    x.requiresGrad = true;
    x._autograd = v._autograd;
    v._autograd = null;
  }
  v.dispose();
  return x;
}

export const unsqueezeInPlace = defineOp('unsqueeze_', (x: Tensor, dim: number): Tensor => {
  const d = normDim(dim, x.dim() + 1, 'unsqueeze_');
  const shape = [...x.shape];
  const strides = [...x._strides];
  strides.splice(d, 0, d < x.dim() ? x._strides[d]! * x.shape[d]! : 1);
  shape.splice(d, 0, 1);
  const inShape = [...x.shape];
  return relayout(x, 'unsqueeze_', shape, strides, (v) => recordOp('reshape', [x], v, { inShape, name: 'UnsqueezeBackward1' }));
});

export const squeezeInPlace = defineOp('squeeze_', (x: Tensor, dim?: number): Tensor => {
  const d = dim === undefined ? null : normDim(dim, x.dim(), 'squeeze_');
  const keep = x.shape.map((s, i) => !(s === 1 && (d === null || d === i)));
  const inShape = [...x.shape];
  return relayout(
    x,
    'squeeze_',
    x.shape.filter((_, i) => keep[i]),
    x._strides.filter((_, i) => keep[i]),
    (v) => recordOp('reshape', [x], v, { inShape, name: d === null ? 'SqueezeBackward2' : 'SqueezeBackward3' }),
  );
});

function swap(x: Tensor, op: string, a: number, b: number, name: string): Tensor {
  const dims = x.shape.map((_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return relayout(
    x,
    op,
    dims.map((i) => x.shape[i]!),
    dims.map((i) => x._strides[i]!),
    (v) => recordOp('permute', [x], v, { dims, name }),
  );
}

export const transposeInPlace = defineOp('transpose_', (x: Tensor, dim0: number, dim1: number): Tensor => {
  const r = Math.max(x.dim(), 1);
  const a = normDim(dim0, r, 'transpose_');
  const b = normDim(dim1, r, 'transpose_');
  return x.dim() === 0 ? x : swap(x, 'transpose_', a, b, 'TransposeBackward1'); // 0-d: dims 0/-1 accepted, unchanged (torch)
});

export const tInPlace = defineOp('t_', (x: Tensor): Tensor => {
  if (x.dim() > 2) {
    throw new ShapeError(`t_: expects a tensor with <= 2 dimensions, but self is ${x.dim()}D (shape ${fmtShape(x.shape)})`, {
      op: 't_',
      hint: 'use transpose_(dim0, dim1) for higher ranks',
    });
  }
  return x.dim() < 2 ? x : swap(x, 't_', 0, 1, 'TBackward1');
});

export const inplaceViewMethods = {
  unsqueeze_(this: Tensor, dim: number) {
    unsqueezeInPlace(this, dim);
    return this;
  },
  squeeze_(this: Tensor, dim?: number) {
    squeezeInPlace(this, dim);
    return this;
  },
  t_(this: Tensor) {
    tInPlace(this);
    return this;
  },
  transpose_(this: Tensor, dim0: number, dim1: number) {
    transposeInPlace(this, dim0, dim1);
    return this;
  },
  typeAs(this: Tensor, other: Tensor) {
    if (!(other instanceof Tensor))
      throw new ArgumentError(`typeAs: other must be a Tensor, got ${other === null ? 'null' : typeof other}`, {
        op: 'typeAs',
        hint: "x.typeAs(y) casts x to y.dtype; for a dtype name use x.to('float32')",
      });
    return this.to(other.dtype);
  },
} satisfies TensorMethods;
