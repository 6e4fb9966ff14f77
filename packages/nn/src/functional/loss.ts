import * as dl from '@dl/tensor';
import { runScope } from '@dl/tensor/internal';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';

/** How a loss reduces its per-element values. */
export type Reduction = 'mean' | 'sum' | 'none';

function reduce(op: string, l: Tensor, reduction: string | undefined): Tensor {
  switch (reduction ?? 'mean') {
    case 'mean':
      return l.mean();
    case 'sum':
      return l.sum();
    case 'none':
      return l;
    default:
      throw new ArgumentError(`${op}: ${reduction} is not a valid value for reduction`, { op, hint: "use 'mean', 'sum' or 'none'" });
  }
}

function sameShape(op: string, input: Tensor, target: Tensor): void {
  if (!(target instanceof dl.Tensor)) throw new ArgumentError(`${op}: target must be a Tensor`, { op });
  if (input.dim() !== target.dim() || input.shape.some((s, i) => s !== target.shape[i])) {
    throw new ShapeError(`${op}: target size ${fmtShape(target.shape)} must be the same as input size ${fmtShape(input.shape)}`, {
      op,
      hint: 'reshape the target (e.g. unsqueeze(1) for a column); dl does not broadcast loss targets',
    });
  }
  if (!dl.isFloating(target.dtype)) {
    throw new DTypeError(`${op}: expected a floating target, got ${target.dtype} ${fmtShape(target.shape)}`, { op, hint: 'cast with .float()' });
  }
}

/** Options shared by losses. */
export interface LossOptions {
  reduction?: Reduction;
}

/** Mean squared error. @example F.mseLoss(pred, y) */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return runScope('F.mseLoss', () => {
    sameShape('mseLoss', input, target);
    return reduce('mseLoss', input.sub(target).square(), opts.reduction);
  });
}
/** Mean absolute error. */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return runScope('F.l1Loss', () => {
    sameShape('l1Loss', input, target);
    return reduce('l1Loss', input.sub(target).abs(), opts.reduction);
  });
}
/** Smooth L1: quadratic below `beta`, linear above (as PyTorch). */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: LossOptions & { beta?: number } = {}): Tensor {
  return runScope('F.smoothL1Loss', () => {
    sameShape('smoothL1Loss', input, target);
    const beta = opts.beta ?? 1;
    const d = input.sub(target).abs();
    if (beta === 0) return reduce('smoothL1Loss', d, opts.reduction);
    const l = dl.where(d.lt(beta), d.square().mul(0.5 / beta), d.sub(0.5 * beta));
    return reduce('smoothL1Loss', l, opts.reduction);
  });
}
/** Huber loss: quadratic below `delta`, `delta`-scaled linear above. */
export function huberLoss(input: Tensor, target: Tensor, opts: LossOptions & { delta?: number } = {}): Tensor {
  return runScope('F.huberLoss', () => {
    sameShape('huberLoss', input, target);
    const delta = opts.delta ?? 1;
    const d = input.sub(target).abs();
    const l = dl.where(d.lt(delta), d.square().mul(0.5), d.sub(0.5 * delta).mul(delta));
    return reduce('huberLoss', l, opts.reduction);
  });
}

/**
 * Binary cross-entropy on probabilities (logs clamped at -100, as PyTorch).
 *
 * @example
 * F.binaryCrossEntropy(p, y, { weight });
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: LossOptions & { weight?: Tensor | null } = {}): Tensor {
  return runScope('F.binaryCrossEntropy', () => {
    const op = 'binaryCrossEntropy';
    sameShape(op, input, target);
    const logp = input.log().clamp(-100, null);
    const log1mp = dl.neg(input).add(1).log().clamp(-100, null);
    let l = target.mul(logp).add(dl.neg(target).add(1).mul(log1mp)).neg();
    if (opts.weight) l = l.mul(opts.weight);
    return reduce(op, l, opts.reduction);
  });
}

/**
 * Sigmoid + binary cross-entropy in one stable formula, with optional `posWeight` (per class).
 *
 * @example
 * F.binaryCrossEntropyWithLogits(logits, y, { posWeight: dl.tensor([3]) });
 */
export function binaryCrossEntropyWithLogits(
  input: Tensor,
  target: Tensor,
  opts: LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null } = {},
): Tensor {
  return runScope('F.binaryCrossEntropyWithLogits', () => {
    const op = 'binaryCrossEntropyWithLogits';
    sameShape(op, input, target);
    // softplus(-x) = max(-x, 0) + log1p(exp(-|x|))
    const spNeg = dl.neg(input).relu().add(input.abs().neg().exp().log1p());
    const oneMinusT = dl.neg(target).add(1);
    let l: Tensor;
    if (opts.posWeight) {
      const lw = opts.posWeight.sub(1).mul(target).add(1);
      l = oneMinusT.mul(input).add(lw.mul(spNeg));
    } else l = oneMinusT.mul(input).add(spNeg);
    if (opts.weight) l = l.mul(opts.weight);
    return reduce(op, l, opts.reduction);
  });
}

/** Options of `F.nllLoss` / `F.crossEntropy`. */
export interface NLLOptions extends LossOptions {
  /** Per-class weights [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
}

/** Move the class dim last and flatten: [N, C, d…] → [M, C]; targets [N, d…] → [M]. */
function checkClassTargets(op: string, input: Tensor, target: Tensor, ignoreIndex: number): void {
  if (target.dtype !== 'int32' && target.dtype !== 'uint8') {
    throw new DTypeError(`${op}: expected class-index targets of dtype int32 (or float probabilities with the input's shape ${fmtShape(input.shape)}), got ${target.dtype} ${fmtShape(target.shape)}`, {
      op,
      hint: 'cast class indices with .long() (int32 in dl)',
    });
  }
  const want = input.dim() === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (target.dim() !== want.length || target.shape.some((s, i) => s !== want[i])) {
    const msg = input.dim() >= 2 && target.dim() >= 1 && target.shape[0] !== input.shape[0]
      ? `${op}: Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]})`
      : `${op}: expected target of shape ${fmtShape(want)} for input ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`;
    throw new ShapeError(msg, { op, hint: 'targets hold one class index per sample (no class dim)' });
  }
  if (target._backend.readSync && target.numel() > 0) {
    const C = input.dim() === 1 ? input.shape[0]! : input.shape[1]!;
    const t = target.dataSync();
    for (let i = 0; i < t.length; i++) {
      const v = t[i]!;
      if (v !== ignoreIndex && (v < 0 || v >= C)) {
        throw new IndexError(`${op}: Target ${v} is out of bounds (the input has ${C} classes)`, { op, hint: `class indices must be in [0, ${C - 1}] or equal ignoreIndex (${ignoreIndex})` });
      }
    }
  }
}

/** Per-sample weighted negative log-likelihoods and their weights (ignored samples 0). */
function nllParts(logp: Tensor, target: Tensor, weight: Tensor | null | undefined, ignoreIndex: number) {
  const valid = target.ne(ignoreIndex);
  const safe = dl.where(valid, target, 0).to('int32');
  const picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1);
  let w: Tensor = valid.to(logp.dtype);
  if (weight) w = w.mul(weight.indexSelect(0, safe.reshape(-1)).reshape(safe.shape as number[]));
  return { loss: picked.neg().mul(w), w, valid, safe };
}

function reduceNll(op: string, loss: Tensor, w: Tensor, reduction: string | undefined): Tensor {
  if ((reduction ?? 'mean') === 'mean') return loss.sum().div(w.sum());
  return reduce(op, loss, reduction);
}

function as2d(input: Tensor, target: Tensor): { x: Tensor; t: Tensor; squeeze: boolean } {
  if (input.dim() === 1) return { x: input.unsqueeze(0), t: target.reshape(1), squeeze: true };
  return { x: input, t: target, squeeze: false };
}

/**
 * Negative log-likelihood of log-probabilities [N, C, d…] at int32 class targets.
 *
 * @example
 * F.nllLoss(logp, y, { ignoreIndex: -100 });
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLOptions = {}): Tensor {
  return runScope('F.nllLoss', () => {
    const op = 'nllLoss';
    const ignoreIndex = opts.ignoreIndex ?? -100;
    checkClassTargets(op, input, target, ignoreIndex);
    const { x, t, squeeze } = as2d(input, target);
    const { loss, w } = nllParts(x, t, opts.weight, ignoreIndex);
    const r = reduceNll(op, loss, w, opts.reduction);
    return squeeze && opts.reduction === 'none' ? r.squeeze(0) : r;
  });
}

/**
 * Cross-entropy of logits [N, C, d…] (or [C]) with int32 class targets (`ignoreIndex`,
 * `weight`, `labelSmoothing`) or float class probabilities of the input's shape, exactly
 * as PyTorch 1.13.
 *
 * @example
 * F.crossEntropy(logits, labels); F.crossEntropy(logits, probs, { labelSmoothing: 0.1 });
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: NLLOptions & { labelSmoothing?: number } = {}): Tensor {
  return runScope('F.crossEntropy', () => {
    const op = 'crossEntropy';
    if (!(target instanceof dl.Tensor)) throw new ArgumentError(`${op}: target must be a Tensor`, { op });
    const eps = opts.labelSmoothing ?? 0;
    if (!(eps >= 0 && eps <= 1)) throw new ArgumentError(`${op}: label_smoothing must be between 0.0 and 1.0. Got: ${eps}`, { op });
    const classDim = input.dim() === 1 ? 0 : 1;
    const C = input.shape[classDim]!;
    const logp = input.logSoftmax(classDim);
    const reduction = opts.reduction ?? 'mean';
    const wShape = input.shape.map((s, i) => (i === classDim ? s : 1));
    if (dl.isFloating(target.dtype)) {
      if (target.dim() !== input.dim() || target.shape.some((s, i) => s !== input.shape[i])) {
        throw new ShapeError(`${op}: float (probability) targets must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`, {
          op,
          hint: 'for class indices pass an int32 tensor of shape [N] (cast with .long())',
        });
      }
      let tp = eps > 0 ? target.mul(1 - eps).add(eps / C) : target;
      if (opts.weight) tp = tp.mul(opts.weight.reshape(wShape));
      const l = logp.mul(tp).sum(classDim).neg();
      if (reduction === 'mean') return input.dim() === 1 ? l : l.sum().div(input.numel() / C);
      return reduce(op, l, reduction);
    }
    const ignoreIndex = opts.ignoreIndex ?? -100;
    checkClassTargets(op, input, target, ignoreIndex);
    const { x, t, squeeze } = as2d(logp, target);
    const { loss, w, valid, safe } = nllParts(x, t, opts.weight, ignoreIndex);
    let nll = reduceNll(op, loss, w, reduction);
    if (eps > 0) {
      const lw = opts.weight ? x.mul(opts.weight.reshape(x.shape.map((s, i) => (i === 1 ? s : 1)))) : x;
      const smooth = dl.where(valid, lw.sum(1).neg(), 0);
      let ret: Tensor;
      if (reduction === 'mean') {
        const denom = opts.weight
          ? opts.weight.indexSelect(0, safe.reshape(-1)).mul(valid.reshape(-1)).sum()
          : valid.to(x.dtype).sum();
        ret = smooth.sum().div(denom);
      } else ret = reduce(op, smooth, reduction);
      nll = nll.mul(1 - eps).add(ret.mul(eps / C));
    }
    return squeeze && reduction === 'none' ? nll.squeeze(0) : nll;
  });
}

/**
 * Kullback–Leibler divergence of log-probabilities `input` from `target` (probabilities,
 * or log-probabilities with `logTarget`). Reductions add `'batchmean'` (sum / batch size).
 *
 * @example
 * F.klDiv(logq, p, { reduction: 'batchmean' });
 */
export function klDiv(input: Tensor, target: Tensor, opts: { reduction?: Reduction | 'batchmean'; logTarget?: boolean } = {}): Tensor {
  return runScope('F.klDiv', () => {
    const op = 'klDiv';
    sameShape(op, input, target);
    const l = opts.logTarget
      ? target.exp().mul(target.sub(input))
      : dl.where(target.gt(0), target.mul(target.log()), 0).sub(target.mul(input));
    if (opts.reduction === 'batchmean') return l.sum().div(input.dim() > 0 ? input.shape[0]! : 1);
    return reduce(op, l, opts.reduction);
  });
}
