import { defineOp, willRecord } from '../dispatch.js';
import { isFloating, resultType, type DType } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { describeValue, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { castRaw, finishOut, scalarTensor, type TensorOrScalar } from './core.js';
import { binary, compare, unary, where, type OutOptions } from './elementwise.js';

/** How `div` rounds its quotient (`torch.div(…, rounding_mode=…)`); null: true division. */
export type RoundingMode = 'trunc' | 'floor' | null;

/**
 * `a / b`, or rounded with `roundingMode` (`torch.div(a, b, rounding_mode=…)`): the one entry for
 * `dl.div` and `Tensor.div`.
 *
 * @example
 * divide(dl.tensor([-7, 7]), 2, { roundingMode: 'floor' }); // tensor([-4., 3.])
 */
export function divide(a: TensorOrScalar, b: TensorOrScalar, opts: OutOptions & { roundingMode?: RoundingMode } = {}): Tensor {
  if (opts.roundingMode === undefined || opts.roundingMode === null) return binary('div', a, b, opts);
  return divRounded(a, b, opts.roundingMode, opts);
}

/**
 * Note [Rounded division]
 * `div(a, b, { roundingMode })` as torch: floats give `trunc(a / b)`, or for 'floor' torch's
 * fmod-based quotient `(a - fmod(a, b)) / b` (less 1 where fmod and b differ in sign) rounded to
 * the nearest integer (exact where `floor(a / b)` is not: a / b can round up to the next
 * integer; -x // inf is -1), and `a / b` (±inf, NaN) where b is 0. Integers stay integers and
 * are exact: the float32 quotient is corrected in integer arithmetic (a - q·b is small, so
 * wrap-around in the product cannot hurt) until 0 <= a - q·b < b (or b < a - q·b <= 0); trunc
 * adds 1 where the remainder is non-zero and the signs differ. An integer division by zero raises
 * (torch's ZeroDivisionError) because the integer `remainder` does. Like torch, the gradient is
 * 0 (the derivative is 0 almost everywhere): the quotient is computed on detached operands, then
 * attached to float operands that require grad through `where(true, q, operand)`, so both get
 * zero gradients as torch's DivBackward does (not none: `a.grad` is a zero tensor).
 */
export const divRounded = defineOp(
  'div',
  (a: TensorOrScalar, b: TensorOrScalar, mode: 'trunc' | 'floor', opts: OutOptions = {}): Tensor => {
    const op = 'div';
    if (mode !== 'trunc' && mode !== 'floor') {
      throw new ArgumentError(`div: expected rounding_mode to be one of null, 'trunc', or 'floor' but found '${String(mode)}'`, { op });
    }
    for (const [v, which] of [
      [a, 'input'],
      [b, 'other'],
    ] as const) {
      if (!(v instanceof Tensor) && typeof v !== 'number' && typeof v !== 'boolean') {
        throw new ArgumentError(`div: argument '${which}' must be a Tensor or a number, got ${describeValue(v)}`, { op });
      }
    }
    const operand = (v: TensorOrScalar) => (v instanceof Tensor ? { dtype: v.dtype, dim: v.dim() } : v);
    const dtype = resultType([operand(a), operand(b)]);
    if (dtype === 'bool')
      throw new DTypeError('div: rounding division is not implemented for bool tensors', { op, hint: 'cast with .int() first' });
    const A = a instanceof Tensor ? a.detach() : a;
    const B = b instanceof Tensor ? b.detach() : b;
    let q = isFloating(dtype) ? floatQuotient(A, B, mode, dtype) : intQuotient(A, B, mode, dtype);
    if (isFloating(dtype)) {
      const yes = scalarTensor(1, 'bool', q.device);
      for (const v of [a, b]) if (v instanceof Tensor && isFloating(v.dtype) && willRecord([v])) q = where(yes, q, v);
    }
    if (!opts.out) return q;
    if (!shapesEqual(opts.out.shape, q.shape)) {
      throw new ShapeError(`div: out has shape ${fmtShape(opts.out.shape)} but the result has shape ${fmtShape(q.shape)}`, { op });
    }
    return finishOut(op, q, opts.out);
  },
);

function floatQuotient(A: TensorOrScalar, B: TensorOrScalar, mode: 'trunc' | 'floor', dtype: DType): Tensor {
  if (mode === 'trunc') return unary('trunc', binary('div', A, B));
  if (B === 0 || B === false) return binary('div', A, B);
  // torch's div_floor: mod = fmod(a, b); div = (a - mod) / b, minus 1 where mod and b differ in
  // sign; then the nearest integer (floor, +1 above .5); a / b where b is 0.
  const t = (v: TensorOrScalar) => (v instanceof Tensor ? v : null);
  const like = t(A) ?? t(B)!;
  const At = t(A) ?? scalarTensor(A as number, dtype, like.device);
  const Bt = t(B) ?? scalarTensor(B as number, dtype, like.device);
  const neg = (v: Tensor) => compare('lt', v, 0);
  // fmod(a, b) = sign(a)·(|a| mod |b|): for non-negative operands the (exact) remainder is fmod
  const mod = binary('mul', unary('sign', At), binary('remainder', unary('abs', At), unary('abs', Bt)));
  const q = binary('div', binary('sub', At, mod), Bt);
  const div = where(compare('logicalAnd', compare('ne', mod, 0), compare('logicalXor', neg(Bt), neg(mod))), binary('sub', q, 1), q);
  const f = unary('floor', div);
  const nearest = where(compare('gt', binary('sub', div, f), 0.5), binary('add', f, 1), f);
  return where(compare('eq', Bt, 0), binary('div', At, Bt), nearest);
}

function intQuotient(a: TensorOrScalar, b: TensorOrScalar, mode: 'trunc' | 'floor', dtype: DType): Tensor {
  const r = binary('remainder', a, b); // raises on an integer division by zero, as torch
  const A = a instanceof Tensor ? a : scalarTensor(a, dtype, r.device);
  const B = b instanceof Tensor ? b : scalarTensor(b, dtype, r.device);
  const int = (t: Tensor) => castRaw(t, dtype);
  if (dtype === 'uint8') return int(unary('floor', binary('div', A, B))); // small and non-negative: exact in float32
  const mul = (q: Tensor) => binary('mul', q, B); // wraps around in int32; a - q·b is small, so exact
  // a float32 quotient, then a correction in integers: q1 is the floor or one off it
  const q0 = int(unary('round', binary('div', A, B)));
  const q1 = binary('add', q0, int(unary('floor', binary('div', binary('sub', A, mul(q0)), B))));
  const r1 = binary('sub', A, mul(q1));
  const bNeg = compare('lt', B, 0);
  const below = compare('logicalAnd', compare('ne', r1, 0), compare('logicalXor', compare('lt', r1, 0), bNeg)); // q1 one too big
  const above = compare(
    'logicalOr',
    compare('logicalAnd', compare('gt', B, 0), compare('ge', r1, B)),
    compare('logicalAnd', compare('lt', B, 0), compare('le', r1, B)),
  );
  const floor = binary('add', binary('sub', q1, int(below)), int(above));
  if (mode === 'floor') return floor;
  const signsDiffer = compare('logicalXor', compare('lt', A, 0), bNeg);
  return binary('add', floor, int(compare('logicalAnd', compare('ne', r, 0), signsDiffer)));
}
