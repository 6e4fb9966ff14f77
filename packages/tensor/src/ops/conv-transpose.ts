import type { Conv2dParams } from '../backend.js';
import { defineOp, recordOp, runKernel } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { conv2dBackwardInput, convOutSize } from './conv.js';
import { emptyTensor } from './core.js';

/** Parameters of {@link convTranspose2d}: a convolution's, plus the output padding. */
export interface ConvTranspose2dParams extends Conv2dParams {
  outputPadding: readonly [number, number] | readonly number[];
}

/**
 * Transposed 2-D convolution of x [N, Cin, H, W] with weight [Cin, Cout/groups, KH, KW] (and
 * bias [Cout]): one `ConvolutionBackward0` node, as PyTorch. Arguments are checked by
 * `F.convTranspose2d`. When the adjoint of the convolution reaches the whole output (output
 * padding absorbed by the stride), it is that adjoint; otherwise the full, unpadded output is
 * computed and cropped by `padding` (zeros past its end), and the gradient goes through the
 * embedding of `g` back into it.
 *
 * @example
 * convTranspose2d(x, w, b, { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1, outputPadding: [1, 1] });
 */
export const convTranspose2d = defineOp(
  'convTranspose2d',
  (x: Tensor, w: Tensor, bias: Tensor | null, p: ConvTranspose2dParams): Tensor => {
    const [N, , H, W] = x.shape as [number, number, number, number];
    const [, Cog, KH, KW] = w.shape as [number, number, number, number];
    const C = Cog * p.groups;
    const [s0, s1] = p.stride;
    const [p0, p1] = p.padding;
    const [d0, d1] = p.dilation;
    const OH = (H - 1) * s0! - 2 * p0! + d0! * (KH - 1) + p.outputPadding[0]! + 1;
    const OW = (W - 1) * s1! - 2 * p1! + d1! * (KW - 1) + p.outputPadding[1]! + 1;
    const conv: Conv2dParams = { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
    const direct = convOutSize(OH, KH, s0!, p0!, d0!) === H && convOutSize(OW, KW, s1!, p1!, d1!) === W;
    const fullShape = [N, C, (H - 1) * s0! + d0! * (KH - 1) + 1, (W - 1) * s1! + d1! * (KW - 1) + 1];
    const out = runDetached([x, w, bias], (xd, wd, bd) => {
      let y: Tensor;
      if (direct) y = conv2dBackwardInput(xd, wd, [N, C, OH, OW], conv);
      else {
        const full = conv2dBackwardInput(xd, wd, fullShape, { ...conv, padding: [0, 0] });
        y = emptyTensor([N, C, OH, OW], x.dtype, x.device, 'convTranspose2d');
        runKernel('convTranspose2d', 'fill', y, 0);
        const rows = Math.min(OH, fullShape[2]! - p0!);
        const cols = Math.min(OW, fullShape[3]! - p1!);
        if (rows > 0 && cols > 0)
          runKernel('convTranspose2d', 'copy', full.narrow(2, p0!, rows).narrow(3, p1!, cols), {
            of: y,
            shape: [N, C, rows, cols],
            strides: y._strides,
            offset: 0,
          });
      }
      return bd ? y.add(bd.reshape(1, -1, 1, 1)) : y;
    });
    recordOp('convTranspose2d', [x, w, bias], out, { ...conv, hasBias: bias !== null, direct, fullShape });
    return out;
  },
);
