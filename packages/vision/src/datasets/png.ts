import type { RawImage } from '../image.js';
import { CorruptDatasetError } from './errors.js';
import { node } from './node-builtins.js';
import { checkLimit, fmtInt, resolveLimits, type ReaderLimits } from './limits.js';

/** The facts of a PNG's IHDR chunk, validated. */
export interface PngHeader {
  width: number;
  height: number;
  /** Bits per sample: 1, 2, 4, 8 or 16 (as the colour type allows). */
  bitDepth: number;
  /** 0 gray, 2 RGB, 3 palette, 4 gray + alpha, 6 RGBA. */
  colorType: number;
  interlaced: boolean;
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const DEPTHS: Record<number, readonly number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const KIND: Record<number, string> = { 0: 'gray', 2: 'RGB', 3: 'palette', 4: 'gray+alpha', 6: 'RGBA' };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

let CRC_TABLE: Uint32Array | undefined;
/** CRC-32 (ISO 3309), as PNG chunks carry it. */
export function crc32(b: Uint8Array): number {
  if (!CRC_TABLE) {
    CRC_TABLE = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      CRC_TABLE[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < b.length; i++) c = CRC_TABLE[(c ^ b[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function u32(b: Uint8Array, off: number): number {
  return ((b[off]! << 24) | (b[off + 1]! << 16) | (b[off + 2]! << 8) | b[off + 3]!) >>> 0;
}

/** Does `b` start with the PNG signature? */
export function isPng(b: Uint8Array): boolean {
  return b.length >= 8 && SIGNATURE.every((v, i) => b[i] === v);
}

/** Bytes of each (filtered) pass row, and the rows, of a PNG's interlace passes (one when not interlaced). */
function passes(h: PngHeader): { x0: number; y0: number; dx: number; dy: number; w: number; rows: number; rowBytes: number }[] {
  const bits = h.bitDepth * CHANNELS[h.colorType]!;
  const list = h.interlaced ? ADAM7 : ([[0, 0, 1, 1]] as const);
  return list
    .map(([x0, y0, dx, dy]) => {
      const w = h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0;
      const rows = h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0;
      return { x0, y0, dx, dy, w, rows, rowBytes: Math.ceil((w * bits) / 8) };
    })
    .filter((p) => p.w > 0 && p.rows > 0);
}

/**
 * Exactly how many bytes a PNG's image data inflates to: per pass, `rows × (1 + rowBytes)`.
 *
 * @example
 * pngRawSize({ width: 4, height: 3, bitDepth: 8, colorType: 2, interlaced: false }); // 39
 */
export function pngRawSize(h: PngHeader): number {
  return passes(h).reduce((a, p) => a + p.rows * (1 + p.rowBytes), 0);
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decode PNG bytes to an RGB {@link RawImage} (alpha dropped, gray replicated, palette
 * expanded, 16-bit samples reduced to their high byte, as PIL's `convert('RGB')`), without
 * trusting anything the file says: signature, chunk lengths and CRCs, IHDR fields, the pixel
 * count (`limits.maxImagePixels`) and decoded size (`limits.maxBytes`) are checked before any
 * pixel is inflated; the inflate is bounded by exactly the size the header implies, and pixel
 * data that inflates to less or more is an error (no uninitialised or leftover pixels).
 *
 * @example
 * const img = decodePng(fs.readFileSync('cat.png'), 'cat.png'); // { data, height, width, channels: 3 }
 */
export function decodePng(bytes: Uint8Array, name = 'image', limits?: Partial<ReaderLimits>): RawImage {
  const op = 'decodeImage';
  const lim = resolveLimits(limits);
  const fail = (why: string) =>
    new CorruptDatasetError(`${op}: cannot decode ${name}: ${why}`, {
      op,
      hint: 'the PNG file is truncated or corrupt: replace or remove it',
    });
  if (!isPng(bytes)) throw fail('no PNG signature');
  let header: PngHeader | undefined;
  let palette: Uint8Array | undefined;
  let idatBytes = 0;
  let end = bytes.length; // where the chunks stop (after IEND)
  // pass 1: check every chunk; nothing is kept per chunk (a file of a million empty IDATs costs no memory)
  for (let off = 8; off < bytes.length; ) {
    if (off + 12 > bytes.length) throw fail(`truncated: ${bytes.length - off} stray bytes at byte ${fmtInt(off)}, too few for a chunk`);
    const length = u32(bytes, off);
    const type = String.fromCharCode(bytes[off + 4]!, bytes[off + 5]!, bytes[off + 6]!, bytes[off + 7]!);
    if (!/^[A-Za-z]{4}$/.test(type)) throw fail(`bad chunk type at byte ${fmtInt(off)}`);
    if (length > 0x7fffffff || length > bytes.length - off - 12)
      throw fail(
        `truncated: the ${type} chunk at byte ${fmtInt(off)} declares ${fmtInt(length)} bytes, ${fmtInt(bytes.length - off - 12)} remain`,
      );
    const data = bytes.subarray(off + 8, off + 8 + length);
    if (crc32(bytes.subarray(off + 4, off + 8 + length)) !== u32(bytes, off + 8 + length))
      throw fail(`CRC mismatch in the ${type} chunk at byte ${fmtInt(off)}`);
    off += 12 + length;
    if (!header && type !== 'IHDR') throw fail(`the first chunk is ${type}, not IHDR`);
    if (type === 'IHDR') {
      if (header) throw fail('two IHDR chunks');
      header = parseIhdr(data, fail);
      checkLimit(lim, 'maxImagePixels', header.width * header.height, op, name, `a ${header.width}×${header.height} image`);
      checkLimit(
        lim,
        'maxBytes',
        Math.max(header.width * header.height * 3, pngRawSize(header)),
        op,
        name,
        `a ${header.width}×${header.height} ${header.bitDepth}-bit ${KIND[header.colorType]} image`,
      );
    } else if (type === 'PLTE') {
      if (length === 0 || length % 3 !== 0 || length > 768) throw fail(`PLTE chunk of ${length} bytes (must be 3 × 1..256)`);
      palette = data;
    } else if (type === 'IDAT') idatBytes += length;
    else if (type === 'IEND') {
      end = off;
      break;
    } else if (type.charCodeAt(0) < 0x61) throw fail(`unknown critical chunk ${type}`);
  }
  if (!header) throw fail('no IHDR chunk');
  if (header.colorType === 3 && !palette) throw fail('a palette image without a PLTE chunk');
  if (idatBytes === 0) throw fail('no image data (IDAT chunk)');
  const expected = pngRawSize(header);
  // pass 2: gather the IDAT data (at most the file's size)
  const zdata = new Uint8Array(idatBytes);
  for (let off = 8, p = 0; off < end; ) {
    const length = u32(bytes, off);
    if (bytes[off + 4] === 0x49 && bytes[off + 5] === 0x44 && bytes[off + 6] === 0x41 && bytes[off + 7] === 0x54) {
      zdata.set(bytes.subarray(off + 8, off + 8 + length), p);
      p += length;
    }
    off += 12 + length;
  }
  const { zlib } = node();
  let raw: Uint8Array;
  try {
    raw = zlib.inflateSync(zdata, { maxOutputLength: expected });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
      throw fail(
        `pixel data inflates to more than the ${fmtInt(expected)} bytes a ${header.width}×${header.height} ${KIND[header.colorType]} image holds (a decompression bomb or a damaged file)`,
      );
    throw fail(`pixel data is corrupt or truncated (zlib: ${(e as Error).message})`);
  }
  if (raw.length !== expected)
    throw fail(
      `truncated pixel data: ${fmtInt(raw.length)} of the ${fmtInt(expected)} bytes a ${header.width}×${header.height} ${KIND[header.colorType]} image holds`,
    );
  return { data: unfilter(raw, header, palette, fail), height: header.height, width: header.width, channels: 3 };
}

function parseIhdr(d: Uint8Array, fail: (why: string) => Error): PngHeader {
  if (d.length !== 13) throw fail(`IHDR chunk of ${d.length} bytes (must be 13)`);
  const width = u32(d, 0);
  const height = u32(d, 4);
  const [bitDepth, colorType, compression, filter, interlace] = [d[8]!, d[9]!, d[10]!, d[11]!, d[12]!];
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff) throw fail(`invalid size ${width}×${height}`);
  if (!(colorType in DEPTHS)) throw fail(`invalid colour type ${colorType}`);
  if (!DEPTHS[colorType]!.includes(bitDepth))
    throw fail(`bit depth ${bitDepth} is invalid for colour type ${colorType} (${KIND[colorType]})`);
  if (compression !== 0 || filter !== 0) throw fail(`unknown compression (${compression}) or filter method (${filter})`);
  if (interlace > 1) throw fail(`unknown interlace method ${interlace}`);
  return { width, height, bitDepth, colorType, interlaced: interlace === 1 };
}

/** Palette entry `v` at `out[o..o+3]`; indices past the palette stay black, as libpng. */
function setPalette(out: Uint8Array, o: number, palette: Uint8Array, entries: number, v: number): void {
  if (v >= entries) return;
  out[o] = palette[v * 3]!;
  out[o + 1] = palette[v * 3 + 1]!;
  out[o + 2] = palette[v * 3 + 2]!;
}

/** Undo the per-row filters of every pass and write RGB pixels to their place. */
function unfilter(raw: Uint8Array, h: PngHeader, palette: Uint8Array | undefined, fail: (why: string) => Error): Uint8Array {
  const out = new Uint8Array(h.width * h.height * 3);
  const ch = CHANNELS[h.colorType]!;
  const bpp = Math.max(1, (ch * h.bitDepth) >> 3);
  const step = h.bitDepth === 16 ? 2 : 1;
  const maxSample = (1 << h.bitDepth) - 1;
  const entries = palette ? palette.length / 3 : 0;
  let p = 0;
  for (const pass of passes(h)) {
    let prev = new Uint8Array(pass.rowBytes);
    let cur = new Uint8Array(pass.rowBytes);
    for (let r = 0; r < pass.rows; r++) {
      const f = raw[p]!;
      const src = raw.subarray(p + 1, p + 1 + pass.rowBytes);
      p += 1 + pass.rowBytes;
      const n = pass.rowBytes;
      if (f === 0) cur.set(src);
      else if (f === 1) for (let i = 0; i < n; i++) cur[i] = src[i]! + (i >= bpp ? cur[i - bpp]! : 0);
      else if (f === 2) for (let i = 0; i < n; i++) cur[i] = src[i]! + prev[i]!;
      else if (f === 3) for (let i = 0; i < n; i++) cur[i] = src[i]! + (((i >= bpp ? cur[i - bpp]! : 0) + prev[i]!) >> 1);
      else if (f === 4)
        for (let i = 0; i < n; i++) cur[i] = src[i]! + paeth(i >= bpp ? cur[i - bpp]! : 0, prev[i]!, i >= bpp ? prev[i - bpp]! : 0);
      else throw fail(`unknown filter type ${f} in row ${r}`);
      const y = pass.y0 + r * pass.dy;
      const rowOut = (y * h.width + pass.x0) * 3;
      const dOut = pass.dx * 3;
      if (h.bitDepth < 8) {
        for (let k = 0, o = rowOut; k < pass.w; k++, o += dOut) {
          const bit = k * h.bitDepth;
          const v = (cur[bit >> 3]! >> (8 - h.bitDepth - (bit & 7))) & maxSample;
          if (h.colorType === 3) setPalette(out, o, palette!, entries, v);
          else out[o] = out[o + 1] = out[o + 2] = (v * 255) / maxSample;
        }
      } else if (h.colorType === 0 || h.colorType === 4) {
        const d = ch * step;
        for (let k = 0, o = rowOut, s = 0; k < pass.w; k++, o += dOut, s += d) out[o] = out[o + 1] = out[o + 2] = cur[s]!;
      } else if (h.colorType === 3) {
        for (let k = 0, o = rowOut; k < pass.w; k++, o += dOut) setPalette(out, o, palette!, entries, cur[k]!);
      } else {
        const d = ch * step;
        for (let k = 0, o = rowOut, s = 0; k < pass.w; k++, o += dOut, s += d) {
          out[o] = cur[s]!;
          out[o + 1] = cur[s + step]!;
          out[o + 2] = cur[s + 2 * step]!;
        }
      }
      [prev, cur] = [cur, prev];
    }
  }
  return out;
}
