import { ArgumentError, type Tensor } from '@dl/tensor';
import { Module, pyFloat, pyTuple } from '../module.js';
import { pad, type PadMode } from '../functional/pad.js';

/** A padding given as one number (every side) or as torch's (left, right[, top, bottom]) tuple. */
export type PadSize = number | readonly number[];

abstract class PadNd extends Module {
  readonly padding: number[];
  protected abstract readonly mode: PadMode;
  constructor(
    padding: PadSize,
    nd: number,
    readonly value = 0,
  ) {
    super();
    const op = this._getName();
    if (typeof padding === 'number') this.padding = Array(2 * nd).fill(padding);
    else if (padding.length === 2 * nd) this.padding = [...padding];
    else throw new ArgumentError(`${op}: padding must be a number or ${2 * nd} numbers, got ${JSON.stringify(padding)}`, { op });
  }
  /**
   * Pads the trailing dims of `x` by the constructor's padding (last dim first, as `F.pad`); `pad(x)` calls it.
   *
   * @example
   * new nn.ConstantPad1d(2, 3.5)(dl.zeros(1, 2)); // → tensor([[3.5000, 3.5000, 0.0000, 0.0000, 3.5000, 3.5000]])
   */
  forward(x: Tensor): Tensor {
    return this.mode === 'constant' ? pad(x, this.padding, { value: this.value }) : pad(x, this.padding, { mode: this.mode });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.ReflectionPad1d(2).extraRepr(); // → '(2, 2)'
   */
  override extraRepr(): string {
    return pyTuple(this.padding);
  }
}

abstract class ConstantPadNd extends PadNd {
  protected readonly mode = 'constant';
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.ConstantPad1d(2, 3.5).extraRepr(); // → 'padding=(2, 2), value=3.5'
   */
  override extraRepr(): string {
    return `padding=${pyTuple(this.padding)}, value=${pyFloat(this.value)}`;
  }
}

/**
 * Pads the last dim with a constant, as torch's `nn.ConstantPad1d`.
 *
 * @example
 * new nn.ConstantPad1d([1, 2], 3.5)(x);
 */
export class ConstantPad1d extends ConstantPadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ConstantPad1d' }); // the repr's name, minified or not
  }
  constructor(padding: PadSize, value: number) {
    super(padding, 1, value);
  }
}

/**
 * Pads the last two dims with a constant, as torch's `nn.ConstantPad2d`.
 *
 * @example
 * new nn.ConstantPad2d(1, -1)(img);
 */
export class ConstantPad2d extends ConstantPadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ConstantPad2d' }); // the repr's name, minified or not
  }
  constructor(padding: PadSize, value: number) {
    super(padding, 2, value);
  }
}

/**
 * Pads the last two dims with zeros, as torch's `nn.ZeroPad2d`.
 *
 * @example
 * new nn.ZeroPad2d([1, 1, 2, 0])(img);
 */
export class ZeroPad2d extends PadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ZeroPad2d' }); // the repr's name, minified or not
  }
  protected readonly mode = 'constant';
  constructor(padding: PadSize) {
    super(padding, 2, 0);
  }
}

/**
 * Pads the last dim with its reflection (edge not repeated), as torch's `nn.ReflectionPad1d`.
 *
 * @example
 * new nn.ReflectionPad1d(2)(dl.arange(8).float().reshape(1, 2, 4));
 */
export class ReflectionPad1d extends PadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ReflectionPad1d' }); // the repr's name, minified or not
  }
  protected readonly mode = 'reflect';
  constructor(padding: PadSize) {
    super(padding, 1);
  }
}

/**
 * Pads the last two dims with their reflection, as torch's `nn.ReflectionPad2d`.
 *
 * @example
 * new nn.ReflectionPad2d([1, 1, 2, 0])(img);
 */
export class ReflectionPad2d extends PadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ReflectionPad2d' }); // the repr's name, minified or not
  }
  protected readonly mode = 'reflect';
  constructor(padding: PadSize) {
    super(padding, 2);
  }
}

/**
 * Pads the last dim by repeating its edge values, as torch's `nn.ReplicationPad1d`.
 *
 * @example
 * new nn.ReplicationPad1d([3, 1])(x);
 */
export class ReplicationPad1d extends PadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ReplicationPad1d' }); // the repr's name, minified or not
  }
  protected readonly mode = 'replicate';
  constructor(padding: PadSize) {
    super(padding, 1);
  }
}

/**
 * Pads the last two dims by repeating their edge values, as torch's `nn.ReplicationPad2d`.
 *
 * @example
 * new nn.ReplicationPad2d(1)(img);
 */
export class ReplicationPad2d extends PadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ReplicationPad2d' }); // the repr's name, minified or not
  }
  protected readonly mode = 'replicate';
  constructor(padding: PadSize) {
    super(padding, 2);
  }
}

/**
 * Pads the last three dims with a constant, as torch's `nn.ConstantPad3d`.
 *
 * @example
 * new nn.ConstantPad3d([1, 1, 0, 2, 1, 0], 0.5)(vol);
 */
export class ConstantPad3d extends ConstantPadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ConstantPad3d' }); // the repr's name, minified or not
  }
  constructor(padding: PadSize, value: number) {
    super(padding, 3, value);
  }
}

/**
 * Pads the last three dims with their reflection, as torch's `nn.ReflectionPad3d`.
 *
 * @example
 * new nn.ReflectionPad3d(1)(vol);
 */
export class ReflectionPad3d extends PadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ReflectionPad3d' }); // the repr's name, minified or not
  }
  protected readonly mode = 'reflect';
  constructor(padding: PadSize) {
    super(padding, 3);
  }
}

/**
 * Pads the last three dims by repeating their edge values, as torch's `nn.ReplicationPad3d`.
 *
 * @example
 * new nn.ReplicationPad3d([1, 0, 2, 1, 0, 1])(vol);
 */
export class ReplicationPad3d extends PadNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ReplicationPad3d' }); // the repr's name, minified or not
  }
  protected readonly mode = 'replicate';
  constructor(padding: PadSize) {
    super(padding, 3);
  }
}
