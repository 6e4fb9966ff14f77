import type { TensorView } from '@dl/tensor/backend';
import * as dl from '@dl/tensor';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../index.js';
import * as ew from '../kernels/elementwise.js';
import { fillRange, fillWasm } from './fill.js';
import { heapPtr } from './heap.js';

function contiguous(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}
function view(
  buffer: unknown,
  dtype: 'float32' | 'float64' | 'int32',
  shape: number[],
  strides = contiguous(shape),
  offset = 0,
): TensorView {
  return { buffer, dtype, shape, strides, offset };
}
/** A heap buffer with marker values, so writes outside the view show. */
function heapBuffer(n: number): Float32Array {
  const b = cpuBackend.allocate('float32', n) as Float32Array;
  for (let i = 0; i < n; i++) b[i] = i + 0.5;
  expect(heapPtr(b)).toBeGreaterThanOrEqual(0);
  return b;
}
function expectSame(got: Float32Array, want: Float32Array): void {
  const bad = got.findIndex((v, i) => !Object.is(v, want[i]));
  expect({ firstMismatch: bad, got: got[bad], want: want[bad] }).toEqual({ firstMismatch: -1, got: undefined, want: undefined });
}

describe('fillWasm (memory.fill / f32x4 stores on heap buffers)', () => {
  for (const value of [0, -0, 1.5, -3.25e-20, Number.NaN, Number.POSITIVE_INFINITY, 1e39 /* rounds to inf */, 0.1]) {
    for (const [n, offset] of [
      [401408, 0],
      [1000, 7], // unaligned start, a tail that is not a multiple of 16
      [257, 3],
    ] as const) {
      it(`fills ${n} floats at offset ${offset} with ${Object.is(value, -0) ? '-0' : value} as the reference kernel`, () => {
        const size = n + offset + 5;
        const got = heapBuffer(size);
        const want = got.slice();
        expect(fillWasm(view(got, 'float32', [n], [1], offset), value)).toBe(true);
        ew.fill(view(want, 'float32', [n], [1], offset), value);
        expectSame(got, want);
      });
    }
  }

  it('fills a contiguous multi-dimensional view (size-1 dims with any stride)', () => {
    const got = heapBuffer(6 * 1 * 300 + 10);
    const want = got.slice();
    const v = (b: Float32Array) => view(b, 'float32', [6, 1, 300], [300, 7, 1], 10);
    expect(fillWasm(v(got), 2)).toBe(true);
    ew.fill(v(want), 2);
    expectSame(got, want);
  });

  it('fillRange fills heap and ordinary arrays as Float32Array.fill', () => {
    for (const [mk, from, to, value] of [
      [heapBuffer, 3, 5000, 0],
      [heapBuffer, 17, 4099, -1.25],
      [heapBuffer, 0, 100, 7],
      [(n: number) => new Float32Array(n).map((_, i) => i), 1, 4000, 0],
    ] as const) {
      const got = mk(5003);
      const want = got.slice();
      fillRange(got, value, from, to);
      want.fill(value, from, to);
      expectSame(got, want);
    }
  });

  it('declines what it does not handle', () => {
    const h = heapBuffer(4096);
    expect(fillWasm(view(new Float32Array(4096), 'float32', [4096]), 0)).toBe(false); // outside the heap
    expect(fillWasm(view(new Float64Array(4096), 'float64', [4096]), 0)).toBe(false);
    expect(fillWasm(view(new Int32Array(4096), 'int32', [4096]), 0)).toBe(false);
    expect(fillWasm(view(h, 'float32', [64, 32], [64, 1]), 0)).toBe(false); // rows with gaps
    expect(fillWasm(view(h, 'float32', [2000], [2]), 0)).toBe(false); // strided
    expect(fillWasm(view(h, 'float32', [100]), 0)).toBe(false); // small
    expect(fillWasm(view(h, 'float32', [4096], [1], 1), 0)).toBe(false); // past the end
    expect(Array.from(h.subarray(0, 3))).toEqual([0.5, 1.5, 2.5]);
  });

  it('zero_ and fill_ on tensors (the path zeroGrad takes)', () => {
    const t = dl.randn([512, 784]);
    t.zero_();
    expect(t.abs().sum().itemSync()).toBe(0);
    t.fill_(-2.5);
    expect(t.min().itemSync()).toBe(-2.5);
    expect(t.max().itemSync()).toBe(-2.5);
    // a strided view takes the reference kernel
    const s = dl.zeros([300, 300]);
    s.t().narrow(0, 0, 100).fill_(1);
    expect(s.sum().itemSync()).toBe(30000);
  });
});
