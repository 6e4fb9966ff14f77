import { ArgumentError, IndexError, type Tensor } from '@dl/tensor';
import { Module } from '../module.js';

function callModule(m: Module, x: unknown): unknown {
  return (m.forward as (...a: unknown[]) => unknown)(x);
}

function checkModule(op: string, m: unknown): Module {
  if (!(m instanceof Module)) throw new ArgumentError(`${op}: expected a Module, got ${m === null ? 'null' : typeof m}`, { op });
  return m;
}

abstract class IndexedContainer extends Module {
  constructor(modules: Iterable<Module>) {
    super();
    this._modules = new Map();
    for (const m of modules) this.append(m);
  }
  /** Number of children. */
  get length(): number {
    return this._modules!.size;
  }
  /** The child at `i` (negative counts from the end). */
  at(i: number): Module {
    const n = this.length;
    const k = i < 0 ? i + n : i;
    if (!Number.isInteger(i) || k < 0 || k >= n) throw new IndexError(`${this._getName()}: index ${i} is out of range (length ${n})`, { op: 'at' });
    return [...this._modules!.values()][k]!;
  }
  /** Add a child at the end. */
  append(m: Module): this {
    this._modules!.set(String(this._modules!.size), checkModule('append', m));
    return this;
  }
  extend(ms: Iterable<Module>): this {
    for (const m of ms) this.append(m);
    return this;
  }
  /** Insert a child before position `i`. */
  insert(i: number, m: Module): this {
    const list = [...this._modules!.values()];
    list.splice(i < 0 ? i + list.length : i, 0, checkModule('insert', m));
    this._modules = new Map(list.map((x, k) => [String(k), x]));
    return this;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this._modules!.values();
  }
}

/**
 * Children called in order, each on the previous output.
 *
 * @example
 * const net = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 10));
 * net.at(0); net.append(new nn.Softmax(1));
 */
export class Sequential extends IndexedContainer {
  constructor(...modules: Module[] | [Record<string, Module>]) {
    const first = modules[0];
    const named = modules.length === 1 && first !== undefined && !(first instanceof Module) ? (first as Record<string, Module>) : null;
    super(named ? [] : (modules as Module[]));
    if (named) for (const [k, m] of Object.entries(named)) this._modules!.set(k, checkModule('Sequential', m));
  }
  forward(x: Tensor): Tensor;
  forward(x: unknown): unknown {
    let y = x;
    for (const m of this._modules!.values()) y = callModule(m, y);
    return y;
  }
}

/** A list of modules registered as children (no forward of its own). */
export class ModuleList extends IndexedContainer {
  constructor(modules: Iterable<Module> = []) {
    super(modules);
  }
  forward(): never {
    throw new ArgumentError('ModuleList has no forward: iterate it and call each module', { op: 'ModuleList.forward' });
  }
}

/** A dictionary of modules registered as children, in insertion order. */
export class ModuleDict extends Module {
  constructor(modules: Record<string, Module> | Iterable<[string, Module]> = {}) {
    super();
    this._modules = new Map();
    const entries = Symbol.iterator in Object(modules) ? [...(modules as Iterable<[string, Module]>)] : Object.entries(modules);
    for (const [k, m] of entries) this.set(k, m);
  }
  get(key: string): Module | undefined {
    return this._modules!.get(key);
  }
  set(key: string, m: Module): this {
    this._modules!.set(key, checkModule('ModuleDict.set', m));
    return this;
  }
  has(key: string): boolean {
    return this._modules!.has(key);
  }
  delete(key: string): boolean {
    return this._modules!.delete(key);
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
  get length(): number {
    return this._modules!.size;
  }
  forward(): never {
    throw new ArgumentError('ModuleDict has no forward: look modules up and call them', { op: 'ModuleDict.forward' });
  }
}
