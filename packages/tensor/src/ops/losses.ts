/**
 * The losses autograd records as one node each, with PyTorch's names and derivatives
 * (Note [Composite ops as one node] in ops/composite.ts). `@dl/nn`'s `F.*` check the arguments
 * (shapes, dtypes, target ranges) with PyTorch's messages and call these.
 */
import { defineOp, deviceCan, recordOp, runKernel } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { ArgumentError } from '../errors.js';
import type { LossReduction } from '../primitives.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { contiguousRaw, emptyTensor } from './core.js';
import { where } from './elementwise.js';

function reduceLoss(op: string, l: Tensor, reduction: LossReduction): Tensor {
  switch (reduction) {
    case 'mean':
      return l.mean();
    case 'sum':
      return l.sum();
    case 'none':
      return l.contiguous();
    default:
      throw new ArgumentError(`${op}: ${String(reduction)} is not a valid value for reduction`, {
        op,
        hint: "use 'mean', 'sum' or 'none'",
      });
  }
}

/**
 * Mean squared error of two tensors of one shape; one `MseLossBackward0` node.
 *
 * @example
 * mseLoss(pred, y, 'mean');
 */
export const mseLoss = defineOp('mseLoss', (input: Tensor, target: Tensor, reduction: LossReduction): Tensor => {
  const out = runDetached([input, target], (x, t) => reduceLoss('mseLoss', x.sub(t).square(), reduction));
  recordOp('mseLoss', [input, target], out, { reduction });
  return out;
});

/**
 * Smooth L1 loss: `0.5 d² / beta` where |d| < beta, else `|d| - 0.5 beta` (`|d|` for beta 0),
 * d = input − target; one `SmoothL1LossBackward0` node.
 *
 * @example
 * smoothL1Loss(pred, y, 'mean', 1);
 */
export const smoothL1Loss = defineOp('smoothL1Loss', (input: Tensor, target: Tensor, reduction: LossReduction, beta: number): Tensor => {
  const out = runDetached([input, target], (x, t) => {
    const a = x.sub(t).abs();
    const l = beta === 0 ? a : where(a.lt(beta), a.square().mul(0.5 / beta), a.sub(0.5 * beta));
    return reduceLoss('smoothL1Loss', l, reduction);
  });
  recordOp('smoothL1Loss', [input, target], out, { reduction, beta });
  return out;
});

/**
 * Huber loss: `0.5 d²` where |d| < delta, else `delta (|d| - 0.5 delta)`; one
 * `HuberLossBackward0` node.
 *
 * @example
 * huberLoss(pred, y, 'mean', 1);
 */
export const huberLoss = defineOp('huberLoss', (input: Tensor, target: Tensor, reduction: LossReduction, delta: number): Tensor => {
  const out = runDetached([input, target], (x, t) => {
    const a = x.sub(t).abs();
    return reduceLoss('huberLoss', where(a.lt(delta), a.square().mul(0.5), a.sub(0.5 * delta).mul(delta)), reduction);
  });
  recordOp('huberLoss', [input, target], out, { reduction, delta });
  return out;
});

/**
 * Binary cross-entropy of probabilities `input` at `target`, logs clamped at −100 as PyTorch
 * (so p ∈ {0, 1} gives a finite loss); one `BinaryCrossEntropyBackward0` node.
 *
 * @example
 * binaryCrossEntropy(p, y, null, 'mean');
 */
export const binaryCrossEntropy = defineOp(
  'binaryCrossEntropy',
  (input: Tensor, target: Tensor, weight: Tensor | null, reduction: LossReduction): Tensor => {
    const out = runDetached([input, target, weight], (p, t, w) => {
      const logp = p.log().clamp(-100, null);
      const log1mp = p.neg().add(1).log().clamp(-100, null);
      let l = t.mul(logp).add(t.neg().add(1).mul(log1mp)).neg();
      if (w) l = l.mul(w);
      return reduceLoss('binaryCrossEntropy', l, reduction);
    });
    recordOp('binaryCrossEntropy', [input, target], out, { reduction, weight });
    return out;
  },
);

/**
 * Sigmoid + binary cross-entropy in one stable formula (optional per-element `weight` and
 * per-class `posWeight`); one `BinaryCrossEntropyWithLogitsBackward0` node.
 *
 * @example
 * binaryCrossEntropyWithLogits(logits, y, null, null, 'mean');
 */
export const binaryCrossEntropyWithLogits = defineOp(
  'binaryCrossEntropyWithLogits',
  (input: Tensor, target: Tensor, weight: Tensor | null, posWeight: Tensor | null, reduction: LossReduction): Tensor => {
    const out = runDetached([input, target, weight, posWeight], (x, t, w, pw) => {
      // softplus(-x) = max(-x, 0) + log1p(exp(-|x|))
      const spNeg = x.neg().relu().add(x.abs().neg().exp().log1p());
      const lw = pw ? pw.sub(1).mul(t).add(1) : null;
      let l = t
        .neg()
        .add(1)
        .mul(x)
        .add(lw ? lw.mul(spNeg) : spNeg);
      if (w) l = l.mul(w);
      return reduceLoss('binaryCrossEntropyWithLogits', l, reduction);
    });
    recordOp('binaryCrossEntropyWithLogits', [input, target], out, { reduction, weight, posWeight });
    return out;
  },
);

/** Can the device's fused nll kernels take these: [C] or [N, C] float input, int32 targets, a weight of its dtype? */
function nllFusable(input: Tensor, target: Tensor, weight: Tensor | null): boolean {
  return (
    input.dim() <= 2 &&
    input.numel() > 0 &&
    isFloating(input.dtype) &&
    target.dtype === 'int32' &&
    (weight === null || (weight.dtype === input.dtype && weight.device === input.device)) &&
    target.device === input.device &&
    deviceCan(input, 'nllLoss')
  );
}

/** The forward on the device's fused kernel (Note [Fused nll loss] in the cpu backend), or null where it has none. */
function fusedNll(input: Tensor, target: Tensor, opts: NllLossOptions): { out: Tensor; totalWeight: Tensor } | null {
  if (!nllFusable(input, target, opts.weight)) return null;
  const op = 'nllLoss';
  const out = emptyTensor(opts.reduction === 'none' ? target.shape : [], input.dtype, input.device, op);
  const totalWeight = emptyTensor([], input.dtype, input.device, op);
  const x = contiguousRaw(input);
  const t = contiguousRaw(target);
  const w = opts.weight === null ? null : contiguousRaw(opts.weight);
  runKernel(op, 'nllLoss', x, t, w, out, totalWeight, { ignoreIndex: opts.ignoreIndex, reduction: opts.reduction });
  if (x !== input) x.dispose();
  if (t !== target) t.dispose();
  if (w !== opts.weight) w!.dispose();
  return { out, totalWeight };
}

/**
 * @internal nll loss's input gradient on the device's fused kernel, from the incoming gradient `g`
 * (0-d, or the target's shape for 'none') and the forward's params; null when the device has no
 * such kernel or the input is not [C] / [N, C] (the autograd rule then uses tensor ops). Not
 * differentiable again: the rule takes this path only with grad mode off.
 *
 * @example
 * const gx = nllLossBackward(g, [64, 10], target, null, totalWeight, -100, 'mean');
 */
export function nllLossBackward(
  g: Tensor,
  inShape: readonly number[],
  target: Tensor,
  weight: Tensor | null,
  totalWeight: Tensor,
  ignoreIndex: number,
  reduction: LossReduction,
): Tensor | null {
  if (inShape.length > 2 || g.dtype !== totalWeight.dtype || g.device !== totalWeight.device) return null;
  if (!deviceCan(g, 'nllLossBackward') || !isFloating(g.dtype) || target.dtype !== 'int32' || target.device !== g.device) return null;
  if (weight !== null && (weight.dtype !== g.dtype || weight.device !== g.device)) return null;
  if (inShape.reduce((a, b) => a * b, 1) === 0) return null;
  const op = 'nllLossBackward';
  const gradIn = emptyTensor(inShape, g.dtype, g.device, op);
  const gc = contiguousRaw(g);
  const t = contiguousRaw(target);
  const w = weight === null ? null : contiguousRaw(weight);
  runKernel(op, 'nllLossBackward', gc, t, w, totalWeight, gradIn, { ignoreIndex, reduction });
  if (gc !== g) gc.dispose();
  if (t !== target) t.dispose();
  if (w !== weight) w!.dispose();
  return gradIn;
}

/** Options of {@link nllLoss}. */
export interface NllLossOptions {
  weight: Tensor | null;
  ignoreIndex: number;
  reduction: LossReduction;
}

/**
 * Negative log-likelihood of log-probabilities `input` ([C], [N, C] or [N, C, H, W]) at
 * int32 class indices `target` ([], [N] or [N, H, W], already checked to lie in [0, C) or be
 * `ignoreIndex`); one `NllLossBackward0` node (`NllLoss2DBackward0` for a 4-D input, as
 * PyTorch's nll_loss2d). The mean divides by the summed weights of the counted targets: NaN
 * when every target is ignored, as PyTorch.
 *
 * @example
 * nllLoss(logp, labels, { weight: null, ignoreIndex: -100, reduction: 'mean' });
 */
export const nllLoss = defineOp('nllLoss', (input: Tensor, target: Tensor, opts: NllLossOptions): Tensor => {
  const { weight, ignoreIndex, reduction } = opts;
  const twoD = input.dim() === 4;
  const parts =
    fusedNll(input, target, opts) ??
    runDetached([input, weight], (x, w) => {
      const C = input.dim() === 1 ? input.shape[0]! : input.shape[1]!;
      // rows [M, C] (class dim last) and targets [M]
      const rows =
        input.dim() === 1
          ? x.reshape(1, C)
          : input.dim() === 2
            ? x
            : x.permute([0, ...Array.from({ length: input.dim() - 2 }, (_, i) => i + 2), 1]).reshape(-1, C);
      const t = target.reshape(-1);
      const valid = t.ne(ignoreIndex);
      const safe = t.where(valid, 0);
      let wPer = valid.to(x.dtype);
      if (w) wPer = wPer.mul(w.indexSelect(0, safe));
      const l = rows.gather(1, safe.unsqueeze(1)).reshape(-1).mul(wPer).neg();
      const totalWeight = wPer.sum();
      const out = reduction === 'none' ? l.reshape([...target.shape]) : reduction === 'sum' ? l.sum() : l.sum().div(totalWeight);
      return { out, totalWeight };
    });
  recordOp('nllLoss', [input], parts.out, { reduction, ignoreIndex, target, weight, totalWeight: parts.totalWeight, twoD });
  return parts.out;
});
