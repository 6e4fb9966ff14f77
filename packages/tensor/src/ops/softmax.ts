import { defineOp, deviceCan, recordOp, runKernel } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { castRaw, contiguousRaw, emptyTensor } from './core.js';
import { binary, unary } from './elementwise.js';
import { reduceRaw, sum } from './reduce.js';

/**
 * `x - max(x, d)`, as PyTorch: a row whose max is +inf (or NaN) gives NaN, a row of -inf gives
 * NaN (−inf − −inf), so softmax/logSoftmax of such rows are NaN exactly where torch's are.
 */
function shifted(x: Tensor, d: number): Tensor {
  const src = isFloating(x.dtype) ? x : castRaw(x, 'float32');
  return binary('sub', src, reduceRaw('max', src, [d], true, src.dtype));
}

function outDType(x: Tensor) {
  return isFloating(x.dtype) ? x.dtype : 'float32';
}

/** The device's fused kernel (Note [Fused softmax] in the cpu backend) for a non-empty input; null where it has none. */
function fusedSoftmax(op: string, x: Tensor, dim: number, log: boolean): Tensor | null {
  if (!deviceCan(x, 'softmax')) return null;
  // integers as float32 (as the composite's `shifted`)
  const src = isFloating(x.dtype) ? x : castRaw(x, 'float32');
  const xc = contiguousRaw(src);
  const out = emptyTensor(x.shape, src.dtype, x.device, op);
  runKernel(op, 'softmax', xc, out, { dim, log });
  if (xc !== src) xc.dispose();
  if (src !== x) src.dispose();
  return out;
}

/**
 * Softmax along `dim`, computed stably; autograd records one `SoftmaxBackward0` node
 * (Note [Composite ops as one node] in ops/composite.ts).
 *
 * @example
 * dl.softmax(logits, 1);
 */
export const softmax = defineOp('softmax', (x: Tensor, dim: number): Tensor => {
  const d = normDim(dim, x.dim(), 'softmax');
  const out =
    x.numel() === 0
      ? emptyTensor(x.shape, outDType(x), x.device, 'softmax')
      : (fusedSoftmax('softmax', x, d, false) ??
        runDetached([x], (xd) => {
          const e = unary('exp', shifted(xd, d));
          return binary('div', e, sum(e, d, { keepdim: true }));
        }));
  recordOp('softmax', [x], out, { dim: d });
  return out;
});

/**
 * Log of softmax along `dim`, computed stably; autograd records one `LogSoftmaxBackward0` node.
 *
 * @example
 * dl.logSoftmax(logits, 1);
 */
export const logSoftmax = defineOp('logSoftmax', (x: Tensor, dim: number): Tensor => {
  const d = normDim(dim, x.dim(), 'logSoftmax');
  const out =
    x.numel() === 0
      ? emptyTensor(x.shape, outDType(x), x.device, 'logSoftmax')
      : (fusedSoftmax('logSoftmax', x, d, true) ??
        runDetached([x], (xd) => {
          const z = shifted(xd, d);
          return binary('sub', z, unary('log', sum(unary('exp', z), d, { keepdim: true })));
        }));
  recordOp('logSoftmax', [x], out, { dim: d });
  return out;
});

/**
 * @internal Gradient of softmax (`y·(g − Σ g·y)`) or logSoftmax (`g − exp(y)·Σ g`) along `dim` from
 * the forward's output `y`: the device's fused kernel where it has one, else those tensor ops.
 * Not differentiable again (the autograd rule uses tensor ops under createGraph).
 *
 * @example
 * const gx = softmaxBackward(y, g, 1, false);
 */
export function softmaxBackward(y: Tensor, g: Tensor, dim: number, log: boolean): Tensor {
  const op = log ? 'logSoftmaxBackward' : 'softmaxBackward';
  if (y.numel() > 0 && isFloating(y.dtype) && g.dtype === y.dtype && deviceCan(y, 'softmaxBackward') && g.device === y.device) {
    const yc = contiguousRaw(y);
    const gc = contiguousRaw(g);
    const out = emptyTensor(y.shape, y.dtype, y.device, op);
    runKernel(op, 'softmaxBackward', yc, gc, out, { dim, log });
    if (yc !== y) yc.dispose();
    if (gc !== g) gc.dispose();
    return out;
  }
  if (log) return g.sub(y.exp().mul(g.sum(dim, { keepdim: true })));
  return y.mul(g.sub(g.mul(y).sum(dim, { keepdim: true })));
}
