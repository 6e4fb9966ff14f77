import * as dl from '@dl/tensor';
import { collectTensors, isDTypeName, isUnsupportedDTypeName, markParameter, toDType } from '@dl/tensor/internal';
import { ArgumentError, ShapeError, StateError, type DType, type DTypeName, type Tensor } from '@dl/tensor';
import { makeCallable, scopedForward } from './module-call.js';
import { addIndent } from './module-repr.js';

export { pyFloat, pyTuple } from './module-repr.js';

const PARAMS = new WeakSet<object>();

/** A tensor registered as a module parameter (requiresGrad true by default). */
export type Parameter = Tensor;

/**
 * `nn.Parameter`: callable, and constructible with `new` as torch code writes it (both give the
 * same parameter).
 */
export interface ParameterConstructor {
  (data: Tensor, requiresGrad?: boolean): Parameter;
  new (data: Tensor, requiresGrad?: boolean): Parameter;
}

/**
 * Make a parameter from `data`, sharing its storage (as `torch.nn.Parameter`): a leaf with
 * `requiresGrad`, which a `Module` registers when it is assigned to one of its properties.
 * `new nn.Parameter(…)` works too (a function returning an object gives that object to `new`).
 *
 * @example
 * this.scale = nn.Parameter(dl.ones(4));
 * this.bias = new nn.Parameter(dl.zeros(4)); // as torch code writes it
 */
export const Parameter = function Parameter(data: Tensor, requiresGrad = true): Parameter {
  if (!(data instanceof dl.Tensor)) {
    throw new ArgumentError(
      `Parameter: data must be a Tensor, got ${data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data}`,
      {
        op: 'Parameter',
        hint: 'wrap a tensor: nn.Parameter(dl.tensor([1, 2])) or nn.Parameter(dl.randn(3, 4))',
      },
    );
  }
  const p = data.detach();
  if (requiresGrad) p.requiresGrad_(true);
  PARAMS.add(p);
  markParameter(p); // prints 'Parameter containing:' first, as PyTorch
  dl.keep(p); // module state: never handed to the garbage collector at a step boundary
  return p;
} as ParameterConstructor;

/**
 * Is `t` a parameter made by {@link Parameter}?
 *
 * @example
 * nn.isParameter(new nn.Linear(4, 2).weight); // → true
 * nn.isParameter(dl.ones(2)); // → false
 */
export function isParameter(t: unknown): t is Parameter {
  return typeof t === 'object' && t !== null && PARAMS.has(t);
}

/** Remove the handle returned by `register…Hook`. */
export interface RemovableHandle {
  remove(): void;
}

export type ForwardHook = (module: Module, input: unknown[], output: unknown) => unknown;
export type ForwardPreHook = (module: Module, input: unknown[]) => unknown[] | void;

/** Options of `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Require exactly the module's keys (default true). */
  strict?: boolean;
}

/** Result of a non-strict `loadStateDict`. */
export interface IncompatibleKeys {
  missingKeys: string[];
  unexpectedKeys: string[];
}

/**
 * Note [PyTorch names]
 * Parts are named as PyTorch names the same attribute, so that state dicts interchange with
 * PyTorch with no renaming: a JS property in camelCase is reported in snake_case (`runningMean` →
 * `running_mean`, `weightIhL0` → `weight_ih_l0`, `fcOut` → `fc_out`) by `namedParameters`,
 * `namedBuffers`, `namedChildren`, `stateDict`, `loadStateDict` and the printed repr. Names that are
 * already snake_case or lower case (`conv1`, `layer4`) are unchanged; container keys are kept as given.
 *
 * @example
 * pyName('numBatchesTracked'); // 'num_batches_tracked'
 */
export function pyName(key: string): string {
  if (!/[A-Z]/.test(key)) return key;
  return key
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

/** Own fields of Module that discovery skips. */
const INTERNAL = new Set([
  'training',
  '_bufferNames',
  '_nonPersistent',
  '_forwardHooks',
  '_forwardPreHooks',
  '_modules',
  '_hooksInstalled',
]);

/** An own, non-enumerable, writable field (Module's bookkeeping: not a part, not in `Object.keys`). */
function hidden(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, configurable: true, enumerable: false });
}

/**
 * A module is callable (Note [Callable modules] in module-call.ts): `net(x)` runs `forward`
 * with `forward`'s parameter and return types.
 */
export interface Module {
  (...args: Parameters<this['forward']>): ReturnType<this['forward']>;
}

/**
 * Note [Module registration]
 * TypeScript class fields are assigned after `super()` returns, so a base-class constructor
 * cannot intercept them. Instead a Module *discovers* its parts at call time: its own
 * enumerable properties, in insertion order (definition order, as PyTorch's registration
 * order), holding a `Module` (child), a `Parameter` (parameter) or a tensor named by
 * `registerBuffer` (buffer). Containers keep their children in the `_modules` map, which
 * comes before the properties. Reassigning a property replaces the part.
 *
 * @example
 * class Net extends nn.Module {
 *   fc = new nn.Linear(4, 2);
 *   forward(x: Tensor): Tensor { return this.fc(x); }
 * }
 * new Net()(dl.rand(3, 4)); // typed Tensor
 */
export abstract class Module {
  /** Training mode (`train()` / `eval()`). */
  declare training: boolean;
  /** @internal */ declare _bufferNames: Set<string>;
  /** @internal */ declare _nonPersistent: Set<string>;
  /** @internal */ declare _forwardHooks: ForwardHook[];
  /** @internal */ declare _forwardPreHooks: ForwardPreHook[];
  /** @internal children of containers, by name (Sequential "0", "1", …). */
  declare _modules: Map<string, Module> | null;
  /** @internal */ declare _hooksInstalled: boolean;

  constructor() {
    // Note [Callable modules]: the object this constructor returns is a function standing in for
    // `this`; subclass constructors and field initializers run on it.
    const self = makeCallable<Module>(new.target.prototype);
    self.training = true;
    hidden(self, '_bufferNames', new Set<string>());
    hidden(self, '_nonPersistent', new Set<string>());
    hidden(self, '_forwardHooks', []);
    hidden(self, '_forwardPreHooks', []);
    hidden(self, '_modules', null);
    hidden(self, '_hooksInstalled', false);
    // Note [Scoped forward]: `forward` here is the subclass's prototype method; an own property
    // wrapping it makes every call a library scope, however it is called (`net(x)`,
    // `net.forward(x)`, `net.call(x)`, from a parent's forward). `super.forward()` reaches the
    // unwrapped method.
    const orig = self.forward as unknown as (...a: unknown[]) => unknown;
    hidden(self, 'forward', scopedForward(self, orig));
    // biome-ignore lint/correctness/noConstructorReturn: the callable module (a function object with this prototype) is the instance
    return self;
  }

  /**
   * The computation. Call the module, `module(x)` (or `module.forward(x)`, `module.call(x)`: the
   * same). A subclass's `forward` types its calls; a value typed only as `Module` is called with
   * anything and gives `any`, as PyTorch's `Module.__call__`.
   *
   * @example
   * class Net extends nn.Module {
   *   fc = new nn.Linear(4, 2);
   *   forward(x: dl.Tensor) { return F.relu(this.fc(x)); }
   * }
   * new Net()(dl.randn(3, 4)).shape; // → [3, 2]
   */
  abstract forward(...args: any[]): any;

  /**
   * Run `forward` (with hooks): the same as calling the module, `net(x)`.
   *
   * @example
   * net.call(x); // net(x)
   */
  call(...args: Parameters<this['forward']>): ReturnType<this['forward']> {
    return (this.forward as (...a: unknown[]) => ReturnType<this['forward']>)(...args);
  }

  // ---- discovery ---------------------------------------------------------------------------
  /**
   * @internal [PyTorch name, value, JS property] of own parts, in order. Properties are named as
   * PyTorch names the same attribute (Note [PyTorch names]); container children by their key.
   */
  private *_entries(): Generator<[string, unknown, string]> {
    if (this._modules) for (const [k, v] of this._modules) yield [k, v, k];
    for (const key of Object.keys(this)) {
      if (INTERNAL.has(key)) continue;
      yield [pyName(key), (this as Record<string, unknown>)[key], key];
    }
  }

  /**
   * Direct children with their (PyTorch) names.
   *
   * @example
   * const net = new nn.Sequential(new nn.Linear(4, 2), new nn.ReLU());
   * for (const [name, m] of net.namedChildren()) console.log(name, String(m)); // 0 Linear(…), 1 ReLU()
   */
  *namedChildren(): Generator<[string, Module]> {
    for (const [k, v] of this._entries()) if (v instanceof Module) yield [k, v];
  }
  /**
   * Direct children.
   *
   * @example
   * [...new nn.Sequential(new nn.Linear(4, 2), new nn.ReLU()).children()].length; // → 2
   */
  *children(): Generator<Module> {
    for (const [, m] of this.namedChildren()) yield m;
  }
  /**
   * This module and every descendant, with dotted names ('' for this one).
   *
   * @example
   * [...new nn.Sequential(new nn.Linear(4, 2)).namedModules()].map(([n]) => n); // → ['', '0']
   */
  *namedModules(prefix = '', memo = new Set<Module>()): Generator<[string, Module]> {
    if (memo.has(this)) return;
    memo.add(this);
    yield [prefix, this];
    for (const [name, m] of this.namedChildren()) yield* m.namedModules(prefix ? `${prefix}.${name}` : name, memo);
  }
  /**
   * This module and every descendant.
   *
   * @example
   * [...new nn.Sequential(new nn.Linear(4, 2)).modules()].length; // → 2 (itself and the Linear)
   */
  *modules(): Generator<Module> {
    for (const [, m] of this.namedModules()) yield m;
  }
  /** Own parameters (not recursing), with the JS property holding each. */
  *_ownParameters(): Generator<[string, Parameter, string]> {
    for (const [k, v, js] of this._entries()) if (isParameter(v)) yield [k, v, js];
  }
  /** Own buffers (not recursing), with the JS property holding each and whether it is persistent (saved in `stateDict`). */
  *_ownBuffers(): Generator<[string, Tensor, string, boolean]> {
    for (const [k, v, js] of this._entries())
      if (this._bufferNames.has(js) && v instanceof dl.Tensor) yield [k, v, js, !this._nonPersistent.has(js)];
  }
  /**
   * Every parameter with its dotted name (`layers.0.weight`), each once.
   *
   * @example
   * [...new nn.Linear(4, 2).namedParameters()].map(([n]) => n); // → ['weight', 'bias']
   */
  *namedParameters(opts: { prefix?: string; recurse?: boolean } = {}): Generator<[string, Parameter]> {
    const seen = new Set<Tensor>();
    const mods: Iterable<[string, Module]> = opts.recurse === false ? [[opts.prefix ?? '', this]] : this.namedModules(opts.prefix ?? '');
    for (const [mp, m] of mods) {
      for (const [k, p] of m._ownParameters()) {
        if (seen.has(p)) continue;
        seen.add(p);
        yield [mp ? `${mp}.${k}` : k, p];
      }
    }
  }
  /**
   * Every parameter (for an optimizer).
   *
   * @example
   * const opt = new SGD(net.parameters(), { lr: 0.1 });
   */
  parameters(opts: { recurse?: boolean } = {}): Parameter[] {
    return [...this.namedParameters(opts)].map(([, p]) => p);
  }
  /**
   * Every buffer with its dotted name.
   *
   * @example
   * [...new nn.BatchNorm1d(3).namedBuffers()].map(([n]) => n); // → ['running_mean', 'running_var', 'num_batches_tracked']
   */
  *namedBuffers(): Generator<[string, Tensor]> {
    for (const [mp, m] of this.namedModules()) for (const [k, b] of m._ownBuffers()) yield [mp ? `${mp}.${k}` : k, b];
  }
  /**
   * Every buffer (running statistics and the like), recursing into children, as `torch.nn.Module.buffers()`.
   *
   * @example
   * new nn.BatchNorm1d(3).buffers().length; // → 3
   */
  buffers(): Tensor[] {
    return [...this.namedBuffers()].map(([, b]) => b);
  }

  // ---- registration ------------------------------------------------------------------------
  /**
   * Add a buffer: state that is not a parameter (BatchNorm's running stats). It is saved in
   * `stateDict` unless `persistent` is false, and moved by `to()`.
   *
   * @example
   * this.registerBuffer('runningMean', dl.zeros(n));
   */
  registerBuffer(name: string, tensor: Tensor | null, opts: { persistent?: boolean } = {}): void {
    if (name.includes('.') || name === '')
      throw new ArgumentError(`registerBuffer: buffer name can't contain "." or be empty, got '${name}'`, { op: 'registerBuffer' });
    (this as Record<string, unknown>)[name] = tensor === null ? null : dl.keep(tensor);
    this._bufferNames.add(name);
    if (opts.persistent === false) this._nonPersistent.add(name);
    else this._nonPersistent.delete(name);
  }
  /**
   * Add a parameter under `name` (same as assigning `nn.Parameter(t)` to the property).
   *
   * @example
   * const m = new nn.Linear(4, 2);
   * m.registerParameter('scale', dl.ones(1)); // now m.scale, listed by m.parameters()
   */
  registerParameter(name: string, param: Tensor | null): void {
    (this as Record<string, unknown>)[name] = param === null || isParameter(param) ? param : Parameter(param);
  }
  /**
   * Add a child module under `name` (same as assigning it to the property).
   *
   * @example
   * const net = new nn.Sequential();
   * net.registerModule('head', new nn.Linear(4, 2)); // net's child 'head'
   */
  registerModule(name: string, module: Module | null): void {
    if (this._modules) this._modules.set(name, module as Module);
    else (this as Record<string, unknown>)[name] = module;
  }
  /**
   * The same as {@link Module.registerModule}, as `torch.nn.Module.add_module`.
   *
   * @example
   * const net = new nn.Sequential();
   * net.addModule('fc', new nn.Linear(4, 2));
   */
  addModule(name: string, module: Module | null): void {
    this.registerModule(name, module);
  }

  // ---- modes -------------------------------------------------------------------------------
  /**
   * Set training mode on this module and all descendants.
   *
   * @example
   * const net = new nn.Sequential(new nn.Linear(4, 2), new nn.Dropout());
   * net.train(); net.training; // → true
   */
  train(mode = true): this {
    for (const m of this.modules()) m.training = mode;
    return this;
  }
  /**
   * Evaluation mode (`train(false)`): BatchNorm uses running stats, Dropout is off.
   *
   * @example
   * const net = new nn.Sequential(new nn.BatchNorm1d(4), new nn.Dropout());
   * net.eval(); net.training; // → false (for every child too)
   */
  eval(): this {
    return this.train(false);
  }
  /**
   * Set `requiresGrad` on every parameter.
   *
   * @example
   * const backbone = new nn.Linear(4, 2);
   * backbone.requiresGrad_(false); // frozen: backbone.weight.requiresGrad → false
   */
  requiresGrad_(requiresGrad = true): this {
    for (const p of this.parameters()) p.requiresGrad_(requiresGrad);
    return this;
  }
  /**
   * Clear parameter gradients. `setToNone` defaults to false, as torch 1.13 (whose
   * numbers our fixtures come from): gradients are zeroed in place.
   *
   * @example
   * const net = new nn.Linear(4, 2);
   * net(dl.randn(3, 4)).sum().backward();
   * net.zeroGrad(); // net.weight.grad → zeros
   */
  zeroGrad(opts: { setToNone?: boolean } = {}): void {
    for (const p of this.parameters()) {
      if (!p.grad) continue;
      if (opts.setToNone) {
        p.grad.dispose();
        p.grad = null;
      } else p.grad.zero_();
    }
  }
  /**
   * Call `fn` on every descendant then this module (as PyTorch's `apply`).
   *
   * @example
   * const net = new nn.Sequential(new nn.Linear(4, 2), new nn.Linear(2, 1));
   * net.apply((m) => { if (m instanceof nn.Linear) init.zeros_(m.weight); });
   */
  apply(fn: (m: Module) => void): this {
    for (const c of this.children()) c.apply(fn);
    fn(this);
    return this;
  }

  /**
   * Move and/or cast parameters and buffers in place (floating dtypes only are cast).
   *
   * @example
   * net.to('webgpu'); net.to('float64');
   */
  to(target: string | { device?: string; dtype?: DTypeName }): this {
    const t = parseTarget(target);
    return this._remap((x) => x.detach().to(castTarget(t, x)));
  }

  /**
   * `to()` for any pair of devices, awaiting the reads (a model on webgpu comes back to cpu
   * only this way: GPU reads are asynchronous).
   *
   * @example
   * await net.toAsync('cpu');
   */
  async toAsync(target: string | { device?: string; dtype?: DTypeName }): Promise<this> {
    const t = parseTarget(target);
    const moved = new Map<Tensor, Tensor>();
    for (const m of this.modules()) {
      for (const [, x] of [...m._ownParameters(), ...m._ownBuffers()]) {
        for (const y of x.grad ? [x, x.grad] : [x]) moved.set(y, await y.detach().toAsync(castTarget(t, y)));
      }
    }
    return this._remap((x) => moved.get(x) ?? x);
  }

  /**
   * Move every parameter (and its grad) and buffer to `conv` of it, in place: as PyTorch sets
   * `param.data`, the Parameter objects stay the same, so an optimizer made before `to()` still
   * holds this module's parameters.
   */
  private _remap(conv: (x: Tensor) => Tensor): this {
    for (const m of this.modules()) {
      const rec = m as unknown as Record<string, unknown>;
      for (const [, p, js] of [...m._ownParameters()]) {
        const moved = conv(p);
        if (moved === p || (moved.device === p.device && moved.dtype === p.dtype)) continue;
        const movedGrad = p.grad ? conv(p.grad) : null;
        if (adoptStorage(p, moved)) {
          if (p.grad && movedGrad && !adoptStorage(p.grad, movedGrad)) p.grad = dl.keep(movedGrad);
          continue;
        }
        const np = Parameter(moved, p.requiresGrad);
        if (movedGrad) np.grad = dl.keep(movedGrad);
        rec[js] = np;
      }
      for (const [, b, js] of [...m._ownBuffers()]) {
        const moved = conv(b);
        if (moved.device === b.device && moved.dtype === b.dtype) continue;
        if (!adoptStorage(b, moved)) rec[js] = dl.keep(moved);
      }
    }
    return this;
  }
  /**
   * Casts every floating parameter and buffer to float64, in place, as `torch.nn.Module.double()`.
   *
   * @example
   * const fc = new nn.Linear(4, 2).double();
   * fc.weight.dtype; // → 'float64'
   */
  double(): this {
    return this.to('float64');
  }
  /**
   * Casts every floating parameter and buffer to float32, in place, as `torch.nn.Module.float()`.
   *
   * @example
   * const fc = new nn.Linear(4, 2).double().float();
   * fc.weight.dtype; // → 'float32'
   */
  float(): this {
    return this.to('float32');
  }
  /**
   * Casts every floating parameter and buffer to float16, in place, as `torch.nn.Module.half()` (compute on float16 runs as
   * Note [float16 compute] in @dl/backend-cpu says; on webgpu see Note [float16 on webgpu]).
   *
   * @example
   * const m = new nn.Linear(4, 2).half();
   * m(dl.randn(3, 4).half()).dtype; // → 'float16'
   */
  half(): this {
    return this.to('float16');
  }

  // ---- state dict --------------------------------------------------------------------------
  /**
   * Parameters and persistent buffers by dotted name (detached, sharing storage).
   *
   * @example
   * const sd = net.stateDict(); other.loadStateDict(sd);
   */
  stateDict(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [mp, m] of this.namedModules()) {
      const pre = mp ? `${mp}.` : '';
      for (const [k, p] of m._ownParameters()) out[pre + k] = p.detach();
      for (const [k, b, , persistent] of m._ownBuffers()) if (persistent) out[pre + k] = b.detach();
    }
    return out;
  }
  /**
   * Copy values from `sd` into this module's parameters and buffers (in place, without
   * autograd). Strict (default): missing or unexpected keys throw; mis-shaped entries always throw.
   * `sd` is a record (or Map) of tensors by dotted name, as `stateDict()` or `dl.load` returns.
   *
   * @example
   * net.loadStateDict(await dl.load('model.pt'));
   */
  loadStateDict(stateDict: Record<string, Tensor> | Map<string, Tensor>, opts: LoadStateDictOptions = {}): IncompatibleKeys {
    const sd = checkStateDict(this._getName(), stateDict);
    const strict = opts.strict ?? true;
    const own = this.stateDict();
    const missingKeys = Object.keys(own).filter((k) => !(k in sd));
    const unexpectedKeys = Object.keys(sd).filter((k) => !(k in own));
    const errors: string[] = [];
    if (strict) {
      if (unexpectedKeys.length) errors.push(`Unexpected key(s) in state_dict: ${unexpectedKeys.map((k) => `"${k}"`).join(', ')}.`);
      if (missingKeys.length) errors.push(`Missing key(s) in state_dict: ${missingKeys.map((k) => `"${k}"`).join(', ')}.`);
    }
    for (const [k, dst] of Object.entries(own)) {
      const src = sd[k];
      if (!src) continue;
      if (!(src instanceof dl.Tensor)) {
        errors.push(`While copying the parameter named "${k}", expected a Tensor, got ${typeof src}.`);
        continue;
      }
      if (src.dim() !== dst.dim() || src.shape.some((s, i) => s !== dst.shape[i])) {
        errors.push(
          `size mismatch for ${k}: copying a param with shape [${src.shape.join(', ')}] from checkpoint, the shape in current model is [${dst.shape.join(', ')}].`,
        );
      }
    }
    if (errors.length) {
      throw new (errors.some((e) => e.startsWith('size mismatch')) ? ShapeError : StateError)(
        `Error(s) in loading state_dict for ${this._getName()}:\n\t${errors.join('\n\t')}`,
        {
          op: 'loadStateDict',
          hint: nestedHint(sd, own) ?? (strict ? 'pass { strict: false } to ignore missing/unexpected keys' : undefined),
        },
      );
    }
    for (const [k, dst] of Object.entries(own)) {
      const src = sd[k];
      if (src) dst.copy_(src);
    }
    return { missingKeys, unexpectedKeys };
  }

  // ---- hooks -------------------------------------------------------------------------------
  /** @internal Own tensors (attributes, arrays and records of them) a forward may have stored. */
  _storedTensors(): Set<Tensor> {
    const found = new Set<Tensor>();
    for (const key of Object.keys(this)) {
      if (INTERNAL.has(key)) continue;
      const v = (this as Record<string, unknown>)[key];
      if (v !== null && typeof v === 'object' && !(v instanceof Module)) collectTensors(v, found as Set<never>);
    }
    return found;
  }
  /**
   * Call `hook(module, input, output)` after every forward; a returned value replaces the output.
   *
   * @example
   * const h = layer.registerForwardHook((m, inp, out) => { seen.push(out); }); h.remove();
   */
  registerForwardHook(hook: ForwardHook): RemovableHandle {
    this._forwardHooks.push(hook);
    this._hooksInstalled = true;
    return { remove: () => void this._forwardHooks.splice(this._forwardHooks.indexOf(hook) >>> 0, 1) };
  }
  /**
   * Call `hook(module, input)` before every forward; a returned array replaces the arguments.
   *
   * @example
   * const fc = new nn.Linear(4, 2);
   * const handle = fc.registerForwardPreHook((_m, input) => console.log(input[0].shape));
   * fc(dl.randn(3, 4)); handle.remove();
   */
  registerForwardPreHook(hook: ForwardPreHook): RemovableHandle {
    this._forwardPreHooks.push(hook);
    this._hooksInstalled = true;
    return { remove: () => void this._forwardPreHooks.splice(this._forwardPreHooks.indexOf(hook) >>> 0, 1) };
  }

  // ---- printing ----------------------------------------------------------------------------
  /** The class name shown by `toString` (override for renamed classes). */
  _getName(): string {
    return this.constructor.name;
  }
  /**
   * Extra text inside the parentheses (as PyTorch's `extra_repr`).
   *
   * @example
   * new nn.Linear(4, 2).extraRepr(); // → 'in_features=4, out_features=2, bias=True'
   */
  extraRepr(): string {
    return '';
  }
  /**
   * PyTorch's module repr, e.g. `Linear(in_features=20, out_features=13, bias=True)`.
   *
   * @example
   * String(new nn.Sequential(new nn.ReLU())); // → 'Sequential(\n  (0): ReLU()\n)'
   */
  toString(): string {
    const extra = this.extraRepr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = [...this.namedChildren()].map(([k, m]) => `(${k}): ${addIndent(m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let s = `${this._getName()}(`;
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) s += extraLines[0];
      else s += `\n  ${lines.join('\n  ')}\n`;
    }
    return `${s})`;
  }
  /**
   * `console.log(net)` and `util.inspect(net)` print PyTorch's repr (`toString`), not fields.
   *
   * @example
   * console.log(new nn.Linear(2, 3)); // Linear(in_features=2, out_features=3, bias=True)
   */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
  /**
   * `JSON.stringify(net)`: the own fields (options, children, parameters) as a record; container
   * children by name. A module is a function object (Note [Callable modules]), which JSON would
   * otherwise drop. Use `stateDict()` with `dl.save` to save weights.
   *
   * @example
   * JSON.stringify(new nn.ReLU()); // → '{"training":true,"inplace":false}' (own fields)
   */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(this)) out[key] = (this as Record<string, unknown>)[key];
    if (this._modules) for (const [k, m] of this._modules) out[k] = m;
    return out;
  }
}

/** `loadStateDict`'s argument as a record, or a typed error saying what was passed instead. */
function checkStateDict(owner: string, sd: unknown): Record<string, Tensor> {
  const op = 'loadStateDict';
  if (sd instanceof Map) return Object.fromEntries(sd) as Record<string, Tensor>;
  if (sd instanceof Module) {
    throw new ArgumentError(`${op}: expected a state dict (a record of tensors by name) for ${owner}, got a module (${sd._getName()})`, {
      op,
      hint: 'pass other.stateDict(): net.loadStateDict(other.stateDict())',
    });
  }
  if (sd === null || typeof sd !== 'object' || Array.isArray(sd) || sd instanceof dl.Tensor) {
    const got =
      sd === null
        ? 'null'
        : sd === undefined
          ? 'undefined'
          : Array.isArray(sd)
            ? 'an array'
            : sd instanceof dl.Tensor
              ? `a Tensor of shape [${sd.shape.join(', ')}]`
              : `a ${typeof sd} (${String(sd)})`;
    throw new ArgumentError(`${op}: expected a state dict (a record of tensors by name) for ${owner}, got ${got}`, {
      op,
      hint: "pass what net.stateDict() returned, or a file's contents: net.loadStateDict(await dl.load('model.pt'))",
    });
  }
  return sd as Record<string, Tensor>;
}

/**
 * A checkpoint record holding the state dict under a key (`{ model: net.stateDict(), epoch }`,
 * torch's `{'model_state_dict': ...}`) passed whole: the hint names the key to pass instead.
 */
function nestedHint(sd: Record<string, unknown>, own: Record<string, Tensor>): string | undefined {
  const wanted = Object.keys(own);
  for (const [k, v] of Object.entries(sd)) {
    if (v === null || typeof v !== 'object' || v instanceof dl.Tensor) continue;
    const inner = v instanceof Map ? [...v.keys()] : Object.keys(v);
    if (wanted.length && wanted.every((w) => inner.includes(w)))
      return `the state dict is under '${k}' of a checkpoint: net.loadStateDict(checkpoint[${JSON.stringify(k)}])`;
  }
  return undefined;
}

function parseTarget(target: string | { device?: string; dtype?: DTypeName }): { device?: string; dtype?: DType } {
  // PyTorch's dtype names ('double', 'float', 'int64'…) as Tensor.to takes them (Note [int64 is int32] in @dl/tensor).
  if (typeof target !== 'string')
    return {
      ...(target.device !== undefined ? { device: target.device } : {}),
      ...(target.dtype !== undefined ? { dtype: toDType(target.dtype, 'to') } : {}),
    };
  if (isUnsupportedDTypeName(target)) toDType(target, 'to'); // 'half' & co.: a DTypeError with a hint
  return isDTypeName(target) ? { dtype: toDType(target, 'to') } : { device: target };
}

/** Where one tensor goes: the device, and the dtype only for floating tensors. */
function castTarget(t: { device?: string; dtype?: DType }, x: Tensor): { device?: string; dtype?: DType } {
  const dtype = t.dtype && dl.isFloating(x.dtype) ? t.dtype : undefined;
  return { ...(t.device ? { device: t.device } : {}), ...(dtype ? { dtype } : {}) };
}

/**
 * Make `t` (contiguous, offset 0) take over the storage of `moved` (same shape, contiguous): `t`
 * keeps its identity and now lives where `moved` does. Returns false where it cannot.
 */
function adoptStorage(t: Tensor, moved: Tensor): boolean {
  if (t === moved) return true;
  if (!t.isContiguous() || t.storageOffset() !== 0 || !moved.isContiguous() || moved.storageOffset() !== 0) return false;
  moved._storage.pinned = true;
  t._setStorage(moved._storage);
  moved.dispose();
  return true;
}
