/** Build PNG files byte by byte for tests: any colour type, depth, interlace, raw scanlines. */
import { deflateSync } from 'node:zlib';
import { crc32, pngRawSize, type PngHeader } from '../datasets/png.js';
import { concat, int } from './fuzz.js';

export const PNG_SIGNATURE = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One chunk: length, type, data, CRC (correct unless `badCrc`). */
export function chunk(type: string, data: Uint8Array, badCrc = false): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const v = new DataView(out.buffer);
  v.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  v.setUint32(8 + data.length, (crc32(out.subarray(4, 8 + data.length)) ^ (badCrc ? 1 : 0)) >>> 0);
  return out;
}

export function ihdr(h: PngHeader): Uint8Array {
  const d = new Uint8Array(13);
  const v = new DataView(d.buffer);
  v.setUint32(0, h.width);
  v.setUint32(4, h.height);
  d.set([h.bitDepth, h.colorType, 0, 0, h.interlaced ? 1 : 0], 8);
  return d;
}

/** A PNG from its header and (filtered) raw scanline bytes, IDAT split in `parts`. */
export function buildPng(h: PngHeader, raw: Uint8Array, opts: { palette?: Uint8Array; parts?: number; extra?: Uint8Array[] } = {}): Uint8Array {
  const z = deflateSync(raw);
  const parts = Math.max(1, opts.parts ?? 1);
  const size = Math.ceil(z.length / parts);
  const idats = Array.from({ length: parts }, (_, i) => chunk('IDAT', z.subarray(i * size, (i + 1) * size)));
  return concat([PNG_SIGNATURE, chunk('IHDR', ihdr(h)), ...(opts.extra ?? []), ...(opts.palette ? [chunk('PLTE', opts.palette)] : []), ...idats, chunk('IEND', new Uint8Array(0))]);
}

const DEPTHS: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };

/** A random valid PNG: random header, palette (all 256 entries with `fullPalette`), filter types 0..4 and bytes, split IDAT. */
export function randomPng(r: () => number, fullPalette = false): { png: Uint8Array; header: PngHeader; raw: Uint8Array } {
  const colorType = [0, 2, 3, 4, 6][int(r, 5)]!;
  const depths = DEPTHS[colorType]!;
  const header: PngHeader = { width: 1 + int(r, 19), height: 1 + int(r, 13), bitDepth: depths[int(r, depths.length)]!, colorType, interlaced: r() < 0.4 };
  const raw = Uint8Array.from({ length: pngRawSize(header) }, () => int(r, 256));
  // set each row's filter byte to 0..4: walk the passes as the decoder does
  for (const [off] of rowStarts(header)) raw[off] = int(r, 5);
  const palette = colorType === 3 ? Uint8Array.from({ length: 3 * (fullPalette ? 256 : 1 + int(r, 256)) }, () => int(r, 256)) : undefined;
  const extra = r() < 0.3 ? [chunk('tEXt', new TextEncoder().encode('Comment\0fuzz'))] : [];
  return { png: buildPng(header, raw, { ...(palette ? { palette } : {}), parts: 1 + int(r, 3), extra }), header, raw };
}

/** Offsets of every row's filter byte in the raw data, with the row's length. */
export function rowStarts(h: PngHeader): [number, number][] {
  const ch = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[h.colorType]!;
  const passes = h.interlaced
    ? [
        [0, 0, 8, 8],
        [4, 0, 8, 8],
        [0, 4, 4, 8],
        [2, 0, 4, 4],
        [0, 2, 2, 4],
        [1, 0, 2, 2],
        [0, 1, 1, 2],
      ]
    : [[0, 0, 1, 1]];
  const out: [number, number][] = [];
  let off = 0;
  for (const [x0, y0, dx, dy] of passes as [number, number, number, number][]) {
    const w = h.width > x0 ? Math.ceil((h.width - x0) / dx) : 0;
    const rows = h.height > y0 ? Math.ceil((h.height - y0) / dy) : 0;
    if (!w || !rows) continue;
    const rb = Math.ceil((w * ch * h.bitDepth) / 8);
    for (let i = 0; i < rows; i++, off += 1 + rb) out.push([off, rb]);
  }
  return out;
}
