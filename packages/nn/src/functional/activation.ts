import type { Tensor } from '@dl/tensor';
import {
  elu as eluOp,
  gelu as geluOp,
  hardtanh as hardtanhOp,
  leakyRelu as leakyReluOp,
  silu as siluOp,
  softplus as softplusOp,
} from '@dl/tensor/internal';
import {
  celu as celuOp,
  glu as gluOp,
  hardshrink as hardshrinkOp,
  hardsigmoid as hardsigmoidOp,
  hardswish as hardswishOp,
  logsigmoid as logsigmoidOp,
  mish as mishOp,
  prelu as preluOp,
  selu as seluOp,
  softmin as softminOp,
  softshrink as softshrinkOp,
  softsign as softsignOp,
  tanhshrink as tanhshrinkOp,
  threshold as thresholdOp,
} from '@dl/tensor/internal';

/** `max(x, 0)`. @example F.relu(x) */
export const relu = (x: Tensor, _opts: InplaceOption = {}): Tensor => x.relu();
/**
 * `min(max(x, 0), 6)`: PyTorch's `hardtanh(x, 0, 6)` (one `HardtanhBackward0` node, gradient 0
 * at 0 and 6).
 *
 * @example
 * F.relu6(x)
 */
export const relu6 = (x: Tensor, _opts: InplaceOption = {}): Tensor => hardtanhOp(x, 0, 6);
/** `x` where positive, `negativeSlope * x` elsewhere (one `LeakyReluBackward0` node). @example F.leakyRelu(x, 0.2) */
export function leakyRelu(x: Tensor, negativeSlope = 0.01, _opts: InplaceOption = {}): Tensor {
  return leakyReluOp(x, negativeSlope);
}
/** Exponential linear unit: `x` where positive, `alpha * (exp(x) - 1)` elsewhere (one `EluBackward0` node). @example F.elu(x) */
export function elu(x: Tensor, alpha = 1, _opts: InplaceOption = {}): Tensor {
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
export const silu = (x: Tensor, _opts: InplaceOption = {}): Tensor => siluOp(x);
/**
 * Logistic sigmoid.
 *
 * @example
 * F.sigmoid(dl.tensor([0])); // → tensor([0.5000]), as torch.sigmoid
 */
export const sigmoid = (x: Tensor): Tensor => x.sigmoid();
/**
 * Hyperbolic tangent.
 *
 * @example
 * F.tanh(dl.tensor([0])); // → tensor([0.]), as torch.tanh
 */
export const tanh = (x: Tensor): Tensor => x.tanh();
/**
 * Clamp into [minVal, maxVal], with PyTorch's gradient: 1 strictly inside, 0 at the bounds and
 * beyond (one `HardtanhBackward0` node).
 *
 * @example
 * F.hardtanh(x, -2, 2)
 */
export function hardtanh(x: Tensor, minVal = -1, maxVal = 1, _opts: InplaceOption = {}): Tensor {
  return hardtanhOp(x, minVal, maxVal);
}
/** `log(1 + exp(beta * x)) / beta`, linear above `threshold` (as PyTorch; one `SoftplusBackward0` node). @example F.softplus(x, { beta: 2 }) */
export function softplus(x: Tensor, opts: { beta?: number; threshold?: number } = {}): Tensor {
  return softplusOp(x, opts.beta ?? 1, opts.threshold ?? 20);
}
/** Softmax along `dim`. @example F.softmax(logits, 1) */
export const softmax = (x: Tensor, dim: number): Tensor => x.softmax(dim);
/**
 * Log-softmax along `dim`.
 *
 * @example
 * F.logSoftmax(dl.zeros(1, 2), 1); // → tensor([[-0.6931, -0.6931]]), as F.log_softmax(x, dim=1)
 */
export const logSoftmax = (x: Tensor, dim: number): Tensor => x.logSoftmax(dim);

/** `inplace` as PyTorch's keyword; see Note [inplace activations]. */
export interface InplaceOption {
  inplace?: boolean;
}

/*
 * Note [inplace activations]
 * --------------------------
 * PyTorch's activations take `inplace=True` to overwrite their input and save memory. dl's
 * functional activations and modules accept the option (so ported code and reprs match), but
 * always return a new tensor: an in-place write would invalidate the input autograd saved for
 * the previous op, and dl has no version counter to detect that. The values and gradients are the
 * same; only the input is left unchanged.
 */

/** `x * tanh(softplus(x))`. @example F.mish(x) */
export const mish = (x: Tensor, _opts: InplaceOption = {}): Tensor => mishOp(x);
/**
 * `x * relu6(x + 3) / 6`, with PyTorch's gradient at ±3.
 *
 * @example
 * F.hardswish(x)
 */
export const hardswish = (x: Tensor, _opts: InplaceOption = {}): Tensor => hardswishOp(x);
/** `relu6(x + 3) / 6`. @example F.hardsigmoid(x) */
export const hardsigmoid = (x: Tensor, _opts: InplaceOption = {}): Tensor => hardsigmoidOp(x);
/** Scaled ELU (alpha ≈ 1.6733, scale ≈ 1.0507). @example F.selu(x) */
export const selu = (x: Tensor, _opts: InplaceOption = {}): Tensor => seluOp(x);
/** `max(0, x) + min(0, alpha (exp(x / alpha) − 1))`. @example F.celu(x, { alpha: 2 }) */
export function celu(x: Tensor, opts: { alpha?: number } & InplaceOption = {}): Tensor {
  return celuOp(x, opts.alpha ?? 1);
}
/** `log(sigmoid(x))`, stable. @example F.logsigmoid(x) */
export const logsigmoid = (x: Tensor): Tensor => logsigmoidOp(x);
/** `x / (1 + |x|)`. @example F.softsign(x) */
export const softsign = (x: Tensor): Tensor => softsignOp(x);
/** `x − tanh(x)`. @example F.tanhshrink(x) */
export const tanhshrink = (x: Tensor): Tensor => tanhshrinkOp(x);
/**
 * `x` where `x > threshold`, else `value` (PyTorch's `F.threshold(input, threshold, value)`).
 *
 * @example
 * F.threshold(x, 0.1, 20)
 */
export function threshold(x: Tensor, thresholdValue: number, value: number, _opts: InplaceOption = {}): Tensor {
  return thresholdOp(x, thresholdValue, value);
}
/** 0 on [−lambd, lambd], `x` elsewhere (lambd 0.5 by default). @example F.hardshrink(x, 0.5) */
export function hardshrink(x: Tensor, lambd = 0.5): Tensor {
  return hardshrinkOp(x, lambd);
}
/** Shrink towards 0 by `lambd` (0.5 by default), 0 on [−lambd, lambd]. @example F.softshrink(x, 0.5) */
export function softshrink(x: Tensor, lambd = 0.5): Tensor {
  return softshrinkOp(x, lambd);
}
/** Gated linear unit along `dim` (default −1): `a * sigmoid(b)` of the two halves. @example F.glu(x, 1) */
export function glu(x: Tensor, dim = -1): Tensor {
  return gluOp(x, dim);
}
/** Parametric ReLU with a 1-element or per-channel `weight`. @example F.prelu(x, dl.full([3], 0.25)) */
export function prelu(x: Tensor, weight: Tensor): Tensor {
  return preluOp(x, weight);
}
/** `softmax(−x, dim)`. @example F.softmin(x, 1) */
export const softmin = (x: Tensor, dim: number): Tensor => softminOp(x, dim);
