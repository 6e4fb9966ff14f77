import { defineOp, recordOp } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isFloating } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { fromHost } from './creation.js';

/** Averaging matrix [out, in] of PyTorch's adaptive pooling bins (start floor(i·in/out), end ceil((i+1)·in/out)). */
function adaptiveMatrix(inSize: number, outSize: number, x: Tensor): Tensor {
  const m = new Float64Array(outSize * inSize);
  for (let i = 0; i < outSize; i++) {
    const s = Math.floor((i * inSize) / outSize);
    const e = Math.ceil(((i + 1) * inSize) / outSize);
    for (let j = s; j < e; j++) m[i * inSize + j] = 1 / (e - s);
  }
  return fromHost(m, [outSize, inSize], x.dtype, x.device, 'adaptiveAvgPool2d');
}

/**
 * Adaptive average pooling of x [C, H, W] or [N, C, H, W] to [outH, outW] with PyTorch's bins:
 * one `AdaptiveAvgPool2DBackward0` node (Note [Composite ops as one node] in ops/composite.ts).
 * Each spatial axis is a product with a constant averaging matrix (kept by the node for the
 * gradient: its transpose).
 *
 * @example
 * adaptiveAvgPool2d(x, [1, 1]);
 */
export const adaptiveAvgPool2d = defineOp('adaptiveAvgPool2d', (x: Tensor, outputSize: readonly [number, number]): Tensor => {
  const op = 'adaptiveAvgPool2d';
  if (x.dim() !== 3 && x.dim() !== 4) throw new ShapeError(`${op}: expected a 3-D or 4-D input, got ${fmtShape(x.shape)}`, { op });
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: expected a floating input, got ${x.dtype}`, { op, hint: 'cast with .float()' });
  const H = x.shape[x.dim() - 2]!;
  const W = x.shape[x.dim() - 1]!;
  const [OH, OW] = outputSize;
  if (!(Number.isInteger(OH) && Number.isInteger(OW) && OH >= 0 && OW >= 0)) {
    throw new ShapeError(`${op}: output size must be non-negative integers, got ${fmtShape(outputSize)}`, { op });
  }
  const mh = OH !== H ? adaptiveMatrix(H, OH, x) : null;
  const mw = OW !== W ? adaptiveMatrix(W, OW, x) : null;
  const out = runDetached([x], (xd) => {
    let y = xd;
    if (mh) y = mh.matmul(y);
    if (mw) y = y.matmul(mw.t());
    return y === xd ? xd.clone() : y.contiguous();
  });
  recordOp('adaptiveAvgPool2d', [x], out, { mh, mw });
  if (mh) mh.dispose();
  if (mw) mw.dispose();
  return out;
});
