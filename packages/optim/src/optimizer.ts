import * as dl from '@dl/tensor';
import { inScope, runScope } from '@dl/tensor/internal';
import { ArgumentError, StateError, type Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { pyName } from '@dl/nn';

/** Per-parameter optimizer state: tensors (kept across `dl.tidy`) and numbers. */
export type ParamState = Record<string, Tensor | number>;

/** A parameter group: its params and hyper-parameters (`lr`, …), as torch's `param_groups`. */
export type ParamGroup<D> = D & { params: Tensor[]; [extra: string]: unknown };

/** What optimizers accept: parameters, or groups with per-group options. */
export type Params<D> = Iterable<Tensor> | Iterable<Partial<D> & { params: Iterable<Tensor> }>;

/**
 * Serialisable optimizer state in PyTorch's layout (`torch.optim.Optimizer.state_dict()`):
 * per-parameter state keyed by parameter index (`momentum_buffer`, `exp_avg`, `step`…) and the
 * groups with their options in snake_case (`weight_decay`) and `params` as index lists. A file
 * saved from it loads in PyTorch, and PyTorch's loads here.
 */
export interface OptimizerStateDict {
  state: Record<number, Record<string, Tensor | number | null>>;
  param_groups: Array<Record<string, unknown> & { params: number[] }>;
}

/** Option keys PyTorch 1.13 has and dl does not (its implementation choices), with torch's defaults. */
const TORCH_ONLY: Record<string, unknown> = { foreach: null, capturable: false, differentiable: false, fused: false };
const clone = (v: unknown): unknown => (Array.isArray(v) ? [...v] : v);

/** A module (a callable with `parameters()`), passed where its parameters belong. */
function isModule(v: unknown): v is { _getName(): string } {
  return (
    typeof v === 'function' &&
    typeof (v as { parameters?: unknown }).parameters === 'function' &&
    typeof (v as { _getName?: unknown })._getName === 'function'
  );
}

/** snake_case → camelCase (`exp_avg_sq` → `expAvgSq`). */
function camel(key: string): string {
  return key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
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
export abstract class Optimizer<D extends { lr: number } = { lr: number }> {
  static {
    Object.defineProperty(this, 'name', { value: 'Optimizer' }); // the name in messages and reprs, minified or not
  }
  paramGroups: ParamGroup<D>[] = [];
  readonly state = new Map<Tensor, ParamState>();
  private readonly dataViews = new WeakMap<Tensor, Tensor>();

  constructor(
    params: Params<D>,
    readonly defaults: D,
  ) {
    const name = this.constructor.name;
    if (isModule(params)) {
      throw new ArgumentError(`${name}: params should be the module's parameters, but got the module (${params._getName()})`, {
        op: name,
        hint: `pass model.parameters(): new ${name}(model.parameters(), { lr: 0.01 })`,
      });
    }
    if (params instanceof dl.Tensor || params === null || typeof (params as Iterable<unknown>)?.[Symbol.iterator] !== 'function') {
      const got = params instanceof dl.Tensor ? `a Tensor of shape [${params.shape.join(', ')}]` : params === null ? 'null' : typeof params;
      throw new ArgumentError(`${name}: params argument given to the optimizer should be an iterable of Tensors or dicts, but got ${got}`, {
        op: name,
        hint: `pass model.parameters() (or [tensor] for a single tensor): new ${name}(model.parameters(), { lr: 0.01 })`,
      });
    }
    const list = [...(params as Iterable<unknown>)];
    if (list.length === 0) throw new ArgumentError(`${this.constructor.name}: optimizer got an empty parameter list`, { op: 'Optimizer' });
    const groups = (list[0] instanceof dl.Tensor ? [{ params: list as Tensor[] }] : list) as Array<
      Partial<D> & { params: Iterable<Tensor> }
    >;
    for (const g of groups) {
      if (g === null || typeof g !== 'object' || !('params' in g)) {
        const gv: unknown = g;
        const got = gv === null ? 'null' : isModule(gv) ? `a module (${gv._getName()})` : typeof gv;
        throw new ArgumentError(`${name}: params should be Tensors or parameter groups ({ params, ...options }), but got ${got}`, {
          op: name,
          hint: `pass model.parameters(): new ${name}(model.parameters(), { lr: 0.01 })`,
        });
      }
    }
    for (const g of groups) this.addParamGroup(g);
  }

  /**
   * Add a group of parameters with its own options (others from the defaults).
   *
   * @example
   * const backbone = new nn.Linear(4, 4), head = new nn.Linear(4, 2);
   * const opt = new SGD(backbone.parameters(), { lr: 0.01 });
   * opt.addParamGroup({ params: head.parameters(), lr: 0.1 }); // as opt.add_param_group({...})
   */
  addParamGroup(group: Partial<D> & { params: Iterable<Tensor> | Tensor }): void {
    const params = group.params instanceof dl.Tensor ? [group.params] : [...group.params];
    for (const p of params) {
      if (!(p instanceof dl.Tensor)) {
        throw new ArgumentError(
          `${this.constructor.name}: optimizer can only optimize Tensors, but one of the params is ${p === null ? 'null' : typeof p}`,
          {
            op: 'addParamGroup',
            hint: 'pass model.parameters(), or tensors made with { requiresGrad: true }',
          },
        );
      }
      if (!p.isLeaf)
        throw new ArgumentError(`${this.constructor.name}: can't optimize a non-leaf Tensor (shape [${p.shape.join(', ')}])`, {
          op: 'addParamGroup',
          hint: 'pass module.parameters() or detached leaves',
        });
      if (this.paramGroups.some((g) => g.params.includes(p))) {
        throw new ArgumentError(`${this.constructor.name}: some parameters appear in more than one parameter group`, {
          op: 'addParamGroup',
        });
      }
    }
    const g = { ...this.defaults, ...group, params } as ParamGroup<D>;
    const name = this.constructor.name;
    if (g.lr === undefined) {
      throw new ArgumentError(`${name}: parameter group didn't specify a value of required optimization parameter lr`, {
        op: name,
        hint: `give a learning rate: new ${name}(model.parameters(), { lr: 0.01 }), or one per group: { params, lr }`,
      });
    }
    if (typeof g.lr !== 'number' || !(g.lr >= 0))
      throw new ArgumentError(`${name}: invalid learning rate: ${typeof g.lr === 'string' ? `'${g.lr}'` : String(g.lr)}`, {
        op: name,
        hint: 'lr is a number ≥ 0',
      });
    this.paramGroups.push(g);
  }

  /**
   * Clear gradients. `setToNone` defaults to false, as torch 1.13 (our fixtures' oracle):
   * gradients are zeroed in place and keep their memory.
   *
   * @example
   * const model = new nn.Linear(4, 2), opt = new SGD(model.parameters(), { lr: 0.1 });
   * model(dl.randn(8, 4)).sum().backward();
   * opt.zeroGrad(); // model.weight.grad → zeros; { setToNone: true } → null
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
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
   *
   * @example
   * const model = new nn.Linear(4, 2), opt = new Adam(model.parameters(), { lr: 1e-3 });
   * opt.zeroGrad();
   * F.mseLoss(model(dl.randn(8, 4)), dl.randn(8, 2)).backward();
   * opt.step();
   */
  step(closure?: () => Tensor): Tensor | undefined {
    const loss = closure ? closure() : undefined;
    const top = !inScope();
    noGrad(() =>
      runScope(`${this.constructor.name}.step`, () => {
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

  /**
   * PyTorch 1.13 keeps `step` as a 0-d float tensor for these optimizers (Adam, AdamW, Adagrad)
   * and as a number for the others; state dicts follow it so files interchange.
   */
  protected readonly stepIsTensor: boolean = false;
  /** The keys of a PyTorch 1.13 param group of this optimizer, in torch's order (before `params`). */
  protected readonly torchGroupKeys: readonly string[] = [];

  /**
   * Per-parameter state (by index over all groups) and the groups with param indices, in
   * PyTorch's layout ({@link OptimizerStateDict}). Tensors are the optimizer's own (as torch).
   *
   * @example
   * await dl.save({ model: net.stateDict(), optimizer: opt.stateDict() }, 'ckpt.pt');
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    let next = 0;
    const param_groups = this.paramGroups.map((g) => {
      const out: Record<string, unknown> = {};
      const rec = g as Record<string, unknown>;
      for (const k of this.torchGroupKeys) out[k] = camel(k) in rec ? clone(rec[camel(k)]) : TORCH_ONLY[k];
      for (const [k, v] of Object.entries(g)) if (k !== 'params' && !(pyName(k) in out)) out[pyName(k)] = clone(v);
      return { ...out, params: g.params.map((p) => (index.has(p) ? index.get(p)! : (index.set(p, next), next++))) };
    });
    const state: OptimizerStateDict['state'] = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const out: Record<string, Tensor | number | null> = {};
      for (const [k, v] of Object.entries(s))
        out[pyName(k)] = k === 'step' && this.stepIsTensor && typeof v === 'number' ? dl.tensor(v) : v;
      state[i] = out;
    }
    return { state, param_groups };
  }

  /**
   * Restore from a state dict in PyTorch's layout — one from {@link stateDict}, or one PyTorch
   * saved (`torch.save(opt.state_dict(), f)`, read with `dl.load`). State tensors are copied onto
   * each parameter's device; PyTorch-only options (`foreach`, `capturable`…) are dropped.
   *
   * @example
   * opt.loadStateDict((await dl.load('ckpt.pt')).optimizer);
   */
  loadStateDict(sd: OptimizerStateDict): void {
    const op = 'loadStateDict';
    const groups =
      (sd as unknown as { param_groups?: unknown; paramGroups?: unknown })?.param_groups ??
      (sd as unknown as { paramGroups?: unknown })?.paramGroups;
    if (!Array.isArray(groups) || typeof sd.state !== 'object' || sd.state === null) {
      throw new ArgumentError(`${op}: expected an optimizer state dict { state, param_groups }, got ${sd === null ? 'null' : typeof sd}`, {
        op,
        hint: 'pass what optimizer.stateDict() returned (or torch.optim state_dict() loaded with dl.load)',
      });
    }
    const loaded = groups as Array<Record<string, unknown> & { params: number[] }>;
    if (loaded.length !== this.paramGroups.length) {
      throw new StateError(`${op}: loaded state dict has ${loaded.length} parameter groups, the optimizer has ${this.paramGroups.length}`, {
        op,
      });
    }
    loaded.forEach((g, k) => {
      if (!Array.isArray(g.params) || g.params.length !== this.paramGroups[k]!.params.length) {
        throw new StateError(`${op}: loaded state dict contains a parameter group that doesn't match the size of optimizer's group ${k}`, {
          op,
        });
      }
    });
    const byIndex = new Map<number, Tensor>();
    loaded.forEach((g, k) => g.params.forEach((idx, j) => byIndex.set(Number(idx), this.paramGroups[k]!.params[j]!)));
    const state = new Map<Tensor, ParamState>();
    for (const [idx, s] of Object.entries(sd.state)) {
      const p = byIndex.get(Number(idx));
      if (!p || s === null || typeof s !== 'object') continue;
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s as Record<string, unknown>)) {
        const key = camel(k);
        if (v === null || v === undefined) continue; // torch's SGD keeps momentum_buffer: None
        if (typeof v === 'number') copy[key] = v;
        else if (v instanceof dl.Tensor)
          copy[key] = key === 'step' ? v.itemSync() : dl.keep(v.detach().to({ device: p.device, dtype: p.dtype }).clone());
        else throw new ArgumentError(`${op}: state entry '${k}' of parameter ${idx} is ${typeof v}, expected a Tensor or a number`, { op });
      }
      state.set(p, copy);
    }
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
    loaded.forEach((g, k) => {
      const own = this.paramGroups[k]!;
      const known = new Map(Object.keys(own).map((key) => [pyName(key), key]));
      for (const [key, v] of Object.entries(g)) {
        if (key === 'params') continue;
        const dlKey = known.get(key) ?? (key in TORCH_ONLY ? null : camel(key));
        if (dlKey !== null) (own as Record<string, unknown>)[dlKey] = clone(v);
      }
    });
  }
}
