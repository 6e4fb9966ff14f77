import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { registerBackend, specVersion } from '@dl/tensor/backend';
import { cpuBackend } from './index.js';
import { BufferPool } from './buffer.js';
import { collapse, forEachRow, offsetsOf } from './strided.js';
import { erf, roundHalfEven } from './kernels/math.js';

const cpuMem = () => dl.memory().devices.cpu!;

describe('cpu: fromArray shares memory (like torch.from_numpy)', () => {
  it('writes to the array show in the tensor and back', () => {
    const buf = new Float32Array(6);
    const t = dl.fromArray(buf, [2, 3]);
    expect(t.dtype).toBe('float32');
    buf[0] = 5;
    expect(t.at(0, 0).itemSync()).toBe(5);
    t.at(1).fill_(2);
    expect(Array.from(buf)).toEqual([5, 0, 0, 2, 2, 2]);
    t.add_(1);
    expect(buf[0]).toBe(6);
    const v = t.t();
    v.at(2, 1).fill_(-1);
    expect(buf[5]).toBe(-1);
  });

  it('keeps typed-array dtypes; a different dtype copies', () => {
    const ints = new Int32Array([1, 2, 3]);
    expect(dl.fromArray(ints).dtype).toBe('int32');
    const copied = dl.fromArray(ints, [3], { dtype: 'float32' });
    ints[0] = 100;
    expect(copied.toArraySync()).toEqual([1, 2, 3]);
    expect(() => dl.fromArray(new Float32Array(5), [2, 3])).toThrow(dl.ShapeError);
  });

  it('external memory is never returned to the pool', () => {
    const buf = new Float32Array(64);
    const t = dl.fromArray(buf);
    const pooled = cpuBackend.pool.pooledBytes;
    t.dispose();
    expect(cpuBackend.pool.pooledBytes).toBe(pooled);
    buf[0] = 1; // still ours
  });
});

describe('cpu: sync readers', () => {
  it('dataSync copies; toArraySync nests; itemSync reads one element', () => {
    const x = dl.tensor([
      [1, 2],
      [3, 4],
    ]);
    const d = x.dataSync();
    d[0] = 9;
    expect(x.toArraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(x.at(1, 0).itemSync()).toBe(3);
    expect(x.at('...', 1).dataSync()).toEqual(new Float32Array([2, 4]));
    expect(dl.tensor([true, false]).toArraySync()).toEqual([true, false]);
  });
});

describe('cpu: memory accounting', () => {
  it('dispose releases storages; views keep them alive until the last reference goes', () => {
    const before = cpuMem();
    const x = dl.ones([10, 10]);
    const v = x.view(100);
    expect(cpuMem().storages).toBe(before.storages + 1);
    expect(cpuMem().bytes).toBe(before.bytes + 400);
    x.dispose();
    expect(cpuMem().storages).toBe(before.storages + 1);
    v.dispose();
    expect(cpuMem().storages).toBe(before.storages);
    expect(cpuMem().bytes).toBe(before.bytes);
  });

  it('tidy frees intermediates and keeps results and keep()s, nested', () => {
    const before = cpuMem().storages;
    let kept: dl.Tensor | undefined;
    const r = dl.tidy(() => {
      const a = dl.ones([4]).mul(2).add(1);
      kept = dl.keep(a.exp());
      const inner = dl.tidy(() => a.sum());
      return { out: inner.add(1), list: [a.neg()] };
    });
    expect(r.out.itemSync()).toBe(13);
    expect(r.list[0]!.toArraySync()).toEqual([-3, -3, -3, -3]);
    expect(cpuMem().storages).toBe(before + 3);
    r.out.dispose();
    r.list[0]!.dispose();
    kept!.dispose();
    expect(cpuMem().storages).toBe(before);
  });

  it('a training-like loop under tidy holds a flat memory line', () => {
    const w = dl.randn([8, 4]);
    const x = dl.randn([16, 8]);
    const step = () => dl.tidy(() => void w.sub_(x.matmul(w).relu().sum(0).mean().mul(1e-3)));
    step();
    const base = cpuMem();
    const pool = cpuBackend.memoryInfo();
    for (let i = 0; i < 50; i++) step();
    expect(cpuMem().storages).toBe(base.storages);
    expect(cpuMem().bytes).toBe(base.bytes);
    expect(cpuBackend.memoryInfo().bytesInUse).toBe(pool.bytesInUse);
  });

  it('memory() reports the backend pool', () => {
    const m = cpuMem();
    expect(m.backend).toBeDefined();
    expect(m.backend!.bytesInUse).toBeGreaterThanOrEqual(0);
  });
});

describe('cpu: buffer pool', () => {
  it('reuses freed buffers of the same dtype and length', () => {
    const pool = new BufferPool(1024);
    const a = pool.allocate('float32', 32);
    expect(pool.inUseBytes).toBe(128);
    pool.release(a, 'float32');
    expect(pool.pooledBytes).toBe(128);
    expect(pool.allocate('float32', 32)).toBe(a);
    expect(pool.allocate('int32', 32)).not.toBe(a);
    expect(pool.pooledBytes).toBe(0);
  });

  it('respects the pooled-bytes cap', () => {
    const pool = new BufferPool(256);
    const a = pool.allocate('float64', 64); // 512 bytes > cap
    pool.release(a, 'float64');
    expect(pool.pooledBytes).toBe(0);
    expect(pool.buffers).toBe(0);
  });
});

describe('cpu: strided iteration helpers', () => {
  it('collapse merges contiguous dims and keeps transposed ones', () => {
    expect(collapse([2, 3, 4], [[12, 4, 1]])).toEqual({ shape: [24], strides: [[1]] });
    expect(collapse([3, 4], [[1, 3]])).toEqual({ shape: [3, 4], strides: [[1, 3]] });
    expect(collapse([1, 1], [[1, 1]])).toEqual({ shape: [1], strides: [[1]] });
    expect(
      collapse(
        [2, 1, 3],
        [
          [3, 7, 1],
          [0, 0, 1],
        ],
      ),
    ).toEqual({
      shape: [2, 3],
      strides: [
        [3, 1],
        [0, 1],
      ],
    });
  });

  it('offsetsOf walks any strided view in row-major order', () => {
    expect(Array.from(offsetsOf([2, 3], [1, 2], 5))).toEqual([5, 7, 9, 6, 8, 10]);
    expect(Array.from(offsetsOf([2, 0], [1, 1]))).toEqual([]);
    expect(Array.from(offsetsOf([], []))).toEqual([0]);
    const rows: number[][] = [];
    forEachRow([2, 2, 2], [[4, 2, 1]], [0], (o, n) => rows.push([o[0]!, n]));
    expect(rows).toEqual([
      [0, 2],
      [2, 2],
      [4, 2],
      [6, 2],
    ]);
  });
});

describe('cpu: math helpers', () => {
  it('erf to float64 precision', () => {
    const ref: [number, number][] = [
      [0, 0],
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.6, 0.9997639655834707],
      [3, 0.9999779095030014],
      [-1.5, -0.9661051464753108],
    ];
    for (const [x, e] of ref) expect(Math.abs(erf(x) - e)).toBeLessThan(1e-14);
    expect(erf(10)).toBe(1);
    expect(Number.isNaN(erf(NaN))).toBe(true);
  });

  it('round half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -2.5, 2.4, 2.6, Infinity].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3, Infinity]);
  });
});

describe('cpu: in-place and out dtype rules', () => {
  it('an int tensor cannot take a float result in place (as torch)', () => {
    const i = dl.tensor([1, 2], { dtype: 'int32' });
    expect(() => i.add_(1.5)).toThrow(dl.DTypeError);
    expect(() => i.add_(1.5)).toThrow(/add.*float32.*int32/);
    i.add_(2);
    expect(i.toArraySync()).toEqual([3, 4]);
    const f = dl.tensor([1, 2]);
    f.add_(i);
    expect(f.toArraySync()).toEqual([4, 6]);
    expect(() => dl.add(f, f, { out: dl.zeros([2], { dtype: 'int32' }) })).toThrow(dl.DTypeError);
    const out64 = dl.zeros([2], { dtype: 'float64' });
    dl.add(i, i, { out: out64 });
    expect(out64.toArraySync()).toEqual([6, 8]);
  });

  it('in-place ops bump the storage version shared by views', () => {
    const x = dl.ones([3]);
    const v = x.view(3);
    const v0 = x._version;
    v.mul_(2);
    expect(x._version).toBeGreaterThan(v0);
    expect(x.toArraySync()).toEqual([2, 2, 2]);
  });
});

describe('cpu: the backend contract version', () => {
  it('states its own spec version (a literal), which the registry checks against @dl/tensor', () => {
    expect(cpuBackend.specVersion.split('.')[0]).toBe(specVersion.split('.')[0]);
    const future = Object.create(cpuBackend, { name: { value: 'cpu-v2' }, specVersion: { value: '2.0.0' } });
    expect(() => registerBackend(future)).toThrow(/backend 'cpu-v2' implements spec 2\.0\.0, but @dl\/tensor is spec 1\./);
  });
});
