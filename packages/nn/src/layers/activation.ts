import type { Tensor } from '@dl/tensor';
import { Module, pyFloat } from '../module.js';
import * as Fa from '../functional/activation.js';

/** `max(x, 0)`. @example new nn.ReLU().forward(x) */
export class ReLU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'ReLU' }); // the repr's name, minified or not
  }
  constructor(readonly inplace = false) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Fa.relu(x);
  }
}
/** Leaky ReLU with `negativeSlope` (default 0.01). */
export class LeakyReLU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'LeakyReLU' }); // the repr's name, minified or not
  }
  constructor(readonly negativeSlope = 0.01) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Fa.leakyRelu(x, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}`;
  }
}
/** ELU with `alpha` (default 1). */
export class ELU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'ELU' }); // the repr's name, minified or not
  }
  constructor(readonly alpha = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Fa.elu(x, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}`;
  }
}
/** GELU, exact or `{ approximate: 'tanh' }`. */
export class GELU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'GELU' }); // the repr's name, minified or not
  }
  constructor(readonly opts: { approximate?: 'none' | 'tanh' } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Fa.gelu(x, this.opts);
  }
  override extraRepr(): string {
    return `approximate='${this.opts.approximate ?? 'none'}'`;
  }
}
/** `x * sigmoid(x)`. */
export class SiLU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'SiLU' }); // the repr's name, minified or not
  }
  forward(x: Tensor): Tensor {
    return Fa.silu(x);
  }
}
/** Logistic sigmoid. */
export class Sigmoid extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Sigmoid' }); // the repr's name, minified or not
  }
  forward(x: Tensor): Tensor {
    return Fa.sigmoid(x);
  }
}
/** Hyperbolic tangent. */
export class Tanh extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Tanh' }); // the repr's name, minified or not
  }
  forward(x: Tensor): Tensor {
    return Fa.tanh(x);
  }
}
/** Clamp into [minVal, maxVal] (default [-1, 1]). */
export class Hardtanh extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Hardtanh' }); // the repr's name, minified or not
  }
  constructor(readonly minVal = -1, readonly maxVal = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Fa.hardtanh(x, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}`;
  }
}
/**
 * `min(max(x, 0), 6)`: PyTorch's ReLU6 (a Hardtanh(0, 6); gradient 0 at 0 and 6).
 *
 * @example
 * new nn.ReLU6()(x)
 */
export class ReLU6 extends Hardtanh {
  static {
    Object.defineProperty(this, 'name', { value: 'ReLU6' }); // the repr's name, minified or not
  }
  constructor() {
    super(0, 6);
  }
  override extraRepr(): string {
    return '';
  }
}
/** Softplus with `beta` and `threshold`. */
export class Softplus extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Softplus' }); // the repr's name, minified or not
  }
  constructor(readonly opts: { beta?: number; threshold?: number } = {}) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Fa.softplus(x, this.opts);
  }
  override extraRepr(): string {
    return `beta=${this.opts.beta ?? 1}, threshold=${this.opts.threshold ?? 20}`;
  }
}
/** Softmax along `dim`. @example new nn.Softmax(1) */
export class Softmax extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Softmax' }); // the repr's name, minified or not
  }
  readonly dim: number;
  /** `dim` positionally or as PyTorch's keyword: `new nn.Softmax(1)`, `new nn.Softmax({ dim: 1 })`. */
  constructor(dim: number | { dim: number }) {
    super();
    this.dim = typeof dim === 'object' && dim !== null ? dim.dim : dim;
  }
  forward(x: Tensor): Tensor {
    return Fa.softmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
/** Log-softmax along `dim`. */
export class LogSoftmax extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'LogSoftmax' }); // the repr's name, minified or not
  }
  readonly dim: number;
  /** `dim` positionally or as PyTorch's keyword: `new nn.LogSoftmax(1)`, `new nn.LogSoftmax({ dim: 1 })`. */
  constructor(dim: number | { dim: number }) {
    super();
    this.dim = typeof dim === 'object' && dim !== null ? dim.dim : dim;
  }
  forward(x: Tensor): Tensor {
    return Fa.logSoftmax(x, this.dim);
  }
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
