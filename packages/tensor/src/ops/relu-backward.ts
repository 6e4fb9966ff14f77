/**
 * ReLU's backward as one op: PyTorch's `threshold_backward(grad, output, threshold)`.
 *
 * Note [ReLU backward as one kernel]
 * The derivative of relu is `where(output <= 0, 0, grad)`: as a composite that is two full
 * passes (a compare writing a bool tensor, then a select) and a temporary as large as the
 * activation, 7–9% of an MLP or LeNet training step. `thresholdBackward` is one pass on a
 * backend with the fused kernel (`FusedKernels.thresholdBackward`: on cpu a JS loop over
 * contiguous arrays and a WebAssembly SIMD loop, `f32x4.le` + `v128.andnot`, over wasm-heap
 * buffers); elsewhere it is that composite. The values are torch's: 0 where
 * `output <= threshold`, else `grad`, so a NaN output (the relu of NaN) passes the gradient
 * and a NaN gradient survives wherever the output is positive.
 * Its own derivative is linear in `grad` (the same op on the incoming gradient) and zero in
 * `output` (a step function), so relu's double backward keeps working.
 */
import { defineOp, deviceCan, recordOp, runKernel } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { DTypeError, DeviceError, ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { emptyTensor } from './core.js';
import { where } from './elementwise.js';

/**
 * torch's `threshold_backward`: `grad` where `output > threshold`, 0 elsewhere (NaN output
 * passes `grad`). `grad` and `output` must have one shape, dtype and device.
 *
 * @example
 * const y = x.relu();
 * const gx = thresholdBackward(dl.onesLike(y), y); // 1 where y > 0, else 0
 */
export const thresholdBackward = defineOp('thresholdBackward', (grad: Tensor, output: Tensor, threshold: number = 0): Tensor => {
  const op = 'thresholdBackward';
  if (grad.dim() !== output.dim() || grad.shape.some((s, i) => s !== output.shape[i])) {
    throw new ShapeError(`${op}: grad ${fmtShape(grad.shape)} and output ${fmtShape(output.shape)} must have the same shape`, {
      op,
      hint: 'pass the gradient of the relu output and that output',
    });
  }
  if (!isFloating(grad.dtype) || grad.dtype !== output.dtype) {
    throw new DTypeError(`${op}: expected floating grad and output of one dtype, got ${grad.dtype} and ${output.dtype}`, { op });
  }
  if (grad.device !== output.device) {
    throw new DeviceError(`${op}: grad is on ${grad.device} but output is on ${output.device}`, { op });
  }
  let out: Tensor;
  if (deviceCan(grad, 'thresholdBackward')) {
    out = emptyTensor(grad.shape, grad.dtype, grad.device, op);
    runKernel(op, 'thresholdBackward', grad, output, out, threshold);
  } else {
    out = runDetached([grad, output], (g, y) => where(y.le(threshold), 0, g));
  }
  recordOp('thresholdBackward', [grad, output], out, { threshold });
  return out;
});
