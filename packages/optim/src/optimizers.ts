import type { Tensor } from '@dl/tensor';
import { ArgumentError } from '@dl/tensor';
import { fusedOptimizerStep } from '@dl/tensor/internal';
import { Optimizer, type ParamGroup, type Params } from './optimizer.js';

function check(op: string, cond: boolean, msg: string): void {
  if (!cond) throw new ArgumentError(`${op}: ${msg}`, { op });
}

/**
 * Note [Positional lr]
 * PyTorch's optimizers take the learning rate as the second argument, positionally or by keyword
 * (`SGD(params, 0.01)`, `SGD(params, lr=0.01, momentum=0.9)`). Here the options are one object
 * (`new SGD(params, { lr: 0.01, momentum: 0.9 })`), and a number in its place is the learning
 * rate, with the other options after it (`new SGD(params, 0.01, { momentum: 0.9 })`); anything
 * else there is an ArgumentError, never ignored.
 */
function optionsOf<D extends { lr: number }>(op: string, lrOrOpts: unknown, more: unknown): Partial<D> {
  const what = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'an array' : `${typeof v} (${String(v)})`);
  const hint = `new ${op}(model.parameters(), { lr: 0.01 }) or new ${op}(model.parameters(), 0.01)`;
  const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
  if (typeof lrOrOpts === 'number') {
    if (more === undefined) return { lr: lrOrOpts } as Partial<D>;
    if (!isRecord(more))
      throw new ArgumentError(`${op}: options after the learning rate must be an object, got ${what(more)}`, {
        op,
        hint: `new ${op}(model.parameters(), 0.01, { weightDecay: 1e-4 })`,
      });
    if ('lr' in more)
      throw new ArgumentError(`${op}: the learning rate is given twice (${lrOrOpts} and { lr: ${String(more.lr)} })`, { op, hint });
    return { ...more, lr: lrOrOpts } as Partial<D>;
  }
  if (!isRecord(lrOrOpts))
    throw new ArgumentError(`${op}: options must be an object or a learning rate, got ${what(lrOrOpts)}`, { op, hint });
  if (more !== undefined)
    throw new ArgumentError(`${op}: options come in one object; got a second argument after it (${what(more)})`, { op, hint });
  return lrOrOpts as Partial<D>;
}

/** Gradient with `maximize` and L2 `weightDecay` applied (a new tensor or the grad itself). */
function effectiveGrad(p: Tensor, grad: Tensor, maximize: boolean, weightDecay: number): Tensor {
  let g = maximize ? grad.neg() : grad;
  if (weightDecay !== 0) g = g.add(p.detach(), { alpha: weightDecay });
  return g;
}

/** Options of {@link SGD}. */
export interface SGDOptions {
  lr: number;
  momentum: number;
  dampening: number;
  weightDecay: number;
  nesterov: boolean;
  maximize: boolean;
}

/**
 * Stochastic gradient descent with momentum, dampening, weight decay, Nesterov and maximize
 * (PyTorch's update rule).
 *
 * @example
 * const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
 */
export class SGD extends Optimizer<SGDOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'SGD' }); // the name in messages and reprs, minified or not
  }
  protected override readonly torchGroupKeys = [
    'lr',
    'momentum',
    'dampening',
    'weight_decay',
    'nesterov',
    'maximize',
    'foreach',
    'differentiable',
  ];
  constructor(params: Params<SGDOptions>, opts?: Partial<SGDOptions>);
  /** The learning rate as the second argument, as PyTorch's positional `lr` (Note [Positional lr]). */
  constructor(params: Params<SGDOptions>, lr: number, opts?: Partial<Omit<SGDOptions, 'lr'>>);
  constructor(params: Params<SGDOptions>, lrOrOpts: number | Partial<SGDOptions> = {}, more?: Partial<SGDOptions>) {
    const opts = optionsOf<SGDOptions>('SGD', lrOrOpts, more);
    // lr has no default, as PyTorch's `lr=required`: a group without one is an error (addParamGroup)
    const d = { momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false, ...opts } as SGDOptions;
    check('SGD', d.momentum >= 0, `invalid momentum value: ${d.momentum}`);
    check('SGD', d.weightDecay >= 0, `invalid weight_decay value: ${d.weightDecay}`);
    check('SGD', !d.nesterov || (d.momentum > 0 && d.dampening === 0), 'Nesterov momentum requires a momentum and zero dampening');
    super(params, d);
  }
  protected updateGroup(g: ParamGroup<SGDOptions>): void {
    if (this.fusedUpdate(g)) return;
    for (const p of g.params) {
      if (!p.grad) continue;
      let dp = effectiveGrad(p, p.grad, g.maximize, g.weightDecay);
      if (g.momentum !== 0) {
        const s = this.stateOf(p);
        let buf = s.momentumBuffer as Tensor | undefined;
        if (!buf) {
          buf = this.keptLike(p);
          buf.copy_(dp);
          s.momentumBuffer = buf;
        } else buf.mul_(g.momentum).add_(dp, { alpha: 1 - g.dampening });
        dp = g.nesterov ? dp.add(buf, { alpha: g.momentum }) : buf;
      }
      this.data(p).add_(dp, { alpha: -g.lr });
    }
  }
  /** The whole group in one multi-tensor step (Note [Fused optimizer step] in @dl/tensor); false: the per-tensor ops run. */
  private fusedUpdate(g: ParamGroup<SGDOptions>): boolean {
    const ps = g.params.filter((p) => p.grad);
    if (hasDuplicates(ps)) return false;
    const created = new Set<Tensor>();
    const states = ps.map((p) => {
      if (g.momentum === 0) return [];
      const s = this.stateOf(p);
      if (!s.momentumBuffer) {
        created.add(p);
        s.momentumBuffer = this.keptLike(p);
      }
      return [s.momentumBuffer as Tensor];
    });
    const steps = ps.map((p) => (created.has(p) ? 1 : 2)); // 1: a new buffer takes the gradient
    const step = { kind: 'sgd', ...pick(g, 'lr', 'momentum', 'dampening', 'weightDecay', 'nesterov', 'maximize') } as const;
    const grads = ps.map((p) => p.grad!);
    if (
      fusedOptimizerStep(
        step,
        steps,
        ps.map((p) => this.data(p)),
        grads,
        states,
      )
    )
      return true;
    for (const p of created) {
      (this.state.get(p)!.momentumBuffer as Tensor).dispose();
      delete this.state.get(p)!.momentumBuffer;
    }
    return false;
  }
}

function pick<T, K extends keyof T>(o: T, ...keys: K[]): Pick<T, K> {
  const out = {} as Pick<T, K>;
  for (const k of keys) out[k] = o[k];
  return out;
}

/** Options of {@link Adam} / {@link AdamW}. */
export interface AdamOptions {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
  maximize: boolean;
}

function adamCheck(op: string, d: AdamOptions): void {
  check(op, d.eps >= 0, `invalid epsilon value: ${d.eps}`);
  check(op, d.betas[0] >= 0 && d.betas[0] < 1, `invalid beta parameter at index 0: ${d.betas[0]}`);
  check(op, d.betas[1] >= 0 && d.betas[1] < 1, `invalid beta parameter at index 1: ${d.betas[1]}`);
  check(op, d.weightDecay >= 0, `invalid weight_decay value: ${d.weightDecay}`);
}

type AdamInternals = {
  stateOf(p: Tensor): Record<string, Tensor | number>;
  keptLike(p: Tensor, v?: number): Tensor;
  data(p: Tensor): Tensor;
};

/** Adam's state of `p`, created (zeros, step 0) on first use. */
function adamState(opt: AdamInternals, p: Tensor, amsgrad: boolean): Record<string, Tensor | number> {
  const s = opt.stateOf(p);
  if (s.step === undefined) {
    s.step = 0;
    s.expAvg = opt.keptLike(p);
    s.expAvgSq = opt.keptLike(p);
  }
  if (amsgrad && !s.maxExpAvgSq) s.maxExpAvgSq = opt.keptLike(p);
  return s;
}

function adamUpdate(opt: Adam | AdamW, g: ParamGroup<AdamOptions>, decoupled: boolean): void {
  const [b1, b2] = g.betas;
  const o = opt as unknown as AdamInternals;
  // the whole group in one multi-tensor step (Note [Fused optimizer step] in @dl/tensor)
  const ps = g.params.filter((p) => p.grad);
  const ss = ps.map((p) => adamState(o, p, g.amsgrad));
  const step = { kind: 'adam', beta1: b1, beta2: b2, decoupled, ...pick(g, 'lr', 'eps', 'weightDecay', 'amsgrad', 'maximize') } as const;
  const states = ss.map((s) => [s.expAvg, s.expAvgSq, ...(g.amsgrad ? [s.maxExpAvgSq] : [])] as Tensor[]);
  const grads = ps.map((p) => p.grad!);
  if (
    !hasDuplicates(ps) &&
    fusedOptimizerStep(
      step,
      ss.map((s) => (s.step as number) + 1),
      ps.map((p) => o.data(p)),
      grads,
      states,
    )
  ) {
    for (const s of ss) s.step = (s.step as number) + 1;
    return;
  }
  for (const p of g.params) {
    if (!p.grad) continue;
    const s = adamState(o, p, g.amsgrad);
    const data = o.data(p);
    let grad = g.maximize ? p.grad.neg() : p.grad;
    s.step = (s.step as number) + 1;
    if (decoupled) data.mul_(1 - g.lr * g.weightDecay);
    else if (g.weightDecay !== 0) grad = grad.add(data, { alpha: g.weightDecay });
    const m = s.expAvg as Tensor;
    const v = s.expAvgSq as Tensor;
    m.mul_(b1).add_(grad, { alpha: 1 - b1 });
    v.mul_(b2).addcmul_(grad, grad, { value: 1 - b2 });
    const step = s.step;
    const bc1 = 1 - b1 ** step;
    const bc2Sqrt = Math.sqrt(1 - b2 ** step);
    let denom: Tensor;
    if (g.amsgrad) {
      const mx = s.maxExpAvgSq as Tensor;
      mx.maximum_(v);
      denom = mx.sqrt().div(bc2Sqrt).add(g.eps);
    } else denom = v.sqrt().div(bc2Sqrt).add(g.eps);
    data.addcdiv_(m, denom, { value: -g.lr / bc1 });
  }
}

/**
 * Adam (L2 weight decay added to the gradient; `amsgrad`, `maximize`), PyTorch's update rule.
 *
 * @example
 * const opt = new Adam(net.parameters(), { lr: 1e-3 });
 */
export class Adam extends Optimizer<AdamOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'Adam' }); // the name in messages and reprs, minified or not
  }
  protected override readonly torchGroupKeys = [
    'lr',
    'betas',
    'eps',
    'weight_decay',
    'amsgrad',
    'maximize',
    'foreach',
    'capturable',
    'differentiable',
    'fused',
  ];
  protected override readonly stepIsTensor = true;
  constructor(params: Params<AdamOptions>, opts?: Partial<AdamOptions>);
  /** The learning rate as the second argument, as PyTorch's positional `lr` (Note [Positional lr]). */
  constructor(params: Params<AdamOptions>, lr: number, opts?: Partial<Omit<AdamOptions, 'lr'>>);
  constructor(params: Params<AdamOptions>, lrOrOpts: number | Partial<AdamOptions> = {}, more?: Partial<AdamOptions>) {
    const opts = optionsOf<AdamOptions>('Adam', lrOrOpts, more);
    const d: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, ...opts };
    adamCheck('Adam', d);
    super(params, d);
  }
  protected updateGroup(g: ParamGroup<AdamOptions>): void {
    adamUpdate(this, g, false);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (default 1e-2), PyTorch's update rule.
 *
 * @example
 * const opt = new AdamW(net.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends Optimizer<AdamOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'AdamW' }); // the name in messages and reprs, minified or not
  }
  protected override readonly torchGroupKeys = ['lr', 'betas', 'eps', 'weight_decay', 'amsgrad', 'foreach', 'maximize', 'capturable'];
  protected override readonly stepIsTensor = true;
  constructor(params: Params<AdamOptions>, opts?: Partial<AdamOptions>);
  /** The learning rate as the second argument, as PyTorch's positional `lr` (Note [Positional lr]). */
  constructor(params: Params<AdamOptions>, lr: number, opts?: Partial<Omit<AdamOptions, 'lr'>>);
  constructor(params: Params<AdamOptions>, lrOrOpts: number | Partial<AdamOptions> = {}, more?: Partial<AdamOptions>) {
    const opts = optionsOf<AdamOptions>('AdamW', lrOrOpts, more);
    const d: AdamOptions = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, ...opts };
    adamCheck('AdamW', d);
    super(params, d);
  }
  protected updateGroup(g: ParamGroup<AdamOptions>): void {
    adamUpdate(this, g, true);
  }
}

/** Options of {@link RMSprop}. */
export interface RMSpropOptions {
  lr: number;
  alpha: number;
  eps: number;
  weightDecay: number;
  momentum: number;
  centered: boolean;
  maximize: boolean;
}

/**
 * RMSprop (`alpha`, `momentum`, `centered`), PyTorch's update rule.
 *
 * @example
 * new RMSprop(net.parameters(), { lr: 0.01, momentum: 0.9 });
 */
export class RMSprop extends Optimizer<RMSpropOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'RMSprop' }); // the name in messages and reprs, minified or not
  }
  protected override readonly torchGroupKeys = [
    'lr',
    'momentum',
    'alpha',
    'eps',
    'centered',
    'weight_decay',
    'foreach',
    'maximize',
    'differentiable',
  ];
  constructor(params: Params<RMSpropOptions>, opts?: Partial<RMSpropOptions>);
  /** The learning rate as the second argument, as PyTorch's positional `lr` (Note [Positional lr]). */
  constructor(params: Params<RMSpropOptions>, lr: number, opts?: Partial<Omit<RMSpropOptions, 'lr'>>);
  constructor(params: Params<RMSpropOptions>, lrOrOpts: number | Partial<RMSpropOptions> = {}, more?: Partial<RMSpropOptions>) {
    const opts = optionsOf<RMSpropOptions>('RMSprop', lrOrOpts, more);
    const d: RMSpropOptions = { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, ...opts };
    check('RMSprop', d.alpha >= 0, `invalid alpha value: ${d.alpha}`);
    check('RMSprop', d.momentum >= 0, `invalid momentum value: ${d.momentum}`);
    super(params, d);
  }
  /** The state of `p`, created (zeros, step 0) on first use. */
  private rmsState(p: Tensor, g: ParamGroup<RMSpropOptions>): Record<string, Tensor | number> {
    const s = this.stateOf(p);
    if (s.step === undefined) {
      s.step = 0;
      s.squareAvg = this.keptLike(p);
      if (g.momentum > 0) s.momentumBuffer = this.keptLike(p);
      if (g.centered) s.gradAvg = this.keptLike(p);
    }
    return s;
  }
  protected updateGroup(g: ParamGroup<RMSpropOptions>): void {
    // the whole group in one multi-tensor step (Note [Fused optimizer step] in @dl/tensor)
    const ps = g.params.filter((p) => p.grad);
    const ss = ps.map((p) => this.rmsState(p, g));
    const step = { kind: 'rmsprop', ...pick(g, 'lr', 'alpha', 'eps', 'weightDecay', 'momentum', 'centered', 'maximize') } as const;
    const states = ss.map((s) => [s.squareAvg, s.momentumBuffer, s.gradAvg].filter((t) => t !== undefined) as Tensor[]);
    const want = 1 + (g.momentum > 0 ? 1 : 0) + (g.centered ? 1 : 0);
    const steps = ss.map((s) => (s.step as number) + 1);
    if (
      !hasDuplicates(ps) &&
      states.every((st) => st.length === want) &&
      fusedOptimizerStep(
        step,
        steps,
        ps.map((p) => this.data(p)),
        ps.map((p) => p.grad!),
        states,
      )
    ) {
      for (const s of ss) s.step = (s.step as number) + 1;
      return;
    }
    for (const p of g.params) {
      if (!p.grad) continue;
      const s = this.rmsState(p, g);
      s.step = (s.step as number) + 1;
      const grad = effectiveGrad(p, p.grad, g.maximize, g.weightDecay);
      const sq = s.squareAvg as Tensor;
      sq.mul_(g.alpha).addcmul_(grad, grad, { value: 1 - g.alpha });
      let avg: Tensor;
      if (g.centered) {
        const ga = s.gradAvg as Tensor;
        ga.mul_(g.alpha).add_(grad, { alpha: 1 - g.alpha });
        avg = sq.addcmul(ga, ga, { value: -1 }).sqrt();
      } else avg = sq.sqrt();
      avg = avg.add(g.eps);
      if (g.momentum > 0) {
        const buf = s.momentumBuffer as Tensor;
        buf.mul_(g.momentum).addcdiv_(grad, avg);
        this.data(p).add_(buf, { alpha: -g.lr });
      } else this.data(p).addcdiv_(grad, avg, { value: -g.lr });
    }
  }
}

/** Options of {@link Adagrad}. */
export interface AdagradOptions {
  lr: number;
  lrDecay: number;
  weightDecay: number;
  initialAccumulatorValue: number;
  eps: number;
  maximize: boolean;
}

/**
 * Adagrad (`lrDecay`, `initialAccumulatorValue`), PyTorch's update rule.
 *
 * @example
 * new Adagrad(net.parameters(), { lr: 0.1 });
 */
export class Adagrad extends Optimizer<AdagradOptions> {
  static {
    Object.defineProperty(this, 'name', { value: 'Adagrad' }); // the name in messages and reprs, minified or not
  }
  protected override readonly torchGroupKeys = [
    'lr',
    'lr_decay',
    'eps',
    'weight_decay',
    'initial_accumulator_value',
    'foreach',
    'maximize',
  ];
  protected override readonly stepIsTensor = true;
  constructor(params: Params<AdagradOptions>, opts?: Partial<AdagradOptions>);
  /** The learning rate as the second argument, as PyTorch's positional `lr` (Note [Positional lr]). */
  constructor(params: Params<AdagradOptions>, lr: number, opts?: Partial<Omit<AdagradOptions, 'lr'>>);
  constructor(params: Params<AdagradOptions>, lrOrOpts: number | Partial<AdagradOptions> = {}, more?: Partial<AdagradOptions>) {
    const opts = optionsOf<AdagradOptions>('Adagrad', lrOrOpts, more);
    const d: AdagradOptions = { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, ...opts };
    check('Adagrad', d.lrDecay >= 0, `invalid lr_decay value: ${d.lrDecay}`);
    check('Adagrad', d.initialAccumulatorValue >= 0, `invalid initial_accumulator_value value: ${d.initialAccumulatorValue}`);
    super(params, d);
    // torch creates Adagrad state eagerly
    for (const g of this.paramGroups) for (const p of g.params) this.stateOf(p);
  }
  /** The state of `p`, created (the initial accumulator, step 0) on first use. */
  private adagradState(p: Tensor, g: ParamGroup<AdagradOptions>): Record<string, Tensor | number> {
    const s = this.stateOf(p);
    if (s.step === undefined) {
      s.step = 0;
      s.sum = this.keptLike(p, g.initialAccumulatorValue);
    }
    return s;
  }
  protected updateGroup(g: ParamGroup<AdagradOptions>): void {
    // the whole group in one multi-tensor step (Note [Fused optimizer step] in @dl/tensor)
    const ps = g.params.filter((p) => p.grad);
    const ss = ps.map((p) => this.adagradState(p, g));
    const step = { kind: 'adagrad', ...pick(g, 'lr', 'lrDecay', 'eps', 'weightDecay', 'maximize') } as const;
    const steps = ss.map((s) => (s.step as number) + 1);
    const states = ss.map((s) => [s.sum as Tensor]);
    if (
      !hasDuplicates(ps) &&
      fusedOptimizerStep(
        step,
        steps,
        ps.map((p) => this.data(p)),
        ps.map((p) => p.grad!),
        states,
      )
    ) {
      for (const s of ss) s.step = (s.step as number) + 1;
      return;
    }
    for (const p of g.params) {
      if (!p.grad) continue;
      const s = this.adagradState(p, g);
      s.step = (s.step as number) + 1;
      const grad = effectiveGrad(p, p.grad, g.maximize, g.weightDecay);
      const clr = g.lr / (1 + (s.step - 1) * g.lrDecay);
      const sum = s.sum as Tensor;
      sum.addcmul_(grad, grad, { value: 1 });
      this.data(p).addcdiv_(grad, sum.sqrt().add(g.eps), { value: -clr });
    }
  }
}

/**
 * A parameter listed twice in one group (torch only warns) is updated once per listing, each
 * with its own step count; the fused step gives every listing the same count, so such groups
 * take the per-tensor path.
 */
function hasDuplicates(ps: readonly Tensor[]): boolean {
  return new Set(ps).size !== ps.length;
}
