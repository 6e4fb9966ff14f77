import { Generator, StateError, Tensor, fromArray, type DType } from '@dl/tensor';
import { DEFINITIONS_MARK, definitionsAlias } from './entry-definitions.js';
import { builtin } from './node-builtin.js';

/**
 * Note [Datasets cross to workers by state]
 * PyTorch on Linux forks: each worker starts with a copy of the dataset object, and no
 * script runs again. Node has no fork, so a DataLoader worker rebuilds the dataset from
 * what the main thread sends, like pickle:
 *
 * - the dataset's own fields, recursively (numbers, strings, arrays, plain objects, Maps,
 *   Sets, typed arrays, tensors, nested datasets, `dl.Generator`s), as they are when the epoch
 *   starts; typed arrays and tensors of 64 KiB or more are copied once into a
 *   SharedArrayBuffer that every worker reads, so memory does not grow with `numWorkers`;
 * - its class by reference: where it is defined (a module URL recorded by the `Dataset`
 *   constructor from the stack: the frame `new <Class>`) and its name. The worker imports
 *   that module, takes the export with that name and builds the object with
 *   `Object.create(Class.prototype)` plus the fields: the constructor does not run again (no
 *   file is read twice, no download restarts), as pickle does not call `__init__`;
 * - functions only when they say how to rebuild themselves ({@link sendable}: module URL,
 *   export, arguments) — @dl/vision's transforms do; any other function (a lambda) cannot
 *   cross a thread, and the loader throws a {@link StateError} naming the field.
 *
 * The worker never imports the script that was run (the entry module, `process.argv[1]`):
 * that would run the user's training code again in every worker. A dataset class defined in
 * that script comes from a definitions-only version of it (Note [Classes of the script that
 * was run]). Anything else that cannot cross raises a StateError saying which field and how to
 * fix it; nothing falls back to the main thread silently.
 */

const RECIPE = Symbol.for('dl.data.sendable');
const CLASS_URL = Symbol.for('dl.data.classUrl');

/** Where a function can be rebuilt from in a worker: `module`'s export `name` called with `args`. */
export interface Recipe {
  module: string;
  name: string;
  args: readonly unknown[];
}

/**
 * Mark a function as rebuildable in a DataLoader worker: the worker imports `module`
 * (usually `import.meta.url`) and calls its export `name` with `args` (themselves sent the
 * same way). Returns `fn`. Factories of transforms use it so that datasets holding them can
 * be loaded with `numWorkers > 0`.
 *
 * @example
 * export function Scale(k: number) { return sendable((x: dl.Tensor) => x.mul(k), import.meta.url, 'Scale', [k]); }
 */
export function sendable<F extends (...a: never[]) => unknown>(fn: F, module: string, name: string, args: readonly unknown[] = []): F {
  Object.defineProperty(fn, RECIPE, { value: { module, name, args } satisfies Recipe });
  return fn;
}

/**
 * Say where class `cls` is defined so that its instances can be sent to DataLoader workers
 * (Dataset subclasses are found automatically; this is for other classes a dataset holds).
 * `module` is usually `import.meta.url`, and `cls` must be exported from it under its name.
 *
 * @example
 * export class Vocab { … }
 * registerSendableClass(Vocab, import.meta.url);
 */
export function registerSendableClass(cls: abstract new (...a: never[]) => unknown, module: string): void {
  Object.defineProperty(cls, CLASS_URL, { value: module, configurable: true });
}

type CallSite = { getFunctionName(): string | null; isConstructor(): boolean; getFileName(): string | null | undefined };

/**
 * @internal Record where `cls` is defined, from the current stack (called by the Dataset
 * constructor): the file of the frame `new <cls.name>`. Done once per class.
 */
export function recordClassLocation(cls: Function): void {
  if (Object.hasOwn(cls, CLASS_URL)) return;
  const E = Error as unknown as { prepareStackTrace?: unknown; stackTraceLimit: number; captureStackTrace?: (o: object) => void };
  if (!E.captureStackTrace) return;
  const prep = E.prepareStackTrace;
  const limit = E.stackTraceLimit;
  let sites: CallSite[] = [];
  try {
    E.prepareStackTrace = (_: unknown, s: CallSite[]) => s;
    E.stackTraceLimit = 64;
    const holder: { stack?: unknown } = {};
    E.captureStackTrace(holder);
    sites = (holder.stack as CallSite[]) ?? [];
  } catch {
    sites = [];
  } finally {
    E.prepareStackTrace = prep;
    E.stackTraceLimit = limit;
  }
  if (!Array.isArray(sites)) return;
  const site = sites.find((s) => s.isConstructor?.() && s.getFunctionName?.() === cls.name);
  const file = site?.getFileName?.();
  if (file) Object.defineProperty(cls, CLASS_URL, { value: toUrl(file), configurable: true });
}

function toUrl(file: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(file) && !/^[a-z]:[\\/]/i.test(file)) return file;
  const url = builtin<typeof import('node:url')>('node:url');
  return url ? url.pathToFileURL(file).href : `file://${file}`;
}

/** @internal The module URL recorded for `cls`, if any. */
export function classLocation(cls: Function): string | undefined {
  return (cls as unknown as Record<symbol, string | undefined>)[CLASS_URL];
}

/** @internal The file URL of the script Node was started with (`process.argv[1]`), resolved like Node does. */
export function entryUrl(): string | undefined {
  const p = (globalThis as { process?: { argv?: string[] } }).process;
  const main = p?.argv?.[1];
  const fs = builtin<typeof import('node:fs')>('node:fs');
  if (!main || !fs) return undefined;
  for (const cand of [main, `${main}.ts`, `${main}.js`, `${main}.mjs`, `${main}.mts`]) {
    try {
      if (fs.statSync(cand).isFile()) return toUrl(fs.realpathSync(cand));
    } catch {
      /* next */
    }
  }
  return undefined;
}

function sameFile(a: string, b: string): boolean {
  const strip = (u: string) => u.replace(/[?#].*$/, '');
  if (strip(a) === strip(b)) return true;
  const fs = builtin<typeof import('node:fs')>('node:fs');
  const url = builtin<typeof import('node:url')>('node:url');
  if (!fs || !url || !a.startsWith('file:') || !b.startsWith('file:')) return false;
  try {
    return fs.realpathSync(url.fileURLToPath(strip(a))) === fs.realpathSync(url.fileURLToPath(strip(b)));
  } catch {
    return false;
  }
}

/** A value in transit; see {@link encodeState}. @internal */
export type Encoded =
  | null
  | undefined
  | number
  | string
  | boolean
  | bigint
  | { $: 'ref'; id: number }
  | { $: 'arr'; id: number; v: Encoded[] }
  | { $: 'obj'; id: number; v: Record<string, Encoded> }
  | { $: 'inst'; id: number; module: string; name: string; v: Record<string, Encoded> }
  | { $: 'map'; id: number; v: [Encoded, Encoded][] }
  | { $: 'set'; id: number; v: Encoded[] }
  | { $: 'raw'; id: number; v: unknown }
  | { $: 'tensor'; id: number; dtype: DType; shape: number[]; data: ArrayBufferView; requiresGrad: boolean }
  | { $: 'gen'; id: number; state: { key: [number, number]; offset: number } }
  | { $: 'fn'; id: number; module: string; name: string; args: Encoded[] };

const SHARE_BYTES = 64 * 1024;

/**
 * Big typed arrays are copied into a SharedArrayBuffer that every worker reads (one copy per
 * epoch whatever `numWorkers`, and no stale copy if the array changed since the last epoch);
 * small ones are cloned. A Buffer comes back as a Uint8Array, as structured clone gives.
 */
function shareView(a: ArrayBufferView): ArrayBufferView {
  if (
    a.byteLength < SHARE_BYTES ||
    typeof SharedArrayBuffer === 'undefined' ||
    a.buffer instanceof SharedArrayBuffer ||
    a instanceof DataView
  )
    return a;
  const sab = new SharedArrayBuffer(a.byteLength);
  new Uint8Array(sab).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  const tag = Object.prototype.toString.call(a).slice(8, -1);
  const Ctor = (globalThis as unknown as Record<string, new (b: ArrayBufferLike) => ArrayBufferView>)[tag] ?? Uint8Array;
  return new Ctor(sab);
}

/**
 * @internal Encode `value` (a dataset) for a worker (Note [Datasets cross to workers by state]).
 * Throws a StateError naming the field that cannot cross, and why, and how to fix it.
 */
export function encodeState(value: unknown, what: string): Encoded {
  const ids = new Map<object, number>();
  const entry = entryUrl();
  const fail = (path: string, why: string, hint: string): never => {
    throw new StateError(`DataLoader: numWorkers > 0 needs to send ${what} to worker threads, but ${path} ${why}`, {
      op: 'DataLoader',
      hint,
    });
  };
  const enc = (v: unknown, path: string): Encoded => {
    if (v === null || v === undefined || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'bigint')
      return v;
    if (typeof v === 'symbol') return fail(path, 'is a symbol', 'keep symbols out of dataset fields, or use numWorkers: 0');
    const seen = ids.get(v as object);
    if (seen !== undefined) return { $: 'ref', id: seen };
    const id = ids.size;
    ids.set(v as object, id);
    if (typeof v === 'function') {
      const r = (v as unknown as Record<symbol, Recipe | undefined>)[RECIPE];
      if (!r) {
        return fail(
          path,
          `is a function (${v.name || 'anonymous'}), and functions cannot be sent to a thread`,
          'use transforms from @dl/vision (they can be sent) or wrap your own factory with `sendable(fn, import.meta.url, exportName, args)` from @dl/data; or load in the main thread with numWorkers: 0',
        );
      }
      return { $: 'fn', id, module: r.module, name: r.name, args: r.args.map((a, k) => enc(a, `${path}(argument ${k})`)) };
    }
    if (v instanceof Tensor) {
      if (!v._backend.readSync)
        return fail(path, `is a tensor on '${v.device}', which cannot be read synchronously`, 'move it to the cpu first (`t.to("cpu")`)');
      const host = v.contiguous().dataSync();
      return { $: 'tensor', id, dtype: v.dtype, shape: [...v.shape], data: shareView(host), requiresGrad: v.requiresGrad };
    }
    if (v instanceof Generator) return { $: 'gen', id, state: v.getState() };
    if (ArrayBuffer.isView(v)) return { $: 'raw', id, v: shareView(v) };
    if (
      v instanceof ArrayBuffer ||
      v instanceof Date ||
      v instanceof RegExp ||
      (typeof SharedArrayBuffer !== 'undefined' && v instanceof SharedArrayBuffer)
    )
      return { $: 'raw', id, v };
    if (Array.isArray(v)) return { $: 'arr', id, v: v.map((x, k) => enc(x, `${path}[${k}]`)) };
    if (v instanceof Map)
      return {
        $: 'map',
        id,
        v: [...v].map(([k, x], n) => [enc(k, `${path} key ${n}`), enc(x, `${path}.get(${String(k)})`)] as [Encoded, Encoded]),
      };
    if (v instanceof Set) return { $: 'set', id, v: [...v].map((x, n) => enc(x, `${path} element ${n}`)) };
    const proto = Object.getPrototypeOf(v) as object | null;
    const fields = (): Record<string, Encoded> => {
      const out: Record<string, Encoded> = {};
      for (const k of Object.keys(v as object)) out[k] = enc((v as Record<string, unknown>)[k], `${path}.${k}`);
      return out;
    };
    if (proto === Object.prototype || proto === null) return { $: 'obj', id, v: fields() };
    const cls = (proto as { constructor?: Function }).constructor;
    const name = cls?.name;
    const module = cls ? classLocation(cls) : undefined;
    if (!cls || !name || !module) {
      return fail(
        path,
        `is an instance of ${name || 'an anonymous class'}, whose module is unknown`,
        `call \`registerSendableClass(${name || 'TheClass'}, import.meta.url)\` (from @dl/data) in the module that defines and exports it; or use numWorkers: 0`,
      );
    }
    const scan = scanSource(module, name);
    if ((entry && sameFile(module, entry)) || !scan.exported) {
      // Note [Classes of the script that was run]: workers load the module's definitions only
      if (!scan.topLevel) {
        return fail(
          path,
          `is an instance of ${name}, which is not declared at the top level of ${module} (it is local to a function or block), so a worker cannot load it`,
          `declare ${name} at the top level of a module (export it to have the worker simply import that module)`,
        );
      }
      const u = new URL(module);
      u.searchParams.set(DEFINITIONS_MARK, name);
      return { $: 'inst', id, module: u.href, name: definitionsAlias(name), v: fields() };
    }
    return { $: 'inst', id, module, name, v: fields() };
  };
  return enc(value, what);
}

const scans = new Map<string, { exported: boolean; topLevel: boolean }>();

/**
 * Whether `module`'s source exports `name` (`export class Name`, `export { Name }`, …) and
 * whether it declares a class `name` at the start of a line (the top level, as formatted
 * code has it), read from disk without importing anything. A module that cannot be read
 * counts as exporting it (the worker then says so if not).
 */
function scanSource(module: string, name: string): { exported: boolean; topLevel: boolean } {
  const key = `${module}#${name}`;
  let r = scans.get(key);
  if (r) return r;
  r = { exported: true, topLevel: true };
  const fs = builtin<typeof import('node:fs')>('node:fs');
  const url = builtin<typeof import('node:url')>('node:url');
  if (fs && url && module.startsWith('file:')) {
    try {
      const src = fs.readFileSync(url.fileURLToPath(module.replace(/[?#].*$/, '')), 'utf8');
      const n = name.replace(/[$]/g, '\\$');
      r = {
        exported:
          new RegExp(`export\\s+(default\\s+)?(abstract\\s+)?class\\s+${n}\\b`).test(src) ||
          new RegExp(`export\\s*(type\\s*)?\\{[^}]*\\b${n}\\b[^}]*\\}`).test(src) ||
          new RegExp(`export\\s+(const|let|var)\\s+${n}\\b`).test(src) ||
          new RegExp(`export\\s+default\\s+${n}\\b`).test(src),
        topLevel:
          new RegExp(`^(export\\s+)?(default\\s+)?(abstract\\s+)?class\\s+${n}\\b`, 'm').test(src) ||
          new RegExp(`^(export\\s+)?(const|let|var)\\s+${n}\\s*=\\s*class\\b`, 'm').test(src),
      };
    } catch {
      /* unreadable: let the worker try */
    }
  }
  scans.set(key, r);
  return r;
}

/**
 * @internal Inverse of {@link encodeState}, in the worker: imports the modules it names;
 * `beforeDefinitions` runs before the first definitions-only import (it registers the hook).
 */
export async function decodeState(root: Encoded, beforeDefinitions: () => void = () => {}): Promise<unknown> {
  const modules = new Map<string, Promise<Record<string, unknown>>>();
  const load = (m: string) => {
    let p = modules.get(m);
    if (!p) {
      if (m.includes(`${DEFINITIONS_MARK}=`)) beforeDefinitions();
      modules.set(m, (p = import(m) as Promise<Record<string, unknown>>));
    }
    return p;
  };
  const exported = async (module: string, name: string, kind: string): Promise<unknown> => {
    const ns = await load(module);
    if (name in ns) return ns[name];
    const def = ns.default as { name?: string } | undefined;
    if (def && def.name === name) return def;
    throw new StateError(`DataLoader worker: ${module} has no export named '${name}', so the worker cannot rebuild the ${kind} ${name}`, {
      op: 'DataLoader',
      hint: `export ${name} from that module (\`export class ${name} …\`)`,
    });
  };
  const objs = new Map<number, unknown>();
  const dec = async (e: Encoded): Promise<unknown> => {
    if (e === null || typeof e !== 'object') return e;
    if (e.$ === 'ref') return objs.get(e.id);
    switch (e.$) {
      case 'arr': {
        const out: unknown[] = [];
        objs.set(e.id, out);
        for (const x of e.v) out.push(await dec(x));
        return out;
      }
      case 'obj': {
        const out: Record<string, unknown> = {};
        objs.set(e.id, out);
        for (const [k, x] of Object.entries(e.v)) out[k] = await dec(x);
        return out;
      }
      case 'inst': {
        const cls = (await exported(e.module, e.name, 'class')) as { prototype: object };
        const out = Object.create(cls.prototype) as Record<string, unknown>;
        objs.set(e.id, out);
        for (const [k, x] of Object.entries(e.v))
          Object.defineProperty(out, k, { value: await dec(x), writable: true, enumerable: true, configurable: true });
        return out;
      }
      case 'map': {
        const out = new Map();
        objs.set(e.id, out);
        for (const [k, x] of e.v) out.set(await dec(k), await dec(x));
        return out;
      }
      case 'set': {
        const out = new Set();
        objs.set(e.id, out);
        for (const x of e.v) out.add(await dec(x));
        return out;
      }
      case 'raw':
        objs.set(e.id, e.v);
        return e.v;
      case 'tensor': {
        let t = fromArray(e.data as never, e.shape, { dtype: e.dtype, device: 'cpu' });
        if (e.requiresGrad) t = t.requiresGrad_(true);
        objs.set(e.id, t);
        return t;
      }
      case 'gen': {
        const g = new Generator();
        g.setState(e.state);
        objs.set(e.id, g);
        return g;
      }
      case 'fn': {
        const factory = (await exported(e.module, e.name, 'function')) as (...a: unknown[]) => unknown;
        const args: unknown[] = [];
        for (const a of e.args) args.push(await dec(a));
        const out = factory(...args);
        objs.set(e.id, out);
        return out;
      }
    }
  };
  return dec(root);
}
