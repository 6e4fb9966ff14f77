import { isFloating, ITEMSIZE, type DType, type HostArray } from '../dtype.js';
import { decodeHalf } from '../half.js';
import { fromHost } from '../ops/creation.js';
import { Tensor } from '../tensor.js';
import { getBackend } from '../registry.js';
import type { Storage } from '../storage.js';
import { LimitError, SerializationError } from './errors.js';
import { decodeElements, FILE_ITEMSIZE, LOAD_DTYPE } from './dtypes.js';
import { fmtBytes, type ByteBudget } from './limits.js';
import type { StorageDType, TensorSpec } from './py-values.js';

/** @internal A storage as stored in a file: its element type, count and raw bytes. */
export interface RawStorage {
  dtype: StorageDType;
  numel: number;
  bytes: Uint8Array;
}

/**
 * @internal Builds dl tensors from a file's storages: each storage is decoded once (charged to the
 * budget), uploaded once to `device` as one dl Storage, and every tensor of the file is a strided
 * view of it, so tensors that shared a storage in the file share one after loading. Views are
 * checked to lie inside their storage. `finish()` drops the builder's own references (the views
 * keep what they use); `abort()` disposes everything made so far.
 *
 * @example
 * const b = new TensorBuilder((k) => raw[k], 'cpu', budget, 'load'); b.view('0', [3, 2], [1, 3], 0, 'w_t');
 */
export class TensorBuilder {
  private readonly bases = new Map<string, Tensor>();
  private readonly made: Tensor[] = [];
  constructor(
    private readonly raw: (key: string) => RawStorage,
    private readonly device: string,
    private readonly budget: ByteBudget,
    private readonly op: string,
  ) {}

  /** The whole storage `key` as a 1-D tensor (decoded and uploaded on first use). */
  base(key: string, path: string): Tensor {
    let b = this.bases.get(key);
    if (b) return b;
    const r = this.raw(key);
    const dtype: DType = LOAD_DTYPE[r.dtype];
    const be = getBackend(this.device, this.op);
    if (!be.dtypes.includes(dtype)) {
      throw new SerializationError(`${this.op}: tensor ${path} is ${dtype}, which device '${this.device}' does not have`, {
        op: this.op,
        key: path,
        hint: `load onto cpu and cast what you move: (await dl.load(f)).${path}.float().to('${this.device}')`,
      });
    }
    const itemsize = ITEMSIZE[dtype];
    this.budget.take(r.numel * itemsize, `tensor ${path} (${r.numel} ${r.dtype} elements)`, path);
    const host: HostArray = decodeElements(r.bytes, r.dtype, r.numel, this.op, path);
    // device-owned memory (pooled, on cpu the wasm heap the fast kernels use), not a wrapped array
    // (float16: the file's bits as values, which fromHost rounds back to the same bits; Note [float16 storage])
    b = fromHost(dtype === 'float16' ? decodeHalf(host) : host, [r.numel], dtype, this.device, 'load');
    this.bases.set(key, b);
    return b;
  }

  /** A view of storage `key` with the given layout, checked against the storage's extent. */
  view(key: string, shape: readonly number[], strides: readonly number[], offset: number, path: string, requiresGrad = false): Tensor {
    const b = this.base(key, path);
    const size = b._storage.numel;
    let numel = 1;
    let last = offset;
    for (let i = 0; i < shape.length; i++) {
      numel *= shape[i]!;
      last += (shape[i]! - 1) * strides[i]!;
    }
    const itemsize = FILE_ITEMSIZE[this.raw(key).dtype];
    if (numel * itemsize > this.budget.max) {
      throw new LimitError(
        `${this.op}: tensor ${path} has shape [${shape.join(', ')}] (${numel} elements), past maxBytes (${fmtBytes(this.budget.max)})`,
        {
          op: this.op,
          key: path,
          limit: 'maxBytes',
          hint: 'if the file is trusted, raise maxBytes',
        },
      );
    }
    if (numel === 0 ? offset > size : last >= size) {
      throw new SerializationError(
        `${this.op}: tensor ${path} (shape [${shape.join(', ')}], stride [${strides.join(', ')}], offset ${offset}) reaches element ${numel === 0 ? offset : last} of a storage of ${size}`,
        { op: this.op, key: path, hint: 'the file is corrupt' },
      );
    }
    const t = new Tensor(b._storage, shape, strides, offset);
    if (requiresGrad && isFloating(t.dtype)) t.requiresGrad = true;
    this.made.push(t);
    return t;
  }

  /** A tensor for an unpickled spec. */
  fromSpec(spec: TensorSpec, path: string): Tensor {
    return this.view(spec.storage.key, spec.shape, spec.strides, spec.offset, path, spec.requiresGrad);
  }

  /** Release the builder's references to the storages (the tensors it made keep theirs). */
  finish(): void {
    for (const b of this.bases.values()) b.dispose();
    this.bases.clear();
  }

  /** Dispose everything made so far (after a failed load). */
  abort(): void {
    for (const t of this.made) t.dispose();
    this.made.length = 0;
    this.finish();
  }
}

/** @internal A storage to write: the dl Storage, its key in the file and its dtype there. */
export interface StorageToWrite {
  storage: Storage;
  key: string;
  dtype: StorageDType;
}

/**
 * @internal Read a whole dl Storage to the host (any device; awaits asynchronous backends).
 *
 * @example
 * const host = await readStorage(t._storage);
 */
export async function readStorage(s: Storage, op: string): Promise<HostArray> {
  if (s.freed) {
    throw new SerializationError(`${op}: a tensor's storage was already freed`, { op, hint: 'save tensors before disposing them' });
  }
  if (s.numel === 0)
    return new (
      s.dtype === 'float64' ? Float64Array : s.dtype === 'float32' ? Float32Array : s.dtype === 'int32' ? Int32Array : Uint8Array
    )(0);
  return s.backend.read(s.buffer, s.dtype, 0, s.numel);
}
