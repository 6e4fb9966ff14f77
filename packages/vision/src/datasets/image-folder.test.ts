import { execFileSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, symlinkSync, ftruncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import { DataLoader } from '@dl/data';
import { childLines, runChild } from '../__fixtures__/child.js';
import { concat, int, mutate, rng, typedOutcome } from '../__fixtures__/fuzz.js';
import { chunk, ihdr, PNG_SIGNATURE, randomPng } from '../__fixtures__/png-builder.js';
import { CorruptDatasetError, LimitExceededError } from './errors.js';
import { ImageFolder } from './folder.js';
import { readFileBounded } from './io.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const tmp = () => mkdtempSync(join(tmpdir(), 'dl-folder-'));

function jpg(r: () => number, w: number, h: number): Uint8Array {
  const data = Uint8Array.from({ length: w * h * 4 }, () => int(r, 256));
  return new Uint8Array(jpeg.encode({ data, width: w, height: h }, 75).data);
}

describe('ImageFolder end to end on hostile files', () => {
  it('every mutated PNG/JPEG in a class folder is an image or a typed error naming its file', () => {
    const r = rng(9);
    const root = tmp();
    mkdirSync(join(root, 'good'));
    mkdirSync(join(root, 'fuzz'));
    writeFileSync(join(root, 'good', 'a.png'), randomPng(r, true).png);
    writeFileSync(join(root, 'good', 'b.jpg'), jpg(r, 8, 8));
    const pngs = Array.from({ length: 4 }, () => randomPng(r).png);
    const jpgs = [jpg(r, 16, 8), jpg(r, 9, 9)];
    for (let k = 0; k < 120 * SCALE; k++) {
      const png = k % 2 === 0;
      const base = png ? pngs[int(r, pngs.length)]! : jpgs[int(r, jpgs.length)]!;
      writeFileSync(join(root, 'fuzz', `m${String(k).padStart(4, '0')}.${png ? 'png' : 'jpg'}`), mutate(base, r));
    }
    const ds = new ImageFolder({ root, limits: { maxImagePixels: 1 << 16, maxBytes: 1 << 22 } });
    expect(ds.classes).toEqual(['fuzz', 'good']);
    let failed = 0;
    let first: Error | undefined;
    for (let i = 0; i < ds.length; i++) {
      const out = typedOutcome(ds.samples[i]![0], () => ds.getItem(i));
      if (out.ok) expect(out.value[0].data.length).toBe(out.value[0].width * out.value[0].height * 3);
      else {
        failed++;
        first ??= out.error;
        expect(out.error.message).toContain(ds.samples[i]![0]);
      }
    }
    expect(failed).toBeGreaterThan(10);
    expect(ds.getItem(ds.length - 1)[1]).toBe(1);
    // through a DataLoader the first bad file stops the epoch with its typed error
    expect(() => [...new DataLoader(ds, { batchSize: 4, collateFn: (b) => b })]).toThrow(first!.message);
  });

  it('crafted files (process-killing PNG, bombs, /dev/zero, FIFO, 2 GiB file) in a child process that survives', () => {
    const root = tmp();
    const cls = join(root, 'evil');
    mkdirSync(cls);
    const png = (w: number, h: number, colorType: number, idat: Uint8Array) =>
      concat([
        PNG_SIGNATURE,
        chunk('IHDR', ihdr({ width: w, height: h, bitDepth: 8, colorType, interlaced: false })),
        chunk('IDAT', idat),
        chunk('IEND', new Uint8Array(0)),
      ]);
    writeFileSync(join(cls, 'abort.png'), png(89_478_486, 1, 6, deflateSync(new Uint8Array(3))));
    writeFileSync(join(cls, 'bomb.png'), png(32, 32, 2, deflateSync(new Uint8Array(16 << 20))));
    writeFileSync(join(cls, 'wide.png'), png(30000, 30000, 2, deflateSync(new Uint8Array(10))));
    writeFileSync(join(cls, 'ok.png'), png(2, 1, 0, deflateSync(Uint8Array.from([0, 10, 20]))));
    symlinkSync('/dev/zero', join(cls, 'zero.png'));
    symlinkSync(join(cls, 'missing.png'), join(cls, 'dangling.png'));
    const fd = openSync(join(cls, 'huge.png'), 'w');
    ftruncateSync(fd, 2 ** 31); // sparse: 2 GiB declared, nothing on disk
    closeSync(fd);
    let fifo = true;
    try {
      execFileSync('mkfifo', [join(cls, 'fifo.png')]);
    } catch {
      fifo = false; // no mkfifo here: the other cases still run
    }
    const ds = new ImageFolder({ root });
    expect(ds.samples.map((s) => s[0].slice(cls.length + 1))).toEqual(['abort.png', 'bomb.png', 'huge.png', 'ok.png', 'wide.png']); // devices, FIFOs, dangling links skipped
    expect(() => ds.getItem(2)).toThrow(LimitExceededError);
    expect(() => ds.getItem(2)).toThrow(/huge\.png: reading the file needs 2,147,483,648 bytes, over the limit of 1,073,741,824 bytes/);
    const r = runChild('decode-child.ts', ['folder', '[{}]', root]);
    expect([r.status, r.signal], r.stderr.slice(0, 500)).toEqual([0, null]);
    expect(r.stdout).toContain('done');
    const lines = childLines(r.stdout).map((l) => [String(l.name).slice(cls.length + 1), l.ok ?? l.error]);
    expect(lines).toEqual([
      ['abort.png', 'LimitExceededError'],
      ['bomb.png', 'CorruptDatasetError'],
      ['huge.png', 'LimitExceededError'],
      ['ok.png', '2x1'],
      ['wide.png', 'LimitExceededError'],
    ]);
    if (fifo) {
      // read directly, a FIFO is refused at once (opened non-blocking), not waited on
      expect(() => readFileBounded(join(cls, 'fifo.png'), 'test')).toThrow(CorruptDatasetError);
      expect(() => readFileBounded(join(cls, 'fifo.png'), 'test')).toThrow(/fifo\.png is not a regular file/);
    }
    expect(() => readFileBounded(join(cls, 'zero.png'), 'test')).toThrow(/zero\.png is not a regular file/);
    expect(childLines(r.stdout)[1]!.message).toMatch(/bomb\.png: pixel data inflates to more than the 3,104 bytes a 32×32 RGB image holds/);
  });
});
