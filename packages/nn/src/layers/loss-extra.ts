import type { Tensor } from '@dl/tensor';
import { Module } from '../module.js';
import * as L from '../functional/loss-extra.js';
import { PairwiseDistance } from './distance.js';
import { ctcLoss, type CTCLossOptions } from '../functional/ctc.js';
import { torchArgs } from './torch-args.js';

/** A loss module: PyTorch's keyword arguments as one options object, kept as `opts`. */
abstract class OptionsLoss<O extends { reduction?: string }> extends Module {
  readonly reduction: string;
  readonly opts: O;
  constructor(opts: O = {} as O) {
    super();
    // anything but an options object (a Tensor, a number) would be silently ignored (Note [Torch's positional arguments])
    this.opts = opts = torchArgs<O>(this._getName(), [], [opts], `new nn.${this._getName()}({ reduction: 'sum' })`);
    this.reduction = opts.reduction ?? 'mean';
  }
}

/**
 * `max(0, −y (x1 − x2) + margin)`.
 *
 * @example
 * new nn.MarginRankingLoss({ margin: 0.5 })(x1, x2, y)
 */
export class MarginRankingLoss extends OptionsLoss<L.MarginOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'MarginRankingLoss' }); // the repr's name, minified or not
  }
  /**
   * `max(0, -target * (input1 - input2) + margin)` per element (inputs and target [N] or scalars, target ±1), reduced;
   * `criterion(x1, x2, y)` calls it.
   *
   * @example
   * new nn.MarginRankingLoss()(dl.tensor([1]), dl.tensor([2]), dl.tensor([1])); // → tensor(1.)
   */
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.marginRankingLoss(input1, input2, target, this.opts);
  }
}

/**
 * `x` for y = 1, `max(0, margin − x)` for y = −1.
 *
 * @example
 * new nn.HingeEmbeddingLoss({ margin: 1 })(d, y)
 */
export class HingeEmbeddingLoss extends OptionsLoss<L.MarginOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'HingeEmbeddingLoss' }); // the repr's name, minified or not
  }
  /**
   * `x` where target is 1, `max(0, margin - x)` where it is -1 (any shape, target the same), reduced; `criterion(x, y)` calls it.
   *
   * @example
   * new nn.HingeEmbeddingLoss()(dl.tensor([0.3, 0.3]), dl.tensor([1, -1])); // → tensor(0.5000)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.hingeEmbeddingLoss(input, target, this.opts);
  }
}

/**
 * `log(1 + exp(−y x))`.
 *
 * @example
 * new nn.SoftMarginLoss()(x, y)
 */
export class SoftMarginLoss extends OptionsLoss<{ reduction?: L.MarginOptions['reduction'] }> {
  static {
    Object.defineProperty(this, 'name', { value: 'SoftMarginLoss' }); // the repr's name, minified or not
  }
  /**
   * `log(1 + exp(-target * input))` per element (target ±1, same shape), reduced; `criterion(x, y)` calls it.
   *
   * @example
   * new nn.SoftMarginLoss()(dl.tensor([0]), dl.tensor([1])); // → tensor(0.6931)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.softMarginLoss(input, target, this.opts);
  }
}

/**
 * Multi-label one-versus-all logistic loss.
 *
 * @example
 * new nn.MultiLabelSoftMarginLoss()(logits, multiHot)
 */
export class MultiLabelSoftMarginLoss extends OptionsLoss<{ weight?: Tensor | null; reduction?: L.MarginOptions['reduction'] }> {
  static {
    Object.defineProperty(this, 'name', { value: 'MultiLabelSoftMarginLoss' }); // the repr's name, minified or not
  }
  /** The class weights, a buffer (state-dict key `weight`, moved by `to()`), as PyTorch's _WeightedLoss. */
  declare weight: Tensor | null;
  constructor(opts: { weight?: Tensor | null; reduction?: L.MarginOptions['reduction'] } = {}) {
    super(opts);
    if (opts.weight) this.registerBuffer('weight', opts.weight);
  }
  /**
   * Multi-label one-versus-all loss of logits [N, C] against 0/1 targets [N, C], averaged over classes then reduced; `criterion(x, y)`
   * calls it.
   *
   * @example
   * new nn.MultiLabelSoftMarginLoss()(dl.zeros(2, 3), dl.ones(2, 3)); // → tensor(0.6931)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.multilabelSoftMarginLoss(input, target, { ...this.opts, weight: this.weight ?? null });
  }
}

/**
 * Multi-class hinge loss (`p` 1 or 2, `margin`, per-class `weight`).
 *
 * @example
 * new nn.MultiMarginLoss({ p: 2 })(scores, labels)
 */
export class MultiMarginLoss extends OptionsLoss<L.MultiMarginOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'MultiMarginLoss' }); // the repr's name, minified or not
  }
  /** The class weights, a buffer (state-dict key `weight`, moved by `to()`), as PyTorch's _WeightedLoss. */
  declare weight: Tensor | null;
  constructor(opts: L.MultiMarginOptions = {}) {
    super(opts);
    if (opts.weight) this.registerBuffer('weight', opts.weight);
  }
  /**
   * Multi-class hinge loss of scores [N, C] (or [C]) against class indices [N], reduced; `criterion(x, y)` calls it.
   *
   * @example
   * new nn.MultiMarginLoss()(dl.tensor([[0.1, 0.2, 0.4, 0.8]]), dl.tensor([3], { dtype: 'int64' })); // → tensor(0.3250)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.multiMarginLoss(input, target, { ...this.opts, weight: this.weight ?? null });
  }
}

/**
 * Multi-class multi-label hinge loss (targets padded with −1).
 *
 * @example
 * new nn.MultiLabelMarginLoss()(scores, targets)
 */
export class MultiLabelMarginLoss extends OptionsLoss<{ reduction?: L.MarginOptions['reduction'] }> {
  static {
    Object.defineProperty(this, 'name', { value: 'MultiLabelMarginLoss' }); // the repr's name, minified or not
  }
  /**
   * Multi-label hinge loss of scores [N, C] against target class indices [N, C] (the first -1 ends each row's list), reduced;
   * `criterion(x, y)` calls it.
   *
   * @example
   * new nn.MultiLabelMarginLoss()(dl.tensor([[0.1, 0.2, 0.4, 0.8]]), dl.tensor([[3, 0, -1, 1]], { dtype: 'int64' })); // → tensor(0.8500)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.multilabelMarginLoss(input, target, this.opts);
  }
}

/**
 * `1 − cos` for y = 1, `max(0, cos − margin)` for y = −1.
 *
 * @example
 * new nn.CosineEmbeddingLoss({ margin: 0.2 })(a, b, y)
 */
export class CosineEmbeddingLoss extends OptionsLoss<L.MarginOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'CosineEmbeddingLoss' }); // the repr's name, minified or not
  }
  /**
   * `1 - cos(x1, x2)` where target is 1, `max(0, cos(x1, x2) - margin)` where it is -1 (x1, x2 [N, D], target [N]), reduced;
   * `criterion(x1, x2, y)` calls it.
   *
   * @example
   * new nn.CosineEmbeddingLoss()(dl.tensor([[1, 0]]), dl.tensor([[1, 0]]), dl.tensor([1])); // → tensor(0.)
   */
  forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor {
    return L.cosineEmbeddingLoss(input1, input2, target, this.opts);
  }
}

/**
 * Triplet loss with the pairwise p-norm distance (`margin`, `p`, `eps`, `swap`).
 *
 * @example
 * new nn.TripletMarginLoss({ margin: 1, p: 2 })(anchor, positive, negative)
 */
export class TripletMarginLoss extends OptionsLoss<L.TripletMarginOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'TripletMarginLoss' }); // the repr's name, minified or not
  }
  /**
   * `max(d(a, p) - d(a, n) + margin, 0)` with the p-norm distance over [N, D] (or [D]) triplets, reduced; `criterion(a, p, n)` calls it.
   *
   * @example
   * new nn.TripletMarginLoss({ margin: 1 })(dl.randn(8, 16), dl.randn(8, 16), dl.randn(8, 16)).shape; // → []
   */
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    return L.tripletMarginLoss(anchor, positive, negative, this.opts);
  }
}

/**
 * Triplet loss with any `distanceFunction` (default the pairwise distance).
 *
 * @example
 * new nn.TripletMarginWithDistanceLoss({ distanceFunction: (a, b) => F.pairwiseDistance(a, b, { p: 1 }) })(a, p, n)
 */
export class TripletMarginWithDistanceLoss extends OptionsLoss<L.TripletDistanceOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'TripletMarginWithDistanceLoss' }); // the repr's name, minified or not
  }
  /** The distance: a PairwiseDistance child by default (so the repr lists it, as PyTorch's). */
  readonly distanceFunction: ((x1: Tensor, x2: Tensor) => Tensor) | Module;
  constructor(opts: L.TripletDistanceOptions = {}) {
    super(opts);
    this.distanceFunction = opts.distanceFunction ?? new PairwiseDistance();
  }
  /**
   * `max(d(a, p) - d(a, n) + margin, 0)` with the constructor's `distanceFunction` (pairwise L2 by default), reduced; `criterion(a, p, n)`
   * calls it.
   *
   * @example
   * const criterion = new nn.TripletMarginWithDistanceLoss({ distanceFunction: (x, y) => F.pairwiseDistance(x, y, 1) });
   * criterion(dl.randn(8, 16), dl.randn(8, 16), dl.randn(8, 16)).shape; // → []
   */
  forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor {
    const d = this.distanceFunction as (x1: Tensor, x2: Tensor) => Tensor; // modules are callable
    return L.tripletMarginWithDistanceLoss(anchor, positive, negative, { ...this.opts, distanceFunction: d });
  }
}

/**
 * Poisson negative log-likelihood (`logInput`, `full`, `eps`).
 *
 * @example
 * new nn.PoissonNLLLoss({ logInput: true })(logRate, counts)
 */
export class PoissonNLLLoss extends OptionsLoss<L.PoissonNLLOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'PoissonNLLLoss' }); // the repr's name, minified or not
  }
  /**
   * Poisson negative log-likelihood of `logInput` (log rates when `logInput` is true, the default) against counts of the same shape,
   * reduced; `criterion(input, target)` calls it.
   *
   * @example
   * new nn.PoissonNLLLoss()(dl.tensor([0]), dl.tensor([1])); // → tensor(1.)
   */
  forward(logInput: Tensor, target: Tensor): Tensor {
    return L.poissonNllLoss(logInput, target, this.opts);
  }
}

/**
 * Gaussian negative log-likelihood with a predicted variance (`full`, `eps`).
 *
 * @example
 * new nn.GaussianNLLLoss()(mu, y, variance)
 */
export class GaussianNLLLoss extends OptionsLoss<L.GaussianNLLOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'GaussianNLLLoss' }); // the repr's name, minified or not
  }
  /**
   * Gaussian negative log-likelihood of `target` under mean `input` and `variance` (same shape, or one fewer trailing dim), reduced;
   * `criterion(mean, target, var)` calls it.
   *
   * @example
   * new nn.GaussianNLLLoss()(dl.tensor([0]), dl.tensor([0]), dl.tensor([1])); // → tensor(0.)
   */
  forward(input: Tensor, target: Tensor, variance: Tensor): Tensor {
    return L.gaussianNllLoss(input, target, variance, this.opts);
  }
}

/**
 * Connectionist temporal classification loss (`blank`, `reduction`, `zeroInfinity`).
 *
 * @example
 * const ctc = new nn.CTCLoss({ blank: 0 });
 * ctc(logProbs, targets, inputLengths, targetLengths);
 */
export class CTCLoss extends OptionsLoss<CTCLossOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'CTCLoss' }); // the repr's name, minified or not
  }
  /**
   * CTC loss of `logProbs` [T, N, C] (log-softmaxed) against `targets` ([N, S] padded, or concatenated 1-D) with per-sample lengths,
   * reduced; `ctc(logProbs, targets, inputLengths, targetLengths)` calls it.
   *
   * @example
   * const ctc = new nn.CTCLoss();
   * ctc(F.logSoftmax(dl.randn(10, 2, 5), 2), dl.tensor([[1, 2], [3, 3]], { dtype: 'int64' }), [10, 10], [2, 2]).shape; // → []
   */
  forward(logProbs: Tensor, targets: Tensor, inputLengths: Tensor | readonly number[], targetLengths: Tensor | readonly number[]): Tensor {
    return ctcLoss(logProbs, targets, inputLengths, targetLengths, this.opts);
  }
}
