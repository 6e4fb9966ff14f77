import { ArgumentError } from '@dl/tensor';
import { Module } from '../module.js';

/** Is `T` `any`? (A container typed without its children, `nn.Sequential`, has `C = any`.) */
type IsAny<T> = 0 extends 1 & T ? true : false;

/** The children a container was built with: a tuple (by position) or a record (by name). */
export type ModuleChildren = readonly Module[] | { readonly [name: string]: Module };

/** Any element of the tuple (or array) `C`; `Module` for an empty one (children appended later). */
type Elem<C extends readonly Module[]> = C extends readonly [] ? Module : C[number];

/** Any child of a container with children `C`. */
export type ChildUnion<C> = IsAny<C> extends true ? Module : C extends readonly Module[] ? Elem<C> : C[keyof C];

/**
 * The type of child `I` of children `C`: the tuple's element for a literal non-negative index
 * within it, any child's type otherwise (negative or computed indices, children appended later,
 * named children).
 */
export type ChildAt<C, I extends number> =
  IsAny<C> extends true
    ? Module
    : C extends readonly Module[]
      ? number extends I
        ? Elem<C>
        : `${I}` extends keyof C
          ? C[I & keyof C]
          : Elem<C>
      : C[keyof C];

/** The type of the child named `K` of children `C`. */
export type ChildNamed<C, K> =
  IsAny<C> extends true ? Module : C extends readonly Module[] ? Elem<C> : string extends keyof C ? C[string] : C[K & keyof C];

/** Named children as read-only-typed properties (`seq.conv1`); nothing for positional children. */
export type NamedChildProps<C> =
  IsAny<C> extends true
    ? unknown
    : C extends readonly Module[]
      ? unknown
      : string extends keyof C
        ? unknown
        : { -readonly [K in keyof C]: C[K] };

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return `a ${(v as object).constructor?.name ?? 'object'}`;
  return `${typeof v} ${String(v)}`;
}

/** `m` if it is a Module, else an ArgumentError naming what it is (PyTorch: "int is not a Module subclass"). */
export function checkModule(op: string, m: unknown, where = ''): Module {
  if (!(m instanceof Module)) {
    throw new ArgumentError(`${op}: ${where ? `${where} must be` : 'expected'} a Module, got ${describe(m)}`, {
      op,
      hint: 'pass module instances: new nn.Linear(4, 2), new nn.ReLU(), …',
    });
  }
  return m;
}

/** A child name PyTorch accepts: a non-empty string without '.'. */
export function checkChildName(op: string, name: unknown): string {
  if (typeof name !== 'string') throw new ArgumentError(`${op}: module names must be strings, got ${describe(name)}`, { op });
  if (name === '') throw new ArgumentError(`${op}: module name can't be empty string ""`, { op });
  if (name.includes('.'))
    throw new ArgumentError(`${op}: module name can't contain ".", got: ${name}`, {
      op,
      hint: "dots separate levels in state-dict keys ('layer1.0.conv1.weight')",
    });
  return name;
}

const isPlainRecord = (v: unknown): v is Record<string, unknown> => {
  if (v === null || typeof v !== 'object') return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
};

/**
 * The `[name, module]` children of a container's constructor arguments, checked: modules listed
 * (named `0`, `1`, …), or one Map / record / list of pairs of named modules. `namedOnly`
 * (ModuleDict) refuses modules listed. Never silently empty: anything else is an ArgumentError.
 */
export function childEntries(op: string, args: readonly unknown[], namedOnly = false): Array<[string, Module]> {
  const first = args[0];
  const named = (pairs: Iterable<unknown>): Array<[string, Module]> =>
    [...pairs].map((pair, i) => {
      if (!Array.isArray(pair) || pair.length !== 2)
        throw new ArgumentError(`${op}: entry ${i} is ${describe(pair)}, expected a [name, module] pair`, {
          op,
          hint: "new Map([['conv1', new nn.Conv2d(1, 20, 5)], ['relu1', new nn.ReLU()]])",
        });
      const name = checkChildName(op, pair[0]);
      return [name, checkModule(op, pair[1], `entry '${name}'`)];
    });
  if (args.length === 1 && !(first instanceof Module)) {
    if (first instanceof Map) return named(first.entries());
    if (isPlainRecord(first)) return Object.entries(first).map(([k, m]) => [checkChildName(op, k), checkModule(op, m, `entry '${k}'`)]);
    if (namedOnly && Array.isArray(first)) return named(first);
    if (Array.isArray(first)) {
      throw new ArgumentError(`${op}: takes modules as separate arguments, got an array`, {
        op,
        hint: 'spread it: new nn.Sequential(...layers), or use nn.ModuleList(layers)',
      });
    }
    if (namedOnly && first !== null && typeof (first as Iterable<unknown>)?.[Symbol.iterator] === 'function' && typeof first !== 'string')
      return named(first as Iterable<unknown>);
  }
  if (namedOnly) {
    throw new ArgumentError(
      `${op}: expected a record, Map or list of [name, module] pairs, got ${args.length === 1 ? describe(first) : `${args.length} arguments`}`,
      { op, hint: 'new nn.ModuleDict({ relu: new nn.ReLU() })' },
    );
  }
  return args.map((m, i) => [String(i), checkModule(op, m, `argument ${i}`)]);
}

/** Own accessors a container defined for its named children (Note [Named children]). */
const ACCESSORS = new WeakMap<Module, Set<string>>();

/**
 * Note [Named children]
 * PyTorch reaches a named child of a Sequential or ModuleDict as an attribute (`seq.conv1`,
 * through `__getattr__`). Here each named child gets an own non-enumerable accessor on the
 * container that reads (and, on assignment, replaces) the entry of `_modules`: non-enumerable,
 * so discovery (Note [Module registration]) sees the child once, through `_modules`. Names that
 * are all digits (`seq.at(0)` reaches those) and names the container already has (methods such as
 * `forward`, `get`, `length`; fields) get no accessor, as PyTorch's attribute lookup finds the
 * method first.
 */
export function defineChildProperty(container: Module, name: string): void {
  let own = ACCESSORS.get(container);
  if (own?.has(name)) return;
  if (/^\d+$/.test(name) || name in container) return;
  if (!own) ACCESSORS.set(container, (own = new Set()));
  own.add(name);
  Object.defineProperty(container, name, {
    configurable: true,
    enumerable: false,
    get: () => container._modules!.get(name),
    set: (m: unknown) => void container._modules!.set(name, checkModule(`${container._getName()}.${name}`, m)),
  });
}

/** Remove the accessor {@link defineChildProperty} made for `name`, if any. */
export function removeChildProperty(container: Module, name: string): void {
  const own = ACCESSORS.get(container);
  if (!own?.delete(name)) return;
  delete (container as unknown as Record<string, unknown>)[name];
}
