import { ArgumentError, type Tensor } from '@dl/tensor';
import { Module, pyFloat } from '../module.js';
import * as Fa from '../functional/activation.js';
import { inplaceOf, inplaceRepr, type InplaceArg } from './activation-extra.js';
import { torchArgs, type TorchTail } from './torch-args.js';

/** `max(x, 0)`. @example new nn.ReLU().forward(x) */
export class ReLU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'ReLU' }); // the repr's name, minified or not
  }
  readonly inplace: boolean;
  /** `new nn.ReLU()`, `new nn.ReLU(true)` or `new nn.ReLU({ inplace: true })` (Note [inplace activations]). */
  constructor(inplace: InplaceArg = false) {
    super();
    this.inplace = inplaceOf(inplace);
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * const relu = new nn.ReLU();
   * relu(dl.tensor([-1, 2])); // → tensor([0., 2.])
   */
  forward(x: Tensor): Tensor {
    return Fa.relu(x);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.ReLU(true).extraRepr(); // → 'inplace=True'
   */
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}
/**
 * Leaky ReLU with `negativeSlope` (default 0.01).
 *
 * @example
 * const act = new nn.LeakyReLU(0.1); // as torch.nn.LeakyReLU(0.1)
 * act(dl.tensor([-1, 2])); // → tensor([-0.1000,  2.0000])
 */
export class LeakyReLU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'LeakyReLU' }); // the repr's name, minified or not
  }
  readonly negativeSlope: number;
  readonly inplace: boolean;
  /** `new nn.LeakyReLU(0.2, true)` or `new nn.LeakyReLU({ negativeSlope: 0.2, inplace: true })`. */
  constructor(negativeSlope: number | { negativeSlope?: number; inplace?: boolean } = 0.01, inplace = false) {
    super();
    const kw = typeof negativeSlope === 'object' && negativeSlope !== null ? negativeSlope : null;
    this.negativeSlope = kw ? (kw.negativeSlope ?? 0.01) : (negativeSlope as number);
    this.inplace = kw ? !!kw.inplace : inplace;
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.LeakyReLU()(dl.tensor([-1, 2])); // → tensor([-0.0100,  2.0000])
   */
  forward(x: Tensor): Tensor {
    return Fa.leakyRelu(x, this.negativeSlope);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.LeakyReLU().extraRepr(); // → 'negative_slope=0.01'
   */
  override extraRepr(): string {
    return `negative_slope=${pyFloat(this.negativeSlope)}${inplaceRepr(this.inplace, ', ')}`;
  }
}
/**
 * ELU with `alpha` (default 1).
 *
 * @example
 * const elu = new nn.ELU(); // as torch.nn.ELU(alpha=1.0)
 * elu(dl.randn(2, 3)).shape; // → [2, 3]
 */
export class ELU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'ELU' }); // the repr's name, minified or not
  }
  readonly alpha: number;
  readonly inplace: boolean;
  /** `new nn.ELU(0.5, true)` or `new nn.ELU({ alpha: 0.5, inplace: true })`. */
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
   * new nn.ELU()(dl.tensor([0, 1])); // → tensor([0., 1.])
   */
  forward(x: Tensor): Tensor {
    return Fa.elu(x, this.alpha);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.ELU().extraRepr(); // → 'alpha=1.0'
   */
  override extraRepr(): string {
    return `alpha=${pyFloat(this.alpha)}${inplaceRepr(this.inplace, ', ')}`;
  }
}
/**
 * GELU, exact or `{ approximate: 'tanh' }`.
 *
 * @example
 * const gelu = new nn.GELU('tanh'); // as torch.nn.GELU(approximate='tanh')
 * gelu(dl.randn(4, 8)).shape; // → [4, 8]
 */
export class GELU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'GELU' }); // the repr's name, minified or not
  }
  readonly opts: { approximate?: 'none' | 'tanh' };
  /** `new nn.GELU({ approximate: 'tanh' })` or positionally as PyTorch's `nn.GELU('tanh')`. */
  constructor(opts: { approximate?: 'none' | 'tanh' } | 'none' | 'tanh' = {}) {
    super();
    this.opts = typeof opts === 'string' ? { approximate: opts } : opts;
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.GELU()(dl.tensor([0])); // → tensor([0.])
   */
  forward(x: Tensor): Tensor {
    return Fa.gelu(x, this.opts);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.GELU().extraRepr(); // → "approximate='none'"
   */
  override extraRepr(): string {
    return `approximate='${this.opts.approximate ?? 'none'}'`;
  }
}
/**
 * `x * sigmoid(x)`.
 *
 * @example
 * const silu = new nn.SiLU(); // as torch.nn.SiLU(); `new nn.SiLU(true)` works in place
 * silu(dl.tensor([0])); // → tensor([0.])
 */
export class SiLU extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'SiLU' }); // the repr's name, minified or not
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
   * new nn.SiLU()(dl.randn(2, 3)).shape; // → [2, 3]
   */
  forward(x: Tensor): Tensor {
    return Fa.silu(x);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.SiLU(true).extraRepr(); // → 'inplace=True'
   */
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}
/**
 * Logistic sigmoid.
 *
 * @example
 * const sigmoid = new nn.Sigmoid(); // as torch.nn.Sigmoid()
 * sigmoid(dl.tensor([0])); // → tensor([0.5000])
 */
export class Sigmoid extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Sigmoid' }); // the repr's name, minified or not
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Sigmoid()(dl.zeros(2, 3)); // all 0.5
   */
  forward(x: Tensor): Tensor {
    return Fa.sigmoid(x);
  }
}
/**
 * Hyperbolic tangent.
 *
 * @example
 * const tanh = new nn.Tanh(); // as torch.nn.Tanh()
 * tanh(dl.tensor([0])); // → tensor([0.])
 */
export class Tanh extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Tanh' }); // the repr's name, minified or not
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Tanh()(dl.randn(2, 3)).shape; // → [2, 3]
   */
  forward(x: Tensor): Tensor {
    return Fa.tanh(x);
  }
}
/**
 * Clamp into [minVal, maxVal] (default [-1, 1]).
 *
 * @example
 * const act = new nn.Hardtanh(-2, 2); // as torch.nn.Hardtanh(-2, 2)
 * act(dl.tensor([-3, 1, 3])); // → tensor([-2.,  1.,  2.])
 */
export class Hardtanh extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Hardtanh' }); // the repr's name, minified or not
  }
  readonly minVal: number;
  readonly maxVal: number;
  readonly inplace: boolean;
  /** `new nn.Hardtanh(-2, 2, true)` or `new nn.Hardtanh({ minVal: -2, maxVal: 2, inplace: true })`. */
  constructor(minVal: number | { minVal?: number; maxVal?: number; inplace?: boolean } = -1, maxVal = 1, inplace = false) {
    super();
    const kw = typeof minVal === 'object' && minVal !== null ? minVal : null;
    this.minVal = kw ? (kw.minVal ?? -1) : (minVal as number);
    this.maxVal = kw ? (kw.maxVal ?? 1) : maxVal;
    this.inplace = kw ? !!kw.inplace : inplace;
    if (!(this.maxVal > this.minVal)) {
      throw new ArgumentError(`Hardtanh: max_val (${this.maxVal}) must be greater than min_val (${this.minVal})`, { op: 'Hardtanh' });
    }
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Hardtanh()(dl.tensor([-3, 0.5, 3])); // → tensor([-1.0000,  0.5000,  1.0000])
   */
  forward(x: Tensor): Tensor {
    return Fa.hardtanh(x, this.minVal, this.maxVal);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Hardtanh().extraRepr(); // → 'min_val=-1.0, max_val=1.0'
   */
  override extraRepr(): string {
    return `min_val=${pyFloat(this.minVal)}, max_val=${pyFloat(this.maxVal)}${inplaceRepr(this.inplace, ', ')}`;
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
  constructor(inplace: InplaceArg = false) {
    super(0, 6, inplaceOf(inplace));
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.ReLU6(true).extraRepr(); // → 'inplace=True'
   */
  override extraRepr(): string {
    return inplaceRepr(this.inplace);
  }
}
/**
 * Softplus with `beta` and `threshold`.
 *
 * @example
 * const sp = new nn.Softplus(2, 10); // as torch.nn.Softplus(beta=2, threshold=10)
 * sp(dl.randn(3)).shape; // → [3]
 */
export class Softplus extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Softplus' }); // the repr's name, minified or not
  }
  readonly opts: { beta?: number; threshold?: number };
  /** torch's positional `beta, threshold` (`new nn.Softplus(2, 10)`) or `{ beta, threshold }`. */
  constructor(...args: TorchTail<[beta: number, threshold: number], { beta?: number; threshold?: number }>) {
    super();
    this.opts = torchArgs(
      'Softplus',
      [
        ['beta', 'beta', 'number'],
        ['threshold', 'threshold', 'number'],
      ],
      args,
      'new nn.Softplus(2, 10) or new nn.Softplus({ beta: 2 })',
    );
  }
  /**
   * Applies the activation elementwise (any shape in, the same shape out); `m(x)` calls it, as in PyTorch.
   *
   * @example
   * new nn.Softplus()(dl.tensor([30])); // → tensor([30.]) (linear above the threshold)
   */
  forward(x: Tensor): Tensor {
    return Fa.softplus(x, this.opts);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Softplus().extraRepr(); // → 'beta=1, threshold=20'
   */
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
  /**
   * Softmax along the constructor's `dim` (any shape in, the same shape out); `m(x)` calls it.
   *
   * @example
   * const softmax = new nn.Softmax(1);
   * softmax(dl.zeros(2, 4)); // every entry 0.25
   */
  forward(x: Tensor): Tensor {
    return Fa.softmax(x, this.dim);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Softmax(1).extraRepr(); // → 'dim=1'
   */
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
/**
 * Log-softmax along `dim`.
 *
 * @example
 * const logSoftmax = new nn.LogSoftmax(1); // as torch.nn.LogSoftmax(dim=1)
 * const logp = logSoftmax(dl.randn(8, 10)); // [8, 10], rows logsumexp to 0
 */
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
  /**
   * Log-softmax along the constructor's `dim` (any shape in, the same shape out); `m(x)` calls it.
   *
   * @example
   * new nn.LogSoftmax(0)(dl.zeros(2)); // → tensor([-0.6931, -0.6931])
   */
  forward(x: Tensor): Tensor {
    return Fa.logSoftmax(x, this.dim);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.LogSoftmax(1).extraRepr(); // → 'dim=1'
   */
  override extraRepr(): string {
    return `dim=${this.dim}`;
  }
}
