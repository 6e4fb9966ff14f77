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
  /** `self + alpha * other` (broadcasting). */
  add(other: TensorOrScalar, opts: { alpha?: number } = {}): Tensor {
    return ew.binary('add', this, opts.alpha === undefined || opts.alpha === 1 ? other : scaled(other, opts.alpha));
  }
  /** `self - alpha * other`. */
  sub(other: TensorOrScalar, opts: { alpha?: number } = {}): Tensor {
    return ew.binary('sub', this, opts.alpha === undefined || opts.alpha === 1 ? other : scaled(other, opts.alpha));
  }
  square(): Tensor {
    return ew.binary('mul', this, this);
  }
  /** Clamp into [min, max]: number or tensor bounds, or `{ min, max }` (ops/math-extra.ts). @example x.clamp(0, 1); x.clamp(lo, hi) */
  clamp(min?: number | Tensor | null | mx.ClampOptions, max?: number | Tensor | null): Tensor {
    return mx.clamp(this, min, max);
  }
  clip(min?: number | Tensor | null | mx.ClampOptions, max?: number | Tensor | null): Tensor {
    return mx.clamp(this, min, max);
  }
  /** `self + value * t1 * t2` (on integer tensors `value` is truncated first, as torch). */
  addcmul(t1: Tensor, t2: Tensor, opts: { value?: number } = {}): Tensor {
    return ac.addcmul(this, t1, t2, opts.value ?? 1);
  }
  /** `self + value * t1 / t2` (t1 and t2 may not both be integer tensors, as torch). */
  addcdiv(t1: Tensor, t2: Tensor, opts: { value?: number } = {}): Tensor {
    return ac.addcdiv(this, t1, t2, opts.value ?? 1);
  }
  /** `self + weight * (end - self)`. */
  lerp(end: Tensor, weight: TensorOrScalar): Tensor {
    return ew.lerp(this, end, weight);
  }
  /** `this // other`, rounded down as `torch.floor_divide` (integers stay integers; Note [Rounded division]). */
  /**
   * `self / other`; `roundingMode: 'trunc' | 'floor'` rounds the quotient (torch's `div(…, rounding_mode=)`).
   *
   * @example
   * dl.tensor([-7, 7]).div(2, { roundingMode: 'floor' }); // tensor([-4., 3.])
   */
  div(other: TensorOrScalar, opts: { roundingMode?: RoundingMode } = {}): Tensor {
    return divide(this, other, opts);
  }
  floorDivide(other: TensorOrScalar): Tensor {
    return divRounded(this, other, 'floor');
  }

  // ---- comparison and logic --------------------------------------------------------------
  isfinite(): Tensor {
    return this.isnan().logicalOr(this.isinf()).logicalNot();
  }
  /** `condition ? self : other` (torch's `x.where(cond, y)`). */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return ew.where(condition, this, other);
  }
  maskedFill(mask: Tensor, value: number | Tensor): Tensor {
    return ew.maskedFill(this, mask, value);
  }
  /** Do all elements match within tolerances? (sync read: cpu) */
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
  /** Same shape and values? (sync read: cpu) */
  equal(other: Tensor): boolean {
    return (
      this.shape.length === other.shape.length && this.shape.every((s, i) => s === other.shape[i]) && this.eq(other).all().itemSync() === 1
    );
  }

  // ---- reductions ------------------------------------------------------------------------
  sum(dim?: Dims | null, opts?: red.ReduceOptions): Tensor {
    return red.sum(this, dim, opts);
  }
  mean(dim?: Dims | null, opts?: red.ReduceOptions): Tensor {
    return red.mean(this, dim, opts);
  }
  prod(dim?: number | null, opts?: red.ReduceOptions): Tensor {
    return red.prod(this, dim, opts);
  }
  max(): Tensor;
  max(dim: number, opts?: { keepdim?: boolean }): red.ValuesIndices;
  max(dim?: number, opts?: { keepdim?: boolean }): Tensor | red.ValuesIndices {
    return dim === undefined ? red.max(this) : red.max(this, dim, opts);
  }
  min(): Tensor;
  min(dim: number, opts?: { keepdim?: boolean }): red.ValuesIndices;
  min(dim?: number, opts?: { keepdim?: boolean }): Tensor | red.ValuesIndices {
    return dim === undefined ? red.min(this) : red.min(this, dim, opts);
  }
  amax(dim?: Dims, opts?: { keepdim?: boolean }): Tensor {
    return red.amax(this, dim, opts);
  }
  amin(dim?: Dims, opts?: { keepdim?: boolean }): Tensor {
    return red.amin(this, dim, opts);
  }
  argmax(dim?: number, opts?: { keepdim?: boolean }): Tensor {
    return red.argmax(this, dim, opts);
  }
  argmin(dim?: number, opts?: { keepdim?: boolean }): Tensor {
    return red.argmin(this, dim, opts);
  }
  std(dim?: Dims | null, opts?: red.VarOptions): Tensor {
    return red.std(this, dim, opts);
  }
  var(dim?: Dims | null, opts?: red.VarOptions): Tensor {
    return red.variance(this, dim, opts);
  }
  logsumexp(dim: Dims, opts?: { keepdim?: boolean }): Tensor {
    return red.logsumexp(this, dim, opts);
  }
  all(dim?: number | null, opts?: { keepdim?: boolean }): Tensor {
    return red.all(this, dim, opts);
  }
  any(dim?: number | null, opts?: { keepdim?: boolean }): Tensor {
    return red.any(this, dim, opts);
  }
  cumsum(dim: number, opts?: { dtype?: DTypeName }): Tensor {
    return red.cumsum(this, dim, opts);
  }
  norm(p?: number, dim?: Dims | null, opts?: { keepdim?: boolean }): Tensor {
    return red.norm(this, p, dim, opts);
  }

  // ---- views and shape -------------------------------------------------------------------
  view(...shape: ShapeArgs): Tensor {
    return vw.view(this, ...shape);
  }
  viewAs(other: Tensor): Tensor {
    return vw.view(this, [...other.shape]);
  }
  reshape(...shape: ShapeArgs): Tensor {
    return vw.reshape(this, ...shape);
  }
  reshapeAs(other: Tensor): Tensor {
    return vw.reshape(this, [...other.shape]);
  }
  permute(...dims: ShapeArgs): Tensor {
    return vw.permute(this, ...dims);
  }
  transpose(dim0: number, dim1: number): Tensor {
    return vw.transpose(this, dim0, dim1);
  }
  swapaxes(dim0: number, dim1: number): Tensor {
    return vw.transpose(this, dim0, dim1);
  }
  t(): Tensor {
    return vw.t(this);
  }
  /** Matrix transpose, as `x.T` (reverses all dims). */
  get T(): Tensor {
    return vw.permute(
      this,
      this.shape.map((_, i) => this.dim() - 1 - i),
    );
  }
  /** Matrix transpose of the last two dims, as `x.mT`. */
  get mT(): Tensor {
    return vw.transpose(this, -2, -1);
  }
  unsqueeze(dim: number): Tensor {
    return vw.unsqueeze(this, dim);
  }
  squeeze(dim?: Dims): Tensor {
    return vw.squeeze(this, dim);
  }
  flatten(startDim?: number, endDim?: number): Tensor {
    return vw.flatten(this, startDim, endDim);
  }
  unflatten(dim: number, sizes: readonly number[]): Tensor {
    return vw.unflatten(this, dim, sizes);
  }
  expand(...sizes: ShapeArgs): Tensor {
    return vw.expand(this, ...sizes);
  }
  expandAs(other: Tensor): Tensor {
    return vw.expand(this, [...other.shape]);
  }
  narrow(dim: number, start: number, length: number): Tensor {
    return vw.narrow(this, dim, start, length);
  }
  select(dim: number, index: number): Tensor {
    return vw.select(this, dim, index);
  }
  /** NumPy-style indexing (`x.at(':', 1)` is `x[:, 1]`); see {@link vw.at}. */
  at(...index: vw.Index[]): Tensor {
    return vw.at(this, ...index);
  }
  contiguous(): Tensor {
    return vw.contiguous(this);
  }
  clone(): Tensor {
    return vw.clone(this);
  }
  /** Ones with this tensor's dtype and device (`x.new_ones(5, 3)`); `dl.ones` takes the same arguments. */
  newOnes(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
    return newOf(this, 'ones', args);
  }
  /** Zeros with this tensor's dtype and device (`x.new_zeros(2, 2)`). */
  newZeros(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
    return newOf(this, 'zeros', args);
  }
  /** Uninitialised, with this tensor's dtype and device (`x.new_empty(2, 2)`). */
  newEmpty(...args: (number | readonly number[] | CreateOptions)[]): Tensor {
    return newOf(this, 'empty', args);
  }
  /** `value` everywhere, with this tensor's dtype and device (`x.new_full([2, 2], 7)`). */
  newFull(shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor {
    return newFullOf(this, shape, value, opts);
  }
  /** `data` as a tensor with this tensor's dtype and device (`x.new_tensor([1, 2])`). */
  newTensor(data: NestedData, opts: CreateOptions = {}): Tensor {
    return newTensorOf(this, data, opts);
  }
  detach(): Tensor {
    return vw.detach(this);
  }
  split(splitSize: number | readonly number[], dim?: number): Tensor[] {
    return ix.split(this, splitSize, dim);
  }
  chunk(chunks: number, dim?: number): Tensor[] {
    return ix.chunk(this, chunks, dim);
  }
  repeat(...sizes: number[]): Tensor {
    return ix.repeat(this, ...sizes);
  }
  flip(dims: Dims): Tensor {
    return ix.flip(this, dims);
  }

  // ---- indexing, sorting, linear algebra ------------------------------------------------
  gather(dim: number, index: Tensor): Tensor {
    return ix.gather(this, dim, index);
  }
  scatter(dim: number, index: Tensor, src: Tensor | number): Tensor {
    return ix.scatter(this, dim, index, src);
  }
  scatterAdd(dim: number, index: Tensor, src: Tensor): Tensor {
    return ix.scatterAdd(this, dim, index, src);
  }
  indexSelect(dim: number, index: Tensor): Tensor {
    return ix.indexSelect(this, dim, index);
  }
  tril(diagonal?: number): Tensor {
    return ix.tril(this, diagonal);
  }
  triu(diagonal?: number): Tensor {
    return ix.triu(this, diagonal);
  }
  sort(dim?: number, opts?: { descending?: boolean }): red.ValuesIndices {
    return so.sort(this, dim, opts);
  }
  argsort(dim?: number, opts?: { descending?: boolean }): Tensor {
    return so.argsort(this, dim, opts);
  }
  topk(k: number, dim?: number, opts?: { largest?: boolean; sorted?: boolean }): red.ValuesIndices {
    return so.topk(this, k, dim, opts);
  }
  /** `torch.unique`: a Tensor, or `[output, inverse?, counts?]` when asked for more (see {@link so.unique}). */
  unique(opts: so.UniqueOptions & { returnInverse: true; returnCounts: true }): so.UniqueResult & [Tensor, Tensor, Tensor];
  unique(opts: so.UniqueOptions & ({ returnInverse: true } | { returnCounts: true })): so.UniqueResult & [Tensor, Tensor];
  unique(opts?: so.UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
  unique(opts?: so.UniqueOptions): Tensor | so.UniqueResult;
  unique(opts?: so.UniqueOptions): Tensor | so.UniqueResult {
    return so.unique(this, opts);
  }
  /** Indices of nonzero elements: `[n, dim]`, or one tensor per dim with `{ asTuple: true }` (see {@link nz.nonzero}). */
  nonzero(opts: nz.NonzeroOptions & { asTuple: true }): Tensor[];
  nonzero(opts?: nz.NonzeroOptions & { asTuple?: false }): Tensor;
  nonzero(opts?: nz.NonzeroOptions): Tensor | Tensor[] {
    return nz.nonzero(this, opts);
  }
  /** The elements where `mask` is true, 1-D (`torch.masked_select`). */
  maskedSelect(mask: Tensor): Tensor {
    return nz.maskedSelect(this, mask);
  }
  /** A copy with the elements where `mask` is true taken in order from `source` (`torch.masked_scatter`). */
  maskedScatter(mask: Tensor, source: Tensor): Tensor {
    return nz.maskedScatter(this, mask, source);
  }
  matmul(other: Tensor): Tensor {
    return la.matmul(this, other);
  }
  mm(other: Tensor): Tensor {
    return la.mm(this, other);
  }
  bmm(other: Tensor): Tensor {
    return la.bmm(this, other);
  }
  dot(other: Tensor): Tensor {
    return la.dot(this, other);
  }
  softmax(dim: number): Tensor {
    return sm.softmax(this, dim);
  }
  logSoftmax(dim: number): Tensor {
    return sm.logSoftmax(this, dim);
  }

  // ---- in place (trailing underscore) ----------------------------------------------------
  add_(other: TensorOrScalar, opts: { alpha?: number } = {}): this {
    ip.binaryInPlace('add', this, opts.alpha === undefined || opts.alpha === 1 ? other : scaled(other, opts.alpha), 'add_');
    return this;
  }
  sub_(other: TensorOrScalar, opts: { alpha?: number } = {}): this {
    ip.binaryInPlace('sub', this, opts.alpha === undefined || opts.alpha === 1 ? other : scaled(other, opts.alpha), 'sub_');
    return this;
  }
  mul_(other: TensorOrScalar): this {
    ip.binaryInPlace('mul', this, other, 'mul_');
    return this;
  }
  div_(other: TensorOrScalar): this {
    ip.binaryInPlace('div', this, other, 'div_');
    return this;
  }
  pow_(other: TensorOrScalar): this {
    ip.binaryInPlace('pow', this, other, 'pow_');
    return this;
  }
  maximum_(other: Tensor): this {
    ip.binaryInPlace('maximum', this, other, 'maximum_');
    return this;
  }
  neg_(): this {
    ip.unaryInPlace('neg', this, 'neg_');
    return this;
  }
  abs_(): this {
    ip.unaryInPlace('abs', this, 'abs_');
    return this;
  }
  exp_(): this {
    ip.unaryInPlace('exp', this, 'exp_');
    return this;
  }
  log_(): this {
    ip.unaryInPlace('log', this, 'log_');
    return this;
  }
  sqrt_(): this {
    ip.unaryInPlace('sqrt', this, 'sqrt_');
    return this;
  }
  relu_(): this {
    ip.unaryInPlace('relu', this, 'relu_');
    return this;
  }
  sigmoid_(): this {
    ip.unaryInPlace('sigmoid', this, 'sigmoid_');
    return this;
  }
  tanh_(): this {
    ip.unaryInPlace('tanh', this, 'tanh_');
    return this;
  }
  clamp_(min?: number | Tensor | null | mx.ClampOptions, max?: number | Tensor | null): this {
    mx.clampInPlace(this, min, max);
    return this;
  }
  addcmul_(t1: Tensor, t2: Tensor, opts: { value?: number } = {}): this {
    return this.add_(t1.mul(t2), { alpha: ac.addcmulInPlaceValue(this, t1, t2, opts.value ?? 1) });
  }
  addcdiv_(t1: Tensor, t2: Tensor, opts: { value?: number } = {}): this {
    ac.checkAddcdiv('addcdiv_', this, t1, t2);
    return this.add_(t1.div(t2), { alpha: opts.value ?? 1 });
  }
  lerp_(end: Tensor, weight: TensorOrScalar): this {
    ip.applyInPlace(this, 'lerp_', (s) => ew.lerp(s, end, weight));
    return this;
  }
  maskedFill_(mask: Tensor, value: number): this {
    ip.maskedFillInPlace(this, mask, value);
    return this;
  }
  scatter_(dim: number, index: Tensor, src: Tensor | number): this {
    ip.applyInPlace(this, 'scatter_', (s) => ix.scatter(s, dim, index, src));
    return this;
  }
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
  /** In-place `maskedScatter` (`x.masked_scatter_(mask, source)`). */
  maskedScatter_(mask: Tensor, source: Tensor): this {
    ip.applyInPlace(this, 'maskedScatter_', (s) => nz.maskedScatter(s, mask, source));
    return this;
  }
  /** Out-of-place `indexPut_` (`x.index_put(...)`). */
  indexPut(indices: readonly vw.Index[] | Tensor, values: Tensor | number, opts?: ai.IndexPutOptions): Tensor {
    return ai.indexPut(this, indices, values, opts);
  }
  zero_(): this {
    ip.fill_(this, 0);
    return this;
  }
  fill_(value: number | boolean): this {
    ip.fill_(this, value);
    return this;
  }
  copy_(src: Tensor): this {
    ip.copy_(this, src);
    return this;
  }
  /** Fill with uniform samples in [from, to). */
  uniform_(from = 0, to = 1, opts: { generator?: Generator } = {}): this {
    ip.randomInPlace(this, 'uniform', from, to, opts.generator);
    return this;
  }
  /** Fill with normal samples. */
  normal_(mean = 0, std = 1, opts: { generator?: Generator } = {}): this {
    ip.randomInPlace(this, 'normal', mean, std, opts.generator);
    return this;
  }
  /** Set `requiresGrad` in place (floating dtypes only). */
  requiresGrad_(requiresGrad = true): this {
    if (requiresGrad && !(this.dtype === 'float32' || this.dtype === 'float64')) {
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
  /** Detach in place: this tensor becomes a leaf. */
  detach_(): this {
    this.gradFn = null;
    this.requiresGrad = false;
    return this;
  }

  // ---- conversion ------------------------------------------------------------------------
  /**
   * Move and/or cast: `x.to('webgpu')`, `x.to('float64')`, `x.to({ device, dtype })`.
   * Moving off a device needs a synchronous read there (from cpu always works); use
   * `await x.toAsync('cpu')` to bring webgpu tensors back.
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
  /** `to` for any pair of devices (awaits the read). */
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
  float(): Tensor {
    return this.to('float32');
  }
  double(): Tensor {
    return this.to('float64');
  }
  /** int32. */
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
  bool(): Tensor {
    return this.to('bool');
  }
  byte(): Tensor {
    return this.to('uint8');
  }
  cpu(): Tensor {
    return this.to('cpu');
  }
  /** Cast, as `x.type(torch.int64)`: `x.type('int64')`. */
  type(dtype: DTypeName): Tensor {
    return this.to({ dtype });
  }

  /** `toString` for any device (awaits the values; `toString` itself is in TensorBase). */
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
