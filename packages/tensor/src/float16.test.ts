import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from './everything.js';
import { toyBackend } from './testing/toy-backend.js';

// Written by tools/fixtures/float16_fixtures.py (torch 1.13); the webgpu float16 tests read the same file.
const fixture = JSON.parse(readFileSync(new URL('../../backend-webgpu/src/fixtures/float16.json', import.meta.url), 'utf8')) as {
  conversion: { values: Array<number | string>; bits: number[] };
  casts: { fromInt: number[]; fromIntBits: number[] };
  prints: Array<{ values: Array<number | string>; repr: string }>;
};
const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

describe('float16 as a dtype', () => {
  it("'float16' and 'half' name it; it is floating, 2 bytes, stored as Uint16Array bits", () => {
    expect(dl.toDType('half', 'x')).toBe('float16');
    expect(dl.toDType('float16', 'x')).toBe('float16');
    expect(dl.isFloating('float16')).toBe(true);
    expect(dl.isIntegral('float16')).toBe(false);
    expect(dl.ITEMSIZE.float16).toBe(2);
    expect(dl.hostArray('float16', 3)).toBeInstanceOf(Uint16Array);
    expect(() => dl.toDType('bfloat16', 'x')).toThrow(/bfloat16/);
  });

  it('promotes as torch.promote_types / torch.result_type', () => {
    expect(dl.promoteTypes('float16', 'float32')).toBe('float32');
    expect(dl.promoteTypes('float16', 'float64')).toBe('float64');
    expect(dl.promoteTypes('float16', 'int32')).toBe('float16');
    expect(dl.promoteTypes('uint8', 'float16')).toBe('float16');
    expect(dl.promoteTypes('bool', 'float16')).toBe('float16');
    const h = { dtype: 'float16' as const, dim: 1 };
    expect(dl.resultType([h, 2.5])).toBe('float16'); // a Python float keeps half
    expect(dl.resultType([h, { dtype: 'float32', dim: 0 }])).toBe('float16'); // a 0-d float32 tensor too
    expect(dl.resultType([h, { dtype: 'float32', dim: 1 }])).toBe('float32');
    expect(
      dl.resultType([
        { dtype: 'int32', dim: 1 },
        { dtype: 'float16', dim: 0 },
      ]),
    ).toBe('float16');
  });

  it(`rounds to half exactly as torch (${fixture.conversion.values.length} values: ties, subnormals, overflow, inf, NaN)`, () => {
    const values = fixture.conversion.values.map(num);
    const got = values.map((v) => dl.floatToHalfBits(v));
    expect(got).toEqual(fixture.conversion.bits);
    for (let i = 0; i < values.length; i++) {
      const back = dl.halfBitsToFloat(got[i]!);
      if (Number.isNaN(values[i]!)) expect(back).toBeNaN();
      else expect(Object.is(dl.roundToHalf(values[i]!), back)).toBe(true);
    }
    expect(fixture.casts.fromInt.map((v) => dl.floatToHalfBits(v))).toEqual(fixture.casts.fromIntBits);
  });

  it('every one of the 65536 bit patterns survives bits → number → bits (NaNs stay NaN)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = dl.halfBitsToFloat(h);
      if (Number.isNaN(v)) expect((dl.floatToHalfBits(v) & 0x7c00) === 0x7c00 && (dl.floatToHalfBits(v) & 0x3ff) !== 0).toBe(true);
      else if (dl.floatToHalfBits(v) !== h) throw new Error(`0x${h.toString(16)} → ${v} → 0x${dl.floatToHalfBits(v).toString(16)}`);
    }
  });

  it('tensors store the bits, read back as numbers, and print as torch (dtype=torch.float16)', async () => {
    dl.registerBackend(toyBackend('toyhalf', ['float32', 'float16']));
    dl.setDefaultDevice('toyhalf'); // prints without a device= suffix, as torch on its default device (no cpu in this package)
    for (const p of fixture.prints) {
      const t = dl.tensor(p.values.map(num), { dtype: 'float16' });
      expect(t.dtype).toBe('float16');
      expect(t.toString()).toBe(p.repr);
    }
    const t = dl.tensor([0.1, 70000, -0], { dtype: 'half', device: 'toyhalf' });
    expect(t.elementSize()).toBe(2);
    expect(Array.from(t.dataSync())).toEqual([dl.roundToHalf(0.1), Infinity, -0]);
    expect(t.dataSync()).toBeInstanceOf(Float32Array);
    expect(await t.toArray()).toEqual([0.0999755859375, Infinity, -0]);
    expect(await dl.tensor([0.3], { dtype: 'float16' }).item()).toBe(dl.roundToHalf(0.3));
    const raw = t._storage.backend.readSync!(t._storage.buffer, 'float16', 0, 3);
    expect(Array.from(raw)).toEqual([0x2e66, 0x7c00, 0x8000]);
  });
});
