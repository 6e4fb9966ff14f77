import { ArgumentError, IndexError, type Tensor } from '@dl/tensor';
import { Module } from '../module.js';
import {
  checkChildName,
  checkModule,
  childEntries,
  defineChildProperty,
  removeChildProperty,
  type ChildAt,
  type ChildNamed,
  type ChildUnion,
  type ModuleChildren,
  type NamedChildProps,
} from './container-children.js';

export type { ModuleChildren, ChildAt, ChildNamed } from './container-children.js';

/** Position `i` of `n` children (negative counts from the end), or an IndexError as PyTorch's. */
function position(owner: string, i: number, n: number, op: string): number {
  const k = i < 0 ? i + n : i;
  if (!Number.isInteger(i) || k < 0 || k >= n) {
    throw new IndexError(`${owner}: index ${i} is out of range (length ${n})`, {
      op,
      hint: n ? `valid indices are ${-n}…${n - 1}` : 'the container is empty',
    });
  }
  return k;
}

/** How many positional accessors each container carries (see Note [Positional children]). */
const POSITIONS = new WeakMap<object, number>();

/** Children by position (Sequential, ModuleList): `at`, `length`, iteration, `append`/`extend`/`insert`/`pop`. */
abstract class IndexedContainer<C extends ModuleChildren> extends Module {
  /** `seq[0]`, `seq[-1]`: PyTorch's positional indexing, as accessors kept in step with the children. */
  [index: number]: ChildUnion<C>;
  constructor() {
    super();
    this._modules = new Map();
  }
  /**
   * @internal Note [Positional children]
   * PyTorch users write `seq[0]` and `seq[-1]`. Each indexed container carries non-enumerable
   * accessors `'0'…'n-1'` and `'-1'…'-n'` that read (and replace) the child at that position;
   * every method that changes the number of children calls this to add or drop accessors.
   * Positions past the end are absent (`undefined`), as for an array; `at(i)` raises there.
   */
  protected syncPositions(): void {
    const n = this._modules!.size;
    let had = POSITIONS.get(this) ?? 0;
    for (; had > n; had--) {
      delete (this as unknown as Record<string, unknown>)[String(had - 1)];
      delete (this as unknown as Record<string, unknown>)[String(-had)];
    }
    for (; had < n; had++) {
      for (const i of [had, -had - 1]) {
        Object.defineProperty(this, String(i), {
          configurable: true,
          enumerable: false,
          get: () => this.at(i),
          set: (m: unknown) => this.replaceAt(i, m),
        });
      }
    }
    POSITIONS.set(this, n);
  }
  /** @internal Replace the child at position `i`, keeping its name (`seq[0] = layer`). */
  private replaceAt(i: number, m: unknown): void {
    const k = position(this._getName(), i, this.length, 'set');
    const key = [...this._modules!.keys()][k]!;
    this._modules!.set(key, checkModule(`${this._getName()}[${i}]`, m));
  }
  /** Number of children (PyTorch's `len(seq)`). */
  override get length(): number {
    return this._modules!.size;
  }
  /**
   * The child at `i`; negative counts from the end (`seq[-1]` is `seq.at(-1)`). Typed as that
   * child when the container was built from modules listed in the code.
   *
   * @example
   * const seq = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
   * seq.at(0).weight; // nn.Linear
   */
  at<I extends number>(i: I): ChildAt<C, I> {
    const k = position(this._getName(), i, this.length, 'at');
    let j = 0;
    for (const m of this._modules!.values()) if (j++ === k) return m as ChildAt<C, I>;
    throw new IndexError(`${this._getName()}: index ${i} is out of range`, { op: 'at' });
  }
  /**
   * Add a child at the end (named by its position, as PyTorch).
   *
   * @example
   * const layers = new nn.ModuleList([new nn.Linear(4, 4)]);
   * layers.append(new nn.ReLU()); layers.length; // → 2
   */
  append(m: Module): this {
    this._modules!.set(String(this._modules!.size), checkModule(`${this._getName()}.append`, m));
    this.syncPositions();
    return this;
  }
  /**
   * Append every module of `ms`.
   *
   * @example
   * const layers = new nn.ModuleList();
   * layers.extend([new nn.Linear(4, 4), new nn.ReLU()]); layers.length; // → 2
   */
  extend(ms: Iterable<Module>): this {
    for (const m of ms) this.append(m);
    return this;
  }
  /**
   * Insert a child before position `i` (negative counts from the end); children are renumbered.
   *
   * @example
   * seq.insert(1, new nn.Dropout(0.5));
   */
  insert(i: number, m: Module): this {
    const n = this.length;
    const k = i < 0 ? i + n : i;
    if (!Number.isInteger(i) || k < 0 || k > n)
      throw new IndexError(`${this._getName()}.insert: index ${i} is out of range (length ${n})`, { op: 'insert' });
    this.renumber(`${this._getName()}.insert`);
    const list = [...this._modules!.values()];
    list.splice(k, 0, checkModule(`${this._getName()}.insert`, m));
    this._modules = new Map(list.map((x, j) => [String(j), x]));
    this.syncPositions();
    return this;
  }
  /**
   * Remove and return the child at `i` (negative counts from the end); the others are renumbered
   * `0…n-2`, as PyTorch does.
   *
   * @example
   * const last = seq.pop(-1);
   */
  pop(i: number): ChildUnion<C> {
    const k = position(this._getName(), i, this.length, 'pop');
    const entries = [...this._modules!.entries()];
    const [[name, m]] = entries.splice(k, 1) as [[string, Module]];
    removeChildProperty(this, name);
    for (const [key] of entries) removeChildProperty(this, key);
    this._modules = new Map(entries.map(([, x], j) => [String(j), x]));
    this.syncPositions();
    return m as ChildUnion<C>;
  }
  /** Children in order. */
  [Symbol.iterator](): Iterator<ChildUnion<C>> {
    return this._modules!.values() as Iterator<ChildUnion<C>>;
  }
  /** @internal Children must be named by position for an operation that renumbers them. */
  protected renumber(op: string): void {
    let j = 0;
    for (const key of this._modules!.keys()) {
      if (key !== String(j++)) {
        throw new ArgumentError(`${op}: children are named ('${key}'), and inserting would rename them`, {
          op,
          hint: 'append() keeps names; or build a new Sequential with the order you want',
        });
      }
    }
  }
}

/**
 * Children called in order, each on the previous output (`torch.nn.Sequential`). Built from
 * modules (named `0`, `1`, …) or, as PyTorch's `Sequential(OrderedDict(...))`, from a `Map` or
 * a record of named modules: named children print as `(conv1): Conv2d(…)`, have state-dict keys
 * `conv1.weight`, and are reachable as `seq.get('conv1')` and `seq.conv1`.
 *
 * @example
 * const net = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 10));
 * net(x); net.at(0).weight; net.at(-1);
 * const named = new nn.Sequential({ conv1: new nn.Conv2d(1, 20, 5), relu1: new nn.ReLU() });
 * named.conv1.weight; named.get('relu1');
 */
class SequentialModule<C extends ModuleChildren = any> extends IndexedContainer<C> {
  static {
    // reprs say `Sequential(` even in a minified build
    Object.defineProperty(this, 'name', { value: 'Sequential' });
  }
  constructor(...modules: unknown[]) {
    super();
    for (const [k, m] of childEntries('Sequential', modules)) {
      this._modules!.set(k, m);
      defineChildProperty(this, k);
    }
    this.syncPositions();
  }
  /**
   * The child named `name` (a string key of a Sequential built from a Map or record; `'0'`, `'1'`…
   * otherwise), or the child at position `index` (PyTorch's `seq[i]`; negative counts from the
   * end). A missing name or an index out of range raises an IndexError naming what there is.
   *
   * @example
   * new nn.Sequential(new Map([['fc', new nn.Linear(2, 2)]])).get('fc');
   * new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU()).get(-1); // ReLU()
   */
  get<K extends ChildKey<C>>(name: K): ChildNamed<C, K>;
  get(index: number): ChildUnion<C>;
  get(name: string | number): Module {
    if (typeof name === 'number') {
      const n = this._modules!.size;
      if (!Number.isInteger(name) || name < -n || name >= n)
        throw new IndexError(`Sequential: index ${name} is out of range for ${n} children`, {
          op: 'get',
          hint: `use an integer in [-${n}, ${n - 1}]`,
        });
      return [...this._modules!.values()][name < 0 ? name + n : name]!;
    }
    const m = this._modules!.get(name);
    if (!m)
      throw new IndexError(
        `Sequential: no child named '${name}' (children: ${[...this._modules!.keys()].map((k) => `'${k}'`).join(', ') || 'none'})`,
        { op: 'get' },
      );
    return m;
  }
  /**
   * A new Sequential of children `start` to `end` (PyTorch's `seq[start:end]`), sharing them and
   * keeping their names.
   *
   * @example
   * const features = net.slice(0, -1);
   */
  slice(start = 0, end = this.length): Sequential {
    const entries = [...this._modules!.entries()].slice(start, end);
    return new Sequential(new Map(entries));
  }
  forward(x: Tensor): Tensor;
  forward(x: unknown): unknown {
    let y = x;
    for (const m of this._modules!.values()) y = (m.forward as (...a: unknown[]) => unknown)(y);
    return y;
  }
}

/** Names `get` accepts: the record's keys, or any string for a Sequential built otherwise. */
type ChildKey<C> = 0 extends 1 & C ? string : C extends readonly Module[] ? string : string extends keyof C ? string : keyof C & string;

/** A Sequential with children `C` (by position or by name; see {@link Sequential}). */
export type Sequential<C extends ModuleChildren = any> = SequentialModule<C> & NamedChildProps<C>;

/** `new nn.Sequential(…)`: children listed, or a `Map` / record of named children. */
export interface SequentialConstructor {
  new <const C extends readonly Module[]>(...modules: C): Sequential<C>;
  new <const C extends { readonly [name: string]: Module }>(named: C): Sequential<C>;
  new <M extends Module>(named: ReadonlyMap<string, M>): Sequential<{ readonly [name: string]: M }>;
  new (...modules: Module[]): Sequential;
  readonly prototype: Sequential;
}
export const Sequential = SequentialModule as unknown as SequentialConstructor;

/**
 * A list of modules registered as children (no forward of its own): indexed with `at` (negative
 * from the end), `length`, iterable, `append`/`extend`/`insert`/`pop`/`slice`.
 *
 * @example
 * const layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.Linear(4, 2)]);
 * for (const l of layers) x = l(x);
 * layers.at(-1).weight;
 */
export class ModuleList<const C extends readonly Module[] = any> extends IndexedContainer<C> {
  static {
    Object.defineProperty(this, 'name', { value: 'ModuleList' });
  }
  constructor(modules: C | Iterable<Module> = []) {
    super();
    if (modules === null || typeof (modules as Iterable<unknown>)?.[Symbol.iterator] !== 'function' || modules instanceof Module) {
      throw new ArgumentError(`ModuleList: expected an array (or iterable) of modules, got ${describe(modules)}`, {
        op: 'ModuleList',
        hint: 'new nn.ModuleList([layer1, layer2])',
      });
    }
    let i = 0;
    for (const m of modules as Iterable<unknown>) this.append(checkModule('ModuleList', m, `element ${i++}`));
  }
  /**
   * A new ModuleList of children `start` to `end` (PyTorch's `list[start:end]`), renumbered.
   *
   * @example
   * const layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.ReLU(), new nn.Linear(4, 2)]);
   * layers.slice(1).length; // → 2, numbered 0 and 1
   */
  slice(start = 0, end = this.length): ModuleList {
    return new ModuleList([...this._modules!.values()].slice(start, end));
  }
  /**
   * A ModuleList has no forward, as in PyTorch: it always throws an ArgumentError; iterate the list and call each module.
   *
   * @example
   * const layers = new nn.ModuleList([new nn.Linear(4, 4), new nn.ReLU()]);
   * let x = dl.randn(2, 4); for (const layer of layers) x = layer(x);
   */
  forward(): never {
    throw new ArgumentError('ModuleList has no forward: iterate it and call each module', { op: 'ModuleList.forward' });
  }
}

/**
 * A dictionary of modules registered as children, in insertion order (`torch.nn.ModuleDict`):
 * `get`/`set`/`has`/`delete`/`pop`, `keys`/`values`/`items`, `length`; iterating it yields the
 * keys, as in PyTorch; a child is also a property (`dict.act`).
 *
 * @example
 * const acts = new nn.ModuleDict({ relu: new nn.ReLU(), tanh: new nn.Tanh() });
 * acts.get('relu')(x); acts.tanh(x);
 */
class ModuleDictModule<C extends { readonly [name: string]: Module } = any> extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'ModuleDict' });
  }
  constructor(modules: unknown = {}) {
    super();
    this._modules = new Map();
    for (const [k, m] of childEntries('ModuleDict', [modules], true)) this.set(k, m);
  }
  /** The child under `key`, or undefined (as a Map). */
  get<K extends ChildKey<C>>(
    key: K,
  ): 0 extends 1 & C ? Module | undefined : string extends keyof C ? C[string] | undefined : C[K & keyof C] {
    return this._modules!.get(key) as never;
  }
  /** Add or replace the child under `key`. */
  set(key: string, m: Module): this {
    checkChildName('ModuleDict.set', key);
    this._modules!.set(key, checkModule('ModuleDict.set', m));
    defineChildProperty(this, key);
    return this;
  }
  has(key: string): boolean {
    return this._modules!.has(key);
  }
  delete(key: string): boolean {
    removeChildProperty(this, key);
    return this._modules!.delete(key);
  }
  /** Remove and return the child under `key` (an IndexError if there is none, as PyTorch's KeyError). */
  pop<K extends ChildKey<C>>(key: K): 0 extends 1 & C ? Module : string extends keyof C ? C[string] : C[K & keyof C] {
    const m = this._modules!.get(key);
    if (!m)
      throw new IndexError(
        `ModuleDict: no key '${key}' (keys: ${
          this.keys()
            .map((k) => `'${k}'`)
            .join(', ') || 'none'
        })`,
        { op: 'pop' },
      );
    this.delete(key);
    return m as never;
  }
  /** Add every entry of a record, Map or list of pairs. */
  update(modules: Record<string, Module> | Iterable<[string, Module]>): this {
    for (const [k, m] of childEntries('ModuleDict.update', [modules], true)) this.set(k, m);
    return this;
  }
  clear(): void {
    for (const k of this.keys()) this.delete(k);
  }
  keys(): string[] {
    return [...this._modules!.keys()];
  }
  values(): Module[] {
    return [...this._modules!.values()];
  }
  items(): [string, Module][] {
    return [...this._modules!.entries()];
  }
  /** The keys, in order (PyTorch's `for key in module_dict`). */
  [Symbol.iterator](): Iterator<string> {
    return this._modules!.keys();
  }
  /** Number of children (`len(module_dict)`). */
  override get length(): number {
    return this._modules!.size;
  }
  forward(): never {
    throw new ArgumentError('ModuleDict has no forward: look modules up and call them', { op: 'ModuleDict.forward' });
  }
}

/** A ModuleDict with children `C` (see {@link ModuleDict}). */
export type ModuleDict<C extends { readonly [name: string]: Module } = any> = ModuleDictModule<C> & NamedChildProps<C>;

/** `new nn.ModuleDict(…)`: a record, Map or list of `[name, module]` pairs. */
export interface ModuleDictConstructor {
  new <const C extends { readonly [name: string]: Module }>(modules: C): ModuleDict<C>;
  new <M extends Module>(modules: ReadonlyMap<string, M> | Iterable<readonly [string, M]>): ModuleDict<{ readonly [name: string]: M }>;
  new (modules?: Record<string, Module> | Iterable<readonly [string, Module]>): ModuleDict;
  readonly prototype: ModuleDict;
}
export const ModuleDict = ModuleDictModule as unknown as ModuleDictConstructor;

function describe(v: unknown): string {
  return v === null
    ? 'null'
    : v === undefined
      ? 'undefined'
      : v instanceof Module
        ? `a module (${v._getName()})`
        : typeof v === 'object'
          ? (v.constructor?.name ?? 'object')
          : `${typeof v} ${String(v)}`;
}
