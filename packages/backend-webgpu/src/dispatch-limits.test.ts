/**
 * Grids past WebGPU's `maxComputeWorkgroupsPerDimension` (65535): the kernels whose workgroup
 * counts grow with the data — average pooling's backward over one large plane (Note [Pooling
 * backward by gathering]), batched matmul with more than 65535 batches (or splits × batches), more
 * than 65535 row or column tiles, and the K = 0 zero fill (Note [Matmul grid chunks]) — against the
 * cpu backend. Each shape is the smallest that crosses the limit. Without a WebGPU adapter it is
 * skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { F } from '@dl/nn';
import '@dl/backend-cpu';
import '@dl/autograd';
import { webgpu } from './index.js';
import { matmulKernelChoice } from './kernels/matmul-vec4.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
const DEV = 'webgpu';
/** WebGPU's default maxComputeWorkgroupsPerDimension. */
const LIMIT = 65535;

/** Deterministic values in [-1, 1) (float32). */
function values(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = -1 + ((s >>> 8) / 16777216) * 2;
  }
  return out;
}

const cpuT = (n: number, seed: number, shape: number[]): Tensor => dl.tensor(values(n, seed)).reshape(shape);

/** Compare a webgpu tensor with a cpu one: shape, then each value within atol + rtol·|expected|. */
async function close(actual: Tensor, expected: Tensor, what: string, atol = 1e-5, rtol = 1e-4): Promise<void> {
  expect(actual.device, `${what} device`).toBe(DEV);
  expect([...actual.shape], `${what} shape`).toEqual([...expected.shape]);
  const a = await actual.contiguous().data();
  const e = await expected.contiguous().data();
  for (let i = 0; i < e.length; i++) {
    const v = Number(a[i]);
    const w = Number(e[i]);
    if (!(Math.abs(v - w) <= atol + rtol * Math.abs(w))) expect.fail(`${what} at ${i}: ${v} vs ${w}`);
  }
}

/** a @ b on both devices (a, b made on cpu), compared. */
async function matmulBoth(a: Tensor, b: Tensor, what: string): Promise<void> {
  const want = a.matmul(b);
  const got = a.to(DEV).matmul(b.to(DEV));
  await close(got, want, what);
}

describe.runIf(be)('webgpu grids past maxComputeWorkgroupsPerDimension', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
    expect(webgpu.runtime.limits.maxComputeWorkgroupsPerDimension).toBe(LIMIT);
  });
  afterEach(() => {
    matmulKernelChoice.force = 'auto';
    matmulKernelChoice.split = 'auto';
  });
  afterAll(async () => {
    // Let queued work finish, then destroy the device: a pending mapAsync at exit crashes Dawn.
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  it('avgPool2d backward over one plane of more than 65535·256 positions', async () => {
    const S = 4097; // 4097² = 16,785,409 > 65535·256 positions
    const x = cpuT(S * S, 1, [1, 1, S, S]);
    const w = cpuT(S * S, 2, [1, 1, S, S]);
    const grads: Tensor[] = [];
    for (const dev of ['cpu', DEV]) {
      const xd = x.detach().to(dev).requiresGrad_(); // a fresh leaf on each device
      F.avgPool2d(xd, 3, { stride: 1, padding: 1 }).mul(w.to(dev)).sum().backward();
      grads.push(xd.grad!);
    }
    await close(grads[1]!, grads[0]!, 'avgPool2d grad');
  }, 120_000);

  // lavapipe runs the tiled and scalar kernels' barriers slowly (~10 s and ~30 s for 65537 workgroups):
  // each kernel's chunked grid is checked once, the direct kernel's on every dimension
  it('batched matmul with more than 65535 batches: vec4 direct, tiled with split-K, scalar', async () => {
    const B = LIMIT + 2;
    matmulKernelChoice.force = 'direct';
    await matmulBoth(cpuT(B * 4, 3, [B, 1, 4]), cpuT(B * 16, 4, [B, 4, 4]), 'bmm direct');
    // splits × batches on z: 2 splits of K = 64 (two of the tiled kernel's k steps) over B / 2 + 1 batches
    matmulKernelChoice.split = 2;
    const Bs = (LIMIT + 3) / 2;
    const a8 = cpuT(Bs * 64, 5, [Bs, 1, 64]);
    const b8 = cpuT(Bs * 256, 6, [Bs, 64, 4]);
    await matmulBoth(a8, b8, 'bmm direct split 2');
    matmulKernelChoice.force = 'tiled';
    await matmulBoth(a8, b8, 'bmm tiled split 2');
    matmulKernelChoice.force = 'auto';
    matmulKernelChoice.split = 'auto';
    // odd widths take the scalar kernel
    await matmulBoth(cpuT(B * 3, 7, [B, 1, 3]), cpuT(B * 3, 8, [B, 3, 1]), 'bmm scalar');
  }, 180_000);

  it('matmul with more than 65535 row tiles or column tiles', async () => {
    matmulKernelChoice.force = 'direct';
    const M = LIMIT * 32 + 4; // 32 rows (columns) per workgroup
    await matmulBoth(cpuT(M * 4, 9, [M, 4]), cpuT(16, 10, [4, 4]), 'rows direct');
    await matmulBoth(cpuT(4, 11, [1, 4]), cpuT(4 * M, 12, [4, M]), 'columns direct');
  }, 120_000);

  it('matmul with K = 0 and more than 65535·64 outputs is all zeros', async () => {
    const [M, N] = [2049, 2049]; // 4,198,401 > 65535·64
    await matmulBoth(dl.zeros([M, 0]), dl.zeros([0, N]), 'K = 0');
    const B = 3;
    await matmulBoth(dl.zeros([B, 1200, 0]), dl.zeros([B, 0, 1200]), 'batched K = 0');
  }, 120_000);
});
