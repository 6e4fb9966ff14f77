/**
 * Activations PyTorch records as one node each (`GeluBackward0`, `SiluBackward0`,
 * `LeakyReluBackward0`, `EluBackward0`, `SoftplusBackward0`), with its derivative: the forward
 * is composed of elementwise kernels on detached inputs (Note [Composite ops as one node] in
 * ops/composite.ts), the rules live in `@dl/autograd`'s composite-rules.ts.
 */
import { defineOp, recordOp } from '../dispatch.js';
import { ArgumentError, DTypeError, fmtShape } from '../errors.js';
import { isFloating } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { where } from './elementwise.js';

function floatInput(op: string, x: Tensor): void {
  if (!isFloating(x.dtype))
    throw new DTypeError(`${op}: expected a floating input, got ${x.dtype} ${fmtShape(x.shape)}`, { op, hint: 'cast with .float()' });
}

/**
 * Gaussian error linear unit, exact (`'none'`) or the tanh approximation; one `GeluBackward0` node.
 *
 * @example
 * gelu(x, 'tanh');
 */
export const gelu = defineOp('gelu', (x: Tensor, approximate: 'none' | 'tanh'): Tensor => {
  floatInput('gelu', x);
  if (approximate !== 'none' && approximate !== 'tanh') {
    throw new ArgumentError(`gelu: approximate argument must be either none or tanh, got '${String(approximate)}'`, { op: 'gelu' });
  }
  const out = runDetached([x], (x0) => {
    // float16: the composite runs in float32 and rounds once, as torch's half gelu (opmath)
    const xd = x0.dtype === 'float16' ? x0.float() : x0;
    let r: Tensor;
    if (approximate === 'tanh') {
      const inner = xd.add(xd.mul(xd).mul(xd).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
      r = xd.mul(0.5).mul(inner.tanh().add(1));
    } else r = xd.mul(0.5).mul(xd.mul(Math.SQRT1_2).erf().add(1));
    return xd === x0 ? r : r.to('float16');
  });
  recordOp('gelu', [x], out, { approximate });
  return out;
});

/**
 * `x * sigmoid(x)` (swish); one `SiluBackward0` node.
 *
 * @example
 * silu(x);
 */
export const silu = defineOp('silu', (x: Tensor): Tensor => {
  floatInput('silu', x);
  const out = runDetached([x], (xd) =>
    xd.dtype === 'float16' ? xd.float().mul(xd.float().sigmoid()).to('float16') : xd.mul(xd.sigmoid()),
  );
  recordOp('silu', [x], out, {});
  return out;
});

/**
 * `x` where positive, `negativeSlope * x` elsewhere; one `LeakyReluBackward0` node.
 *
 * @example
 * leakyRelu(x, 0.2);
 */
export const leakyRelu = defineOp('leakyRelu', (x: Tensor, negativeSlope: number): Tensor => {
  floatInput('leakyRelu', x);
  const out = runDetached([x], (xd) => where(xd.gt(0), xd, xd.mul(negativeSlope)));
  recordOp('leakyRelu', [x], out, { negativeSlope });
  return out;
});

/**
 * Exponential linear unit: `x` where positive, `alpha * (exp(x) - 1)` elsewhere; one
 * `EluBackward0` node.
 *
 * @example
 * elu(x, 1);
 */
export const elu = defineOp('elu', (x: Tensor, alpha: number): Tensor => {
  floatInput('elu', x);
  const out = runDetached([x], (xd) => where(xd.gt(0), xd, xd.clamp(null, 0).expm1().mul(alpha)));
  recordOp('elu', [x], out, { alpha });
  return out;
});

/**
 * `log(1 + exp(beta * x)) / beta`, linear where `beta * x > threshold` (as PyTorch); one
 * `SoftplusBackward0` node.
 *
 * @example
 * softplus(x, 1, 20);
 */
export const softplus = defineOp('softplus', (x: Tensor, beta: number, threshold: number): Tensor => {
  floatInput('softplus', x);
  const out = runDetached([x], (xd) => {
    const bx = xd.mul(beta);
    return where(bx.gt(threshold), xd, bx.clamp(null, threshold).exp().log1p().div(beta));
  });
  recordOp('softplus', [x], out, { beta, threshold });
  return out;
});
