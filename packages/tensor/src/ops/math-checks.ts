import type { BinaryOp } from '../backend.js';
import { isFloating, type DType } from '../dtype.js';
import { DTypeError } from '../errors.js';
import { Tensor } from '../tensor.js';
import type { TensorOrScalar } from './core.js';

const BITWISE: ReadonlySet<BinaryOp> = new Set<BinaryOp>([
  'bitwiseAnd',
  'bitwiseOr',
  'bitwiseXor',
  'bitwiseLeftShift',
  'bitwiseRightShift',
]);
const TORCH_NAME: Partial<Record<BinaryOp, string>> = {
  bitwiseAnd: 'bitwise_and',
  bitwiseOr: 'bitwise_or',
  bitwiseXor: 'bitwise_xor',
  bitwiseLeftShift: 'lshift',
  bitwiseRightShift: 'rshift',
  fmod: 'fmod',
  hypot: 'hypot',
};

function describe(v: TensorOrScalar): string {
  return v instanceof Tensor ? `${v.dtype} tensor` : `${typeof v} ${String(v)}`;
}

/**
 * @internal The dtype checks of the issue-13 binary primitives, as torch raises them: bitwise ops
 * on floats, shifts and fmod on bools, hypot on integers ("…_cpu not implemented for 'Float'").
 *
 * @example
 * checkBinaryDType('bitwiseAnd', 'float32', x, y); // throws DTypeError
 */
export function checkBinaryDType(op: BinaryOp, dtype: DType, a: TensorOrScalar, b: TensorOrScalar): void {
  if (BITWISE.has(op) && isFloating(dtype)) {
    throw new DTypeError(
      `${op}: "${TORCH_NAME[op]}_cpu" is not implemented for floating point (${describe(a)} and ${describe(b)} promote to ${dtype})`,
      {
        op,
        hint: 'bitwise ops take integer or bool tensors (and integer scalars); cast with .int() first',
      },
    );
  }
  if (dtype === 'bool' && (op === 'bitwiseLeftShift' || op === 'bitwiseRightShift' || op === 'fmod')) {
    throw new DTypeError(`${op}: "${TORCH_NAME[op]}_cpu" is not implemented for bool (${describe(a)} and ${describe(b)})`, {
      op,
      hint: 'cast with .int() first',
    });
  }
  if ((op === 'hypot' || op === 'logaddexp' || op === 'logaddexp2') && !isFloating(dtype)) {
    throw new DTypeError(`${op}: "${op}_cpu" is not implemented for ${dtype} (${describe(a)} and ${describe(b)})`, {
      op,
      hint: `${op} takes floating tensors; cast with .float() first`,
    });
  }
}
