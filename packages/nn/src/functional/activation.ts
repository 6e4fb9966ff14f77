import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { hardtanh as hardtanhOp } from '@dl/tensor/internal';

/** `max(x, 0)`. @example F.relu(x) */
export const relu = (x: Tensor): Tensor => x.relu();
/**
 * `min(max(x, 0), 6)`: PyTorch's `hardtanh(x, 0, 6)` (one `HardtanhBackward0` node, gradient 0
 * at 0 and 6).
 *
 * @example
 * F.relu6(x)
 */
export const relu6 = (x: Tensor): Tensor => hardtanhOp(x, 0, 6);
/** `x` where positive, `negativeSlope * x` elsewhere. @example F.leakyRelu(x, 0.2) */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return dl.where(x.gt(0), x, x.mul(negativeSlope));
}
/** Exponential linear unit: `x` where positive, `alpha * (exp(x) - 1)` elsewhere. */
export function elu(x: Tensor, alpha = 1): Tensor {
  return dl.where(x.gt(0), x, x.clamp(null, 0).expm1().mul(alpha));
}
/**
 * Gaussian error linear unit, exact (`'none'`) or the tanh approximation.
 *
 * @example
 * F.gelu(x); F.gelu(x, { approximate: 'tanh' });
 */
export function gelu(x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  if (opts.approximate === 'tanh') {
    const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
    return x.mul(0.5).mul(inner.tanh().add(1));
  }
  return x.mul(0.5).mul(x.mul(Math.SQRT1_2).erf().add(1));
}
/** `x * sigmoid(x)` (swish). */
export const silu = (x: Tensor): Tensor => x.mul(x.sigmoid());
/** Logistic sigmoid. */
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
/** Hyperbolic tangent. */
export const tanh = (x: Tensor): Tensor => x.tanh();
/**
 * Clamp into [minVal, maxVal], with PyTorch's gradient: 1 strictly inside, 0 at the bounds and
 * beyond (one `HardtanhBackward0` node).
 *
 * @example
 * F.hardtanh(x, -2, 2)
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1): Tensor {
  return hardtanhOp(x, minVal, maxVal);
}
/** `log(1 + exp(beta * x)) / beta`, linear above `threshold` (as PyTorch). */
export function softplus(x: Tensor, opts: { beta?: number; threshold?: number } = {}): Tensor {
  const beta = opts.beta ?? 1;
  const threshold = opts.threshold ?? 20;
  const bx = x.mul(beta);
  const soft = bx.clamp(null, threshold).exp().log1p().div(beta);
  return dl.where(bx.gt(threshold), x, soft);
}
/** Softmax along `dim`. @example F.softmax(logits, 1) */
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
/** Log-softmax along `dim`. */
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);
