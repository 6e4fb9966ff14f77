import type { BinaryOp, TensorView, UnaryOp } from '@dl/tensor/backend';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as ew from '../kernels/elementwise.js';
import { reduce } from '../kernels/reduce.js';
import { BufferPool } from '../buffer.js';
import { copyFast } from '../kernels/fast-elementwise.js';
import { binaryWasm, ewTuning, sumWasm, unaryWasm } from './elementwise.js';
import { heapAlloc, heapF32, heapFree, heapLimit, heapPtr, heapStats, setHeapEnabled } from './heap.js';

function fill(a: Float32Array, seed: number): Float32Array {
  let s = seed;
  for (let i = 0; i < a.length; i++) a[i] = ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 4 - 2;
  if (a.length > 8) {
    a[1] = NaN;
    a[3] = -0;
    a[a.length - 1] = NaN;
  }
  return a;
}
function v(buffer: Float32Array, n: number, offset = 0, stride = 1): TensorView {
  return { buffer, dtype: 'float32', shape: [n], strides: [stride], offset };
}
function same(got: Float32Array, want: Float32Array): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (!Object.is(got[i], want[i])) expect({ i, got: got[i] }).toEqual({ i, got: want[i] });
  }
}
const pool = new BufferPool();
pool.heapMinElements = 1;
function heapArr(n: number, seed: number): Float32Array {
  const a = pool.allocate('float32', n) as Float32Array;
  expect(heapPtr(a)).toBeGreaterThanOrEqual(0);
  return fill(a, seed);
}

const saved = { ...ewTuning };
beforeEach(() => {
  setHeapEnabled(true);
  ewTuning.minElements = 1;
  ewTuning.minRow = 1;
  ewTuning.minSum = 1;
});
afterEach(() => {
  setHeapEnabled(undefined);
  Object.assign(ewTuning, saved);
});

describe('wasm heap (Note [Wasm heap])', () => {
  it('hands out aligned float32 views of the shared memory and recycles them', () => {
    const a = pool.allocate('float32', 1000) as Float32Array;
    const p = heapPtr(a);
    expect(p % 64).toBe(0);
    expect(heapPtr(new Float32Array(1000))).toBe(-1);
    expect(heapPtr(pool.allocate('int32', 1000))).toBe(-1);
    expect(heapPtr(new BufferPool().allocate('float32', 10))).toBe(-1); // small: plain array
    const q = heapAlloc(4000);
    heapFree(q, 4000);
    expect(heapAlloc(4000)).toBe(q);
    heapFree(q, 4000);
  });

  it('keeps old views valid when the memory grows', () => {
    const a = heapArr(1024, 1);
    const copy = a.slice();
    const before = heapStats().memoryBytes;
    const big = heapAlloc(before + 65536 * 3);
    expect(big).toBeGreaterThan(0);
    expect(heapStats().memoryBytes).toBeGreaterThan(before);
    same(a, copy);
    const b = heapF32(big, 1024);
    b.set(copy);
    expect(heapPtr(b)).toBe(big);
    expect(heapPtr(a)).toBeGreaterThanOrEqual(0);
    const o = heapArr(1024, 2);
    expect(binaryWasm('add', v(a, 1024), v(b, 1024), v(o, 1024))).toBe(true);
    for (let i = 0; i < 1024; i++) expect(Object.is(o[i], Math.fround(copy[i]! * 2))).toBe(true);
    heapFree(big, before + 65536 * 3);
  });

  for (const n of [1, 15, 16, 17, 63, 100, 1023, 4099]) {
    it(`binary/unary/sum in place match the reference (n=${n}, odd offsets, neighbours untouched)`, () => {
      for (const op of ['add', 'sub', 'mul', 'div', 'minimum', 'maximum'] as BinaryOp[]) {
        const a = heapArr(n + 7, 3),
          b = heapArr(n + 7, 4);
        const o = heapArr(n + 7, 5),
          want = o.slice();
        ew.binary(op, v(a, n, 3), v(b, n, 2), v(want, n, 5));
        expect(binaryWasm(op, v(a, n, 3), v(b, n, 2), v(o, n, 5))).toBe(true);
        same(o, want);
        // broadcast scalar operand
        const o2 = heapArr(n + 7, 6),
          want2 = o2.slice();
        ew.binary(op, v(a, n, 1), v(b, n, 4, 0), v(want2, n, 1));
        expect(binaryWasm(op, v(a, n, 1), v(b, n, 4, 0), v(o2, n, 1))).toBe(true);
        same(o2, want2);
      }
      for (const op of ['abs', 'neg', 'sqrt', 'relu'] as UnaryOp[]) {
        const a = heapArr(n + 7, 7);
        const o = heapArr(n + 7, 8),
          want = o.slice();
        ew.unary(op, v(a, n, 3), v(want, n, 1));
        expect(unaryWasm(op, v(a, n, 3), v(o, n, 1))).toBe(true);
        same(o, want);
      }
      const a = heapArr(n + 5, 9);
      a[4] = 1; // no NaN in the summed range start
      for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) a[i] = 0.5;
      const out = new Float32Array(1),
        ref = new Float32Array(1);
      const x: TensorView = { buffer: a, dtype: 'float32', shape: [n], strides: [1], offset: 3 };
      expect(sumWasm('sum', x, [0], { buffer: out, dtype: 'float32', shape: [1], strides: [1], offset: 0 })).toBe(true);
      reduce('sum', x, [0], { buffer: ref, dtype: 'float32', shape: [1], strides: [1], offset: 0 });
      expect(out[0]).toBeCloseTo(ref[0]!, 3);
    });
  }

  for (const n of [5, 16, 33, 20000, 40001]) {
    it(`mixes heap and plain operands at n=${n} (each operand either kind)`, () => {
      for (let mask = 0; mask < 8; mask++) {
        const mk = (bit: number, seed: number): Float32Array => (mask & bit ? heapArr(n + 3, seed) : fill(new Float32Array(n + 3), seed));
        for (const bs of [1, 0] as const) {
          const a = mk(1, 21),
            b = mk(2, 22),
            o = mk(4, 23);
          const want = o.slice();
          ew.binary('sub', v(a, n, 1), v(b, n, 2, bs), v(want, n, 3));
          expect(binaryWasm('sub', v(a, n, 1), v(b, n, 2, bs), v(o, n, 3))).toBe(true);
          same(o, want);
        }
        const a = mk(1, 24),
          o = mk(4, 25);
        const want = o.slice();
        ew.unary('relu', v(a, n, 2), v(want, n, 1));
        expect(unaryWasm('relu', v(a, n, 2), v(o, n, 1))).toBe(true);
        same(o, want);
      }
    });
  }

  it('mixes heap and plain operands (copy path) and in-place updates', () => {
    const n = 5000;
    const a = heapArr(n, 11),
      b = fill(new Float32Array(n), 12);
    const want = a.slice();
    ew.binary('add', v(want, n), v(b, n), v(want, n));
    expect(binaryWasm('add', v(a, n), v(b, n), v(a, n))).toBe(true);
    same(a, want);
    const c = heapArr(n, 13),
      w2 = c.slice();
    ew.binary('mul', v(w2, n), v(w2, n), v(w2, n));
    expect(binaryWasm('mul', v(c, n), v(c, n), v(c, n))).toBe(true);
    same(c, w2);
  });

  it('falls back to plain arrays past the heap limit, and when disabled', () => {
    const saved = heapLimit.bytes;
    heapLimit.bytes = heapStats().reservedBytes;
    try {
      const p = new BufferPool();
      const a = p.allocate('float32', 100_000) as Float32Array;
      expect(heapPtr(a)).toBe(-1);
      expect(a.length).toBe(100_000);
    } finally {
      heapLimit.bytes = saved;
    }
    setHeapEnabled(false);
    expect(heapPtr(new BufferPool().allocate('float32', 100_000))).toBe(-1);
  });

  it('copies between heap buffers with the fast path and returns blocks when the pool is full', () => {
    const a = heapArr(4096, 14),
      b = heapArr(4096, 15);
    expect(copyFast(v(a, 4096), v(b, 4096))).toBe(true);
    same(b, a);
    const small = new BufferPool(0);
    const x = small.allocate('float32', 2048) as Float32Array;
    const p = heapPtr(x);
    small.release(x, 'float32');
    expect(small.pooledBytes).toBe(0);
    expect(small.inUseBytes).toBe(0);
    expect(heapPtr(small.allocate('float32', 2048))).toBe(p);
  });
});
