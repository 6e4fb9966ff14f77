import type { BinaryOp, CompareOp, UnaryOp } from './backend.js';
import { defineOp, deviceCan, readHostSync, recordOp, runKernel } from './dispatch.js';
import {
  checkIntRange,
  intRangeError,
  isDTypeName,
  isFloating,
  isUnsupportedDTypeName,
  toDType,
  type DType,
  type DTypeName,
} from './dtype.js';
import { ArgumentError, StateError } from './errors.js';
import { listDevices } from './registry.js';
import type { Generator } from './generator.js';
import { printWithValues, TensorBase } from './tensor-base.js';
import { emptyTensor, type CreateOptions, type TensorOrScalar } from './ops/core.js';
import * as ew from './ops/elementwise.js';
import * as red from './ops/reduce.js';
import * as vw from './ops/views.js';
import * as ix from './ops/indexing.js';
import * as la from './ops/linalg.js';
import * as so from './ops/sort.js';
import * as nz from './ops/nonzero.js';
import * as ai from './ops/advanced-index.js';
import * as sm from './ops/softmax.js';
import * as ip from './ops/inplace.js';
import * as mx from './ops/math-extra.js';
import { divide, divRounded, type RoundingMode } from './ops/div-rounding.js';
import { fromHost, newFullOf, newOf, newTensorOf, type NestedData } from './ops/creation.js';
import * as ac from './ops/addcmul.js';
import { checkOnDevice, DEFERRED_NOTE } from './ops/device-check.js';
import { primitivesOf, type PrimitiveTable } from './primitives.js';

type ShapeArgs = (number | readonly number[])[];
type Dims = number | readonly number[];

/**
 * An n-dimensional array on a device: a strided view onto refcounted storage, with PyTorch's
 * methods in camelCase. Create tensors with `dl.tensor`, `dl.zeros`, `dl.rand`, …
 *
 * @example
 * const x = dl.arange(16).view(4, 4);
 * x.at(':', 1).fill_(0);    // writes through the view into x
 * x.sum(1).toString();      // 'tensor([ 6, 22, 38, 54])' (int32)
 */
export class Tensor extends TensorBase {
  /**
   * `t[i]`: row `i` (`t.select(0, i)`, PyTorch's `t[i]`); readonly, `t[i] = v` throws an
   * OperatorError (Note [No silent JS-operator answers]). Typed here so `t[0]` compiles.
   */
  readonly [index: number]: Tensor;
  // ---- elementwise arithmetic (one method per unary/binary/compare primitive is installed below) ----
  /**
   * `self + alpha * other`, broadcasting, as `torch.Tensor.add` (`dl.add`); `other` is a tensor or a number. The result
   * dtype follows torch's type promotion; shapes that do not broadcast raise a ShapeError.
   *
   * @example
   * dl.tensor([1, 2]).add(dl.tensor([10, 20]), { alpha: 2 }); // → tensor([21., 42.])
   */
  add(other: TensorOrScalar, opts: { alpha?: number } = {}): Tensor {
    return ew.binary('add', this, opts.alpha === undefined || opts.alpha === 1 ? other : scaled(other, opts.alpha));
  }
  /**
   * `self - alpha * other`, broadcasting, as `torch.Tensor.sub` (`dl.sub`); shapes that do not broadcast raise a
   * ShapeError.
   *
   * @example
   * dl.tensor([5, 7]).sub(1); // → tensor([4., 6.])
   */
  sub(other: TensorOrScalar, opts: { alpha?: number } = {}): Tensor {
    return ew.binary('sub', this, opts.alpha === undefined || opts.alpha === 1 ? other : scaled(other, opts.alpha));
  }
  /**
   * `self * self`, as `torch.Tensor.square`.
   *
   * @example
   * dl.tensor([-2, 3]).square(); // → tensor([4., 9.])
   */
  square(): Tensor {
    return ew.binary('mul', this, this);
  }
  /**
   * Each element clamped into `[min, max]`, as `torch.Tensor.clamp` (`dl.clamp`): number or tensor bounds (either may be
   * null or left out), or `{ min, max }`; tensor bounds broadcast. NaN stays NaN.
   *
   * @example
   * dl.tensor([-2, 0.5, 3]).clamp({ min: 0 }); // → tensor([0.0000, 0.5000, 3.0000])
   */
  clamp(min?: number | Tensor | null | mx.ClampOptions, max?: number | Tensor | null): Tensor {
    return mx.clamp(this, min, max);
  }
  /**
   * Alias of {@link Tensor.clamp}, as `torch.Tensor.clip`.
   *
   * @example
   * dl.tensor([-2, 0.5, 3]).clip(0, 1); // → tensor([0.0000, 0.5000, 1.0000])
   */
  clip(min?: number | Tensor | null | mx.ClampOptions, max?: number | Tensor | null): Tensor {
    return mx.clamp(this, min, max);
  }
  /**
   * `self + value * t1 * t2`, broadcasting, as `torch.Tensor.addcmul` (on integer tensors `value` is truncated first, as
   * torch).
   *
   * @example
   * dl.tensor([1, 1]).addcmul(dl.tensor([2, 3]), dl.tensor([4, 5]), { value: 0.5 }); // → tensor([5.0000, 8.5000])
   */
  addcmul(t1: Tensor, t2: Tensor, opts: { value?: number } = {}): Tensor {
    return ac.addcmul(this, t1, t2, opts.value ?? 1);
  }
  /**
   * `self + value * t1 / t2`, broadcasting, as `torch.Tensor.addcdiv`; `t1` and `t2` may not both be integer tensors (a
   * DTypeError, as torch).
   *
   * @example
   * dl.tensor([1, 1]).addcdiv(dl.tensor([2, 3]), dl.tensor([4, 6]), { value: 2 }); // → tensor([2., 2.])
   */
  addcdiv(t1: Tensor, t2: Tensor, opts: { value?: number } = {}): Tensor {
    return ac.addcdiv(this, t1, t2, opts.value ?? 1);
  }
  /**
   * Linear interpolation `self + weight * (end - self)`, as `torch.Tensor.lerp`; `weight` is a number or a broadcastable
   * tensor.
   *
   * @example
   * dl.tensor([0, 10]).lerp(dl.tensor([10, 20]), 0.25); // → tensor([ 2.5000, 12.5000])
   */
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    return ew.lerp(this, end, weight);
  }
  /**
   * `self / other`; `roundingMode: 'trunc' | 'floor'` rounds the quotient (torch's `div(…, rounding_mode=)`).
   *
   * @example
   * dl.tensor([-7, 7]).div(2, { roundingMode: 'floor' }); // tensor([-4., 3.])
   */
  div(other: TensorOrScalar, opts: { roundingMode?: RoundingMode } = {}): Tensor {
    return divide(this, other, opts);
  }
  /**
   * `self // other`: division rounded down, as `torch.Tensor.floor_divide` (integers stay integers; integer division by
   * zero raises; Note [Rounded division]).
   *
   * @example
   * dl.tensor([7, -7], { dtype: 'int32' }).floorDivide(2); // → tensor([ 3, -4])
   */
  floorDivide(other: TensorOrScalar): Tensor {
    return divRounded(this, other, 'floor');
  }

  // ---- comparison and logic --------------------------------------------------------------
  /**
   * Whether each element is finite (not NaN, not ±inf), as `torch.Tensor.isfinite`; a bool tensor.
   *
   * @example
   * dl.tensor([1, Infinity, NaN]).isfinite(); // → tensor([ True, False, False])
   */
  isfinite(): Tensor {
    return this.isnan().logicalOr(this.isinf()).logicalNot();
  }
  /**
   * `condition ? self : other` elementwise, broadcasting all three, as `torch.Tensor.where`
   * (`dl.where(condition, x, other)`).
   *
   * @example
   * const x = dl.tensor([-1, 2, -3]);
   * x.where(x.gt(0), 0); // → tensor([0., 2., 0.])
   */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return ew.where(condition, this, other);
  }
  /**
   * A copy with `value` where `mask` (bool, broadcastable to self) is true, as `torch.Tensor.masked_fill`.
   *
   * @example
   * const x = dl.tensor([1, -2, 3]);
   * x.maskedFill(x.lt(0), 0); // → tensor([1., 0., 3.])
   */
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return ew.maskedFill(this, mask, value);
  }
  /**
   * Whether all elements are close: `|self - other| <= atol + rtol·|other|` (defaults `rtol` 1e-5, `atol` 1e-8), as
   * `torch.allclose`; NaNs count as close only with `equalNan`. Reads the values synchronously (cpu; use
   * `dl.isclose(...).all()` and `await .item()` on webgpu).
   *
   * @example
   * dl.tensor([1, 2]).allclose(dl.tensor([1, 2.000001])); // → true
   */
  allclose(other: Tensor, opts: { rtol?: number; atol?: number; equalNan?: boolean } = {}): boolean {
    // As torch.isclose: equal values (so inf == inf) are close; otherwise both must be finite and
    // |a - b| <= atol + rtol·|b|; NaNs are close to each other only with equalNan.
    const finite = (t: Tensor) => t.isinf().logicalOr(t.isnan()).logicalNot();
    const diff = this.sub(other).abs();
    const tol = other
      .abs()
      .mul(opts.rtol ?? 1e-5)
      .add(opts.atol ?? 1e-8);
    let ok = this.eq(other).logicalOr(diff.le(tol).logicalAnd(finite(this)).logicalAnd(finite(other)));
    if (opts.equalNan) ok = ok.logicalOr(this.isnan().logicalAnd(other.isnan()));
    return ok.all().itemSync() === 1;
  }
  /**
   * Whether `other` has the same shape and the same values, as `torch.equal`. Reads the values synchronously (cpu).
   *
   * @example
   * dl.tensor([1, 2]).equal(dl.tensor([1, 2])); // → true
   */
  equal(other: Tensor): boolean {
    return (
      this.shape.length === other.shape.length && this.shape.every((s, i) => s === other.shape[i]) && this.eq(other).all().itemSync() === 1
    );
  }

  // ---- reductions ------------------------------------------------------------------------
  /**
   * The sum over `dim` (a dim, a list of dims, or all when omitted), as `torch.Tensor.sum`; `{ keepdim, dtype }` as torch.
   * Integer and bool inputs sum to int64 (stored as int32: Note [int64 is int32]).
   *
   * @example
   * const x = dl.tensor([[1, 2], [3, 4]]);
   * x.sum(1); // → tensor([3., 7.])
   */
  sum(dim?: Dims | null, opts?: red.ReduceOptions): Tensor {
    return red.sum(this, dim, opts);
  }
  /**
   * The mean over `dim` (all when omitted), as `torch.Tensor.mean`; `{ keepdim, dtype }` as torch. Integer inputs raise a
   * DTypeError unless a floating `dtype` is given, as torch.
   *
   * @example
   * dl.tensor([[1, 2], [3, 4]]).mean(0); // → tensor([2., 3.])
   */
  mean(dim?: Dims | null, opts?: red.ReduceOptions): Tensor {
    return red.mean(this, dim, opts);
  }
  /**
   * The product over `dim` (all when omitted), as `torch.Tensor.prod`; `{ keepdim, dtype }` as torch.
   *
   * @example
   * dl.tensor([[1, 2], [3, 4]]).prod(1); // → tensor([ 2., 12.])
   */
  prod(dim?: number | null, opts?: red.ReduceOptions): Tensor {
    return red.prod(this, dim, opts);
  }
  /**
   * The largest element (0-d), or with a `dim` the `{ values, indices }` of the maxima along it (as torch's namedtuple;
   * destructure `[values, indices]`), as `torch.Tensor.max`. For the elementwise maximum of two tensors use `maximum`.
   *
   * @example
   * const x = dl.tensor([[1, 5], [4, 2]]);
   * x.max(1).indices; // → tensor([1, 0])
   */
  max(): Tensor;
  max(dim: number, opts?: { keepdim?: boolean }): red.ValuesIndices;
  max(dim?: number, opts?: { keepdim?: boolean }): Tensor | red.ValuesIndices {
    return dim === undefined ? red.max(this) : red.max(this, dim, opts);
  }
  /**
   * The smallest element (0-d), or with a `dim` the `{ values, indices }` of the minima along it, as `torch.Tensor.min`.
   * For the elementwise minimum use `minimum`.
   *
   * @example
   * dl.tensor([[1, 5], [4, 2]]).min(1).values; // → tensor([1., 2.])
   */
  min(): Tensor;
  min(dim: number, opts?: { keepdim?: boolean }): red.ValuesIndices;
  min(dim?: number, opts?: { keepdim?: boolean }): Tensor | red.ValuesIndices {
    return dim === undefined ? red.min(this) : red.min(this, dim, opts);
  }
  /**
   * The maximum over one or more dims (all when omitted), values only, as `torch.Tensor.amax`.
   *
   * @example
   * dl.tensor([[1, 5], [4, 2]]).amax(0); // → tensor([4., 5.])
   */
  amax(dim?: Dims, opts?: { keepdim?: boolean }): Tensor {
    return red.amax(this, dim, opts);
  }
  /**
   * The minimum over one or more dims (all when omitted), values only, as `torch.Tensor.amin`.
   *
   * @example
   * dl.tensor([[1, 5], [4, 2]]).amin(0); // → tensor([1., 2.])
   */
  amin(dim?: Dims, opts?: { keepdim?: boolean }): Tensor {
    return red.amin(this, dim, opts);
  }
  /**
   * The index of the maximum along `dim` (of the flattened tensor when omitted), int64 (stored as int32), as
   * `torch.Tensor.argmax`.
   *
   * @example
   * dl.tensor([[1, 5], [4, 2]]).argmax(1); // → tensor([1, 0])
   */
  argmax(dim?: number, opts?: { keepdim?: boolean }): Tensor {
    return red.argmax(this, dim, opts);
  }
  /**
   * The index of the minimum along `dim` (of the flattened tensor when omitted), as `torch.Tensor.argmin`.
   *
   * @example
   * dl.tensor([[1, 5], [4, 2]]).argmin(1); // → tensor([0, 1])
   */
  argmin(dim?: number, opts?: { keepdim?: boolean }): Tensor {
    return red.argmin(this, dim, opts);
  }
  /**
   * The standard deviation over `dim` (all when omitted), as `torch.Tensor.std`; `{ correction }` (default 1: Bessel's
   * correction; `unbiased: false` means 0) and `keepdim` as torch.
   *
   * @example
   * dl.tensor([1, 2, 3, 4]).std(); // → tensor(1.2910)
   */
  std(dim?: Dims | null, opts?: red.VarOptions): Tensor {
    return red.std(this, dim, opts);
  }
  /**
   * The variance over `dim` (all when omitted), as `torch.Tensor.var`; `{ correction }` (default 1) and `keepdim` as
   * torch.
   *
   * @example
   * dl.tensor([1, 2, 3, 4]).var(); // → tensor(1.6667)
   */
  var(dim?: Dims | null, opts?: red.VarOptions): Tensor {
    return red.variance(this, dim, opts);
  }
  /**
   * `log(sum(exp(self)))` over `dim`, computed stably (the max is subtracted first), as `torch.Tensor.logsumexp`.
   *
   * @example
   * dl.tensor([[0, 0], [1000, 1000]]).logsumexp(1); // → tensor([6.9315e-01, 1.0007e+03])
   */
  logsumexp(dim: Dims, opts?: { keepdim?: boolean }): Tensor {
    return red.logsumexp(this, dim, opts);
  }
  /**
   * Whether all elements (along `dim`, or in all) are nonzero, as `torch.Tensor.all`; a bool tensor.
   *
   * @example
   * dl.tensor([[1, 0], [1, 1]]).all(1); // → tensor([False,  True])
   */
  all(dim?: number | null, opts?: { keepdim?: boolean }): Tensor {
    return red.all(this, dim, opts);
  }
  /**
   * Whether any element (along `dim`, or in all) is nonzero, as `torch.Tensor.any`; a bool tensor.
   *
   * @example
   * dl.tensor([[0, 0], [0, 1]]).any(1); // → tensor([False,  True])
   */
  any(dim?: number | null, opts?: { keepdim?: boolean }): Tensor {
    return red.any(this, dim, opts);
  }
  /**
   * The cumulative sum along `dim`, as `torch.Tensor.cumsum`; integer inputs give int64 (int32) unless `dtype` says
   * otherwise.
   *
   * @example
   * dl.tensor([1, 2, 3]).cumsum(0); // → tensor([1., 3., 6.])
   */
  cumsum(dim: number, opts?: { dtype?: DTypeName }): Tensor {
    return red.cumsum(this, dim, opts);
  }
  /**
   * The vector p-norm (default 2) over `dim` (all when omitted), as `torch.Tensor.norm`; `p` may be `Infinity`.
   *
   * @example
   * dl.tensor([3, 4]).norm(); // → tensor(5.)
   */
  norm(p?: number, dim?: Dims | null, opts?: { keepdim?: boolean }): Tensor {
    return red.norm(this, p, dim, opts);
  }

  // ---- views and shape -------------------------------------------------------------------
  /**
   * A view with another shape over the same storage (sizes as arguments or one array; one may be -1), as
   * `torch.Tensor.view`. Raises a ShapeError when the numel differs or the strides cannot express the view (use
   * `reshape`).
   *
   * @example
   * dl.arange(6).view(2, -1); // → tensor([[0, 1, 2], [3, 4, 5]])
   */
  view(...shape: ShapeArgs): Tensor {
    return vw.view(this, ...shape);
  }
  /**
   * `self.view(other.shape)`, as `torch.Tensor.view_as`.
   *
   * @example
   * dl.arange(4).viewAs(dl.zeros(2, 2)).shape; // → [2, 2]
   */
  viewAs(other: Tensor): Tensor {
    return vw.view(this, [...other.shape]);
  }
  /**
   * `self` with another shape (one size may be -1): a view when the strides allow, else a copy, as `torch.Tensor.reshape`.
   *
   * @example
   * dl.arange(6).reshape(3, 2).shape; // → [3, 2]
   */
  reshape(...shape: ShapeArgs): Tensor {
    return vw.reshape(this, ...shape);
  }
  /**
   * `self.reshape(other.shape)`, as `torch.Tensor.reshape_as`.
   *
   * @example
   * dl.arange(4).reshapeAs(dl.zeros(2, 2)).shape; // → [2, 2]
   */
  reshapeAs(other: Tensor): Tensor {
    return vw.reshape(this, [...other.shape]);
  }
  /**
   * A view with the dims reordered, as `torch.Tensor.permute`; `dims` must be a permutation (a ShapeError otherwise).
   *
   * @example
   * dl.zeros(2, 3, 4).permute(2, 0, 1).shape; // → [4, 2, 3]
   */
  permute(...dims: ShapeArgs): Tensor {
    return vw.permute(this, ...dims);
  }
  /**
   * A view with `dim0` and `dim1` swapped, as `torch.Tensor.transpose`.
   *
   * @example
   * dl.zeros(2, 3, 4).transpose(0, 2).shape; // → [4, 3, 2]
   */
  transpose(dim0: number, dim1: number): Tensor {
    return vw.transpose(this, dim0, dim1);
  }
  /**
   * Alias of `transpose`, as `torch.Tensor.swapaxes`.
   *
   * @example
   * dl.zeros(2, 3).swapaxes(0, 1).shape; // → [3, 2]
   */
  swapaxes(dim0: number, dim1: number): Tensor {
    return vw.transpose(this, dim0, dim1);
  }
  /**
   * The transpose of a tensor of at most 2 dims (a ShapeError for more), as `torch.Tensor.t`.
   *
   * @example
   * dl.tensor([[1, 2], [3, 4]]).t(); // → tensor([[1., 3.], [2., 4.]])
   */
  t(): Tensor {
    return vw.t(this);
  }
  /**
   * All dims reversed, as `x.T` (`torch.Tensor.T`): the matrix transpose for 2-D tensors.
   *
   * @example
   * dl.zeros(2, 3, 4).T.shape; // → [4, 3, 2]
   */
  get T(): Tensor {
    return vw.permute(
      this,
      this.shape.map((_, i) => this.dim() - 1 - i),
    );
  }
  /**
   * The last two dims swapped (a batch of matrices transposed), as `torch.Tensor.mT`.
   *
   * @example
   * dl.zeros(5, 2, 3).mT.shape; // → [5, 3, 2]
   */
  get mT(): Tensor {
    return vw.transpose(this, -2, -1);
  }
  /**
   * A view with a size-1 dim inserted at `dim` (negative counts from the end), as `torch.Tensor.unsqueeze`.
   *
   * @example
   * dl.tensor([1, 2]).unsqueeze(1).shape; // → [2, 1]
   */
  unsqueeze(dim: number): Tensor {
    return vw.unsqueeze(this, dim);
  }
  /**
   * A view without size-1 dims (all of them, or those among `dim`), as `torch.Tensor.squeeze`.
   *
   * @example
   * dl.zeros(2, 1, 3, 1).squeeze().shape; // → [2, 3]
   */
  squeeze(dim?: Dims): Tensor {
    return vw.squeeze(this, dim);
  }
  /**
   * The dims from `startDim` to `endDim` (default all) merged into one, as `torch.Tensor.flatten`: a view when possible.
   *
   * @example
   * dl.zeros(2, 3, 4).flatten(1).shape; // → [2, 12]
   */
  flatten(startDim?: number, endDim?: number): Tensor {
    return vw.flatten(this, startDim, endDim);
  }
  /**
   * Dim `dim` split into `sizes` (one may be -1), as `torch.Tensor.unflatten`.
   *
   * @example
   * dl.zeros(2, 12).unflatten(1, [3, 4]).shape; // → [2, 3, 4]
   */
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return vw.unflatten(this, dim, sizes);
  }
  /**
   * A view with size-1 dims repeated to `sizes` without copying (-1 keeps a size; new leading dims may be added), as
   * `torch.Tensor.expand`.
   *
   * @example
   * dl.tensor([[1], [2]]).expand(2, 3); // → tensor([[1., 1., 1.], [2., 2., 2.]])
   */
  expand(...sizes: ShapeArgs): Tensor {
    return vw.expand(this, ...sizes);
  }
  /**
   * `self.expand(other.shape)`, as `torch.Tensor.expand_as`.
   *
   * @example
   * dl.tensor([1, 2]).expandAs(dl.zeros(3, 2)).shape; // → [3, 2]
   */
  expandAs(other: Tensor): Tensor {
    return vw.expand(this, [...other.shape]);
  }
  /**
   * A view of `length` elements of `dim` from `start`, as `torch.Tensor.narrow`.
   *
   * @example
   * dl.arange(6).narrow(0, 2, 3); // → tensor([2, 3, 4])
   */
  narrow(dim: number, start: number, length: number): Tensor {
    return vw.narrow(this, dim, start, length);
  }
  /**
   * A view of index `index` of `dim`, that dim removed (`x[:, i]` is `x.select(1, i)`), as `torch.Tensor.select`.
   *
   * @example
   * dl.tensor([[1, 2], [3, 4]]).select(1, 0); // → tensor([1., 3.])
   */
  select(dim: number, index: number): Tensor {
    return vw.select(this, dim, index);
  }
  /**
   * NumPy/PyTorch indexing: `x.at(':', 1)` is `x[:, 1]`, `x.at('1:3', null)` is `x[1:3, None]`, `x.at('...', 0)` is
   * `x[..., 0]`; integers, slice strings (`':'`, `'1:3'`, `'::2'`), `null` (a new dim) and `'...'` give a view, and index
   * or bool tensors advanced indexing (a copy), as `torch.Tensor.__getitem__`. Out-of-range integers raise an IndexError.
   *
   * @example
   * const x = dl.arange(12).view(3, 4);
   * x.at('1:', -1); // → tensor([ 7, 11])
   */
  at(...index: vw.Index[]): Tensor {
    return vw.at(this, ...index);
  }
  /**
   * `self` if already contiguous in row-major order, else a contiguous copy, as `torch.Tensor.contiguous`.
   *
   * @example
   * dl.zeros(2, 3).t().contiguous().isContiguous(); // → true
   */
  contiguous(): Tensor {
    return vw.contiguous(this);
  }
  /**
   * A copy with its own storage, recorded by autograd (the gradient flows back), as `torch.Tensor.clone`.
   *
   * @example
   * const x = dl.tensor([1, 2]);
   * const y = x.clone(); y.fill_(0); // x → tensor([1., 2.])
   */
  clone(): Tensor {
    return vw.clone(this);
  }
  /**
   * Ones with this tensor's dtype and device, as `x.new_ones(5, 3)` (`torch.Tensor.new_ones`); sizes and options as
   * `dl.ones`.
   *
   * @example
   * dl.zeros(1, { dtype: 'int32' }).newOnes(2, 2); // → tensor([[1, 1], [1, 1]])
   */
  newOnes(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
    return newOf(this, 'ones', args);
  }
  /**
   * Zeros with this tensor's dtype and device, as `torch.Tensor.new_zeros`; sizes and options as `dl.zeros`.
   *
   * @example
   * dl.ones(1, { dtype: 'float64' }).newZeros(2).dtype; // → float64
   */
  newZeros(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
    return newOf(this, 'zeros', args);
  }
  /**
   * An uninitialised tensor with this tensor's dtype and device, as `torch.Tensor.new_empty`.
   *
   * @example
   * dl.ones(1).newEmpty(2, 2).shape; // → [2, 2]
   */
  newEmpty(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
    return newOf(this, 'empty', args);
  }
  /**
   * `value` everywhere, with this tensor's dtype and device, as `x.new_full([2, 2], 7)` (`torch.Tensor.new_full`).
   *
   * @example
   * dl.zeros(1, { dtype: 'int32' }).newFull([2], 7); // → tensor([7, 7])
   */
  newFull(shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor {
    return newFullOf(this, shape, value, opts);
  }
  /**
   * `data` as a tensor with this tensor's dtype and device, as `x.new_tensor([1, 2])` (`torch.Tensor.new_tensor`).
   *
   * @example
   * dl.zeros(1, { dtype: 'int32' }).newTensor([1, 2]); // → tensor([1, 2])
   */
  newTensor(data: NestedData, opts: CreateOptions = {}): Tensor {
    return newTensorOf(this, data, opts);
  }
  /**
   * A tensor sharing the storage but cut from the autograd graph (`requiresGrad` false), as `torch.Tensor.detach`.
   *
   * @example
   * dl.tensor([1], { requiresGrad: true }).mul(2).detach().requiresGrad; // → false
   */
  detach(): Tensor {
    return vw.detach(this);
  }
  /**
   * Pieces of `splitSize` along `dim` (the last may be smaller), or of the given sizes, as views, as `torch.Tensor.split`.
   *
   * @example
   * dl.arange(5).split(2); // → [tensor([0, 1]), tensor([2, 3]), tensor([4])]
   */
  split(splitSize: number | readonly number[], dim?: number): Tensor[] {
    return ix.split(this, splitSize, dim);
  }
  /**
   * `chunks` near-equal views along `dim` (fewer when the size is too small), as `torch.Tensor.chunk`.
   *
   * @example
   * dl.arange(5).chunk(2); // → [tensor([0, 1, 2]), tensor([3, 4])]
   */
  chunk(chunks: number, dim?: number): Tensor[] {
    return ix.chunk(this, chunks, dim);
  }
  /**
   * `self` tiled `sizes` times along each dim (a copy; extra leading sizes add dims), as `torch.Tensor.repeat`.
   *
   * @example
   * dl.tensor([1, 2]).repeat(2, 2); // → tensor([[1., 2., 1., 2.], [1., 2., 1., 2.]])
   */
  repeat(...sizes: number[]): Tensor {
    return ix.repeat(this, ...sizes);
  }
  /**
   * A copy with the order of elements reversed along `dims`, as `torch.Tensor.flip`.
   *
   * @example
   * dl.arange(4).flip(0); // → tensor([3, 2, 1, 0])
   */
  flip(dims: Dims): Tensor {
    return ix.flip(this, dims);
  }

  // ---- indexing, sorting, linear algebra ------------------------------------------------
  /**
   * Values along `dim` at `index` (an integer tensor with self's number of dims): `out[i][j] = self[i][index[i][j]]` for
   * dim 1, as `torch.Tensor.gather`. Out-of-range indices raise an IndexError.
   *
   * @example
   * dl.tensor([[1, 2], [3, 4]]).gather(1, dl.tensor([[1], [0]], { dtype: 'int64' })); // → tensor([[2.], [3.]])
   */
  gather(dim: number, index: Tensor): Tensor {
    return ix.gather(this, dim, index);
  }
  /**
   * A copy with `src` (a tensor or a number) written along `dim` at `index`, `out[i][index[i][j]] = src[i][j]` for dim 1,
   * as `torch.Tensor.scatter`.
   *
   * @example
   * dl.zeros(2, 3).scatter(1, dl.tensor([[2], [0]], { dtype: 'int64' }), 1); // → tensor([[0., 0., 1.], [1., 0., 0.]])
   */
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return ix.scatter(this, dim, index, src);
  }
  /**
   * A copy with `src` added along `dim` at `index` (duplicates accumulate), as `torch.Tensor.scatter_add`.
   *
   * @example
   * dl.zeros(3).scatterAdd(0, dl.tensor([0, 0, 2], { dtype: 'int64' }), dl.tensor([1, 2, 3])); // → tensor([3., 0., 3.])
   */
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ix.scatterAdd(this, dim, index, src);
  }
  /**
   * The entries of `dim` listed by the 1-D integer `index`, as `torch.Tensor.index_select` (a copy).
   *
   * @example
   * dl.tensor([[1, 2], [3, 4], [5, 6]]).indexSelect(0, dl.tensor([2, 0], { dtype: 'int64' })); // → tensor([[5., 6.], [1., 2.]])
   */
  indexSelect(dim: number, index: Tensor): Tensor {
    return ix.indexSelect(this, dim, index);
  }
  /**
   * The lower triangle of the last two dims (on and below diagonal `diagonal`), the rest zero, as `torch.Tensor.tril`.
   *
   * @example
   * dl.ones(3, 3).tril(); // → tensor([[1., 0., 0.], [1., 1., 0.], [1., 1., 1.]])
   */
  tril(diagonal?: number): Tensor {
    return ix.tril(this, diagonal);
  }
  /**
   * The upper triangle of the last two dims (on and above diagonal `diagonal`), the rest zero, as `torch.Tensor.triu`.
   *
   * @example
   * dl.ones(3, 3).triu(1); // → tensor([[0., 1., 1.], [0., 0., 1.], [0., 0., 0.]])
   */
  triu(diagonal?: number): Tensor {
    return ix.triu(this, diagonal);
  }
  /**
   * The elements sorted along `dim` (default last), ascending unless `{ descending: true }`: `{ values, indices }`
   * (destructure `[values, indices]`), as `torch.Tensor.sort`. NaN sorts as the largest, as torch.
   *
   * @example
   * dl.tensor([3, 1, 2]).sort().indices; // → tensor([1, 2, 0])
   */
  sort(dim?: number, opts?: { descending?: boolean }): red.ValuesIndices {
    return so.sort(this, dim, opts);
  }
  /**
   * The indices that sort `dim` (default last), as `torch.Tensor.argsort`.
   *
   * @example
   * dl.tensor([3, 1, 2]).argsort(0, { descending: true }); // → tensor([0, 2, 1])
   */
  argsort(dim?: number, opts?: { descending?: boolean }): Tensor {
    return so.argsort(this, dim, opts);
  }
  /**
   * The `k` largest (or smallest with `{ largest: false }`) elements along `dim` (default last): `{ values, indices }`, as
   * `torch.Tensor.topk`.
   *
   * @example
   * dl.tensor([1, 5, 3, 4]).topk(2).values; // → tensor([5., 4.])
   */
  topk(k: number, dim?: number, opts?: { largest?: boolean; sorted?: boolean }): red.ValuesIndices {
    return so.topk(this, k, dim, opts);
  }
  /**
   * The sorted distinct elements, as `torch.unique`; with `{ returnInverse, returnCounts }` a list
   * `[output, inverse?, counts?]`. Reads the values synchronously (cpu; `dl.uniqueAsync` elsewhere).
   *
   * @example
   * dl.tensor([3, 1, 3, 2]).unique(); // → tensor([1., 2., 3.])
   */
  unique(opts: so.UniqueOptions & { returnInverse: true; returnCounts: true }): so.UniqueResult & [Tensor, Tensor, Tensor];
  unique(opts: so.UniqueOptions & ({ returnInverse: true } | { returnCounts: true })): so.UniqueResult & [Tensor, Tensor];
  unique(opts?: so.UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
  unique(opts?: so.UniqueOptions): Tensor | so.UniqueResult;
  unique(opts?: so.UniqueOptions): Tensor | so.UniqueResult {
    return so.unique(this, opts);
  }
  /**
   * The indices of the nonzero elements as an `[n, ndim]` int64 tensor, or one 1-D tensor per dim with
   * `{ asTuple: true }`, as `torch.Tensor.nonzero`. Reads the values synchronously (cpu; `dl.nonzeroAsync` elsewhere).
   *
   * @example
   * dl.tensor([[0, 1], [2, 0]]).nonzero(); // → tensor([[0, 1], [1, 0]])
   */
  nonzero(opts: nz.NonzeroOptions & { asTuple: true }): Tensor[];
  nonzero(opts?: nz.NonzeroOptions & { asTuple?: false }): Tensor;
  nonzero(opts?: nz.NonzeroOptions): Tensor | Tensor[] {
    return nz.nonzero(this, opts);
  }
  /**
   * The elements where the bool `mask` (broadcastable to self) is true, as a 1-D tensor, as `torch.Tensor.masked_select`.
   * Reads the mask synchronously (cpu; `dl.maskedSelectAsync` elsewhere).
   *
   * @example
   * const x = dl.tensor([[1, -2], [-3, 4]]);
   * x.maskedSelect(x.gt(0)); // → tensor([1., 4.])
   */
  maskedSelect(mask: Tensor): Tensor {
    return nz.maskedSelect(this, mask);
  }
  /**
   * A copy with the elements where `mask` is true replaced, in order, by the leading elements of `source`, as
   * `torch.Tensor.masked_scatter`.
   *
   * @example
   * dl.zeros(4).maskedScatter(dl.tensor([true, false, true, false]), dl.tensor([7, 8])); // → tensor([7., 0., 8., 0.])
   */
  maskedScatter(mask: Tensor, source: Tensor): Tensor {
    return nz.maskedScatter(this, mask, source);
  }
  /**
   * The matrix product with torch's rules: dot for 1-D·1-D, matrix-vector, and batched matrix products broadcasting the
   * batch dims, as `torch.Tensor.matmul` (`@`). Mismatched inner sizes raise a ShapeError.
   *
   * @example
   * dl.tensor([[1, 2], [3, 4]]).matmul(dl.tensor([1, 1])); // → tensor([3., 7.])
   */
  matmul(other: Tensor): Tensor {
    return la.matmul(this, other);
  }
  /**
   * The product of two 2-D matrices, `[n, k] × [k, m] → [n, m]`, as `torch.Tensor.mm` (no broadcasting).
   *
   * @example
   * dl.ones(2, 3).mm(dl.ones(3, 4)).shape; // → [2, 4]
   */
  mm(other: Tensor): Tensor {
    return la.mm(this, other);
  }
  /**
   * The batched product of 3-D tensors, `[b, n, k] × [b, k, m] → [b, n, m]`, as `torch.Tensor.bmm`.
   *
   * @example
   * dl.ones(5, 2, 3).bmm(dl.ones(5, 3, 4)).shape; // → [5, 2, 4]
   */
  bmm(other: Tensor): Tensor {
    return la.bmm(this, other);
  }
  /**
   * The dot product of two 1-D tensors of the same length (0-d), as `torch.Tensor.dot`.
   *
   * @example
   * dl.tensor([1, 2, 3]).dot(dl.tensor([4, 5, 6])); // → tensor(32.)
   */
  dot(other: Tensor): Tensor {
    return la.dot(this, other);
  }
  /**
   * `exp(x) / sum(exp(x))` along `dim`, computed stably, as `torch.Tensor.softmax`.
   *
   * @example
   * dl.tensor([0, Math.log(3)]).softmax(0); // → tensor([0.2500, 0.7500])
   */
  softmax(dim: number): Tensor {
    return sm.softmax(this, dim);
  }
  /**
   * `log(softmax(x))` along `dim`, computed stably, as `torch.Tensor.log_softmax`.
   *
   * @example
   * dl.tensor([0, 0]).logSoftmax(0); // → tensor([-0.6931, -0.6931])
   */
  logSoftmax(dim: number): Tensor {
    return sm.logSoftmax(this, dim);
  }

  // ---- in place (trailing underscore) ----------------------------------------------------
  /**
   * In-place `add`, as `torch.Tensor.add_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, 2]);
   * x.add_(10); // x → tensor([11., 12.])
   */
  add_(other: TensorOrScalar, opts: { alpha?: number } = {}): this {
    ip.binaryInPlace('add', this, opts.alpha === undefined || opts.alpha === 1 ? other : scaled(other, opts.alpha), 'add_');
    return this;
  }
  /**
   * In-place `sub`, as `torch.Tensor.sub_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, 2]);
   * x.sub_(1, { alpha: 2 }); // x → tensor([-1.,  0.])
   */
  sub_(other: TensorOrScalar, opts: { alpha?: number } = {}): this {
    ip.binaryInPlace('sub', this, opts.alpha === undefined || opts.alpha === 1 ? other : scaled(other, opts.alpha), 'sub_');
    return this;
  }
  /**
   * In-place `mul`, as `torch.Tensor.mul_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, 2]);
   * x.mul_(3); // x → tensor([3., 6.])
   */
  mul_(other: TensorOrScalar): this {
    ip.binaryInPlace('mul', this, other, 'mul_');
    return this;
  }
  /**
   * In-place `div`, as `torch.Tensor.div_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, 2]);
   * x.div_(4); // x → tensor([0.2500, 0.5000])
   */
  div_(other: TensorOrScalar): this {
    ip.binaryInPlace('div', this, other, 'div_');
    return this;
  }
  /**
   * In-place `pow`, as `torch.Tensor.pow_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([2, 3]);
   * x.pow_(2); // x → tensor([4., 9.])
   */
  pow_(other: TensorOrScalar): this {
    ip.binaryInPlace('pow', this, other, 'pow_');
    return this;
  }
  /**
   * In-place `maximum`, as `torch.Tensor.maximum_`. Writes into `self` (and every view of its storage) and returns it;
   * autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, 5]);
   * x.maximum_(dl.tensor([3, 3])); // x → tensor([3., 5.])
   */
  maximum_(other: Tensor): this {
    ip.binaryInPlace('maximum', this, other, 'maximum_');
    return this;
  }
  /**
   * In-place `neg`, as `torch.Tensor.neg_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, -2]);
   * x.neg_(); // x → tensor([-1.,  2.])
   */
  neg_(): this {
    ip.unaryInPlace('neg', this, 'neg_');
    return this;
  }
  /**
   * In-place `abs`, as `torch.Tensor.abs_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, -2]);
   * x.abs_(); // x → tensor([1., 2.])
   */
  abs_(): this {
    ip.unaryInPlace('abs', this, 'abs_');
    return this;
  }
  /**
   * In-place `exp`, as `torch.Tensor.exp_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([0, 1]);
   * x.exp_(); // x → tensor([1.0000, 2.7183])
   */
  exp_(): this {
    ip.unaryInPlace('exp', this, 'exp_');
    return this;
  }
  /**
   * In-place `log`, as `torch.Tensor.log_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, 100]);
   * x.log_(); // x → tensor([0.0000, 4.6052])
   */
  log_(): this {
    ip.unaryInPlace('log', this, 'log_');
    return this;
  }
  /**
   * In-place `sqrt`, as `torch.Tensor.sqrt_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([4, 9]);
   * x.sqrt_(); // x → tensor([2., 3.])
   */
  sqrt_(): this {
    ip.unaryInPlace('sqrt', this, 'sqrt_');
    return this;
  }
  /**
   * In-place `relu`, as `torch.Tensor.relu_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([-1, 2]);
   * x.relu_(); // x → tensor([0., 2.])
   */
  relu_(): this {
    ip.unaryInPlace('relu', this, 'relu_');
    return this;
  }
  /**
   * In-place `sigmoid`, as `torch.Tensor.sigmoid_`. Writes into `self` (and every view of its storage) and returns it;
   * autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([0]);
   * x.sigmoid_(); // x → tensor([0.5000])
   */
  sigmoid_(): this {
    ip.unaryInPlace('sigmoid', this, 'sigmoid_');
    return this;
  }
  /**
   * In-place `tanh`, as `torch.Tensor.tanh_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([0, 1]);
   * x.tanh_(); // x → tensor([0.0000, 0.7616])
   */
  tanh_(): this {
    ip.unaryInPlace('tanh', this, 'tanh_');
    return this;
  }
  /**
   * In-place `clamp`, as `torch.Tensor.clamp_`. Writes into `self` (and every view of its storage) and returns it;
   * autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([-2, 0.5, 3]);
   * x.clamp_(0, 1); // x → tensor([0.0000, 0.5000, 1.0000])
   */
  clamp_(min?: number | Tensor | null | mx.ClampOptions, max?: number | Tensor | null): this {
    mx.clampInPlace(this, min, max);
    return this;
  }
  /**
   * In-place `addcmul`, as `torch.Tensor.addcmul_`. Writes into `self` (and every view of its storage) and returns it;
   * autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, 1]);
   * x.addcmul_(dl.tensor([2, 3]), dl.tensor([4, 5]), { value: 0.5 }); // x → tensor([5.0000, 8.5000])
   */
  addcmul_(t1: Tensor, t2: Tensor, opts: { value?: number } = {}): this {
    return this.add_(t1.mul(t2), { alpha: ac.addcmulInPlaceValue(this, t1, t2, opts.value ?? 1) });
  }
  /**
   * In-place `addcdiv`, as `torch.Tensor.addcdiv_`. Writes into `self` (and every view of its storage) and returns it;
   * autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, 1]);
   * x.addcdiv_(dl.tensor([2, 3]), dl.tensor([4, 6])); // x → tensor([1.5000, 1.5000])
   */
  addcdiv_(t1: Tensor, t2: Tensor, opts: { value?: number } = {}): this {
    ac.checkAddcdiv('addcdiv_', this, t1, t2);
    return this.add_(t1.div(t2), { alpha: opts.value ?? 1 });
  }
  /**
   * In-place `lerp`, as `torch.Tensor.lerp_`. Writes into `self` (and every view of its storage) and returns it; autograd
   * records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([0, 10]);
   * x.lerp_(dl.tensor([10, 20]), 0.5); // x → tensor([ 5., 15.])
   */
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    ip.applyInPlace(this, 'lerp_', (s) => ew.lerp(s, end, weight));
    return this;
  }
  /**
   * In-place `maskedFill`, as `torch.Tensor.masked_fill_`. Writes into `self` (and every view of its storage) and returns
   * it; autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.tensor([1, -2, 3]);
   * x.maskedFill_(x.lt(0), 0); // x → tensor([1., 0., 3.])
   */
  maskedFill_(mask: Tensor, value: number): this {
    ip.maskedFillInPlace(this, mask, value);
    return this;
  }
  /**
   * In-place `scatter`, as `torch.Tensor.scatter_`. Writes into `self` (and every view of its storage) and returns it;
   * autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.zeros(3);
   * x.scatter_(0, dl.tensor([2], { dtype: 'int64' }), 5); // x → tensor([0., 0., 5.])
   */
  scatter_(dim: number, index: Tensor, src: Tensor | number): this {
    ip.applyInPlace(this, 'scatter_', (s) => ix.scatter(s, dim, index, src));
    return this;
  }
  /**
   * In-place `scatterAdd`, as `torch.Tensor.scatter_add_`. Writes into `self` (and every view of its storage) and returns
   * it; autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.zeros(3);
   * x.scatterAdd_(0, dl.tensor([0, 0], { dtype: 'int64' }), dl.tensor([1, 2])); // x → tensor([3., 0., 0.])
   */
  scatterAdd_(dim: number, index: Tensor, src: Tensor): this {
    ip.applyInPlace(this, 'scatterAdd_', (s) => ix.scatterAdd(s, dim, index, src));
    return this;
  }
  /**
   * `x[indices] = values` (`x.index_put_(indices, values, accumulate)`): indices as `at` takes
   * them. See {@link ai.indexPut_}.
   *
   * @example
   * x.indexPut_([x.lt(0)], 0); // x[x < 0] = 0
   */
  indexPut_(indices: readonly vw.Index[] | Tensor, values: Tensor | number, opts?: ai.IndexPutOptions): this {
    ai.indexPut_(this, indices, values, opts);
    return this;
  }
  /**
   * In-place `maskedScatter`, as `torch.Tensor.masked_scatter_`. Writes into `self` (and every view of its storage) and
   * returns it; autograd records it, and on a leaf that requires grad it raises an AutogradError, as torch.
   *
   * @example
   * const x = dl.zeros(3);
   * x.maskedScatter_(dl.tensor([true, false, true]), dl.tensor([7, 8])); // x → tensor([7., 0., 8.])
   */
  maskedScatter_(mask: Tensor, source: Tensor): this {
    ip.applyInPlace(this, 'maskedScatter_', (s) => nz.maskedScatter(s, mask, source));
    return this;
  }
  /**
   * A copy of `self` with `values` written at `indices` (as `indexPut_` takes them; `{ accumulate: true }` adds,
   * duplicates included), as `torch.Tensor.index_put`.
   *
   * @example
   * dl.zeros(3).indexPut([dl.tensor([0, 2], { dtype: 'int64' })], dl.tensor([5, 6])); // → tensor([5., 0., 6.])
   */
  indexPut(indices: readonly vw.Index[] | Tensor, values: Tensor | number, opts?: ai.IndexPutOptions): Tensor {
    return ai.indexPut(this, indices, values, opts);
  }
  /**
   * Fills `self` with zeros in place and returns it, as `torch.Tensor.zero_` (`optimizer.zeroGrad` uses it on `.grad`).
   *
   * @example
   * dl.ones(2).zero_(); // → tensor([0., 0.])
   */
  zero_(): this {
    ip.fill_(this, 0);
    return this;
  }
  /**
   * Fills `self` with `value` in place and returns it, as `torch.Tensor.fill_` (on integer tensors a float value is
   * truncated toward zero).
   *
   * @example
   * dl.zeros(3).fill_(7); // → tensor([7., 7., 7.])
   */
  fill_(value: number | boolean): this {
    ip.fill_(this, value);
    return this;
  }
  /**
   * Copies `src` into `self` in place (`src` broadcast to self's shape and cast to its dtype), as `torch.Tensor.copy_`.
   *
   * @example
   * const x = dl.zeros(2, 2);
   * x.copy_(dl.tensor([1, 2])); // x → tensor([[1., 2.], [1., 2.]])
   */
  copy_(src: Tensor): this {
    ip.copy_(this, src);
    return this;
  }
  /**
   * Fills `self` in place with samples of U(from, to) (defaults 0 and 1), from the default generator or `{ generator }`,
   * as `torch.Tensor.uniform_`.
   *
   * @example
   * const w = dl.empty(2, 3).uniform_(-0.1, 0.1);
   * w.abs().max().itemSync() <= 0.1; // → true
   */
  uniform_(from = 0, to = 1, opts: { generator?: Generator } = {}): this {
    ip.randomInPlace(this, 'uniform', from, to, opts.generator);
    return this;
  }
  /**
   * Fills `self` in place with samples of N(mean, std²) (defaults 0 and 1), from the default generator or `{ generator }`,
   * as `torch.Tensor.normal_`.
   *
   * @example
   * const w = dl.empty(2, 3).normal_(0, 0.02);
   * w.shape; // → [2, 3]
   */
  normal_(mean = 0, std = 1, opts: { generator?: Generator } = {}): this {
    ip.randomInPlace(this, 'normal', mean, std, opts.generator);
    return this;
  }
  /**
   * Sets `requiresGrad` in place and returns `self`, as `torch.Tensor.requires_grad_`. Only floating tensors can require
   * gradients, and only a leaf's flag can be cleared (a StateError otherwise).
   *
   * @example
   * const w = dl.randn(3).requiresGrad_();
   * w.requiresGrad; // → true
   */
  requiresGrad_(requiresGrad = true): this {
    if (requiresGrad && !isFloating(this.dtype)) {
      throw new StateError(`requiresGrad_: only Tensors of floating point dtype can require gradients (got ${this.dtype})`, {
        op: 'requiresGrad_',
      });
    }
    if (!requiresGrad && !this.isLeaf) {
      throw new StateError('requiresGrad_: you can only change requires_grad flags of leaf variables', {
        op: 'requiresGrad_',
        hint: 'use detach() to get a leaf',
      });
    }
    this.requiresGrad = requiresGrad;
    return this;
  }
  /**
   * Cuts `self` from the autograd graph in place, making it a leaf that does not require grad, as `torch.Tensor.detach_`.
   *
   * @example
   * const y = dl.tensor([1], { requiresGrad: true }).mul(2);
   * y.detach_().isLeaf; // → true
   */
  detach_(): this {
    this.gradFn = null;
    this.requiresGrad = false;
    return this;
  }

  // ---- conversion ------------------------------------------------------------------------
  /**
   * Moves and/or casts, as `torch.Tensor.to`: `x.to('webgpu')`, `x.to('float64')`, `x.to({ device, dtype })`. Returns
   * `self` when nothing changes. Moving off a device needs a synchronous read there (from cpu always works; use
   * `await x.toAsync('cpu')` for webgpu tensors); an unknown name raises an ArgumentError.
   *
   * @example
   * dl.tensor([1, 2]).to('int64'); // → tensor([1, 2])
   */
  to(target: string | { device?: string; dtype?: DTypeName }): Tensor {
    const { device, dtype, requested } = parseTo(target);
    let r: Tensor = this;
    if (dtype && dtype !== r.dtype) {
      r = castTracked(r, dtype, requested ?? dtype);
    }
    if (device && device !== r.device) r = moveTo(r, device);
    return r;
  }
  /**
   * `to` for any pair of devices: awaits the read from the source device, as `x.to(device)` with a webgpu source. Resolves
   * to `self` when nothing changes.
   *
   * @example
   * const y = await dl.tensor([1, 2]).toAsync('cpu');
   * y.device; // → cpu
   */
  async toAsync(target: string | { device?: string; dtype?: DTypeName }): Promise<Tensor> {
    const { device, dtype, requested } = parseTo(target);
    let r: Tensor = this;
    if (device && device !== r.device) {
      const host = await r.contiguous().data();
      const moved = fromHost(host, r.shape, r.dtype, device, 'to');
      recordOp('cast', [r], moved, { from: r.dtype, fromDevice: r.device });
      r = moved;
    }
    return dtype ? r.to(requested ?? dtype) : r;
  }
  /**
   * A float32 copy (or `self` when already float32), as `torch.Tensor.float`.
   *
   * @example
   * dl.tensor([1, 2], { dtype: 'int32' }).float(); // → tensor([1., 2.])
   */
  float(): Tensor {
    return this.to('float32');
  }
  /**
   * A float64 copy (or `self` when already float64), as `torch.Tensor.double`.
   *
   * @example
   * dl.tensor([1, 2]).double().dtype; // → float64
   */
  double(): Tensor {
    return this.to('float64');
  }
  /**
   * A float16 copy (or `self` when already float16), as `torch.Tensor.half`: values round to the nearest half
   * (Note [float16 storage]); compute on it runs as Note [float16 compute] says.
   *
   * @example
   * dl.tensor([0.1, 70000]).half(); // → tensor([0.1000,    inf], dtype=torch.float16)
   */
  half(): Tensor {
    return this.to('float16');
  }
  /**
   * An int32 copy (values truncated toward zero; NaN, ±inf and out-of-range values raise a DTypeError), as
   * `torch.Tensor.int`.
   *
   * @example
   * dl.tensor([1.7, -1.7]).int(); // → tensor([ 1, -1])
   */
  int(): Tensor {
    return this.to('int32');
  }
  /**
   * int64 as dl stores it: int32 (Note [int64 is int32] in dtype.ts). A float tensor with NaN, ±inf
   * or values outside int32 raises on cpu instead of wrapping.
   *
   * @example
   * F.crossEntropy(logits, dl.tensor([0, 1, 1]).long());
   */
  long(): Tensor {
    return this.to('int64');
  }
  /**
   * A bool copy (nonzero is true), as `torch.Tensor.bool`.
   *
   * @example
   * dl.tensor([0, 0.5, 2]).bool(); // → tensor([False,  True,  True])
   */
  bool(): Tensor {
    return this.to('bool');
  }
  /**
   * A uint8 copy, as `torch.Tensor.byte` (values outside [0, 255] raise instead of wrapping).
   *
   * @example
   * dl.tensor([1, 255]).byte(); // → tensor([  1, 255], dtype=torch.uint8)
   */
  byte(): Tensor {
    return this.to('uint8');
  }
  /**
   * `self` on the cpu device (a copy when elsewhere), as `torch.Tensor.cpu`. Needs a synchronous read on the source
   * device: use `await x.toAsync('cpu')` for webgpu tensors.
   *
   * @example
   * dl.tensor([1, 2]).cpu().device; // → cpu
   */
  cpu(): Tensor {
    return this.to('cpu');
  }
  /**
   * A copy cast to `dtype`, as `x.type(torch.int64)`: `x.type('int64')`.
   *
   * @example
   * dl.tensor([1.5, 2.5]).type('int64'); // → tensor([1, 2])
   */
  type(dtype: DTypeName): Tensor {
    return this.to({ dtype });
  }

  /**
   * The printed form, as `toString` (`str(x)` in PyTorch), for any device: awaits the values.
   *
   * @example
   * await dl.tensor([1, 2]).format(); // → tensor([1., 2.])
   */
  async format(): Promise<string> {
    return printWithValues(this, await this.data());
  }
}

function scaled(other: TensorOrScalar, alpha: number): TensorOrScalar {
  if (other instanceof Tensor) return ew.binary('mul', other, alpha);
  return typeof other === 'number' || typeof other === 'boolean' ? Number(other) * alpha : other; // anything else: add() names it
}

/** Device names a program may mean before their backend is registered (their errors say how to register it). */
const KNOWN_DEVICES = new Set(['cpu', 'webgpu', 'cuda', 'mps', 'gpu']);

function parseTo(target: string | { device?: string; dtype?: DTypeName }): { device?: string; dtype?: DType; requested?: string } {
  if (typeof target === 'string') {
    if (isDTypeName(target)) return { dtype: toDType(target, 'to'), requested: target };
    if (isUnsupportedDTypeName(target)) toDType(target, 'to'); // throws a DTypeError with a hint
    if (!KNOWN_DEVICES.has(target) && !listDevices().includes(target)) {
      // A typo ('flaot32') is neither: say both, rather than "device 'flaot32' is not available".
      throw new ArgumentError(`to: '${target}' is neither a dtype nor a device`, {
        op: 'to',
        hint: `dtypes: float32, float64, int64 (long), int32, uint8, bool; registered devices: ${listDevices().join(', ') || 'none'}`,
      });
    }
    return { device: target };
  }
  if (target === null || typeof target !== 'object') {
    throw new ArgumentError(
      `to: expected a dtype name, a device name or { device, dtype }, got ${target === null ? 'null' : typeof target}`,
      {
        op: 'to',
        hint: "x.to('int64'), x.to('webgpu'), x.to({ device: 'cpu', dtype: 'float32' })",
      },
    );
  }
  const r: { device?: string; dtype?: DType; requested?: string } = {};
  if (target.device !== undefined) r.device = target.device;
  if (target.dtype !== undefined) {
    r.dtype = toDType(target.dtype, 'to');
    r.requested = target.dtype;
  }
  return r;
}

/**
 * Valid float sources of a cast to `dtype`: those whose truncation toward zero fits (bounds exact in
 * float32: no float32 lies between -2^31 - 1 and -2^31).
 */
const CAST_BOUNDS = {
  int32: { lo: -2147483648, hi: 2147483648, hiOpen: true },
  uint8: { lo: -1, hi: 256, loOpen: true, hiOpen: true },
} as const;

/**
 * A copy of `x` in `dtype`, recorded for autograd (ToCopyBackward0). Float → integer casts of
 * NaN, ±inf or out-of-range values raise (Note [int64 is int32]): at once on devices with sync
 * reads, at the next read on the others (a device check).
 */
const castTracked = defineOp('to', (x: Tensor, dtype: DType, requested: string = dtype): Tensor => {
  if (isFloating(x.dtype) && (dtype === 'int32' || dtype === 'uint8') && x.numel() > 0) {
    if (deviceCan(x, 'readSync'))
      checkIntRange(readHostSync(vw.contiguous(x.detach()), 'to'), dtype, 'to', requested, { truncateFirst: true });
    else
      checkOnDevice('to', x, {
        ...CAST_BOUNDS[dtype],
        key: `to:${dtype}:${requested}`,
        error: (v, i) => intRangeError(v, i, dtype, 'to', requested, `. ${DEFERRED_NOTE}`),
      });
  }
  const out = emptyTensor(x.shape, dtype, x.device, 'to');
  runKernel('to', 'copy', x, out);
  recordOp('cast', [x], out, { from: x.dtype, fromDevice: x.device });
  return out;
});

/** `x` on another device (through the host: needs a synchronous read where `x` is). */
const moveTo = defineOp('to', (x: Tensor, device: string): Tensor => {
  if (!deviceCan(x, 'readSync')) {
    throw new StateError(`to: cannot move a tensor from '${x.device}' to '${device}' synchronously`, {
      op: 'to',
      hint: `use \`await x.toAsync('${device}')\``,
    });
  }
  const c = x.contiguous();
  const moved = fromHost(readHostSync(c, 'to'), x.shape, x.dtype, device, 'to');
  recordOp('cast', [x], moved, { from: x.dtype, fromDevice: x.device });
  return moved;
});

/**
 * Note [Derived elementwise methods]
 * `Tensor` gets one method per unary, binary and compare primitive of the table (primitives.ts),
 * so adding an elementwise primitive adds its method: `x.exp()`, `x.mul(y)`, `x.lt(0)`. Methods
 * with extra options (`add`/`sub` with `alpha`) are written in the class and kept.
 */
// Mapped over the table itself, so each method shows its row's doc comment.
type UnaryMethods = { [K in keyof PrimitiveTable as K extends UnaryOp ? K : never]: () => Tensor };
type BinaryMethods = {
  [K in keyof PrimitiveTable as K extends Exclude<BinaryOp, 'add' | 'sub' | 'div'> ? K : never]: (other: TensorOrScalar) => Tensor;
};
type CompareMethods = { [K in keyof PrimitiveTable as K extends CompareOp ? K : never]: (other: TensorOrScalar) => Tensor };
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Tensor extends UnaryMethods, BinaryMethods, CompareMethods {}

function install(name: string, fn: (this: Tensor, other?: TensorOrScalar) => Tensor): void {
  if (Object.hasOwn(Tensor.prototype, name)) return;
  Object.defineProperty(Tensor.prototype, name, { value: fn, writable: true, configurable: true, enumerable: false });
}
for (const op of primitivesOf('unary'))
  install(op, function (this: Tensor) {
    return ew.unary(op, this);
  });
for (const op of primitivesOf('binary'))
  install(op, function (this: Tensor, other?: TensorOrScalar) {
    return ew.binary(op, this, other!);
  });
for (const op of primitivesOf('compare'))
  install(op, function (this: Tensor, other?: TensorOrScalar) {
    return ew.compare(op, this, other!);
  });
