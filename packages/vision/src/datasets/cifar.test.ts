import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { int, mutate, rng, typedOutcome } from '../__fixtures__/fuzz.js';
import { buildTar } from '../__fixtures__/tar-builder.js';
import type { RawImage } from '../image.js';
import { CIFAR10 } from './cifar.js';
import { CorruptDatasetError, LimitExceededError, UnsafeArchiveError } from './errors.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const RECORD = 3073;
const tmp = () => mkdtempSync(join(tmpdir(), 'dl-cifar-'));
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');

function batch(n: number, first: number): Uint8Array {
  const out = new Uint8Array(n * RECORD);
  for (let i = 0; i < n; i++) {
    out[i * RECORD] = (first + i) % 10;
    out.fill((first + i) & 255, i * RECORD + 1, (i + 1) * RECORD);
  }
  return out;
}

/** The six batch files: data_batch_k with `sizes[k-1]` records, test_batch with 2. */
function batches(sizes = [1, 3, 2, 3, 1]): Record<string, Uint8Array> {
  const files: Record<string, Uint8Array> = { 'test_batch.bin': batch(2, 100) };
  let first = 0;
  sizes.forEach((n, k) => {
    files[`data_batch_${k + 1}.bin`] = batch(n, first);
    first += n;
  });
  return files;
}

function writeBatches(root: string, files: Record<string, Uint8Array>): void {
  mkdirSync(join(root, 'cifar-10-batches-bin'), { recursive: true });
  for (const [f, b] of Object.entries(files)) writeFileSync(join(root, 'cifar-10-batches-bin', f), b);
}

/** CIFAR10 trusting a test archive's checksum. */
function trusting(archive: Uint8Array): typeof CIFAR10 {
  return class TestCIFAR10<X = RawImage, Y = number> extends CIFAR10<X, Y> {
    static override readonly md5: string = md5(archive);
  };
}

describe('CIFAR10 hardened', () => {
  it('indexes batch files of different sizes (each record where it is)', () => {
    const root = tmp();
    writeBatches(root, batches());
    const ds = new CIFAR10({ root, train: true });
    expect(ds.length).toBe(10);
    for (let i = 0; i < 10; i++) {
      const [img, y] = ds.getItem(i);
      expect([y, img.data[0], img.data.length]).toEqual([i % 10, i, 3072]);
    }
    expect(() => ds.getItem(10)).toThrow(/index 10 is out of range for 10 images/);
  });

  it('verifies an archive already in root against its md5 before extracting anything', async () => {
    const root = tmp();
    writeFileSync(
      join(root, 'cifar-10-binary.tar.gz'),
      gzipSync(buildTar([{ name: 'cifar-10-batches-bin/test_batch.bin', data: batch(1, 0) }])),
    );
    const err = await CIFAR10.create({ root, download: true }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CorruptDatasetError);
    expect(String(err)).toMatch(
      /cifar-10-binary\.tar\.gz is corrupt or not the CIFAR-10 binary archive \(md5 [0-9a-f]{32}, expected c32a1d4ab5d03f1284b67883e8d87530\); nothing was extracted/,
    );
    expect(String(err)).toMatch(
      /hint: delete it and run .*CIFAR10\.create\(\{ root: .*, download: true \}\).* to download it again from https:\/\/www\.cs\.toronto\.edu/,
    );
    expect(readdirSync(root)).toEqual(['cifar-10-binary.tar.gz']);
  });

  it('extracts a verified archive; bombs and unsafe entries in a verified archive still fail typed', async () => {
    const files = batches([2, 2, 2, 2, 2]);
    const tar = buildTar(Object.entries(files).map(([f, data]) => ({ name: `cifar-10-batches-bin/${f}`, data })));
    const gz = gzipSync(tar);
    const root = tmp();
    writeFileSync(join(root, 'cifar-10-binary.tar.gz'), gz);
    const ds = await trusting(gz).create({ root, train: false, download: true });
    expect(ds.length).toBe(2);
    // a gzip bomb (checksum matching, as if the published one were replaced) stops at the cap
    const bomb = gzipSync(new Uint8Array(8 << 20));
    const broot = tmp();
    writeFileSync(join(broot, 'cifar-10-binary.tar.gz'), bomb);
    const berr = await trusting(bomb)
      .create({ root: broot, download: true, limits: { maxBytes: 1 << 20 } })
      .catch((e: unknown) => e);
    expect(berr).toBeInstanceOf(LimitExceededError);
    expect(String(berr)).toMatch(/cifar-10-binary\.tar\.gz: decompresses to more than 1,048,576 bytes/);
    const evil = gzipSync(buildTar([{ name: '../cifar-evil/x.bin', data: batch(1, 0) }]));
    const eroot = tmp();
    writeFileSync(join(eroot, 'cifar-10-binary.tar.gz'), evil);
    await expect(trusting(evil).create({ root: eroot, download: true })).rejects.toThrow(UnsafeArchiveError);
    expect(readdirSync(eroot)).toEqual(['cifar-10-binary.tar.gz']);
  });

  it('survives seeded mutations of the record files with a typed error or well-formed items', () => {
    const r = rng(8);
    const files = batches([2, 2, 2, 2, 2]);
    let ok = 0;
    for (let k = 0; k < 100 * SCALE; k++) {
      const root = tmp();
      const name = `data_batch_${1 + int(r, 5)}.bin`;
      const b = files[name]!;
      writeBatches(root, { ...files, [name]: mutate(b, r, [0, RECORD, RECORD - 1, RECORD + 1]) });
      const out = typedOutcome(`cifar case ${k}`, () => new CIFAR10({ root, train: true }));
      if (!out.ok) {
        expect(out.error.message).toContain(name);
        continue;
      }
      ok++;
      for (let i = 0; i < out.value.length; i++) {
        const [img, y] = out.value.getItem(i);
        expect(img.data.length).toBe(3072);
        expect(y).toBeLessThanOrEqual(9);
      }
    }
    expect(ok).toBeGreaterThan(10);
  });
});
