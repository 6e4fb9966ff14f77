import type { Tensor } from '@dl/tensor';
import { elu as eluOp, gelu as geluOp, hardtanh as hardtanhOp, leakyRelu as leakyReluOp, silu as siluOp, softplus as softplusOp } from '@dl/tensor/internal';

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
/** `x` where positive, `negativeSlope * x` elsewhere (one `LeakyReluBackward0` node). @example F.leakyRelu(x, 0.2) */
export function leakyRelu(x: Tensor, negativeSlope = 0.01): Tensor {
  return leakyReluOp(x, negativeSlope);
}
/** Exponential linear unit: `x` where positive, `alpha * (exp(x) - 1)` elsewhere (one `EluBackward0` node). @example F.elu(x) */
export function elu(x: Tensor, alpha = 1): Tensor {
  return eluOp(x, alpha);
}
/**
 * Gaussian error linear unit, exact (`'none'`) or the tanh approximation (one `GeluBackward0` node).
 *
 * @example
 * F.gelu(x); F.gelu(x, { approximate: 'tanh' });
 */
export function gelu(x: Tensor, opts: { approximate?: 'none' | 'tanh' } = {}): Tensor {
  return geluOp(x, opts.approximate ?? 'none');
}
/** `x * sigmoid(x)` (swish; one `SiluBackward0` node). @example F.silu(x) */
export const silu = (x: Tensor): Tensor => siluOp(x);
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
/** `log(1 + exp(beta * x)) / beta`, linear above `threshold` (as PyTorch; one `SoftplusBackward0` node). @example F.softplus(x, { beta: 2 }) */
export function softplus(x: Tensor, opts: { beta?: number; threshold?: number } = {}): Tensor {
  return softplusOp(x, opts.beta ?? 1, opts.threshold ?? 20);
}
/** Softmax along `dim`. @example F.softmax(logits, 1) */
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
/** Log-softmax along `dim`. */
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);
