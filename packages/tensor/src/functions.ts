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
/** `input - alpha * other`. */
export function sub(input: TensorOrScalar, other: TensorOrScalar, opts: OutOptions & { alpha?: number } = {}): Tensor {
  return binary('sub', input, scaled(other, opts.alpha), opts);
}
/** Elementwise product. `dl.mul(x, 2)` */
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
/** Power. `dl.pow(x, 2)` */
export const pow = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('pow', a, b, opts);
/** Elementwise maximum (NaN propagates). */
export const maximum = (a: Tensor, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('maximum', a, b, opts);
/** Elementwise minimum (NaN propagates). */
export const minimum = (a: Tensor, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('minimum', a, b, opts);
/** Python-style remainder. */
export const remainder = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('remainder', a, b, opts);
/** Linear interpolation from `x` to `end` by `weight` (`torch.lerp`). `dl.lerp(a, b, 0.5)` */
export const lerp = (x: Tensor, end: Tensor, weight: TensorOrScalar): Tensor => lerpOp(x, end, weight);
/** Quadrant-aware arctangent of a / b. */
export const atan2 = (a: Tensor, b: Tensor, opts?: OutOptions): Tensor => binary('atan2', a, b, opts);
/** C's `fmod`: the remainder with the sign of the dividend (`torch.fmod`). `dl.fmod(x, 1.5)` */
export const fmod = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('fmod', a, b, opts);
/** `sqrt(a² + b²)` without overflow (`torch.hypot`). `dl.hypot(x, y)` */
export const hypot = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('hypot', a, b, opts);
/** `a·log(b)`, 0 where a is 0 and b is not NaN (`torch.xlogy`). `dl.xlogy(p, q)` */
export const xlogy = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('xlogy', a, b, opts);
/** `log(exp(a) + exp(b))` without overflow (`torch.logaddexp`). `dl.logaddexp(a, b)` */
export const logaddexp = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('logaddexp', a, b, opts);
/** `log2(2^a + 2^b)` without overflow (`torch.logaddexp2`). `dl.logaddexp2(a, b)` */
export const logaddexp2 = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('logaddexp2', a, b, opts);
/** |a| with the sign (bit) of b (`torch.copysign`). `dl.copysign(x, -1)` */
export const copysign = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('copysign', a, b, opts);
/** Bitwise and/or/xor of integer or bool tensors (`torch.bitwise_and`, …). `dl.bitwiseAnd(x, 0xff)` */
export const bitwiseAnd = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('bitwiseAnd', a, b, opts);
export const bitwiseOr = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('bitwiseOr', a, b, opts);
export const bitwiseXor = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('bitwiseXor', a, b, opts);
/** Shifts of integer tensors (`torch.bitwise_left_shift`, `>>` arithmetic on int32). `dl.bitwiseLeftShift(x, 2)` */
export const bitwiseLeftShift = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => binary('bitwiseLeftShift', a, b, opts);
export const bitwiseRightShift = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor =>
  binary('bitwiseRightShift', a, b, opts);

const u =
  (op: UnaryOp) =>
  (x: Tensor, opts?: OutOptions): Tensor =>
    unary(op, x, opts);
/** Elementwise unary ops: `dl.exp(x)`, `dl.relu(x)`, … */
export const neg = u('neg');
export const abs = u('abs');
export const exp = u('exp');
export const log = u('log');
export const log1p = u('log1p');
export const expm1 = u('expm1');
export const sqrt = u('sqrt');
export const rsqrt = u('rsqrt');
export const reciprocal = u('reciprocal');
export const sin = u('sin');
export const cos = u('cos');
export const tan = u('tan');
export const tanh = u('tanh');
export const sigmoid = u('sigmoid');
export const relu = u('relu');
export const erf = u('erf');
export const sign = u('sign');
export const floor = u('floor');
export const ceil = u('ceil');
export const round = u('round');
export const trunc = u('trunc');
export const logicalNot = u('logicalNot');
export const isnan = u('isnan');
export const isinf = u('isinf');
export const asin = u('asin');
export const acos = u('acos');
export const atan = u('atan');
export const sinh = u('sinh');
export const cosh = u('cosh');
export const asinh = u('asinh');
export const acosh = u('acosh');
export const atanh = u('atanh');
export const log2 = u('log2');
export const log10 = u('log10');
export const exp2 = u('exp2');
export const erfc = u('erfc');
export const erfinv = u('erfinv');
export const lgamma = u('lgamma');
export const digamma = u('digamma');
export const signbit = u('signbit');

/** Comparisons giving bool tensors: `dl.eq(a, b)`, `dl.lt(x, 0)`, … */
export const eq = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('eq', a, b, opts);
export const ne = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('ne', a, b, opts);
export const lt = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('lt', a, b, opts);
export const le = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('le', a, b, opts);
export const gt = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('gt', a, b, opts);
export const ge = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('ge', a, b, opts);
export const logicalAnd = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('logicalAnd', a, b, opts);
export const logicalOr = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('logicalOr', a, b, opts);
export const logicalXor = (a: TensorOrScalar, b: TensorOrScalar, opts?: OutOptions): Tensor => compare('logicalXor', a, b, opts);

/** Method forms as functions: `dl.sum(x, 1)`, `dl.reshape(x, [2, 8])`, … */
type Rest<F> = F extends (...args: infer A) => unknown ? A : never;
export const sum = (x: Tensor, ...a: Rest<Tensor['sum']>) => x.sum(...a);
export const mean = (x: Tensor, ...a: Rest<Tensor['mean']>) => x.mean(...a);
export const prod = (x: Tensor, ...a: Rest<Tensor['prod']>) => x.prod(...a);
export const std = (x: Tensor, ...a: Rest<Tensor['std']>) => x.std(...a);
export const variance = (x: Tensor, ...a: Rest<Tensor['var']>) => x.var(...a);
export const logsumexp = (x: Tensor, ...a: Rest<Tensor['logsumexp']>) => x.logsumexp(...a);
export const amax = (x: Tensor, ...a: Rest<Tensor['amax']>) => x.amax(...a);
export const amin = (x: Tensor, ...a: Rest<Tensor['amin']>) => x.amin(...a);
export const argmax = (x: Tensor, ...a: Rest<Tensor['argmax']>) => x.argmax(...a);
export const argmin = (x: Tensor, ...a: Rest<Tensor['argmin']>) => x.argmin(...a);
export const all = (x: Tensor, ...a: Rest<Tensor['all']>) => x.all(...a);
export const any = (x: Tensor, ...a: Rest<Tensor['any']>) => x.any(...a);
export const cumsum = (x: Tensor, ...a: Rest<Tensor['cumsum']>) => x.cumsum(...a);
export const norm = (x: Tensor, ...a: Rest<Tensor['norm']>) => x.norm(...a);
/** Clamp into [min, max] with number or tensor bounds, or `{ min, max }` (`torch.clamp`). `dl.clamp(x, { min: 0 })` */
export const clamp = (x: Tensor, ...a: Rest<Tensor['clamp']>) => x.clamp(...a);
/** Alias of {@link clamp} (`torch.clip`). `dl.clip(x, -1, 1)` */
export const clip = (x: Tensor, ...a: Rest<Tensor['clip']>) => x.clip(...a);
export const reshape = (x: Tensor, ...a: Rest<Tensor['reshape']>) => x.reshape(...a);
export const permute = (x: Tensor, ...a: Rest<Tensor['permute']>) => x.permute(...a);
export const transpose = (x: Tensor, ...a: Rest<Tensor['transpose']>) => x.transpose(...a);
export const squeeze = (x: Tensor, ...a: Rest<Tensor['squeeze']>) => x.squeeze(...a);
export const unsqueeze = (x: Tensor, ...a: Rest<Tensor['unsqueeze']>) => x.unsqueeze(...a);
export const flatten = (x: Tensor, ...a: Rest<Tensor['flatten']>) => x.flatten(...a);
export const narrow = (x: Tensor, ...a: Rest<Tensor['narrow']>) => x.narrow(...a);
export const clone = (x: Tensor) => x.clone();
export const detach = (x: Tensor) => x.detach();
export const softmax = (x: Tensor, dim: number) => x.softmax(dim);
export const logSoftmax = (x: Tensor, dim: number) => x.logSoftmax(dim);

/** Max of all elements, or `[values, indices]` along `dim` (`torch.max`). */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, opts?: { keepdim?: boolean }): ReturnType<Tensor['sort']>;
export function max(x: Tensor, dim?: number, opts?: { keepdim?: boolean }) {
  return dim === undefined ? x.max() : x.max(dim, opts);
}
/** Min of all elements, or `[values, indices]` along `dim`. */
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
