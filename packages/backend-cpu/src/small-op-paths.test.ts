/**
 * The per-op overhead paths (issue 15): the one-row elementwise walk (Note [One-row fast path] in
 * strided.ts), the pool's small-buffer path, cached kernel views (Note [Cached kernel views] in
 * @dl/tensor) and the loose-count limit (Note [The loose-count limit]). Each result is checked
 * against values computed here element by element, through layouts that take the one-row walk
 * and layouts that must decline to the general walk.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { TensorView } from '@dl/tensor/backend';
import './index.js';
import { BufferPool } from './buffer.js';
import { collapse, contiguousNumel, forEachRow, rowStride } from './strided.js';
import { heapPtr } from './wasm/heap.js';

const view = (shape: number[], strides: number[], offset = 0): TensorView => ({
  buffer: new Float32Array(64),
  dtype: 'float32',
  shape,
  strides,
  offset,
});

/** The values of `t` read element by element through its shape (row-major). */
const valuesOf = (t: dl.Tensor): number[] => (t.contiguous().toArraySync() as unknown as number[]).flat(8) as number[];

describe('one-row walk: which layouts take it', () => {
  it('contiguousNumel: contiguous layouts (size-1 dims ignored) give numel, others -1', () => {
    expect(contiguousNumel(view([2, 3], [3, 1]))).toBe(6);
    expect(contiguousNumel(view([2, 1, 3], [3, 99, 1], 5))).toBe(6);
    expect(contiguousNumel(view([], []))).toBe(1);
    expect(contiguousNumel(view([3, 2], [1, 3]))).toBe(-1); // transposed
    expect(contiguousNumel(view([2, 3], [6, 1]))).toBe(-1); // every other row
  });

  it('rowStride: 1 for the output layout, 0 for an all-broadcast operand, -1 otherwise', () => {
    const out = view([2, 1, 3], [3, 3, 1]);
    expect(rowStride(out, view([2, 1, 3], [3, 7, 1], 4))).toBe(1);
    expect(rowStride(out, view([2, 1, 3], [0, 0, 0]))).toBe(0);
    expect(rowStride(out, view([2, 1, 3], [0, 5, 0]))).toBe(0);
    expect(rowStride(out, view([2, 1, 3], [0, 0, 1]))).toBe(-1); // a row broadcast: general walk
    expect(rowStride(out, view([2, 1, 3], [1, 0, 2]))).toBe(-1); // transposed: general walk
  });
});

describe('collapse and forEachRow (the general walk)', () => {
  it('merge dims only where every operand is contiguous across them', () => {
    expect(
      collapse(
        [2, 3, 4],
        [
          [12, 4, 1],
          [12, 4, 1],
          [0, 0, 0],
        ],
      ),
    ).toEqual({ shape: [24], strides: [[1], [1], [0]] });
    expect(
      collapse(
        [2, 3, 4],
        [
          [12, 4, 1],
          [4, 0, 1],
        ],
      ),
    ).toEqual({
      shape: [2, 3, 4],
      strides: [
        [12, 4, 1],
        [4, 0, 1],
      ],
    });
    const rows: number[][] = [];
    forEachRow(
      [2, 3, 4],
      [
        [12, 4, 1],
        [4, 0, 1],
      ],
      [5, 1],
      (o, n) => rows.push([o[0]!, o[1]!, n]),
    );
    expect(rows).toEqual([
      [5, 1, 4],
      [9, 1, 4],
      [13, 1, 4],
      [17, 5, 4],
      [21, 5, 4],
      [25, 5, 4],
    ]);
  });
});

describe('elementwise kernels give the same values through the one-row walk and the general walk', () => {
  const a6 = [1.5, -2, 3.25, 0, -0.5, 7];
  const b6 = [0.5, 4, -1, 2, 8, -3];

  it('contiguous and offset operands, scalars (0-d and expanded)', () => {
    const a = dl.tensor(a6).reshape(2, 3);
    const b = dl.tensor(b6).reshape(2, 3);
    expect(valuesOf(a.add(b))).toEqual(a6.map((v, i) => v + b6[i]!));
    // views starting at an offset into a longer storage
    const big = dl.tensor([9, 9, 9, ...a6, 9]);
    const off = big.narrow(0, 3, 6).reshape(2, 3);
    expect(off.storageOffset()).toBe(3);
    expect(valuesOf(off.mul(b))).toEqual(a6.map((v, i) => Math.fround(v * b6[i]!)));
    // a number operand (a 0-d tensor broadcast: every stride 0) and an expanded 0-d tensor
    expect(valuesOf(a.sub(2))).toEqual(a6.map((v) => v - 2));
    expect(valuesOf(dl.tensor(3).expand(2, 3).mul(a))).toEqual(a6.map((v) => v * 3));
    expect(valuesOf(a.exp())).toEqual(a6.map((v) => Math.fround(Math.exp(v))));
    expect(valuesOf(dl.where(a.gt(0), a, b))).toEqual(a6.map((v, i) => (v > 0 ? v : b6[i]!)));
    expect(valuesOf(a.clamp(-1, 2))).toEqual(a6.map((v) => Math.min(Math.max(v, -1), 2)));
  });

  it('layouts that decline to the general walk: transposed, row-broadcast, strided out=', () => {
    const a = dl.tensor(a6).reshape(2, 3);
    const bt = dl.tensor(b6).reshape(3, 2).t(); // [2, 3], transposed layout
    const expectT = a6.map((v, i) => v + b6[(i % 3) * 2 + Math.floor(i / 3)]!);
    expect(valuesOf(a.add(bt))).toEqual(expectT);
    const row = dl.tensor([10, 20, 30]).reshape(1, 3);
    expect(valuesOf(a.add(row))).toEqual(a6.map((v, i) => v + [10, 20, 30][i % 3]!));
    const out = dl.zeros(3, 2).t(); // a non-contiguous destination
    dl.add(a, bt, { out });
    expect(valuesOf(out)).toEqual(expectT);
    const clampT = bt.clamp(0, 3);
    expect(valuesOf(clampT)).toEqual(valuesOf(bt).map((v) => Math.min(Math.max(v, 0), 3)));
  });

  it('size-1 dims with arbitrary strides still take the one-row walk and read the right elements', () => {
    const a = dl.tensor(a6).reshape(2, 3).unsqueeze(1); // [2, 1, 3]
    const b = dl.tensor(b6).reshape(2, 1, 3);
    expect(valuesOf(a.add(b))).toEqual(a6.map((v, i) => v + b6[i]!));
  });

  it('other dtypes at sizes the wasm paths decline (int32, float64, bool) take the JS one-row walk', () => {
    const n = 20_000;
    const ia = dl.arange(n, { dtype: 'int32' });
    const ib = dl.full([n], 7, { dtype: 'int32' });
    const s = ia.mul(ib).add(ia);
    const v = s.toArraySync() as number[];
    expect(v.length).toBe(n);
    for (const i of [0, 1, 4095, 16_384, n - 1]) expect(v[i]).toBe(i * 8);
    const f64 = dl.tensor([0.1, 0.2, 0.3], { dtype: 'float64' });
    const g64 = dl.tensor([0.2, 0.1, 1e-17], { dtype: 'float64' });
    expect(f64.add(g64).toArraySync()).toEqual([0.1 + 0.2, 0.2 + 0.1, 0.3 + 1e-17]); // double rounding, not float32's
    const m = dl.tensor([true, false, true]);
    expect(dl.logicalNot(m).toArraySync()).toEqual([false, true, false]);
    const filled = dl.zeros(5, { dtype: 'bool' }).fill_(1);
    expect(filled.toArraySync()).toEqual([true, true, true, true, true]);
  });
});

describe('BufferPool: small buffers skip the pool', () => {
  it('allocates the dtype array, pools only buffers of 64 bytes or more, and keeps its counts', () => {
    const pool = new BufferPool();
    pool.heapMinElements = Number.POSITIVE_INFINITY; // plain typed arrays only
    const b = pool.allocate('bool', 5);
    expect(b).toBeInstanceOf(Uint8Array);
    expect(pool.allocate('float64', 3)).toBeInstanceOf(Float64Array);
    expect(pool.inUseBytes).toBe(5 + 24);
    const small = pool.allocate('float32', 4); // 16 bytes: never pooled
    pool.release(small, 'float32');
    expect(pool.pooledBytes).toBe(0);
    expect(pool.allocate('float32', 4)).not.toBe(small);
    const big = pool.allocate('int32', 16); // 64 bytes: pooled and reused
    pool.release(big, 'int32');
    expect(pool.pooledBytes).toBe(64);
    expect(pool.allocate('int32', 16)).toBe(big);
    expect(pool.pooledBytes).toBe(0);
    expect(pool.buffers).toBe(4);
  });
});

describe('BufferPool: spilling small arrays', () => {
  it('a plain small array is handed over as it is; a small wasm-heap view (heapMinElements lowered) is copied out', () => {
    const pool = new BufferPool();
    const plain = pool.allocate('float32', 4);
    expect(pool.spill(plain)).toBe(plain);
    pool.heapMinElements = 1;
    const h = pool.allocate('float32', 4) as Float32Array;
    expect(heapPtr(h)).toBeGreaterThanOrEqual(0); // the wasm heap is on by default in Node
    h.set([1, 2, 3, 4]);
    const out = pool.spill(h) as Float32Array;
    expect(out).not.toBe(h);
    expect(heapPtr(out)).toBe(-1);
    expect(Array.from(out)).toEqual([1, 2, 3, 4]);
    expect(pool.inUseBytes).toBe(0);
  });
});

describe('cached kernel views follow the tensor', () => {
  it('a spill and an adopt replace the buffer: kernels read the current one', () => {
    const x = dl.arange(300, { dtype: 'float32' }); // wasm heap sized
    const before = x._storage.buffer;
    expect(x.mul(2).at(299).itemSync()).toBe(598); // the view is cached now
    dl.endStep(); // x is loose: its storage is handed to the GC (a copy out of the heap)
    expect(x._storage.buffer).not.toBe(before);
    expect(x._view('test').buffer).toBe(x._storage.buffer);
    // reuse the heap block x had, so a stale view would read these values
    const junk = dl.full([300], -1, { dtype: 'float32' });
    expect(junk.at(0).itemSync()).toBe(-1);
    const y = x.mul(2);
    expect(y.at(0).itemSync()).toBe(0);
    expect(y.at(299).itemSync()).toBe(598);
    expect(x._view('test').buffer).toBe(x._storage.buffer); // adopted back: the heap again
    if (heapPtr(before as Float32Array) >= 0) expect(heapPtr(x._storage.buffer as Float32Array)).toBeGreaterThanOrEqual(0);
  });

  it('an in-place view op (unsqueeze_, t_) changes the layout kernels see', () => {
    const x = dl.arange(6, { dtype: 'float32' }).reshape(2, 3).contiguous();
    expect(x.add(0).shape).toEqual([2, 3]);
    x.unsqueeze_(0);
    const y = x.add(1);
    expect(y.shape).toEqual([1, 2, 3]);
    expect(y.toArraySync()).toEqual([
      [
        [1, 2, 3],
        [4, 5, 6],
      ],
    ]);
    const m = dl.arange(6, { dtype: 'float32' }).reshape(2, 3).contiguous();
    expect(m.mul(1).shape).toEqual([2, 3]);
    m.t_();
    expect(m.mul(1).toArraySync()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it('a disposed tensor still refuses kernels', () => {
    const x = dl.ones(4);
    expect(x.add(1).sum().itemSync()).toBe(8);
    x.dispose();
    expect(() => x.add(1)).toThrow(dl.StateError);
  });
});

describe('loose-count limit', () => {
  it('a loop of small ops with no library routine hands its tensors to the GC every 2,048 tensors', () => {
    dl.endStep();
    const before = dl.memory().tensors;
    let y = dl.tensor([1, 2, 3, 4]);
    const b = dl.tensor([0.5, 0.25, 0.125, 0.0625]);
    let peak = 0;
    for (let i = 0; i < 5000; i++) {
      y = y.add(b);
      peak = Math.max(peak, dl.memory().tensors - before);
    }
    expect(peak).toBeGreaterThan(2000);
    expect(peak).toBeLessThanOrEqual(2050);
    expect(y.toArraySync()).toEqual([2501, 1252, 628, 316.5]);
  });
});
