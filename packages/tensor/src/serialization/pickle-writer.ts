import { ByteWriter, encodeUtf8 } from './bytes.js';
import { SerializationError } from './errors.js';
import { PyFloat, PyGlobal, PyTuple, type StorageRef, TensorSpec, type PyValue, type StorageDType } from './py-values.js';

/** The `torch.<Name>Storage` each storage dtype is pickled as. */
export const STORAGE_TYPE_NAMES: Record<StorageDType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

const MAX_DEPTH = 1000;
const BATCH = 1000; // items per APPENDS / SETITEMS, as Python's pickler

/**
 * Pickle a value with protocol 2, as `torch.save` does: tensors become
 * `torch._utils._rebuild_tensor_v2` calls on persistent-id storages
 * (`('storage', torch.FloatStorage, key, 'cpu', numel)`), dicts `EMPTY_DICT`+`SETITEMS`, bytes
 * `_codecs.encode`, sets `builtins.set`. Containers are memoized, so shared and cyclic structures
 * survive. Ints and floats follow Note [Python ints and floats].
 *
 * @example
 * const pkl = pickle(new Map([['step', 3]])); // what torch.save writes as data.pkl for {'step': 3}
 */
export function pickle(value: PyValue, op = 'save'): Uint8Array {
  const w = new PickleWriter(op);
  w.out.u8(0x80).u8(2);
  w.write(value, 0, '');
  w.out.u8(0x2e);
  return w.out.view().slice();
}

class PickleWriter {
  readonly out = new ByteWriter(4096);
  private readonly memo = new Map<object, number>();
  private readonly globals = new Map<string, number>();
  constructor(private readonly op: string) {}

  private put(obj: object | null): void {
    const i = this.memo.size + this.globals.size;
    if (obj !== null) this.memo.set(obj, i);
    if (i < 256)
      this.out.u8(0x71).u8(i); // BINPUT
    else this.out.u8(0x72).u32(i); // LONG_BINPUT
  }
  private get(i: number): void {
    if (i < 256)
      this.out.u8(0x68).u8(i); // BINGET
    else this.out.u8(0x6a).u32(i); // LONG_BINGET
  }

  private global(module: string, name: string): void {
    const path = `${module}\n${name}`;
    const seen = this.globals.get(path);
    if (seen !== undefined) return this.get(seen);
    this.out.u8(0x63).bytes(encodeUtf8(`${module}\n${name}\n`));
    const i = this.memo.size + this.globals.size;
    this.globals.set(path, i);
    if (i < 256) this.out.u8(0x71).u8(i);
    else this.out.u8(0x72).u32(i);
  }

  private int(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 256) this.out.u8(0x4b).u8(v);
    else if (typeof v === 'number' && v >= 0 && v < 65536) this.out.u8(0x4d).u16(v);
    else if (typeof v === 'number' && v >= -(2 ** 31) && v < 2 ** 31) this.out.u8(0x4a).i32(v);
    else {
      // LONG1: little-endian two's complement, as few bytes as hold the sign
      let b = BigInt(v);
      const bytes: number[] = [];
      for (;;) {
        const byte = Number(b & 0xffn);
        bytes.push(byte);
        b >>= 8n;
        if ((b === 0n && !(byte & 0x80)) || (b === -1n && byte & 0x80)) break;
      }
      if (bytes.length > 255)
        throw new SerializationError(`${this.op}: an integer of ${bytes.length} bytes is too large to save`, { op: this.op });
      this.out.u8(0x8a).u8(bytes.length);
      for (const x of bytes) this.out.u8(x);
    }
  }

  private str(s: string): void {
    const b = encodeUtf8(s);
    this.out.u8(0x58).u32(b.length).bytes(b); // BINUNICODE
  }

  private tuple(items: readonly PyValue[], depth: number, path: string): void {
    if (items.length === 0) {
      this.out.u8(0x29);
      return;
    }
    if (items.length <= 3) {
      items.forEach((x, i) => this.write(x, depth + 1, `${path}[${i}]`));
      this.out.u8(0x84 + items.length); // TUPLE1..3
    } else {
      this.out.u8(0x28);
      items.forEach((x, i) => this.write(x, depth + 1, `${path}[${i}]`));
      this.out.u8(0x74);
    }
  }

  write(v: PyValue, depth: number, path: string): void {
    if (depth > MAX_DEPTH) {
      throw new SerializationError(`${this.op}: the object nests deeper than ${MAX_DEPTH} levels at ${path || '(root)'}`, {
        op: this.op,
        key: path,
        hint: 'flatten the structure',
      });
    }
    if (v === null) this.out.u8(0x4e);
    else if (v === true) this.out.u8(0x88);
    else if (v === false) this.out.u8(0x89);
    else if (typeof v === 'bigint') this.int(v);
    else if (typeof v === 'number') {
      if (Number.isSafeInteger(v) && !Object.is(v, -0)) this.int(v);
      else this.out.u8(0x47).f64be(v);
    } else if (v instanceof PyFloat) this.out.u8(0x47).f64be(v.value);
    else if (typeof v === 'string') this.str(v);
    else if (this.memo.has(v)) this.get(this.memo.get(v)!);
    else if (v instanceof TensorSpec) this.tensor(v, depth, path);
    else if (v instanceof Uint8Array) {
      this.global('_codecs', 'encode');
      let s = '';
      for (let i = 0; i < v.length; i += 4096) s += String.fromCharCode(...v.subarray(i, i + 4096));
      this.str(s);
      this.str('latin1');
      this.out.u8(0x86).u8(0x52); // TUPLE2 REDUCE
      this.put(v);
    } else if (v instanceof PyTuple) {
      this.tuple(v.items, depth, path);
      this.put(v);
    } else if (Array.isArray(v)) {
      this.out.u8(0x5d);
      this.put(v);
      this.batched(v, 0x61, 0x65, (x, i) => this.write(x, depth + 1, `${path}[${i}]`));
    } else if (v instanceof Map) {
      this.out.u8(0x7d);
      this.put(v);
      this.batched([...v], 0x73, 0x75, ([k, x]) => {
        this.write(k, depth + 1, path);
        this.write(x, depth + 1, path ? `${path}.${String(k)}` : String(k));
      });
    } else if (v instanceof Set) {
      this.global('__builtin__', 'set'); // as CPython's protocol-2 pickler writes it
      this.out.u8(0x5d);
      this.batched([...v], 0x61, 0x65, (x) => this.write(x, depth + 1, path));
      this.out.u8(0x85).u8(0x52); // TUPLE1 REDUCE
      this.put(v);
    } else if (v instanceof PyGlobal) {
      this.global(v.module, v.name);
    } else {
      throw new SerializationError(`${this.op}: cannot pickle ${(v as object).constructor?.name ?? typeof v} at ${path || '(root)'}`, {
        op: this.op,
        key: path,
      });
    }
  }

  private batched<T>(items: readonly T[], one: number, many: number, each: (x: T, i: number) => void): void {
    if (items.length === 1) {
      each(items[0]!, 0);
      this.out.u8(one);
      return;
    }
    for (let s = 0; s < items.length; s += BATCH) {
      this.out.u8(0x28); // MARK
      for (let i = s; i < Math.min(items.length, s + BATCH); i++) each(items[i]!, i);
      this.out.u8(many);
    }
  }

  private tensor(t: TensorSpec, depth: number, path: string): void {
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.out.u8(0x28); // MARK
    this.storage(t.storage);
    this.int(t.offset);
    this.tuple(t.shape, depth, path);
    this.tuple(t.strides, depth, path);
    this.out.u8(t.requiresGrad ? 0x88 : 0x89);
    this.global('collections', 'OrderedDict');
    this.out.u8(0x29).u8(0x52); // () REDUCE: empty backward hooks
    this.out.u8(0x74).u8(0x52); // TUPLE REDUCE
    this.put(t);
  }

  private storage(s: StorageRef): void {
    this.out.u8(0x28);
    this.str('storage');
    this.global('torch', STORAGE_TYPE_NAMES[s.dtype]);
    this.str(s.key);
    this.str(s.location);
    this.int(s.numel);
    this.out.u8(0x74).u8(0x51); // TUPLE BINPERSID
  }
}
