import type { Tensor } from '@dl/tensor';
import { ArgumentError } from '@dl/tensor';
import { Module, pyTuple } from '../module.js';
import * as Fc from '../functional/conv.js';
import { transposeOutputPadding } from '../functional/conv-args.js';
import { param, resetLinearLike, type FactoryOptions } from './basic.js';
import { torchArgs, type ArgRow, type TorchTail } from './torch-args.js';

/** torch's positional parameters after `in_channels, out_channels, kernel_size` (Note [Torch's positional arguments] in torch-args.ts). */
const CONV_ROWS: readonly ArgRow[] = [
  ['stride', 'stride', 'size'],
  ['padding', 'padding', 'any'],
  ['dilation', 'dilation', 'size'],
  ['groups', 'groups', 'int'],
  ['bias', 'bias', 'boolean'],
  ['paddingMode', 'padding_mode', 'string'],
];
const TCONV_ROWS: readonly ArgRow[] = [
  ['stride', 'stride', 'size'],
  ['padding', 'padding', 'size'],
  ['outputPadding', 'output_padding', 'size'],
  ['groups', 'groups', 'int'],
  ['bias', 'bias', 'boolean'],
  ['dilation', 'dilation', 'size'],
  ['paddingMode', 'padding_mode', 'string'],
];

function convOpts<O>(op: string, rows: readonly ArgRow[], args: readonly unknown[]): O {
  const o = torchArgs<O & { paddingMode?: string }>(
    op,
    rows,
    args,
    `new nn.${op}(1, 6, 5, 1, 2) (stride, padding, … in torch's order) or new nn.${op}(1, 6, 5, { stride: 1, padding: 2 })`,
  );
  if (o.paddingMode !== undefined && o.paddingMode !== 'zeros')
    throw new ArgumentError(`${op}: padding_mode '${o.paddingMode}' is not supported (only 'zeros')`, {
      op,
      hint: `pad with F.pad(x, pads, '${o.paddingMode}') before a padding-0 ${op}`,
    });
  return o;
}

/** Options of Conv1d/Conv2d. */
export interface ConvOptions extends FactoryOptions {
  stride?: Fc.Size2;
  padding?: Fc.Size2 | 'same' | 'valid';
  dilation?: Fc.Size2;
  groups?: number;
  bias?: boolean;
}

abstract class ConvNd extends Module {
  weight: Tensor;
  bias: Tensor | null;
  readonly kernelSize: number[];
  readonly stride: number[];
  readonly padding: number[] | 'same' | 'valid';
  readonly dilation: number[];
  readonly outputPadding: number[];
  readonly groups: number;
  protected abstract readonly transposed: boolean;
  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: Fc.Size2,
    nd: number,
    opts: ConvOptions & { outputPadding?: Fc.Size2 },
    transposed: boolean,
  ) {
    super();
    const op = this._getName();
    const tuple = (v: Fc.Size2, name: string): number[] =>
      typeof v === 'number'
        ? Array(nd).fill(v)
        : v.length === nd
          ? [...v]
          : (() => {
              throw new ArgumentError(`${op}: ${name} must have ${nd} entries, got ${JSON.stringify(v)}`, { op });
            })();
    this.groups = opts.groups ?? 1;
    if (inChannels % this.groups !== 0) throw new ArgumentError(`${op}: in_channels must be divisible by groups`, { op });
    if (outChannels % this.groups !== 0) throw new ArgumentError(`${op}: out_channels must be divisible by groups`, { op });
    this.kernelSize = tuple(kernelSize, 'kernelSize');
    this.stride = tuple(opts.stride ?? 1, 'stride');
    this.dilation = tuple(opts.dilation ?? 1, 'dilation');
    this.outputPadding = tuple(opts.outputPadding ?? 0, 'outputPadding');
    const pd = opts.padding ?? 0;
    if (pd === 'same' && this.stride.some((s) => s !== 1))
      throw new ArgumentError(`${op}: padding='same' is not supported for strided convolutions`, { op });
    this.padding = pd === 'same' || pd === 'valid' ? pd : tuple(pd, 'padding');
    const wShape = transposed
      ? [inChannels, outChannels / this.groups, ...this.kernelSize]
      : [outChannels, inChannels / this.groups, ...this.kernelSize];
    this.weight = param(wShape, opts);
    this.bias = opts.bias === false ? null : param([outChannels], opts);
    this.resetParameters();
  }
  /**
   * Re-draws weight and bias with PyTorch's default init (kaiming-uniform a=√5, bias U(±1/√fanIn)), as torch's `reset_parameters()`.
   *
   * @example
   * const conv = new nn.Conv2d(3, 8, 3);
   * conv.resetParameters();
   */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Conv1d(16, 33, 3).extraRepr(); // → '16, 33, kernel_size=(3,), stride=(1,)'
   */
  override extraRepr(): string {
    let s = `${this.inChannels}, ${this.outChannels}, kernel_size=${pyTuple(this.kernelSize)}, stride=${pyTuple(this.stride)}`;
    if (typeof this.padding === 'string') s += `, padding=${this.padding}`;
    else if (this.padding.some((p) => p !== 0)) s += `, padding=${pyTuple(this.padding)}`;
    if (this.dilation.some((d) => d !== 1)) s += `, dilation=${pyTuple(this.dilation)}`;
    if (this.outputPadding.some((d) => d !== 0)) s += `, output_padding=${pyTuple(this.outputPadding)}`;
    if (this.groups !== 1) s += `, groups=${this.groups}`;
    if (!this.bias) s += ', bias=False';
    return s;
  }
}

/**
 * 2-D convolution layer (stride, padding incl. 'same', dilation, groups, bias), PyTorch's init.
 *
 * @example
 * const conv = new nn.Conv2d(1, 6, 5); conv.forward(dl.rand(1, 1, 32, 32)).shape; // [1, 6, 28, 28]
 */
export class Conv2d extends ConvNd {
  static {
    Object.defineProperty(this, 'name', { value: 'Conv2d' }); // the repr's name, minified or not
  }
  protected readonly transposed = false;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Fc.Size2,
    ...args: TorchTail<
      [stride: Fc.Size2, padding: Fc.Size2 | 'same' | 'valid', dilation: Fc.Size2, groups: number, bias: boolean, paddingMode: 'zeros'],
      ConvOptions
    >
  ) {
    super(inChannels, outChannels, kernelSize, 2, convOpts<ConvOptions>('Conv2d', CONV_ROWS, args), false);
  }
  /**
   * Convolves [N, Cin, H, W] (or [Cin, H, W]) into [N, Cout, H', W']; `conv(x)` calls it.
   *
   * @example
   * const conv = new nn.Conv2d(16, 33, 3, { stride: 2 });
   * conv(dl.randn(20, 16, 50, 100)).shape; // → [20, 33, 24, 49]
   */
  forward(x: Tensor): Tensor {
    return Fc.conv2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding: typeof this.padding === 'string' ? this.padding : this.padding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * 1-D convolution layer over [N, C, L] (runs as a 2-D convolution of unit height).
 *
 * @example
 * const conv = new nn.Conv1d(16, 33, 3, { stride: 2 }); // as torch.nn.Conv1d(16, 33, 3, stride=2)
 * conv(dl.randn(20, 16, 50)).shape; // → [20, 33, 24]
 */
export class Conv1d extends ConvNd {
  static {
    Object.defineProperty(this, 'name', { value: 'Conv1d' }); // the repr's name, minified or not
  }
  protected readonly transposed = false;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly number[],
    ...args: TorchTail<
      [stride: number, padding: number | 'same' | 'valid', dilation: number, groups: number, bias: boolean, paddingMode: 'zeros'],
      Omit<ConvOptions, 'stride' | 'padding' | 'dilation'> & { stride?: number; padding?: number | 'same' | 'valid'; dilation?: number }
    >
  ) {
    super(inChannels, outChannels, kernelSize as Fc.Size2, 1, convOpts<ConvOptions>('Conv1d', CONV_ROWS, args), false);
  }
  /**
   * Convolves [N, Cin, L] (or [Cin, L]) into [N, Cout, L']; `conv(x)` calls it.
   *
   * @example
   * new nn.Conv1d(4, 8, 3, { padding: 'same' })(dl.randn(2, 4, 10)).shape; // → [2, 8, 10]
   */
  forward(x: Tensor): Tensor {
    return Fc.conv1d(x, this.weight, this.bias, {
      stride: this.stride[0]!,
      padding: typeof this.padding === 'string' ? this.padding : this.padding[0]!,
      dilation: this.dilation[0]!,
      groups: this.groups,
    });
  }
}

/**
 * Transposed 2-D convolution (weight [Cin, Cout/groups, KH, KW]).
 *
 * @example
 * new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 });
 */
export class ConvTranspose2d extends ConvNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ConvTranspose2d' }); // the repr's name, minified or not
  }
  protected readonly transposed = true;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: Fc.Size2,
    ...args: TorchTail<
      [
        stride: Fc.Size2,
        padding: Fc.Size2,
        outputPadding: Fc.Size2,
        groups: number,
        bias: boolean,
        dilation: Fc.Size2,
        paddingMode: 'zeros',
      ],
      Omit<ConvOptions, 'padding'> & { padding?: Fc.Size2; outputPadding?: Fc.Size2 }
    >
  ) {
    super(inChannels, outChannels, kernelSize, 2, convOpts<ConvOptions>('ConvTranspose2d', TCONV_ROWS, args), true);
  }
  /**
   * `outputSize` (2 spatial sizes, or all 4) picks the output padding that reaches it, as
   * PyTorch's `forward(input, output_size)`; out of range is a ShapeError naming the valid range.
   *
   * @example
   * up.forward(x, [8, 8]);
   */
  forward(x: Tensor, outputSize?: readonly number[] | null): Tensor {
    const padding = this.padding as number[];
    const outputPadding = outputSize
      ? transposeOutputPadding(x, outputSize, { stride: this.stride, padding, dilation: this.dilation, kernelSize: this.kernelSize })
      : this.outputPadding;
    return Fc.convTranspose2d(x, this.weight, this.bias, {
      stride: this.stride,
      padding,
      outputPadding,
      dilation: this.dilation,
      groups: this.groups,
    });
  }
}

/**
 * Transposed 1-D convolution over [N, Cin, L] (or [Cin, L]); weight [Cin, Cout/groups, K], torch's
 * init and state-dict keys.
 *
 * @example
 * new nn.ConvTranspose1d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 })(x);
 */
export class ConvTranspose1d extends ConvNd {
  static {
    Object.defineProperty(this, 'name', { value: 'ConvTranspose1d' }); // the repr's name, minified or not
  }
  protected readonly transposed = true;
  constructor(
    inChannels: number,
    outChannels: number,
    kernelSize: number | readonly [number],
    ...args: TorchTail<
      [
        stride: number | readonly [number],
        padding: number | readonly [number],
        outputPadding: number | readonly [number],
        groups: number,
        bias: boolean,
        dilation: number | readonly [number],
        paddingMode: 'zeros',
      ],
      Omit<ConvOptions, 'stride' | 'padding' | 'dilation'> & {
        stride?: number | readonly [number];
        padding?: number | readonly [number];
        dilation?: number | readonly [number];
        outputPadding?: number | readonly [number];
      }
    >
  ) {
    super(
      inChannels,
      outChannels,
      kernelSize as Fc.Size2,
      1,
      convOpts<ConvOptions & { outputPadding?: Fc.Size2 }>('ConvTranspose1d', TCONV_ROWS, args),
      true,
    );
  }
  /**
   * `outputSize` (the length, or all sizes) picks the output padding that reaches it, as torch's
   * `forward(input, output_size)`.
   *
   * @example
   * up(x, [33]);
   */
  forward(x: Tensor, outputSize?: readonly number[] | null): Tensor {
    const [s, p, d, k] = [this.stride[0]!, (this.padding as number[])[0]!, this.dilation[0]!, this.kernelSize[0]!];
    const outputPadding = outputSize
      ? transposeOutputPadding(x.unsqueeze(-2), [1, outputSize[outputSize.length - 1]!], {
          stride: [1, s],
          padding: [0, p],
          dilation: [1, d],
          kernelSize: [1, k],
        })[1]!
      : this.outputPadding[0]!;
    return Fc.convTranspose1d(x, this.weight, this.bias, { stride: s, padding: p, outputPadding, dilation: d, groups: this.groups });
  }
}
