import { defineOp, recordOp } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { castRaw, emptyTensor } from './core.js';
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
      : runDetached([x], (xd) => {
          const e = unary('exp', shifted(xd, d));
          return binary('div', e, sum(e, d, { keepdim: true }));
        });
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
      : runDetached([x], (xd) => {
          const z = shifted(xd, d);
          return binary('sub', z, unary('log', sum(unary('exp', z), d, { keepdim: true })));
        });
  recordOp('logSoftmax', [x], out, { dim: d });
  return out;
});
