import type { Tensor } from '../tensor.js';
import { ByteReader, decodeUtf8, encodeUtf8 } from './bytes.js';
import { SerializationError } from './errors.js';
import { encodeElements, FILE_ITEMSIZE, saveDType } from './dtypes.js';
import { encodeHalf } from '../half.js';
import { ByteBudget, checkCap, type ReadLimits } from './limits.js';
import type { StorageDType } from './py-values.js';
import { decodeStructure, encodeStructure, STRUCTURE_KEY } from './structure.js';
import { TensorBuilder, type RawStorage } from './tensors.js';
import type { Loaded } from './tree.js';

/**
 * Note [safetensors]
 * A safetensors file is an 8-byte little-endian header length N, N bytes of JSON
 * (`{"name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, …,
 * "__metadata__": {"k": "v"}}`, padded with spaces), then the tensor bytes, offsets relative to
 * the end of the header. Readers here follow the reference implementation's checks: header at
 * most `maxHeaderBytes` (100 MB), valid UTF-8 JSON object, string-only metadata, every tensor's
 * byte range exactly its shape × dtype size, ranges back to back from 0 with no gap or overlap,
 * the last ending at the end of the file. Tensors are contiguous and do not share memory.
 * A flat record of tensors is written as a plain file any safetensors reader takes; anything
 * else (nested records, numbers, strings…) keeps its structure as JSON in the metadata key
 * `dl.structure` (see `structure.ts`), its tensors named by their paths.
 */

const FROM_NAME: Record<string, StorageDType> = {
  F32: 'float32',
  F64: 'float64',
  F16: 'float16',
  BF16: 'bfloat16',
  I64: 'int64',
  I32: 'int32',
  I16: 'int16',
  I8: 'int8',
  U8: 'uint8',
  BOOL: 'bool',
};
const TO_NAME: Partial<Record<StorageDType, string>> = Object.fromEntries(Object.entries(FROM_NAME).map(([k, v]) => [v, k]));

interface HeaderEntry {
  name: string;
  dtype: StorageDType;
  shape: number[];
  begin: number;
  end: number;
}

/** @internal Options of {@link readSafetensors}. */
export interface SafetensorsReadOptions {
  device: string;
  limits: Required<ReadLimits>;
  op: string;
}

/**
 * Does `bytes` look like a safetensors file (a sane header length, then `{`)?
 *
 * @example
 * isSafetensors(await dl.save(sd, { format: 'safetensors' })); // true
 */
export function isSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n =
    new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(0, true) +
    new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true) * 2 ** 32;
  return n >= 2 && n <= bytes.length - 8 && bytes[8] === 0x7b;
}

/**
 * @internal Read a safetensors file (Note [safetensors]) into a record of tensors, or into the
 * structure its `dl.structure` metadata describes.
 *
 * @example
 * const sd = readSafetensors(bytes, { device: 'cpu', limits: resolveLimits(), op: 'load' });
 */
export function readSafetensors(bytes: Uint8Array, opts: SafetensorsReadOptions): Loaded {
  const { op, limits } = opts;
  const { entries, metadata, dataStart } = parseHeader(bytes, limits, op);
  const budget = new ByteBudget(limits.maxBytes, op);
  const byName = new Map(entries.map((e) => [e.name, e]));
  const raw = (name: string): RawStorage => {
    const e = byName.get(name)!;
    return { dtype: e.dtype, numel: e.shape.reduce((a, b) => a * b, 1), bytes: bytes.subarray(dataStart + e.begin, dataStart + e.end) };
  };
  const builder = new TensorBuilder(raw, opts.device, budget, op);
  const tensor = (name: string): Tensor => {
    const e = byName.get(name);
    if (!e)
      throw new SerializationError(`${op}: ${STRUCTURE_KEY} names a tensor ${JSON.stringify(name)} the file does not have`, {
        op,
        key: name,
        hint: 'the file is corrupt',
      });
    const strides: number[] = [];
    let s = 1;
    for (let i = e.shape.length - 1; i >= 0; i--) {
      strides[i] = s;
      s *= e.shape[i]!;
    }
    return builder.view(name, e.shape, strides, 0, name);
  };
  try {
    let out: Loaded;
    const structure = metadata?.[STRUCTURE_KEY];
    if (structure !== undefined) {
      checkCap(op, structure.length, limits, 'maxHeaderBytes', `${STRUCTURE_KEY} metadata`);
      out = decodeStructure(structure, tensor, op, limits.maxDepth);
    } else {
      const rec: { [k: string]: Loaded } = {};
      for (const e of entries)
        Object.defineProperty(rec, e.name, { value: tensor(e.name), enumerable: true, writable: true, configurable: true });
      out = rec;
    }
    builder.finish();
    return out;
  } catch (e) {
    builder.abort();
    throw e;
  }
}

function parseHeader(
  bytes: Uint8Array,
  limits: Required<ReadLimits>,
  op: string,
): { entries: HeaderEntry[]; metadata: Record<string, string> | null; dataStart: number } {
  function bad(msg: string, key?: string): never {
    throw new SerializationError(`${op}: safetensors ${msg}`, { op, key, hint: 'the file is corrupt or not a safetensors file' });
  }
  const r = new ByteReader(bytes, op, 'safetensors file');
  const n = r.u64('the header length');
  checkCap(op, n, limits, 'maxHeaderBytes', 'the safetensors header');
  const text = decodeUtf8(r.take(n, 'the header'), op, 'the safetensors header');
  if (!text.startsWith('{')) bad('header is not a JSON object');
  let containers = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5b || c === 0x7b) containers++; // [ {  (inside strings too: an over-count is safe)
  }
  checkCap(op, containers, limits, 'maxObjects', 'the number of arrays and objects in the safetensors header');
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> | null = null;
  const entries: HeaderEntry[] = [];
  const names = Object.keys(header as object);
  checkCap(op, names.length, limits, 'maxEntries', 'the number of safetensors tensors');
  for (const name of names) {
    const v = (header as Record<string, unknown>)[name];
    if (name === '__metadata__') {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) bad('__metadata__ is not an object of strings');
      for (const x of Object.values(v as object)) if (typeof x !== 'string') bad('__metadata__ values must be strings');
      metadata = v as Record<string, string>;
      continue;
    }
    if (v === null || typeof v !== 'object' || Array.isArray(v)) bad(`entry ${JSON.stringify(name)} is not an object`, name);
    const { dtype, shape, data_offsets: offs } = v as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string') bad(`tensor ${name} has no dtype`, name);
    const dt = FROM_NAME[dtype];
    if (!dt || !Object.hasOwn(FROM_NAME, dtype)) {
      throw new SerializationError(`${op}: safetensors tensor ${name} has dtype ${JSON.stringify(dtype)}, which dl cannot read`, {
        op,
        key: name,
        hint: `dl reads ${Object.keys(FROM_NAME).join(', ')}; convert the tensor before saving`,
      });
    }
    const isIndex = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
    if (!Array.isArray(shape) || !shape.every(isIndex)) bad(`tensor ${name} has a bad shape ${JSON.stringify(shape)}`, name);
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every(isIndex) || offs[0]! > offs[1]!)
      bad(`tensor ${name} has bad data_offsets ${JSON.stringify(offs)}`, name);
    const [begin, end] = offs as [number, number];
    const numel = (shape as number[]).reduce((a, b) => a * b, 1);
    if (numel * FILE_ITEMSIZE[dt] !== end - begin) {
      bad(
        `tensor ${name} (${dtype}, shape [${(shape as number[]).join(', ')}]) needs ${numel * FILE_ITEMSIZE[dt]} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`,
        name,
      );
    }
    entries.push({ name, dtype: dt, shape: shape as number[], begin, end });
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at)
      bad(
        e.begin < at
          ? `tensor ${e.name} overlaps the tensor before it (data_offsets start ${e.begin} < ${at})`
          : `has a gap before tensor ${e.name} (bytes ${at}–${e.begin})`,
        e.name,
      );
    at = e.end;
  }
  if (at !== dataLength) bad(`tensor data ends at byte ${at} but the file has ${dataLength} bytes after the header`);
  return { entries, metadata, dataStart };
}

/** @internal Options of {@link writeSafetensors}. */
export interface SafetensorsWriteOptions {
  int64: boolean;
  metadata?: Record<string, string>;
  op: string;
}

/**
 * @internal Write `obj` as safetensors (Note [safetensors]).
 *
 * @example
 * const bytes = await writeSafetensors({ w: dl.ones(2) }, { int64: false, op: 'save' });
 */
export async function writeSafetensors(obj: unknown, opts: SafetensorsWriteOptions): Promise<Uint8Array> {
  const { op } = opts;
  const { tensors, structure } = encodeStructure(obj, op);
  const meta: Record<string, string> = { ...(opts.metadata ?? {}) };
  if (STRUCTURE_KEY in meta)
    throw new SerializationError(`${op}: metadata key ${STRUCTURE_KEY} is dl's own`, { op, key: STRUCTURE_KEY, hint: 'use another key' });
  for (const [k, v] of Object.entries(meta))
    if (typeof v !== 'string') throw new SerializationError(`${op}: safetensors metadata ${k} must be a string`, { op, key: k });
  if (structure !== null) meta[STRUCTURE_KEY] = structure;
  const blobs: { name: string; dtype: StorageDType; shape: readonly number[]; data: Uint8Array }[] = [];
  for (const [name, t] of tensors) {
    t._view(op); // a disposed tensor is a typed error
    const dtype = saveDType(t.dtype, opts.int64);
    const host = await t.data(); // float16 reads as its values (Note [float16 storage]): the file holds the bits
    blobs.push({ name, dtype, shape: t.shape, data: encodeElements(dtype === 'float16' ? encodeHalf(host) : host, dtype === 'int64') });
  }
  // widest elements first, so every tensor starts at a multiple of its element size
  blobs.sort((a, b) => FILE_ITEMSIZE[b.dtype] - FILE_ITEMSIZE[a.dtype]);
  const header: Record<string, unknown> = {};
  if (Object.keys(meta).length) header.__metadata__ = meta;
  let at = 0;
  for (const b of blobs) {
    Object.defineProperty(header, b.name, {
      value: { dtype: TO_NAME[b.dtype], shape: [...b.shape], data_offsets: [at, at + b.data.length] },
      enumerable: true,
    });
    at += b.data.length;
  }
  let json = encodeUtf8(JSON.stringify(header));
  const pad = (8 - (json.length % 8)) % 8;
  if (pad) json = encodeUtf8(JSON.stringify(header) + ' '.repeat(pad));
  const out = new Uint8Array(8 + json.length + at);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const b of blobs) {
    out.set(b.data, p);
    p += b.data.length;
  }
  return out;
}
