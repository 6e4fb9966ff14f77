import { CorruptDatasetError } from './errors.js';

/** A parsed IDX file (the MNIST format): unsigned-byte data and its dims. */
export interface Idx {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parse an IDX file (big-endian header: 0, 0, type code, number of dims; then one uint32 per
 * dim). Only unsigned bytes (type 0x08) are supported, as MNIST uses. Checks the magic, the
 * expected number of dims and that the payload has exactly the announced size.
 */
export function parseIdx(bytes: Uint8Array, file: string, expectDims: number): Idx {
  const fail = (why: string) =>
    new CorruptDatasetError(`${file}: not a valid IDX file: ${why}`, { hint: 'delete the file and download it again (or copy a good copy in its place)' });
  if (bytes.length < 4) throw fail(`only ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw fail(`bad magic bytes ${bytes[0]}, ${bytes[1]} (expected 0, 0)`);
  if (bytes[2] !== 0x08) throw fail(`element type 0x${bytes[2]!.toString(16)} is not unsigned byte (0x08)`);
  const nd = bytes[3]!;
  if (nd !== expectDims) throw fail(`${nd} dimensions, expected ${expectDims}`);
  const headerLen = 4 + 4 * nd;
  if (bytes.length < headerLen) throw fail('truncated header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const n = dims.reduce((a, b) => a * b, 1);
  if (bytes.length - headerLen < n) throw fail(`truncated: header announces ${dims.join('×')} = ${n} bytes of data but the file has ${bytes.length - headerLen}`);
  if (bytes.length - headerLen > n) throw fail(`${bytes.length - headerLen - n} unexpected trailing bytes after ${dims.join('×')} values`);
  return { dims, data: bytes.subarray(headerLen, headerLen + n) };
}

/** Encode an IDX file of unsigned bytes (tests and tools write fixtures with it). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
