import { defineOp, recordOp, runKernel } from '../dispatch.js';
import { DTypeError, fmtShape } from '../errors.js';
import { isFloating } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { emptyTensor } from './core.js';

/**
 * Clamp into [minVal, maxVal] with PyTorch's hardtanh gradient: 0 at and beyond the bounds (a
 * clamp's gradient is 1 at the bounds), so `relu6(x)` at 0 and 6 gets 0 as in torch. Autograd
 * records one `HardtanhBackward0` node.
 *
 * @example
 * hardtanh(x, 0, 6); // relu6
 */
export const hardtanh = defineOp('hardtanh', (x: Tensor, minVal: number, maxVal: number): Tensor => {
  const op = 'hardtanh';
  if (x.dtype === 'bool' || (!isFloating(x.dtype) && (!Number.isInteger(minVal) || !Number.isInteger(maxVal)))) {
    throw new DTypeError(
      `hardtanh: expected a floating input (or an integer one with integer bounds), got ${x.dtype} ${fmtShape(x.shape)}`,
      { op, hint: 'cast with .float()' },
    );
  }
  const out = emptyTensor(x.shape, x.dtype, x.device, op);
  runKernel(op, 'clamp', x, minVal, maxVal, out);
  recordOp('hardtanh', [x], out, { min: minVal, max: maxVal });
  return out;
});
