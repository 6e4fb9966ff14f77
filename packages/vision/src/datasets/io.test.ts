import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '@dl/tensor';
import { describe, expect, it } from 'vitest';
import { DownloadError } from './errors.js';
import { downloadFile, writeFileAtomic } from './io.js';
import { DEFAULT_READER_LIMITS, getReaderLimits, resolveLimits, setReaderLimits } from './limits.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dl-io-'));

describe('reader limits', () => {
  it('set, read, override and restore the process-wide caps; reject nonsense', () => {
    expect(getReaderLimits()).toEqual({ maxBytes: 2 ** 30, maxImagePixels: 89_478_485, maxTarEntries: 100_000 });
    const before = setReaderLimits({ maxImagePixels: 1000 });
    try {
      expect(getReaderLimits().maxImagePixels).toBe(1000);
      expect(resolveLimits({ maxBytes: 5 })).toEqual({ ...DEFAULT_READER_LIMITS, maxImagePixels: 1000, maxBytes: 5 });
    } finally {
      setReaderLimits(before);
    }
    expect(getReaderLimits()).toEqual(DEFAULT_READER_LIMITS);
    expect(() => setReaderLimits({ maxBytes: -1 })).toThrow(ArgumentError);
    expect(() => setReaderLimits({ maxBytes: 2 ** 33 })).toThrow(/maxBytes must be an integer in 1\.\.4294967296/);
    expect(() => resolveLimits({ maxPixels: 3 } as never)).toThrow(/unknown limit 'maxPixels'/);
  });
});

describe('writeFileAtomic', () => {
  it('replaces the file, leaves no temp file, removes stale ones of dead processes, cleans up on failure', () => {
    const dir = tmp();
    const file = join(dir, 'out.bin');
    writeFileSync(file, 'old');
    writeFileSync(join(dir, 'out.bin.999999999.0.part'), 'stale'); // no such pid
    writeFileSync(join(dir, `out.bin.${process.pid}.77.part`), 'ours, live'); // a live process's: kept
    writeFileAtomic(file, new TextEncoder().encode('new'));
    expect(readFileSync(file, 'utf8')).toBe('new');
    expect(readdirSync(dir).sort()).toEqual(['out.bin', `out.bin.${process.pid}.77.part`]);
    const asDir = join(dir, 'folder');
    mkdirSync(join(asDir, 'x'), { recursive: true });
    expect(() => writeFileAtomic(asDir, new Uint8Array(3))).toThrow(); // rename over a non-empty folder fails
    expect(readdirSync(dir).filter((f) => f.startsWith('folder.'))).toEqual([]);
  });
});

describe('downloadFile', () => {
  it('stops reading a body past maxBytes', async () => {
    const realFetch = globalThis.fetch;
    const chunks = 100;
    globalThis.fetch = (async () =>
      new Response(
        new ReadableStream({
          pull(c) {
            c.enqueue(new Uint8Array(1 << 16));
          },
        }),
      )) as typeof fetch;
    const dir = tmp();
    try {
      await expect(downloadFile('http://x/endless', join(dir, 'x'), { maxBytes: chunks << 16 })).rejects.toThrow(DownloadError);
      await expect(downloadFile('http://x/endless', join(dir, 'x'), { maxBytes: chunks << 16 })).rejects.toThrow(
        /more than 6,553,600 bytes received/,
      );
      globalThis.fetch = (async () => new Response('x'.repeat(100), { headers: { 'content-length': '100' } })) as typeof fetch;
      await expect(downloadFile('http://x/big', join(dir, 'y'), { maxBytes: 10 })).rejects.toThrow(
        /announces 100 bytes, over the limit of 10/,
      );
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(readdirSync(dir)).toEqual([]);
  });
});
