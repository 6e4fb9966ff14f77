import type { Tensor } from '@dl/tensor';
import { Module, pyTuple } from '../module.js';
import { fold, unfold, type FoldOptions } from '../functional/fold.js';
import type { Size2 } from '../functional/conv-args.js';
import { torchArgs, type ArgRow, type TorchTail } from './torch-args.js';

/** torch's positional `dilation, padding, stride` (Note [Torch's positional arguments] in torch-args.ts). */
const FOLD_ROWS: readonly ArgRow[] = [
  ['dilation', 'dilation', 'size'],
  ['padding', 'padding', 'size'],
  ['stride', 'stride', 'size'],
];
type FoldArgs = TorchTail<[dilation: Size2, padding: Size2, stride: Size2], FoldOptions>;

const rep = (v: Size2): string => (typeof v === 'number' ? String(v) : pyTuple(v));
const geo = (kernelSize: Size2, o: FoldOptions) =>
  `kernel_size=${rep(kernelSize)}, dilation=${rep(o.dilation ?? 1)}, padding=${rep(o.padding ?? 0)}, stride=${rep(o.stride ?? 1)}`;

/**
 * Sliding local blocks of [N, C, H, W] as columns [N, C·KH·KW, L] (im2col), as torch's `nn.Unfold`.
 *
 * @example
 * new nn.Unfold([2, 3])(dl.randn(2, 5, 3, 4)).shape; // [2, 30, 4]
 */
export class Unfold extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Unfold' }); // the repr's name, minified or not
  }
  readonly opts: FoldOptions;
  constructor(
    readonly kernelSize: Size2,
    ...args: FoldArgs
  ) {
    super();
    this.opts = torchArgs(
      'Unfold',
      FOLD_ROWS,
      args,
      'new nn.Unfold(3, 1, 1, 1) (dilation, padding, stride) or new nn.Unfold(3, { padding: 1 })',
    );
  }
  /**
   * Extracts sliding blocks of [N, C, H, W] as columns [N, C·kH·kW, L]; `unfold(x)` calls it.
   *
   * @example
   * new nn.Unfold([2, 3])(dl.randn(2, 5, 3, 4)).shape; // → [2, 30, 4]
   */
  forward(x: Tensor): Tensor {
    return unfold(x, this.kernelSize, this.opts);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Unfold(2).extraRepr(); // → 'kernel_size=2, dilation=1, padding=0, stride=1'
   */
  override extraRepr(): string {
    return geo(this.kernelSize, this.opts);
  }
}

/**
 * Columns [N, C·KH·KW, L] summed back into [N, C, H, W] (col2im, the adjoint of Unfold), as
 * torch's `nn.Fold`.
 *
 * @example
 * new nn.Fold([4, 5], [2, 2])(dl.randn(1, 12, 12)).shape; // [1, 3, 4, 5]
 */
export class Fold extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Fold' }); // the repr's name, minified or not
  }
  readonly opts: FoldOptions;
  constructor(
    readonly outputSize: Size2,
    readonly kernelSize: Size2,
    ...args: FoldArgs
  ) {
    super();
    this.opts = torchArgs(
      'Fold',
      FOLD_ROWS,
      args,
      'new nn.Fold([4, 5], 2, 1, 0, 1) (dilation, padding, stride) or new nn.Fold([4, 5], 2, { stride: 1 })',
    );
  }
  /**
   * Sums columns [N, C·kH·kW, L] back into [N, C, *outputSize] (overlaps add up); `fold(x)` calls it.
   *
   * @example
   * new nn.Fold([4, 5], [2, 2])(dl.randn(1, 12, 12)).shape; // → [1, 3, 4, 5]
   */
  forward(x: Tensor): Tensor {
    return fold(x, this.outputSize, this.kernelSize, this.opts);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Fold([4, 5], 2).extraRepr(); // → 'output_size=(4, 5), kernel_size=2, dilation=1, padding=0, stride=1'
   */
  override extraRepr(): string {
    return `output_size=${rep(this.outputSize)}, ${geo(this.kernelSize, this.opts)}`;
  }
}
