import { mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mutate, rng, typedOutcome } from '../__fixtures__/fuzz.js';
import { buildTar, fixChecksum, paxBody, type TarMember } from '../__fixtures__/tar-builder.js';
import { CorruptDatasetError, LimitExceededError, UnsafeArchiveError } from './errors.js';
import { listTar, untar } from './tar.js';

const SCALE = Number(process.env.FUZZ_SCALE ?? 1);
const enc = (s: string) => new TextEncoder().encode(s);
const tmp = () => mkdtempSync(join(tmpdir(), 'dl-tar-'));

describe('untar', () => {
  it('extracts folders and files (ustar prefix, pax path, GNU long names)', () => {
    const long = `${'d'.repeat(120)}/file.bin`;
    const tar = buildTar([
      { name: 'cifar-10-batches-bin/', type: '5' },
      { name: 'data_batch_1.bin', prefix: 'cifar-10-batches-bin', data: enc('one') },
      { name: 'PaxHeader', type: 'x', data: paxBody({ path: 'pax/named.txt' }) },
      { name: 'ignored-short-name', data: enc('pax') },
      { name: '././@LongLink', type: 'L', data: enc(`${long}\0`) },
      { name: 'truncated-name', data: enc('long') },
    ]);
    expect(listTar(tar).map((e) => [e.type, e.name, e.size])).toEqual([
      ['directory', 'cifar-10-batches-bin', 0],
      ['file', 'cifar-10-batches-bin/data_batch_1.bin', 3],
      ['file', 'pax/named.txt', 3],
      ['file', long, 4],
    ]);
    const dest = tmp();
    expect(untar(tar, dest)).toHaveLength(3);
    expect(readFileSync(join(dest, 'cifar-10-batches-bin', 'data_batch_1.bin'), 'utf8')).toBe('one');
    expect(readFileSync(join(dest, 'pax', 'named.txt'), 'utf8')).toBe('pax');
    expect(readFileSync(join(dest, ...long.split('/')), 'utf8')).toBe('long');
    expect(readdirSync(dest, { recursive: true }).filter((f) => String(f).endsWith('.part'))).toEqual([]);
  });

  it("refuses '../data-evil/x' into 'data', absolute paths, links and devices, writing nothing", () => {
    const parent = tmp();
    const dest = join(parent, 'data');
    mkdirSync(dest);
    const evil = (m: TarMember, re: RegExp) => {
      const tar = buildTar([{ name: 'ok.txt', data: enc('fine') }, m, { name: 'after.txt', data: enc('next') }]);
      expect(() => untar(tar, dest)).toThrow(UnsafeArchiveError);
      expect(() => untar(tar, dest)).toThrow(re);
    };
    evil({ name: '../data-evil/x', data: enc('x') }, /"\.\.\/data-evil\/x" at byte 1024 has a '\.\.' component/);
    evil({ name: 'a/../../data-evil/y', data: enc('x') }, /'\.\.' component/);
    evil({ name: 'x', prefix: '..', data: enc('x') }, /'\.\.' component/);
    evil({ name: '/etc/passwd', data: enc('x') }, /is an absolute path/);
    evil({ name: 'C:/x', data: enc('x') }, /is an absolute path/);
    evil({ name: 'link', type: '2', linkname: '/etc/passwd' }, /"link" is a symbolic link; links are never extracted/);
    evil({ name: 'hard', type: '1', linkname: 'ok.txt' }, /is a hard link/);
    evil({ name: 'fifo', type: '6' }, /is a device or FIFO/);
    evil({ name: 'PaxHeader', type: 'x', data: paxBody({ path: '../data-evil/z' }) }, /'\.\.' component/);
    expect(readdirSync(parent)).toEqual(['data']);
    expect(readdirSync(dest)).toEqual([]); // checked before writing: not even ok.txt
  });

  it('parses sizes strictly: negative, non-octal and overflowing sizes, bad checksums, truncation', () => {
    const bad = (m: TarMember, re: RegExp) => {
      const tar = buildTar([m]);
      expect(() => listTar(tar, { file: 't.tar' })).toThrow(CorruptDatasetError);
      expect(() => listTar(tar, { file: 't.tar' })).toThrow(re);
    };
    bad(
      { name: 'neg', sizeBytes: Uint8Array.from({ length: 12 }, () => 0xff) },
      /size field uses the base-256 encoding \(negative or over 8 GiB\)/,
    );
    bad({ name: 'neg', sizeField: '-0000000001\0' }, /size field "-0000000001\\u0000" is not an octal number/);
    bad({ name: 'dec', sizeField: '0000000009\0\0' }, /is not an octal number/);
    bad({ name: 'big', sizeField: '77777777777\0' }, /t\.tar: header at byte 0: member declares 8,589,934,591 bytes but only 1,024 remain/);
    bad({ name: 'sum', data: enc('x'), badChecksum: true }, /checksum \d+ does not match/);
    const good = buildTar([{ name: 'a', data: enc('hello') }]);
    expect(() => listTar(good.subarray(0, 700))).toThrow(/truncated/);
    expect(listTar(good.subarray(0, 1024)).map((e) => e.name)).toEqual(['a']); // without end blocks, as GNU tar
  });

  it('bounds entries and bytes', () => {
    const many = buildTar(Array.from({ length: 50 }, (_, i) => ({ name: `f${i}`, data: enc('x') })));
    expect(() => listTar(many, { limits: { maxTarEntries: 20 }, file: 'many.tar' })).toThrow(LimitExceededError);
    expect(() => listTar(many, { limits: { maxTarEntries: 20 }, file: 'many.tar' })).toThrow(
      /many\.tar: listing the archive needs 21 entries, over the limit of 20 entries/,
    );
    expect(() => listTar(many, { limits: { maxBytes: 10 } })).toThrow(/the members' data needs 11 bytes/);
  });

  it('survives seeded mutations with a typed error and always terminates', () => {
    const r = rng(7);
    const base = buildTar([
      { name: 'dir/', type: '5' },
      { name: 'a.bin', prefix: 'dir', data: Uint8Array.from({ length: 700 }, (_, i) => i & 255) },
      { name: 'PaxHeader', type: 'x', data: paxBody({ path: 'dir/p.txt', size: '3' }) },
      { name: 'p', data: enc('abc') },
      { name: 'b.txt', data: enc('bee') },
    ]);
    const headers = [0, 512, 2048, 2560, 3072];
    const hot = headers.flatMap((h) => [h, h + 124, h + 128, h + 132, h + 148, h + 156, h + 345]);
    let ok = 0;
    for (let k = 0; k < 300 * SCALE; k++) {
      const b = mutate(base, r, hot);
      // half the cases fix the checksums, so the mutation reaches the fields behind them
      if (r() < 0.5)
        for (const h of headers)
          if (h + 512 <= b.length && b.subarray(h, h + 512).some((x) => x !== 0)) fixChecksum(b.subarray(h, h + 512));
      const out = typedOutcome(`tar case ${k}`, () => listTar(b, { file: `case-${k}.tar`, limits: { maxTarEntries: 64 } }));
      if (out.ok) {
        ok++;
        for (const e of out.value) {
          expect(e.offset + e.size).toBeLessThanOrEqual(b.length);
          expect(e.name.split('/')).not.toContain('..');
          expect(e.name.startsWith('/')).toBe(false);
        }
      } else expect(out.error.message).toContain(`case-${k}.tar`);
      if (k % 30 === 0 && out.ok) {
        // extraction of what passed: inside dest only (or a typed error, e.g. a file and a folder of one name)
        const dest = tmp();
        const wrote = typedOutcome(`untar case ${k}`, () => untar(b, dest));
        if (wrote.ok) for (const f of wrote.value) expect(f.startsWith(dest + '/')).toBe(true);
      }
    }
    expect(ok).toBeGreaterThan(10);
  });
});
