import * as dl from '@dl/tensor';
import { isGradEnabled } from '@dl/autograd';
import {
  binaryCrossEntropy as bceOp,
  binaryCrossEntropyWithLogits as bceLogitsOp,
  checkOnDevice,
  DEFERRED_NOTE,
  huberLoss as huberOp,
  mseLoss as mseOp,
  nllLoss as nllOp,
  smoothL1Loss as smoothL1Op,
  reshapeTo,
  runScope,
  broadcastShapesFor,
} from '@dl/tensor/internal';
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

function checkReduction(op: string, reduction: string | undefined): Reduction {
  const r = reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none') {
    throw new ArgumentError(`${op}: ${reduction} is not a valid value for reduction`, { op, hint: "use 'mean', 'sum' or 'none'" });
  }
  return r;
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
    throw new DTypeError(`${op}: expected a floating target, got ${target.dtype} ${fmtShape(target.shape)}`, {
      op,
      hint: 'cast with .float()',
    });
  }
}

/** Options shared by losses. */
export interface LossOptions {
  reduction?: Reduction;
}

/**
 * Mean squared error; one `MseLossBackward0` node, as PyTorch.
 *
 * @example
 * F.mseLoss(pred, y)
 */
export function mseLoss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return runScope('F.mseLoss', () => {
    sameShape('mseLoss', input, target);
    return mseOp(input, target, checkReduction('mseLoss', opts.reduction));
  });
}
/**
 * Mean absolute error.
 *
 * @example
 * F.l1Loss(dl.tensor([1, 2]), dl.tensor([1, 4])); // → tensor(1.), as F.l1_loss
 */
export function l1Loss(input: Tensor, target: Tensor, opts: LossOptions = {}): Tensor {
  return runScope('F.l1Loss', () => {
    sameShape('l1Loss', input, target);
    return reduce('l1Loss', input.sub(target).abs(), opts.reduction);
  });
}
/**
 * Smooth L1: quadratic below `beta`, linear above (as PyTorch); one `SmoothL1LossBackward0` node.
 *
 * @example
 * F.smoothL1Loss(pred, y, { beta: 0.5 })
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: LossOptions & { beta?: number } = {}): Tensor {
  return runScope('F.smoothL1Loss', () => {
    const op = 'smoothL1Loss';
    sameShape(op, input, target);
    const beta = opts.beta ?? 1;
    if (!(beta >= 0)) throw new ArgumentError(`${op}: smooth_l1_loss does not support negative values for beta (got ${beta})`, { op });
    return smoothL1Op(input, target, checkReduction(op, opts.reduction), beta);
  });
}
/**
 * Huber loss: quadratic below `delta`, `delta`-scaled linear above; one `HuberLossBackward0` node.
 *
 * @example
 * F.huberLoss(pred, y, { delta: 2 })
 */
export function huberLoss(input: Tensor, target: Tensor, opts: LossOptions & { delta?: number } = {}): Tensor {
  return runScope('F.huberLoss', () => {
    const op = 'huberLoss';
    sameShape(op, input, target);
    const delta = opts.delta ?? 1;
    if (!(delta > 0)) throw new ArgumentError(`${op}: huber_loss does not support non-positive values for delta (got ${delta})`, { op });
    return huberOp(input, target, checkReduction(op, opts.reduction), delta);
  });
}

/**
 * Throw PyTorch's error for probabilities outside [0, 1] (NaN included): at once on devices with
 * synchronous reads, at the next read on the others (a device check).
 */
function checkProbabilities(op: string, input: Tensor): void {
  if (input.numel() === 0) return;
  const error = (deferred: boolean) =>
    new ArgumentError(`${op}: all elements of input should be between 0 and 1`, {
      op,
      hint:
        'pass probabilities (apply sigmoid first), or use binaryCrossEntropyWithLogits on raw scores' +
        (deferred ? `. ${DEFERRED_NOTE}` : ''),
    });
  if (!input._backend.readSync) {
    checkOnDevice(op, input, { lo: 0, hi: 1, key: op, error: () => error(true) });
    return;
  }
  const ok = input.detach().ge(0).logicalAnd(input.detach().le(1)).all().itemSync();
  if (!ok) throw error(false);
}

function checkWeight(op: string, name: string, w: Tensor | null | undefined, input: Tensor): void {
  if (!w) return;
  if (!(w instanceof dl.Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor`, { op });
  let b: number[] | null = null;
  try {
    b = broadcastShapesFor(op, w.shape, input.shape);
  } catch {
    // reported below
  }
  if (!b || b.length !== input.dim() || b.some((s, i) => s !== input.shape[i])) {
    throw new ShapeError(`${op}: ${name} ${fmtShape(w.shape)} cannot be broadcast to the input's shape ${fmtShape(input.shape)}`, { op });
  }
}

/**
 * Binary cross-entropy on probabilities (logs clamped at -100, as PyTorch: p ∈ {0, 1} gives a
 * finite loss and gradient); one `BinaryCrossEntropyBackward0` node. Inputs outside [0, 1]
 * (or NaN) raise, as in PyTorch.
 *
 * @example
 * F.binaryCrossEntropy(p, y, { weight });
 */
export function binaryCrossEntropy(input: Tensor, target: Tensor, opts: LossOptions & { weight?: Tensor | null } = {}): Tensor {
  return runScope('F.binaryCrossEntropy', () => {
    const op = 'binaryCrossEntropy';
    sameShape(op, input, target);
    checkWeight(op, 'weight', opts.weight, input);
    const reduction = checkReduction(op, opts.reduction);
    checkProbabilities(op, input);
    return bceOp(input, target, opts.weight ?? null, reduction);
  });
}

/**
 * Sigmoid + binary cross-entropy in one stable formula, with optional `posWeight` (per class);
 * one `BinaryCrossEntropyWithLogitsBackward0` node.
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
    checkWeight(op, 'weight', opts.weight, input);
    checkWeight(op, 'posWeight', opts.posWeight, input);
    return bceLogitsOp(input, target, opts.weight ?? null, opts.posWeight ?? null, checkReduction(op, opts.reduction));
  });
}

/** Options of `F.nllLoss` / `F.crossEntropy`. */
export interface NLLOptions extends LossOptions {
  /** Per-class weights [C]. */
  weight?: Tensor | null;
  /** Targets equal to this contribute nothing (default -100). */
  ignoreIndex?: number;
}

/** The target shape class indices must have for `input`: [] for [C], [N, d…] for [N, C, d…]. */
function indexShape(input: Tensor): number[] {
  return input.dim() === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
}

/** Class-index targets: an integer dtype, the input's shape without the class dim, values in [0, C) or ignoreIndex. */
function checkClassTargets(op: string, input: Tensor, target: Tensor, ignoreIndex: number): void {
  if (!(target instanceof dl.Tensor)) throw new ArgumentError(`${op}: target must be a Tensor`, { op });
  if (input.dim() < 1) throw new ShapeError(`${op}: expected an input of shape [C] or [N, C, d…], got ${fmtShape(input.shape)}`, { op });
  const want = indexShape(input);
  const fits = target.dim() === want.length && target.shape.every((s, i) => s === want[i]);
  if (!dl.isIntegral(target.dtype)) {
    const what = fits
      ? `expected integer class indices of shape ${fmtShape(want)} for input ${fmtShape(input.shape)}; got ${target.dtype}`
      : `expected class-index targets of an integer dtype, got ${target.dtype} ${fmtShape(target.shape)}`;
    throw new DTypeError(`${op}: ${what} — use target.long()`, {
      op,
      hint: fits
        ? 'labels made with dl.tensor([...]) are float32 by default: cast with .long() (or create them with { dtype: "int64" })'
        : 'cast class indices with .long()',
    });
  }
  if (!fits) {
    const msg =
      input.dim() >= 2 && target.dim() >= 1 && target.shape[0] !== input.shape[0]
        ? `${op}: Expected input batch_size (${input.shape[0]}) to match target batch_size (${target.shape[0]})`
        : `${op}: expected target of shape ${fmtShape(want)} for input ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`;
    throw new ShapeError(msg, { op, hint: 'targets hold one class index per sample (no class dim)' });
  }
  const C = input.dim() === 1 ? input.shape[0]! : input.shape[1]!;
  const error = (v: number, deferred: boolean) =>
    new IndexError(`${op}: Target ${v} is out of bounds (the input has ${C} classes)`, {
      op,
      hint: `class indices must be in [0, ${C - 1}] or equal ignoreIndex (${ignoreIndex})` + (deferred ? `. ${DEFERRED_NOTE}` : ''),
    });
  if (!target._backend.readSync) {
    // no sync read: the device checks, and the next read raises (before the gather's own index check)
    checkOnDevice(op, target, { lo: 0, hi: C - 1, allow: ignoreIndex, key: `${op}:${C}:${ignoreIndex}`, error: (v) => error(v, true) });
    return;
  }
  if (target.numel() > 0) {
    const t = target.dataSync();
    for (let i = 0; i < t.length; i++) {
      const v = t[i]!;
      if (v !== ignoreIndex && (v < 0 || v >= C)) throw error(v, false);
    }
  }
}

function checkClassWeight(op: string, input: Tensor, weight: Tensor | null | undefined): void {
  if (!weight) return;
  const C = input.dim() === 1 ? input.shape[0]! : input.shape[1]!;
  if (!(weight instanceof dl.Tensor) || weight.dim() !== 1 || weight.shape[0] !== C) {
    throw new ShapeError(
      `${op}: weight tensor should be defined either for all ${C} classes or no classes but got weight tensor of shape: ${weight instanceof dl.Tensor ? fmtShape(weight.shape) : String(weight)}`,
      { op },
    );
  }
  if (weight.requiresGrad && isGradEnabled()) {
    throw new dl.AutogradError(
      `${op}: the function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. This input cannot have requires_grad True.`,
      {
        op,
        hint: 'pass weight.detach() (PyTorch refuses it too)',
      },
    );
  }
}

/**
 * nll_loss on log-probabilities with PyTorch's graph: [C] and [N, C] are one `NllLossBackward0`
 * node, [N, C, H, W] one `NllLoss2DBackward0`, other ranks are viewed as [N, C, 1, L] around it
 * (`ViewBackward0`), as torch's nll_loss_nd.
 */
function nllCore(op: string, logp: Tensor, target: Tensor, opts: NLLOptions): Tensor {
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const reduction = checkReduction(op, opts.reduction);
  checkClassTargets(op, logp, target, ignoreIndex);
  checkClassWeight(op, logp, opts.weight);
  const o = { weight: opts.weight ?? null, ignoreIndex, reduction };
  const t = target.dtype === 'int32' ? target : target.to('int32');
  if (logp.dim() <= 2 || logp.dim() === 4) return nllOp(logp, t, o);
  const [N, C] = logp.shape as [number, number];
  const L = logp.shape.slice(2).reduce((a, b) => a * b, 1);
  const out = nllOp(reshapeTo(logp, [N, C, L === 0 ? 0 : 1, L], 'ViewBackward0'), t.reshape(N, L === 0 ? 0 : 1, L), o);
  return reduction === 'none' ? reshapeTo(out, [...target.shape], 'ViewBackward0') : out;
}

/**
 * Negative log-likelihood of log-probabilities [N, C, d…] (or [C]) at integer class targets;
 * one `NllLossBackward0` node (`NllLoss2DBackward0` for 4-D), as PyTorch. With the mean
 * reduction and every target ignored the loss is NaN (0 / 0) and its gradient 0, as PyTorch.
 *
 * @example
 * F.nllLoss(logp, y, { ignoreIndex: -100 });
 */
export function nllLoss(input: Tensor, target: Tensor, opts: NLLOptions = {}): Tensor {
  return runScope('F.nllLoss', () => nllCore('nllLoss', input, target, opts));
}

/**
 * Cross-entropy of logits [N, C, d…] (or [C]) with integer class targets (`ignoreIndex`,
 * `weight`, `labelSmoothing`) or float class probabilities of the input's shape, exactly
 * as PyTorch 1.13: with class indices it is `NllLossBackward0` over `LogSoftmaxBackward0`.
 * Float labels of the index shape raise an error that says `.long()`.
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
    if (input.dim() < 1) throw new ShapeError(`${op}: expected an input of shape [C] or [N, C, d…], got ${fmtShape(input.shape)}`, { op });
    const classDim = input.dim() === 1 ? 0 : 1;
    const C = input.shape[classDim]!;
    const reduction = checkReduction(op, opts.reduction);
    const wShape = input.shape.map((s, i) => (i === classDim ? s : 1));
    if (dl.isFloating(target.dtype) && (target.dim() !== input.dim() || target.shape.some((s, i) => s !== input.shape[i]))) {
      const want = indexShape(input);
      // float labels of the index shape (dl.tensor([0, 1, 1]) is float32): the .long() error
      if (target.dim() === want.length && target.shape.every((s, i) => s === want[i]))
        checkClassTargets(op, input, target, opts.ignoreIndex ?? -100);
      throw new ShapeError(
        `${op}: float (probability) targets must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}`,
        {
          op,
          hint: `for class indices pass an integer tensor of shape ${fmtShape(want)} (cast with .long())`,
        },
      );
    }
    const logp = input.logSoftmax(classDim);
    if (dl.isFloating(target.dtype)) {
      let tp = eps > 0 ? target.mul(1 - eps).add(eps / C) : target;
      if (opts.weight) tp = tp.mul(opts.weight.reshape(wShape));
      const l = logp.mul(tp).sum(classDim).neg();
      if (reduction === 'mean') return input.dim() === 1 ? l : l.sum().div(input.numel() / C);
      return reduce(op, l, reduction);
    }
    const nll = nllCore(op, logp, target, opts);
    if (eps === 0) return nll;
    const ignoreIndex = opts.ignoreIndex ?? -100;
    const x = input.dim() === 1 ? logp.unsqueeze(0) : logp;
    const t = input.dim() === 1 ? target.reshape(1) : target;
    const valid = t.ne(ignoreIndex);
    const safe = dl.where(valid, t, 0).to('int32');
    const lw = opts.weight ? x.mul(opts.weight.reshape(x.shape.map((s, i) => (i === 1 ? s : 1)))) : x;
    const smooth = dl.where(valid, lw.sum(1).neg(), 0);
    let ret: Tensor;
    if (reduction === 'mean') {
      const denom = opts.weight ? opts.weight.indexSelect(0, safe.reshape(-1)).mul(valid.reshape(-1)).sum() : valid.to(x.dtype).sum();
      ret = smooth.sum().div(denom);
    } else ret = reduce(op, smooth, reduction);
    if (input.dim() === 1 && reduction === 'none') ret = ret.squeeze(0);
    return nll.mul(1 - eps).add(ret.mul(eps / C));
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
      : dl.where(target.eq(0), 0, target.mul(target.log())).sub(target.mul(input)); // torch's xlogy(t, t): NaN for t < 0
    if (opts.reduction === 'batchmean') return l.sum().div(input.dim() > 0 ? input.shape[0]! : 1);
    return reduce(op, l, opts.reduction);
  });
}
