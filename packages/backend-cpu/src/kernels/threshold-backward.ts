import type { TensorView } from '@dl/tensor/backend';
import type { CpuBuffer } from '../buffer.js';
import { collapse, forEachRow } from '../strided.js';

/**
 * torch's `threshold_backward` (relu's backward, Note [ReLU backward as one kernel] in
 * @dl/tensor): `out = output <= threshold ? 0 : grad`, one pass over any strided views of one
 * shape (float32 or float64). A NaN output fails the comparison and passes `grad`, as torch.
 * Contiguous operands collapse to one row (Note [Collapsing dims]) and run a tight loop.
 *
 * @example
 * thresholdBackward(gradView, outputView, outView, 0);
 */
export function thresholdBackward(grad: TensorView, output: TensorView, out: TensorView, threshold: number): void {
  const G = grad.buffer as CpuBuffer;
  const Y = output.buffer as CpuBuffer;
  const O = out.buffer as CpuBuffer;
  const t = out.dtype === 'float32' ? Math.fround(threshold) : threshold;
  const c = collapse(out.shape, [grad.strides, output.strides, out.strides]);
  const rank = c.shape.length;
  const gs = c.strides[0]![rank - 1]!;
  const ys = c.strides[1]![rank - 1]!;
  const os = c.strides[2]![rank - 1]!;
  forEachRow(c.shape, c.strides, [grad.offset, output.offset, out.offset], (offs, n) => {
    const go = offs[0]!;
    const yo = offs[1]!;
    const oo = offs[2]!;
    if (gs === 1 && ys === 1 && os === 1) {
      for (let i = 0; i < n; i++) O[oo + i] = Y[yo + i]! <= t ? 0 : G[go + i]!;
    } else {
      for (let i = 0; i < n; i++) O[oo + i * os] = Y[yo + i * ys]! <= t ? 0 : G[go + i * gs]!;
    }
  });
}
