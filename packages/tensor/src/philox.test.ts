import { describe, expect, it } from 'vitest';
import { mulhi32, philox4x32, philoxFill } from './philox.js';
import { Generator, manualSeed, defaultGenerator } from './generator.js';
import { ArgumentError } from './errors.js';

describe('Philox4x32-10', () => {
  it('matches the Random123 known-answer vector for a zero counter and key', () => {
    const out = new Uint32Array(4);
    philox4x32(0, 0, 0, 0, out);
    expect(Array.from(out)).toEqual([0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8]);
  });

  it('mulhi32 is the exact high word of the 64-bit product', () => {
    const pairs = [
      [0xd2511f53, 0xffffffff],
      [0xcd9e8d57, 0x12345678],
      [1, 1],
      [0xffffffff, 0xffffffff],
      [0x80000000, 2],
    ];
    for (const [a, b] of pairs) expect(mulhi32(a!, b!)).toBe(Number((BigInt(a!) * BigInt(b!)) >> 32n));
  });

  it('philoxFill: element i uses counter offset + i; uniforms in [0, 1) on a 2^-24 grid', () => {
    const a = new Float32Array(10);
    const b = new Float32Array(6);
    philoxFill(a, 'uniform', [5, 6], 0);
    philoxFill(b, 'uniform', [5, 6], 4);
    expect(Array.from(b)).toEqual(Array.from(a.slice(4)));
    for (const v of a) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
      expect(Number.isInteger(v * 2 ** 24)).toBe(true);
    }
    const f64 = new Float64Array(10);
    philoxFill(f64, 'uniform', [5, 6], 0);
    expect(Array.from(f64)).toEqual(Array.from(a));
    const big = new Float32Array(2);
    philoxFill(big, 'uniform', [5, 6], 2 ** 32 - 1); // the counter carries into the high word
    const w = new Uint32Array(4);
    philox4x32(0, 1, 5, 6, w);
    expect(big[1]).toBe((w[0]! >>> 8) / 2 ** 24);
  });

  it('normals: finite, mean ~0, variance ~1', () => {
    const z = new Float64Array(20000);
    philoxFill(z, 'normal', [1, 2], 0);
    let s = 0;
    let s2 = 0;
    for (const v of z) {
      expect(Number.isFinite(v)).toBe(true);
      s += v;
      s2 += v * v;
    }
    expect(Math.abs(s / z.length)).toBeLessThan(0.03);
    expect(Math.abs(s2 / z.length - 1)).toBeLessThan(0.05);
  });
});

describe('Generator', () => {
  it('seeds, reserves 4-aligned streams, and saves/restores state', () => {
    const g = new Generator(42);
    expect(g.initialSeed()).toBe(42);
    expect(g.reserve(5)).toEqual({ key: [42, 0], offset: 0 });
    expect(g.reserve(1).offset).toBe(8);
    const st = g.getState();
    const a = g.uniforms(3);
    g.setState(st);
    expect(Array.from(g.uniforms(3))).toEqual(Array.from(a));
    expect(new Generator(2 ** 40 + 3).getState().key).toEqual([3, 256]);
    expect(() => g.manualSeed(1.5)).toThrow(ArgumentError);
  });

  it('manualSeed resets the default generator', () => {
    manualSeed(103);
    const a = defaultGenerator.uniforms(4);
    manualSeed(103);
    expect(Array.from(defaultGenerator.uniforms(4))).toEqual(Array.from(a));
  });
});
