/**
 * Free-function forms of the tensor ops (`dl.add(x, y, { out })`, `dl.exp(x)`, …), as
 * `torch.add`, `torch.exp`. Each takes the same arguments as the method of the same name.
 */
import type { BinaryOp, CompareOp, UnaryOp } from './backend.js';
import type { TensorOrScalar } from './ops/core.js';
import { binary, compare, lerp as lerpOp, unary, type OutOptions } from './ops/elementwise.js';
import { divide, divRounded, type RoundingMode } from './ops/div-rounding.js';
import { Tensor } from './tensor.js';

function scaled(other: TensorOrScalar, alpha?: number): TensorOrScalar {
  if (alpha === undefined || alpha === 1) return other;
  if (other instanceof Tensor) return binary('mul', other, alpha);
  return typeof other === 'number' || typeof other === 'boolean' ? Number(other) * alpha : other; // anything else: add() names it
}

/**
 * `input + alpha * other`, broadcasting; `out` receives the result.
 *
 * @example
 * dl.add(x, y, { out: result });
 */
export function add(input: TensorOrScalar, other: TensorOrScalar, opts: OutOptions & { alpha?: number } = {}): Tensor {
  return binary('add', input, scaled(other, opts.alpha), opts);
}
/**
 * `input - alpha * other`, broadcasting, as `torch.sub`; `{ out }` receives the result; shapes that do not broadcast raise
 * a ShapeError.
 *
 * @example
 * dl.sub(dl.tensor([5, 7]), dl.tensor([1, 2]), { alpha: 2 }); // → tensor([3., 3.])
 */
export function sub(input: TensorOrScalar, other: TensorOrScalar, opts: OutOptions & { alpha?: number } = {}): Tensor {
  return binary('sub', input, scaled(other, opts.alpha), opts);
}
/**
 * The elementwise product, broadcasting, as `torch.mul`; `{ out }` receives the result; the result dtype follows torch's
 * type promotion; a ShapeError if the shapes do not broadcast.
 *
 * @example
 * dl.mul(dl.tensor([1, 2]), dl.tensor([[3], [4]])); // → tensor([[3., 6.], [4., 8.]])
 */
export const mul = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('mul', a, b, opts);
/**
 * Division: true division, or rounded toward zero / down with `roundingMode` ('trunc' / 'floor',
 * `torch.div(a, b, rounding_mode=…)`; integers stay integers, an integer division by zero raises;
 * Note [Rounded division]).
 *
 * @example
 * dl.div(x, 2); dl.div(dl.tensor([7, -7], { dtype: 'int32' }), 2, { roundingMode: 'floor' }); // [3, -4]
 */
export function div(a: TensorOrScalar, b: TensorOrScalar, opts: OutOptions & { roundingMode?: RoundingMode } = {}): Tensor {
  return divide(a, b, opts);
}
/**
 * `a // b` as Python and torch: division rounded down (`torch.floor_divide`).
 *
 * @example
 * dl.floorDivide(dl.tensor([7, -7], { dtype: 'int32' }), 2); // [3, -4]
 */
export const floorDivide = (a: TensorOrScalar, b: TensorOrScalar, opts: OutOptions = {}): Tensor => divRounded(a, b, 'floor', opts);
/**
 * Elementwise `input ** other`, broadcasting, as `torch.pow`; `{ out }` receives the result; the result dtype follows
 * torch's type promotion; a ShapeError if the shapes do not broadcast.
 *
 * @example
 * dl.pow(dl.tensor([2, 3]), 2); // → tensor([4., 9.])
 */
export const pow = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('pow', a, b, opts);
/**
 * The elementwise maximum, broadcasting (NaN propagates), as `torch.maximum`; `{ out }` receives the result; the result
 * dtype follows torch's type promotion; a ShapeError if the shapes do not broadcast.
 *
 * @example
 * dl.maximum(dl.tensor([1, 5]), dl.tensor([3, 2])); // → tensor([3., 5.])
 */
export const maximum = (a: Tensor, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('maximum', a, b, opts);
/**
 * The elementwise minimum, broadcasting (NaN propagates), as `torch.minimum`; `{ out }` receives the result; the result
 * dtype follows torch's type promotion; a ShapeError if the shapes do not broadcast.
 *
 * @example
 * dl.minimum(dl.tensor([1, 5]), dl.tensor([3, 2])); // → tensor([1., 2.])
 */
export const minimum = (a: Tensor, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('minimum', a, b, opts);
/**
 * Python's modulus: the remainder with the sign of the divisor, as `torch.remainder`; `{ out }` receives the result; the
 * result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.remainder(dl.tensor([-3, 3]), 2); // → tensor([1., 1.])
 */
export const remainder = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('remainder', a, b, opts);
/**
 * Linear interpolation `x + weight * (end - x)`, as `torch.lerp`; `weight` is a number or a tensor, all three broadcast.
 * @example dl.lerp(dl.tensor([0, 10]), dl.tensor([10, 20]), 0.5); // → tensor([ 5., 15.])
 */
export const lerp = (x: Tensor, end: Tensor, weight: TensorOrScalar): Tensor => lerpOp(x, end, weight);
/**
 * The quadrant-aware arctangent of `input / other`, as `torch.atan2`; `{ out }` receives the result; integer inputs give
 * float32; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.atan2(dl.tensor([1, -1]), dl.tensor([-1, -1])); // → tensor([ 2.3562, -2.3562])
 */
export const atan2 = (a: Tensor, b: Tensor, opts?: OutOptions): Tensor => binary('atan2', a, b, opts);
/**
 * C's `fmod`: the remainder with the sign of the dividend, as `torch.fmod`; `{ out }` receives the result; the result
 * dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.fmod(dl.tensor([-3, 3]), 2); // → tensor([-1.,  1.])
 */
export const fmod = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('fmod', a, b, opts);
/**
 * Elementwise `sqrt(input² + other²)` without overflow or underflow in the squares, as `torch.hypot`; `{ out }` receives
 * the result; the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.hypot(dl.tensor([3, 5]), dl.tensor([4, 12])); // → tensor([ 5., 13.])
 */
export const hypot = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('hypot', a, b, opts);
/**
 * Elementwise `input · log(other)`, 0 where `input` is 0 and `other` is not NaN, as `torch.xlogy`; `{ out }` receives the
 * result; integer inputs give float32; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.xlogy(dl.tensor([0, 2]), dl.tensor([0, 3])); // → tensor([0.0000, 2.1972])
 */
export const xlogy = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('xlogy', a, b, opts);
/**
 * Elementwise `log(e^input + e^other)` without overflow (floating dtypes), as `torch.logaddexp`; `{ out }` receives the
 * result; the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot); integer inputs raise a
 * DTypeError.
 *
 * @example
 * dl.logaddexp(dl.tensor([0, 1000]), dl.tensor([0, 1000])); // → tensor([6.9315e-01, 1.0007e+03])
 */
export const logaddexp = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('logaddexp', a, b, opts);
/**
 * Elementwise `log2(2^input + 2^other)` without overflow (floating dtypes), as `torch.logaddexp2`; `{ out }` receives the
 * result; the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot); integer inputs raise a
 * DTypeError.
 *
 * @example
 * dl.logaddexp2(dl.tensor([0, 1]), dl.tensor([0, 1])); // → tensor([1., 2.])
 */
export const logaddexp2 = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('logaddexp2', a, b, opts);
/**
 * Elementwise `|input|` with the sign bit of `other` (-0 and negative NaN count as negative), as `torch.copysign`;
 * `{ out }` receives the result; integer inputs give float32; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.copysign(dl.tensor([1, 2]), dl.tensor([-1, 0])); // → tensor([-1.,  2.])
 */
export const copysign = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('copysign', a, b, opts);
/**
 * Bitwise and of integer or bool tensors (floats raise a DTypeError, as torch), as `torch.bitwise_and`; `{ out }` receives
 * the result; the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.bitwiseAnd(dl.tensor([12, 10], { dtype: 'int32' }), 6); // → tensor([4, 2])
 */
export const bitwiseAnd = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('bitwiseAnd', a, b, opts);
/**
 * Bitwise or of integer or bool tensors (floats raise a DTypeError, as torch), as `torch.bitwise_or`; `{ out }` receives
 * the result; the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.bitwiseOr(dl.tensor([12, 10], { dtype: 'int32' }), 6); // → tensor([14, 14])
 */
export const bitwiseOr = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('bitwiseOr', a, b, opts);
/**
 * Bitwise xor of integer or bool tensors (floats raise a DTypeError, as torch), as `torch.bitwise_xor`; `{ out }` receives
 * the result; the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.bitwiseXor(dl.tensor([12, 10], { dtype: 'int32' }), 6); // → tensor([10, 12])
 */
export const bitwiseXor = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('bitwiseXor', a, b, opts);
/**
 * Elementwise `input << other` on integer tensors (the shift count modulo the bit width of int32, as torch on x86; uint8
 * results wrap), as `torch.bitwise_left_shift`; `{ out }` receives the result; the result dtype follows torch's type
 * promotion; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.bitwiseLeftShift(dl.tensor([1, 3], { dtype: 'int32' }), 2); // → tensor([ 4, 12])
 */
export const bitwiseLeftShift = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('bitwiseLeftShift', a, b, opts);
/**
 * Elementwise `input >> other` (arithmetic) on integer tensors, as `torch.bitwise_right_shift`; `{ out }` receives the
 * result; the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.bitwiseRightShift(dl.tensor([-8, 8], { dtype: 'int32' }), 1); // → tensor([-4,  4])
 */
export const bitwiseRightShift = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor =>
  binary('bitwiseRightShift', a, b, opts);

const u =
  (op: UnaryOp) =>
  (x: Tensor, opts?: OutOptions): Tensor =>
    unary(op, x, opts);
/**
 * Elementwise `-x`, as `torch.neg`; `{ out }` receives the result; keeps the input dtype.
 *
 * @example
 * dl.neg(dl.tensor([1, -2.5])); // → tensor([-1.0000,  2.5000])
 */
export const neg = u('neg');
/**
 * Elementwise `|x|`, as `torch.abs`; `{ out }` receives the result; keeps the input dtype.
 *
 * @example
 * dl.abs(dl.tensor([-1.5, 2])); // → tensor([1.5000, 2.0000])
 */
export const abs = u('abs');
/**
 * Elementwise `e^x`, as `torch.exp`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.exp(dl.tensor([0, 1])); // → tensor([1.0000, 2.7183])
 */
export const exp = u('exp');
/**
 * The natural logarithm (`-inf` at 0, NaN below), elementwise, as `torch.log`; `{ out }` receives the result; integer and
 * bool inputs give float32.
 *
 * @example
 * dl.log(dl.tensor([1, 2.718281828])); // → tensor([0.0000, 1.0000])
 */
export const log = u('log');
/**
 * Elementwise `log(1 + x)`, accurate for small `x`, as `torch.log1p`; `{ out }` receives the result; integer and bool
 * inputs give float32.
 *
 * @example
 * dl.log1p(dl.tensor([0, 1e-8])); // → tensor([0.0000e+00, 1.0000e-08])
 */
export const log1p = u('log1p');
/**
 * Elementwise `e^x - 1`, accurate for small `x`, as `torch.expm1`; `{ out }` receives the result; integer and bool inputs
 * give float32.
 *
 * @example
 * dl.expm1(dl.tensor([0, 1e-8])); // → tensor([0.0000e+00, 1.0000e-08])
 */
export const expm1 = u('expm1');
/**
 * The square root (NaN below 0), elementwise, as `torch.sqrt`; `{ out }` receives the result; integer and bool inputs give
 * float32.
 *
 * @example
 * dl.sqrt(dl.tensor([4, 2])); // → tensor([2.0000, 1.4142])
 */
export const sqrt = u('sqrt');
/**
 * Elementwise `1 / sqrt(x)`, as `torch.rsqrt`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.rsqrt(dl.tensor([4, 0.25])); // → tensor([0.5000, 2.0000])
 */
export const rsqrt = u('rsqrt');
/**
 * Elementwise `1 / x`, as `torch.reciprocal`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.reciprocal(dl.tensor([2, -4])); // → tensor([ 0.5000, -0.2500])
 */
export const reciprocal = u('reciprocal');
/**
 * The sine (radians), elementwise, as `torch.sin`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.sin(dl.tensor([0, Math.PI / 2])); // → tensor([0., 1.])
 */
export const sin = u('sin');
/**
 * The cosine (radians), elementwise, as `torch.cos`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.cos(dl.tensor([0, Math.PI])); // → tensor([ 1., -1.])
 */
export const cos = u('cos');
/**
 * The tangent (radians), elementwise, as `torch.tan`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.tan(dl.tensor([0, Math.PI / 4])); // → tensor([0., 1.])
 */
export const tan = u('tan');
/**
 * The hyperbolic tangent, elementwise, as `torch.tanh`; `{ out }` receives the result; integer and bool inputs give
 * float32.
 *
 * @example
 * dl.tanh(dl.tensor([0, 1])); // → tensor([0.0000, 0.7616])
 */
export const tanh = u('tanh');
/**
 * The logistic sigmoid `1 / (1 + e^-x)`, elementwise, as `torch.sigmoid`; `{ out }` receives the result; integer and bool
 * inputs give float32.
 *
 * @example
 * dl.sigmoid(dl.tensor([0, 2])); // → tensor([0.5000, 0.8808])
 */
export const sigmoid = u('sigmoid');
/**
 * Elementwise `max(x, 0)` (NaN stays NaN), as `torch.relu`; `{ out }` receives the result; keeps the input dtype.
 *
 * @example
 * dl.relu(dl.tensor([-1, 2])); // → tensor([0., 2.])
 */
export const relu = u('relu');
/**
 * The error function, elementwise, as `torch.erf`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.erf(dl.tensor([0, 1])); // → tensor([0.0000, 0.8427])
 */
export const erf = u('erf');
/**
 * The sign: -1, 0 or 1 (NaN stays NaN), elementwise, as `torch.sign`; `{ out }` receives the result; keeps the input
 * dtype.
 *
 * @example
 * dl.sign(dl.tensor([-3, 0, 2])); // → tensor([-1.,  0.,  1.])
 */
export const sign = u('sign');
/**
 * Rounded down, elementwise, as `torch.floor`; `{ out }` receives the result; keeps the input dtype.
 *
 * @example
 * dl.floor(dl.tensor([-1.5, 1.5])); // → tensor([-2.,  1.])
 */
export const floor = u('floor');
/**
 * Rounded up, elementwise, as `torch.ceil`; `{ out }` receives the result; keeps the input dtype.
 *
 * @example
 * dl.ceil(dl.tensor([-1.5, 1.5])); // → tensor([-1.,  2.])
 */
export const ceil = u('ceil');
/**
 * Rounded to the nearest integer, halves to even as PyTorch, elementwise, as `torch.round`; `{ out }` receives the result;
 * keeps the input dtype.
 *
 * @example
 * dl.round(dl.tensor([0.5, 1.5, 2.5])); // → tensor([0., 2., 2.])
 */
export const round = u('round');
/**
 * Rounded toward zero, elementwise, as `torch.trunc`; `{ out }` receives the result; keeps the input dtype.
 *
 * @example
 * dl.trunc(dl.tensor([-1.7, 1.7])); // → tensor([-1.,  1.])
 */
export const trunc = u('trunc');
/**
 * Elementwise `!x` (nonzero is true), as `torch.logical_not`; `{ out }` receives the result; gives a bool tensor.
 *
 * @example
 * dl.logicalNot(dl.tensor([0, 1, 2])); // → tensor([ True, False, False])
 */
export const logicalNot = u('logicalNot');
/**
 * Whether each element is NaN, elementwise, as `torch.isnan`; `{ out }` receives the result; gives a bool tensor.
 *
 * @example
 * dl.isnan(dl.tensor([1, NaN])); // → tensor([False,  True])
 */
export const isnan = u('isnan');
/**
 * Whether each element is ±inf, elementwise, as `torch.isinf`; `{ out }` receives the result; gives a bool tensor.
 *
 * @example
 * dl.isinf(dl.tensor([1, Infinity, -Infinity])); // → tensor([False,  True,  True])
 */
export const isinf = u('isinf');
/**
 * The arcsine (NaN outside [-1, 1]), elementwise, as `torch.asin`; `{ out }` receives the result; integer and bool inputs
 * give float32.
 *
 * @example
 * dl.asin(dl.tensor([0, 1])); // → tensor([0.0000, 1.5708])
 */
export const asin = u('asin');
/**
 * The arccosine (NaN outside [-1, 1]), elementwise, as `torch.acos`; `{ out }` receives the result; integer and bool
 * inputs give float32.
 *
 * @example
 * dl.acos(dl.tensor([1, 0])); // → tensor([0.0000, 1.5708])
 */
export const acos = u('acos');
/**
 * The arctangent, elementwise, as `torch.atan`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.atan(dl.tensor([0, 1])); // → tensor([0.0000, 0.7854])
 */
export const atan = u('atan');
/**
 * The hyperbolic sine, elementwise, as `torch.sinh`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.sinh(dl.tensor([0, 1])); // → tensor([0.0000, 1.1752])
 */
export const sinh = u('sinh');
/**
 * The hyperbolic cosine, elementwise, as `torch.cosh`; `{ out }` receives the result; integer and bool inputs give
 * float32.
 *
 * @example
 * dl.cosh(dl.tensor([0, 1])); // → tensor([1.0000, 1.5431])
 */
export const cosh = u('cosh');
/**
 * The inverse hyperbolic sine, elementwise, as `torch.asinh`; `{ out }` receives the result; integer and bool inputs give
 * float32.
 *
 * @example
 * dl.asinh(dl.tensor([0, 1])); // → tensor([0.0000, 0.8814])
 */
export const asinh = u('asinh');
/**
 * The inverse hyperbolic cosine (NaN below 1), elementwise, as `torch.acosh`; `{ out }` receives the result; integer and
 * bool inputs give float32.
 *
 * @example
 * dl.acosh(dl.tensor([1, 2])); // → tensor([0.0000, 1.3170])
 */
export const acosh = u('acosh');
/**
 * The inverse hyperbolic tangent (±inf at ±1), elementwise, as `torch.atanh`; `{ out }` receives the result; integer and
 * bool inputs give float32.
 *
 * @example
 * dl.atanh(dl.tensor([0, 0.5])); // → tensor([0.0000, 0.5493])
 */
export const atanh = u('atanh');
/**
 * The base-2 logarithm, elementwise, as `torch.log2`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.log2(dl.tensor([1, 8])); // → tensor([0., 3.])
 */
export const log2 = u('log2');
/**
 * The base-10 logarithm, elementwise, as `torch.log10`; `{ out }` receives the result; integer and bool inputs give
 * float32.
 *
 * @example
 * dl.log10(dl.tensor([1, 100])); // → tensor([0., 2.])
 */
export const log10 = u('log10');
/**
 * Elementwise `2^x`, as `torch.exp2`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.exp2(dl.tensor([0, 3])); // → tensor([1., 8.])
 */
export const exp2 = u('exp2');
/**
 * The complementary error function `1 - erf(x)`, elementwise, as `torch.erfc`; `{ out }` receives the result; integer and
 * bool inputs give float32.
 *
 * @example
 * dl.erfc(dl.tensor([0, 1])); // → tensor([1.0000, 0.1573])
 */
export const erfc = u('erfc');
/**
 * The inverse error function (±inf at ±1), elementwise, as `torch.erfinv`; `{ out }` receives the result; integer and bool
 * inputs give float32.
 *
 * @example
 * dl.erfinv(dl.tensor([0, 0.5])); // → tensor([0.0000, 0.4769])
 */
export const erfinv = u('erfinv');
/**
 * Elementwise `log|Γ(x)|`, as `torch.lgamma`; `{ out }` receives the result; integer and bool inputs give float32.
 *
 * @example
 * dl.lgamma(dl.tensor([1, 5])); // → tensor([0.0000, 3.1781])
 */
export const lgamma = u('lgamma');
/**
 * The digamma function `Γ'(x) / Γ(x)`, elementwise, as `torch.digamma`; `{ out }` receives the result; integer and bool
 * inputs give float32.
 *
 * @example
 * dl.digamma(dl.tensor([1, 2])); // → tensor([-0.5772,  0.4228])
 */
export const digamma = u('digamma');
/**
 * Whether the sign bit is set (true for -0 and negative NaN), elementwise, as `torch.signbit`; `{ out }` receives the
 * result; gives a bool tensor.
 *
 * @example
 * dl.signbit(dl.tensor([-1, 0, -0])); // → tensor([ True, False,  True])
 */
export const signbit = u('signbit');

/**
 * Elementwise `input == other`, as `torch.eq`; `{ out }` receives the result; gives a bool tensor; broadcasts (a
 * ShapeError if it cannot); NaN equals nothing.
 *
 * @example
 * dl.eq(dl.tensor([1, 2, NaN]), dl.tensor([1, 0, NaN])); // → tensor([ True, False, False])
 */
export const eq = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('eq', a, b, opts);
/**
 * Elementwise `input != other`, as `torch.ne`; `{ out }` receives the result; gives a bool tensor; broadcasts (a
 * ShapeError if it cannot); NaN equals nothing.
 *
 * @example
 * dl.ne(dl.tensor([1, 2, NaN]), dl.tensor([1, 0, NaN])); // → tensor([False,  True,  True])
 */
export const ne = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('ne', a, b, opts);
/**
 * Elementwise `input < other`, as `torch.lt`; `{ out }` receives the result; gives a bool tensor; broadcasts (a ShapeError
 * if it cannot).
 *
 * @example
 * dl.lt(dl.tensor([1, 2, 3]), 2); // → tensor([ True, False, False])
 */
export const lt = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('lt', a, b, opts);
/**
 * Elementwise `input <= other`, as `torch.le`; `{ out }` receives the result; gives a bool tensor; broadcasts (a
 * ShapeError if it cannot).
 *
 * @example
 * dl.le(dl.tensor([1, 2, 3]), 2); // → tensor([ True,  True, False])
 */
export const le = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('le', a, b, opts);
/**
 * Elementwise `input > other`, as `torch.gt`; `{ out }` receives the result; gives a bool tensor; broadcasts (a ShapeError
 * if it cannot).
 *
 * @example
 * dl.gt(dl.tensor([1, 2, 3]), 2); // → tensor([False, False,  True])
 */
export const gt = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('gt', a, b, opts);
/**
 * Elementwise `input >= other`, as `torch.ge`; `{ out }` receives the result; gives a bool tensor; broadcasts (a
 * ShapeError if it cannot).
 *
 * @example
 * dl.ge(dl.tensor([1, 2, 3]), 2); // → tensor([False,  True,  True])
 */
export const ge = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('ge', a, b, opts);
/**
 * Elementwise `input && other` (nonzero is true), as `torch.logical_and`; `{ out }` receives the result; gives a bool
 * tensor; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.logicalAnd(dl.tensor([0, 1, 2]), dl.tensor([1, 1, 0])); // → tensor([False,  True, False])
 */
export const logicalAnd = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('logicalAnd', a, b, opts);
/**
 * Elementwise `input || other` (nonzero is true), as `torch.logical_or`; `{ out }` receives the result; gives a bool
 * tensor; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.logicalOr(dl.tensor([0, 1, 0]), dl.tensor([0, 0, 2])); // → tensor([False,  True,  True])
 */
export const logicalOr = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('logicalOr', a, b, opts);
/**
 * Elementwise exactly one of `input`, `other` true (nonzero is true), as `torch.logical_xor`; `{ out }` receives the
 * result; gives a bool tensor; broadcasts (a ShapeError if it cannot).
 *
 * @example
 * dl.logicalXor(dl.tensor([0, 1, 2]), dl.tensor([1, 1, 0])); // → tensor([ True, False,  True])
 */
export const logicalXor = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('logicalXor', a, b, opts);

/** Method forms as functions: `dl.sum(x, 1)`, `dl.reshape(x, [2, 8])`, … */
type Rest<F> = F extends (...args: infer A) => unknown ? A : never;
/**
 * The sum over `dim` (all when omitted), as `torch.sum`: `dl.sum(x, dim, { keepdim, dtype })` is `x.sum(dim, …)`. Takes
 * the same arguments after `input` as the method.
 *
 * @example
 * dl.sum(dl.tensor([[1, 2], [3, 4]]), 1); // → tensor([3., 7.])
 */
export const sum = (x: Tensor, ...a: Rest<Tensor['sum']>) => x.sum(...a);
/**
 * The mean over `dim` (all when omitted), as `torch.mean`; integer inputs need a floating `dtype` (a DTypeError
 * otherwise). Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.mean(dl.tensor([[1, 2], [3, 4]]), 0, { keepdim: true }); // → tensor([[2., 3.]])
 */
export const mean = (x: Tensor, ...a: Rest<Tensor['mean']>) => x.mean(...a);
/**
 * The product over `dim` (all when omitted), as `torch.prod`. Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.prod(dl.tensor([1, 2, 3, 4])); // → tensor(24.)
 */
export const prod = (x: Tensor, ...a: Rest<Tensor['prod']>) => x.prod(...a);
/**
 * The standard deviation over `dim` (all when omitted; `correction` 1 by default), as `torch.std`. Takes the same
 * arguments after `input` as the method.
 *
 * @example
 * dl.std(dl.tensor([1, 2, 3, 4])); // → tensor(1.2910)
 */
export const std = (x: Tensor, ...a: Rest<Tensor['std']>) => x.std(...a);
/**
 * The variance over `dim` (all when omitted; `correction` 1 by default), as `torch.var` (`var` is a reserved word in
 * JavaScript). Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.variance(dl.tensor([1, 2, 3, 4])); // → tensor(1.6667)
 */
export const variance = (x: Tensor, ...a: Rest<Tensor['var']>) => x.var(...a);
/**
 * `log(sum(exp(x)))` over `dim`, computed stably, as `torch.logsumexp`. Takes the same arguments after `input` as the
 * method.
 *
 * @example
 * dl.logsumexp(dl.tensor([0, 0]), 0); // → tensor(0.6931)
 */
export const logsumexp = (x: Tensor, ...a: Rest<Tensor['logsumexp']>) => x.logsumexp(...a);
/**
 * The maximum over one or more dims (all when omitted), as `torch.amax`. Takes the same arguments after `input` as the
 * method.
 *
 * @example
 * dl.amax(dl.tensor([[1, 5], [4, 2]]), 1); // → tensor([5., 4.])
 */
export const amax = (x: Tensor, ...a: Rest<Tensor['amax']>) => x.amax(...a);
/**
 * The minimum over one or more dims (all when omitted), as `torch.amin`. Takes the same arguments after `input` as the
 * method.
 *
 * @example
 * dl.amin(dl.tensor([[1, 5], [4, 2]]), 1); // → tensor([1., 2.])
 */
export const amin = (x: Tensor, ...a: Rest<Tensor['amin']>) => x.amin(...a);
/**
 * The index of the maximum along `dim` (of the flattened tensor when omitted), as `torch.argmax`. Takes the same arguments
 * after `input` as the method.
 *
 * @example
 * dl.argmax(dl.tensor([[1, 5], [4, 2]]), 1); // → tensor([1, 0])
 */
export const argmax = (x: Tensor, ...a: Rest<Tensor['argmax']>) => x.argmax(...a);
/**
 * The index of the minimum along `dim` (of the flattened tensor when omitted), as `torch.argmin`. Takes the same arguments
 * after `input` as the method.
 *
 * @example
 * dl.argmin(dl.tensor([[1, 5], [4, 2]]), 1); // → tensor([0, 1])
 */
export const argmin = (x: Tensor, ...a: Rest<Tensor['argmin']>) => x.argmin(...a);
/**
 * Whether all elements (along `dim`, or in all) are nonzero, as `torch.all`; a bool tensor. Takes the same arguments after
 * `input` as the method.
 *
 * @example
 * dl.all(dl.tensor([1, 0, 1])); // → tensor(False)
 */
export const all = (x: Tensor, ...a: Rest<Tensor['all']>) => x.all(...a);
/**
 * Whether any element (along `dim`, or in all) is nonzero, as `torch.any`; a bool tensor. Takes the same arguments after
 * `input` as the method.
 *
 * @example
 * dl.any(dl.tensor([0, 0, 1])); // → tensor(True)
 */
export const any = (x: Tensor, ...a: Rest<Tensor['any']>) => x.any(...a);
/**
 * The cumulative sum along `dim`, as `torch.cumsum`. Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.cumsum(dl.tensor([1, 2, 3]), 0); // → tensor([1., 3., 6.])
 */
export const cumsum = (x: Tensor, ...a: Rest<Tensor['cumsum']>) => x.cumsum(...a);
/**
 * The vector p-norm (default 2) over `dim` (all when omitted), as `torch.norm`. Takes the same arguments after `input` as
 * the method.
 *
 * @example
 * dl.norm(dl.tensor([3, 4])); // → tensor(5.)
 */
export const norm = (x: Tensor, ...a: Rest<Tensor['norm']>) => x.norm(...a);
/**
 * Each element clamped into `[min, max]`, with number or tensor bounds (either may be null), or `{ min, max }`, as
 * `torch.clamp`. Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.clamp(dl.tensor([-2, 0.5, 3]), { min: 0 }); // → tensor([0.0000, 0.5000, 3.0000])
 */
export const clamp = (x: Tensor, ...a: Rest<Tensor['clamp']>) => x.clamp(...a);
/**
 * Alias of {@link clamp}, as `torch.clip`. Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.clip(dl.tensor([-2, 0.5, 3]), -1, 1); // → tensor([-1.0000,  0.5000,  1.0000])
 */
export const clip = (x: Tensor, ...a: Rest<Tensor['clip']>) => x.clip(...a);
/**
 * `input` with another shape (one size may be -1): a view when the strides allow, else a copy, as `torch.reshape`. Takes
 * the same arguments after `input` as the method.
 *
 * @example
 * dl.reshape(dl.arange(6), [2, 3]).shape; // → [2, 3]
 */
export const reshape = (x: Tensor, ...a: Rest<Tensor['reshape']>) => x.reshape(...a);
/**
 * A view with the dims reordered, as `torch.permute`. Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.permute(dl.zeros(2, 3, 4), [2, 0, 1]).shape; // → [4, 2, 3]
 */
export const permute = (x: Tensor, ...a: Rest<Tensor['permute']>) => x.permute(...a);
/**
 * A view with `dim0` and `dim1` swapped, as `torch.transpose`. Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.transpose(dl.zeros(2, 3), 0, 1).shape; // → [3, 2]
 */
export const transpose = (x: Tensor, ...a: Rest<Tensor['transpose']>) => x.transpose(...a);
/**
 * A view without size-1 dims (all, or those in `dim`), as `torch.squeeze`. Takes the same arguments after `input` as the
 * method.
 *
 * @example
 * dl.squeeze(dl.zeros(2, 1, 3)).shape; // → [2, 3]
 */
export const squeeze = (x: Tensor, ...a: Rest<Tensor['squeeze']>) => x.squeeze(...a);
/**
 * A view with a size-1 dim inserted at `dim`, as `torch.unsqueeze`. Takes the same arguments after `input` as the method.
 *
 * @example
 * dl.unsqueeze(dl.tensor([1, 2]), 0).shape; // → [1, 2]
 */
export const unsqueeze = (x: Tensor, ...a: Rest<Tensor['unsqueeze']>) => x.unsqueeze(...a);
/**
 * The dims from `startDim` to `endDim` (default all) merged into one, as `torch.flatten`. Takes the same arguments after
 * `input` as the method.
 *
 * @example
 * dl.flatten(dl.zeros(2, 3, 4), 1).shape; // → [2, 12]
 */
export const flatten = (x: Tensor, ...a: Rest<Tensor['flatten']>) => x.flatten(...a);
/**
 * A view of `length` elements of `dim` from `start`, as `torch.narrow`. Takes the same arguments after `input` as the
 * method.
 *
 * @example
 * dl.narrow(dl.arange(6), 0, 1, 2); // → tensor([1, 2])
 */
export const narrow = (x: Tensor, ...a: Rest<Tensor['narrow']>) => x.narrow(...a);
/**
 * A copy of `input` with its own storage (recorded by autograd), as `torch.clone`.
 *
 * @example
 * dl.clone(dl.tensor([1, 2])); // → tensor([1., 2.])
 */
export const clone = (x: Tensor) => x.clone();
/**
 * A tensor sharing `input`'s storage but cut from the autograd graph, as `torch.detach`.
 *
 * @example
 * dl.detach(dl.tensor([1], { requiresGrad: true })).requiresGrad; // → false
 */
export const detach = (x: Tensor) => x.detach();
/**
 * `exp(x) / sum(exp(x))` along `dim`, computed stably, as `torch.softmax`.
 *
 * @example
 * dl.softmax(dl.tensor([0, Math.log(3)]), 0); // → tensor([0.2500, 0.7500])
 */
export const softmax = (x: Tensor, dim: number) => x.softmax(dim);
/**
 * `log(softmax(x))` along `dim`, computed stably, as `torch.log_softmax`.
 *
 * @example
 * dl.logSoftmax(dl.tensor([0, 0]), 0); // → tensor([-0.6931, -0.6931])
 */
export const logSoftmax = (x: Tensor, dim: number) => x.logSoftmax(dim);

/**
 * The largest element (0-d), or with `dim` the `{ values, indices }` of the maxima along it (destructure `[values,
 * indices]`), as `torch.max`. For two tensors use `dl.maximum`.
 *
 * @example
 * const [values, indices] = dl.max(dl.tensor([[1, 5], [4, 2]]), 1);
 * // indices → tensor([1, 0])
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, opts?: { keepdim?: boolean }): ReturnType<Tensor['sort']>;
export function max(x: Tensor, dim?: number, opts?: { keepdim?: boolean }) {
  return dim === undefined ? x.max() : x.max(dim, opts);
}
/**
 * The smallest element (0-d), or with `dim` the `{ values, indices }` of the minima along it, as `torch.min`. For two
 * tensors use `dl.minimum`.
 *
 * @example
 * dl.min(dl.tensor([[1, 5], [4, 2]])); // → tensor(1.)
 */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, opts?: { keepdim?: boolean }): ReturnType<Tensor['sort']>;
export function min(x: Tensor, dim?: number, opts?: { keepdim?: boolean }) {
  return dim === undefined ? x.min() : x.min(dim, opts);
}

// Every elementwise primitive of the table (primitives.ts) has its `dl.*` function: a row added
// without one fails to type-check here, naming it.
type ElementwisePrimitive = UnaryOp | BinaryOp | CompareOp;
type WithoutFunction = Exclude<ElementwisePrimitive, keyof typeof import('./functions.js')>;
const everyElementwisePrimitiveHasAFunction: [WithoutFunction] extends [never] ? true : { missingFunctionFor: WithoutFunction } = true;
void everyElementwisePrimitiveHasAFunction;
