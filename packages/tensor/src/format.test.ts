import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as dl from './everything.js';
import { toyBackend } from './testing/toy-backend.js';
import { pyExp, pyFixed, pyRepr } from './py-number-format.js';

interface PrintCase {
  name: string;
  values: Array<number | string>;
  shape: number[];
  dtype: 'float32' | 'float64' | 'int32' | 'uint8' | 'bool';
  options: Record<string, number | string | boolean>;
  requiresGrad: boolean;
  expected: string;
}

// Written by tools/fixtures/print_fixtures.py: torch 1.13's str(t) under set_printoptions.
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/print.json', import.meta.url), 'utf8')) as { cases: PrintCase[] };

const CTOR = { float32: Float32Array, float64: Float64Array, int32: Int32Array, uint8: Uint8Array, bool: Uint8Array } as const;
const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);

describe('printing as PyTorch (toy backend)', () => {
  beforeAll(() => {
    dl.registerBackend(toyBackend('toy', ['float32', 'float64', 'int32', 'uint8', 'bool']));
    dl.setDefaultDevice('toy');
  });
  afterEach(() => dl.setPrintOptions({ profile: 'default' }));

  it(`matches torch 1.13 on ${fixture.cases.length} cases (modes, summarization, dtypes, suffixes, every print option)`, () => {
    expect(fixture.cases.length).toBeGreaterThan(100);
    const wrong: string[] = [];
    for (const c of fixture.cases) {
      const data = CTOR[c.dtype].from(c.values.map(num));
      const t = dl.fromArray(data, c.shape, { dtype: c.dtype });
      if (c.requiresGrad) t.requiresGrad = true;
      const opts = Object.fromEntries(Object.entries(c.options).map(([k, v]) => [k, v === 'Infinity' ? Infinity : v]));
      dl.setPrintOptions({ profile: 'default' });
      dl.setPrintOptions(opts);
      const got = String(t);
      if (got !== c.expected) wrong.push(`${c.name}:\n--- torch\n${c.expected}\n--- dl\n${got}`);
    }
    expect(wrong.join('\n\n')).toBe('');
  });

  it('console.log(t) prints String(t); template literals print too', () => {
    const t = dl.tensor([
      [1.5, 2],
      [3, 4],
    ]);
    expect(inspect(t)).toBe(String(t));
    expect(inspect({ t })).toContain('tensor([[1.5000, 2.0000],');
    expect(`${t}`).toBe('tensor([[1.5000, 2.0000],\n        [3.0000, 4.0000]])');
  });

  it('sizes print as dl.Size and behave as arrays', () => {
    const t = dl.zeros([5, 3]);
    const s = t.size();
    expect(String(s)).toBe('dl.Size([5, 3])');
    expect(inspect(s)).toBe('dl.Size([5, 3])');
    expect(inspect(t.shape)).toBe('dl.Size([5, 3])');
    expect(s).toBeInstanceOf(dl.Size);
    expect(Array.isArray(s)).toBe(true);
    const [rows, cols] = s;
    expect([rows, cols, s[0], s.length, s.numel()]).toEqual([5, 3, 5, 2, 15]);
    expect(s).toEqual([5, 3]);
    expect([...s]).toEqual([5, 3]);
    expect(s.map((d) => d * 2)).toEqual([10, 6]);
    expect(s.map((d) => d)).not.toBeInstanceOf(dl.Size);
    expect(s.equals([5, 3])).toBe(true);
    expect(Object.isFrozen(s)).toBe(true);
    expect(String(dl.zeros([]).size())).toBe('dl.Size([])');
    expect(t.size(-1)).toBe(3);
  });

  it('tensors on a device without synchronous reads print a summary, and format() prints the values', async () => {
    dl.registerBackend(toyBackend('toyasync', ['float32'], { asyncOnly: true }));
    const t = dl.tensor([1, 2], { device: 'toyasync' });
    t.requiresGrad = true;
    expect(String(t)).toBe(
      "tensor(<shape [2]; values on the device: await t.format() prints them>,\n       device='toyasync', dtype=torch.float32, requires_grad=True)",
    );
    expect(await t.format()).toBe("tensor([1., 2.], device='toyasync', requires_grad=True)");
  });

  it('a disposed tensor prints without reading', () => {
    const t = dl.ones([2]);
    t.dispose();
    expect(String(t)).toBe('tensor(<disposed, shape [2]>)');
  });
});

describe('setPrintOptions / getPrintOptions', () => {
  afterEach(() => dl.setPrintOptions({ profile: 'default' }));

  it('defaults, profiles, and sciMode reset by every call that does not pass it (as torch)', () => {
    expect(dl.getPrintOptions()).toEqual({ precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80, sciMode: null });
    dl.setPrintOptions({ profile: 'short', linewidth: 100, sciMode: true });
    expect(dl.getPrintOptions()).toEqual({ precision: 2, threshold: 1000, edgeitems: 2, linewidth: 100, sciMode: true });
    dl.setPrintOptions({ precision: 3 });
    expect(dl.getPrintOptions()).toEqual({ precision: 3, threshold: 1000, edgeitems: 2, linewidth: 100, sciMode: null });
    dl.setPrintOptions({ profile: 'full' });
    expect(dl.getPrintOptions().threshold).toBe(Infinity);
    const saved = dl.getPrintOptions();
    dl.setPrintOptions({ precision: 9 });
    dl.setPrintOptions(saved);
    expect(dl.getPrintOptions()).toEqual(saved);
  });

  it('bad options are ArgumentErrors and change nothing', () => {
    const before = dl.getPrintOptions();
    expect(() => dl.setPrintOptions({ precision: -1 })).toThrow(dl.ArgumentError);
    expect(() => dl.setPrintOptions({ precision: 2.5 })).toThrow(/precision must be an integer/);
    expect(() => dl.setPrintOptions({ edgeitems: 0 })).toThrow(/edgeitems/);
    expect(() => dl.setPrintOptions({ threshold: NaN })).toThrow(dl.ArgumentError);
    expect(() => dl.setPrintOptions({ precision: 2, sci_mode: false } as never)).toThrow(/unknown option 'sci_mode'[\s\S]*sciMode/);
    expect(() => dl.setPrintOptions({ profile: 'long' as never })).toThrow(/unknown profile/);
    expect(() => dl.setPrintOptions({ sciMode: 'yes' as never })).toThrow(/sciMode/);
    expect(() => dl.setPrintOptions(null as never)).toThrow(dl.ArgumentError);
    expect(dl.getPrintOptions()).toEqual(before);
  });
});

describe('Python number formatting', () => {
  it("rounds the exact binary value half to even, as Python's format", () => {
    expect(pyFixed(0.03125, 4)).toBe('0.0312');
    expect(pyFixed(0.5, 0)).toBe('0');
    expect(pyFixed(1.5, 0)).toBe('2');
    expect(pyFixed(2.675, 2)).toBe('2.67'); // 2.67499999… in binary
    expect(pyFixed(-0, 4)).toBe('-0.0000');
    expect(pyFixed(-0.00004, 4)).toBe('-0.0000');
    expect(pyFixed(1e22, 0)).toBe('10000000000000000000000');
    expect(pyExp(1, 4)).toBe('1.0000e+00');
    expect(pyExp(-1.5e-7, 4)).toBe('-1.5000e-07');
    expect(pyExp(9.99995, 4)).toBe('1.0000e+01'); // just above the tie in binary: rounds up, carries into the exponent
    expect(pyExp(0.03125, 3)).toBe('3.125e-02');
    expect(pyExp(0.03125, 2)).toBe('3.12e-02'); // an exact tie: half to even
    expect(pyExp(1e-40, 4)).toBe('1.0000e-40');
    expect(pyExp(1.5e300, 2)).toBe('1.50e+300');
    expect(pyExp(2.5, 0)).toBe('2e+00');
    expect(pyExp(0, 2)).toBe('0.00e+00');
    expect([pyFixed(NaN, 2), pyExp(Infinity, 2), pyExp(-Infinity, 2)]).toEqual(['nan', 'inf', '-inf']);
  });

  it("repr(float): shortest round-trip digits in Python's notation", () => {
    expect(['1.0', '0.1', '1e-05', '0.0001', '1e+16', '1234567890123456.0', '-2.5', '9.999999747378752e-06', 'nan', '-0.0']).toEqual(
      [1, 0.1, 1e-5, 1e-4, 1e16, 1234567890123456, -2.5, Math.fround(1e-5), NaN, -0].map(pyRepr),
    );
  });
});
