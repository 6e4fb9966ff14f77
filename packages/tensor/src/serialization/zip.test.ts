import { describe, expect, it } from 'vitest';
import { crc32 } from './crc32.js';
import { LimitError, SerializationError } from './errors.js';
import { ByteBudget, resolveLimits } from './limits.js';
import { readEntry, readZip } from './zip-reader.js';
import { writeZip } from './zip-writer.js';
import { deflatedZip } from './test-files.js';

const enc = new TextEncoder();
const limits = resolveLimits();

describe('zip writer and reader', () => {
  it("crc32 is zip's", () => {
    expect(crc32(enc.encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    // slicing-by-8 agrees with zlib's crc32 on every length and alignment
    const data = Uint8Array.from({ length: 1000 }, (_, i) => (i * 2654435761) >>> 24);
    for (const [from, to, want] of [
      [0, 1000, 0x77b6fa33],
      [3, 1000, 0x48a2e593],
      [1, 8, 0x4e541504],
      [5, 21, 0x8cdbc625],
    ] as const) {
      expect(crc32(data.subarray(from, to)), `${from}..${to}`).toBe(want >>> 0);
    }
    expect(crc32(data.subarray(500), crc32(data.subarray(0, 500)))).toBe(0x77b6fa33);
  });

  it('round-trips entries, data aligned to 64 bytes as torch writes it', async () => {
    const inputs = [
      { name: 'archive/data.pkl', data: enc.encode('pickle bytes') },
      { name: 'archive/data/0', data: new Uint8Array(100).map((_, i) => i) },
      { name: 'archive/data/1', data: new Uint8Array(0) },
      { name: 'archive/ünïcode', data: enc.encode('x') },
    ];
    const zip = readZip(writeZip(inputs), limits, 'load');
    expect(zip.entries.map((e) => e.name)).toEqual(inputs.map((e) => e.name));
    for (const [i, e] of zip.entries.entries()) {
      if (e.size) expect(e.dataOffset % 64).toBe(0);
      expect([...(await readEntry(zip, e, new ByteBudget(1e9, 'load'), 'load'))]).toEqual([...inputs[i]!.data]);
    }
  });

  it('reads deflated entries, bounded by maxBytes', async () => {
    const body = new Uint8Array(5000).fill(7);
    const bytes = deflatedZip('a/big', body);
    const zip = readZip(bytes, limits, 'load');
    expect([...(await readEntry(zip, zip.entries[0]!, new ByteBudget(1e9, 'load'), 'load'))]).toEqual([...body]);
    await expect(readEntry(zip, zip.entries[0]!, new ByteBudget(4000, 'load'), 'load')).rejects.toThrow(LimitError);
  });

  it('a deflated entry that inflates past its declared size is refused (bomb)', async () => {
    const bytes = deflatedZip('a/bomb', new Uint8Array(1 << 20), 1000);
    const zip = readZip(bytes, limits, 'load');
    await expect(readEntry(zip, zip.entries[0]!, new ByteBudget(1e9, 'load'), 'load')).rejects.toThrow(/inflates past its declared size/);
  });

  it('checks CRCs, duplicate names, overlaps, counts and offsets with typed errors', async () => {
    const good = writeZip([
      { name: 'a/x', data: enc.encode('hello') },
      { name: 'a/y', data: enc.encode('world') },
    ]);
    const flipped = good.slice();
    flipped[good.indexOf(0x68, 30)]! ^= 1; // the h of hello
    const z = readZip(flipped, limits, 'load');
    await expect(readEntry(z, z.entries[0]!, new ByteBudget(1e9, 'load'), 'load')).rejects.toThrow(/CRC-32/);
    const dup = writeZip([
      { name: 'a/x', data: enc.encode('1') },
      { name: 'a/x', data: enc.encode('2') },
    ]);
    expect(() => readZip(dup, limits, 'load')).toThrow(/two entries named/);
    expect(() => readZip(good, { ...limits, maxEntries: 1 }, 'load')).toThrow(LimitError);
    expect(() => readZip(good.subarray(0, good.length - 1), limits, 'load')).toThrow(SerializationError);
    expect(() => readZip(enc.encode('not a zip at all, not at all'), limits, 'load')).toThrow(/no end-of-central-directory/);
    // the second central record points at the first local header: names disagree
    const overlap = good.slice();
    const dv = new DataView(overlap.buffer);
    const cd = dv.getUint32(overlap.length - 6, true);
    const second = cd + 46 + 3;
    dv.setUint32(second + 42, 0, true);
    expect(() => readZip(overlap, limits, 'load')).toThrow(SerializationError);
  });

  it('refuses encrypted entries and unknown methods', () => {
    const bytes = writeZip([{ name: 'a/x', data: enc.encode('hello') }]);
    const dv = new DataView(bytes.buffer);
    const cd = dv.getUint32(bytes.length - 6, true);
    const enc1 = bytes.slice();
    new DataView(enc1.buffer).setUint16(cd + 8, 1, true);
    expect(() => readZip(enc1, limits, 'load')).toThrow(/encrypted/);
    const m = bytes.slice();
    new DataView(m.buffer).setUint16(cd + 10, 12, true);
    expect(() => readZip(m, limits, 'load')).toThrow(/compression method 12/);
  });
});
