import type { TensorView } from '@dl/tensor/backend';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../index.js';
import { sumLeadingFast } from '../kernels/fast-elementwise.js';
import { reduce } from '../kernels/reduce.js';
import { heapPtr } from './heap.js';
import { sumLeadingWasm } from './sum-leading.js';

function contiguous(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}
function view(buffer: Float32Array | Float64Array, shape: number[], strides = contiguous(shape), offset = 0): TensorView {
  return { buffer, dtype: buffer instanceof Float32Array ? 'float32' : 'float64', shape, strides, offset };
}
/** A heap buffer (the pool allocates float32 in the wasm heap) of `n` values with varied magnitudes. */
function heapValues(n: number, seed: number): Float32Array {
  const b = cpuBackend.allocate('float32', n) as Float32Array;
  for (let i = 0; i < n; i++) b[i] = Math.sin(i * 1.3 + seed) * 10 ** ((i % 7) - 3);
  expect(heapPtr(b)).toBeGreaterThanOrEqual(0);
  return b;
}

describe('sumLeadingWasm (bias-gradient sums on wasm SIMD)', () => {
  const cases: Array<{ shape: number[]; axes: number[]; offset?: number }> = [
    { shape: [64, 512], axes: [0] },
    { shape: [64, 84], axes: [0] },
    { shape: [33, 1001], axes: [0] }, // a row length that is not a multiple of 4
    { shape: [8, 4, 6, 13], axes: [0, 1] },
    { shape: [16, 6, 5, 5], axes: [0] },
    { shape: [40, 130], axes: [0], offset: 3 }, // unaligned start
  ];
  for (const c of cases) {
    it(`[${c.shape.join(', ')}] over [${c.axes.join(', ')}]${c.offset ? ` at offset ${c.offset}` : ''}: bit for bit as sumLeadingFast and the reference`, () => {
      const n = c.shape.reduce((a, b) => a * b, 1);
      const off = c.offset ?? 0;
      const x = heapValues(n + off, 1);
      const keep = c.shape.map((d, i) => (c.axes.includes(i) ? 1 : d));
      const inner = n / c.axes.reduce((a, ax) => a * c.shape[ax]!, 1);
      const got = new Float32Array(inner);
      const fast = new Float32Array(inner);
      const ref = new Float32Array(inner);
      const xv = view(x, c.shape, contiguous(c.shape), off);
      expect(sumLeadingWasm('sum', xv, c.axes, view(got, keep))).toBe(true);
      expect(sumLeadingFast('sum', xv, c.axes, view(fast, keep))).toBe(true);
      reduce('sum', xv, c.axes, view(ref, keep));
      expect(Array.from(got)).toEqual(Array.from(fast));
      for (let j = 0; j < inner; j++) expect(Math.abs(got[j]! - ref[j]!)).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(ref[j]!)));
    });
  }

  it('propagates NaN and infinities as the JS loop', () => {
    const x = heapValues(64 * 32, 2);
    x[5] = NaN;
    x[32 + 6] = Infinity;
    x[64 + 7] = -Infinity;
    x[96 + 7] = Infinity;
    const got = new Float32Array(32);
    const want = new Float32Array(32);
    expect(sumLeadingWasm('sum', view(x, [64, 32]), [0], view(got, [1, 32]))).toBe(true);
    sumLeadingFast('sum', view(x, [64, 32]), [0], view(want, [1, 32]));
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(got[5]).toBeNaN();
    expect(got[6]).toBe(Infinity);
    expect(got[7]).toBeNaN();
  });

  it('declines what it does not handle', () => {
    const x = heapValues(64 * 512, 3);
    const out = new Float32Array(512);
    expect(sumLeadingWasm('sum', view(new Float32Array(64 * 512), [64, 512]), [0], view(out, [1, 512]))).toBe(false); // not in the heap
    expect(sumLeadingWasm('sum', view(new Float64Array(64 * 512), [64, 512]), [0], view(out, [1, 512]))).toBe(false);
    expect(sumLeadingWasm('sum', view(x, [512, 64], [1, 512]), [0], view(new Float32Array(64), [1, 64]))).toBe(false); // strided
    expect(sumLeadingWasm('sum', view(x, [64, 512]), [1], view(new Float32Array(64), [64, 1]))).toBe(false); // trailing axis
    expect(sumLeadingWasm('max', view(x, [64, 512]), [0], view(out, [1, 512]))).toBe(false);
    expect(sumLeadingWasm('sum', view(x, [4, 8]), [0], view(new Float32Array(8), [1, 8]))).toBe(false); // small
    expect(sumLeadingWasm('sum', view(x, [1, 32768]), [0], view(new Float32Array(32768), [1, 32768]))).toBe(false); // one row
    const wide = heapValues(2 * 20000, 4);
    expect(sumLeadingWasm('sum', view(wide, [2, 20000]), [0], view(new Float32Array(20000), [1, 20000]))).toBe(false); // wider than the accumulators
  });
});
