import type { Conv2dParams } from '../backend.js';
import { defineOp, recordOp } from '../dispatch.js';
import { ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { conv2d } from './conv.js';

/**
 * 1-D convolution of x [N, C, L] with weight [Cout, C/groups, K] (and bias [Cout]), run as a
 * 2-D convolution of unit height: one `ConvolutionBackward0` node over the 3-D tensors, as
 * PyTorch. `p` is the 2-D form (`stride: [1, s]`, `padding: [0, p]`, `dilation: [1, d]`).
 *
 * @example
 * conv1d(x, w, b, { stride: [1, 1], padding: [0, 1], dilation: [1, 1], groups: 1 });
 */
export const conv1d = defineOp('conv1d', (x: Tensor, w: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor => {
  if (x.dim() !== 3 || w.dim() !== 3) {
    throw new ShapeError(
      `conv1d: expected a 3-D input [N, C, L] and a 3-D weight [Cout, C/groups, K], got ${fmtShape(x.shape)} and ${fmtShape(w.shape)}`,
      { op: 'conv1d' },
    );
  }
  const out = runDetached([x, w, bias], (xd, wd, bd) => conv2d(xd.unsqueeze(2), wd.unsqueeze(2), bd, p).squeeze(2));
  recordOp('conv1d', [x, w, bias], out, { ...p, hasBias: bias !== null });
  return out;
});
