/**
 * Learning-rate schedulers, as `torch.optim.lr_scheduler` (1.13): construct after the
 * optimizer (this sets each group's `initialLr` and applies epoch 0), call `step()` once per
 * epoch (or per batch for OneCycleLR) after `optimizer.step()`.
 */
import { ArgumentError } from '@dl/tensor';
import type { Optimizer, ParamGroup } from './optimizer.js';
import { checkNumber, schedulerArgs } from './scheduler-args.js';
import { loadSchedulerStateDict, schedulerStateDict } from './scheduler-state.js';

/** Any optimizer a scheduler can drive: one whose parameter groups have an `lr`. */
export type AnyOptimizer = Optimizer<{ lr: number }>;
/** A parameter group of an {@link AnyOptimizer}. */
export type Group = ParamGroup<{ lr: number }>;

/**
 * Base of the epoch-indexed schedulers: `lastEpoch`, `baseLrs`, `getLastLr()`, `step()`,
 * `stateDict()` / `loadStateDict()`.
 *
 * @example
 * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
 * const sched = new lrScheduler.StepLR(opt, 2); // any subclass: lastEpoch, baseLrs, step(), getLastLr()
 * sched.step(); sched.step(); sched.getLastLr(); // → [0.010000000000000002]
 */
export abstract class LRScheduler {
  static {
    Object.defineProperty(this, 'name', { value: 'LRScheduler' }); // the name in messages and reprs, minified or not
  }
  lastEpoch: number;
  baseLrs: number[];
  protected lastLr: number[] = [];
  /** Calls of `step()` (the constructor's included), PyTorch's `_step_count`. */
  protected stepCount = 0;
  constructor(
    readonly optimizer: AnyOptimizer,
    lastEpoch = -1,
  ) {
    for (const g of optimizer.paramGroups) {
      if (lastEpoch === -1) g.initialLr = g.lr;
      else if (g.initialLr === undefined)
        throw new ArgumentError(`${this.constructor.name}: param 'initialLr' is not specified in paramGroups when resuming an optimizer`, {
          op: 'LRScheduler',
        });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.lastEpoch = lastEpoch;
  }
  /** Apply the initial step (call at the end of subclass constructors). */
  protected init(): void {
    this.step();
  }
  /** The lr of each group at `lastEpoch` (may read the current lr: chainable form). */
  protected abstract getLr(): number[];
  /**
   * Advance one epoch and set each group's lr.
   *
   * @example
   * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
   * const sched = new lrScheduler.ExponentialLR(opt, 0.5);
   * opt.step(); sched.step(); // after the optimizer's step, as in PyTorch; opt.paramGroups[0].lr → 0.05
   */
  step(): void {
    this.stepCount++;
    this.lastEpoch++;
    const lrs = this.getLr();
    this.optimizer.paramGroups.forEach((g, i) => (g.lr = lrs[i]!));
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  /**
   * The lrs last set.
   *
   * @example
   * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
   * new lrScheduler.ExponentialLR(opt, 0.5).getLastLr(); // → [0.1], as get_last_lr()
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }
  protected get groups(): Group[] {
    return this.optimizer.paramGroups;
  }
  /**
   * Everything but the optimizer, in PyTorch's layout (`base_lrs`, `last_epoch`, `_step_count`,
   * `_last_lr`, and the scheduler's own options in snake_case), so checkpoints interchange.
   *
   * @example
   * const ckpt = { model: net.stateDict(), optimizer: opt.stateDict(), scheduler: sched.stateDict(), epoch };
   */
  stateDict(): Record<string, unknown> {
    return schedulerStateDict(this, SCHEDULER_DERIVED);
  }
  /**
   * Restore from {@link stateDict} or a PyTorch scheduler's `state_dict()`.
   *
   * @example
   * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
   * const sched = new lrScheduler.StepLR(opt, 10);
   * sched.loadStateDict(saved.scheduler); // saved = an earlier { scheduler: sched.stateDict() }
   */
  loadStateDict(sd: Record<string, unknown>): void {
    loadSchedulerStateDict(this, sd, SCHEDULER_DERIVED);
  }
}

/** Fields rebuilt by the constructors from their options (OneCycleLR's phases and annealing function). */
const SCHEDULER_DERIVED = ['phases', 'anneal'];

/**
 * lr × gamma every `stepSize` epochs. `stepSize` may come positionally, as PyTorch's
 * (Note [Positional scheduler arguments]).
 *
 * @example
 * new lrScheduler.StepLR(opt, { stepSize: 10, gamma: 0.1 }); new lrScheduler.StepLR(opt, 10);
 */
export class StepLR extends LRScheduler {
  static {
    Object.defineProperty(this, 'name', { value: 'StepLR' }); // the name in messages and reprs, minified or not
  }
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { stepSize: number; gamma?: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, stepSize: number, opts?: { gamma?: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, first: unknown, rest?: unknown) {
    const opts = schedulerArgs<{ stepSize: number; gamma?: number; lastEpoch?: number }>('StepLR', 'stepSize', first, rest);
    checkNumber('StepLR', 'stepSize', opts.stepSize, 'positive integer');
    checkNumber('StepLR', 'gamma', opts.gamma ?? 0.1);
    super(optimizer, opts.lastEpoch);
    this.stepSize = opts.stepSize;
    this.gamma = opts.gamma ?? 0.1;
    this.init();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/** lr × gamma at each milestone epoch. @example new lrScheduler.MultiStepLR(opt, [30, 80], { gamma: 0.1 }) */
export class MultiStepLR extends LRScheduler {
  static {
    Object.defineProperty(this, 'name', { value: 'MultiStepLR' }); // the name in messages and reprs, minified or not
  }
  readonly milestones: number[];
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { milestones: number[]; gamma?: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, milestones: number[], opts?: { gamma?: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, first: unknown, rest?: unknown) {
    const opts = schedulerArgs<{ milestones: number[]; gamma?: number; lastEpoch?: number }>('MultiStepLR', 'milestones', first, rest);
    if (!Array.isArray(opts.milestones)) {
      throw new ArgumentError(
        `MultiStepLR: milestones must be an array of epochs, got ${opts.milestones === undefined ? 'nothing' : typeof opts.milestones}`,
        { op: 'MultiStepLR', hint: 'new MultiStepLR(optimizer, { milestones: [30, 80] })' },
      );
    }
    for (const m of opts.milestones) checkNumber('MultiStepLR', 'each milestone', m, 'integer');
    checkNumber('MultiStepLR', 'gamma', opts.gamma ?? 0.1);
    super(optimizer, opts.lastEpoch);
    this.milestones = [...opts.milestones].sort((a, b) => a - b);
    this.gamma = opts.gamma ?? 0.1;
    this.init();
  }
  protected getLr(): number[] {
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    return this.groups.map((g) => g.lr * this.gamma ** hits);
  }
}

/** lr × gamma every epoch. @example new lrScheduler.ExponentialLR(opt, 0.9) */
export class ExponentialLR extends LRScheduler {
  static {
    Object.defineProperty(this, 'name', { value: 'ExponentialLR' }); // the name in messages and reprs, minified or not
  }
  readonly gamma: number;
  constructor(optimizer: AnyOptimizer, opts: { gamma: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, gamma: number, opts?: { lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, first: unknown, rest?: unknown) {
    const opts = schedulerArgs<{ gamma: number; lastEpoch?: number }>('ExponentialLR', 'gamma', first, rest);
    checkNumber('ExponentialLR', 'gamma', opts.gamma);
    super(optimizer, opts.lastEpoch);
    this.gamma = opts.gamma;
    this.init();
  }
  protected getLr(): number[] {
    if (this.lastEpoch === 0) return this.groups.map((g) => g.lr);
    return this.groups.map((g) => g.lr * this.gamma);
  }
}

/**
 * Cosine annealing from the base lr to `etaMin` over `TMax` epochs (torch's recursive form).
 *
 * @example
 * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
 * const sched = new lrScheduler.CosineAnnealingLR(opt, { TMax: 10, etaMin: 0 }); // as CosineAnnealingLR(opt, T_max=10)
 * for (let i = 0; i < 5; i++) sched.step(); sched.getLastLr(); // → [0.05000000000000001] (half way)
 */
export class CosineAnnealingLR extends LRScheduler {
  static {
    Object.defineProperty(this, 'name', { value: 'CosineAnnealingLR' }); // the name in messages and reprs, minified or not
  }
  readonly TMax: number;
  readonly etaMin: number;
  constructor(optimizer: AnyOptimizer, opts: { TMax: number; etaMin?: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, TMax: number, opts?: { etaMin?: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, first: unknown, rest?: unknown) {
    const opts = schedulerArgs<{ TMax: number; etaMin?: number; lastEpoch?: number }>('CosineAnnealingLR', 'TMax', first, rest);
    checkNumber('CosineAnnealingLR', 'TMax', opts.TMax, 'positive');
    checkNumber('CosineAnnealingLR', 'etaMin', opts.etaMin ?? 0);
    super(optimizer, opts.lastEpoch);
    this.TMax = opts.TMax;
    this.etaMin = opts.etaMin ?? 0;
    this.init();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch;
    const T = this.TMax;
    const m = this.etaMin;
    if (e === 0) return this.groups.map((g) => g.lr);
    if ((((e - 1 - T) % (2 * T)) + 2 * T) % (2 * T) === 0) {
      return this.groups.map((g, i) => g.lr + ((this.baseLrs[i]! - m) * (1 - Math.cos(Math.PI / T))) / 2);
    }
    return this.groups.map((g) => ((1 + Math.cos((Math.PI * e) / T)) / (1 + Math.cos((Math.PI * (e - 1)) / T))) * (g.lr - m) + m);
  }
}

/**
 * base lr × `lrLambda(epoch)` (one function, or one per group).
 *
 * @example
 * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
 * const sched = new lrScheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch); // as LambdaLR(opt, lr_lambda)
 * sched.step(); sched.getLastLr(); // → [0.095]
 */
export class LambdaLR extends LRScheduler {
  static {
    Object.defineProperty(this, 'name', { value: 'LambdaLR' }); // the name in messages and reprs, minified or not
  }
  readonly lrLambdas: Array<(epoch: number) => number>;
  constructor(
    optimizer: AnyOptimizer,
    lrLambda: ((epoch: number) => number) | Array<(epoch: number) => number>,
    opts: { lastEpoch?: number } = {},
  ) {
    const fns: unknown[] = Array.isArray(lrLambda) ? lrLambda : [lrLambda];
    if (fns.some((f) => typeof f !== 'function')) {
      throw new ArgumentError(
        `LambdaLR: lrLambda must be a function of the epoch (or one per group), got ${Array.isArray(lrLambda) ? 'an array holding a non-function' : typeof lrLambda}`,
        {
          op: 'LambdaLR',
          hint: 'new LambdaLR(optimizer, (epoch) => 0.95 ** epoch)',
        },
      );
    }
    super(optimizer, opts.lastEpoch);
    this.lrLambdas = Array.isArray(lrLambda) ? lrLambda : optimizer.paramGroups.map(() => lrLambda);
    if (this.lrLambdas.length !== optimizer.paramGroups.length) {
      throw new ArgumentError(`LambdaLR: expected ${optimizer.paramGroups.length} lr_lambdas, but got ${this.lrLambdas.length}`, {
        op: 'LambdaLR',
      });
    }
    this.init();
  }
  protected getLr(): number[] {
    return this.baseLrs.map((b, i) => b * this.lrLambdas[i]!(this.lastEpoch));
  }
}

/**
 * Linear ramp of the lr factor from `startFactor` to `endFactor` over `totalIters` epochs.
 *
 * @example
 * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
 * const sched = new lrScheduler.LinearLR(opt, { startFactor: 0.5, totalIters: 4 }); // as LinearLR(opt, start_factor=0.5, total_iters=4)
 * sched.getLastLr(); // → [0.05], reaching 0.1 after 4 steps
 */
export class LinearLR extends LRScheduler {
  static {
    Object.defineProperty(this, 'name', { value: 'LinearLR' }); // the name in messages and reprs, minified or not
  }
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(optimizer: AnyOptimizer, opts?: { startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, startFactor: number, opts?: { endFactor?: number; totalIters?: number; lastEpoch?: number });
  constructor(optimizer: AnyOptimizer, first?: unknown, rest?: unknown) {
    const opts = schedulerArgs<{ startFactor?: number; endFactor?: number; totalIters?: number; lastEpoch?: number }>(
      'LinearLR',
      'startFactor',
      first,
      rest,
    );
    checkNumber('LinearLR', 'startFactor', opts.startFactor ?? 1 / 3);
    checkNumber('LinearLR', 'endFactor', opts.endFactor ?? 1);
    checkNumber('LinearLR', 'totalIters', opts.totalIters ?? 5, 'integer');
    super(optimizer, opts.lastEpoch);
    this.startFactor = opts.startFactor ?? 1 / 3;
    this.endFactor = opts.endFactor ?? 1;
    this.totalIters = opts.totalIters ?? 5;
    if (this.startFactor > 1 || this.startFactor <= 0)
      throw new ArgumentError('LinearLR: starting multiplicative factor expected to be greater than 0 and less or equal to 1', {
        op: 'LinearLR',
      });
    this.init();
  }
  protected getLr(): number[] {
    const e = this.lastEpoch;
    if (e === 0) return this.groups.map((g) => g.lr * this.startFactor);
    if (e > this.totalIters) return this.groups.map((g) => g.lr);
    const d = this.endFactor - this.startFactor;
    return this.groups.map((g) => g.lr * (1 + d / (this.totalIters * this.startFactor + (e - 1) * d)));
  }
}

/** Options of {@link OneCycleLR}. */
export interface OneCycleOptions {
  maxLr: number | number[];
  totalSteps?: number;
  epochs?: number;
  stepsPerEpoch?: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  lastEpoch?: number;
}

/**
 * The 1cycle policy (lr up then down, momentum inversely), stepped once per batch.
 *
 * @example
 * const sched = new lrScheduler.OneCycleLR(opt, { maxLr: 0.1, totalSteps: 1000 });
 */
export class OneCycleLR extends LRScheduler {
  static {
    Object.defineProperty(this, 'name', { value: 'OneCycleLR' }); // the name in messages and reprs, minified or not
  }
  readonly totalSteps: number;
  private readonly phases: Array<{ endStep: number; startLr: string; endLr: string; startMomentum: string; endMomentum: string }>;
  private readonly anneal: (start: number, end: number, pct: number) => number;
  private readonly cycleMomentum: boolean;
  private readonly useBeta1: boolean;
  constructor(optimizer: AnyOptimizer, opts: OneCycleOptions);
  constructor(optimizer: AnyOptimizer, maxLr: number | number[], opts: Omit<OneCycleOptions, 'maxLr'>);
  constructor(optimizer: AnyOptimizer, first: unknown, rest?: unknown) {
    const op = 'OneCycleLR';
    const opts = schedulerArgs<OneCycleOptions>(op, 'maxLr', first, rest);
    for (const m of Array.isArray(opts.maxLr) ? opts.maxLr : [opts.maxLr]) checkNumber(op, 'maxLr', m, 'positive');
    const total =
      opts.totalSteps ?? (opts.epochs !== undefined && opts.stepsPerEpoch !== undefined ? opts.epochs * opts.stepsPerEpoch : NaN);
    if (!(total > 0))
      throw new ArgumentError(`${op}: you must define either totalSteps or (epochs and stepsPerEpoch), all positive`, { op });
    const pct = opts.pctStart ?? 0.3;
    const maxLrs = Array.isArray(opts.maxLr) ? opts.maxLr : optimizer.paramGroups.map(() => opts.maxLr as number);
    const div = opts.divFactor ?? 25;
    const finalDiv = opts.finalDivFactor ?? 1e4;
    const cycle = opts.cycleMomentum ?? true;
    const useBeta1 = optimizer.defaults !== undefined && 'betas' in (optimizer.defaults as object);
    if ((opts.lastEpoch ?? -1) === -1) {
      optimizer.paramGroups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / div;
        g.lr = g.initialLr as number;
        g.maxLr = maxLrs[i]!;
        g.minLr = (g.initialLr as number) / finalDiv;
      });
    }
    if (cycle) {
      if (!useBeta1 && !('momentum' in (optimizer.defaults as object))) {
        throw new ArgumentError(`${op}: optimizer must support momentum with cycleMomentum enabled`, { op });
      }
      for (const g of optimizer.paramGroups) {
        if ((opts.lastEpoch ?? -1) === -1) {
          if (useBeta1) g.betas = [opts.maxMomentum ?? 0.95, (g.betas as [number, number])[1]];
          else g.momentum = opts.maxMomentum ?? 0.95;
        }
        g.maxMomentum = opts.maxMomentum ?? 0.95;
        g.baseMomentum = opts.baseMomentum ?? 0.85;
      }
    }
    super(optimizer, opts.lastEpoch);
    this.totalSteps = total;
    this.cycleMomentum = cycle;
    this.useBeta1 = useBeta1;
    this.phases = opts.threePhase
      ? [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: 2 * pct * total - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
          { endStep: total - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
        ]
      : [
          { endStep: pct * total - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
          { endStep: total - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        ];
    this.anneal =
      (opts.annealStrategy ?? 'cos') === 'cos'
        ? (s, e, p) => e + ((s - e) / 2) * (Math.cos(Math.PI * p) + 1)
        : (s, e, p) => (e - s) * p + s;
    this.init();
  }
  protected getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new ArgumentError(`OneCycleLR: tried to step ${stepNum} times. The specified number of total steps is ${this.totalSteps}`, {
        op: 'OneCycleLR',
      });
    }
    return this.groups.map((g) => {
      let start = 0;
      let lr = g.lr;
      for (let i = 0; i < this.phases.length; i++) {
        const ph = this.phases[i]!;
        if (stepNum <= ph.endStep || i === this.phases.length - 1) {
          const pct = (stepNum - start) / (ph.endStep - start);
          lr = this.anneal(g[ph.startLr] as number, g[ph.endLr] as number, pct);
          if (this.cycleMomentum) {
            const mom = this.anneal(g[ph.startMomentum] as number, g[ph.endMomentum] as number, pct);
            if (this.useBeta1) g.betas = [mom, (g.betas as [number, number])[1]];
            else g.momentum = mom;
          }
          break;
        }
        start = ph.endStep;
      }
      return lr;
    });
  }
}

/** Options of {@link ReduceLROnPlateau}. */
export interface ReduceLROnPlateauOptions {
  mode?: 'min' | 'max';
  factor?: number;
  patience?: number;
  threshold?: number;
  thresholdMode?: 'rel' | 'abs';
  cooldown?: number;
  minLr?: number | number[];
  eps?: number;
}

/**
 * Reduce the lr by `factor` when a metric stops improving for `patience` epochs.
 *
 * @example
 * const s = new lrScheduler.ReduceLROnPlateau(opt, { patience: 5 }); s.step(valLoss);
 */
export class ReduceLROnPlateau {
  static {
    Object.defineProperty(this, 'name', { value: 'ReduceLROnPlateau' }); // the name in messages and reprs, minified or not
  }
  readonly mode: 'min' | 'max';
  readonly factor: number;
  readonly patience: number;
  readonly threshold: number;
  readonly thresholdMode: 'rel' | 'abs';
  readonly cooldown: number;
  readonly minLrs: number[];
  readonly eps: number;
  best: number;
  numBadEpochs = 0;
  cooldownCounter = 0;
  lastEpoch = 0;
  private lastLr: number[];
  readonly optimizer: AnyOptimizer;
  constructor(optimizer: AnyOptimizer, opts?: ReduceLROnPlateauOptions);
  constructor(optimizer: AnyOptimizer, mode: 'min' | 'max', opts?: Omit<ReduceLROnPlateauOptions, 'mode'>);
  constructor(optimizer: AnyOptimizer, first?: unknown, rest?: unknown) {
    const op = 'ReduceLROnPlateau';
    const opts = schedulerArgs<ReduceLROnPlateauOptions>(op, 'mode', first, rest);
    if (opts.mode !== undefined && opts.mode !== 'min' && opts.mode !== 'max')
      throw new ArgumentError(`${op}: mode ${String(opts.mode)} is unknown!`, {
        op,
        hint: "mode is 'min' (a loss) or 'max' (an accuracy)",
      });
    if (opts.thresholdMode !== undefined && opts.thresholdMode !== 'rel' && opts.thresholdMode !== 'abs')
      throw new ArgumentError(`${op}: threshold mode ${String(opts.thresholdMode)} is unknown!`, {
        op,
        hint: "thresholdMode is 'rel' or 'abs'",
      });
    this.optimizer = optimizer;
    this.factor = opts.factor ?? 0.1;
    if (this.factor >= 1) throw new ArgumentError('ReduceLROnPlateau: factor should be < 1.0', { op: 'ReduceLROnPlateau' });
    this.mode = opts.mode ?? 'min';
    this.patience = opts.patience ?? 10;
    this.threshold = opts.threshold ?? 1e-4;
    this.thresholdMode = opts.thresholdMode ?? 'rel';
    this.cooldown = opts.cooldown ?? 0;
    const n = optimizer.paramGroups.length;
    this.minLrs = Array.isArray(opts.minLr) ? [...opts.minLr] : Array(n).fill(opts.minLr ?? 0);
    this.eps = opts.eps ?? 1e-8;
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }
  private isBetter(a: number): boolean {
    const t = this.threshold;
    if (this.mode === 'min') return this.thresholdMode === 'rel' ? a < this.best * (1 - t) : a < this.best - t;
    return this.thresholdMode === 'rel' ? a > this.best * (t + 1) : a > this.best + t;
  }
  /**
   * Record this epoch's metric (a number) and reduce the lr if it plateaued.
   *
   * @example
   * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
   * const sched = new lrScheduler.ReduceLROnPlateau(opt, { patience: 0 });
   * sched.step(1); sched.step(1); // no improvement: lr × 0.1 (≈ 0.01)
   */
  step(metric: number): void {
    const current = Number(metric);
    this.lastEpoch++;
    if (this.isBetter(current)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else this.numBadEpochs++;
    if (this.cooldownCounter > 0) {
      this.cooldownCounter--;
      this.numBadEpochs = 0;
    }
    if (this.numBadEpochs > this.patience) {
      this.optimizer.paramGroups.forEach((g, i) => {
        const old = g.lr;
        const next = Math.max(old * this.factor, this.minLrs[i]!);
        if (old - next > this.eps) g.lr = next;
      });
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }
  /**
   * The lrs last set, as `get_last_lr()`.
   *
   * @example
   * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
   * new lrScheduler.ReduceLROnPlateau(opt).getLastLr(); // → [0.1]
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }
  /**
   * Everything but the optimizer, in PyTorch's layout (`best`, `num_bad_epochs`, `_last_lr`…).
   *
   * @example
   * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
   * const sched = new lrScheduler.ReduceLROnPlateau(opt);
   * sched.step(0.5); sched.stateDict().best; // → 0.5
   */
  stateDict(): Record<string, unknown> {
    return schedulerStateDict(this, []);
  }
  /**
   * Restore from {@link stateDict} or a PyTorch `ReduceLROnPlateau.state_dict()`.
   *
   * @example
   * const opt = new SGD([nn.Parameter(dl.zeros(2))], { lr: 0.1 });
   * const sched = new lrScheduler.ReduceLROnPlateau(opt);
   * sched.loadStateDict(saved.scheduler); // saved = an earlier { scheduler: sched.stateDict() }
   */
  loadStateDict(sd: Record<string, unknown>): void {
    loadSchedulerStateDict(this, sd, []);
  }
}
