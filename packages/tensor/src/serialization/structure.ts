import { Tensor } from '../tensor.js';
import { LimitError, SerializationError } from './errors.js';
import { PyFloat } from './py-values.js';
import type { Loaded } from './tree.js';

/** The safetensors metadata key that holds the structure of a non-flat object. */
export const STRUCTURE_KEY = 'dl.structure';

/**
 * Note [Structure in safetensors metadata]
 * safetensors holds a flat name → tensor map plus string metadata. `dl.save` writes a record
 * whose values are all tensors as exactly that. Anything else (a checkpoint
 * `{ model, optimizer, epoch }`, an optimizer state with ints and floats, a lone tensor) is
 * written as tensors named by their paths (`model.fc.weight`, `optimizer.state.0.exp_avg`; a
 * `#2` suffix if two paths collide) plus the metadata `dl.structure`: JSON of the object with
 * each tensor replaced by `{"$tensor": name}`. Other values: numbers as JSON numbers
 * (`{"$float": "NaN" | "Infinity" | "-Infinity" | "-0"}` for the ones JSON lacks), bigints
 * `{"$int": "123"}`, bytes `{"$bytes": base64}`, Maps `{"$map": [[k, v], …]}`, Sets
 * `{"$set": […]}`; a record key starting with `$` is written with one more `$`. A tensor reached
 * twice is stored once and loads as one tensor; other shared containers are copied, and
 * cyclic ones are refused.
 */

function joinPath(path: string, k: string | number): string {
  return path ? `${path}.${k}` : String(k);
}

function b64encode(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 4096) s += String.fromCharCode(...b.subarray(i, i + 4096));
  return btoa(s);
}

/**
 * @internal Split `obj` into named tensors and, unless it is a flat record of tensors, the JSON
 * structure of Note [Structure in safetensors metadata].
 *
 * @example
 * encodeStructure({ a: t, b: { c: 1 } }, 'save'); // tensors {a}, structure '{"a":{"$tensor":"a"},"b":{"c":1}}'
 */
export function encodeStructure(obj: unknown, op: string): { tensors: Map<string, Tensor>; structure: string | null } {
  const tensors = new Map<string, Tensor>();
  const names = new Map<Tensor, string>();
  const bad = (
    path: string,
    what: string,
    hint = 'save tensors, numbers, strings, booleans, null, arrays, Maps, Sets and records',
  ): never => {
    throw new SerializationError(`${op}: cannot save ${what} at ${path || '(root)'} as safetensors`, { op, key: path, hint });
  };
  const isPlain = (v: object) => Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null;
  if (obj !== null && typeof obj === 'object' && isPlain(obj) && Object.values(obj).every((v) => v instanceof Tensor)) {
    for (const [k, t] of Object.entries(obj as Record<string, Tensor>)) {
      if (k === '__metadata__') bad(k, 'a tensor named __metadata__', 'rename it: safetensors reserves the name');
      tensors.set(k, t);
    }
    return { tensors, structure: null };
  }
  const name = (t: Tensor, path: string): string => {
    const had = names.get(t);
    if (had !== undefined) return had;
    let n = path || 'tensor';
    for (let i = 2; tensors.has(n) || n === '__metadata__'; i++) n = `${path || 'tensor'}#${i}`;
    tensors.set(n, t);
    names.set(t, n);
    return n;
  };
  const onPath = new Set<object>();
  const walk = (v: unknown, path: string, depth: number): unknown => {
    if (depth > 1000)
      throw new LimitError(`${op}: the object nests deeper than 1000 levels at ${path}`, {
        op,
        key: path,
        limit: 'maxDepth',
        hint: 'flatten the structure',
      });
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v;
    if (typeof v === 'number' || v instanceof PyFloat) {
      const x = typeof v === 'number' ? v : v.value;
      return Number.isFinite(x) && !Object.is(x, -0) ? x : { $float: Object.is(x, -0) ? '-0' : String(x) };
    }
    if (typeof v === 'bigint') return { $int: String(v) };
    if (v === undefined) return bad(path, 'undefined', 'use null');
    if (typeof v === 'function' && 'stateDict' in v)
      return bad(path, `a ${v.constructor?.name ?? 'module'}`, 'save module.stateDict() instead of the module'); // modules are callable
    if (typeof v !== 'object') return bad(path, `a ${typeof v}`);
    if (v instanceof Tensor) return { $tensor: name(v, path) };
    if (v instanceof Uint8Array) return { $bytes: b64encode(v) };
    if (ArrayBuffer.isView(v)) return bad(path, `a ${v.constructor.name}`, 'wrap typed arrays as tensors: dl.fromArray(array, shape)');
    if (onPath.has(v)) return bad(path, 'a cyclic structure', 'safetensors metadata is JSON, which has no cycles; use the .pt format');
    onPath.add(v);
    try {
      if (Array.isArray(v)) return v.map((x, i) => walk(x, joinPath(path, i), depth + 1));
      if (v instanceof Map)
        return { $map: [...v].map(([k, x]) => [walk(k, path, depth + 1), walk(x, joinPath(path, String(k)), depth + 1)]) };
      if (v instanceof Set) return { $set: [...v].map((x) => walk(x, path, depth + 1)) };
      if (!isPlain(v)) return bad(path, `a ${v.constructor?.name ?? 'object'}`);
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) {
        if (x === undefined) continue;
        Object.defineProperty(out, k.startsWith('$') ? `$${k}` : k, {
          value: walk(x, joinPath(path, k), depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    } finally {
      onPath.delete(v);
    }
  };
  const tree = walk(obj, '', 0);
  return { tensors, structure: JSON.stringify(tree) };
}

/**
 * @internal Rebuild the object of a `dl.structure` metadata string; `tensor(name)` gives the
 * tensors (each name once: a name seen twice is the same tensor).
 *
 * @example
 * decodeStructure('{"w":{"$tensor":"w"}}', (n) => tensors[n], 'load', 1000);
 */
export function decodeStructure(json: string, tensor: (name: string) => Tensor, op: string, maxDepth: number): Loaded {
  const bad = (msg: string): never => {
    throw new SerializationError(`${op}: safetensors metadata ${STRUCTURE_KEY} ${msg}`, {
      op,
      key: STRUCTURE_KEY,
      hint: 'the file is corrupt',
    });
  };
  let tree: unknown;
  try {
    tree = JSON.parse(json);
  } catch (e) {
    bad(`is not valid JSON (${(e as Error).message})`);
  }
  const made = new Map<string, Tensor>();
  const special = (o: Record<string, unknown>, tag: string): unknown => {
    const keys = Object.keys(o);
    return keys.length === 1 && keys[0] === tag ? o[tag] : undefined;
  };
  const walk = (v: unknown, depth: number): Loaded => {
    if (depth > maxDepth) {
      throw new LimitError(`${op}: ${STRUCTURE_KEY} nests deeper than ${maxDepth} levels`, {
        op,
        key: STRUCTURE_KEY,
        limit: 'maxDepth',
        hint: `if the file is trusted, raise the cap: dl.load(f, { maxDepth: ${maxDepth * 10} })`,
      });
    }
    if (v === null || typeof v === 'string' || typeof v === 'boolean' || typeof v === 'number') return v;
    if (Array.isArray(v)) return v.map((x) => walk(x, depth + 1));
    if (typeof v !== 'object') return bad('holds a value JSON cannot');
    const o = v as Record<string, unknown>;
    const t = special(o, '$tensor');
    if (t !== undefined) {
      if (typeof t !== 'string') bad('has a $tensor that is not a name');
      let x = made.get(t as string);
      if (!x) made.set(t as string, (x = tensor(t as string)));
      return x;
    }
    const f = special(o, '$float');
    if (f !== undefined) {
      if (f === '-0') return -0;
      if (f !== 'NaN' && f !== 'Infinity' && f !== '-Infinity') bad(`has a bad $float ${JSON.stringify(f)}`);
      return Number(f);
    }
    const i = special(o, '$int');
    if (i !== undefined) {
      if (typeof i !== 'string' || !/^-?[0-9]{1,4000}$/.test(i)) bad('has a bad $int');
      return BigInt(i as string);
    }
    const b = special(o, '$bytes');
    if (b !== undefined) {
      try {
        const s = atob(b as string);
        const out = new Uint8Array(s.length);
        for (let k = 0; k < s.length; k++) out[k] = s.charCodeAt(k);
        return out;
      } catch {
        return bad('has bad $bytes');
      }
    }
    const m = special(o, '$map');
    if (m !== undefined) {
      if (!Array.isArray(m) || !m.every((kv) => Array.isArray(kv) && kv.length === 2)) bad('has a bad $map');
      return new Map((m as [unknown, unknown][]).map(([k, x]) => [walk(k, depth + 1), walk(x, depth + 1)]));
    }
    const s = special(o, '$set');
    if (s !== undefined) {
      if (!Array.isArray(s)) bad('has a bad $set');
      return new Set((s as unknown[]).map((x) => walk(x, depth + 1)));
    }
    const out: { [k: string]: Loaded } = {};
    for (const [k, x] of Object.entries(o)) {
      if (k.startsWith('$') && !k.startsWith('$$')) bad(`has an unknown tag ${JSON.stringify(k)}`);
      Object.defineProperty(out, k.startsWith('$') ? k.slice(1) : k, {
        value: walk(x, depth + 1),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  };
  return walk(tree, 0);
}
