import type { Tensor } from '@dl/tensor';
import { Module, pyFloat } from '../module.js';
import { interpolate, type InterpolateMode } from '../functional/interpolate.js';
import { pixelShuffle, pixelUnshuffle } from '../functional/pixel-shuffle.js';
import { torchArgs, type ArgRow, type TorchTail } from './torch-args.js';

const SIZE_ROWS: readonly ArgRow[] = [
  ['size', 'size', 'size', true],
  ['scaleFactor', 'scale_factor', 'any', true],
];

/** Options of `nn.Upsample`: `size` or `scaleFactor`. */
export interface UpsampleOptions {
  size?: number | readonly number[] | null;
  scaleFactor?: number | readonly number[] | null;
  /** Default 'nearest'. */
  mode?: InterpolateMode;
  alignCorners?: boolean | null;
  recomputeScaleFactor?: boolean | null;
}

const pyVal = (v: number | readonly number[], float: boolean): string => {
  const f = (n: number) => (float ? pyFloat(n) : String(n));
  if (typeof v === 'number') return f(v);
  return `(${v.map(f).join(', ')}${v.length === 1 ? ',' : ''})`;
};

/**
 * Upsampling of [N, C, *spatial] to `size` or by `scaleFactor` with `F.interpolate`'s modes, as
 * torch's `nn.Upsample`.
 *
 * @example
 * new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false })(img);
 */
export class Upsample extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Upsample' }); // the repr's name, minified or not
  }
  readonly mode: InterpolateMode;
  readonly opts: UpsampleOptions;
  /** torch's positional `size, scale_factor, mode, align_corners` (`new nn.Upsample(null, 2, 'bilinear')`) or the options. */
  constructor(
    ...args: TorchTail<
      [
        size: number | readonly number[] | null,
        scaleFactor: number | readonly number[] | null,
        mode: InterpolateMode,
        alignCorners: boolean | null,
      ],
      UpsampleOptions
    >
  ) {
    super();
    const opts = (this.opts = torchArgs<UpsampleOptions>(
      this._getName(),
      [
        ['size', 'size', 'size', true],
        ['scaleFactor', 'scale_factor', 'any', true],
        ['mode', 'mode', 'string'],
        ['alignCorners', 'align_corners', 'boolean', true],
      ],
      args,
      "new nn.Upsample(null, 2, 'bilinear') or new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' })",
    ));
    this.mode = opts.mode ?? 'nearest';
  }
  /**
   * Resizes [N, C, *spatial] with `F.interpolate` and the constructor's size or scale factor and mode; `up(x)` calls it.
   *
   * @example
   * new nn.Upsample({ scaleFactor: 2 })(dl.randn(1, 3, 4, 4)).shape; // → [1, 3, 8, 8]
   */
  forward(x: Tensor): Tensor {
    return interpolate(x, { ...this.opts, mode: this.mode });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Upsample({ scaleFactor: 2 }).extraRepr(); // → 'scale_factor=2.0, mode=nearest'
   */
  override extraRepr(): string {
    const o = this.opts;
    const info =
      o.scaleFactor !== undefined && o.scaleFactor !== null
        ? `scale_factor=${pyVal(o.scaleFactor, true)}`
        : `size=${o.size === undefined || o.size === null ? 'None' : pyVal(o.size, false)}`;
    return `${info}, mode=${this.mode}`;
  }
}

/**
 * Nearest-neighbour upsampling of [N, C, H, W], as torch's `nn.UpsamplingNearest2d`.
 *
 * @example
 * new nn.UpsamplingNearest2d({ scaleFactor: 2 })(img);
 */
export class UpsamplingNearest2d extends Upsample {
  static {
    Object.defineProperty(this, 'name', { value: 'UpsamplingNearest2d' }); // the repr's name, minified or not
  }
  constructor(
    ...args: TorchTail<
      [size: number | readonly number[] | null, scaleFactor: number | readonly number[] | null],
      { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null }
    >
  ) {
    super({
      ...torchArgs(
        'UpsamplingNearest2d',
        SIZE_ROWS,
        args,
        'new nn.UpsamplingNearest2d(null, 2) or new nn.UpsamplingNearest2d({ scaleFactor: 2 })',
      ),
      mode: 'nearest',
    });
  }
}

/**
 * Bilinear upsampling of [N, C, H, W] with aligned corners, as torch's `nn.UpsamplingBilinear2d`.
 *
 * @example
 * new nn.UpsamplingBilinear2d({ size: [8, 8] })(img);
 */
export class UpsamplingBilinear2d extends Upsample {
  static {
    Object.defineProperty(this, 'name', { value: 'UpsamplingBilinear2d' }); // the repr's name, minified or not
  }
  constructor(
    ...args: TorchTail<
      [size: number | readonly number[] | null, scaleFactor: number | readonly number[] | null],
      { size?: number | readonly number[] | null; scaleFactor?: number | readonly number[] | null }
    >
  ) {
    super({
      ...torchArgs(
        'UpsamplingBilinear2d',
        SIZE_ROWS,
        args,
        'new nn.UpsamplingBilinear2d(null, 2) or new nn.UpsamplingBilinear2d({ scaleFactor: 2 })',
      ),
      mode: 'bilinear',
      alignCorners: true,
    });
  }
}

/**
 * [*, C·r², H, W] → [*, C, H·r, W·r], as torch's `nn.PixelShuffle`.
 *
 * @example
 * new nn.PixelShuffle(3)(dl.randn(1, 9, 4, 4)).shape; // [1, 1, 12, 12]
 */
export class PixelShuffle extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'PixelShuffle' }); // the repr's name, minified or not
  }
  constructor(readonly upscaleFactor: number) {
    super();
  }
  /**
   * Rearranges [N, C·r², H, W] into [N, C, H·r, W·r]; `ps(x)` calls it.
   *
   * @example
   * new nn.PixelShuffle(3)(dl.randn(1, 9, 4, 4)).shape; // → [1, 1, 12, 12]
   */
  forward(x: Tensor): Tensor {
    return pixelShuffle(x, this.upscaleFactor);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.PixelShuffle(2).extraRepr(); // → 'upscale_factor=2'
   */
  override extraRepr(): string {
    return `upscale_factor=${this.upscaleFactor}`;
  }
}

/**
 * [*, C, H·r, W·r] → [*, C·r², H, W], as torch's `nn.PixelUnshuffle`.
 *
 * @example
 * new nn.PixelUnshuffle(2)(dl.randn(1, 1, 4, 4)).shape; // [1, 4, 2, 2]
 */
export class PixelUnshuffle extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'PixelUnshuffle' }); // the repr's name, minified or not
  }
  constructor(readonly downscaleFactor: number) {
    super();
  }
  /**
   * Rearranges [N, C, H·r, W·r] into [N, C·r², H, W], the inverse of PixelShuffle; `pu(x)` calls it.
   *
   * @example
   * new nn.PixelUnshuffle(3)(dl.randn(1, 1, 12, 12)).shape; // → [1, 9, 4, 4]
   */
  forward(x: Tensor): Tensor {
    return pixelUnshuffle(x, this.downscaleFactor);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.PixelUnshuffle(2).extraRepr(); // → 'downscale_factor=2'
   */
  override extraRepr(): string {
    return `downscale_factor=${this.downscaleFactor}`;
  }
}
