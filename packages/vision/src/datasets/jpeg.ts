import jpeg from 'jpeg-js';
import type { RawImage } from '../image.js';
import { CorruptDatasetError, LimitExceededError } from './errors.js';
import { checkLimit, resolveLimits, type ReaderLimits } from './limits.js';

/** Does `b` start with a JPEG's SOI marker? */
export function isJpeg(b: Uint8Array): boolean {
  return b.length >= 2 && b[0] === 0xff && b[1] === 0xd8;
}

/** Most scans (SOS segments) a JPEG may have: jpeg-js decodes every scan over the whole frame. */
export const MAX_JPEG_SCANS = 100;

/** What a walk over a JPEG's markers finds (see {@link scanJpeg}). */
export interface JpegLayout {
  /** The first frame header's size, if a frame header comes before the first scan. */
  size: { width: number; height: number } | undefined;
  /** Number of scans (SOS segments). */
  scans: number;
  /** `[start, end)` of every comment (COM) segment, marker included. */
  comments: [number, number][];
}

/** Offset of the next marker after entropy-coded data starting at `i` (or the end). */
function skipEntropy(b: Uint8Array, i: number): number {
  for (;;) {
    const j = b.indexOf(0xff, i);
    if (j < 0 || j + 1 >= b.length) return b.length;
    const m = b[j + 1]!;
    if (m === 0x00 || (m >= 0xd0 && m <= 0xd7) || m === 0xff)
      i = j + 1; // stuffed byte, restart marker, fill
    else return j;
  }
}

/**
 * Walk every marker segment of a JPEG, entropy-coded data included, in one linear pass (each
 * step moves forward, so it ends on any input): the first frame's size, the number of scans
 * and where the comments are. Stops quietly where the file stops making sense; the decoder
 * reports that.
 *
 * @example
 * scanJpeg(bytes); // { size: { width: 640, height: 480 }, scans: 1, comments: [] }
 */
export function scanJpeg(b: Uint8Array): JpegLayout {
  const out: JpegLayout = { size: undefined, scans: 0, comments: [] };
  let off = 2;
  while (off + 4 <= b.length) {
    if (b[off] !== 0xff) return out;
    const m = b[off + 1]!;
    if (m === 0xff) {
      off += 1; // fill byte
      continue;
    }
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd8)) {
      off += 2; // markers without a length
      continue;
    }
    if (m === 0xd9) return out; // end of image
    const len = (b[off + 2]! << 8) | b[off + 3]!;
    if (len < 2 || off + 2 + len > b.length) return out;
    if (m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc && !out.size && !out.scans && len >= 7) {
      out.size = { height: (b[off + 5]! << 8) | b[off + 6]!, width: (b[off + 7]! << 8) | b[off + 8]! };
    }
    if (m === 0xfe) out.comments.push([off, off + 2 + len]);
    off += 2 + len;
    if (m === 0xda) {
      out.scans++;
      off = skipEntropy(b, off);
    }
  }
  return out;
}

/**
 * A JPEG's size from its first frame header, or undefined when none comes before the first scan.
 *
 * @example
 * jpegSize(bytes); // { width: 640, height: 480 }
 */
export function jpegSize(b: Uint8Array): { width: number; height: number } | undefined {
  return scanJpeg(b).size;
}

/** `b` without the `[start, end)` ranges (sorted, disjoint). */
function without(b: Uint8Array, ranges: readonly [number, number][]): Uint8Array {
  const out = new Uint8Array(b.length - ranges.reduce((a, [s, e]) => a + e - s, 0));
  let o = 0;
  let p = 0;
  for (const [s, e] of ranges) {
    out.set(b.subarray(p, s), o);
    o += s - p;
    p = e;
  }
  out.set(b.subarray(p), o);
  return out;
}

/**
 * Decode JPEG bytes to an RGB {@link RawImage} with jpeg-js, after a walk of the markers
 * (`scanJpeg`) has checked the frame size against `limits.maxImagePixels` and
 * `limits.maxBytes` and the number of scans against `MAX_JPEG_SCANS`, and with jpeg-js's
 * own caps (`maxResolutionInMP`, `maxMemoryUsageInMB`) set from the same limits. Comments are
 * dropped first. Every failure is a {@link CorruptDatasetError} or {@link LimitExceededError}.
 *
 * @example
 * const img = decodeJpeg(fs.readFileSync('dog.jpg'), 'dog.jpg');
 */
export function decodeJpeg(bytes: Uint8Array, name = 'image', limits?: Partial<ReaderLimits>): RawImage {
  const op = 'decodeImage';
  const lim = resolveLimits(limits);
  const fail = (why: string) =>
    new CorruptDatasetError(`${op}: cannot decode ${name}: ${why}`, {
      op,
      hint: 'the JPEG file is truncated or corrupt: replace or remove it',
    });
  if (!isJpeg(bytes)) throw fail('no JPEG SOI marker');
  const layout = scanJpeg(bytes);
  const size = layout.size;
  if (layout.scans > MAX_JPEG_SCANS)
    throw fail(
      `${layout.scans} scans, more than the ${MAX_JPEG_SCANS} a JPEG is read with (progressive files have about 10; each scan is decoded over the whole image)`,
    );
  if (size) {
    if (size.width === 0 || size.height === 0) throw fail(`invalid size ${size.width}×${size.height}`);
    checkLimit(lim, 'maxImagePixels', size.width * size.height, op, name, `a ${size.width}×${size.height} image`);
    checkLimit(lim, 'maxBytes', size.width * size.height * 3, op, name, `a ${size.width}×${size.height} RGB image`);
  }
  let img: { width: number; height: number; data: Uint8Array };
  try {
    // comments are dropped before jpeg-js, which would keep each as a string (a file of tiny COM segments would fill the heap)
    img = jpeg.decode(layout.comments.length ? without(bytes, layout.comments) : bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: true,
      maxResolutionInMP: lim.maxImagePixels / 1e6,
      maxMemoryUsageInMB: lim.maxBytes / 2 ** 20,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (/maxResolutionInMP|maxMemoryUsageInMB|allocate enough memory/.test(msg)) {
      throw new LimitExceededError(`${op}: ${name}: decoding needs more than the reader limits allow (jpeg-js: ${msg})`, {
        op,
        hint: "if the file is trusted, raise the cap: datasets.setReaderLimits({ maxImagePixels, maxBytes }) or a dataset's { limits }",
      });
    }
    throw fail(`jpeg-js: ${msg}`);
  }
  const { width, height, data } = img;
  if (!(width > 0 && height > 0) || data.length !== width * height * 3)
    throw fail(`decoded to ${width}×${height} with ${data.length} bytes`);
  if (size && (size.width !== width || size.height !== height))
    throw fail(`decoded size ${width}×${height} differs from the frame header's ${size.width}×${size.height}`);
  return { data, height, width, channels: 3 };
}
