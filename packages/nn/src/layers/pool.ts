import type { Tensor, ValuesIndices } from '@dl/tensor';
import { Module, pyTuple } from '../module.js';
import * as Fc from '../functional/conv.js';
import * as Fp from '../functional/pool1d.js';
import * as Fu from '../functional/unpool.js';
import { torchArgs, type ArgRow, type TorchTail } from './torch-args.js';

/** torch's positional parameters after `kernel_size` (Note [Torch's positional arguments] in torch-args.ts). */
const MAX_ROWS: readonly ArgRow[] = [
  ['stride', 'stride', 'size', true],
  ['padding', 'padding', 'size'],
  ['dilation', 'dilation', 'size'],
  ['returnIndices', 'return_indices', 'boolean'],
  ['ceilMode', 'ceil_mode', 'boolean'],
];
const AVG_ROWS: readonly ArgRow[] = [
  ['stride', 'stride', 'size', true],
  ['padding', 'padding', 'size'],
  ['ceilMode', 'ceil_mode', 'boolean'],
  ['countIncludePad', 'count_include_pad', 'boolean'],
  ['divisorOverride', 'divisor_override', 'int', true],
];
const forms = (op: string): string =>
  `new nn.${op}(3, 2, 1) (stride, padding, … in torch's order) or new nn.${op}(3, { stride: 2, padding: 1 })`;

/** What a max pooling layer returns: the tensor, or `[values, indices]` (also `.values` / `.indices`) with `returnIndices: true`, as torch's tuple. */
export type Pooled<RI extends boolean> = RI extends true ? ValuesIndices : Tensor;

const rep = (v: Fc.Size2): string => (typeof v === 'number' ? String(v) : pyTuple(v));

/**
 * 2-D max pooling layer (stride defaults to the kernel size).
 *
 * @example
 * new nn.MaxPool2d(2).forward(x);
 */
export class MaxPool2d<RI extends boolean = false> extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'MaxPool2d' }); // the repr's name, minified or not
  }
  readonly stride: Fc.Size2;
  readonly opts: { stride?: Fc.Size2 | null; padding?: Fc.Size2; dilation?: Fc.Size2; ceilMode?: boolean; returnIndices?: RI };
  constructor(
    readonly kernelSize: Fc.Size2,
    ...args: TorchTail<
      [stride: Fc.Size2 | null, padding: Fc.Size2, dilation: Fc.Size2, returnIndices: RI, ceilMode: boolean],
      { stride?: Fc.Size2 | null; padding?: Fc.Size2; dilation?: Fc.Size2; ceilMode?: boolean; returnIndices?: RI }
    >
  ) {
    super();
    const opts = (this.opts = torchArgs('MaxPool2d', MAX_ROWS, args, forms('MaxPool2d')));
    this.stride = opts.stride ?? kernelSize;
  }
  /**
   * The pooled tensor, or `[values, indices]` with `returnIndices`.
   *
   * @example
   * const pool = new nn.MaxPool2d(2);
   * pool(dl.randn(1, 3, 8, 8)).shape; // → [1, 3, 4, 4]
   */
  forward(x: Tensor): Pooled<RI> {
    const o = { ...this.opts, stride: this.stride };
    return (this.opts.returnIndices ? Fc.maxPool2dWithIndices(x, this.kernelSize, o) : Fc.maxPool2d(x, this.kernelSize, o)) as Pooled<RI>;
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.MaxPool2d(2).extraRepr(); // → 'kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False'
   */
  override extraRepr(): string {
    return `kernel_size=${rep(this.kernelSize)}, stride=${rep(this.stride)}, padding=${rep(this.opts.padding ?? 0)}, dilation=${rep(this.opts.dilation ?? 1)}, ceil_mode=${this.opts.ceilMode ? 'True' : 'False'}`;
  }
}

/**
 * 2-D average pooling layer.
 *
 * @example
 * const pool = new nn.AvgPool2d(2); // as torch.nn.AvgPool2d(2): stride defaults to kernel_size
 * pool(dl.randn(1, 3, 8, 8)).shape; // → [1, 3, 4, 4]
 */
export class AvgPool2d extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'AvgPool2d' }); // the repr's name, minified or not
  }
  readonly stride: Fc.Size2;
  readonly opts: {
    stride?: Fc.Size2 | null;
    padding?: Fc.Size2;
    ceilMode?: boolean;
    countIncludePad?: boolean;
    divisorOverride?: number | null;
  };
  constructor(
    readonly kernelSize: Fc.Size2,
    ...args: TorchTail<
      [stride: Fc.Size2 | null, padding: Fc.Size2, ceilMode: boolean, countIncludePad: boolean, divisorOverride: number | null],
      { stride?: Fc.Size2 | null; padding?: Fc.Size2; ceilMode?: boolean; countIncludePad?: boolean; divisorOverride?: number | null }
    >
  ) {
    super();
    const opts = (this.opts = torchArgs('AvgPool2d', AVG_ROWS, args, forms('AvgPool2d')));
    this.stride = opts.stride ?? kernelSize;
  }
  /**
   * Average-pools [N, C, H, W] (or [C, H, W]) with the constructor's window; `pool(x)` calls it.
   *
   * @example
   * new nn.AvgPool2d(2)(dl.ones(1, 1, 4, 4)); // → all ones, [1, 1, 2, 2]
   */
  forward(x: Tensor): Tensor {
    return Fc.avgPool2d(x, this.kernelSize, { ...this.opts, stride: this.stride });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.AvgPool2d(2).extraRepr(); // → 'kernel_size=2, stride=2, padding=0'
   */
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
  /**
   * Average-pools [N, C, H, W] (or [C, H, W]) to the constructor's output size; `pool(x)` calls it.
   *
   * @example
   * new nn.AdaptiveAvgPool2d([7, 7])(dl.randn(2, 512, 14, 14)).shape; // → [2, 512, 7, 7]
   */
  forward(x: Tensor): Tensor {
    return Fc.adaptiveAvgPool2d(x, this.outputSize);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.AdaptiveAvgPool2d([7, 7]).extraRepr(); // → 'output_size=(7, 7)'
   */
  override extraRepr(): string {
    const o = this.outputSize;
    return `output_size=${typeof o === 'number' ? o : `(${o.map((v) => (v === null ? 'None' : v)).join(', ')}${o.length === 1 ? ',' : ''})`}`;
  }
}

const r1 = (v: Fp.Size1): string => (typeof v === 'number' ? String(v) : pyTuple(v));

/**
 * 1-D max pooling layer over [C, L] or [N, C, L] (stride defaults to the kernel size);
 * `returnIndices` makes it return `{ values, indices }`.
 *
 * @example
 * new nn.MaxPool1d(3, { stride: 2 })(x);
 */
export class MaxPool1d<RI extends boolean = false> extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'MaxPool1d' }); // the repr's name, minified or not
  }
  readonly stride: Fp.Size1;
  readonly opts: { stride?: Fp.Size1 | null; padding?: Fp.Size1; dilation?: Fp.Size1; ceilMode?: boolean; returnIndices?: RI };
  constructor(
    readonly kernelSize: Fp.Size1,
    ...args: TorchTail<
      [stride: Fp.Size1 | null, padding: Fp.Size1, dilation: Fp.Size1, returnIndices: RI, ceilMode: boolean],
      { stride?: Fp.Size1 | null; padding?: Fp.Size1; dilation?: Fp.Size1; ceilMode?: boolean; returnIndices?: RI }
    >
  ) {
    super();
    const opts = (this.opts = torchArgs('MaxPool1d', MAX_ROWS, args, forms('MaxPool1d')));
    this.stride = opts.stride ?? kernelSize;
  }
  /**
   * The pooled tensor, or `[values, indices]` with `returnIndices`.
   *
   * @example
   * new nn.MaxPool1d(2)(dl.randn(4, 16, 10)).shape; // → [4, 16, 5]
   */
  forward(x: Tensor): Pooled<RI> {
    const o = { ...this.opts, stride: this.stride };
    return (this.opts.returnIndices ? Fp.maxPool1dWithIndices(x, this.kernelSize, o) : Fp.maxPool1d(x, this.kernelSize, o)) as Pooled<RI>;
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.MaxPool1d(2).extraRepr(); // → 'kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False'
   */
  override extraRepr(): string {
    return `kernel_size=${r1(this.kernelSize)}, stride=${r1(this.stride)}, padding=${r1(this.opts.padding ?? 0)}, dilation=${r1(this.opts.dilation ?? 1)}, ceil_mode=${this.opts.ceilMode ? 'True' : 'False'}`;
  }
}

/**
 * 1-D average pooling layer over [C, L] or [N, C, L].
 *
 * @example
 * new nn.AvgPool1d(3, { stride: 1, padding: 1, countIncludePad: false })(x);
 */
export class AvgPool1d extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'AvgPool1d' }); // the repr's name, minified or not
  }
  readonly stride: Fp.Size1;
  readonly opts: { stride?: Fp.Size1 | null; padding?: Fp.Size1; ceilMode?: boolean; countIncludePad?: boolean };
  constructor(
    readonly kernelSize: Fp.Size1,
    ...args: TorchTail<
      [stride: Fp.Size1 | null, padding: Fp.Size1, ceilMode: boolean, countIncludePad: boolean],
      { stride?: Fp.Size1 | null; padding?: Fp.Size1; ceilMode?: boolean; countIncludePad?: boolean }
    >
  ) {
    super();
    const opts = (this.opts = torchArgs('AvgPool1d', AVG_ROWS, args, forms('AvgPool1d')));
    this.stride = opts.stride ?? kernelSize;
  }
  /**
   * Average-pools [N, C, L] (or [C, L]) with the constructor's window; `pool(x)` calls it.
   *
   * @example
   * new nn.AvgPool1d(2)(dl.tensor([[1, 3, 5, 7]])); // → tensor([[2., 6.]])
   */
  forward(x: Tensor): Tensor {
    return Fp.avgPool1d(x, this.kernelSize, { ...this.opts, stride: this.stride });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.AvgPool1d(2).extraRepr(); // → 'kernel_size=(2,), stride=(2,), padding=(0,)'
   */
  override extraRepr(): string {
    const t = (v: Fp.Size1) => pyTuple(typeof v === 'number' ? [v] : v); // torch stores _single(...) tuples
    return `kernel_size=${t(this.kernelSize)}, stride=${t(this.stride)}, padding=${t(this.opts.padding ?? 0)}`;
  }
}

const outRepr = (o: number | readonly (number | null)[]): string =>
  typeof o === 'number' ? String(o) : `(${o.map((v) => (v === null ? 'None' : v)).join(', ')}${o.length === 1 ? ',' : ''})`;

/** Adaptive average pooling of [C, L] or [N, C, L] to a fixed length. @example new nn.AdaptiveAvgPool1d(4) */
export class AdaptiveAvgPool1d extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'AdaptiveAvgPool1d' }); // the repr's name, minified or not
  }
  constructor(readonly outputSize: Fp.Size1) {
    super();
  }
  /**
   * Average-pools [N, C, L] (or [C, L]) to the constructor's length; `pool(x)` calls it.
   *
   * @example
   * new nn.AdaptiveAvgPool1d(4)(dl.randn(2, 8, 16)).shape; // → [2, 8, 4]
   */
  forward(x: Tensor): Tensor {
    return Fp.adaptiveAvgPool1d(x, this.outputSize);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.AdaptiveAvgPool1d(4).extraRepr(); // → 'output_size=4'
   */
  override extraRepr(): string {
    return `output_size=${outRepr(this.outputSize)}`;
  }
}

/**
 * Adaptive max pooling of [C, L] or [N, C, L] to a fixed length (`returnIndices`: `{ values, indices }`).
 *
 * @example
 * new nn.AdaptiveMaxPool1d(4)(x);
 */
export class AdaptiveMaxPool1d<RI extends boolean = false> extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'AdaptiveMaxPool1d' }); // the repr's name, minified or not
  }
  readonly opts: { returnIndices?: RI };
  constructor(
    readonly outputSize: Fp.Size1,
    ...args: TorchTail<[returnIndices: RI], { returnIndices?: RI }>
  ) {
    super();
    this.opts = torchArgs(
      'AdaptiveMaxPool1d',
      [['returnIndices', 'return_indices', 'boolean']],
      args,
      'new nn.AdaptiveMaxPool1d(4, true) or new nn.AdaptiveMaxPool1d(4, { returnIndices: true })',
    );
  }
  /**
   * The pooled tensor, or `[values, indices]` with `returnIndices`.
   *
   * @example
   * new nn.AdaptiveMaxPool1d(4)(dl.randn(2, 8, 16)).shape; // → [2, 8, 4]
   */
  forward(x: Tensor): Pooled<RI> {
    return (
      this.opts.returnIndices ? Fp.adaptiveMaxPool1dWithIndices(x, this.outputSize) : Fp.adaptiveMaxPool1d(x, this.outputSize)
    ) as Pooled<RI>;
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.AdaptiveMaxPool1d(4).extraRepr(); // → 'output_size=4'
   */
  override extraRepr(): string {
    return `output_size=${outRepr(this.outputSize)}`;
  }
}

/**
 * Adaptive max pooling of [C, H, W] or [N, C, H, W] to a fixed size (null keeps a size;
 * `returnIndices`: `{ values, indices }` with torch's flat indices).
 *
 * @example
 * new nn.AdaptiveMaxPool2d([7, 7])(x);
 */
export class AdaptiveMaxPool2d<RI extends boolean = false> extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'AdaptiveMaxPool2d' }); // the repr's name, minified or not
  }
  readonly opts: { returnIndices?: RI };
  constructor(
    readonly outputSize: number | readonly (number | null)[],
    ...args: TorchTail<[returnIndices: RI], { returnIndices?: RI }>
  ) {
    super();
    this.opts = torchArgs(
      'AdaptiveMaxPool2d',
      [['returnIndices', 'return_indices', 'boolean']],
      args,
      'new nn.AdaptiveMaxPool2d(7, true) or new nn.AdaptiveMaxPool2d(7, { returnIndices: true })',
    );
  }
  /**
   * The pooled tensor, or `[values, indices]` with `returnIndices`.
   *
   * @example
   * new nn.AdaptiveMaxPool2d(1)(dl.randn(2, 8, 5, 5)).shape; // → [2, 8, 1, 1]
   */
  forward(x: Tensor): Pooled<RI> {
    return (
      this.opts.returnIndices ? Fp.adaptiveMaxPool2dWithIndices(x, this.outputSize) : Fp.adaptiveMaxPool2d(x, this.outputSize)
    ) as Pooled<RI>;
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.AdaptiveMaxPool2d(1).extraRepr(); // → 'output_size=1'
   */
  override extraRepr(): string {
    return `output_size=${outRepr(this.outputSize)}`;
  }
}

/**
 * The partial inverse of MaxPool2d: `unpool(values, indices)` puts each max back where it came
 * from, zeros elsewhere, as torch's `nn.MaxUnpool2d`; `outputSize` resolves the ambiguous size.
 *
 * @example
 * const pool = new nn.MaxPool2d(2, { returnIndices: true });
 * const { values, indices } = pool(x);
 * new nn.MaxUnpool2d(2)(values, indices);
 */
export class MaxUnpool2d extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'MaxUnpool2d' }); // the repr's name, minified or not
  }
  readonly kernelSize: [number, number];
  readonly stride: [number, number];
  readonly padding: [number, number];
  constructor(kernelSize: Fc.Size2, opts: { stride?: Fc.Size2 | null; padding?: Fc.Size2 } = {}) {
    super();
    const p2 = (v: Fc.Size2): [number, number] => (typeof v === 'number' ? [v, v] : [v[0]!, v[1] ?? v[0]!]);
    this.kernelSize = p2(kernelSize);
    this.stride = p2(opts.stride ?? kernelSize);
    this.padding = p2(opts.padding ?? 0);
  }
  /**
   * Scatters `x` back to the positions `indices` (from a MaxPool2d with `returnIndices: true`), zeros elsewhere; `outputSize` picks among
   * the valid sizes, as `torch.nn.MaxUnpool2d.forward`.
   *
   * @example
   * const pool = new nn.MaxPool2d(2, { returnIndices: true }), unpool = new nn.MaxUnpool2d(2);
   * const { values, indices } = pool(dl.randn(1, 1, 4, 4));
   * unpool(values, indices).shape; // → [1, 1, 4, 4]
   */
  forward(x: Tensor, indices: Tensor, outputSize: readonly number[] | null = null): Tensor {
    return Fu.maxUnpool2d(x, indices, this.kernelSize, { stride: this.stride, padding: this.padding, outputSize });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.MaxUnpool2d(2).extraRepr(); // → 'kernel_size=(2, 2), stride=(2, 2), padding=(0, 0)'
   */
  override extraRepr(): string {
    return `kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}, padding=${pyTuple(this.padding)}`;
  }
}

/**
 * The partial inverse of MaxPool1d, as torch's `nn.MaxUnpool1d`.
 *
 * @example
 * new nn.MaxUnpool1d(2)(values, indices);
 */
export class MaxUnpool1d extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'MaxUnpool1d' }); // the repr's name, minified or not
  }
  readonly kernelSize: number;
  readonly stride: number;
  readonly padding: number;
  constructor(kernelSize: number, opts: { stride?: number | null; padding?: number } = {}) {
    super();
    this.kernelSize = kernelSize;
    this.stride = opts.stride ?? kernelSize;
    this.padding = opts.padding ?? 0;
  }
  /**
   * Scatters `x` back to the positions `indices` (from a MaxPool1d with `returnIndices: true`), zeros elsewhere; `outputSize` picks among
   * the valid sizes, as `torch.nn.MaxUnpool1d.forward`.
   *
   * @example
   * const pool = new nn.MaxPool1d(2, { returnIndices: true }), unpool = new nn.MaxUnpool1d(2);
   * const { values, indices } = pool(dl.tensor([[1, 2, 3, 4]]));
   * unpool(values, indices); // → tensor([[0., 2., 0., 4.]])
   */
  forward(x: Tensor, indices: Tensor, outputSize: readonly number[] | null = null): Tensor {
    return Fu.maxUnpool1d(x, indices, this.kernelSize, { stride: this.stride, padding: this.padding, outputSize });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.MaxUnpool1d(2).extraRepr(); // → 'kernel_size=(2,), stride=(2,), padding=(0,)'
   */
  override extraRepr(): string {
    return `kernel_size=${pyTuple([this.kernelSize])}, stride=${pyTuple([this.stride])}, padding=${pyTuple([this.padding])}`;
  }
}
