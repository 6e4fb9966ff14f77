import * as dl from '@dl/tensor';
import { ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { Module, pyFloat } from '../module.js';
import * as init from '../init.js';
import * as Fn from '../functional/norm.js';
import { param, type FactoryOptions } from './basic.js';
import { torchArgs, type ArgRow, type TorchTail } from './torch-args.js';

/** torch's positional `eps, momentum, affine, track_running_stats` of the batch and instance norms (Note [Torch's positional arguments]). */
const NORM_ROWS: readonly ArgRow[] = [
  ['eps', 'eps', 'number'],
  ['momentum', 'momentum', 'number', true],
  ['affine', 'affine', 'boolean'],
  ['trackRunningStats', 'track_running_stats', 'boolean'],
];

/** Options of BatchNorm1d/2d. */
export interface BatchNormOptions extends FactoryOptions {
  eps?: number;
  /** null: cumulative moving average. */
  momentum?: number | null;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class BatchNormBase extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly eps: number;
  readonly momentum: number | null;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  protected abstract checkInput(x: Tensor): void;
  constructor(
    readonly numFeatures: number,
    ...args: TorchTail<[eps: number, momentum: number | null, affine: boolean, trackRunningStats: boolean], BatchNormOptions>
  ) {
    super();
    const opts = torchArgs<BatchNormOptions>(
      this._getName(),
      NORM_ROWS,
      args,
      `new nn.${this._getName()}(64, 1e-5, 0.1) or new nn.${this._getName()}(64, { eps: 1e-5, momentum: 0.1 })`,
    );
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum === undefined ? 0.1 : opts.momentum;
    this.affine = opts.affine ?? true;
    this.trackRunningStats = opts.trackRunningStats ?? true;
    this.weight = this.affine ? param([numFeatures], opts) : null;
    this.bias = this.affine ? param([numFeatures], opts) : null;
    const f = { dtype: opts.dtype ?? 'float32', ...(opts.device ? { device: opts.device } : {}) } as const;
    if (this.trackRunningStats) {
      this.registerBuffer('runningMean', dl.zeros([numFeatures], f));
      this.registerBuffer('runningVar', dl.ones([numFeatures], f));
      this.registerBuffer('numBatchesTracked', dl.zeros([], { dtype: 'int32', ...(opts.device ? { device: opts.device } : {}) }));
    } else {
      this.registerBuffer('runningMean', null);
      this.registerBuffer('runningVar', null);
      this.registerBuffer('numBatchesTracked', null);
    }
    this.resetParameters();
  }
  /**
   * Zeroes `runningMean` and `numBatchesTracked` and fills `runningVar` with ones (nothing without running stats), as torch's
   * `reset_running_stats()`.
   *
   * @example
   * const bn = new nn.BatchNorm1d(4);
   * bn.resetRunningStats(); // bn.runningMean → zeros, bn.runningVar → ones
   */
  resetRunningStats(): void {
    if (!this.trackRunningStats) return;
    init.zeros_(this.runningMean!);
    init.ones_(this.runningVar!);
    init.zeros_(this.numBatchesTracked!);
  }
  /**
   * Resets the running stats and sets weight to ones and bias to zeros, as torch's `reset_parameters()`.
   *
   * @example
   * const bn = new nn.BatchNorm1d(4);
   * bn.resetParameters();
   */
  resetParameters(): void {
    this.resetRunningStats();
    if (this.affine) {
      init.ones_(this.weight!);
      init.zeros_(this.bias!);
    }
  }
  /**
   * Normalises each channel (dim 1) with the batch statistics while training (updating the running ones by `momentum`, or a cumulative
   * average when it is null) and the running ones in eval mode; `bn(x)` calls it.
   *
   * @example
   * const bn = new nn.BatchNorm1d(4);
   * bn(dl.randn(8, 4)).shape; // → [8, 4]; bn.eval() switches to the running stats
   */
  forward(x: Tensor): Tensor {
    this.checkInput(x);
    let factor = this.momentum ?? 0;
    if (this.training && this.trackRunningStats && this.numBatchesTracked) {
      const nbt = this.numBatchesTracked;
      noGrad(() => nbt.add_(1));
      factor = this.momentum ?? 1 / nbt.itemSync();
    }
    const useBatch = this.training || !this.trackRunningStats;
    const update = this.training && this.trackRunningStats;
    return Fn.batchNorm(x, update || !useBatch ? this.runningMean : null, update || !useBatch ? this.runningVar : null, {
      weight: this.weight,
      bias: this.bias,
      training: useBatch,
      momentum: factor,
      eps: this.eps,
    });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.BatchNorm1d(4).extraRepr(); // → '4, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True'
   */
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${this.momentum === null ? 'None' : pyFloat(this.momentum)}, affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

/**
 * Batch normalisation over [N, C] or [N, C, L] (running stats, momentum, eval mode).
 *
 * @example
 * const bn = new nn.BatchNorm1d(100); // as torch.nn.BatchNorm1d(100); { affine: false, momentum: null, … }
 * bn(dl.randn(20, 100)).shape; // → [20, 100]
 */
export class BatchNorm1d extends BatchNormBase {
  static {
    Object.defineProperty(this, 'name', { value: 'BatchNorm1d' }); // the repr's name, minified or not
  }
  protected checkInput(x: Tensor): void {
    if (x.dim() !== 2 && x.dim() !== 3)
      throw new ShapeError(`BatchNorm1d: expected 2D or 3D input (got ${x.dim()}D input of shape ${fmtShape(x.shape)})`, {
        op: 'BatchNorm1d',
      });
  }
}
/**
 * Batch normalisation over [N, C, H, W].
 *
 * @example
 * const bn = new nn.BatchNorm2d(16); bn.forward(x); bn.eval();
 */
export class BatchNorm2d extends BatchNormBase {
  static {
    Object.defineProperty(this, 'name', { value: 'BatchNorm2d' }); // the repr's name, minified or not
  }
  protected checkInput(x: Tensor): void {
    if (x.dim() !== 4)
      throw new ShapeError(`BatchNorm2d: expected 4D input (got ${x.dim()}D input of shape ${fmtShape(x.shape)})`, { op: 'BatchNorm2d' });
  }
}

/** Layer normalisation over the trailing `normalizedShape` dims. @example new nn.LayerNorm(64) */
export class LayerNorm extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'LayerNorm' }); // the repr's name, minified or not
  }
  weight: Tensor | null;
  bias: Tensor | null;
  readonly normalizedShape: number[];
  readonly opts: { eps?: number; elementwiseAffine?: boolean } & FactoryOptions;
  constructor(
    normalizedShape: number | readonly number[],
    ...args: TorchTail<[eps: number, elementwiseAffine: boolean], { eps?: number; elementwiseAffine?: boolean } & FactoryOptions>
  ) {
    super();
    const opts = (this.opts = torchArgs(
      'LayerNorm',
      [
        ['eps', 'eps', 'number'],
        ['elementwiseAffine', 'elementwise_affine', 'boolean'],
      ],
      args,
      'new nn.LayerNorm(64, 1e-5) or new nn.LayerNorm(64, { eps: 1e-5 })',
    ));
    this.normalizedShape = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
    const affine = opts.elementwiseAffine ?? true;
    this.weight = affine ? init.ones_(param(this.normalizedShape, opts)) : null;
    this.bias = affine ? init.zeros_(param(this.normalizedShape, opts)) : null;
  }
  /**
   * Normalises over the trailing `normalizedShape` dims (their mean and biased variance), then scales by weight and adds bias; `ln(x)`
   * calls it.
   *
   * @example
   * const ln = new nn.LayerNorm(10);
   * ln(dl.randn(20, 5, 10)).shape; // → [20, 5, 10]
   */
  forward(x: Tensor): Tensor {
    return Fn.layerNorm(x, this.normalizedShape, { weight: this.weight, bias: this.bias, eps: this.opts.eps ?? 1e-5 });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.LayerNorm(10).extraRepr(); // → '(10,), eps=1e-05, elementwise_affine=True'
   */
  override extraRepr(): string {
    const s = this.normalizedShape;
    return `(${s.join(', ')}${s.length === 1 ? ',' : ''}), eps=${pyFloat(this.opts.eps ?? 1e-5)}, elementwise_affine=${(this.opts.elementwiseAffine ?? true) ? 'True' : 'False'}`;
  }
}

/** Group normalisation. @example new nn.GroupNorm(4, 32) */
export class GroupNorm extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'GroupNorm' }); // the repr's name, minified or not
  }
  weight: Tensor | null;
  bias: Tensor | null;
  readonly opts: { eps?: number; affine?: boolean } & FactoryOptions;
  constructor(
    readonly numGroups: number,
    readonly numChannels: number,
    ...args: TorchTail<[eps: number, affine: boolean], { eps?: number; affine?: boolean } & FactoryOptions>
  ) {
    super();
    const opts = (this.opts = torchArgs(
      'GroupNorm',
      [
        ['eps', 'eps', 'number'],
        ['affine', 'affine', 'boolean'],
      ],
      args,
      'new nn.GroupNorm(4, 32, 1e-5) or new nn.GroupNorm(4, 32, { eps: 1e-5 })',
    ));
    if (numChannels % numGroups !== 0)
      throw new ShapeError(`GroupNorm: num_channels (${numChannels}) must be divisible by num_groups (${numGroups})`, { op: 'GroupNorm' });
    const affine = opts.affine ?? true;
    this.weight = affine ? init.ones_(param([numChannels], opts)) : null;
    this.bias = affine ? init.zeros_(param([numChannels], opts)) : null;
  }
  /**
   * Normalises [N, C, *] over groups of `C / numGroups` channels, then the per-channel affine; `gn(x)` calls it.
   *
   * @example
   * const gn = new nn.GroupNorm(2, 4);
   * gn(dl.randn(3, 4, 5)).shape; // → [3, 4, 5]
   */
  forward(x: Tensor): Tensor {
    return Fn.groupNorm(x, this.numGroups, { weight: this.weight, bias: this.bias, eps: this.opts.eps ?? 1e-5 });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.GroupNorm(2, 4).extraRepr(); // → '2, 4, eps=1e-05, affine=True'
   */
  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${pyFloat(this.opts.eps ?? 1e-5)}, affine=${(this.opts.affine ?? true) ? 'True' : 'False'}`;
  }
}

/** Options of InstanceNorm1d/2d (torch's defaults: affine and trackRunningStats false). */
export interface InstanceNormOptions extends FactoryOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

abstract class InstanceNormBase extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  declare runningMean: Tensor | null;
  declare runningVar: Tensor | null;
  declare numBatchesTracked: Tensor | null;
  /** The rank of an unbatched input ([C, L] for 1d, [C, H, W] for 2d). */
  protected abstract readonly noBatchDim: number;
  constructor(
    readonly numFeatures: number,
    ...args: TorchTail<[eps: number, momentum: number, affine: boolean, trackRunningStats: boolean], InstanceNormOptions>
  ) {
    super();
    const opts = torchArgs<InstanceNormOptions>(
      this._getName(),
      NORM_ROWS,
      args,
      `new nn.${this._getName()}(64, 1e-5, 0.1, true) or new nn.${this._getName()}(64, { affine: true })`,
    );
    this.eps = opts.eps ?? 1e-5;
    this.momentum = opts.momentum ?? 0.1;
    this.affine = opts.affine ?? false;
    this.trackRunningStats = opts.trackRunningStats ?? false;
    this.weight = this.affine ? init.ones_(param([numFeatures], opts)) : null;
    this.bias = this.affine ? init.zeros_(param([numFeatures], opts)) : null;
    const dev = opts.device ? { device: opts.device } : {};
    this.registerBuffer('runningMean', this.trackRunningStats ? dl.zeros([numFeatures], { dtype: opts.dtype ?? 'float32', ...dev }) : null);
    this.registerBuffer('runningVar', this.trackRunningStats ? dl.ones([numFeatures], { dtype: opts.dtype ?? 'float32', ...dev }) : null);
    this.registerBuffer('numBatchesTracked', this.trackRunningStats ? dl.zeros([], { dtype: 'int32', ...dev }) : null);
  }
  /**
   * Normalises each sample's channels over their spatial dims ([N, C, *] or unbatched [C, *]), with running stats only when
   * `trackRunningStats` and in eval mode; `m(x)` calls it.
   *
   * @example
   * const norm = new nn.InstanceNorm1d(4);
   * norm(dl.randn(2, 4, 10)).shape; // → [2, 4, 10]
   */
  forward(x: Tensor): Tensor {
    const op = this._getName();
    const nb = this.noBatchDim;
    if (x.dim() !== nb && x.dim() !== nb + 1)
      throw new ShapeError(`${op}: expected ${nb}D or ${nb + 1}D input (got ${x.dim()}D input of shape ${fmtShape(x.shape)})`, { op });
    if (x.dim() === nb) return this.forward(x.unsqueeze(0)).squeeze(0);
    if (x.shape[1] !== this.numFeatures && (this.affine || this.trackRunningStats)) {
      throw new ShapeError(
        `${op}: expected input's size at dim=1 to match num_features (${this.numFeatures}), but got: ${x.shape[1]} (input ${fmtShape(x.shape)})`,
        { op },
      );
    }
    // torch's InstanceNorm: the batch's statistics in training or without running stats
    return Fn.instanceNorm(x, {
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      weight: this.weight,
      bias: this.bias,
      useInputStats: this.training || !this.trackRunningStats,
      momentum: this.momentum,
      eps: this.eps,
    });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.InstanceNorm1d(4).extraRepr(); // → '4, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False'
   */
  override extraRepr(): string {
    return `${this.numFeatures}, eps=${pyFloat(this.eps)}, momentum=${pyFloat(this.momentum)}, affine=${this.affine ? 'True' : 'False'}, track_running_stats=${this.trackRunningStats ? 'True' : 'False'}`;
  }
}

/**
 * Instance normalisation over [N, C, L] (or unbatched [C, L]): each (sample, channel) row
 * normalised by its own statistics, as torch (affine and running stats off by default).
 *
 * @example
 * new nn.InstanceNorm1d(8)(dl.randn(4, 8, 16));
 */
export class InstanceNorm1d extends InstanceNormBase {
  static {
    Object.defineProperty(this, 'name', { value: 'InstanceNorm1d' }); // the repr's name, minified or not
  }
  protected readonly noBatchDim = 2;
}

/**
 * Instance normalisation over [N, C, H, W] (or unbatched [C, H, W]).
 *
 * @example
 * new nn.InstanceNorm2d(3, { affine: true, trackRunningStats: true })(img);
 */
export class InstanceNorm2d extends InstanceNormBase {
  static {
    Object.defineProperty(this, 'name', { value: 'InstanceNorm2d' }); // the repr's name, minified or not
  }
  protected readonly noBatchDim = 3;
}

/**
 * Instance normalisation over [N, C, D, H, W] (or unbatched [C, D, H, W]).
 *
 * @example
 * new nn.InstanceNorm3d(4)(dl.randn(2, 4, 3, 5, 5));
 */
export class InstanceNorm3d extends InstanceNormBase {
  static {
    Object.defineProperty(this, 'name', { value: 'InstanceNorm3d' }); // the repr's name, minified or not
  }
  protected readonly noBatchDim = 4;
}
