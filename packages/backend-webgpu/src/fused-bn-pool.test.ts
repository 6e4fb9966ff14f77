/**
 * The fused batch-norm, relu-backward and pooling-backward kernels of webgpu (kernels/batch-norm.ts,
 * threshold-backward.ts, pool2d-backward.ts) against the cpu backend's (which its own tests check
 * against PyTorch): many shapes, odd sizes, batch 1, channels large enough for the segmented
 * statistics, overlapping / padded / dilated / ceil-mode windows, NaN. Without a WebGPU adapter it
 * is skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import type { Pool2dParams } from '@dl/tensor/backend';
import { avgPool2dBackward, batchNorm, batchNormBackward, maxPool2dBackward, thresholdBackward } from '@dl/tensor/internal';
import '@dl/backend-cpu';
import { webgpu } from './index.js';
import { ONE_GROUP_MAX } from './kernels/batch-norm.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
const DEV = 'webgpu';

/** Deterministic values in [lo, hi) (float32). */
function values(n: number, seed: number, lo = -1, hi = 1): number[] {
  let s = seed >>> 0;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = Math.fround(lo + ((s >>> 8) / 16777216) * (hi - lo));
  }
  return out;
}

const cpuT = (data: number[], shape: number[]): Tensor => dl.tensor(data).reshape(shape);

/** Compare a webgpu tensor with a cpu one: shape, then each value within atol + rtol·|expected| (NaN only where NaN). */
async function close(actual: Tensor | null, expected: Tensor | null, what: string, atol = 1e-5, rtol = 1e-4): Promise<void> {
  if (expected === null) {
    expect(actual, `${what}: expected null`).toBeNull();
    return;
  }
  expect(actual, `${what}: missing`).toBeTruthy();
  expect(actual!.device, `${what} device`).toBe(DEV);
  expect([...actual!.shape], `${what} shape`).toEqual([...expected.shape]);
  const a = await actual!.contiguous().data();
  const e = await expected.contiguous().data();
  for (let i = 0; i < e.length; i++) {
    const v = Number(a[i]);
    const w = Number(e[i]);
    if (Number.isNaN(w) ? !Number.isNaN(v) : v !== w && !(Math.abs(v - w) <= atol + rtol * Math.abs(w)))
      expect.fail(`${what} at ${i}: ${v} vs ${w}`);
  }
}

describe.runIf(be)('webgpu fused batch norm, relu backward and pooling backward', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    // Let queued work finish, then destroy the device: a pending mapAsync at exit crashes Dawn.
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  it('registers every fused member of this slice', () => {
    for (const k of ['batchNorm', 'batchNormBackward', 'thresholdBackward', 'maxPool2dBackward', 'avgPool2dBackward'] as const) {
      expect(typeof webgpu[k], k).toBe('function');
    }
  });

  // [shape, centre of the values, affine]: odd sizes, batch 1, planes of 1, 2-D and 3-D inputs, channels
  // over ONE_GROUP_MAX elements (the segmented two-dispatch statistics), data far from zero (two-pass)
  const bnCases: Array<[number[], number, boolean]> = [
    [[2, 3, 4, 5], 0, true],
    [[1, 1, 7], 0, true],
    [[5, 4], 0, false],
    [[300, 2, 1], 0.5, true],
    [[7, 3, 5, 5], -3, true],
    [[3, 5, 7, 11], 0, false],
    [[1, 6, 13, 17], 1000, true],
    [[4, 1000], 0, true],
    [[2, 2, 200, 200], 0, true],
    [[1, 1, 257, 255], 100, true],
    [[3, 2, 150, 151], 0, false],
  ];

  it.each(bnCases)('batchNorm training forward and backward agree with cpu (%j, centre %d, affine %s)', async (shape, centre, affine) => {
    const C = shape[1]!;
    const n = shape.reduce((a, b) => a * b, 1);
    const x = cpuT(values(n, 7 + n, centre - 2, centre + 2), shape);
    const w = affine ? cpuT(values(C, 3, 0.5, 1.5), [C]) : null;
    const b = affine ? cpuT(values(C, 4), [C]) : null;
    const opts = { training: true, eps: 1e-5, runningMean: null, runningVar: null };
    const ref = batchNorm(x, w, b, opts);
    const got = batchNorm(x.to(DEV), w?.to(DEV) ?? null, b?.to(DEV) ?? null, opts);
    const scale = Math.max(1, Math.abs(centre));
    await close(got.mean, ref.mean, 'mean', 1e-6 * scale, 1e-5);
    await close(got.var, ref.var, 'var', 1e-6, 1e-4);
    await close(got.output, ref.output, 'output', 2e-5 * scale, 1e-4);
    // backward with cpu's statistics on both devices, every combination of needed gradients
    const g = cpuT(values(n, 11 + n), shape);
    const invstd = ref.var.add(1e-5).rsqrt();
    for (const needs of [
      [true, true, true],
      [true, false, false],
      [false, true, true],
      [false, false, true],
    ]) {
      const r = batchNormBackward(g, x, w, ref.mean, invstd, true, needs)!;
      const q = batchNormBackward(g.to(DEV), x.to(DEV), w?.to(DEV) ?? null, ref.mean.to(DEV), invstd.to(DEV), true, needs)!;
      expect(q, 'the fused path ran').not.toBeNull();
      await close(q[0], r[0], `gradIn ${needs}`, 5e-5, 1e-3);
      await close(q[1], r[1], `gradWeight ${needs}`, 2e-4 * Math.sqrt(n / C), 1e-3);
      await close(q[2], r[2], `gradBias ${needs}`, 2e-5 * Math.sqrt(n / C), 1e-4);
    }
  });

  it('a channel over ONE_GROUP_MAX elements takes the segmented path and still agrees (shape [1, 1, 65536])', async () => {
    const shape = [1, 1, ONE_GROUP_MAX * 2];
    const x = cpuT(values(ONE_GROUP_MAX * 2, 5, 10, 14), shape);
    const opts = { training: true, eps: 1e-5, runningMean: null, runningVar: null };
    const ref = batchNorm(x, null, null, opts);
    const before = webgpu.runtime.dispatchCount;
    const got = batchNorm(x.to(DEV), null, null, opts);
    expect(webgpu.runtime.dispatchCount - before).toBeGreaterThanOrEqual(2);
    await close(got.mean, ref.mean, 'mean', 1e-5, 1e-6);
    await close(got.var, ref.var, 'var', 1e-6, 1e-4);
    await close(got.output, ref.output, 'output', 3e-5, 1e-4);
  });

  it.each([
    [[2, 3, 4, 5], true],
    [[1, 4, 9], false],
    [[6, 2], true],
  ])('batchNorm eval forward and backward agree with cpu (%j, affine %s)', async (shape, affine) => {
    const C = shape[1]!;
    const n = shape.reduce((a, b) => a * b, 1);
    const x = cpuT(values(n, 21), shape);
    const w = affine ? cpuT(values(C, 22, 0.5, 1.5), [C]) : null;
    const b = affine ? cpuT(values(C, 23), [C]) : null;
    const rm = cpuT(values(C, 24), [C]);
    const rv = cpuT(values(C, 25, 0.2, 2), [C]);
    const ref = batchNorm(x, w, b, { training: false, eps: 1e-3, runningMean: rm, runningVar: rv });
    const got = batchNorm(x.to(DEV), w?.to(DEV) ?? null, b?.to(DEV) ?? null, {
      training: false,
      eps: 1e-3,
      runningMean: rm.to(DEV),
      runningVar: rv.to(DEV),
    });
    await close(got.output, ref.output, 'output');
    await close(got.mean, ref.mean, 'mean');
    const g = cpuT(values(n, 26), shape);
    const invstd = rv.add(1e-3).rsqrt();
    for (const needs of [
      [true, false, false],
      [true, true, true],
    ]) {
      const r = batchNormBackward(g, x, w, rm, invstd, false, needs)!;
      const q = batchNormBackward(g.to(DEV), x.to(DEV), w?.to(DEV) ?? null, rm.to(DEV), invstd.to(DEV), false, needs)!;
      await close(q[0], r[0], `gradIn ${needs}`);
      await close(q[1], r[1], `gradWeight ${needs}`, 1e-4);
      await close(q[2], r[2], `gradBias ${needs}`, 1e-4);
    }
  });

  it('batchNorm: a NaN or inf in a channel makes that channel NaN, the others stay finite', async () => {
    const shape = [2, 3, 4, 4];
    const data = values(96, 31);
    data[5] = Number.NaN; // channel 0
    data[16 + 2] = Number.POSITIVE_INFINITY; // channel 1
    const x = cpuT(data, shape);
    const opts = { training: true, eps: 1e-5, runningMean: null, runningVar: null };
    const ref = batchNorm(x, null, null, opts);
    const got = batchNorm(x.to(DEV), null, null, opts);
    await close(got.output, ref.output, 'output');
    await close(got.mean, ref.mean, 'mean');
    const m = await got.mean.data();
    expect(Number.isNaN(m[0]) && Number.isFinite(Number(m[2]))).toBe(true);
  });

  it.each([1, 3, 17, 1001, 4099])('thresholdBackward equals cpu bit for bit, NaN outputs pass the gradient (n = %d)', async (n) => {
    const yv = values(n, n, -1, 1);
    const gv = values(n, n + 1, -2, 2);
    for (let i = 0; i < n; i += 7) yv[i] = Number.NaN;
    for (let i = 3; i < n; i += 11) gv[i] = Number.NaN;
    for (let i = 5; i < n; i += 13) yv[i] = 0.5;
    const y = cpuT(yv, [n]);
    const g = cpuT(gv, [n]);
    for (const t of [0, 0.5, -0.25]) {
      const got = await thresholdBackward(g.to(DEV), y.to(DEV), t).data();
      const want = await thresholdBackward(g, y, t).data();
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('thresholdBackward on strided and offset views equals cpu', async () => {
    const y = cpuT(values(7 * 9, 40), [7, 9]);
    const g = cpuT(values(7 * 9, 41), [7, 9]);
    const pairs: Array<[Tensor, Tensor, (t: Tensor) => Tensor]> = [
      [g, y, (t) => t.t()],
      [g, y, (t) => t.reshape(-1).narrow(0, 3, 50)],
      [g, y, (t) => t.narrow(1, 2, 5)],
    ];
    for (const [gg, yy, f] of pairs) {
      const got = await thresholdBackward(f(gg.to(DEV)), f(yy.to(DEV))).data();
      const want = await thresholdBackward(f(gg), f(yy)).data();
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  const P = (k: [number, number], s: [number, number], p: [number, number], d: [number, number] = [1, 1], ceil = false): Pool2dParams => ({
    kernelSize: k,
    stride: s,
    padding: p,
    dilation: d,
    ceilMode: ceil,
  });
  // [input shape, params]: non-overlapping, overlapping (stride < kernel), ResNet's 3x3/2 pad 1,
  // dilation, ceil mode, odd sizes, batch 1, a large plane
  const poolCases: Array<[number[], Pool2dParams]> = [
    [[2, 3, 8, 8], P([2, 2], [2, 2], [0, 0])],
    [[1, 2, 7, 9], P([3, 3], [1, 1], [1, 1])],
    [[2, 4, 11, 11], P([3, 3], [2, 2], [1, 1])],
    [[1, 3, 10, 13], P([3, 2], [2, 1], [1, 0], [2, 1], true)],
    [[3, 1, 9, 7], P([2, 3], [3, 2], [1, 1], [1, 1], true)],
    [[1, 1, 5, 5], P([5, 5], [1, 1], [2, 2])],
    [[1, 2, 129, 131], P([3, 3], [2, 2], [1, 1], [1, 1], true)],
  ];

  it.each(poolCases)('maxPool2dBackward equals cpu, ties and overlapping windows included (%j)', async (shape, p) => {
    const n = shape.reduce((a, b) => a * b, 1);
    // few distinct values: ties inside windows, the same maximum chosen by overlapping windows
    const x = cpuT(
      values(n, 50 + n).map((v) => Math.round(v * 3)),
      shape,
    );
    const ref = dl.maxPool2d(x, p);
    const got = dl.maxPool2d(x.to(DEV), p);
    expect(Array.from(await got.indices.data())).toEqual(Array.from(await ref.indices.data()));
    const g = cpuT(values(ref.values.numel(), 60 + n), [...ref.values.shape]);
    const want = maxPool2dBackward(g, ref.indices, shape, p);
    const have = maxPool2dBackward(g.to(DEV), ref.indices.to(DEV), shape, p);
    await close(have, want, 'gradIn', 1e-6, 1e-6);
    // strided grad (the op layer makes it contiguous first)
    const gt = g.transpose(2, 3).contiguous().transpose(2, 3);
    await close(maxPool2dBackward(gt.to(DEV), ref.indices.to(DEV), shape, p), want, 'gradIn (strided grad)', 1e-6, 1e-6);
  });

  it('maxPool2dBackward: NaN inputs route the gradient to the NaN, as cpu', async () => {
    const shape = [1, 1, 6, 6];
    const xv = values(36, 70);
    xv[7] = Number.NaN;
    xv[22] = Number.NaN;
    const x = cpuT(xv, shape);
    const p = P([3, 3], [1, 1], [1, 1]);
    const ref = dl.maxPool2d(x, p);
    const g = cpuT(values(36, 71), [1, 1, 6, 6]);
    const got = dl.maxPool2d(x.to(DEV), p);
    expect(Array.from(await got.indices.data())).toEqual(Array.from(await ref.indices.data()));
    await close(maxPool2dBackward(g.to(DEV), got.indices, shape, p), maxPool2dBackward(g, ref.indices, shape, p), 'gradIn');
  });

  it('maxPool2dBackward: an index outside its window or plane raises an IndexError at the next read', async () => {
    const p = P([2, 2], [2, 2], [0, 0]);
    const g = dl.ones([1, 1, 2, 2], { device: DEV });
    const outside = dl.tensor([0, 2, 8, 100], { dtype: 'int32' }).reshape([1, 1, 2, 2]).to(DEV);
    await expect(maxPool2dBackward(g, outside, [1, 1, 4, 4], p).data()).rejects.toThrow(dl.IndexError);
    const otherWindow = dl.tensor([0, 2, 8, 0], { dtype: 'int32' }).reshape([1, 1, 2, 2]).to(DEV);
    await expect(maxPool2dBackward(g, otherWindow, [1, 1, 4, 4], p).data()).rejects.toThrow(/not inside its pooling window/);
    // the device stays usable, and valid indices pass
    // overlapping windows (the compare-exchange kernel) check the same way
    const q = P([3, 3], [1, 1], [1, 1]);
    const g4 = dl.ones([1, 1, 4, 4], { device: DEV });
    const far = dl.zeros([1, 1, 4, 4], { dtype: 'int32' }).to(DEV); // output (3, 3) cannot pick input 0
    await expect(maxPool2dBackward(g4, far, [1, 1, 4, 4], q).data()).rejects.toThrow(/not inside its pooling window/);
    const ok = dl.tensor([0, 2, 8, 10], { dtype: 'int32' }).reshape([1, 1, 2, 2]).to(DEV);
    expect(Array.from(await maxPool2dBackward(g, ok, [1, 1, 4, 4], p).data()).reduce((a, b) => a + Number(b), 0)).toBe(4);
  });

  it('avgPool2dBackward on a plane over 2^20 elements (integer division in the kernel) equals cpu', async () => {
    const shape = [1, 1, 1031, 1030];
    const p = { ...P([3, 3], [2, 2], [1, 1], [1, 1], true), countIncludePad: false };
    const ref = dl.avgPool2d(cpuT(values(1031 * 1030, 90), shape), p);
    const g = cpuT(values(ref.numel(), 91), [...ref.shape]);
    await close(avgPool2dBackward(g.to(DEV), shape, p), avgPool2dBackward(g, shape, p), 'gradIn', 1e-6, 1e-5);
  });

  it.each(poolCases.filter(([, p]) => p.dilation[0] === 1 && p.dilation[1] === 1))(
    'avgPool2dBackward gathers what cpu scatters, both divisor rules (%j)',
    async (shape, p0) => {
      for (const countIncludePad of [true, false]) {
        const p = { ...p0, countIncludePad };
        const ref = dl.avgPool2d(
          cpuT(
            values(
              shape.reduce((a, b) => a * b, 1),
              80,
            ),
            shape,
          ),
          p,
        );
        const g = cpuT(values(ref.numel(), 81), [...ref.shape]);
        await close(
          avgPool2dBackward(g.to(DEV), shape, p),
          avgPool2dBackward(g, shape, p),
          `gradIn (countIncludePad ${countIncludePad})`,
          1e-6,
          1e-5,
        );
      }
    },
  );
});
