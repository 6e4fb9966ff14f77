import { defineOp } from '../dispatch.js';
import { isFloating, resultType, type DType } from '../dtype.js';
import { ArgumentError, DTypeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkScalarArg } from './core.js';
import { binary } from './elementwise.js';

/**
 * Note [addcmul's value on integers]
 * torch computes `addcmul` in the common dtype of self, tensor1 and tensor2 and casts `value` to
 * it first: on integer tensors a fractional value is truncated toward zero (`value=-0.5` adds
 * nothing, `2.7` adds twice the product) and the result stays an integer tensor. NaN, ±inf and
 * values outside the dtype's range raise "value cannot be converted to type int without
 * overflow". An integer value is a Python int there, which torch lets wrap into uint8 (`-1`
 * subtracts); a fractional one must fit before truncation (255.5 does not fit uint8, -0.5 does
 * not either). JavaScript has one number type, so dl treats integer-valued numbers as Python
 * ints. Bool tensors have no addcmul kernel in torch ("not implemented for 'Bool'").
 */
function castValue(op: string, x: Tensor, t1: Tensor, t2: Tensor, value: number): number {
  checkScalarArg(op, value, 'value', 'pass a number: value * tensor1 * tensor2 is added to self');
  for (const [t, name] of [
    [x, 'self'],
    [t1, 'tensor1'],
    [t2, 'tensor2'],
  ] as const) {
    if (!(t instanceof Tensor))
      throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${typeof t}`, { op, hint: 'wrap numbers with dl.tensor(...)' });
  }
  const v = Number(value);
  const dtype: DType = resultType([x, t1, t2].map((t) => ({ dtype: t.dtype, dim: t.dim() })));
  if (isFloating(dtype)) return v;
  if (dtype === 'bool') {
    throw new DTypeError(`${op}: not implemented for bool tensors (self ${x.dtype}, tensor1 ${t1.dtype}, tensor2 ${t2.dtype})`, {
      op,
      hint: 'cast to an integer or floating dtype first: .int() or .float()',
    });
  }
  const [lo, hi] = dtype === 'uint8' ? [Number.isInteger(v) ? -255 : 0, 255] : [-2147483648, 2147483647];
  if (!(v >= lo && v <= hi)) {
    throw new DTypeError(
      `${op}: value ${v} cannot be converted to type ${dtype} without overflow (self ${x.dtype} ${fmtShape(x.shape)}, tensor1 ${t1.dtype}, tensor2 ${t2.dtype})`,
      {
        op,
        hint: Number.isFinite(v)
          ? `on ${dtype} tensors the value is cast to ${dtype} (Note [addcmul's value on integers]); cast the tensors with .float() for a fractional product`
          : 'integer tensors cannot take an inf or NaN value: cast them with .float() first',
      },
    );
  }
  return Math.trunc(v);
}

/**
 * `self + value * tensor1 * tensor2` (`torch.addcmul`), broadcasting, in the common dtype of the
 * three tensors; on integer tensors `value` is truncated to an integer first, as torch (Note
 * [addcmul's value on integers]).
 *
 * @example
 * x.addcmul(a, b, { value: 0.5 });       // x + 0.5 * a * b
 * ints.addcmul(a, b, { value: 2.7 });    // int32: ints + 2 * a * b
 */
export const addcmul = defineOp('addcmul', (x: Tensor, t1: Tensor, t2: Tensor, value: number = 1): Tensor => {
  const v = castValue('addcmul', x, t1, t2, value);
  return binary('add', x, binary('mul', binary('mul', t1, t2), v));
});

/** @internal `addcmul_`'s value, cast as torch (Note [addcmul's value on integers]); the caller adds in place. */
export function addcmulInPlaceValue(x: Tensor, t1: Tensor, t2: Tensor, value: number = 1): number {
  return castValue('addcmul_', x, t1, t2, value);
}

/**
 * @internal torch raises for `addcdiv` with integer (or bool) tensor1 and tensor2: its integer
 * division is gone, and true division is not done silently.
 */
export function checkAddcdiv(op: string, x: Tensor, t1: Tensor, t2: Tensor): void {
  for (const [t, name] of [
    [x, 'self'],
    [t1, 'tensor1'],
    [t2, 'tensor2'],
  ] as const) {
    if (!(t instanceof Tensor))
      throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${typeof t}`, { op, hint: 'wrap numbers with dl.tensor(...)' });
  }
  if (!isFloating(t1.dtype) && !isFloating(t2.dtype)) {
    throw new DTypeError(`${op}: integer division with addcdiv is no longer supported (tensor1 ${t1.dtype}, tensor2 ${t2.dtype})`, {
      op,
      hint: 'true division: x.addcdiv(t1.float(), t2, { value }); the old integer behaviour: x.add(t1.div(t2).trunc().mul(value)).to(x.dtype)',
    });
  }
}

/**
 * `self + value * tensor1 / tensor2` (`torch.addcdiv`), broadcasting. tensor1 and tensor2 may not
 * both be integer tensors (torch raises: integer addcdiv is gone).
 *
 * @example
 * p.addcdiv(m, v.sqrt().add(1e-8), { value: -lr });
 */
export const addcdiv = defineOp('addcdiv', (x: Tensor, t1: Tensor, t2: Tensor, value: number = 1): Tensor => {
  checkAddcdiv('addcdiv', x, t1, t2);
  checkScalarArg('addcdiv', value, 'value', 'pass a number: value * tensor1 / tensor2 is added to self');
  return binary('add', x, binary('mul', binary('div', t1, t2), Number(value)));
});
