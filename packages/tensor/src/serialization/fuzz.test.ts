/**
 * Fuzz tests (DESIGN.md: files from outside are hostile). Seeded mutations of valid files —
 * bit flips, truncations, inserted and deleted bytes, huge little-endian numbers, spliced ranges,
 * header numbers replaced — and crafted bombs, through the safetensors reader, the zip reader and
 * the restricted unpickler. Every failure must be a typed dl error (never a RangeError,
 * TypeError, hang or giant allocation); files are loaded with a 4 MiB `maxBytes`.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dl from '../everything.js';
import { ByteWriter } from './bytes.js';
import { resolveLimits } from './limits.js';
import { toyBackend } from '../testing/toy-backend.js';
import { DTYPES } from '../dtype.js';

import { deflatedZip } from './test-files.js';
import { readZip } from './zip-reader.js';
import { writeZip } from './zip-writer.js';

const fx = (name: string) => new Uint8Array(readFileSync(new URL(`./fixtures/${name}`, import.meta.url)));
const OPTS = { maxBytes: 4 * 2 ** 20 };
/** Mutations per reader; DL_FUZZ_N and DL_FUZZ_SEED run a longer campaign by hand. */
const N = Number(process.env.DL_FUZZ_N ?? 300);
const SEED = Number(process.env.DL_FUZZ_SEED ?? 0);

beforeAll(() => dl.registerBackend(toyBackend('cpu', DTYPES)));

/** mulberry32: a small seeded generator. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0x10000, 2 ** 31 + 7];

/** One random mutation; `hot` biases positions to [hot, end) half the time (zip directories). */
function mutate(src: Uint8Array, r: () => number, hot = 0): Uint8Array {
  const pos = (n = src.length) => Math.floor(hot && r() < 0.5 ? hot + r() * (n - hot) : r() * n) | 0;
  const b = src.slice();
  switch (Math.floor(r() * 7)) {
    case 0: // flip bits
      for (let k = 1 + Math.floor(r() * 8); k > 0; k--) b[pos()]! ^= 1 << Math.floor(r() * 8);
      return b;
    case 1: // special bytes
      for (let k = 1 + Math.floor(r() * 4); k > 0; k--) b[pos()] = [0, 0xff, 0x7f, 0x80, Math.floor(r() * 256)][Math.floor(r() * 5)]!;
      return b;
    case 2: // truncate
      return b.subarray(0, pos());
    case 3: {
      // insert random bytes
      const at = pos();
      const ins = Uint8Array.from({ length: 1 + Math.floor(r() * 16) }, () => Math.floor(r() * 256));
      const out = new Uint8Array(b.length + ins.length);
      out.set(b.subarray(0, at));
      out.set(ins, at);
      out.set(b.subarray(at), at + ins.length);
      return out;
    }
    case 4: {
      // delete a range
      const at = pos();
      const end = Math.min(b.length, at + 1 + Math.floor(r() * 32));
      const out = new Uint8Array(b.length - (end - at));
      out.set(b.subarray(0, at));
      out.set(b.subarray(end), at);
      return out;
    }
    case 5: {
      // a huge number where a size or offset may be
      const at = pos(Math.max(1, b.length - 8));
      const dv = new DataView(b.buffer);
      if (at + 8 <= b.length && r() < 0.3)
        dv.setBigUint64(at, [2n ** 63n, 2n ** 53n, 2n ** 64n - 1n, 2n ** 32n][Math.floor(r() * 4)]!, true);
      else if (at + 4 <= b.length) dv.setUint32(at, HUGE[Math.floor(r() * HUGE.length)]!, true);
      return b;
    }
    default: {
      // splice a copy of one range over another
      const from = pos();
      const to = pos();
      const n = Math.min(1 + Math.floor(r() * 64), b.length - from, b.length - to);
      if (n > 0) b.copyWithin(to, from, from + n);
      return b;
    }
  }
}

/** Run `f`; anything thrown must be a DLError. Returns 'ok' or the error class name. */
async function typed(f: () => Promise<unknown> | unknown, label: string): Promise<string> {
  try {
    const v = await f();
    disposeAll(v);
    return 'ok';
  } catch (e) {
    if (!(e instanceof dl.DLError))
      throw new Error(`${label}: not a typed dl error: ${(e as Error)?.name}: ${(e as Error)?.message}`, { cause: e });
    return e.name;
  }
}

function disposeAll(v: unknown, seen = new Set<unknown>()): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (v instanceof dl.Tensor) return v.dispose();
  for (const x of v instanceof Map ? [...v.keys(), ...v.values()] : v instanceof Set ? [...v] : Object.values(v)) disposeAll(x, seen);
}

async function fuzz(
  name: string,
  bases: Uint8Array[],
  run: (b: Uint8Array) => Promise<unknown>,
  seed: number,
  hot = false,
): Promise<Record<string, number>> {
  const r = rng(seed + SEED * 1000);
  const outcomes: Record<string, number> = {};
  for (let i = 0; i < N; i++) {
    const base = bases[i % bases.length]!;
    let b = mutate(base, r, hot ? Math.floor(base.length * 0.75) : 0);
    if (r() < 0.2) b = mutate(b, r);
    const o = await typed(() => run(b), `${name} case ${i} (seed ${seed})`);
    outcomes[o] = (outcomes[o] ?? 0) + 1;
  }
  return outcomes;
}

describe('fuzz: seeded mutations give typed errors only', () => {
  it(`safetensors reader (${N} mutations, plus header-number mutations)`, async () => {
    const bases = [fx('torch-state.safetensors'), fx('dl-checkpoint.safetensors'), fx('dl-tensors.safetensors')];
    const out = await fuzz('safetensors', bases, (b) => dl.load(b, { ...OPTS, format: 'safetensors' }), 1);
    expect(out.SerializationError).toBeGreaterThan(N / 3);
    // numbers in the JSON header replaced by huge, negative, fractional ones
    const r = rng(2 + SEED * 1000);
    for (let i = 0; i < N / 3; i++) {
      const base = bases[i % bases.length]!;
      const n = Number(new DataView(base.buffer, base.byteOffset).getBigUint64(0, true));
      const header = new TextDecoder().decode(base.subarray(8, 8 + n));
      const nums = [...header.matchAll(/-?\d+(\.\d+)?(e-?\d+)?/g)];
      const m = nums[Math.floor(r() * nums.length)]!;
      const repl = ['1e308', '-1', '9007199254740993', '4294967296', '0.5', '1000000000000', '[]', 'null', '"x"'][Math.floor(r() * 9)]!;
      const h = new TextEncoder().encode(header.slice(0, m.index) + repl + header.slice(m.index! + m[0].length));
      const b = new Uint8Array(8 + h.length + base.length - 8 - n);
      new DataView(b.buffer).setBigUint64(0, BigInt(h.length), true);
      b.set(h, 8);
      b.set(base.subarray(8 + n), 8 + h.length);
      await typed(() => dl.load(b, OPTS), `safetensors header case ${i}`);
    }
  });

  it(`zip reader (${N} mutations of torch's, deflated, zip64 and dl's archives)`, async () => {
    const bases = [fx('torch-state.pt'), fx('torch-deflated.pt'), fx('torch-zip64.pt'), fx('dl-checkpoint.pt')];
    const out = await fuzz('zip', bases, (b) => dl.load(b, { ...OPTS, format: 'pt' }), 3, true);
    expect(out.SerializationError).toBeGreaterThan(N / 3);
  });

  it(`restricted unpickler (${N} mutations of data.pkl, re-zipped with valid CRCs so they reach the unpickler)`, async () => {
    const archives = [fx('torch-state.pt'), fx('dl-checkpoint.pt')].map((b) => readZip(b, resolveLimits(), 'load'));
    const bases = archives.map((z) => {
      const e = z.byName.get(`${z.entries[0]!.name.split('/')[0]}/data.pkl`)!;
      return z.bytes.slice(e.dataOffset, e.dataOffset + e.size);
    });
    let which = 0;
    const out = await fuzz(
      'unpickler',
      bases,
      (pkl) => {
        const z = archives[which++ % archives.length]!;
        const entries = z.entries.map((e) => ({
          name: e.name,
          data: e.name.endsWith('data.pkl') ? pkl : z.bytes.subarray(e.dataOffset, e.dataOffset + e.size),
        }));
        return dl.load(writeZip(entries), OPTS);
      },
      4,
    );
    expect(out.SerializationError! + (out.UnpicklingError ?? 0)).toBeGreaterThan(N / 3);
    for (const file of ['plain-p2.pkl', 'plain-p4.pkl']) {
      await fuzz('plain pickle', [fx(file)], (pkl) => dl.load(writeZip([{ name: 'a/data.pkl', data: pkl }]), OPTS), 5);
    }
  });
});

describe('fuzz: crafted bombs are refused early', () => {
  const pkl = (...ops: (number | number[])[]) => writeZip([{ name: 'a/data.pkl', data: new Uint8Array([0x80, 2, ...ops.flat()]) }]);
  const expectError = async (p: Promise<unknown>, cls: typeof dl.DLError, re?: RegExp) => {
    const e = await p.then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(cls);
    if (re) expect(String(e)).toMatch(re);
  };
  const storagePid = (numel: number[]) => [
    0x28,
    0x58,
    7,
    0,
    0,
    0,
    ...new TextEncoder().encode('storage'),
    0x63,
    ...new TextEncoder().encode('torch\nFloatStorage\n'),
    0x58,
    1,
    0,
    0,
    0,
    0x30,
    0x58,
    3,
    0,
    0,
    0,
    ...new TextEncoder().encode('cpu'),
    ...numel,
    0x74,
    0x51,
  ];

  it('a deflate bomb (64 KiB inflating to 64 MiB) stops at maxInflateRatio by default, at maxBytes if allowed', async () => {
    const bomb = deflatedZip('a/data.pkl', new Uint8Array(64 * 2 ** 20));
    expect(bomb.length).toBeLessThan(100_000);
    await expectError(dl.load(bomb), dl.LimitError, /maxInflateRatio/);
    await expectError(dl.load(bomb, { ...OPTS, maxInflateRatio: 2000 }), dl.LimitError, /maxBytes/);
  });

  it('a safetensors header declaring 2^60 bytes, and a tensor of 10^12 elements', async () => {
    const b = new Uint8Array(16);
    new DataView(b.buffer).setBigUint64(0, 2n ** 60n, true);
    b[8] = 0x7b;
    await expectError(dl.load(b, { format: 'safetensors' }), dl.LimitError, /maxHeaderBytes/);
    const h = new TextEncoder().encode(JSON.stringify({ x: { dtype: 'F32', shape: [1e6, 1e6], data_offsets: [0, 4e12] } }));
    const f = new Uint8Array(8 + h.length);
    new DataView(f.buffer).setUint32(0, h.length, true);
    f.set(h, 8);
    await expectError(dl.load(f), dl.SerializationError, /file has 0 bytes/);
  });

  it('a zip declaring 10^9 entries, and a storage declaring 2^50 elements', async () => {
    const z = writeZip([{ name: 'a/data.pkl', data: new Uint8Array([0x80, 2, 0x4e, 0x2e]) }]);
    const big = z.slice();
    const dv = new DataView(big.buffer);
    dv.setUint16(big.length - 12, 0xfffe, true);
    dv.setUint16(big.length - 14, 0xfffe, true);
    await expectError(dl.load(big), dl.SerializationError, /too small for 65534 entries/);
    const w = new ByteWriter().u8(0x8a).u8(7).u32(0).u16(0).u8(4); // LONG1 2^50
    await expectError(dl.load(pkl(storagePid([...w.view()]), 0x2e), OPTS), dl.SerializationError, /no record a\/data\/0/);
  });

  it('a tensor view of 2^40 elements over a one-element storage (stride 0) is refused', async () => {
    const z = writeZip([
      {
        name: 'a/data.pkl',
        data: new Uint8Array([
          0x80,
          2,
          0x63,
          ...new TextEncoder().encode('torch._utils\n_rebuild_tensor_v2\n'),
          0x28,
          ...storagePid([0x4b, 1]),
          0x4b,
          0,
          0x8a,
          6,
          0,
          0,
          0,
          0,
          0,
          1,
          0x85,
          0x4b,
          0,
          0x85,
          0x89,
          0x4e,
          0x74,
          0x52,
          0x2e,
        ]),
      },
      { name: 'a/data/0', data: new Uint8Array(4) },
    ]);
    await expectError(dl.load(z, OPTS), dl.LimitError, /1099511627776 elements/);
  });

  it('nesting 100,000 lists deep is a typed error, not a stack overflow', async () => {
    const ops: number[] = [];
    for (let i = 0; i < 100_000; i++) ops.push(0x5d);
    for (let i = 0; i < 99_999; i++) ops.push(0x61);
    await expectError(dl.load(pkl(ops, 0x2e)), dl.LimitError, /maxDepth/);
  });

  it('a pickle or JSON header of millions of tiny objects stops at maxObjects', async () => {
    await expectError(dl.load(pkl(new Array(2_000_000).fill(0x5d), 0x2e), { maxObjects: 1_000_000 }), dl.LimitError, /maxObjects/);
    const h = new TextEncoder().encode(`{"__metadata__":{},"x":${'['.repeat(1000)}${']'.repeat(1000)}}`);
    const f = new Uint8Array(8 + h.length);
    new DataView(f.buffer).setUint32(0, h.length, true);
    f.set(h, 8);
    await expectError(dl.load(f, { maxObjects: 500 }), dl.LimitError, /maxObjects/);
  });

  it('a billion-laughs pickle (lists of 100 references, 8 levels) loads in linear time, sharing', async () => {
    const ops: number[] = [0x5d, 0x71, 0, 0x30];
    for (let level = 1; level <= 8; level++) {
      ops.push(0x5d, 0x28);
      for (let i = 0; i < 100; i++) ops.push(0x68, level - 1);
      ops.push(0x65, 0x71, level, 0x30);
    }
    ops.push(0x68, 8);
    const t0 = performance.now();
    const v = (await dl.load(pkl(ops, 0x2e))) as unknown[][];
    expect(v[0]).toBe(v[1]);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('an int64 storage past int32 and a tensor reaching past its storage name the key', async () => {
    const z = writeZip([
      {
        name: 'a/data.pkl',
        data: new Uint8Array([
          0x80,
          2,
          0x7d,
          0x58,
          1,
          0,
          0,
          0,
          0x77,
          0x63,
          ...new TextEncoder().encode('torch._utils\n_rebuild_tensor_v2\n'),
          0x28,
          ...storagePid([0x4b, 2]),
          0x4b,
          1,
          0x4b,
          2,
          0x85,
          0x4b,
          1,
          0x85,
          0x89,
          0x4e,
          0x74,
          0x52,
          0x73,
          0x2e,
        ]),
      },
      { name: 'a/data/0', data: new Uint8Array(8) },
    ]);
    await expectError(dl.load(z), dl.SerializationError, /tensor w .*reaches element 2 of a storage of 2/);
  });
});
