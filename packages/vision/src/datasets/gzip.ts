import { CorruptDatasetError, LimitExceededError } from './errors.js';
import { fmtInt } from './limits.js';
import { node } from './node-builtins.js';

/** Does `b` start with the gzip magic bytes? */
export function isGzip(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b;
}

/** Deflate's largest expansion: a 258-byte match coded in 2 bits. */
const MAX_RATIO = 1032;

/** Where the deflate stream of a gzip member starts (RFC 1952 header, every field checked). */
function deflateStart(b: Uint8Array, op: string, file: string): number {
  const fail = (why: string) =>
    new CorruptDatasetError(`${op}: ${file}: gzip header is corrupt: ${why}`, { op, hint: 'delete the file and download it again' });
  if (b.length < 10 || !isGzip(b)) throw fail('no gzip magic or shorter than 10 bytes');
  if (b[2] !== 8) throw fail(`compression method ${b[2]} is not deflate (8)`);
  const flags = b[3]!;
  if (flags & 0xe0) throw fail(`reserved flag bits set (0x${flags.toString(16)})`);
  let p = 10;
  if (flags & 4) {
    if (p + 2 > b.length) throw fail('truncated FEXTRA field');
    p += 2 + (b[p]! | (b[p + 1]! << 8));
  }
  for (const bit of [8, 16]) {
    if (!(flags & bit)) continue;
    const end = b.indexOf(0, p);
    if (end < 0) throw fail(`unterminated ${bit === 8 ? 'file name' : 'comment'} field`);
    p = end + 1;
  }
  if (flags & 2) p += 2;
  if (p > b.length) throw fail('truncated header');
  return p;
}

/**
 * The first `want` bytes a gzip file decompresses to (fewer if it holds fewer), inflating
 * only a small prefix of the compressed data: at most about 1,032 × 16 KiB of output, whatever
 * the file declares. Used to read a format's header before bounding the full inflate by it.
 *
 * @example
 * const head = gunzipPrefix(raw, 16, 'MNIST', 'train-images-idx3-ubyte.gz'); // the IDX header
 */
export function gunzipPrefix(raw: Uint8Array, want: number, op: string, file: string): Uint8Array {
  const { zlib } = node();
  const start = deflateStart(raw, op, file);
  const stream = raw.subarray(start);
  for (const k of [256, 16384]) {
    const part = stream.subarray(0, k);
    let out: Uint8Array;
    try {
      out = zlib.inflateRawSync(part, { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: MAX_RATIO * part.length + 1024 });
    } catch (e) {
      throw new CorruptDatasetError(`${op}: ${file}: gzip data is corrupt or truncated (${(e as Error).message})`, {
        op,
        hint: 'delete the file and download it again',
      });
    }
    if (out.length >= want || part.length === stream.length) return out.subarray(0, want);
  }
  throw new CorruptDatasetError(`${op}: ${file}: the first 16 KiB of compressed data give fewer than ${want} bytes`, {
    op,
    hint: 'the file is not what its name says, or was written by an unusual compressor: gunzip it and read it uncompressed',
  });
}

/**
 * Gunzip `raw`, stopping as soon as the output would pass `max` bytes. With `exact`, the
 * output must be exactly `max` bytes (the size the format's header announces): more is a
 * decompression bomb and less is truncation, both a {@link CorruptDatasetError}. Without it,
 * passing `max` is a {@link LimitExceededError}.
 *
 * @example
 * const tar = gunzipBounded(raw, 200 << 20, 'CIFAR10', 'cifar-10-binary.tar.gz');
 */
export function gunzipBounded(raw: Uint8Array, max: number, op: string, file: string, exact = false): Uint8Array {
  const { zlib } = node();
  deflateStart(raw, op, file);
  try {
    const out = zlib.gunzipSync(raw, { maxOutputLength: Math.max(1, max) });
    if (exact && out.length !== max) {
      throw new CorruptDatasetError(
        `${op}: ${file}: truncated: decompresses to ${fmtInt(out.length)} bytes, its header announces ${fmtInt(max)}`,
        { op, hint: 'delete the file and download it again' },
      );
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  } catch (e) {
    if (e instanceof CorruptDatasetError) throw e;
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      if (exact)
        throw new CorruptDatasetError(
          `${op}: ${file}: decompresses to more than the ${fmtInt(max)} bytes its header announces (a decompression bomb or a damaged file)`,
          { op, hint: 'delete the file and download it again' },
        );
      throw new LimitExceededError(`${op}: ${file}: decompresses to more than ${fmtInt(max)} bytes`, {
        op,
        hint: "if the file is trusted, raise the cap: datasets.setReaderLimits({ maxBytes }) or a dataset's { limits: { maxBytes } }",
      });
    }
    throw new CorruptDatasetError(`${op}: ${file}: gzip data is corrupt or truncated (${(e as Error).message})`, {
      op,
      hint: 'delete the file and download it again',
    });
  }
}
