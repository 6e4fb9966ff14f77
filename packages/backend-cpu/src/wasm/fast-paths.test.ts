import { hostArray, type DType } from '@dl/tensor';
import type { BinaryOp, CompareOp, TensorView, UnaryOp } from '@dl/tensor/backend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as ew from '../kernels/elementwise.js';
import { castFast, compareFast, copyFast, sumLeadingFast } from '../kernels/fast-elementwise.js';
import { reduce } from '../kernels/reduce.js';
import { binaryWasm, ewTuning, sumRow, sumWasm, unaryWasm } from './elementwise.js';

function rand(n: number, seed: number, specials = true): Float32Array {
  let s = seed;
  const out = Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2);
  if (specials && n > 8) {
    out[1] = NaN;
    out[3] = -0;
    out[5] = Infinity;
    out[n - 2] = -Infinity;
    out[n - 1] = NaN;
  }
  return out;
}
function contiguous(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}
function view(buffer: Float32Array, shape: number[], strides = contiguous(shape), offset = 0): TensorView {
  return { buffer, dtype: 'float32', shape, strides, offset };
}
/** Bitwise-equal float32 arrays (NaN equals NaN, -0 differs from 0). */
function expectSame(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect({ i, got: got[i], want: want[i] }).toEqual({ i, got: want[i], want: want[i] });
  }
}

const saved = { ...ewTuning };
beforeEach(() => {
  // exercise the wasm paths on small, odd sizes
  ewTuning.minElements = 1;
  ewTuning.minRow = 1;
  ewTuning.minSum = 1;
});
afterEach(() => Object.assign(ewTuning, saved));

const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'maximum', 'minimum'];
const UNARY: UnaryOp[] = ['relu', 'neg', 'abs', 'sqrt'];
const SIZES = [1, 3, 15, 16, 17, 63, 1000, 16384 + 5, 40000];

describe('wasm elementwise fast paths match the reference kernels', () => {
  it.each(BINARY)('binary %s: contiguous, scalar-broadcast either side, row-broadcast, NaN/inf/-0', (op) => {
    for (const n of SIZES) {
      const a = rand(n, 1),
        b = rand(n, 2);
      const cases: Array<[TensorView, TensorView]> = [
        [view(a, [n]), view(b, [n])],
        [view(a, [n]), view(b, [n], [0], 7 % n)],
        [view(a, [n], [0], 3 % n), view(b, [n])],
      ];
      if (n % 3 === 0) cases.push([view(a, [n / 3, 3]), view(b, [n / 3, 3], [0, 1])]); // bias-like broadcast
      for (const [va, vb] of cases) {
        const want = new Float32Array(n),
          got = new Float32Array(n);
        ew.binary(op, va, vb, view(want, [...va.shape]));
        expect(binaryWasm(op, va, vb, view(got, [...va.shape]))).toBe(true);
        expectSame(got, want);
      }
    }
  });

  it.each(UNARY)('unary %s on odd sizes and an offset input, in place too', (op) => {
    for (const n of SIZES) {
      const a = rand(n + 2, 3);
      const want = new Float32Array(n),
        got = new Float32Array(n);
      ew.unary(op, view(a, [n], [1], 2), view(want, [n]));
      expect(unaryWasm(op, view(a, [n], [1], 2), view(got, [n]))).toBe(true);
      expectSame(got, want);
      const inPlace = a.slice(2);
      expect(unaryWasm(op, view(inPlace, [n]), view(inPlace, [n]))).toBe(true);
      expectSame(inPlace, want);
    }
  });

  it('declines strided inputs, other dtypes and ops it has no loop for (the reference runs)', () => {
    const a = rand(64, 1),
      b = rand(64, 2),
      o = new Float32Array(32);
    expect(binaryWasm('add', view(a, [32], [2]), view(b, [32]), view(o, [32]))).toBe(false);
    expect(binaryWasm('pow', view(a, [32]), view(b, [32]), view(o, [32]))).toBe(false);
    expect(unaryWasm('exp', view(a, [32]), view(o, [32]))).toBe(false);
    const d = new Float64Array(32);
    const v64 = { buffer: d, dtype: 'float64', shape: [32], strides: [1], offset: 0 } as TensorView;
    expect(unaryWasm('relu', v64, v64)).toBe(false);
    ewTuning.minElements = 1 << 20; // small tensors stay on the cheap path
    expect(binaryWasm('add', view(a, [64]), view(b, [64]), view(new Float32Array(64), [64]))).toBe(false);
  });

  it('sum over trailing axes matches the float64 reference to float32 rounding; NaN and inf propagate', () => {
    for (const n of SIZES) {
      const a = rand(3 * n, 4, false);
      const want = new Float32Array(3),
        got = new Float32Array(3);
      reduce('sum', view(a, [3, n]), [1], view(want, [3, 1]));
      expect(sumWasm('sum', view(a, [3, n]), [1], view(got, [3, 1]))).toBe(true);
      for (let i = 0; i < 3; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThanOrEqual(1e-5 * n + 1e-6);
    }
    const s = rand(1001, 5);
    expect(sumRow(s, 0, 1001)).toBeNaN();
    const inf = new Float32Array(100).fill(1);
    inf[50] = Infinity;
    expect(sumRow(inf, 0, 100)).toBe(Infinity);
    // full reduction of a 3-D tensor, and a declined leading-axis case
    const t = rand(2 * 5 * 7, 6, false);
    const w1 = new Float32Array(1),
      g1 = new Float32Array(1);
    reduce('sum', view(t, [2, 5, 7]), [0, 1, 2], view(w1, [1, 1, 1]));
    expect(sumWasm('sum', view(t, [2, 5, 7]), [0, 1, 2], view(g1, [1, 1, 1]))).toBe(true);
    expect(g1[0]!).toBeCloseTo(w1[0]!, 4);
    expect(sumWasm('sum', view(t, [2, 35]), [0], view(new Float32Array(35), [1, 35]))).toBe(false);
    expect(sumWasm('max', view(t, [70]), [0], view(new Float32Array(1), [1]))).toBe(false);
  });
});

describe('JS fast paths match the reference kernels', () => {
  it('copyFast: contiguous rows and transposes (blocked), odd shapes', () => {
    for (const [R, C] of [
      [1, 17],
      [5, 33],
      [65, 97],
      [128, 40],
    ] as const) {
      const src = rand(R * C + 3, 7);
      // row copy from an offset view
      const want = new Float32Array(R * C),
        got = new Float32Array(R * C);
      ew.copy(view(src, [R, C], [C, 1], 3), view(want, [R, C]));
      if (copyFast(view(src, [R, C], [C, 1], 3), view(got, [R, C]))) expectSame(got, want);
      // transpose: src viewed as [C, R]^T
      const wantT = new Float32Array(R * C),
        gotT = new Float32Array(R * C);
      ew.copy(view(src, [R, C], [1, R], 3), view(wantT, [R, C]));
      if (copyFast(view(src, [R, C], [1, R], 3), view(gotT, [R, C]))) expectSame(gotT, wantT);
    }
    // a transpose big enough for the blocked path must take it
    const big = rand(100 * 70, 8),
      w = new Float32Array(7000),
      g = new Float32Array(7000);
    ew.copy(view(big, [100, 70], [1, 100]), view(w, [100, 70]));
    expect(copyFast(view(big, [100, 70], [1, 100]), view(g, [100, 70]))).toBe(true);
    expectSame(g, w);
    // same-buffer copies are left to the reference (ordering of overlapping views)
    expect(copyFast(view(big, [10, 70]), view(big, [10, 70], [70, 1], 700))).toBe(false);
  });

  it('sumLeadingFast: bias-gradient sums over leading axes, float32 and float64', () => {
    for (const [B, F] of [
      [2, 16],
      [64, 33],
      [7, 3, 20],
    ].map((s) => [s.slice(0, -1), s[s.length - 1]!] as const)) {
      const shape = [...B, F];
      const n = shape.reduce((x, y) => x * y, 1);
      const a = rand(n, 9);
      const axes = B.map((_, i) => i);
      const keep = [...B.map(() => 1), F];
      const want = new Float32Array(F),
        got = new Float32Array(F);
      reduce('sum', view(a, shape), axes, view(want, keep));
      expect(sumLeadingFast('sum', view(a, shape), axes, view(got, keep))).toBe(true);
      expectSame(got, want);
    }
    const a = rand(40, 10);
    expect(sumLeadingFast('sum', view(a, [4, 10], [1, 4]), [0], view(new Float32Array(10), [1, 10]))).toBe(false); // strided
    expect(sumLeadingFast('max', view(a, [2, 20]), [0], view(new Float32Array(20), [1, 20]))).toBe(false);
  });

  it('castFast: every dtype pair, NaN/inf/negative values, matches the reference copy', () => {
    const dtypes: DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];
    const vals = rand(50, 11).map((v, i) => (i % 7 === 0 ? v * 1e10 : v * 100));
    for (const from of dtypes) {
      const src = hostArray(from, 50);
      // bool/uint8 sources hold 0/1 and small values as the backend stores them
      for (let i = 0; i < 50; i++) src[i] = from === 'bool' ? (i % 3 === 0 ? 1 : 0) : vals[i]!;
      for (const to of dtypes) {
        const want = hostArray(to, 48),
          got = hostArray(to, 48);
        const sv = { buffer: src, dtype: from, shape: [6, 8], strides: [8, 1], offset: 2 } as TensorView;
        ew.copy(sv, { buffer: want, dtype: to, shape: [6, 8], strides: [8, 1], offset: 0 });
        expect(castFast(sv, { buffer: got, dtype: to, shape: [6, 8], strides: [8, 1], offset: 0 })).toBe(
          !(from === 'bool' && to === 'bool'),
        );
        if (from === 'bool' && to === 'bool') continue; // declined: the reference copies
        for (let i = 0; i < 48; i++) expect(Object.is(got[i], want[i])).toBe(true);
      }
    }
  });

  it.each(['eq', 'ne', 'lt', 'le', 'gt', 'ge'] as CompareOp[])('compareFast %s: arrays and a broadcast scalar, with NaN', (op) => {
    const a = rand(100, 12),
      b = rand(100, 13);
    b[10] = a[10]!; // some equal pairs
    b[20] = NaN;
    for (const bv of [view(b, [4, 25]), view(b, [4, 25], [0, 0], 20), view(b, [4, 25], [0, 0], 3)]) {
      const want = new Uint8Array(100),
        got = new Uint8Array(100);
      const ov = (buf: Uint8Array): TensorView => ({ buffer: buf, dtype: 'bool', shape: [4, 25], strides: [25, 1], offset: 0 });
      ew.compare(op, view(a, [4, 25]), bv, ov(want));
      expect(compareFast(op, view(a, [4, 25]), bv, ov(got))).toBe(true);
      expect([...got]).toEqual([...want]);
    }
  });
});
