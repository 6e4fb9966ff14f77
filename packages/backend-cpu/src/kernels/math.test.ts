import { describe, expect, it } from 'vitest';
import { erf, erfcPositive } from './math.js';

// [x, erf(x), erfc(x)] from mpmath at 40 digits, on both sides of every interval boundary of
// Note [erf in float64] (1, 2, 3.5, 6) and in the asymptotic tail.
const ERF: [number, number, number][] = [
  [1e-300, 1.1283791670955126e-300, 1.0],
  [1e-8, 1.1283791670955126e-8, 0.9999999887162083],
  [0.1, 0.1124629160182849, 0.887537083981715],
  [0.5, 0.5204998778130465, 0.4795001221869535],
  [0.9, 0.7969082124228322, 0.20309178757716786],
  [0.999, 0.8422852702064969, 0.15771472979350307],
  [1.0, 0.8427007929497149, 0.15729920705028513],
  [1.2, 0.9103139782296353, 0.08968602177036464],
  [1.9999, 0.9953201979070294, 0.004679802092970608],
  [2.0, 0.9953222650189527, 0.004677734981047266],
  [2.7, 0.9998656672600594, 0.0001343327399405242],
  [3.4999, 0.999999256361496, 7.436385040413918e-7],
  [3.5, 0.9999992569016276, 7.430983723414128e-7],
  [4.2, 0.9999999971445058, 2.8554941795921843e-9],
  [5.5, 0.9999999999999927, 7.357847917974398e-15],
  [5.9999, 1.0, 2.1545925434894867e-17],
  [6.5, 1.0, 3.8421483271206475e-20],
  [9.0, 1.0, 4.13703174651381e-37],
  [15.0, 1.0, 7.212994172451207e-100],
  [26.5, 1.0, 2.2109076642637343e-307],
];

const rel = (a: number, b: number) => (b === 0 ? Math.abs(a) : Math.abs((a - b) / b));

describe('erf / erfc in float64', () => {
  it('match mpmath to a few ulps, odd in x', () => {
    for (const [x, e, c] of ERF) {
      expect(rel(erf(x), e), `erf(${x})`).toBeLessThan(6e-16);
      expect(erf(-x)).toBe(-erf(x));
      expect(rel(erfcPositive(x), c), `erfc(${x})`).toBeLessThan(8e-15);
    }
  });
  it('keeps the special values', () => {
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erf(NaN)).toBeNaN();
    expect(erfcPositive(30)).toBe(0);
    expect(erfcPositive(Infinity)).toBe(0);
  });
});
