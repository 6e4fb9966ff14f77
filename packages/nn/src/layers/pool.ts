import type { Tensor } from '@dl/tensor';
import { Module, pyTuple } from '../module.js';
import * as Fc from '../functional/conv.js';

const rep = (v: Fc.Size2): string => (typeof v === 'number' ? String(v) : pyTuple(v));

/**
 * 2-D max pooling layer (stride defaults to the kernel size).
 *
 * @example
 * new nn.MaxPool2d(2).forward(x);
 */
export class MaxPool2d extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'MaxPool2d' }); // the repr's name, minified or not
  }
  readonly stride: Fc.Size2;
  constructor(readonly kernelSize: Fc.Size2, readonly opts: { stride?: Fc.Size2 | null; padding?: Fc.Size2; dilation?: Fc.Size2; ceilMode?: boolean } = {}) {
    super();
    this.stride = opts.stride ?? kernelSize;
  }
  forward(x: Tensor): Tensor {
    return Fc.maxPool2d(x, this.kernelSize, { ...this.opts, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernel_size=${rep(this.kernelSize)}, stride=${rep(this.stride)}, padding=${rep(this.opts.padding ?? 0)}, dilation=${rep(this.opts.dilation ?? 1)}, ceil_mode=${this.opts.ceilMode ? 'True' : 'False'}`;
  }
}

/** 2-D average pooling layer. */
export class AvgPool2d extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'AvgPool2d' }); // the repr's name, minified or not
  }
  readonly stride: Fc.Size2;
  constructor(readonly kernelSize: Fc.Size2, readonly opts: { stride?: Fc.Size2 | null; padding?: Fc.Size2; ceilMode?: boolean; countIncludePad?: boolean } = {}) {
    super();
    this.stride = opts.stride ?? kernelSize;
  }
  forward(x: Tensor): Tensor {
    return Fc.avgPool2d(x, this.kernelSize, { ...this.opts, stride: this.stride });
  }
  override extraRepr(): string {
    return `kernel_size=${rep(this.kernelSize)}, stride=${rep(this.stride)}, padding=${rep(this.opts.padding ?? 0)}`;
  }
}

/** Adaptive average pooling to a fixed output size. @example new nn.AdaptiveAvgPool2d([1, 1]) */
export class AdaptiveAvgPool2d extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'AdaptiveAvgPool2d' }); // the repr's name, minified or not
  }
  constructor(readonly outputSize: number | readonly (number | null)[]) {
    super();
  }
  forward(x: Tensor): Tensor {
    return Fc.adaptiveAvgPool2d(x, this.outputSize);
  }
  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === 'number' ? o : `(${o.map((v) => (v === null ? 'None' : v)).join(', ')}${o.length === 1 ? ',' : ''})`}`;
  }
}
