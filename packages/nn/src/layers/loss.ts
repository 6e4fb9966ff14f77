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
  forward(input: Tensor, target: Tensor): Tensor {
    return L.mseLoss(input, target, this.opts);
  }
}
/** Mean absolute error. */
export class L1Loss extends Loss<L.LossOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'L1Loss' }); // the repr's name, minified or not
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.l1Loss(input, target, this.opts);
  }
}
/** Smooth L1 (`beta`). */
export class SmoothL1Loss extends Loss<L.LossOptions & { beta?: number }> {
  static {
    Object.defineProperty(this, 'name', { value: 'SmoothL1Loss' }); // the repr's name, minified or not
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.smoothL1Loss(input, target, this.opts);
  }
}
/** Huber (`delta`). */
export class HuberLoss extends Loss<L.LossOptions & { delta?: number }> {
  static {
    Object.defineProperty(this, 'name', { value: 'HuberLoss' }); // the repr's name, minified or not
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.huberLoss(input, target, this.opts);
  }
}
/** Binary cross-entropy on probabilities. */
export class BCELoss extends Loss<L.LossOptions & { weight?: Tensor | null }> {
  static {
    Object.defineProperty(this, 'name', { value: 'BCELoss' }); // the repr's name, minified or not
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.binaryCrossEntropy(input, target, this.opts);
  }
}
/** Sigmoid + BCE, stable, with `posWeight`. */
export class BCEWithLogitsLoss extends Loss<L.LossOptions & { weight?: Tensor | null; posWeight?: Tensor | null }> {
  static {
    Object.defineProperty(this, 'name', { value: 'BCEWithLogitsLoss' }); // the repr's name, minified or not
  }
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
  forward(input: Tensor, target: Tensor): Tensor {
    return L.crossEntropy(input, target, this.opts);
  }
}
/** Negative log-likelihood of log-probabilities. */
export class NLLLoss extends Loss<L.NLLOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'NLLLoss' }); // the repr's name, minified or not
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.nllLoss(input, target, this.opts);
  }
}
/** KL divergence (`reduction` may be 'batchmean'; `logTarget`). */
export class KLDivLoss extends Loss<{ reduction?: L.Reduction | 'batchmean'; logTarget?: boolean }> {
  static {
    Object.defineProperty(this, 'name', { value: 'KLDivLoss' }); // the repr's name, minified or not
  }
  forward(input: Tensor, target: Tensor): Tensor {
    return L.klDiv(input, target, this.opts);
  }
}
