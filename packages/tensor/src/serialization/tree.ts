import { Tensor } from '../tensor.js';
import { SerializationError, LimitError } from './errors.js';
import { PyFloat, PyGlobal, PyTuple, StorageRef, TensorSpec, isIntKey, type PyValue } from './py-values.js';

/**
 * What `dl.save` takes: a tensor, a state dict, or nested records, arrays, Maps and Sets of
 * tensors, numbers (see Note [Python ints and floats]), bigints, strings, booleans, null and
 * bytes (`Uint8Array`). `undefined` record values are skipped, as JSON does.
 */
export type Savable =
  | Tensor
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | PyFloat
  | readonly Savable[]
  | ReadonlyMap<Savable, Savable>
  | ReadonlySet<Savable>
  | { readonly [key: string]: Savable | undefined };

/**
 * What `dl.load` gives: tensors, numbers (Python ints and floats; ints past 2^53 as bigints),
 * strings, booleans, null, bytes, arrays (lists and tuples), plain objects (dicts whose keys
 * are strings or ints; int keys become strings) and Maps (dicts with other keys), Sets.
 */
export type Loaded =
  | Tensor
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | Loaded[]
  | { [key: string]: Loaded }
  | Map<Loaded, Loaded>
  | Set<Loaded>;

function joinPath(path: string, k: string | number): string {
  return path ? `${path}.${k}` : String(k);
}

function isPlainObject(v: object): boolean {
  const p = Object.getPrototypeOf(v);
  return p === Object.prototype || p === null;
}

/** @internal How {@link toPy} turns a tensor into a pickle-able spec. */
export type TensorToSpec = (t: Tensor, path: string) => TensorSpec;

/**
 * @internal Convert a JS value to the pickle model: records become dicts (canonical-integer
 * keys become int keys), tensors become specs via `tensor`. Shared and cyclic containers map
 * to shared containers. Throws a {@link SerializationError} naming the path of anything that
 * cannot be saved.
 *
 * @example
 * toPy({ step: 3, w: t }, (t) => spec(t), 'save'); // Map { 'step' => 3, 'w' => TensorSpec }
 */
export function toPy(value: unknown, tensor: TensorToSpec, op: string, maxDepth = 1000): PyValue {
  const seen = new Map<object, PyValue>();
  const bad = (path: string, what: string, hint: string): never => {
    throw new SerializationError(`${op}: cannot save ${what} at ${path || '(root)'}`, { op, key: path, hint });
  };
  const key = (k: unknown, path: string): PyValue => {
    if (k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return k;
    if (k instanceof PyFloat) return k;
    return bad(path, `a ${typeof k} dict key`, 'dict keys must be strings, numbers, bigints, booleans or null');
  };
  const walk = (v: unknown, path: string, depth: number): PyValue => {
    if (depth > maxDepth) {
      throw new LimitError(`${op}: the object nests deeper than ${maxDepth} levels at ${path}`, {
        op,
        key: path,
        limit: 'maxDepth',
        hint: 'flatten the structure',
      });
    }
    if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
    if (v === undefined) return bad(path, 'undefined', 'use null for Python None');
    if (typeof v === 'function' && 'stateDict' in v)
      return bad(path, `a ${v.constructor?.name ?? 'module'}`, 'save module.stateDict() instead of the module'); // modules are callable
    if (typeof v !== 'object') return bad(path, `a ${typeof v}`, 'save tensors, numbers, strings, booleans, null, arrays and records');
    const hit = seen.get(v);
    if (hit !== undefined) return hit;
    if (v instanceof Tensor) {
      const spec = tensor(v, path);
      seen.set(v, spec);
      return spec;
    }
    if (v instanceof PyFloat) return v;
    if (v instanceof Uint8Array) return v;
    if (ArrayBuffer.isView(v)) return bad(path, `a ${v.constructor.name}`, 'wrap typed arrays as tensors: dl.fromArray(array, shape)');
    if (Array.isArray(v)) {
      const out: PyValue[] = [];
      seen.set(v, out);
      v.forEach((x, i) => out.push(walk(x, joinPath(path, i), depth + 1)));
      return out;
    }
    if (v instanceof Map) {
      const out = new Map<PyValue, PyValue>();
      seen.set(v, out);
      for (const [k, x] of v) {
        const p = joinPath(path, String(k));
        out.set(key(k, p), walk(x, p, depth + 1));
      }
      return out;
    }
    if (v instanceof Set) {
      const out = new Set<PyValue>();
      seen.set(v, out);
      for (const x of v) out.add(walk(x, path, depth + 1));
      return out;
    }
    if (!isPlainObject(v)) {
      const name = (v as object).constructor?.name ?? 'object';
      return bad(
        path,
        `a ${name}`,
        name.endsWith('Module') || 'stateDict' in v
          ? 'save module.stateDict() instead of the module'
          : 'save plain records, arrays, Maps and tensors',
      );
    }
    const out = new Map<PyValue, PyValue>();
    seen.set(v, out);
    for (const [k, x] of Object.entries(v)) {
      if (x === undefined) continue;
      out.set(isIntKey(k) ? Number(k) : k, walk(x, joinPath(path, k), depth + 1));
    }
    return out;
  };
  return walk(value, '', 0);
}

/** @internal How {@link fromPy} makes tensors from the pickle's specs and bare storages. */
export interface TensorMaker {
  tensor(spec: TensorSpec, path: string): Tensor;
  storage(ref: StorageRef, path: string): Tensor;
}

/**
 * @internal Convert an unpickled value to what `dl.load` returns (see {@link Loaded}): tuples and
 * lists become arrays, dicts with str/int keys plain objects (own properties, so a `__proto__`
 * key is data, never a prototype), other dicts Maps; tensors come from `make`. Identity is kept
 * (a tensor or dict referenced twice is one object), nesting is capped at `maxDepth`.
 *
 * @example
 * fromPy(unpickle(pkl), maker, 'load', 1000);
 */
export function fromPy(value: PyValue, make: TensorMaker, op: string, maxDepth: number): Loaded {
  const seen = new Map<object, Loaded>();
  const walk = (v: PyValue, path: string, depth: number): Loaded => {
    if (depth > maxDepth) {
      throw new LimitError(`${op}: the file nests deeper than ${maxDepth} levels at ${path}`, {
        op,
        key: path,
        limit: 'maxDepth',
        hint: `if the file is trusted, raise the cap: dl.load(f, { maxDepth: ${maxDepth * 10} })`,
      });
    }
    if (v === null || typeof v !== 'object') return v;
    if (v instanceof PyFloat) return v.value;
    const hit = seen.get(v);
    if (hit !== undefined) return hit;
    let out: Loaded;
    if (v instanceof TensorSpec) out = make.tensor(v, path);
    else if (v instanceof StorageRef) out = make.storage(v, path);
    else if (v instanceof Uint8Array) out = v;
    else if (v instanceof PyGlobal) out = v.path;
    else if (v instanceof PyTuple || Array.isArray(v)) {
      const items = v instanceof PyTuple ? v.items : v;
      const arr: Loaded[] = [];
      seen.set(v, arr);
      items.forEach((x, i) => arr.push(walk(x, joinPath(path, i), depth + 1)));
      return arr;
    } else if (v instanceof Set) {
      const s = new Set<Loaded>();
      seen.set(v, s);
      for (const x of v) s.add(walk(x, path, depth + 1));
      return s;
    } else {
      const keys = [...v.keys()];
      const plain =
        keys.every((k) => typeof k === 'string' || (typeof k === 'number' && Number.isInteger(k)) || typeof k === 'bigint') &&
        new Set(keys.map(String)).size === keys.length;
      if (plain) {
        const obj: { [k: string]: Loaded } = {};
        seen.set(v, obj);
        for (const [k, x] of v) {
          const name = String(k);
          Object.defineProperty(obj, name, {
            value: walk(x, joinPath(path, name), depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return obj;
      }
      const m = new Map<Loaded, Loaded>();
      seen.set(v, m);
      for (const [k, x] of v) m.set(walk(k, path, depth + 1), walk(x, joinPath(path, String(k)), depth + 1));
      return m;
    }
    seen.set(v, out);
    return out;
  };
  return walk(value, '', 0);
}
