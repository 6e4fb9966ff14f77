import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '../index.js';

// torch.clamp(x, min, max) with both bounds is max/min with NaN propagation: a NaN bound poisons
// every element; with one bound a NaN changes nothing
// (found by the differential test: clamp#12, clip#00, clip#19).
describe('cpu clamp kernel', () => {
  const x = () => dl.tensor([-1, 0.5, 2, NaN], { device: 'cpu' });

  it('a NaN min or max with both bounds given gives NaN everywhere', () => {
    expect(Array.from(x().clamp(NaN, 1).dataSync())).toEqual([NaN, NaN, NaN, NaN]);
    expect(Array.from(x().clamp(0, NaN).dataSync())).toEqual([NaN, NaN, NaN, NaN]);
    expect(Array.from(x().clamp(-Infinity, NaN).dataSync())).toEqual([NaN, NaN, NaN, NaN]);
  });

  it('a lone NaN bound changes nothing (torch: clamp_min / clamp_max)', () => {
    expect(Array.from(x().clip(NaN, null).dataSync())).toEqual([-1, 0.5, 2, NaN]);
    expect(Array.from(x().clamp(null, NaN).dataSync())).toEqual([-1, 0.5, 2, NaN]);
  });

  it('finite bounds clamp and keep NaN inputs', () => {
    expect(Array.from(x().clamp(0, 1).dataSync())).toEqual([0, 0.5, 1, NaN]);
    expect(Array.from(x().clamp(2, 1).dataSync())).toEqual([1, 1, 1, NaN]); // min > max: max, as torch
  });
});
