import type { TensorView } from '@dl/tensor/backend';
import * as dl from '@dl/tensor';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../index.js';
import { reduce } from '../kernels/reduce.js';
import { heapPtr } from './heap.js';
import { sumOuterWasm } from './sum-outer.js';

function contiguous(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}
function view(buffer: Float32Array | Float64Array, shape: number[], strides = contiguous(shape), offset = 0): TensorView {
  return { buffer, dtype: buffer instanceof Float32Array ? 'float32' : 'float64', shape, strides, offset };
}
function heapValues(n: number, seed: number): Float32Array {
  const b = cpuBackend.allocate('float32', n) as Float32Array;
  for (let i = 0; i < n; i++) b[i] = Math.sin(i * 0.7 + seed) * 10 ** ((i % 5) - 2);
  expect(heapPtr(b)).toBeGreaterThanOrEqual(0);
  return b;
}

describe('sumOuterWasm (conv bias-gradient sums on wasm SIMD)', () => {
  const cases: Array<{ shape: number[]; axes: number[]; offset?: number }> = [
    { shape: [64, 6, 24, 24], axes: [0, 2, 3] }, // LeNet conv1's bias gradient
    { shape: [64, 16, 8, 8], axes: [0, 2, 3] },
    { shape: [8, 5, 7, 9], axes: [0, 2, 3] }, // rows of 63: not a multiple of 4
    { shape: [3, 4, 5, 300], axes: [0, 1, 3] }, // two leading axes... and a middle kept one
    { shape: [40, 130], axes: [1], offset: 5 }, // trailing only, short rows, unaligned
    { shape: [2, 3, 4, 100], axes: [2, 3] },
  ];
  for (const c of cases) {
    it(`[${c.shape.join(', ')}] over [${c.axes.join(', ')}]: the reference's values (float64 accumulation)`, () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const off = c.offset ?? 0;
      const x = heapValues(n + off, 1);
      const keep = c.shape.map((d, i) => (c.axes.includes(i) ? 1 : d));
      const nOut = keep.reduce((a, b) => a * b, 1);
      const got = new Float32Array(nOut + 2);
      const ref = new Float32Array(nOut + 2);
      const xv = view(x, c.shape, contiguous(c.shape), off);
      expect(sumOuterWasm('sum', xv, c.axes, view(got, keep, contiguous(keep), 1))).toBe(true);
      reduce('sum', xv, c.axes, view(ref, keep, contiguous(keep), 1));
      expect(got[0]).toBe(0);
      expect(got[nOut + 1]).toBe(0);
      // both accumulate every float in float64; only the order differs
      for (let j = 0; j < nOut + 2; j++) expect(Math.abs(got[j]! - ref[j]!)).toBeLessThanOrEqual(2 ** -22 * Math.abs(ref[j]!));
    });
  }

  it('propagates NaN and infinities', () => {
    const x = heapValues(8 * 4 * 64, 2);
    x[3] = NaN; // channel 0
    x[64 + 5] = Infinity; // channel 1
    x[2 * 64 + 1] = Infinity; // channel 2: inf - inf
    x[4 * 64 + 2 * 64 + 7] = -Infinity;
    const got = new Float32Array(4);
    expect(sumOuterWasm('sum', view(x, [8, 4, 64]), [0, 2], view(got, [1, 4, 1]))).toBe(true);
    expect(got[0]).toBeNaN();
    expect(got[1]).toBe(Infinity);
    expect(got[2]).toBeNaN();
    expect(Number.isFinite(got[3])).toBe(true);
  });

  it('declines what it does not handle', () => {
    const x = heapValues(64 * 6 * 576, 3);
    const out = new Float32Array(6);
    const s = [64, 6, 24, 24];
    const keep = [1, 6, 1, 1];
    expect(sumOuterWasm('sum', view(new Float32Array(64 * 6 * 576), s), [0, 2, 3], view(out, keep))).toBe(false); // outside the heap
    expect(sumOuterWasm('sum', view(new Float64Array(64 * 6 * 576), s), [0, 2, 3], view(out, keep))).toBe(false);
    expect(sumOuterWasm('max', view(x, s), [0, 2, 3], view(out, keep))).toBe(false);
    expect(sumOuterWasm('sum', view(x, s), [0, 1], view(new Float32Array(576), [1, 1, 24, 24]))).toBe(false); // leading only
    expect(sumOuterWasm('sum', view(x, s), [0, 2], view(new Float32Array(6 * 24), [1, 6, 1, 24]))).toBe(false); // a kept dim at the end
    expect(sumOuterWasm('sum', view(x, s), [0, 1, 2, 3], view(new Float32Array(1), [1, 1, 1, 1]))).toBe(false); // all axes
    expect(sumOuterWasm('sum', view(x, [64, 6, 576], [576, 36864, 1]), [0, 2], view(out, [1, 6, 1]))).toBe(false); // not contiguous
    expect(sumOuterWasm('sum', view(x, [64, 6, 8]), [0, 2], view(out, [1, 6, 1]))).toBe(false); // rows shorter than 16
  });

  it('x.sum([0, 2, 3]) through the public API (the conv bias gradient rule)', () => {
    const g = dl.randn([16, 6, 20, 20]);
    const want = g.to({ dtype: 'float64' }).sum([0, 2, 3]).to({ dtype: 'float32' });
    const got = g.sum([0, 2, 3]);
    expect(got.shape).toEqual([6]);
    expect(got.sub(want).abs().max().itemSync()).toBeLessThanOrEqual(1e-4);
  });
});
