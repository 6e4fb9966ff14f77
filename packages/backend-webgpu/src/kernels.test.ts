import { afterAll, describe, expect, it } from 'vitest';
import { philoxFill } from '@dl/tensor/backend';
import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { close, download, empty, f32, hostStrided, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());
const NAN = Number.NaN;

/** Deterministic pseudo-random values. */
function values(n: number, seed = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return f32((s / 2147483648) * 4 - 2);
  });
}

/** Reference reduction of a row-major array `x` of `shape` over `axes` (keepdim). */
function refReduce(op: ReduceOp, x: number[], shape: number[], axes: number[]): number[] {
  const outShape = shape.map((s, d) => (axes.includes(d) ? 1 : s));
  const nOut = outShape.reduce((a, b) => a * b, 1);
  const groups: number[][] = Array.from({ length: nOut }, () => []);
  for (let i = 0; i < x.length; i++) {
    let rem = i;
    let o = 0;
    let mul = 1;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      if (!axes.includes(d)) o += c * mul;
      mul *= outShape[d]!;
    }
    groups[o]!.push(x[i]!);
  }
  return groups.map((g) => {
    switch (op) {
      case 'sum':
        return g.reduce((a, b) => a + b, 0);
      case 'prod':
        return g.reduce((a, b) => a * b, 1);
      case 'max':
        return g.some(Number.isNaN) ? NAN : Math.max(...g);
      case 'min':
        return g.some(Number.isNaN) ? NAN : Math.min(...g);
      case 'argmax': {
        const n = g.findIndex(Number.isNaN);
        return n >= 0 ? n : g.indexOf(Math.max(...g));
      }
      case 'argmin': {
        const n = g.findIndex(Number.isNaN);
        return n >= 0 ? n : g.indexOf(Math.min(...g));
      }
      case 'all':
        return g.every((v) => v !== 0) ? 1 : 0;
      case 'any':
        return g.some((v) => v !== 0) ? 1 : 0;
    }
  });
}

describe.runIf(be)('webgpu kernels', () => {
  const gpu = be!;

  describe('reduce', () => {
    const cases: Array<[number[], number[]]> = [
      [[4, 5], [1]],
      [[4, 5], [0]],
      [
        [3, 4, 5],
        [0, 2],
      ],
      [
        [2, 3, 4],
        [0, 1, 2],
      ],
      [[3, 300], [1]], // workgroup tree path
      [[700], [0]],
    ];
    for (const op of ['sum', 'prod', 'max', 'min', 'all', 'any'] as ReduceOp[]) {
      it.each(cases)(`${op} of %j over %j`, async (shape, axes) => {
        const n = shape.reduce((a, b) => a * b, 1);
        let xs = values(n, 7);
        if (op === 'prod') xs = xs.map((v) => f32(1 + v / 40));
        if (op === 'all' || op === 'any') xs = xs.map((v) => (v > 1.5 ? 0 : 1)).map((v) => (op === 'any' ? 1 - v : v));
        const dt = op === 'all' || op === 'any' ? 'bool' : 'float32';
        const x = upload(gpu, dt, xs, shape);
        const outShape = shape.map((s, d) => (axes.includes(d) ? 1 : s));
        const out = empty(gpu, dt, outShape);
        gpu.reduce(op, x, axes, out);
        expect(close(await download(gpu, out), refReduce(op, xs, shape, axes), 1e-4, 1e-4)).toBeNull();
      });
    }

    it.each([
      [[4, 6], 1],
      [[4, 6], 0],
      [[2, 400], 1],
    ] as Array<[number[], number]>)('argmax/argmin of %j along %i: first index, NaN wins', async (shape, axis) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const xs = values(n, 3).map((v) => Math.round(v) + 0); // many ties
      xs[5] = NAN;
      xs[n - 2] = NAN;
      const x = upload(gpu, 'float32', xs, shape);
      const outShape = shape.map((s, d) => (d === axis ? 1 : s));
      for (const op of ['argmax', 'argmin'] as const) {
        const out = empty(gpu, 'int32', outShape);
        gpu.reduce(op, x, [axis], out);
        expect(await download(gpu, out)).toEqual(refReduce(op, xs, shape, [axis]));
      }
    });

    it('max/min propagate NaN; int32 sum and max; strided input', async () => {
      const x = upload(gpu, 'float32', [1, NAN, 3, 4, 5, 6], [2, 3]);
      const out = empty(gpu, 'float32', [2, 1]);
      gpu.reduce('max', x, [1], out);
      expect(close(await download(gpu, out), [NAN, 6])).toBeNull();
      gpu.reduce('min', x, [1], out);
      expect(close(await download(gpu, out), [NAN, 4])).toBeNull();
      const xi = upload(gpu, 'int32', [1, -2, 3, 4, 5, 6], [2, 3]);
      const xt: TensorView = { ...xi, shape: [3, 2], strides: [1, 3] };
      const oi = empty(gpu, 'int32', [1, 2]);
      gpu.reduce('sum', xt, [0], oi);
      expect(await download(gpu, oi)).toEqual([2, 15]);
      gpu.reduce('max', xt, [0], oi);
      expect(await download(gpu, oi)).toEqual([3, 6]);
      // bool sum into int32
      const xb = upload(gpu, 'bool', [1, 1, 0, 1]);
      const ob = empty(gpu, 'int32', [1]);
      gpu.reduce('sum', xb, [0], ob);
      expect(await download(gpu, ob)).toEqual([3]);
    });
  });

  describe('matmul', () => {
    function refMM(a: number[], b: number[], B: number, M: number, K: number, N: number): number[] {
      const out: number[] = [];
      for (let bb = 0; bb < B; bb++)
        for (let i = 0; i < M; i++)
          for (let j = 0; j < N; j++) {
            let s = 0;
            for (let k = 0; k < K; k++) s += a[bb * M * K + i * K + k]! * b[bb * K * N + k * N + j]!;
            out.push(s);
          }
      return out;
    }
    it.each([
      [1, 1, 1, 1],
      [1, 5, 7, 3],
      [2, 17, 33, 70],
      [3, 64, 16, 64],
      [1, 130, 20, 65],
    ])('B=%i M=%i K=%i N=%i', async (B, M, K, N) => {
      const av = values(B * M * K, 1);
      const bv = values(B * K * N, 2);
      const a = upload(gpu, 'float32', av, [B, M, K]);
      const b = upload(gpu, 'float32', bv, [B, K, N]);
      const out = empty(gpu, 'float32', [B, M, N]);
      gpu.matmul(a, b, out);
      expect(close(await download(gpu, out), refMM(av, bv, B, M, K, N), 1e-4, 1e-4)).toBeNull();
    });
    it('transposed and broadcast operands through strides', async () => {
      const M = 6,
        K = 5,
        N = 4;
      const at = values(K * M, 4); // stored [K, M]
      const bv = values(K * N, 5);
      const a: TensorView = { ...upload(gpu, 'float32', at, [K, M]), shape: [2, M, K], strides: [0, 1, M] };
      const b: TensorView = { ...upload(gpu, 'float32', bv, [K, N]), shape: [2, K, N], strides: [0, N, 1] };
      const out = empty(gpu, 'float32', [2, M, N]);
      gpu.matmul(a, b, out);
      const aRow = hostStrided(at, [M, K], [1, M], 0);
      const one = refMM(aRow, bv, 1, M, K, N);
      expect(close(await download(gpu, out), [...one, ...one], 1e-4, 1e-4)).toBeNull();
    });
    it('int32 matmul and K = 0', async () => {
      const a = upload(gpu, 'int32', [1, 2, 3, 4], [1, 2, 2]);
      const b = upload(gpu, 'int32', [5, 6, 7, 8], [1, 2, 2]);
      const out = empty(gpu, 'int32', [1, 2, 2]);
      gpu.matmul(a, b, out);
      expect(await download(gpu, out)).toEqual([19, 22, 43, 50]);
      const z = empty(gpu, 'float32', [1, 2, 3]);
      gpu.fill(z, 9);
      gpu.matmul(empty(gpu, 'float32', [1, 2, 0]), empty(gpu, 'float32', [1, 0, 3]), z);
      expect(await download(gpu, z)).toEqual([0, 0, 0, 0, 0, 0]);
    });
  });

  describe('indexing', () => {
    it('gather along dim 1 (negative indices are errors: device-errors.test.ts)', async () => {
      const x = upload(gpu, 'float32', [1, 2, 3, 4, 5, 6], [2, 3]);
      const idx = upload(gpu, 'int32', [2, 0, 2, 1], [2, 2]);
      const out = empty(gpu, 'float32', [2, 2]);
      gpu.gather(x, 1, idx, out);
      expect(await download(gpu, out)).toEqual([3, 1, 6, 5]);
    });
    it('gather along dim 0 of a transposed view', async () => {
      const base = upload(gpu, 'float32', [1, 2, 3, 4, 5, 6], [2, 3]);
      const x: TensorView = { ...base, shape: [3, 2], strides: [1, 3] }; // [[1,4],[2,5],[3,6]]
      const idx = upload(gpu, 'int32', [2, 0], [1, 2]);
      const out = empty(gpu, 'float32', [1, 2]);
      gpu.gather(x, 0, idx, out);
      expect(await download(gpu, out)).toEqual([3, 4]);
    });
    it('indexSelect with repeated indices', async () => {
      const x = upload(gpu, 'int32', [1, 2, 3, 4, 5, 6], [3, 2]);
      const idx = upload(gpu, 'int32', [2, 0, 2]);
      const out = empty(gpu, 'int32', [3, 2]);
      gpu.indexSelect(x, 0, idx, out);
      expect(await download(gpu, out)).toEqual([5, 6, 1, 2, 5, 6]);
      const out2 = empty(gpu, 'int32', [3, 3]);
      gpu.indexSelect(x, 1, upload(gpu, 'int32', [1, 1, 0]), out2);
      expect(await download(gpu, out2)).toEqual([2, 2, 1, 4, 4, 3, 6, 6, 5]);
    });
    it('scatter add accumulates duplicates (float CAS loop, int atomicAdd); assign', async () => {
      const n = 1000;
      const dst = empty(gpu, 'float32', [4]);
      gpu.fill(dst, 0);
      const idx = upload(
        gpu,
        'int32',
        Array.from({ length: n }, (_, i) => i % 4),
      );
      const src = upload(
        gpu,
        'float32',
        Array.from({ length: n }, () => 0.5),
      );
      gpu.scatter(dst, 0, idx, src, 'add');
      expect(await download(gpu, dst)).toEqual([125, 125, 125, 125]);
      const di = upload(gpu, 'int32', [1, 1, 1]);
      gpu.scatter(di, 0, upload(gpu, 'int32', [2, 2, 0]), upload(gpu, 'int32', [5, 7, -1]), 'add');
      expect(await download(gpu, di)).toEqual([0, 1, 13]);
      const d2 = upload(gpu, 'float32', [0, 0, 0, 0, 0, 0], [2, 3]);
      gpu.scatter(d2, 1, upload(gpu, 'int32', [2, 0], [2, 1]), upload(gpu, 'float32', [7, 8], [2, 1]), 'assign');
      expect(await download(gpu, d2)).toEqual([0, 0, 7, 8, 0, 0]);
    });
  });

  describe('sort', () => {
    it('stable ascending and descending, NaN largest', async () => {
      const xs = [3, 1, NAN, 2, 1, -5, 3, NAN];
      const x = upload(gpu, 'float32', xs, [2, 4]);
      const v = empty(gpu, 'float32', [2, 4]);
      const i = empty(gpu, 'int32', [2, 4]);
      gpu.sort(x, false, v, i);
      expect(close(await download(gpu, v), [1, 2, 3, NAN, -5, 1, 3, NAN])).toBeNull();
      expect(await download(gpu, i)).toEqual([1, 3, 0, 2, 1, 0, 2, 3]);
      gpu.sort(x, true, v, i);
      expect(close(await download(gpu, v), [NAN, 3, 2, 1, NAN, 3, 1, -5])).toBeNull();
      expect(await download(gpu, i)).toEqual([2, 0, 3, 1, 3, 2, 0, 1]);
    });
    it('int32 rows with ties keep order', async () => {
      const xs = values(300, 9).map((v) => Math.round(v * 2) + 0);
      const x = upload(gpu, 'int32', xs, [3, 100]);
      const v = empty(gpu, 'int32', [3, 100]);
      const i = empty(gpu, 'int32', [3, 100]);
      gpu.sort(x, false, v, i);
      const ev: number[] = [];
      const ei: number[] = [];
      for (let r = 0; r < 3; r++) {
        const row = xs.slice(r * 100, r * 100 + 100).map((val, k) => [val, k] as const);
        row.sort((a, b) => a[0] - b[0]); // Array.prototype.sort is stable
        ev.push(...row.map((p) => p[0]));
        ei.push(...row.map((p) => p[1]));
      }
      expect(await download(gpu, v)).toEqual(ev);
      expect(await download(gpu, i)).toEqual(ei);
    });
  });

  it('cumsum along each dim, strided', async () => {
    const x = upload(gpu, 'float32', [1, 2, 3, 4, 5, 6], [2, 3]);
    const out = empty(gpu, 'float32', [2, 3]);
    gpu.cumsum(x, 1, out);
    expect(await download(gpu, out)).toEqual([1, 3, 6, 4, 9, 15]);
    gpu.cumsum(x, 0, out);
    expect(await download(gpu, out)).toEqual([1, 2, 3, 5, 7, 9]);
    const xt: TensorView = { ...x, shape: [3, 2], strides: [1, 3] };
    const o2 = empty(gpu, 'int32', [3, 2]);
    gpu.cumsum(xt, 0, o2);
    expect(await download(gpu, o2)).toEqual([1, 4, 3, 9, 6, 15]);
  });

  describe('random (Philox)', () => {
    it.each([
      [[1, 2], 0],
      [[0xdeadbeef, 0x12345678], 4294967290], // counter carries into the high word
    ] as Array<[[number, number], number]>)('uniform matches philoxFill bit for bit (key %j, offset %i)', async (key, offset) => {
      const n = 1000;
      const out = empty(gpu, 'float32', [n]);
      gpu.random(out, 'uniform', key, offset);
      const ref = new Float32Array(n);
      philoxFill(ref, 'uniform', key, offset);
      expect(await download(gpu, out)).toEqual([...ref]);
    });
    it('normal matches philoxFill to float32 rounding; offset view', async () => {
      const n = 1000;
      const buf = empty(gpu, 'float32', [n + 3]);
      gpu.random({ ...buf, shape: [n], offset: 3 }, 'normal', [7, 9], 12345);
      const ref = new Float32Array(n);
      philoxFill(ref, 'normal', [7, 9], 12345);
      const got = (await download(gpu, buf)).slice(3);
      expect(close(got, [...ref], 1e-5, 2e-5)).toBeNull();
    });
  });
});
