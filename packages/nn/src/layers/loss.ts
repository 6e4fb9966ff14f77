import type { Tensor } from '@dl/tensor';
import { Module } from '../module.js';
import * as L from '../functional/loss.js';
import { torchArgs } from './torch-args.js';

/** The losses whose first torch parameter is a class `weight` Tensor (`nn.CrossEntropyLoss(w)`). */
const WEIGHTED = new Set(['BCELoss', 'BCEWithLogitsLoss', 'CrossEntropyLoss', 'NLLLoss']);

abstract class Loss<O extends { reduction?: string }> extends Module {
  readonly reduction: NonNullable<O['reduction']>;
  readonly opts: O;
  /** An options object, or (losses with a class weight) torch's positional `weight` first: `new nn.CrossEntropyLoss(w, { ignoreIndex: 0 })`. */
  constructor(...args: [opts?: O] | [weight: Tensor | null, opts?: O]) {
    super();
    const op = this._getName();
    const opts = torchArgs<O>(
      op,
      WEIGHTED.has(op) ? [['weight', 'weight', 'tensor', true]] : [],
      args,
      WEIGHTED.has(op) ? `new nn.${op}(weight) or new nn.${op}({ weight, reduction: 'sum' })` : `new nn.${op}({ reduction: 'sum' })`,
    );
    this.opts = opts;
    this.reduction = (opts.reduction ?? 'mean') as NonNullable<O['reduction']>;
  }
  abstract override forward(input: Tensor, target: Tensor): Tensor;
}

/** Mean squared error. @example new nn.MSELoss().forward(pred, y) */
export class MSELoss extends Loss<L.LossOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'MSELoss' }); // the repr's name, minified or not
  }
  /**
   * The loss of `input` against `target` (shapes as the functional form), reduced by the constructor's `reduction`;
   * `criterion(input, target)` calls it.
   *
   * @example
   * const criterion = new nn.MSELoss();
   * criterion(dl.tensor([1, 2]), dl.tensor([1, 4])); // → tensor(2.)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, this.opts);
  }
}
/**
 * Mean absolute error.
 *
 * @example
 * const criterion = new nn.L1Loss(); // as torch.nn.L1Loss(); { reduction: 'sum' | 'none' }
 * criterion(dl.tensor([1, 2]), dl.tensor([1, 4])); // → tensor(1.)
 */
export class L1Loss extends Loss<L.LossOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'L1Loss' }); // the repr's name, minified or not
  }
  /**
   * The loss of `input` against `target` (shapes as the functional form), reduced by the constructor's `reduction`;
   * `criterion(input, target)` calls it.
   *
   * @example
   * new nn.L1Loss({ reduction: 'sum' })(dl.tensor([1, 2]), dl.tensor([0, 0])); // → tensor(3.)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, this.opts);
  }
}
/**
 * Smooth L1 (`beta`).
 *
 * @example
 * const criterion = new nn.SmoothL1Loss({ beta: 1 }); // as torch.nn.SmoothL1Loss(beta=1.0)
 * criterion(dl.tensor([0, 0]), dl.tensor([0.5, 3])); // → tensor(1.3125)
 */
export class SmoothL1Loss extends Loss<L.LossOptions & { beta?: number }> {
  static {
    Object.defineProperty(this, 'name', { value: 'SmoothL1Loss' }); // the repr's name, minified or not
  }
  /**
   * The loss of `input` against `target` (shapes as the functional form), reduced by the constructor's `reduction`;
   * `criterion(input, target)` calls it.
   *
   * @example
   * new nn.SmoothL1Loss()(dl.tensor([0]), dl.tensor([3])); // → tensor(2.5000)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, this.opts);
  }
}
/**
 * Huber (`delta`).
 *
 * @example
 * const criterion = new nn.HuberLoss({ delta: 1 }); // as torch.nn.HuberLoss(delta=1.0)
 * criterion(dl.tensor([0]), dl.tensor([3])); // → tensor(2.5000)
 */
export class HuberLoss extends Loss<L.LossOptions & { delta?: number }> {
  static {
    Object.defineProperty(this, 'name', { value: 'HuberLoss' }); // the repr's name, minified or not
  }
  /**
   * The loss of `input` against `target` (shapes as the functional form), reduced by the constructor's `reduction`;
   * `criterion(input, target)` calls it.
   *
   * @example
   * new nn.HuberLoss({ delta: 2 })(dl.tensor([0]), dl.tensor([3])); // → tensor(4.)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, this.opts);
  }
}
/**
 * Binary cross-entropy on probabilities.
 *
 * @example
 * const criterion = new nn.BCELoss(); // as torch.nn.BCELoss(); inputs are probabilities in [0, 1]
 * criterion(dl.tensor([0.5]), dl.tensor([1])); // → tensor(0.6931)
 */
export class BCELoss extends Loss<L.LossOptions & { weight?: Tensor | null }> {
  static {
    Object.defineProperty(this, 'name', { value: 'BCELoss' }); // the repr's name, minified or not
  }
  /**
   * The loss of `input` against `target` (shapes as the functional form), reduced by the constructor's `reduction`;
   * `criterion(input, target)` calls it.
   *
   * @example
   * new nn.BCELoss()(dl.sigmoid(dl.randn(4)), dl.tensor([0, 1, 1, 0])).shape; // → [] (a scalar)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, this.opts);
  }
}
/**
 * Sigmoid + BCE, stable, with `posWeight`.
 *
 * @example
 * const criterion = new nn.BCEWithLogitsLoss({ posWeight: dl.tensor([3]) }); // as torch.nn.BCEWithLogitsLoss(pos_weight=…)
 * criterion(dl.randn(8, 1), dl.ones(8, 1)).shape; // → []
 */
export class BCEWithLogitsLoss extends Loss<L.LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null }> {
  static {
    Object.defineProperty(this, 'name', { value: 'BCEWithLogitsLoss' }); // the repr's name, minified or not
  }
  /**
   * The loss of `input` against `target` (shapes as the functional form), reduced by the constructor's `reduction`;
   * `criterion(input, target)` calls it.
   *
   * @example
   * new nn.BCEWithLogitsLoss()(dl.tensor([0]), dl.tensor([1])); // → tensor(0.6931)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropyWithLogits(input, target, this.opts);
  }
}
/**
 * Cross-entropy of logits with class indices or probabilities.
 *
 * @example
 * new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels);
 */
export class CrossEntropyLoss extends Loss<L.NLLOptions & { labelSmoothing?: number }> {
  static {
    Object.defineProperty(this, 'name', { value: 'CrossEntropyLoss' }); // the repr's name, minified or not
  }
  /**
   * Cross-entropy of logits `input` [N, C] (or [N, C, d1, …]) against class indices [N] (or probabilities [N, C]), reduced by the
   * constructor's `reduction`; `criterion(logits, target)` calls it.
   *
   * @example
   * const criterion = new nn.CrossEntropyLoss();
   * criterion(dl.zeros(2, 4), dl.tensor([0, 3], { dtype: 'int64' })); // → tensor(1.3863)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, this.opts);
  }
}
/**
 * Negative log-likelihood of log-probabilities.
 *
 * @example
 * const criterion = new nn.NLLLoss(); // as torch.nn.NLLLoss(); input is log-probabilities
 * criterion(F.logSoftmax(dl.randn(3, 5), 1), dl.tensor([1, 0, 4], { dtype: 'int64' })).shape; // → []
 */
export class NLLLoss extends Loss<L.NLLOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'NLLLoss' }); // the repr's name, minified or not
  }
  /**
   * Negative log-likelihood of log-probabilities [N, C] (or [N, C, d1, …]) at class indices [N]; `criterion(logp, target)` calls it.
   *
   * @example
   * new nn.NLLLoss()(dl.tensor([[-1, -2]]), dl.tensor([1], { dtype: 'int64' })); // → tensor(2.)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, this.opts);
  }
}
/**
 * KL divergence (`reduction` may be 'batchmean'; `logTarget`).
 *
 * @example
 * const criterion = new nn.KLDivLoss({ reduction: 'batchmean' }); // as torch.nn.KLDivLoss(reduction='batchmean')
 * criterion(F.logSoftmax(dl.randn(3, 5), 1), F.softmax(dl.randn(3, 5), 1)).shape; // → []
 */
export class KLDivLoss extends Loss<{ reduction?: L.Reduction | 'batchmean'; logTarget?: boolean }> {
  static {
    Object.defineProperty(this, 'name', { value: 'KLDivLoss' }); // the repr's name, minified or not
  }
  /**
   * KL divergence of log-probabilities `input` to `target` (probabilities, or log-probabilities with `logTarget`);
   * `criterion(input, target)` calls it.
   *
   * @example
   * new nn.KLDivLoss()(dl.tensor([0]), dl.tensor([1])); // → tensor(0.)
   */
  forward(input: Tensor, target: Tensor): Tensor {
    return L.klDiv(input, target, this.opts);
  }
}
