import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { childLines, runChild } from '../__fixtures__/child.js';
import { buildPng, chunk, ihdr, PNG_SIGNATURE, randomPng, rowStarts } from '../__fixtures__/png-builder.js';
import { concat, int, mutate, rng, typedOutcome } from '../__fixtures__/fuzz.js';
import { CorruptDatasetError, LimitExceededError } from './errors.js';
import { decodeImage } from './decode-image.js';
import { pngRawSize, type PngHeader } from './png.js';

/** Cases per fuzz loop (FUZZ_SCALE=20 for a long local run). */
const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
/** Small caps keep the fuzz fast: huge declared sizes fail at the header. */
const SMALL = { maxImagePixels: 1 << 16, maxBytes: 1 << 22 };

/** pngjs's decode as RGB (alpha dropped), the oracle for valid files. */
function pngjsRgb(png: Uint8Array, h: PngHeader): Uint8Array {
  const img = PNG.sync.read(Buffer.from(png), { skipRescale: true });
  const px = h.width * h.height;
  const out = new Uint8Array(px * 3);
  const d = img.data as unknown as ArrayLike<number>;
  const scale = h.bitDepth < 8 && h.colorType !== 3 ? 255 / ((1 << h.bitDepth) - 1) : 1; // skipRescale leaves low-depth gray unscaled
  for (let p = 0; p < px; p++) for (let c = 0; c < 3; c++) out[p * 3 + c] = h.bitDepth === 16 ? d[p * 4 + c]! >> 8 : d[p * 4 + c]! * scale;
  return out;
}

/** The 68-byte PNG that aborts Node inside pngjs 7's sync inflate: RGBA, 89,478,486×1, 3 pixel bytes. */
export function abortPng(): Uint8Array {
  const h: PngHeader = { width: 89_478_486, height: 1, bitDepth: 8, colorType: 6, interlaced: false };
  return concat([PNG_SIGNATURE, chunk('IHDR', ihdr(h)), chunk('IDAT', deflateSync(new Uint8Array(3))), chunk('IEND', new Uint8Array(0))]);
}

describe('PNG decoder', () => {
  it('the 68-byte PNG that aborts pngjs (SIGABRT in zlib) is a typed error in a process that survives', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dl-png-abort-'));
    const png = abortPng();
    expect(png.length).toBe(68);
    const file = join(dir, 'abort.png');
    writeFileSync(file, png);
    const bomb = join(dir, 'bomb.png');
    const h: PngHeader = { width: 64, height: 64, bitDepth: 8, colorType: 6, interlaced: true };
    writeFileSync(
      bomb,
      concat([
        PNG_SIGNATURE,
        chunk('IHDR', ihdr(h)),
        chunk('IDAT', deflateSync(new Uint8Array(8 << 20))),
        chunk('IEND', new Uint8Array(0)),
      ]),
    );
    // what happened before: pngjs 7.0.0 takes the process down (if an upgrade fixes it, drop this check)
    const theirs = spawnSync(
      process.execPath,
      ['-e', `require('pngjs').PNG.sync.read(require('fs').readFileSync(${JSON.stringify(file)}))`],
      { encoding: 'utf8', timeout: 30_000 },
    );
    expect(theirs.signal, theirs.stderr.slice(0, 400)).toBe('SIGABRT');
    // ours, with the default caps and with caps raised past the image (the inflate is still bounded)
    const ours = runChild('decode-child.ts', ['ours', JSON.stringify([{}, { maxImagePixels: 1e9, maxBytes: 2 ** 32 }]), file, bomb]);
    expect([ours.status, ours.signal], ours.stderr).toEqual([0, null]);
    expect(ours.stdout).toContain('done');
    const lines = childLines(ours.stdout);
    expect(lines.map((l) => [l.error, l.typed])).toEqual([
      ['LimitExceededError', true],
      ['CorruptDatasetError', true],
      ['CorruptDatasetError', true],
      ['CorruptDatasetError', true],
    ]);
    expect(lines[0]!.message).toMatch(/abort\.png: a 89478486×1 image needs 89,478,486 pixels, over the limit of 89,478,485/);
    expect(lines[1]!.message).toMatch(/bomb\.png: pixel data inflates to more than the 16,504 bytes a 64×64 RGBA image holds/);
    expect(lines[2]!.message).toMatch(/abort\.png: truncated pixel data: 3 of the 357,913,945 bytes/);
  });

  it('decodes every colour type, bit depth and interlace as pngjs does', () => {
    const r = rng(1);
    for (let k = 0; k < 150 * SCALE; k++) {
      const { png, header } = randomPng(r, true);
      const ours = decodeImage(png, `case ${k}`);
      expect([ours.width, ours.height, ours.channels]).toEqual([header.width, header.height, 3]);
      const want = pngjsRgb(png, header);
      expect(Buffer.from(ours.data).equals(Buffer.from(want)), `case ${k} ${JSON.stringify(header)}`).toBe(true);
    }
  });

  it('expands palettes (indices past the palette are black)', () => {
    const h: PngHeader = { width: 4, height: 1, bitDepth: 2, colorType: 3, interlaced: false };
    const raw = Uint8Array.from([0, 0b00011011]); // indices 0, 1, 2, 3
    const img = decodeImage(buildPng(h, raw, { palette: Uint8Array.from([10, 20, 30, 40, 50, 60, 70, 80, 90]) }));
    expect(Array.from(img.data)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90, 0, 0, 0]);
  });

  it('refuses truncated pixel data instead of returning uninitialised memory', () => {
    const h: PngHeader = { width: 16, height: 16, bitDepth: 8, colorType: 6, interlaced: false };
    const raw = new Uint8Array(pngRawSize(h)).fill(7);
    for (const [off] of rowStarts(h)) raw[off] = 0;
    expect(decodeImage(buildPng(h, raw)).data[0]).toBe(7);
    const short = buildPng(h, raw.subarray(0, raw.length - 100));
    expect(() => decodeImage(short, 'short.png')).toThrow(CorruptDatasetError);
    expect(() => decodeImage(short, 'short.png')).toThrow(/short\.png: truncated pixel data: 940 of the 1,040 bytes/);
    // a file cut inside its IDAT chunk
    const full = buildPng(h, raw);
    expect(() => decodeImage(full.subarray(0, full.length - 30), 'cut.png')).toThrow(/cut\.png: truncated/);
  });

  it('bounds the inflate by the size the header implies (bombs, interlaced bombs, tiny IDAT for 30000×30000)', () => {
    const bomb = deflateSync(new Uint8Array(64 << 20)); // 64 MiB of zeros in ~64 KiB
    for (const interlaced of [false, true]) {
      const h: PngHeader = { width: 16, height: 16, bitDepth: 8, colorType: 0, interlaced };
      const png = concat([PNG_SIGNATURE, chunk('IHDR', ihdr(h)), chunk('IDAT', bomb), chunk('IEND', new Uint8Array(0))]);
      const t0 = performance.now();
      expect(() => decodeImage(png, 'bomb.png')).toThrow(
        /bomb\.png: pixel data inflates to more than the (272|\d+) bytes a 16×16 gray image holds/,
      );
      expect(performance.now() - t0).toBeLessThan(2000);
    }
    const huge: PngHeader = { width: 30000, height: 30000, bitDepth: 8, colorType: 0, interlaced: false };
    const tiny = concat([
      PNG_SIGNATURE,
      chunk('IHDR', ihdr(huge)),
      chunk('IDAT', deflateSync(new Uint8Array(100))),
      chunk('IEND', new Uint8Array(0)),
    ]);
    expect(() => decodeImage(tiny, 'huge.png')).toThrow(LimitExceededError);
    expect(() => decodeImage(tiny, 'huge.png')).toThrow(
      /huge\.png: a 30000×30000 image needs 900,000,000 pixels, over the limit of 89,478,485 pixels \(maxImagePixels\)[\s\S]*hint: .*setReaderLimits\(\{ maxImagePixels: 900000000 \}\)/,
    );
    // with the caps raised, the tiny IDAT is found truncated without allocating the image
    expect(() => decodeImage(tiny, 'huge.png', { maxImagePixels: 1e9, maxBytes: 2 ** 32 })).toThrow(
      /truncated pixel data: 100 of the 900,030,000 bytes/,
    );
  });

  it('keeps nothing per chunk: 200,000 empty IDAT chunks decode like one', () => {
    const h: PngHeader = { width: 3, height: 2, bitDepth: 8, colorType: 2, interlaced: false };
    const raw = Uint8Array.from({ length: pngRawSize(h) }, (_, i) => (i % 10 === 0 ? 0 : i));
    const empty = chunk('IDAT', new Uint8Array(0));
    const many = new Uint8Array(200_000 * empty.length);
    for (let i = 0; i < 200_000; i++) many.set(empty, i * empty.length);
    const png = concat([PNG_SIGNATURE, chunk('IHDR', ihdr(h)), many, chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
    expect(Array.from(decodeImage(png).data)).toEqual(Array.from(decodeImage(buildPng(h, raw)).data));
  });

  it('checks signature, chunk lengths, CRCs, IHDR fields and chunk order', () => {
    const h: PngHeader = { width: 2, height: 2, bitDepth: 8, colorType: 2, interlaced: false };
    const raw = new Uint8Array(pngRawSize(h));
    const idat = chunk('IDAT', deflateSync(raw));
    const end = chunk('IEND', new Uint8Array(0));
    const withHeader = (d: Uint8Array) => concat([PNG_SIGNATURE, chunk('IHDR', d), idat, end]);
    const bad = (png: Uint8Array, re: RegExp) => expect(() => decodeImage(png, 'x.png')).toThrow(re);
    bad(concat([PNG_SIGNATURE, chunk('IHDR', ihdr(h), true), idat, end]), /CRC mismatch in the IHDR chunk/);
    bad(concat([PNG_SIGNATURE, idat, end]), /the first chunk is IDAT, not IHDR/);
    bad(withHeader(ihdr({ ...h, bitDepth: 4 })), /bit depth 4 is invalid for colour type 2/);
    bad(withHeader(ihdr({ ...h, colorType: 5 })), /invalid colour type 5/);
    bad(withHeader(ihdr({ ...h, width: 0 })), /invalid size 0×2/);
    bad(withHeader(ihdr(h).subarray(0, 12)), /IHDR chunk of 12 bytes/);
    bad(concat([PNG_SIGNATURE, chunk('IHDR', ihdr(h)), end]), /no image data/);
    bad(concat([PNG_SIGNATURE, chunk('IHDR', ihdr({ ...h, colorType: 3 })), idat, end]), /without a PLTE/);
    bad(concat([PNG_SIGNATURE, chunk('IHDR', ihdr(h)), chunk('ABCD', new Uint8Array(1)), idat, end]), /unknown critical chunk ABCD/);
    const lying = concat([PNG_SIGNATURE, chunk('IHDR', ihdr(h)), idat, end]);
    new DataView(lying.buffer).setUint32(33, 0xfffffff0); // the IDAT's length
    bad(lying, /the IDAT chunk at byte 33 declares 4,294,967,280 bytes/);
    const badFilter = raw.slice();
    badFilter[0] = 9;
    bad(buildPng(h, badFilter), /unknown filter type 9 in row 0/);
  });

  it('survives seeded mutations with a typed error or a well-formed image', () => {
    const r = rng(2);
    const bases = Array.from({ length: 12 }, () => randomPng(r));
    let ok = 0;
    for (let k = 0; k < 300 * SCALE; k++) {
      const base = bases[int(r, bases.length)]!;
      let png: Uint8Array;
      const mode = int(r, 3);
      if (mode === 0) png = mutate(base.png, r, [16, 20, 24, 25, 26, 27, 28, 33]);
      else if (mode === 1) {
        // mutate the header or raw scanlines, then rebuild with valid CRCs and zlib
        const h = { ...base.header };
        const field = int(r, 4);
        if (field === 0) h.width = [0, 1, h.width + 1, 0x7fffffff, 70000][int(r, 5)]!;
        else if (field === 1) h.height = [0, h.height - 1, h.height + 3, 0xffffffff][int(r, 4)]!;
        else if (field === 2) h.bitDepth = [1, 2, 4, 8, 16, 3, 32][int(r, 7)]!;
        else h.interlaced = !h.interlaced;
        png = concat([
          PNG_SIGNATURE,
          chunk('IHDR', ihdr(h)),
          chunk('IDAT', deflateSync(mutate(base.raw, r))),
          chunk('IEND', new Uint8Array(0)),
        ]);
      } else {
        // a valid container around mutated raw data (bad filter bytes, wrong lengths)
        png = buildPng(base.header, mutate(base.raw, r), { palette: Uint8Array.from({ length: 768 }, (_, i) => i & 255) });
      }
      const out = typedOutcome(`png case ${k}`, () => decodeImage(png, `case-${k}.png`, SMALL));
      if (out.ok) {
        ok++;
        expect(out.value.data.length).toBe(out.value.width * out.value.height * 3);
      } else expect(out.error.message).toContain(`case-${k}.png`);
    }
    expect(ok).toBeGreaterThan(10); // some mutations leave a decodable image: the happy path is exercised too
  });
});
