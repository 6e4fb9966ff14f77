/**
 * The rest of torch.nn's activations (Mish, Hardswish, Hardsigmoid, SELU, CELU, LogSigmoid,
 * Softsign, Tanhshrink, Threshold, Hardshrink, Softshrink, GLU, PReLU, Softmin) as composites of
 * existing ops: autograd differentiates them and every device runs them unchanged. Where
 * PyTorch's kernel defines the value or the gradient at a kink or at NaN/±inf differently from
 * what plain composition would give, the composite is written so that it agrees — see
 * Note [Piecewise activations as composites].
 */
import { defineOp } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isFloating } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { where } from './elementwise.js';
import { elu, softplus } from './activations.js';
import { normDim } from '../shape.js';

/*
 * Note [Piecewise activations as composites]
 * ------------------------------------------
 * A piecewise activation built as `where(mask, f(x), g(x))` gets autograd's where-backward: the
 * gradient goes to the selected branch only. Two traps remain, and each composite here avoids them:
 *
 *  - An unselected branch still runs its own backward with a zero gradient, and `0 · inf` is NaN:
 *    so a branch whose derivative can be infinite (x², exp) is fed `where(mask, x, 0)`, which is
 *    finite wherever the branch is not used.
 *  - PyTorch's kernels compare with specific strict/non-strict inequalities and send NaN to a
 *    specific branch (hardswish: NaN gets gradient 1; hardsigmoid: 0; softshrink: value 0,
 *    gradient 0). The masks below copy those comparisons (torch 1.13's
 *    aten/src/ATen/native/cpu/Activation.cpp), and a branch that must keep a value but pass no
 *    gradient is `value.detach()`. Where torch's CPU vectorised and scalar loops disagree (NaN in
 *    softshrink, +3 in hardswish), the doc comment of the op says which one dl follows.
 */

function floatInput(op: string, x: Tensor): void {
  if (!isFloating(x.dtype))
    throw new DTypeError(`${op}: expected a floating input, got ${x.dtype} ${fmtShape(x.shape)}`, { op, hint: 'cast with .float()' });
}

/**
 * `x * tanh(softplus(x))` (Mish).
 *
 * @example
 * mish(dl.randn(4));
 */
export const mish = defineOp('mish', (x: Tensor): Tensor => {
  floatInput('mish', x);
  // Beyond ±20, tanh(softplus(x)) is 1 (or e^x ≈ 0) to float precision and PyTorch's gradient
  // x·σ(x)·(1 − t²) is 0 (or below 1e-7): the factor is detached there, so that g·x cannot
  // overflow into inf·0 = NaN for huge finite x (±inf keep the NaN gradient PyTorch gives).
  const t = softplus(x, 1, 20).tanh();
  const far = x.abs().gt(20).logicalAnd(x.abs().lt(Infinity));
  return x.mul(where(far, t.detach(), t));
});

/**
 * `x * relu6(x + 3) / 6` with PyTorch's gradient: 0 below −3, `x/3 + 1/2` on [−3, 3], 1 above
 * (and for NaN). At exactly +3 this is 1.5, as torch's CUDA kernel and CPU scalar loop; torch
 * 1.13's CPU vectorised loop gives 1 there (its `x >= 3` test), so torch itself depends on the
 * element's position.
 *
 * @example
 * hardswish(dl.tensor([-4, 0, 1, 4]));
 */
export const hardswish = defineOp('hardswish', (x: Tensor): Tensor => {
  floatInput('hardswish', x);
  const low = x.lt(-3);
  const mid = x.ge(-3).logicalAnd(x.le(3));
  const full = x.mul(x.add(3).clamp(0, 6)).div(6); // torch's formula, for the values of the low branch
  const xm = where(mid, x, 0);
  return where(low, full.detach(), where(mid, xm.mul(xm.add(3)).div(6), x));
});

/**
 * `relu6(x + 3) / 6`, gradient `1/6` strictly inside (−3, 3) and 0 elsewhere (NaN included).
 *
 * @example
 * hardsigmoid(dl.tensor([-4, 0, 4]));
 */
export const hardsigmoid = defineOp('hardsigmoid', (x: Tensor): Tensor => {
  floatInput('hardsigmoid', x);
  const inner = x.gt(-3).logicalAnd(x.lt(3));
  const y = x.div(6).add(0.5);
  return where(inner, where(inner, x, 0).div(6).add(0.5), y.clamp(0, 1).detach());
});

const SELU_ALPHA = 1.6732632423543772; // torch's 1.6732632423543772848170429916717, as a double
const SELU_SCALE = 1.0507009873554805; // torch's 1.0507009873554804934193349852946, as a double

/**
 * Scaled ELU with PyTorch's constants: `scale * elu(x, alpha)`.
 *
 * @example
 * selu(dl.randn(3));
 */
export const selu = defineOp('selu', (x: Tensor): Tensor => {
  floatInput('selu', x);
  return elu(x, SELU_ALPHA).mul(SELU_SCALE);
});

/**
 * `max(0, x) + min(0, alpha * (exp(x / alpha) − 1))` (CELU); alpha 0 raises as PyTorch.
 *
 * @example
 * celu(dl.randn(3), 2);
 */
export const celu = defineOp('celu', (x: Tensor, alpha: number): Tensor => {
  floatInput('celu', x);
  if (alpha === 0) throw new ArgumentError('celu: alpha cannot be 0 for CELU', { op: 'celu', hint: 'pass a non-zero alpha (default 1)' });
  if (alpha === 1) return elu(x, 1);
  return elu(x.div(alpha), 1).mul(alpha);
});

/**
 * `log(sigmoid(x))`, computed stably as `−softplus(−x)`.
 *
 * @example
 * logsigmoid(dl.randn(3));
 */
export const logsigmoid = defineOp('logsigmoid', (x: Tensor): Tensor => {
  floatInput('logsigmoid', x);
  // softplus's linear branch (−x > 20) is log1p(exp(−x)) to float precision; its gradient there is 1
  return softplus(x.neg(), 1, 20).neg();
});

/**
 * `x / (1 + |x|)`.
 *
 * @example
 * softsign(dl.randn(3));
 */
export const softsign = defineOp('softsign', (x: Tensor): Tensor => {
  floatInput('softsign', x);
  return x.div(x.abs().add(1));
});

/**
 * `x − tanh(x)`.
 *
 * @example
 * tanhshrink(dl.randn(3));
 */
export const tanhshrink = defineOp('tanhshrink', (x: Tensor): Tensor => {
  floatInput('tanhshrink', x);
  return x.sub(x.tanh());
});

/**
 * `x` where `x > threshold`, else `value`; gradient 0 at and below the threshold (NaN passes x
 * and its gradient, as PyTorch's `x <= threshold ? value : x`).
 *
 * @example
 * threshold(dl.randn(3), 0.1, 20);
 */
export const threshold = defineOp('threshold', (x: Tensor, thresholdValue: number, value: number): Tensor => {
  if (x.dtype === 'bool')
    throw new DTypeError(`threshold: not implemented for bool input ${fmtShape(x.shape)}`, { op: 'threshold', hint: 'cast with .float()' });
  return where(x.le(thresholdValue), value, x);
});

function checkLambd(op: string, lambd: number): void {
  if (!(lambd >= 0))
    throw new ArgumentError(`${op}: lambda must be greater or equal to 0, but found to be ${lambd}.`, { op, hint: 'pass lambd >= 0' });
}

/**
 * 0 on [−lambd, lambd], `x` elsewhere (NaN passes); gradient 0 on the closed interval.
 *
 * @example
 * hardshrink(dl.randn(3), 0.5);
 */
export const hardshrink = defineOp('hardshrink', (x: Tensor, lambd: number): Tensor => {
  floatInput('hardshrink', x);
  const zero = x.ge(-lambd).logicalAnd(x.le(lambd));
  return where(zero, 0, x);
});

/**
 * `x − lambd` above lambd, `x + lambd` below −lambd, 0 between and for NaN (as PyTorch);
 * gradient 0 on the closed interval and for NaN (as torch 1.13's CPU vectorised kernel; its scalar
 * loop, used for short tensors and the tail, gives NaN a gradient of 1), 1 elsewhere.
 *
 * @example
 * softshrink(dl.randn(3), 0.5);
 */
export const softshrink = defineOp('softshrink', (x: Tensor, lambd: number): Tensor => {
  checkLambd('softshrink', lambd);
  floatInput('softshrink', x);
  return where(x.gt(lambd), x.sub(lambd), where(x.lt(-lambd), x.add(lambd), 0));
});

/**
 * Gated linear unit: the first half of `x` along `dim` times the sigmoid of the second half.
 *
 * @example
 * glu(dl.randn(2, 4), -1); // [2, 2]
 */
export const glu = defineOp('glu', (x: Tensor, dim: number): Tensor => {
  floatInput('glu', x);
  if (x.dim() === 0)
    throw new ShapeError('glu: glu does not support scalars because halving size must be even', {
      op: 'glu',
      hint: 'pass a tensor with an even-sized dim',
    });
  const d = normDim(dim, x.dim(), 'glu');
  const n = x.shape[d]!;
  if (n % 2 !== 0) {
    throw new ShapeError(`glu: Halving dimension must be even, but dimension ${d} is size ${n} (input ${fmtShape(x.shape)})`, {
      op: 'glu',
      hint: 'GLU splits the dim into two equal halves',
    });
  }
  const h = n / 2;
  return x.narrow(d, 0, h).mul(x.narrow(d, h, h).sigmoid());
});

/**
 * Parametric ReLU: `x` where positive, `weight * x` elsewhere; `weight` has 1 element or one per
 * channel (dim 1 of the input, dim 0 of a 1-D input as PyTorch).
 *
 * @example
 * prelu(dl.randn(2, 3), dl.full([3], 0.25));
 */
export const prelu = defineOp('prelu', (x: Tensor, weight: Tensor): Tensor => {
  floatInput('prelu', x);
  const n = weight.numel();
  if (weight.dim() > 1)
    throw new ShapeError(`prelu: weight must be 0-D or 1-D, got ${fmtShape(weight.shape)}`, {
      op: 'prelu',
      hint: 'nn.PReLU makes a [numParameters] weight',
    });
  let w = weight;
  if (n !== 1) {
    const channels = x.dim() >= 2 ? x.shape[1]! : x.dim() === 1 ? 1 : 0;
    if (x.dim() === 0)
      throw new ShapeError(`prelu: Not allow zero-dim input tensor (weight ${fmtShape(weight.shape)})`, {
        op: 'prelu',
        hint: 'a 0-d input needs a 1-element weight',
      });
    if (channels !== n) {
      throw new ShapeError(
        `prelu: Mismatch of parameter numbers and input channel size. Found parameter numbers = ${n} and channel size = ${channels}.`,
        {
          op: 'prelu',
          hint: `input ${fmtShape(x.shape)}: the channel dim is dim 1`,
        },
      );
    }
    w = weight.reshape([n, ...Array.from({ length: x.dim() - 2 }, () => 1)]);
  } else if (weight.dim() !== 0) {
    w = weight.reshape([]);
  }
  const pos = x.gt(0);
  // the negative branch sees 0 where x > 0: its weight gradient sums x·g over x <= 0 only (no inf·0)
  return where(pos, x, where(pos, 0, x).mul(w));
});

/**
 * `softmax(−x, dim)`.
 *
 * @example
 * softmin(dl.randn(2, 3), 1);
 */
export const softmin = defineOp('softmin', (x: Tensor, dim: number): Tensor => x.neg().softmax(dim));
