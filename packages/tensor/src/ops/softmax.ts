import { defineOp } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { castRaw } from './core.js';
import { binary, unary, where } from './elementwise.js';
import { reduceRaw, sum } from './reduce.js';

function shifted(x: Tensor, d: number): Tensor {
  const src = isFloating(x.dtype) ? x : castRaw(x, 'float32');
  // The max shift is a constant for autograd (softmax is shift-invariant).
  const m = reduceRaw('max', src, [d], true, src.dtype);
  const safe = where(unary('isinf', m), 0, m);
  return binary('sub', src, safe);
}

/**
 * Softmax along `dim`, computed stably.
 *
 * @example
 * dl.softmax(logits, 1);
 */
export const softmax = defineOp('softmax', (x: Tensor, dim: number): Tensor => {
  const d = normDim(dim, x.dim(), 'softmax');
  const e = unary('exp', shifted(x, d));
  return binary('div', e, sum(e, d, { keepdim: true }));
});

/** Log of softmax along `dim`, computed stably. */
export const logSoftmax = defineOp('logSoftmax', (x: Tensor, dim: number): Tensor => {
  const d = normDim(dim, x.dim(), 'logSoftmax');
  const z = shifted(x, d);
  return binary('sub', z, unary('log', sum(unary('exp', z), d, { keepdim: true })));
});
