import type { DType, HostArray } from '../dtype.js';
import { LITTLE_ENDIAN } from './bytes.js';
import { SerializationError } from './errors.js';
import type { StorageDType } from './py-values.js';

/** Bytes per element of each file dtype. */
export const FILE_ITEMSIZE: Record<StorageDType, number> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/**
 * The dl dtype a file dtype loads as: float16 stays float16 (its bits, Note [float16 storage]), bfloat16 widens to float32, int8/int16/int64
 * become int32 (dl's integer dtype; int64 values must fit, see {@link decodeElements}).
 */
export const LOAD_DTYPE: Record<StorageDType, DType> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  bfloat16: 'float32',
  int64: 'int32',
  int32: 'int32',
  int16: 'int32',
  int8: 'int32',
  uint8: 'uint8',
  bool: 'bool',
};

/**
 * @internal Decode `numel` little-endian elements of `dtype` from `bytes` into a fresh dl host
 * array (copying, so the result is aligned and owns its memory). int64 values outside int32's
 * range throw a {@link SerializationError} naming `key`.
 *
 * @example
 * decodeElements(bytes, 'bfloat16', 4, 'load', 'fc.weight'); // Float32Array(4)
 */
export function decodeElements(bytes: Uint8Array, dtype: StorageDType, numel: number, op: string, key: string): HostArray {
  if (!LITTLE_ENDIAN) {
    throw new SerializationError(`${op}: reading tensors on a big-endian host is not supported`, { op, key });
  }
  const size = FILE_ITEMSIZE[dtype];
  if (bytes.length !== numel * size) {
    throw new SerializationError(`${op}: ${key} holds ${bytes.length} bytes, but ${numel} ${dtype} elements need ${numel * size}`, {
      op,
      key,
      hint: 'the file is corrupt or was cut short',
    });
  }
  const aligned = new Uint8Array(bytes.length);
  aligned.set(bytes);
  const buf = aligned.buffer;
  switch (dtype) {
    case 'float32':
      return new Float32Array(buf);
    case 'float64':
      return new Float64Array(buf);
    case 'int32':
      return new Int32Array(buf);
    case 'uint8':
      return aligned;
    case 'bool': {
      for (let i = 0; i < aligned.length; i++) aligned[i] = aligned[i] ? 1 : 0;
      return aligned;
    }
    case 'int8':
      return Int32Array.from(new Int8Array(buf));
    case 'int16':
      return Int32Array.from(new Int16Array(buf));
    case 'float16':
      return new Uint16Array(buf); // the bits, as dl stores float16
    case 'bfloat16': {
      const src = new Uint16Array(buf);
      const out = new Uint32Array(numel);
      for (let i = 0; i < numel; i++) out[i] = src[i]! << 16;
      return new Float32Array(out.buffer);
    }
    case 'int64': {
      const words = new Int32Array(buf);
      const out = new Int32Array(numel);
      for (let i = 0; i < numel; i++) {
        const lo = words[2 * i]!;
        const hi = words[2 * i + 1]!;
        if (hi !== lo >> 31) {
          const v = (BigInt(hi) << 32n) | BigInt(lo >>> 0);
          throw new SerializationError(`${op}: ${key} holds the int64 value ${v} (element ${i}), outside int32's range`, {
            op,
            key,
            hint: 'dl has no int64 (its integers are int32, as on WebGPU); keep integer tensors within ±2,147,483,647, or convert the tensor to float64 before saving',
          });
        }
        out[i] = lo;
      }
      return out;
    }
  }
}

/**
 * @internal The file bytes of a dl host array, little-endian; `asInt64` widens int32 to int64.
 *
 * @example
 * encodeElements(new Int32Array([1, -2]), true); // 16 bytes of int64
 */
export function encodeElements(host: HostArray, asInt64 = false): Uint8Array {
  if (asInt64 && host instanceof Int32Array) {
    const out = new Int32Array(host.length * 2);
    for (let i = 0; i < host.length; i++) {
      out[2 * i] = host[i]!;
      out[2 * i + 1] = host[i]! >> 31;
    }
    return new Uint8Array(out.buffer);
  }
  return new Uint8Array(host.buffer, host.byteOffset, host.byteLength);
}

/**
 * @internal The storage dtype a dl dtype is written as.
 *
 * @example
 * saveDType('int32', true); // 'int64'
 */
export function saveDType(d: DType, int64: boolean): StorageDType {
  return d === 'int32' && int64 ? 'int64' : d;
}
