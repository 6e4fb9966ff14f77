import { CorruptDatasetError } from './errors.js';
import { gunzipBounded, gunzipPrefix, isGzip } from './gzip.js';
import { readFileBounded } from './io.js';
import { checkLimit, fmtInt, resolveLimits, type ReaderLimits } from './limits.js';

/** A parsed IDX file (the MNIST format): unsigned-byte data and its dims. */
export interface Idx {
  dims: number[];
  data: Uint8Array;
}

const HINT = 'delete the file and download it again (or copy a good copy in its place)';

/**
 * Read and check an IDX header (big-endian: 0, 0, type code, number of dims; then one uint32
 * per dim): the magic, unsigned bytes (0x08, as MNIST uses), `expectDims` dims, and a payload
 * within `limits.maxBytes`. Returns the dims, the header length and the payload size.
 *
 * @example
 * const { dims, dataLen } = idxHeader(bytes.subarray(0, 16), 'train-images-idx3-ubyte', 3);
 */
export function idxHeader(
  bytes: Uint8Array,
  file: string,
  expectDims: number,
  limits?: Partial<ReaderLimits>,
): { dims: number[]; headerLen: number; dataLen: number } {
  const fail = (why: string) => new CorruptDatasetError(`${file}: not a valid IDX file: ${why}`, { op: 'parseIdx', hint: HINT });
  if (bytes.length < 4) throw fail(`only ${bytes.length} bytes`);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw fail(`bad magic bytes ${bytes[0]}, ${bytes[1]} (expected 0, 0)`);
  if (bytes[2] !== 0x08) throw fail(`element type 0x${bytes[2]!.toString(16)} is not unsigned byte (0x08)`);
  const nd = bytes[3]!;
  if (nd !== expectDims) throw fail(`${nd} dimensions, expected ${expectDims}`);
  const headerLen = 4 + 4 * nd;
  if (bytes.length < headerLen) throw fail(`truncated header (${bytes.length} of ${headerLen} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: nd }, (_, i) => view.getUint32(4 + 4 * i, false));
  const dataLen = dims.reduce((a, b) => a * b, 1);
  checkLimit(resolveLimits(limits), 'maxBytes', headerLen + dataLen, 'parseIdx', file, `an IDX payload of ${dims.join('×')}`);
  return { dims, headerLen, dataLen };
}

/**
 * Parse an IDX file held in memory. Checks the header (see {@link idxHeader}) and that the
 * payload has exactly the announced size.
 *
 * @example
 * const { dims, data } = parseIdx(bytes, 'train-labels-idx1-ubyte', 1); // dims [60000]
 */
export function parseIdx(bytes: Uint8Array, file: string, expectDims: number, limits?: Partial<ReaderLimits>): Idx {
  const { dims, headerLen, dataLen: n } = idxHeader(bytes, file, expectDims, limits);
  const fail = (why: string) => new CorruptDatasetError(`${file}: not a valid IDX file: ${why}`, { op: 'parseIdx', hint: HINT });
  if (bytes.length - headerLen < n)
    throw fail(
      `truncated: header announces ${dims.join('×')} = ${fmtInt(n)} bytes of data but the file has ${fmtInt(bytes.length - headerLen)}`,
    );
  if (bytes.length - headerLen > n)
    throw fail(`${fmtInt(bytes.length - headerLen - n)} unexpected trailing bytes after ${dims.join('×')} values`);
  return { dims, data: bytes.subarray(headerLen, headerLen + n) };
}

/**
 * Parse IDX bytes that may be gzipped (by magic bytes, whatever the file's name). A gzipped
 * file's header is inflated first and the full inflate is then bounded by exactly the size it
 * announces, so a small `.gz` cannot expand past it; the payload is bounded by
 * `limits.maxBytes`.
 *
 * @example
 * const { dims, data } = readIdx(fs.readFileSync('t10k-labels-idx1-ubyte.gz'), 't10k-labels-idx1-ubyte.gz', 1);
 */
export function readIdx(raw: Uint8Array, file: string, expectDims: number, limits?: Partial<ReaderLimits>, op = 'readIdx'): Idx {
  if (!isGzip(raw)) return parseIdx(raw, file, expectDims, limits);
  const head = gunzipPrefix(raw, 4 + 4 * expectDims, op, file);
  const { headerLen, dataLen } = idxHeader(head, file, expectDims, limits);
  return parseIdx(gunzipBounded(raw, headerLen + dataLen, op, file, true), file, expectDims, limits);
}

/**
 * Read an IDX file from disk, gzipped or not, with {@link readIdx}; the file itself is
 * bounded by `limits.maxBytes` too.
 *
 * @example
 * const { dims, data } = readIdxFile('./data/MNIST/raw/t10k-images-idx3-ubyte.gz', 3);
 */
export function readIdxFile(file: string, expectDims: number, limits?: Partial<ReaderLimits>, op = 'readIdxFile'): Idx {
  return readIdx(readFileBounded(file, op, limits), file, expectDims, limits, op);
}

/**
 * Encode an IDX file of unsigned bytes (tests and tools write fixtures with it).
 *
 * @example
 * const bytes = encodeIdx([2], Uint8Array.from([3, 7]));
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  out[2] = 0x08;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
