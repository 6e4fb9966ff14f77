import * as dl from '@dl/tensor';
import { ArgumentError, StateError, type Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';

/** Per-parameter optimizer state: tensors (kept across `dl.tidy`) and numbers. */
export type ParamState = Record<string, Tensor | number>;

/** A parameter group: its params and hyper-parameters (`lr`, …), as torch's `param_groups`. */
export type ParamGroup<D> = D & { params: Tensor[]; [extra: string]: unknown };

/** What optimizers accept: parameters, or groups with per-group options. */
export type Params<D> = Iterable<Tensor> | Iterable<Partial<D> & { params: Iterable<Tensor> }>;

/** Serialisable optimizer state: per-parameter state keyed by index, and the groups. */
export interface OptimizerStateDict<D> {
  state: Record<number, ParamState>;
  paramGroups: Array<D & { params: number[] }>;
}

/**
 * Base of every optimizer: parameter groups, per-parameter state, `zeroGrad`, `step` (run
 * without recording gradients), `stateDict`/`loadStateDict`, `addParamGroup`.
 *
 * Note [Optimizer memory]
 * State tensors are created with `dl.keep` so a training step inside `dl.tidy` does not
 * free them; they are updated in place afterwards, so memory stays flat.
 *
 * @example
 * const opt = new SGD(net.parameters(), { lr: 0.1 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 */
export abstract class Optimizer<D extends { lr: number }> {
  paramGroups: ParamGroup<D>[] = [];
  readonly state = new Map<Tensor, ParamState>();
  private readonly dataViews = new WeakMap<Tensor, Tensor>();

  constructor(params: Params<D>, readonly defaults: D) {
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ArgumentError(`${this.constructor.name}: optimizer got an empty parameter list`, { op: 'Optimizer' });
    const groups = (list[0] instanceof dl.Tensor ? [{ params: list as Tensor[] }] : list) as Array<Partial<D> & { params: Iterable<Tensor> }>;
    for (const g of groups) this.addParamGroup(g);
  }

  /** Add a group of parameters with its own options (others from the defaults). */
  addParamGroup(group: Partial<D> & { params: Iterable<Tensor> | Tensor }): void {
    const params = group.params instanceof dl.Tensor ? [group.params] : [...group.params];
    for (const p of params) {
      if (!(p instanceof dl.Tensor)) throw new ArgumentError(`${this.constructor.name}: optimizer can only optimize Tensors, got ${typeof p}`, { op: 'addParamGroup' });
      if (!p.isLeaf) throw new ArgumentError(`${this.constructor.name}: can't optimize a non-leaf Tensor (shape [${p.shape.join(', ')}])`, { op: 'addParamGroup', hint: 'pass module.parameters() or detached leaves' });
      if (this.paramGroups.some((g) => g.params.includes(p))) {
        throw new ArgumentError(`${this.constructor.name}: some parameters appear in more than one parameter group`, { op: 'addParamGroup' });
      }
    }
    const g = { ...this.defaults, ...group, params } as ParamGroup<D>;
    if (!(g.lr >= 0)) throw new ArgumentError(`${this.constructor.name}: invalid learning rate: ${g.lr}`, { op: 'Optimizer' });
    this.paramGroups.push(g);
  }

  /**
   * Clear gradients. `setToNone` defaults to false, as torch 1.13 (our fixtures' oracle):
   * gradients are zeroed in place and keep their memory.
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    if (!dl.inScope()) dl.endStep();
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (!p.grad) continue;
        if (opts.setToNone) {
          p.grad.dispose();
          p.grad = null;
        } else p.grad.zero_();
      }
    }
  }

  /**
   * One update of every parameter that has a gradient (without recording gradients).
   * `closure` re-evaluates the loss (with autograd on) and returns it.
   */
  step(closure?: () => Tensor): Tensor | undefined {
    const loss = closure ? closure() : undefined;
    const top = !dl.inScope();
    noGrad(() =>
      dl.runScope(`${this.constructor.name}.step`, () => {
        for (const g of this.paramGroups) this.updateGroup(g);
      }),
    );
    // A step boundary: what the loop made this step (batch, output, loss) goes to the GC.
    if (top) dl.endStep(loss);
    return loss;
  }

  /** @internal Update the parameters of one group. */
  protected abstract updateGroup(group: ParamGroup<D>): void;

  /** @internal The state of `p`, created on first use. */
  protected stateOf(p: Tensor): ParamState {
    let s = this.state.get(p);
    if (!s) this.state.set(p, (s = {}));
    return s;
  }
  /** @internal A kept zero tensor like `p` (or filled with `value`). */
  protected keptLike(p: Tensor, value = 0): Tensor {
    return dl.keep(dl.fullLike(p, value));
  }
  /** @internal A detached view of `p` to write updates through. */
  protected data(p: Tensor): Tensor {
    let d = this.dataViews.get(p);
    if (!d || d.isDisposed || d._storage !== p._storage) {
      d?.dispose(); // a view of the storage p had before `module.to()` moved it
      d = dl.keep(p.detach());
      this.dataViews.set(p, d);
    }
    return d;
  }

  /** Per-parameter state (by index over all groups) and the groups with param indices. */
  stateDict(): OptimizerStateDict<D> {
    const index = new Map<Tensor, number>();
    let next = 0;
    const paramGroups = this.paramGroups.map((g) => {
      const { params, ...rest } = g;
      return { ...(rest as unknown as D), params: params.map((p) => (index.has(p) ? index.get(p)! : (index.set(p, next), next++))) };
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i !== undefined) state[i] = { ...s };
    }
    return { state, paramGroups };
  }

  /** Restore from {@link stateDict} (tensors are copied into kept tensors). */
  loadStateDict(sd: OptimizerStateDict<D>): void {
    if (sd.paramGroups.length !== this.paramGroups.length) {
      throw new StateError(`loadStateDict: loaded state dict has ${sd.paramGroups.length} parameter groups, the optimizer has ${this.paramGroups.length}`, { op: 'loadStateDict' });
    }
    sd.paramGroups.forEach((g, k) => {
      if (g.params.length !== this.paramGroups[k]!.params.length) {
        throw new StateError(`loadStateDict: loaded state dict contains a parameter group that doesn't match the size of optimizer's group ${k}`, { op: 'loadStateDict' });
      }
    });
    const byIndex = new Map<number, Tensor>();
    sd.paramGroups.forEach((g, k) => g.params.forEach((idx, j) => byIndex.set(idx, this.paramGroups[k]!.params[j]!)));
    this.state.clear();
    for (const [idx, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(idx));
      if (!p) continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) copy[k] = typeof v === 'number' ? v : dl.keep(v.detach().to({ device: p.device }).clone());
      this.state.set(p, copy);
    }
    sd.paramGroups.forEach((g, k) => {
      const { params: _ignored, ...rest } = g;
      Object.assign(this.paramGroups[k]!, rest);
    });
  }
}
