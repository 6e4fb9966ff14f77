import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { Module, Parameter, pyFloat } from '../module.js';
import * as Fa from '../functional/activation.js';
import type { FactoryOptions } from './basic.js';

/** `inplace` given positionally (`nn.SELU(True)`) or as PyTorch's keyword; Note [inplace activations]. */
export type InplaceArg = boolean | { inplace?: boolean };

/** @internal The `inplace` flag of an {@link InplaceArg}. */
export function inplaceOf(a: InplaceArg | undefined): boolean {
  return typeof a === 'object' && a !== null ? !!a.inplace : !!a;
}

/** @internal `inplace=True` for the repr when set. */
export function inplaceRepr(inplace: boolean, prefix = ''): string {
  return inplace ? `${prefix}inplace=True` : '';
}

/**
 * `x * tanh(softplus(x))`.
 *
 * @example
 * new nn.Mish()(x)
 */
export class Mish extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Mish' }); // the repr's name, minified or not
  }
  readonly inplace: boolean;
  constructor(inplace: InplaceArg = false) {
    super();
    this.inplace = inplaceOf(inplace);
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Mish()(dl.tensor([0])); // → tensor([0.])
   */
  forward(x: Tensor): Tensor {
    return Fa.mish(x);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Mish(true).extraRepr(); // → 'inplace=True'
   */
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

/**
 * `x * relu6(x + 3) / 6` (MobileNetV3).
 *
 * @example
 * new nn.Hardswish()(x)
 */
export class Hardswish extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Hardswish' }); // the repr's name, minified or not
  }
  readonly inplace: boolean;
  constructor(inplace: InplaceArg = false) {
    super();
    this.inplace = inplaceOf(inplace);
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Hardswish()(dl.tensor([-4, 0, 4])); // → tensor([-0., 0., 4.])
   */
  forward(x: Tensor): Tensor {
    return Fa.hardswish(x);
  }
}

/**
 * `relu6(x + 3) / 6`.
 *
 * @example
 * new nn.Hardsigmoid()(x)
 */
export class Hardsigmoid extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Hardsigmoid' }); // the repr's name, minified or not
  }
  readonly inplace: boolean;
  constructor(inplace: InplaceArg = false) {
    super();
    this.inplace = inplaceOf(inplace);
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Hardsigmoid()(dl.tensor([-4, 0, 4])); // → tensor([0.0000, 0.5000, 1.0000])
   */
  forward(x: Tensor): Tensor {
    return Fa.hardsigmoid(x);
  }
}

/**
 * Scaled ELU (self-normalising networks).
 *
 * @example
 * new nn.SELU()(x)
 */
export class SELU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'SELU' }); // the repr's name, minified or not
  }
  readonly inplace: boolean;
  constructor(inplace: InplaceArg = false) {
    super();
    this.inplace = inplaceOf(inplace);
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.SELU()(dl.tensor([0])); // → tensor([0.])
   */
  forward(x: Tensor): Tensor {
    return Fa.selu(x);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.SELU(true).extraRepr(); // → 'inplace=True'
   */
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}

/**
 * `max(0, x) + min(0, alpha (exp(x / alpha) − 1))`.
 *
 * @example
 * new nn.CELU({ alpha: 2 })(x); new nn.CELU(2)(x);
 */
export class CELU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'CELU' }); // the repr's name, minified or not
  }
  readonly alpha: number;
  readonly inplace: boolean;
  constructor(alpha: number | { alpha?: number; inplace?: boolean } = 1, inplace = false) {
    super();
    const kw = typeof alpha === 'object' && alpha !== null ? alpha : null;
    this.alpha = kw ? (kw.alpha ?? 1) : (alpha as number);
    this.inplace = kw ? !!kw.inplace : inplace;
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.CELU()(dl.tensor([0, 2])); // → tensor([0., 2.])
   */
  forward(x: Tensor): Tensor {
    return Fa.celu(x, { alpha: this.alpha });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.CELU().extraRepr(); // → 'alpha=1.0'
   */
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceRepr(this.inplace, ', ')}`;
  }
}

/** Options of {@link PReLU}: PyTorch's `num_parameters`, `init`, and the factory options. */
export interface PReLUOptions extends FactoryOptions {
  numParameters?: number;
  init?: number;
}

/**
 * Parametric ReLU with a learnable `weight` of `numParameters` slopes (1, or one per channel),
 * each initialised to `init` (0.25), as PyTorch.
 *
 * @example
 * const act = new nn.PReLU({ numParameters: 3 }); act(dl.randn(2, 3)); act.weight.shape; // [3]
 */
export class PReLU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'PReLU' }); // the repr's name, minified or not
  }
  readonly numParameters: number;
  readonly init: number;
  weight: Tensor;
  /** `new nn.PReLU(3, 0.1)` positionally or `new nn.PReLU({ numParameters: 3, init: 0.1 })`. */
  constructor(numParameters: number | PReLUOptions = 1, init = 0.25) {
    super();
    const kw: PReLUOptions = typeof numParameters === 'object' && numParameters !== null ? numParameters : {};
    this.numParameters = typeof numParameters === 'number' ? numParameters : (kw.numParameters ?? 1);
    this.init = typeof numParameters === 'number' ? init : (kw.init ?? 0.25);
    if (!Number.isInteger(this.numParameters) || this.numParameters < 1) {
      throw new dl.ArgumentError(`PReLU: num_parameters must be a positive integer, got ${String(this.numParameters)}`, {
        op: 'PReLU',
        hint: 'use 1 (one shared slope) or the channel count',
      });
    }
    this.weight = Parameter(
      dl.full([this.numParameters], this.init, { dtype: kw.dtype ?? 'float32', ...(kw.device ? { device: kw.device } : {}) }),
    );
  }
  /**
   * Refill the slopes with `init`, as PyTorch's reset_parameters.
   *
   * @example
   * const prelu = new nn.PReLU();
   * prelu.resetParameters(); // weight back to 0.25
   */
  resetParameters(): void {
    noGrad(() => this.weight.detach().fill_(this.init));
  }
  /**
   * `max(0, x) + weight * min(0, x)`, one learned slope per channel (dim 1) or one shared; `m(x)` calls it.
   *
   * @example
   * new nn.PReLU()(dl.tensor([-1, 2])); // → tensor([-0.2500,  2.0000], grad_fn=…)
   */
  forward(x: Tensor): Tensor {
    return Fa.prelu(x, this.weight);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.PReLU(3).extraRepr(); // → 'num_parameters=3'
   */
  override extraRepr(): string {
    return `num_parameters=${this.numParameters}`;
  }
}

/**
 * Gated linear unit along `dim` (default −1).
 *
 * @example
 * new nn.GLU(1)(dl.randn(2, 4)); // [2, 2]
 */
export class GLU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'GLU' }); // the repr's name, minified or not
  }
  readonly dim: number;
  constructor(dim: number | { dim?: number } = -1) {
    super();
    this.dim = typeof dim === 'object' && dim !== null ? (dim.dim ?? -1) : dim;
  }
  /**
   * Halves the input along `dim` into a, b and returns `a * sigmoid(b)` (that dim halves; an odd size is a ShapeError).
   *
   * @example
   * new nn.GLU()(dl.randn(4, 6)).shape; // → [4, 3]
   */
  forward(x: Tensor): Tensor {
    return Fa.glu(x, this.dim);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.GLU().extraRepr(); // → 'dim=-1'
   */
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * `log(sigmoid(x))`.
 *
 * @example
 * new nn.LogSigmoid()(x)
 */
export class LogSigmoid extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'LogSigmoid' }); // the repr's name, minified or not
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.LogSigmoid()(dl.tensor([0])); // → tensor([-0.6931])
   */
  forward(x: Tensor): Tensor {
    return Fa.logsigmoid(x);
  }
}

/**
 * `softmax(−x)` along `dim`.
 *
 * @example
 * new nn.Softmin(1)(x)
 */
export class Softmin extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Softmin' }); // the repr's name, minified or not
  }
  readonly dim: number;
  /** `dim` positionally or as PyTorch's keyword: `new nn.Softmin(1)`, `new nn.Softmin({ dim: 1 })`. */
  constructor(dim: number | { dim: number }) {
    super();
    this.dim = typeof dim === 'object' && dim !== null ? dim.dim : dim;
  }
  /**
   * Softmin (`softmax(-x)`) along the constructor's `dim`; `m(x)` calls it.
   *
   * @example
   * new nn.Softmin(0)(dl.tensor([0, 0])); // → tensor([0.5000, 0.5000])
   */
  forward(x: Tensor): Tensor {
    return Fa.softmin(x, this.dim);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Softmin(1).extraRepr(); // → 'dim=1'
   */
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}

/**
 * `x / (1 + |x|)`.
 *
 * @example
 * new nn.Softsign()(x)
 */
export class Softsign extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Softsign' }); // the repr's name, minified or not
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Softsign()(dl.tensor([1])); // → tensor([0.5000])
   */
  forward(x: Tensor): Tensor {
    return Fa.softsign(x);
  }
}

/**
 * `x − tanh(x)`.
 *
 * @example
 * new nn.Tanhshrink()(x)
 */
export class Tanhshrink extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Tanhshrink' }); // the repr's name, minified or not
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Tanhshrink()(dl.tensor([0])); // → tensor([0.])
   */
  forward(x: Tensor): Tensor {
    return Fa.tanhshrink(x);
  }
}

/**
 * `x` where `x > threshold`, else `value`.
 *
 * @example
 * new nn.Threshold(0.1, 20)(x)
 */
export class Threshold extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Threshold' }); // the repr's name, minified or not
  }
  readonly inplace: boolean;
  constructor(
    readonly threshold: number,
    readonly value: number,
    inplace: InplaceArg = false,
  ) {
    super();
    this.inplace = inplaceOf(inplace);
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Threshold(0.1, 20)(dl.tensor([0, 1])); // → tensor([20.,  1.])
   */
  forward(x: Tensor): Tensor {
    return Fa.threshold(x, this.threshold, this.value);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Threshold(0.1, 20).extraRepr(); // → 'threshold=0.1, value=20.0'
   */
  override extraRepr(): string {
    return `threshold=${pyFloat(this.threshold)}, value=${pyFloat(this.value)}${inplaceRepr(this.inplace, ', ')}`;
  }
}

/**
 * 0 on [−lambd, lambd], `x` elsewhere (lambd 0.5).
 *
 * @example
 * new nn.Hardshrink(0.3)(x)
 */
export class Hardshrink extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Hardshrink' }); // the repr's name, minified or not
  }
  readonly lambd: number;
  constructor(lambd: number | { lambd?: number } = 0.5) {
    super();
    this.lambd = typeof lambd === 'object' && lambd !== null ? (lambd.lambd ?? 0.5) : lambd;
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Hardshrink()(dl.tensor([0.2, 1])); // → tensor([0., 1.])
   */
  forward(x: Tensor): Tensor {
    return Fa.hardshrink(x, this.lambd);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Hardshrink().extraRepr(); // → '0.5'
   */
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}

/**
 * Shrink towards 0 by `lambd` (0.5), 0 on [−lambd, lambd].
 *
 * @example
 * new nn.Softshrink(0.3)(x)
 */
export class Softshrink extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Softshrink' }); // the repr's name, minified or not
  }
  readonly lambd: number;
  constructor(lambd: number | { lambd?: number } = 0.5) {
    super();
    this.lambd = typeof lambd === 'object' && lambd !== null ? (lambd.lambd ?? 0.5) : lambd;
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Softshrink()(dl.tensor([0.2, 1])); // → tensor([0.0000, 0.5000])
   */
  forward(x: Tensor): Tensor {
    return Fa.softshrink(x, this.lambd);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Softshrink().extraRepr(); // → '0.5'
   */
  override extraRepr(): string {
    return pyFloat(this.lambd);
  }
}
