/** `dl.multinomial` (a @dl/tensor op; tested here, where a real backend is at hand). */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';

describe('multinomial', () => {
  it('draws with replacement in proportion to the weights, never a zero weight', () => {
    dl.manualSeed(1);
    const w = dl.tensor([1, 0, 3, 6]); // unnormalised, as torch allows
    const s = dl.multinomial(w, 20000, { replacement: true });
    expect(s.shape).toEqual([20000]);
    expect(s.dtype).toBe('int32');
    const counts = [0, 0, 0, 0];
    for (const i of s.toArraySync() as number[]) counts[i]!++;
    expect(counts[1]).toBe(0);
    // expected 2000 / 6000 / 12000; 5 sigma of a binomial is under 350
    expect(Math.abs(counts[0]! - 2000)).toBeLessThan(350);
    expect(Math.abs(counts[2]! - 6000)).toBeLessThan(350);
    expect(Math.abs(counts[3]! - 12000)).toBeLessThan(350);
  });

  it('draws distinct categories without replacement, per row of a 2-D input', () => {
    dl.manualSeed(2);
    const w = dl.tensor([
      [1, 1, 1, 1, 1],
      [0, 5, 0, 1, 1],
    ]);
    const s = w.multinomial(3);
    expect(s.shape).toEqual([2, 3]);
    const rows = s.toArraySync() as number[][];
    for (const r of rows) expect(new Set(r).size).toBe(3);
    expect(rows[1]!.slice().sort()).toEqual([1, 3, 4]); // the only three positive weights
  });

  it('follows the sequential without-replacement law: the heavy category comes first most of the time', () => {
    dl.manualSeed(3);
    const w = dl.tensor([[9, 1]]).expand(4000, 2);
    const first = w.multinomial(2).at(':', 0).toArraySync() as number[];
    const zeros = first.filter((v) => v === 0).length;
    expect(Math.abs(zeros / 4000 - 0.9)).toBeLessThan(0.025);
  });

  it('is reproducible from a generator', () => {
    const a = dl.multinomial(dl.tensor([0.2, 0.3, 0.5]), 10, { replacement: true, generator: new dl.Generator(7) });
    const b = dl.multinomial(dl.tensor([0.2, 0.3, 0.5]), 10, { replacement: true, generator: new dl.Generator(7) });
    expect(a.toArraySync()).toEqual(b.toArraySync());
  });

  it('raises torch’s errors as typed errors', () => {
    expect(() => dl.multinomial(dl.tensor([0.5, -0.1]), 1)).toThrow(/probability tensor contains either `inf`, `nan` or element < 0/);
    expect(() => dl.multinomial(dl.tensor([0.5, NaN]), 1)).toThrow(dl.ArgumentError);
    expect(() => dl.multinomial(dl.tensor([0, 0]), 1)).toThrow(/sum of probabilities <= 0/);
    expect(() => dl.multinomial(dl.tensor([0.5, 0.5]), 3)).toThrow(
      /cannot sample numSamples=3 > prob_dist.size\(-1\)=2 samples without replacement/,
    );
    expect(() => dl.multinomial(dl.tensor(0.5), 1)).toThrow(dl.ShapeError);
    expect(() => dl.multinomial(dl.tensor([1, 2], { dtype: 'int32' }), 1)).toThrow(dl.DTypeError);
    expect(() => dl.multinomial(dl.tensor([1, 2]), 0)).toThrow(/numSamples=0/);
  });
});
