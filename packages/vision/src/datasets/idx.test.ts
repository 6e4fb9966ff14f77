import { constants, deflateRawSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { concat, int, mutate, rng, typedOutcome } from '../__fixtures__/fuzz.js';
import { CorruptDatasetError, LimitExceededError } from './errors.js';
import { encodeIdx, readIdx } from './idx.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);

/**
 * A gzip member whose header part is `head` and which then inflates `zeroMiB` MiB of zeros,
 * built from one 64 MiB full-flushed deflate block sequence repeated (about 1/1000 the size).
 */
function gzipBomb(head: Uint8Array, zeroMiB: number): Uint8Array {
  const flush = { finishFlush: constants.Z_FULL_FLUSH };
  const block = deflateRawSync(new Uint8Array(Math.min(zeroMiB, 64) << 20), flush);
  const reps = Math.ceil(zeroMiB / 64);
  const header = Uint8Array.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]);
  const final = Uint8Array.from([0x03, 0x00]); // an empty final block
  const trailer = new Uint8Array(8); // CRC and size are never reached: the inflate stops first
  return concat([header, deflateRawSync(head, flush), ...Array.from({ length: reps }, () => block), final, trailer]);
}

describe('IDX reader (plain and gzipped)', () => {
  const imgs = Uint8Array.from({ length: 5 * 28 * 28 }, (_, i) => i & 255);
  const idx = encodeIdx([5, 28, 28], imgs);

  it('reads plain and gzipped files alike', () => {
    expect(readIdx(idx, 'a', 3).dims).toEqual([5, 28, 28]);
    expect(Buffer.from(readIdx(gzipSync(idx), 'a.gz', 3).data).equals(Buffer.from(imgs))).toBe(true);
  });

  it('bounds the inflate by the header: a 2 MB .gz that inflates to 2 GiB stops at the announced size', () => {
    const bomb = gzipBomb(encodeIdx([60000, 28, 28], new Uint8Array(0)), 2048);
    expect(bomb.length).toBeLessThan(2.2e6);
    const t0 = performance.now();
    expect(() => readIdx(bomb, 'train-images-idx3-ubyte.gz', 3)).toThrow(CorruptDatasetError);
    expect(() => readIdx(bomb, 'train-images-idx3-ubyte.gz', 3)).toThrow(
      /decompresses to more than the 47,040,016 bytes its header announces/,
    );
    expect(performance.now() - t0).toBeLessThan(5000);
    // a header announcing more than the cap fails before inflating anything
    const big = gzipBomb(encodeIdx([100_000, 128, 128], new Uint8Array(0)), 1);
    expect(() => readIdx(big, 'big.gz', 3)).toThrow(LimitExceededError);
    expect(() => readIdx(big, 'big.gz', 3)).toThrow(
      /big\.gz: an IDX payload of 100000×128×128 needs 1,638,400,016 bytes, over the limit of 1,073,741,824 bytes \(maxBytes\)/,
    );
    expect(() => readIdx(encodeIdx([0xffffffff, 0xffffffff, 0xffffffff], new Uint8Array(0)), 'huge', 3)).toThrow(LimitExceededError);
    // a short stream is truncation
    expect(() => readIdx(gzipSync(idx.subarray(0, 1000)), 'short.gz', 3)).toThrow(
      /short\.gz.*truncated: decompresses to 1,000 bytes, its header announces 3,936/,
    );
  });

  it('survives seeded mutations (plain and gzip) with a typed error or exact data', () => {
    const r = rng(6);
    const gz = gzipSync(idx);
    const hot = [0, 1, 2, 3, 4, 5, 6, 7, 8, 12];
    let ok = 0;
    for (let k = 0; k < 300 * SCALE; k++) {
      const mode = int(r, 3);
      const b =
        mode === 0
          ? mutate(idx, r, hot)
          : mode === 1
            ? mutate(gz, r, [3, 4, 9, gz.length - 4, gz.length - 8])
            : gzipSync(mutate(idx, r, hot));
      const out = typedOutcome(`idx case ${k}`, () => readIdx(b, `case-${k}`, 3, { maxBytes: 1 << 24 }));
      if (out.ok) {
        ok++;
        expect(out.value.data.length).toBe(out.value.dims.reduce((a, d) => a * d, 1));
      } else expect(out.error.message).toContain(`case-${k}`);
    }
    expect(ok).toBeGreaterThan(10);
  });
});
