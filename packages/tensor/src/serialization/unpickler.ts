import { ByteReader } from './bytes.js';
import { LimitError, SerializationError, UnpicklingError } from './errors.js';
import { PyGlobal, PyTuple, StorageRef, TensorSpec, type PyValue, type StorageDType } from './py-values.js';
import { lookupGlobal } from './torch-globals.js';

/** Options of {@link unpickle}. */
export interface UnpickleOptions {
  op?: string;
  /** What the bytes are, for messages (default `data.pkl`). */
  source?: string;
  /** Storage element counts by record key may be checked here (called once per new key). */
  onStorage?: (s: StorageRef) => void;
  /** Most values the pickle may push (default 10,000,000; `LoadOptions.maxObjects`). */
  maxObjects?: number;
}

const MARK = Symbol('mark');
type Slot = PyValue | typeof MARK;

/** Longest LONG1/LONG4 integer accepted, in bytes. */
const MAX_LONG_BYTES = 1024;
const latin1 = new TextDecoder('latin1');
const utf8 = new TextDecoder('utf-8');

/**
 * Run a pickle (protocols 2–5, binary opcodes) with the restricted rules of
 * `torch.load(weights_only=True)`: globals come from an allowlist (Note [Restricted unpickling]),
 * calls are data rules, persistent ids must be torch storages. Builds {@link PyValue}s and never
 * executes anything; every malformed or refused input is a typed error.
 *
 * @example
 * const obj = unpickle(pklBytes); // Map { 'weight' => TensorSpec, ... }
 */
export function unpickle(bytes: Uint8Array, opts: UnpickleOptions = {}): PyValue {
  return new Unpickler(bytes, opts).run();
}

class Unpickler {
  private readonly r: ByteReader;
  private readonly op: string;
  private stack: Slot[] = [];
  private readonly memo = new Map<number, PyValue>();
  private readonly storages = new Map<string, StorageRef>();
  private pushes = 0;
  private readonly maxObjects: number;
  constructor(
    bytes: Uint8Array,
    private readonly opts: UnpickleOptions,
  ) {
    this.op = opts.op ?? 'load';
    this.r = new ByteReader(bytes, this.op, opts.source ?? 'data.pkl');
    this.maxObjects = opts.maxObjects ?? 10_000_000;
  }

  private fail(msg: string, hint = 'the file is corrupt, or not written by torch.save'): never {
    throw new SerializationError(`${this.op}: ${this.r.source}: ${msg} (at byte ${this.r.pos})`, { op: this.op, hint });
  }

  private pop(): PyValue {
    const v = this.stack.pop();
    if (v === undefined) this.fail('stack underflow');
    if (v === MARK) this.fail('unexpected MARK on the stack');
    return v;
  }
  private top(): PyValue {
    const v = this.stack[this.stack.length - 1];
    if (v === undefined) this.fail('stack underflow');
    if (v === MARK) this.fail('unexpected MARK on the stack');
    return v;
  }
  private popMark(): PyValue[] {
    const i = this.stack.lastIndexOf(MARK);
    if (i < 0) this.fail('no MARK for an opcode that needs one');
    const items = this.stack.splice(i) as PyValue[];
    items.shift();
    return items;
  }
  private push(v: PyValue | typeof MARK): void {
    if (++this.pushes > this.maxObjects) {
      throw new LimitError(`${this.op}: ${this.r.source} builds more than ${this.maxObjects} values`, {
        op: this.op,
        limit: 'maxObjects',
        hint: `if the file is trusted, raise the cap: dl.load(f, { maxObjects: ${this.maxObjects * 10} })`,
      });
    }
    this.stack.push(v);
  }

  run(): PyValue {
    const r = this.r;
    for (;;) {
      const code = r.u8('an opcode');
      switch (code) {
        case 0x80: {
          // PROTO
          const v = r.u8();
          if (v < 2 || v > 5) this.fail(`pickle protocol ${v} is not supported (2–5 are)`);
          break;
        }
        case 0x95:
          r.u64('frame length');
          break; // FRAME: framing is only a hint
        case 0x2e: {
          // STOP
          const v = this.pop();
          if (this.stack.length !== 0) this.fail('values left on the stack at STOP');
          return v;
        }
        case 0x28:
          this.push(MARK);
          break;
        case 0x30:
          this.pop();
          break; // POP
        case 0x31:
          this.popMark();
          break; // POP_MARK
        case 0x32:
          this.push(this.top());
          break; // DUP
        case 0x4e:
          this.push(null);
          break; // NONE
        case 0x88:
          this.push(true);
          break;
        case 0x89:
          this.push(false);
          break;
        case 0x4a:
          this.push(r.i32());
          break; // BININT
        case 0x4b:
          this.push(r.u8());
          break; // BININT1
        case 0x4d:
          this.push(r.u16());
          break; // BININT2
        case 0x8a:
          this.push(this.long(r.u8()));
          break; // LONG1
        case 0x8b:
          this.push(this.long(r.i32()));
          break; // LONG4
        case 0x47:
          this.push(r.f64be());
          break; // BINFLOAT
        case 0x58:
          this.push(utf8.decode(r.take(r.u32(), 'a string')));
          break; // BINUNICODE
        case 0x8c:
          this.push(utf8.decode(r.take(r.u8(), 'a string')));
          break; // SHORT_BINUNICODE
        case 0x8d:
          this.push(utf8.decode(r.take(r.u64(), 'a string')));
          break; // BINUNICODE8
        case 0x55:
          this.push(latin1.decode(r.take(r.u8(), 'a string')));
          break; // SHORT_BINSTRING
        case 0x54:
          this.push(latin1.decode(r.take(r.i32(), 'a string')));
          break; // BINSTRING
        case 0x43:
          this.push(r.take(r.u8(), 'bytes').slice());
          break; // SHORT_BINBYTES
        case 0x42:
          this.push(r.take(r.u32(), 'bytes').slice());
          break; // BINBYTES
        case 0x8e:
          this.push(r.take(r.u64(), 'bytes').slice());
          break; // BINBYTES8
        case 0x96:
          this.push(r.take(r.u64(), 'bytes').slice());
          break; // BYTEARRAY8
        case 0x29:
          this.push(new PyTuple([]));
          break; // EMPTY_TUPLE
        case 0x74:
          this.push(new PyTuple(this.popMark()));
          break; // TUPLE
        case 0x85:
          this.push(new PyTuple([this.pop()]));
          break;
        case 0x86: {
          const b = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b]));
          break;
        }
        case 0x87: {
          const c = this.pop();
          const b = this.pop();
          const a = this.pop();
          this.push(new PyTuple([a, b, c]));
          break;
        }
        case 0x5d:
          this.push([]);
          break; // EMPTY_LIST
        case 0x6c:
          this.push(this.popMark());
          break; // LIST
        case 0x61: {
          const v = this.pop();
          this.list('APPEND').push(v);
          break;
        }
        case 0x65: {
          const vs = this.popMark();
          const l = this.list('APPENDS');
          for (const v of vs) l.push(v);
          break;
        }
        case 0x7d:
          this.push(new Map());
          break; // EMPTY_DICT
        case 0x64: {
          const vs = this.popMark();
          const m = new Map<PyValue, PyValue>();
          this.setItems(m, vs);
          this.push(m);
          break;
        } // DICT
        case 0x73: {
          const v = this.pop();
          const k = this.pop();
          this.setItems(this.dict('SETITEM'), [k, v]);
          break;
        }
        case 0x75: {
          const vs = this.popMark();
          this.setItems(this.dict('SETITEMS'), vs);
          break;
        }
        case 0x8f:
          this.push(new Set());
          break; // EMPTY_SET
        case 0x90: {
          const vs = this.popMark();
          const s = this.top();
          if (!(s instanceof Set)) this.fail('ADDITEMS on a non-set');
          for (const v of vs) s.add(v);
          break;
        }
        case 0x91:
          this.push(new Set(this.popMark()));
          break; // FROZENSET
        case 0x63: {
          // GLOBAL
          const mod = latin1.decode(r.line('a module name'));
          const name = latin1.decode(r.line('a global name'));
          this.push(this.global(mod, name));
          break;
        }
        case 0x93: {
          // STACK_GLOBAL
          const name = this.pop();
          const mod = this.pop();
          if (typeof mod !== 'string' || typeof name !== 'string') this.fail('STACK_GLOBAL needs two strings');
          this.push(this.global(mod, name));
          break;
        }
        case 0x52: {
          const args = this.pop();
          const fn = this.pop();
          this.push(this.call(fn, args, 'REDUCE'));
          break;
        }
        case 0x81: {
          const args = this.pop();
          const cls = this.pop();
          this.push(this.call(cls, args, 'NEWOBJ'));
          break;
        }
        case 0x92: {
          // NEWOBJ_EX
          const kwargs = this.pop();
          const args = this.pop();
          const cls = this.pop();
          if (!(kwargs instanceof Map) || kwargs.size !== 0) this.refuse('NEWOBJ_EX with keyword arguments');
          this.push(this.call(cls, args, 'NEWOBJ_EX'));
          break;
        }
        case 0x62:
          this.build(this.pop());
          break; // BUILD
        case 0x51:
          this.push(this.persistent(this.pop()));
          break; // BINPERSID
        case 0x68:
          this.push(this.get(r.u8()));
          break; // BINGET
        case 0x6a:
          this.push(this.get(r.u32()));
          break; // LONG_BINGET
        case 0x71:
          this.memo.set(r.u8(), this.top());
          break; // BINPUT
        case 0x72:
          this.memo.set(r.u32(), this.top());
          break; // LONG_BINPUT
        case 0x94:
          this.memo.set(this.memo.size, this.top());
          break; // MEMOIZE
        default:
          this.refuse(`opcode 0x${code.toString(16).padStart(2, '0')}${OPNAMES[code] ? ` (${OPNAMES[code]})` : ''}`);
      }
    }
  }

  private refuse(what: string): never {
    throw new UnpicklingError(`${this.op}: ${this.r.source}: ${what} is not allowed (at byte ${this.r.pos})`, {
      op: this.op,
      hint: 'dl.load reads what torch.load(weights_only=True) reads: tensors, state dicts and plain containers; save model.state_dict() instead of a pickled object',
    });
  }

  private long(n: number): number | bigint {
    if (n < 0 || n > MAX_LONG_BYTES) this.fail(`an integer of ${n} bytes is not supported (at most ${MAX_LONG_BYTES})`);
    const b = this.r.take(n, 'an integer');
    if (n === 0) return 0;
    let v = 0n;
    for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]!);
    if (b[n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }

  private get(i: number): PyValue {
    const v = this.memo.get(i);
    if (v === undefined) this.fail(`memo entry ${i} is read before it is written`);
    return v;
  }

  private list(op: string): PyValue[] {
    const l = this.top();
    if (!Array.isArray(l)) this.refuse(`${op} on a ${typeName(l)} (only lists may be appended to)`);
    return l;
  }
  private dict(op: string): Map<PyValue, PyValue> {
    const d = this.top();
    if (!(d instanceof Map)) this.refuse(`${op} on a ${typeName(d)} (only dicts take items)`);
    return d;
  }
  private setItems(m: Map<PyValue, PyValue>, kv: PyValue[]): void {
    if (kv.length % 2) this.fail('dict items come in key, value pairs');
    for (let i = 0; i < kv.length; i += 2) {
      const k = kv[i]!;
      if (!isHashable(k)) this.fail(`a ${typeName(k)} cannot be a dict key`);
      m.set(k, kv[i + 1]!);
    }
  }

  private global(mod: string, name: string): PyGlobal {
    const g = lookupGlobal(mod, name);
    if (g) return g;
    const path = `${mod}.${name}`;
    throw new UnpicklingError(`${this.op}: ${this.r.source} asks for the global ${path}, which dl.load does not allow`, {
      op: this.op,
      global: path,
      hint: `dl.load reads only what torch.load(weights_only=True) reads (tensors, storages, OrderedDict, plain containers); nothing is executed. If the file is yours, re-save the plain state with torch.save(model.state_dict(), f)`,
    });
  }

  private call(fn: PyValue, argsV: PyValue, how: string): PyValue {
    if (!(fn instanceof PyGlobal)) this.refuse(`${how} of a ${typeName(fn)}`);
    if (!(argsV instanceof PyTuple)) this.fail(`${how} of ${fn.path} needs a tuple of arguments, got a ${typeName(argsV)}`);
    const args = argsV.items;
    const def = fn.def;
    const want = (lo: number, hi = lo) => {
      if (args.length < lo || args.length > hi)
        this.fail(`${fn.path} takes ${lo === hi ? lo : `${lo}–${hi}`} arguments, got ${args.length}`);
    };
    switch (def.kind) {
      case 'ordered-dict': {
        want(0, 1);
        const m = new Map<PyValue, PyValue>();
        const init = args[0];
        if (init !== undefined) {
          const items =
            init instanceof PyTuple ? init.items : Array.isArray(init) ? init : this.fail('OrderedDict() takes a list of pairs');
          for (const it of items) {
            const kv = it instanceof PyTuple ? it.items : Array.isArray(it) ? it : [];
            if (kv.length !== 2) this.fail('OrderedDict() takes a list of pairs');
            this.setItems(m, kv);
          }
        }
        return m;
      }
      case 'rebuild-tensor': {
        if (def.version === 1) want(4);
        else want(6, 7);
        const [storage, offset, size, stride, requiresGrad] = args;
        return this.tensor(fn.path, storage!, offset!, size!, stride!, requiresGrad ?? false);
      }
      case 'rebuild-parameter': {
        want(def.withState ? 4 : 3);
        const data = args[0];
        if (!(data instanceof TensorSpec)) this.fail(`${fn.path} needs a tensor, got a ${typeName(data!)}`);
        data.requiresGrad = args[1] === true;
        return data;
      }
      case 'parameter': {
        want(0, 2);
        const data = args[0];
        if (!(data instanceof TensorSpec)) this.fail(`torch.nn.Parameter needs a tensor, got a ${typeName(data ?? null)}`);
        data.requiresGrad = args[1] !== false;
        return data;
      }
      case 'rebuild-from-type': {
        want(4);
        const [func, type, inner] = args;
        if (!(type instanceof PyGlobal) || (type.def.kind !== 'tensor-class' && type.def.kind !== 'parameter')) {
          this.refuse(`a tensor subclass (${type instanceof PyGlobal ? type.path : typeName(type!)})`);
        }
        const t = this.call(func!, inner!, how);
        if (!(t instanceof TensorSpec)) this.fail(`${fn.path} did not rebuild a tensor`);
        return t;
      }
      case 'size': {
        want(0, 1);
        const dims =
          args[0] === undefined
            ? []
            : args[0] instanceof PyTuple
              ? args[0].items
              : Array.isArray(args[0])
                ? args[0]
                : this.fail('torch.Size() takes a tuple');
        return new PyTuple([...dims]);
      }
      case 'set': {
        want(0, 1);
        const items =
          args[0] === undefined
            ? []
            : args[0] instanceof PyTuple
              ? args[0].items
              : Array.isArray(args[0])
                ? args[0]
                : this.fail('set() takes a list');
        for (const it of items) if (!isHashable(it)) this.fail(`a ${typeName(it)} cannot be in a set`);
        return new Set(items);
      }
      case 'codecs-encode': {
        want(2);
        const [s, enc] = args;
        if (typeof s !== 'string' || (enc !== 'latin1' && enc !== 'latin-1')) this.refuse(`_codecs.encode other than (str, 'latin1')`);
        const out = new Uint8Array(s.length);
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          if (c > 255) this.fail('_codecs.encode: a latin1 string has a character past U+00FF');
          out[i] = c;
        }
        return out;
      }
      case 'unsupported':
        throw new SerializationError(`${this.op}: the file holds ${def.what} (${fn.path}), which dl does not have`, {
          op: this.op,
          hint: 'convert them to dense tensors before saving (t.to_dense() in PyTorch)',
        });
      default:
        this.refuse(`calling ${fn.path}`);
    }
  }

  private tensor(fn: string, storage: PyValue, offset: PyValue, size: PyValue, stride: PyValue, requiresGrad: PyValue): TensorSpec {
    if (!(storage instanceof StorageRef)) this.fail(`${fn} needs a storage, got a ${typeName(storage)}`);
    const shape = this.ints(size, `${fn} size`);
    const strides = this.ints(stride, `${fn} stride`);
    if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) this.fail(`${fn}: bad storage offset ${String(offset)}`);
    if (shape.length !== strides.length) this.fail(`${fn}: size has ${shape.length} dims but stride has ${strides.length}`);
    return new TensorSpec(storage, offset, shape, strides, requiresGrad === true);
  }

  private ints(v: PyValue, what: string): number[] {
    const items = v instanceof PyTuple ? v.items : Array.isArray(v) ? v : this.fail(`${what} must be a tuple, got a ${typeName(v)}`);
    return items.map((x) => {
      if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) this.fail(`${what} holds ${String(x)}, not a non-negative integer`);
      return x;
    });
  }

  private build(state: PyValue): void {
    const inst = this.top();
    // OrderedDict attributes (`_metadata` of state_dict()) and Parameter state carry nothing dl keeps
    if (inst instanceof Map || inst instanceof TensorSpec) {
      if (state !== null && !(state instanceof Map) && !(state instanceof PyTuple))
        this.fail(`BUILD state must be a dict or tuple, got a ${typeName(state)}`);
      return;
    }
    this.refuse(`BUILD of a ${typeName(inst)} (only tensors, parameters and dicts may be built)`);
  }

  private persistent(pid: PyValue): StorageRef {
    const items = pid instanceof PyTuple ? pid.items : null;
    if (!items || items[0] !== 'storage')
      this.refuse(`a persistent id other than a torch storage (${items ? String(items[0]) : typeName(pid)})`);
    if (items.length !== 5) this.fail(`a storage persistent id has 5 fields, got ${items.length}`);
    const [, type, key, location, numel] = items;
    if (!(type instanceof PyGlobal) || type.def.kind !== 'storage')
      this.fail(`a storage persistent id names ${type instanceof PyGlobal ? type.path : typeName(type!)}, not a storage type`);
    const dtype: StorageDType | null = type.def.dtype;
    if (dtype === null) {
      throw new SerializationError(`${this.op}: the file holds a ${type.name} (${type.path}), which dl does not have`, {
        op: this.op,
        hint: 'dl reads float, int, uint8 and bool storages; convert complex or quantized tensors in PyTorch first',
      });
    }
    if (typeof key !== 'string' || !/^[0-9A-Za-z_.-]{1,64}$/.test(key))
      this.fail(`a storage key must be a short name, got ${JSON.stringify(String(key))}`);
    if (typeof location !== 'string') this.fail('a storage location must be a string');
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0)
      this.fail(`storage ${key} has a bad element count ${String(numel)}`);
    const seen = this.storages.get(key);
    if (seen) {
      if (seen.dtype !== dtype || seen.numel !== numel) this.fail(`storage ${key} is named twice with different types or sizes`);
      return seen;
    }
    const s = new StorageRef(dtype, key, location, numel);
    this.opts.onStorage?.(s);
    this.storages.set(key, s);
    return s;
  }
}

function isHashable(v: PyValue): boolean {
  return !Array.isArray(v) && !(v instanceof Map);
}

/**
 * Python's name for the type of a value, for messages.
 *
 * @example
 * typeName(new PyTuple([])); // 'tuple'
 */
export function typeName(v: PyValue): string {
  if (v === null) return 'None';
  if (typeof v === 'boolean') return 'bool';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'bigint') return 'int';
  if (typeof v === 'string') return 'str';
  if (v instanceof Uint8Array) return 'bytes';
  if (v instanceof PyTuple) return 'tuple';
  if (Array.isArray(v)) return 'list';
  if (v instanceof Map) return 'dict';
  if (v instanceof Set) return 'set';
  if (v instanceof PyGlobal) return v.path;
  if (v instanceof StorageRef) return 'storage';
  if (v instanceof TensorSpec) return 'tensor';
  return 'float';
}

const OPNAMES: Record<number, string> = {
  0x69: 'INST',
  0x6f: 'OBJ',
  0x50: 'PERSID',
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
  0x49: 'INT',
  0x4c: 'LONG',
  0x46: 'FLOAT',
  0x53: 'STRING',
  0x56: 'UNICODE',
  0x67: 'GET',
  0x70: 'PUT',
};
