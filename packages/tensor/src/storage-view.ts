import { ITEMSIZE, type DType, type HostArray } from './dtype.js';
import { IndexError, StateError } from './errors.js';
import { formatStorageElement, torchDTypeName } from './format.js';
import { INSPECT } from './size.js';
import type { Storage } from './storage.js';

/**
 * Note [Storage data pointers]
 * JavaScript has no addresses, but `data_ptr()` identity is how PyTorch code tells whether two
 * tensors share memory. Each Storage gets a made-up address the first time it is asked for one:
 * a running total of the bytes of storages asked so far, 64-byte aligned, starting at 0x1000. So
 * views of one storage report the same `dataPtr()`, different storages different ones whose
 * ranges never overlap, and `t.dataPtr()` (the storage's plus `storageOffset() * elementSize()`)
 * behaves as PyTorch's pointer arithmetic. The numbers mean nothing else (not wasm heap offsets).
 */
const addresses = new WeakMap<Storage, number>();
let nextAddress = 0x1000;

/** @internal The made-up address of a storage (Note [Storage data pointers]). */
export function storageAddress(s: Storage): number {
  let a = addresses.get(s);
  if (a === undefined) {
    a = nextAddress;
    nextAddress += Math.ceil(Math.max(s.nbytes, 1) / 64) * 64;
    addresses.set(s, a);
  }
  return a;
}

function checkLive(s: Storage, op: string): void {
  if (s.freed) {
    throw new StateError(`${op}: the storage was freed (every tensor using it was disposed)`, {
      op,
      hint: 'keep a tensor over the storage alive (do not dispose it) while you use its storage()',
    });
  }
}

/**
 * The memory under a tensor and all its views (`torch.TypedStorage`, from `t.storage()`): a flat
 * run of `size()` elements of one dtype on one device. Element reads and writes (cpu; writes on
 * any device) go straight to the memory, so they show through every tensor viewing it. Index it
 * as an array too: `s[0]`, `s[0] = -1`.
 *
 * @example
 * const x = dl.arange(6).view(2, 3);
 * const s = x.storage();
 * s.size();                                            // 6
 * s.set(0, -1);                                        // x is now [[-1, 1, 2], [3, 4, 5]]
 * s.dataPtr() === x.t().storage().dataPtr();           // true
 */
export class TypedStorage {
  /** Index access, `s[i]` and `s[i] = v` (see the Proxy made by `storageOf`). */
  [index: number]: number | boolean;
  /** @internal */
  constructor(readonly _storage: Storage) {}

  /** The element type. */
  get dtype(): DType {
    return this._storage.dtype;
  }
  /** The device name (`'cpu'`, `'webgpu'`). */
  get device(): string {
    return this._storage.backend.name;
  }
  /**
   * The number of elements, as `torch.TypedStorage.size`.
   *
   * @example
   * dl.arange(6).view(2, 3).storage().size(); // → 6
   */
  size(): number {
    return this._storage.numel;
  }
  /** Number of elements (as `len(storage)`). */
  get length(): number {
    return this._storage.numel;
  }
  /**
   * The size in bytes, as `torch.TypedStorage.nbytes`.
   *
   * @example
   * dl.zeros(4).storage().nbytes(); // → 16
   */
  nbytes(): number {
    return this._storage.nbytes;
  }
  /**
   * The size of one element in bytes, as `torch.TypedStorage.element_size`.
   *
   * @example
   * dl.zeros(4, { dtype: 'float64' }).storage().elementSize(); // → 8
   */
  elementSize(): number {
    return ITEMSIZE[this._storage.dtype];
  }
  /**
   * The storage's address: equal for every view of one storage, as `torch.TypedStorage.data_ptr` (Note [Storage data
   * pointers]).
   *
   * @example
   * const a = dl.arange(6);
   * a.view(2, 3).storage().dataPtr() === a.storage().dataPtr(); // → true
   */
  dataPtr(): number {
    return storageAddress(this._storage);
  }
  /**
   * Whether `this` and `other` are the same memory (PyTorch compares `data_ptr()`s): true for the storages of views of one
   * tensor.
   *
   * @example
   * const a = dl.arange(6);
   * a.view(3, 2).storage().isSameStorage(a.storage()); // → true
   */
  isSameStorage(other: TypedStorage): boolean {
    return other._storage === this._storage;
  }

  private host(op: string): HostArray {
    const s = this._storage;
    checkLive(s, op);
    const b = s.backend;
    if (!b.hostView) {
      throw new StateError(`${op}: the storage is on '${b.name}', whose memory cannot be read synchronously`, {
        op,
        hint: "read the tensor with `await t.data()` (or move it: `await t.toAsync('cpu')`)",
      });
    }
    return b.hostView(s.buffer, s.dtype);
  }
  private index(i: number, op: string): number {
    const n = this._storage.numel;
    if (!Number.isInteger(i) || i < -n || i >= n) {
      throw new IndexError(`${op}: index ${i} is out of range for a storage of size ${n}`, {
        op,
        hint: `use an integer in ${-n}..${n - 1}`,
      });
    }
    return i < 0 ? i + n : i;
  }

  /**
   * Element `i` of the storage (negative `i` counts from the end), read synchronously (cpu); `s[i]` does the same.
   *
   * @example
   * dl.tensor([1, 2, 3]).storage().get(-1); // → 3
   */
  get(i: number): number | boolean {
    const h = this.host('storage.get');
    const v = h[this.index(i, 'storage.get')]!;
    return this._storage.dtype === 'bool' ? v !== 0 : v;
  }
  /**
   * Write element `i`: every tensor viewing this storage sees it. Counts as an in-place write
   * for autograd (a saved tensor changed this way fails backward loudly, where PyTorch would
   * silently use the new value). Negative `i` counts from the end; `s[i] = v` does the same.
   *
   * @example
   * const x = dl.zeros(3);
   * x.storage().set(1, 5); // x → tensor([0., 5., 0.])
   */
  set(i: number, value: number | boolean): void {
    const s = this._storage;
    checkLive(s, 'storage.set');
    const k = this.index(i, 'storage.set');
    const v = typeof value === 'boolean' ? Number(value) : value;
    if (typeof v !== 'number') {
      throw new StateError(`storage.set: expected a number or boolean, got ${typeof value}`, { op: 'storage.set', hint: 's.set(0, 1.5)' });
    }
    if (s.backend.hostView) s.backend.hostView(s.buffer, s.dtype)[k] = v;
    else {
      const one = new (
        s.dtype === 'float64' ? Float64Array : s.dtype === 'float32' ? Float32Array : s.dtype === 'int32' ? Int32Array : Uint8Array
      )([v]);
      s.backend.write(s.buffer, s.dtype, one, k);
    }
    s.version++;
  }
  /**
   * Sets every element to `value` (every tensor viewing the storage sees it) and returns the storage, as
   * `torch.TypedStorage.fill_`.
   *
   * @example
   * const x = dl.zeros(2, 2);
   * x.storage().fill(3); // x → tensor([[3., 3.], [3., 3.]])
   */
  fill(value: number | boolean): this {
    for (let i = 0; i < this._storage.numel; i++) this.set(i, value);
    return this;
  }
  /**
   * The elements as a JS array (cpu), as `torch.TypedStorage.tolist`.
   *
   * @example
   * dl.arange(3).storage().tolist(); // → [0, 1, 2]
   */
  tolist(): Array<number | boolean> {
    const h = this.host('storage.tolist');
    const out: Array<number | boolean> = new Array(h.length);
    for (let i = 0; i < h.length; i++) out[i] = this._storage.dtype === 'bool' ? h[i] !== 0 : h[i]!;
    return out;
  }

  /**
   * Prints as PyTorch prints a storage: one element per line, then `[dl.TypedStorage(dtype=…, device=…) of size n]`.
   *
   * @example
   * String(dl.tensor([1, 2]).storage()); // → ' 1.0\n 2.0\n[dl.TypedStorage(dtype=torch.float32, device=cpu) of size 2]'
   */
  toString(): string {
    const s = this._storage;
    const info = `[dl.TypedStorage(dtype=${torchDTypeName(s.dtype)}, device=${s.backend.name}) of size ${s.numel}]`;
    if (s.freed) return `<freed>\n${info}`;
    if (!s.backend.hostView) return `...\n${info}`;
    const h = this.host('storage.toString');
    const lines: string[] = [];
    for (let i = 0; i < h.length; i++) lines.push(formatStorageElement(s.dtype, h[i]!));
    return ' ' + lines.join('\n ') + '\n' + info;
  }
  [INSPECT](): string {
    return this.toString();
  }
  *[Symbol.iterator](): IterableIterator<number | boolean> {
    yield* this.tolist();
  }
}

/** `"3"`, `"-1"`: canonical integer keys. */
function intKey(key: string | symbol): number | null {
  if (typeof key !== 'string' || key.length === 0) return null;
  const n = Number(key);
  return Number.isInteger(n) && String(n) === key ? n : null;
}

const handler: ProxyHandler<TypedStorage> = {
  get(target, key, receiver) {
    const i = intKey(key);
    return i === null ? Reflect.get(target, key, receiver) : target.get(i);
  },
  set(target, key, value, receiver) {
    const i = intKey(key);
    if (i === null) return Reflect.set(target, key, value, receiver);
    target.set(i, value as number);
    return true;
  },
};

/** @internal `t.storage()`: a TypedStorage over `s`, indexable as `s[i]`. */
export function storageOf(s: Storage): TypedStorage {
  return new Proxy(new TypedStorage(s), handler);
}
