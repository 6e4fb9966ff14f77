import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { int, mutate, rng, typedOutcome } from '../__fixtures__/fuzz.js';
import { decodeImage } from './decode-image.js';
import { CorruptDatasetError, LimitExceededError } from './errors.js';
import { jpegSize, scanJpeg } from './jpeg.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const SMALL = { maxImagePixels: 1 << 16, maxBytes: 1 << 22 };

function sample(r: () => number, width: number, height: number, quality: number): Uint8Array {
  const data = Uint8Array.from({ length: width * height * 4 }, (_, i) => ((i >> 2) * 37 + (i & 3) * 80 + int(r, 40)) & 255);
  return new Uint8Array(jpeg.encode({ data, width, height }, quality).data);
}

/** Offsets of the SOF0 frame header's height and width (and of every segment length). */
function hotOffsets(b: Uint8Array): number[] {
  const hot: number[] = [];
  for (let off = 2; off + 4 <= b.length && b[off] === 0xff && b[off + 1] !== 0xda; off += 2 + ((b[off + 2]! << 8) | b[off + 3]!)) {
    hot.push(off + 2);
    if (b[off + 1] === 0xc0) hot.push(off + 5, off + 7, off + 9);
  }
  return hot;
}

describe('JPEG decoder (jpeg-js, bounded)', () => {
  it('decodes valid files and reads the frame size before decoding', () => {
    const b = sample(rng(3), 24, 16, 90);
    expect(jpegSize(b)).toEqual({ width: 24, height: 16 });
    const img = decodeImage(b, 'a.jpg');
    expect([img.width, img.height, img.channels, img.data.length]).toEqual([24, 16, 3, 24 * 16 * 3]);
  });

  it('refuses a frame over the caps before jpeg-js allocates anything', () => {
    const b = sample(rng(4), 16, 16, 80);
    const sof = hotOffsets(b).find((o) => b[o - 1] === 0xc0)!;
    const huge = b.slice();
    new DataView(huge.buffer).setUint16(sof + 3, 65535); // height
    new DataView(huge.buffer).setUint16(sof + 5, 65535); // width
    expect(() => decodeImage(huge, 'huge.jpg')).toThrow(LimitExceededError);
    expect(() => decodeImage(huge, 'huge.jpg')).toThrow(
      /huge\.jpg: a 65535×65535 image needs 4,294,836,225 pixels, over the limit of 89,478,485 pixels/,
    );
    const zero = b.slice();
    new DataView(zero.buffer).setUint16(sof + 3, 0);
    expect(() => decodeImage(zero, 'zero.jpg')).toThrow(/zero\.jpg: invalid size 16×0/);
    // jpeg-js's own memory cap is set from maxBytes
    expect(() => decodeImage(b, 'b.jpg', { maxBytes: 100 })).toThrow(LimitExceededError);
    expect(() => decodeImage(new Uint8Array([0xff, 0xd8, 0xff]), 'stub.jpg')).toThrow(CorruptDatasetError);
  });

  it('drops comments before jpeg-js and refuses files with more than 100 scans', () => {
    const b = sample(rng(10), 16, 16, 85);
    const com = Uint8Array.from([0xff, 0xfe, 0x00, 0x06, 0x41, 0x42, 0x43, 0x44]);
    const many = new Uint8Array(b.length + 20_000 * com.length);
    many.set(b.subarray(0, 2));
    for (let i = 0; i < 20_000; i++) many.set(com, 2 + i * com.length);
    many.set(b.subarray(2), 2 + 20_000 * com.length);
    expect(scanJpeg(many).comments).toHaveLength(20_000);
    expect(Buffer.from(decodeImage(many, 'comments.jpg').data).equals(Buffer.from(decodeImage(b, 'plain.jpg').data))).toBe(true);
    const sos = [0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3f, 0x00, 0x12, 0xff, 0x00, 0x34];
    const scans = Uint8Array.from([0xff, 0xd8, ...Array.from({ length: 101 }, () => sos).flat(), 0xff, 0xd9]);
    expect(scanJpeg(scans).scans).toBe(101);
    expect(() => decodeImage(scans, 'scans.jpg')).toThrow(/scans\.jpg: 101 scans, more than the 100/);
  });

  it('survives seeded mutations with a typed error or a well-formed image', () => {
    const r = rng(5);
    const bases = [sample(r, 16, 16, 90), sample(r, 33, 7, 50), sample(r, 8, 24, 100)];
    let ok = 0;
    for (let k = 0; k < 300 * SCALE; k++) {
      const base = bases[int(r, bases.length)]!;
      const b = mutate(base, r, hotOffsets(base));
      const out = typedOutcome(`jpeg case ${k}`, () => decodeImage(b, `case-${k}.jpg`, SMALL));
      if (out.ok) {
        ok++;
        expect(out.value.data.length).toBe(out.value.width * out.value.height * 3);
      } else expect(out.error.message).toContain(`case-${k}.jpg`);
    }
    expect(ok).toBeGreaterThan(10);
  });
});
