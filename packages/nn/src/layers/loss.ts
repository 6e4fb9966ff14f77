import type { Tensor } from '@dl/tensor';
import { Module } from '../module.js';
import * as L from '../functional/loss.js';

abstract class Loss<O extends { reduction?: string }> extends Module {
  readonly reduction: NonNullable<O['reduction']>;
  constructor(readonly opts: O = {} as O) {
    super();
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
