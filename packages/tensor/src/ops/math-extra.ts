/**
 * Elementwise math composites of issue 13 (`torch.logit`, `nan_to_num`, `fmax`/`fmin`, `isclose`, `frac`, `bitwise_not`, clamp with tensor bounds),
 * built from the elementwise primitives, so autograd and every backend come for free. The unary
 * and binary primitives of the same family (asin … digamma, fmod, hypot, xlogy, logaddexp(2), copysign,
 * the bitwise and/or/xor and shifts) are rows of primitives.ts; their methods come from the table.
 */
import { defineOp } from '../dispatch.js';
import { isFloating, resultType, type DType } from '../dtype.js';
import { ArgumentError, DTypeError, fmtShape } from '../errors.js';
import { describeValue } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { scalarTensor, type TensorOrScalar } from './core.js';
import { binary, clamp as clampNumbers, compare, unary, where, type OutOptions } from './elementwise.js';
import { applyInPlace, binaryInPlace, checkInPlaceCast, unaryInPlace } from './inplace.js';

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The fractional part `x - trunc(x)`, as `torch.Tensor.frac` (floating tensors only).
     *
     * @example
     * dl.tensor([-1.5, 2.25]).frac(); // → tensor([-0.5000,  0.2500])
     */
    frac(): Tensor;
    /**
     * `log(p / (1 - p))`, with `p` clamped to [eps, 1 - eps] when `eps` is given, as `torch.Tensor.logit`.
     *
     * @example
     * dl.tensor([0.5, 0.75]).logit(); // → tensor([0.0000, 1.0986])
     */
    logit(eps?: number | null): Tensor;
    /**
     * NaN, +inf and -inf replaced by `nan` (default 0), `posinf` and `neginf` (default the dtype's largest / lowest finite
     * value), as `torch.Tensor.nan_to_num`.
     *
     * @example
     * dl.tensor([NaN, Infinity, -Infinity]).nanToNum({ posinf: 1e4, neginf: -1e4 }); // → tensor([     0.,  10000., -10000.])
     */
    nanToNum(opts?: NanToNumOptions): Tensor;
    /**
     * The elementwise maximum ignoring NaN (NaN only where both are NaN), broadcasting, as `torch.Tensor.fmax`; `maximum`
     * propagates NaN instead.
     *
     * @example
     * dl.tensor([1, NaN, NaN]).fmax(dl.tensor([2, 3, NaN])); // → tensor([2., 3., nan])
     */
    fmax(other: TensorOrScalar): Tensor;
    /**
     * The elementwise minimum ignoring NaN, broadcasting, as `torch.Tensor.fmin`.
     *
     * @example
     * dl.tensor([1, NaN]).fmin(dl.tensor([2, 3])); // → tensor([1., 3.])
     */
    fmin(other: TensorOrScalar): Tensor;
    /**
     * `|self - other| <= atol + rtol·|other|` elementwise as a bool tensor (defaults `rtol` 1e-5, `atol` 1e-8;
     * `equalNan`), as `torch.Tensor.isclose`.
     *
     * @example
     * dl.tensor([1, 2]).isclose(dl.tensor([1.001, 2.5]), { rtol: 1e-2 }); // → tensor([ True, False])
     */
    isclose(other: TensorOrScalar, opts?: IscloseOptions): Tensor;
    /**
     * Bitwise not of an integer tensor (`~x`), logical not of a bool one, as `torch.Tensor.bitwise_not`; floats raise a
     * DTypeError.
     *
     * @example
     * dl.tensor([0, 5], { dtype: 'int32' }).bitwiseNot(); // → tensor([-1, -6])
     */
    bitwiseNot(): Tensor;
    /**
     * In-place `asin` (the arcsine (NaN outside [-1, 1])), as `torch.Tensor.asin_`. Writes into `self` and returns it;
     * autograd records it (a leaf that requires grad raises an AutogradError), as torch. The other in-place forms of this
     * family (`x.fmod_(y)`, …) go through the same in-place path (ops/inplace.ts).
     *
     * @example
     * const x = dl.tensor([0, 1]);
     * x.asin_(); // x → tensor([0.0000, 1.5708])
     */
    asin_(): this;
    /**
     * In-place `acos` (the arccosine (NaN outside [-1, 1])), as `torch.Tensor.acos_`. Writes into `self` and returns it;
     * autograd records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([1, 0]);
     * x.acos_(); // x → tensor([0.0000, 1.5708])
     */
    acos_(): this;
    /**
     * In-place `atan` (the arctangent), as `torch.Tensor.atan_`. Writes into `self` and returns it; autograd records it (a
     * leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 1]);
     * x.atan_(); // x → tensor([0.0000, 0.7854])
     */
    atan_(): this;
    /**
     * In-place `sinh` (the hyperbolic sine), as `torch.Tensor.sinh_`. Writes into `self` and returns it; autograd records
     * it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 1]);
     * x.sinh_(); // x → tensor([0.0000, 1.1752])
     */
    sinh_(): this;
    /**
     * In-place `cosh` (the hyperbolic cosine), as `torch.Tensor.cosh_`. Writes into `self` and returns it; autograd
     * records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 1]);
     * x.cosh_(); // x → tensor([1.0000, 1.5431])
     */
    cosh_(): this;
    /**
     * In-place `asinh` (the inverse hyperbolic sine), as `torch.Tensor.asinh_`. Writes into `self` and returns it;
     * autograd records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 1]);
     * x.asinh_(); // x → tensor([0.0000, 0.8814])
     */
    asinh_(): this;
    /**
     * In-place `acosh` (the inverse hyperbolic cosine (NaN below 1)), as `torch.Tensor.acosh_`. Writes into `self` and
     * returns it; autograd records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([1, 2]);
     * x.acosh_(); // x → tensor([0.0000, 1.3170])
     */
    acosh_(): this;
    /**
     * In-place `atanh` (the inverse hyperbolic tangent (±inf at ±1)), as `torch.Tensor.atanh_`. Writes into `self` and
     * returns it; autograd records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 0.5]);
     * x.atanh_(); // x → tensor([0.0000, 0.5493])
     */
    atanh_(): this;
    /**
     * In-place `log2` (the base-2 logarithm), as `torch.Tensor.log2_`. Writes into `self` and returns it; autograd records
     * it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([1, 8]);
     * x.log2_(); // x → tensor([0., 3.])
     */
    log2_(): this;
    /**
     * In-place `log10` (the base-10 logarithm), as `torch.Tensor.log10_`. Writes into `self` and returns it; autograd
     * records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([1, 100]);
     * x.log10_(); // x → tensor([0., 2.])
     */
    log10_(): this;
    /**
     * In-place `exp2` (`2^x`), as `torch.Tensor.exp2_`. Writes into `self` and returns it; autograd records it (a leaf
     * that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 3]);
     * x.exp2_(); // x → tensor([1., 8.])
     */
    exp2_(): this;
    /**
     * In-place `erfc` (the complementary error function `1 - erf(x)`), as `torch.Tensor.erfc_`. Writes into `self` and
     * returns it; autograd records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 1]);
     * x.erfc_(); // x → tensor([1.0000, 0.1573])
     */
    erfc_(): this;
    /**
     * In-place `erfinv` (the inverse error function (±inf at ±1)), as `torch.Tensor.erfinv_`. Writes into `self` and
     * returns it; autograd records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 0.5]);
     * x.erfinv_(); // x → tensor([0.0000, 0.4769])
     */
    erfinv_(): this;
    /**
     * In-place `lgamma` (`log|Γ(x)|`), as `torch.Tensor.lgamma_`. Writes into `self` and returns it; autograd records it
     * (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([1, 5]);
     * x.lgamma_(); // x → tensor([0.0000, 3.1781])
     */
    lgamma_(): this;
    /**
     * In-place `digamma` (the digamma function `Γ'(x) / Γ(x)`), as `torch.Tensor.digamma_`. Writes into `self` and returns
     * it; autograd records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([1, 2]);
     * x.digamma_(); // x → tensor([-0.5772,  0.4228])
     */
    digamma_(): this;
    /**
     * In-place `fmod` (C's `fmod`: the remainder with the sign of the dividend), as `torch.Tensor.fmod_`; `other`
     * broadcasts to self's shape. Writes into `self` and returns it; autograd records it (a leaf that requires grad raises
     * an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([-3, 3]);
     * x.fmod_(2); // x → tensor([-1.,  1.])
     */
    fmod_(other: TensorOrScalar): this;
    /**
     * In-place `hypot` (`sqrt(self² + other²)` without overflow or underflow in the squares), as `torch.Tensor.hypot_`;
     * `other` broadcasts to self's shape. Writes into `self` and returns it; autograd records it (a leaf that requires
     * grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([3, 5]);
     * x.hypot_(dl.tensor([4, 12])); // x → tensor([ 5., 13.])
     */
    hypot_(other: TensorOrScalar): this;
    /**
     * In-place `xlogy` (`self · log(other)`, 0 where `self` is 0 and `other` is not NaN), as `torch.Tensor.xlogy_`;
     * `other` broadcasts to self's shape. Writes into `self` and returns it; autograd records it (a leaf that requires
     * grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([0, 2]);
     * x.xlogy_(dl.tensor([0, 3])); // x → tensor([0.0000, 2.1972])
     */
    xlogy_(other: TensorOrScalar): this;
    /**
     * In-place `copysign` (`|self|` with the sign bit of `other` (-0 and negative NaN count as negative)), as
     * `torch.Tensor.copysign_`; `other` broadcasts to self's shape. Writes into `self` and returns it; autograd records it
     * (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([1, 2]);
     * x.copysign_(dl.tensor([-1, 0])); // x → tensor([-1.,  2.])
     */
    copysign_(other: TensorOrScalar): this;
    /**
     * In-place `bitwiseAnd` (bitwise and of integer or bool tensors (floats raise a DTypeError, as torch)), as
     * `torch.Tensor.bitwise_and_`; `other` broadcasts to self's shape. Writes into `self` and returns it; autograd records
     * it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([12, 10], { dtype: 'int32' });
     * x.bitwiseAnd_(6); // x → tensor([4, 2])
     */
    bitwiseAnd_(other: TensorOrScalar): this;
    /**
     * In-place `bitwiseOr` (bitwise or of integer or bool tensors (floats raise a DTypeError, as torch)), as
     * `torch.Tensor.bitwise_or_`; `other` broadcasts to self's shape. Writes into `self` and returns it; autograd records
     * it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([12, 10], { dtype: 'int32' });
     * x.bitwiseOr_(6); // x → tensor([14, 14])
     */
    bitwiseOr_(other: TensorOrScalar): this;
    /**
     * In-place `bitwiseXor` (bitwise xor of integer or bool tensors (floats raise a DTypeError, as torch)), as
     * `torch.Tensor.bitwise_xor_`; `other` broadcasts to self's shape. Writes into `self` and returns it; autograd records
     * it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([12, 10], { dtype: 'int32' });
     * x.bitwiseXor_(6); // x → tensor([10, 12])
     */
    bitwiseXor_(other: TensorOrScalar): this;
    /**
     * In-place `bitwiseLeftShift` (`self << other` on integer tensors (the shift count modulo the bit width of int32, as
     * torch on x86; uint8 results wrap)), as `torch.Tensor.bitwise_left_shift_`; `other` broadcasts to self's shape.
     * Writes into `self` and returns it; autograd records it (a leaf that requires grad raises an AutogradError), as
     * torch.
     *
     * @example
     * const x = dl.tensor([1, 3], { dtype: 'int32' });
     * x.bitwiseLeftShift_(2); // x → tensor([ 4, 12])
     */
    bitwiseLeftShift_(other: TensorOrScalar): this;
    /**
     * In-place `bitwiseRightShift` (`self >> other` (arithmetic) on integer tensors), as
     * `torch.Tensor.bitwise_right_shift_`; `other` broadcasts to self's shape. Writes into `self` and returns it; autograd
     * records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([-8, 8], { dtype: 'int32' });
     * x.bitwiseRightShift_(1); // x → tensor([-4,  4])
     */
    bitwiseRightShift_(other: TensorOrScalar): this;
    /**
     * In-place `frac` (`x - trunc(x)`), as `torch.Tensor.frac_`. Writes into `self` and returns it; autograd records it (a
     * leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([-1.5, 2.25]);
     * x.frac_(); // x → tensor([-0.5000,  0.2500])
     */
    frac_(): this;
    /**
     * In-place `logit` (`log(p / (1 - p))`, p clamped to [eps, 1 - eps] when `eps` is given), as `torch.Tensor.logit_`.
     * Writes into `self` and returns it; autograd records it (a leaf that requires grad raises an AutogradError), as
     * torch.
     *
     * @example
     * const p = dl.tensor([0.5, 0.75]);
     * p.logit_(); // p → tensor([0.0000, 1.0986])
     */
    logit_(eps?: number | null): this;
    /**
     * In-place `nanToNum` (NaN, +inf, -inf replaced by `nan`, `posinf`, `neginf`), as `torch.Tensor.nan_to_num_`. Writes
     * into `self` and returns it; autograd records it (a leaf that requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([NaN, Infinity, 1]);
     * x.nanToNum_({ posinf: 100 }); // x → tensor([  0., 100.,   1.])
     */
    nanToNum_(opts?: NanToNumOptions): this;
    /**
     * In-place `bitwiseNot` (bitwise not of an integer tensor, logical not of a bool one), as `torch.Tensor.bitwise_not_`.
     * Writes into `self` and returns it; autograd records it (a leaf that requires grad raises an AutogradError), as
     * torch.
     *
     * @example
     * const x = dl.tensor([0, 5], { dtype: 'int32' });
     * x.bitwiseNot_(); // x → tensor([-1, -6])
     */
    bitwiseNot_(): this;
    /**
     * Alias of `clamp_`, as `torch.Tensor.clip_`. Writes into `self` and returns it; autograd records it (a leaf that
     * requires grad raises an AutogradError), as torch.
     *
     * @example
     * const x = dl.tensor([-2, 0.5, 3]);
     * x.clip_(0, 1); // x → tensor([0.0000, 0.5000, 1.0000])
     */
    clip_(min?: number | Tensor | null | ClampOptions, max?: number | Tensor | null): this;
  }
}

/** Replacement values of {@link nanToNum} (`torch.nan_to_num`'s keywords). */
export interface NanToNumOptions extends OutOptions {
  /** The value for NaN (default 0). */
  nan?: number;
  /** The value for +inf (default: the largest finite value of the dtype). */
  posinf?: number | null;
  /** The value for -inf (default: the lowest finite value of the dtype). */
  neginf?: number | null;
}

/** Tolerances of {@link isclose} (`torch.isclose`'s keywords). */
export interface IscloseOptions {
  /** Relative tolerance (default 1e-5). */
  rtol?: number;
  /** Absolute tolerance (default 1e-8). */
  atol?: number;
  /** Are two NaNs close? (default false) */
  equalNan?: boolean;
}

function operandDType(v: TensorOrScalar): { dtype: DType; dim: number } | number | boolean {
  return v instanceof Tensor ? { dtype: v.dtype, dim: v.dim() } : v;
}

function checkOperand(op: string, v: unknown, which: string): asserts v is TensorOrScalar {
  if (!(v instanceof Tensor) && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new ArgumentError(`${op}: argument '${which}' must be a Tensor or a number, got ${describeValue(v)}`, {
      op,
      hint: Array.isArray(v) ? 'wrap arrays with dl.tensor(...) first' : 'pass a Tensor or a number',
    });
  }
}

/** Both operands as tensors of the promoted dtype (floats for `float`), on one device. */
function pair(op: string, a: TensorOrScalar, b: TensorOrScalar, float: boolean): [Tensor, Tensor, DType] {
  checkOperand(op, a, 'input');
  checkOperand(op, b, 'other');
  if (!(a instanceof Tensor) && !(b instanceof Tensor)) throw new ArgumentError(`${op}: at least one argument must be a Tensor`, { op });
  let dtype = resultType([operandDType(a), operandDType(b)]);
  if (float && !isFloating(dtype)) dtype = 'float32';
  const device = (a instanceof Tensor ? a : (b as Tensor)).device;
  const t = (v: TensorOrScalar) => (v instanceof Tensor ? (v.dtype === dtype ? v : v.to(dtype)) : scalarTensor(Number(v), dtype, device));
  return [t(a), t(b), dtype];
}

/**
 * `x - trunc(x)`, the fractional part with the sign of x (`torch.frac`); NaN at ±inf.
 *
 * @example
 * dl.frac(dl.tensor([-1.5, 2.25])); // tensor([-0.5000,  0.2500])
 */
export const frac = defineOp('frac', (x: Tensor): Tensor => {
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`frac: "frac_cpu" is not implemented for ${x.dtype} (shape ${fmtShape(x.shape)})`, {
      op: 'frac',
      hint: 'the fractional part of an integer is 0; cast with .float() first',
    });
  }
  return x.sub(x.trunc());
});

/**
 * The log-odds `log(p / (1 - p))` (`torch.logit`). With `eps`, p is first clamped to
 * [eps, 1 - eps] (and the gradient is 0 outside); without, p outside [0, 1] gives NaN (its
 * gradient too, as torch).
 *
 * @example
 * dl.logit(dl.tensor([0.25, 0.5, 1]), 1e-6); // tensor([-1.0986,  0.0000, 13.8023]) (1 - 1e-6 rounds in float32, as torch)
 */
export const logit = defineOp('logit', (x: Tensor, eps?: number | null): Tensor => {
  if (eps !== undefined && eps !== null && typeof eps !== 'number') {
    throw new ArgumentError(`logit: eps must be a number or null, got ${describeValue(eps)}`, { op: 'logit', hint: 'x.logit(1e-6)' });
  }
  const p = isFloating(x.dtype) ? x : x.to('float32');
  if (eps !== undefined && eps !== null) {
    const z = clampNumbers(p, eps, 1 - eps);
    return z.div(z.neg().add(1)).log();
  }
  // NaN outside [0, 1], in the gradient as well: a constant factor of 1 inside, NaN outside
  const outside = compare('logicalOr', compare('lt', p, 0), compare('gt', p, 1));
  const factor = where(outside, scalarTensor(NaN, p.dtype, p.device), 1);
  return p.div(p.neg().add(1)).log().mul(factor);
});

const FLOAT_MAX: Partial<Record<DType, number>> = { float32: 3.4028234663852886e38, float64: Number.MAX_VALUE };

/**
 * NaN, +inf and -inf replaced by finite values (`torch.nan_to_num`): `nan` (default 0),
 * `posinf` / `neginf` (default the largest / lowest finite value of the dtype). Integer and
 * bool tensors come back unchanged (a copy). The gradient passes where x is finite.
 *
 * @example
 * dl.nanToNum(dl.tensor([NaN, Infinity, -1]), { posinf: 100 }); // tensor([  0., 100.,  -1.])
 */
export const nanToNum = defineOp('nanToNum', (x: Tensor, opts: NanToNumOptions = {}): Tensor => {
  const op = 'nanToNum';
  for (const k of ['nan', 'posinf', 'neginf'] as const) {
    const v = opts[k];
    if (v !== undefined && v !== null && typeof v !== 'number') {
      throw new ArgumentError(`nanToNum: ${k} must be a number, got ${describeValue(v)}`, {
        op,
        hint: 'x.nanToNum({ nan: 0, posinf: 1e4, neginf: -1e4 })',
      });
    }
  }
  let r: Tensor;
  if (!isFloating(x.dtype)) r = x.clone();
  else {
    const max = FLOAT_MAX[x.dtype]!;
    const nan = opts.nan ?? 0;
    const posinf = opts.posinf ?? max;
    const neginf = opts.neginf ?? -max;
    const fill = (t: Tensor, cond: Tensor, v: number) => where(cond, scalarTensor(v, x.dtype, x.device), t);
    r = fill(fill(fill(x, unary('isnan', x), nan), compare('eq', x, Infinity), posinf), compare('eq', x, -Infinity), neginf);
  }
  if (!opts.out) return r;
  opts.out.copy_(r);
  return opts.out;
});

function fextreme(op: 'fmax' | 'fmin', a: TensorOrScalar, b: TensorOrScalar): Tensor {
  const [x, y] = pair(op, a, b, false);
  // torch's fmax/fmin and their gradient: self where self >= other (<= for fmin) or other is NaN, else other
  const pick = compare('logicalOr', compare(op === 'fmax' ? 'ge' : 'le', x, y), unary('isnan', y));
  return where(pick, x, y);
}

/**
 * Elementwise maximum that ignores NaN: NaN only where both are NaN (`torch.fmax`). On ties the
 * gradient goes to `a`, as torch.
 *
 * @example
 * dl.fmax(dl.tensor([1, NaN]), dl.tensor([NaN, 2])); // tensor([1., 2.])
 */
export const fmax = defineOp('fmax', (a: TensorOrScalar, b: TensorOrScalar): Tensor => fextreme('fmax', a, b));

/**
 * Elementwise minimum that ignores NaN (`torch.fmin`).
 *
 * @example
 * dl.fmin(dl.tensor([1, NaN]), dl.tensor([NaN, 2])); // tensor([1., 2.])
 */
export const fmin = defineOp('fmin', (a: TensorOrScalar, b: TensorOrScalar): Tensor => fextreme('fmin', a, b));

/**
 * Elementwise closeness as `torch.isclose`: equal values (inf == inf included) are close;
 * otherwise `|a - b| <= atol + rtol·|b|` with a finite difference; NaNs are close to each other
 * only with `equalNan`. Both tensors must have the same dtype (torch raises otherwise).
 *
 * @example
 * dl.isclose(dl.tensor([1, 2]), dl.tensor([1.000001, 2.1])); // tensor([ True, False])
 */
export const isclose = defineOp('isclose', (a: Tensor, b: TensorOrScalar, opts: IscloseOptions = {}): Tensor => {
  const op = 'isclose';
  if (!(a instanceof Tensor)) throw new ArgumentError(`isclose: input must be a Tensor, got ${describeValue(a)}`, { op });
  checkOperand(op, b, 'other');
  const rtol = opts.rtol ?? 1e-5;
  const atol = opts.atol ?? 1e-8;
  if (!(rtol >= 0)) throw new ArgumentError(`isclose: rtol must be greater than or equal to zero, but got ${rtol}`, { op });
  if (!(atol >= 0)) throw new ArgumentError(`isclose: atol must be greater than or equal to zero, but got ${atol}`, { op });
  const other = b instanceof Tensor ? b : scalarTensor(Number(b), a.dtype, a.device);
  if (other.dtype !== a.dtype) {
    throw new DTypeError(`isclose: ${a.dtype} ${fmtShape(a.shape)} did not match ${other.dtype} ${fmtShape(other.shape)}`, {
      op,
      hint: 'both tensors need the same dtype; cast one with .to(other.dtype)',
    });
  }
  const x = a.detach();
  const y = other.detach();
  let close = compare('eq', x, y);
  if (opts.equalNan) close = compare('logicalOr', close, compare('logicalAnd', unary('isnan', x), unary('isnan', y)));
  if (rtol === 0 && atol === 0) return close;
  const xf = isFloating(x.dtype) ? x : x.to('float32');
  const yf = isFloating(y.dtype) ? y : y.to('float32');
  const err = xf.sub(yf).abs();
  const allowed = yf.mul(rtol).abs().add(atol);
  const finite = unary('isnan', err).logicalOr(unary('isinf', err)).logicalNot();
  return compare('logicalOr', close, compare('logicalAnd', finite, compare('le', err, allowed)));
});

/**
 * Bitwise not of an integer tensor (`~x`), logical not of a bool one (`torch.bitwise_not`);
 * floating tensors raise as torch.
 *
 * @example
 * dl.bitwiseNot(dl.tensor([0, 5], { dtype: 'int32' })); // tensor([-1, -6])
 */
export const bitwiseNot = defineOp('bitwiseNot', (x: Tensor, opts: OutOptions = {}): Tensor => {
  if (isFloating(x.dtype)) {
    throw new DTypeError(`bitwiseNot: "bitwise_not_cpu" is not implemented for ${x.dtype} (shape ${fmtShape(x.shape)})`, {
      op: 'bitwiseNot',
      hint: 'bitwise ops take integer or bool tensors; cast with .int() first',
    });
  }
  if (x.dtype === 'bool') return unary('logicalNot', x, opts);
  return binary('bitwiseXor', x, x.dtype === 'uint8' ? 255 : -1, opts);
});

/** Bounds of {@link clamp} as an options object (`dl.clamp(x, { min, max })`). */
export interface ClampOptions extends OutOptions {
  min?: number | Tensor | null;
  max?: number | Tensor | null;
}

function isClampOptions(v: unknown): v is ClampOptions {
  return typeof v === 'object' && v !== null && !(v instanceof Tensor);
}

/**
 * Clamp with tensor bounds, as torch: the result is `minimum(maximum(x, min), max)` broadcast
 * over all three (NaN in any of them gives NaN), and the gradient goes to exactly one of them
 * per element, by torch's `clamp_backward_min_max`: to x where min <= x <= max, to min where
 * x < min < max, to max where x > max or max < min, nowhere otherwise (NaN, min = max > x).
 */
function clampTensors(x: Tensor, lo: Tensor | null, hi: Tensor | null): Tensor {
  const dtype = resultType([x, ...(lo ? [lo] : []), ...(hi ? [hi] : [])].map((t) => ({ dtype: t.dtype, dim: t.dim() })));
  const X = x.dtype === dtype ? x : x.to(dtype);
  const L = lo && lo.dtype !== dtype ? lo.to(dtype) : lo;
  const H = hi && hi.dtype !== dtype ? hi.to(dtype) : hi;
  let value = X;
  if (L) value = binary('maximum', value, L.detach());
  if (H) value = binary('minimum', value.detach(), H.detach());
  value = value.detach();
  let sel: Tensor;
  if (L && H) {
    const inRange = compare('logicalAnd', compare('ge', X, L), compare('le', X, H));
    const toMin = compare('logicalAnd', compare('lt', X, L), compare('lt', L, H));
    const toMax = compare('logicalOr', compare('gt', X, H), compare('lt', H, L));
    sel = where(inRange, X, where(toMin, L, where(toMax, H, value)));
  } else if (L) sel = where(compare('ge', X, L), X, where(compare('lt', X, L), L, value));
  else sel = where(compare('le', X, H!), X, where(compare('gt', X, H!), H!, value));
  // sel equals the value except where a NaN x meets a reversed pair (max < min): torch's value is
  // NaN there while its gradient still goes to max; adding a constant NaN keeps both
  if (!isFloating(dtype)) return sel;
  return sel.add(where(unary('isnan', value), scalarTensor(NaN, dtype, x.device), 0));
}

/**
 * Clamp into [min, max] (`torch.clamp` / `torch.clip`): number bounds (either may be omitted), or
 * tensor bounds broadcast with x (both given bounds must then be tensors, as torch). Bounds may
 * also come as an options object: `dl.clamp(x, { min: 0 })`, `x.clamp({ max: hi })`.
 *
 * @example
 * dl.clamp(x, 0, 1); dl.clamp(x, { min: lo, max: hi }); x.clamp(lo, hi);
 */
export const clamp = defineOp(
  'clamp',
  (x: Tensor, min?: number | Tensor | null | ClampOptions, max?: number | Tensor | null, opts: OutOptions = {}): Tensor => {
    const op = 'clamp';
    if (isClampOptions(min)) {
      if (max !== undefined)
        throw new ArgumentError('clamp: pass the bounds either as arguments or as an options object, not both', { op });
      return clamp(x, min.min, min.max, { ...(min.out ? { out: min.out } : {}) });
    }
    const lo = min ?? null;
    const hi = max ?? null;
    if (!(lo instanceof Tensor) && !(hi instanceof Tensor)) return clampNumbers(x, lo, hi, opts);
    if ((lo !== null && !(lo instanceof Tensor)) || (hi !== null && !(hi instanceof Tensor))) {
      throw new ArgumentError(
        `clamp: min and max must both be Tensors or both numbers, got min ${describeValue(lo)} and max ${describeValue(hi)}`,
        {
          op,
          hint: 'wrap the number bound (dl.tensor(3)), or use dl.maximum(x, lo) / dl.minimum(x, hi); torch.clamp takes (Tensor, Tensor) or (Number, Number)',
        },
      );
    }
    const r = clampTensors(x, lo, hi);
    if (!opts.out) return r;
    opts.out.copy_(r);
    return opts.out;
  },
);

/**
 * `x.clamp_(min, max)`: clamp in place. The bounds take part in the result dtype as in `clamp`
 * (torch), so a bool tensor with number bounds or an integer tensor with float bounds raises
 * (Note [In-place casting] in inplace.ts) instead of truncating.
 *
 * @example
 * x.clamp_(0, 1); // x.clip_(0, 1) too
 */
export function clampInPlace(x: Tensor, min?: number | Tensor | null | ClampOptions, max?: number | Tensor | null): Tensor {
  const o = isClampOptions(min) ? min : { min, max };
  const bounds = ([o.min, o.max] as unknown[]).filter(
    (b): b is number | boolean | Tensor => typeof b === 'number' || typeof b === 'boolean' || b instanceof Tensor,
  );
  checkInPlaceCast('clamp_', resultType([x, ...bounds].map((b) => (b instanceof Tensor ? { dtype: b.dtype, dim: b.dim() } : b))), x);
  return applyInPlace(x, 'clamp_', (s) => clamp(s, min, max));
}

/** The methods of this family (Note [Tensor methods from op families]). */
export const mathExtraMethods = {
  frac(this: Tensor) {
    return frac(this);
  },
  logit(this: Tensor, eps?: number | null) {
    return logit(this, eps);
  },
  nanToNum(this: Tensor, opts?: NanToNumOptions) {
    return nanToNum(this, opts);
  },
  fmax(this: Tensor, other: TensorOrScalar) {
    return fmax(this, other);
  },
  fmin(this: Tensor, other: TensorOrScalar) {
    return fmin(this, other);
  },
  isclose(this: Tensor, other: TensorOrScalar, opts?: IscloseOptions) {
    return isclose(this, other, opts);
  },
  bitwiseNot(this: Tensor) {
    return bitwiseNot(this);
  },
} satisfies TensorMethods;

/** A bitwise op in place: a bool tensor takes only bool operands (torch: "result type Int can't be cast to … Bool"). */
function bitwiseInPlace(
  op: 'bitwiseAnd' | 'bitwiseOr' | 'bitwiseXor' | 'bitwiseLeftShift' | 'bitwiseRightShift',
  target: Tensor,
  other: TensorOrScalar,
  name: string,
): void {
  const od = other instanceof Tensor ? other.dtype : typeof other === 'boolean' ? 'bool' : null;
  if (target.dtype === 'bool' && od !== 'bool' && !op.endsWith('Shift')) {
    throw new DTypeError(
      `${name}: result type ${od ?? 'int32'} can't be cast to the desired output type bool (shape ${fmtShape(target.shape)})`,
      {
        op: name,
        hint: 'use the out-of-place form (it promotes), or pass a bool operand',
      },
    );
  }
  binaryInPlace(op, target, other, name);
}

/** The in-place forms of the family (torch's `asin_`, `fmod_`, `nan_to_num_`, …). */
export const mathExtraInPlaceMethods = {
  asin_(this: Tensor) {
    unaryInPlace('asin', this, 'asin_');
    return this;
  },
  acos_(this: Tensor) {
    unaryInPlace('acos', this, 'acos_');
    return this;
  },
  atan_(this: Tensor) {
    unaryInPlace('atan', this, 'atan_');
    return this;
  },
  sinh_(this: Tensor) {
    unaryInPlace('sinh', this, 'sinh_');
    return this;
  },
  cosh_(this: Tensor) {
    unaryInPlace('cosh', this, 'cosh_');
    return this;
  },
  asinh_(this: Tensor) {
    unaryInPlace('asinh', this, 'asinh_');
    return this;
  },
  acosh_(this: Tensor) {
    unaryInPlace('acosh', this, 'acosh_');
    return this;
  },
  atanh_(this: Tensor) {
    unaryInPlace('atanh', this, 'atanh_');
    return this;
  },
  log2_(this: Tensor) {
    unaryInPlace('log2', this, 'log2_');
    return this;
  },
  log10_(this: Tensor) {
    unaryInPlace('log10', this, 'log10_');
    return this;
  },
  exp2_(this: Tensor) {
    unaryInPlace('exp2', this, 'exp2_');
    return this;
  },
  erfc_(this: Tensor) {
    unaryInPlace('erfc', this, 'erfc_');
    return this;
  },
  erfinv_(this: Tensor) {
    unaryInPlace('erfinv', this, 'erfinv_');
    return this;
  },
  lgamma_(this: Tensor) {
    unaryInPlace('lgamma', this, 'lgamma_');
    return this;
  },
  digamma_(this: Tensor) {
    unaryInPlace('digamma', this, 'digamma_');
    return this;
  },
  fmod_(this: Tensor, other: TensorOrScalar) {
    binaryInPlace('fmod', this, other, 'fmod_');
    return this;
  },
  hypot_(this: Tensor, other: TensorOrScalar) {
    binaryInPlace('hypot', this, other, 'hypot_');
    return this;
  },
  xlogy_(this: Tensor, other: TensorOrScalar) {
    binaryInPlace('xlogy', this, other, 'xlogy_');
    return this;
  },
  copysign_(this: Tensor, other: TensorOrScalar) {
    binaryInPlace('copysign', this, other, 'copysign_');
    return this;
  },
  bitwiseAnd_(this: Tensor, other: TensorOrScalar) {
    bitwiseInPlace('bitwiseAnd', this, other, 'bitwiseAnd_');
    return this;
  },
  bitwiseOr_(this: Tensor, other: TensorOrScalar) {
    bitwiseInPlace('bitwiseOr', this, other, 'bitwiseOr_');
    return this;
  },
  bitwiseXor_(this: Tensor, other: TensorOrScalar) {
    bitwiseInPlace('bitwiseXor', this, other, 'bitwiseXor_');
    return this;
  },
  bitwiseLeftShift_(this: Tensor, other: TensorOrScalar) {
    bitwiseInPlace('bitwiseLeftShift', this, other, 'bitwiseLeftShift_');
    return this;
  },
  bitwiseRightShift_(this: Tensor, other: TensorOrScalar) {
    bitwiseInPlace('bitwiseRightShift', this, other, 'bitwiseRightShift_');
    return this;
  },
  frac_(this: Tensor) {
    applyInPlace(this, 'frac_', (x) => frac(x));
    return this;
  },
  logit_(this: Tensor, eps?: number | null) {
    applyInPlace(this, 'logit_', (x) => logit(x, eps));
    return this;
  },
  // integer and bool tensors have nothing to replace: a no-op, as torch (no write, so no overlap check)
  nanToNum_(this: Tensor, opts?: NanToNumOptions) {
    if (isFloating(this.dtype)) applyInPlace(this, 'nanToNum_', (x) => nanToNum(x, opts));
    return this;
  },
  bitwiseNot_(this: Tensor) {
    applyInPlace(this, 'bitwiseNot_', (x) => bitwiseNot(x));
    return this;
  },
  clip_(this: Tensor, min?: number | Tensor | null | ClampOptions, max?: number | Tensor | null) {
    return this.clamp_(min, max);
  },
} satisfies TensorMethods;
