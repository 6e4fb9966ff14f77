/**
 * Diagonals: `diagonal` (a strided view, as torch), its adjoint `diagEmbed`, and `diag` / `trace`
 * built on them.
 *
 * Note [diagonal is a view]
 * As in PyTorch, `x.diagonal(offset, dim1, dim2)` shares storage with `x`: dims `dim1` and `dim2`
 * are removed and one dim of length `len` is appended, with stride `stride(dim1) + stride(dim2)`
 * and the storage offset moved to the first diagonal entry (not moved when the diagonal is empty,
 * as torch). Autograd records it as one `diagonal` node (DiagonalBackward0) whose gradient is
 * `diagonalBackward`: zeros of the input's shape with the gradient written on that diagonal. That
 * op is `diagEmbed` too (the diagonal of its result is its input), and its own gradient is the
 * diagonal again, so higher-order gradients work.
 */
import { defineOp, recordOp, runKernel } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { emptyTensor } from './core.js';

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The diagonal over dims `dim1`, `dim2` as a view (`torch.diagonal`), appended as the last dim.
     * @example dl.arange(9).view(3, 3).diagonal(); // [0, 4, 8]
     */
    diagonal(offset?: number, dim1?: number, dim2?: number): Tensor;
    /**
     * Matrices with the last dim of this tensor on their diagonal (`torch.diag_embed`).
     * @example dl.tensor([1, 2]).diagEmbed(); // [[1, 0], [0, 2]]
     */
    diagEmbed(offset?: number, dim1?: number, dim2?: number): Tensor;
    /**
     * A 1-D tensor as a diagonal matrix, or a matrix's diagonal as a 1-D copy (`torch.diag`).
     * @example dl.tensor([1, 2]).diag(1).shape; // [3, 3]
     */
    diag(diagonal?: number): Tensor;
    /**
     * Sum of a matrix's main diagonal (`torch.trace`).
     * @example dl.eye(3).trace(); // 3
     */
    trace(): Tensor;
  }
}

/** Length of the diagonal at `offset` of a `rows` x `cols` plane. */
function diagLength(rows: number, cols: number, offset: number): number {
  return Math.max(offset >= 0 ? Math.min(rows, cols - offset) : Math.min(rows + offset, cols), 0);
}

function checkOffset(op: string, offset: number): void {
  if (!Number.isInteger(offset)) throw new ArgumentError(`${op}: offset must be an integer, got ${offset}`, { op });
}

function diagDims(op: string, rank: number, dim1: number, dim2: number): [number, number] {
  const d1 = normDim(dim1, rank, op);
  const d2 = normDim(dim2, rank, op);
  if (d1 === d2) {
    throw new ShapeError(`${op}: diagonal dimensions cannot be identical ${dim1}, ${dim2}`, {
      op,
      hint: 'pass two different dims, e.g. (0, 1)',
    });
  }
  return [d1, d2];
}

/** Shape, strides and offset of the diagonal view of a layout (Note [diagonal is a view]). */
function diagonalLayout(shape: readonly number[], strides: readonly number[], base: number, offset: number, d1: number, d2: number) {
  const len = diagLength(shape[d1]!, shape[d2]!, offset);
  const outShape: number[] = [];
  const outStrides: number[] = [];
  shape.forEach((s, i) => {
    if (i !== d1 && i !== d2) {
      outShape.push(s);
      outStrides.push(strides[i]!);
    }
  });
  outShape.push(len);
  outStrides.push(strides[d1]! + strides[d2]!);
  let off = base;
  if (len > 0) off += offset >= 0 ? offset * strides[d2]! : -offset * strides[d1]!;
  return { shape: outShape, strides: outStrides, offset: off };
}

/**
 * The diagonal of `x` over dims `dim1` and `dim2` (default 0 and 1) as a view: those dims are
 * removed and the diagonal is appended last. `offset > 0` takes a diagonal above the main one,
 * `offset < 0` below (`torch.diagonal`; Note [diagonal is a view]).
 *
 * @example
 * const m = dl.arange(12).view(3, 4);
 * m.diagonal(1); // [1, 6, 11]
 * dl.diagonal(dl.zeros(2, 3, 3), 0, 1, 2).shape; // [2, 3]
 */
export const diagonal = defineOp('diagonal', (x: Tensor, offset: number = 0, dim1: number = 0, dim2: number = 1): Tensor => {
  const op = 'diagonal';
  checkOffset(op, offset);
  if (x.dim() < 2) {
    // torch names the dim out of range (dim1 = 0, dim2 = 1 on a 0-d or 1-d tensor)
    normDim(dim1, x.dim(), op);
    normDim(dim2, x.dim(), op);
  }
  const [d1, d2] = diagDims(op, x.dim(), dim1, dim2);
  x._view(op); // throws if disposed
  const l = diagonalLayout(x.shape, x._strides, x._offset, offset, d1, d2);
  const v = new Tensor(x._storage, l.shape, l.strides, l.offset);
  v._base = x._base ?? x;
  recordOp('diagonal', [x], v, { offset, dim1: d1, dim2: d2 });
  return v;
});

/**
 * @internal Zeros of `inShape` with `g` written on the diagonal (`offset`, `dim1`, `dim2`): the
 * gradient of `diagonal`, and `diagEmbed` (Note [diagonal is a view]).
 */
export const diagonalBackward = defineOp(
  'diagonalBackward',
  (g: Tensor, inShape: readonly number[], offset: number, dim1: number, dim2: number): Tensor => {
    const op = 'diagonalBackward';
    const out = emptyTensor(inShape, g.dtype, g.device, op);
    if (out.numel() > 0) runKernel(op, 'fill', out, 0);
    const l = diagonalLayout(out.shape, out._strides, 0, offset, dim1, dim2);
    if (g.numel() > 0) runKernel(op, 'copy', g, { of: out, shape: l.shape, strides: l.strides, offset: l.offset });
    recordOp('diagonalBackward', [g], out, { inShape: [...inShape], offset, dim1, dim2 });
    return out;
  },
);

/**
 * Tensors whose diagonals (over the new dims `dim1`, `dim2`; default the last two) hold the last
 * dim of `x` (`torch.diag_embed`): the result has one dim more, of size `x.size(-1) + |offset|`.
 *
 * @example
 * dl.diagEmbed(dl.tensor([[1, 2], [3, 4]])).shape; // [2, 2, 2]
 * dl.tensor([1, 2]).diagEmbed(1); // [[0, 1, 0], [0, 0, 2], [0, 0, 0]]
 */
export const diagEmbed = defineOp('diagEmbed', (x: Tensor, offset: number = 0, dim1: number = -2, dim2: number = -1): Tensor => {
  const op = 'diagEmbed';
  checkOffset(op, offset);
  const [d1, d2] = diagDims(op, x.dim() + 1, dim1, dim2);
  const n = (x.dim() === 0 ? 1 : x.shape[x.dim() - 1]!) + Math.abs(offset);
  const lead = x.dim() === 0 ? [] : x.shape.slice(0, -1);
  const shape: number[] = [];
  let j = 0;
  for (let i = 0; i < lead.length + 2; i++) shape.push(i === d1 || i === d2 ? n : lead[j++]!);
  return diagonalBackward(x.dim() === 0 ? x.reshape([1]) : x, shape, offset, d1, d2);
});

/**
 * `torch.diag`: a 1-D `x` becomes a square matrix with `x` on diagonal `diagonal` (0 the main,
 * > 0 above, < 0 below); a 2-D `x` gives a copy of that diagonal.
 *
 * @example
 * dl.diag(dl.tensor([1, 2, 3])); // 3x3 with 1, 2, 3 on the diagonal
 * dl.diag(dl.arange(9).view(3, 3), -1); // [3, 7]
 */
export const diag = defineOp('diag', (x: Tensor, diagonal_: number = 0): Tensor => {
  const op = 'diag';
  checkOffset(op, diagonal_);
  if (x.dim() === 1) return diagonalBackward(x, [x.shape[0]! + Math.abs(diagonal_), x.shape[0]! + Math.abs(diagonal_)], diagonal_, 0, 1);
  if (x.dim() === 2) return diagonal(x, diagonal_, 0, 1).clone();
  throw new ShapeError(`diag: matrix or a vector expected, got a ${x.dim()}-d tensor of shape ${fmtShape(x.shape)}`, {
    op,
    hint: 'for batches use diagonal(offset, dim1, dim2) or diagEmbed',
  });
});

/**
 * Sum of the main diagonal of a matrix (`torch.trace`); integer inputs give int32 (dl's int64).
 *
 * @example
 * dl.tensor([[1, 2], [3, 4]]).trace(); // 5
 */
export const trace = defineOp('trace', (x: Tensor): Tensor => {
  const op = 'trace';
  if (x.dim() !== 2)
    throw new ShapeError(`trace: expected a matrix, but got tensor with dim ${x.dim()} (shape ${fmtShape(x.shape)})`, { op });
  if (x.dtype === 'bool') throw new DTypeError("trace: not implemented for 'bool'", { op, hint: "cast first, e.g. x.to('int32').trace()" });
  return diagonal(x, 0, 0, 1).sum();
});

export const diagonalMethods = {
  diagonal(this: Tensor, offset?: number, dim1?: number, dim2?: number) {
    return diagonal(this, offset, dim1, dim2);
  },
  diagEmbed(this: Tensor, offset?: number, dim1?: number, dim2?: number) {
    return diagEmbed(this, offset, dim1, dim2);
  },
  diag(this: Tensor, d?: number) {
    return diag(this, d);
  },
  trace(this: Tensor) {
    return trace(this);
  },
} satisfies TensorMethods;
