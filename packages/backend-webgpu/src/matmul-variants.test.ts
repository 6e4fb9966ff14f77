/**
 * Every variant of the vec4 matmul core (Note [Matmul vec4 core], Note [Matmul split-K]) against
 * the cpu backend: the tiled and the direct kernel, each operand plain or transposed, shapes that
 * fit the tile (no bounds checks) and ragged ones, K = 1, M = 1, N = 1, batches, broadcast batches,
 * and split-K with ranges that do and do not divide K. Each case also checks which pipeline ran.
 * Warmed pipelines (Note [Warm pipelines]) are the ones a step then uses. Skipped without a WebGPU
 * adapter unless DL_REQUIRE_WEBGPU=1.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { webgpu } from './index.js';
import { matmulKernelChoice, warmMatmul } from './kernels/matmul-vec4.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

/** Deterministic values in [-2, 2) on the cpu device. */
function values(shape: number[], seed: number): Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 4 - 2;
  });
  return dl.fromArray(v, shape);
}

const tr = (t: Tensor): Tensor => t.transpose(-1, -2);

/**
 * `a @ b` with a of `aShape` ([…, M, K]) and b of `bShape` ([…, K, N]); `ta` / `tb` store the
 * operand transposed (so the device reads Aᵀ / Bᵀ). Returns the largest error relative to the cpu
 * result, and the pipelines compiled so far.
 */
async function compare(aShape: number[], bShape: number[], ta: boolean, tb: boolean): Promise<number> {
  const swap = (s: number[]) => [...s.slice(0, -2), s[s.length - 1]!, s[s.length - 2]!];
  const a = values(ta ? swap(aShape) : aShape, 3 + aShape.length * 7 + aShape[aShape.length - 1]!);
  const b = values(tb ? swap(bShape) : bShape, 11 + bShape[bShape.length - 1]!);
  const want = (ta ? tr(a) : a).matmul(tb ? tr(b) : b);
  const ga = a.to('webgpu');
  const gb = b.to('webgpu');
  const got = (ta ? tr(ga) : ga).matmul(tb ? tr(gb) : gb);
  expect(got.shape).toEqual(want.shape);
  const g = await got.data();
  const w = await want.data();
  let worst = 0;
  for (let i = 0; i < w.length; i++) {
    const e = Math.abs(g[i]! - w[i]!) / (1 + Math.abs(w[i]!));
    worst = Number.isNaN(e) ? Number.POSITIVE_INFINITY : Math.max(worst, e);
  }
  return worst;
}

const ran = (prefix: string): boolean => webgpu.runtime.pipelineKeys().some((k) => k.startsWith(prefix));

describe.runIf(be)('matmul variants against the cpu backend', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterEach(() => {
    matmulKernelChoice.force = 'auto';
    matmulKernelChoice.split = 'auto';
  });

  it('warmed pipelines are the ones a step then uses (runs first, on a runtime nothing else compiled matmuls in)', async () => {
    const mm = () => webgpu.runtime.pipelineKeys().filter((k) => /^matmul[D4]:/.test(k));
    expect(mm().filter((k) => !k.includes(':012rrw'))).toEqual([]);
    await warmMatmul(webgpu.runtime);
    const warmed = mm();
    expect(warmed.length).toBe(6); // A·B, A·Bᵀ, Aᵀ·B, each fit and edge
    for (const [ta, tb] of [
      [false, false],
      [false, true],
      [true, false],
    ] as const) {
      expect(await compare([64, 64], [64, 64], ta, tb)).toBeLessThan(1e-5);
      expect(await compare([36, 20], [20, 44], ta, tb)).toBeLessThan(1e-5);
    }
    expect(mm()).toEqual(warmed);
  });

  const modes = [
    [false, false, 'nn'],
    [false, true, 'nt'],
    [true, false, 'tn'],
    [true, true, 'tt'],
  ] as const;

  for (const kernel of ['tiled', 'direct'] as const) {
    const tag = kernel === 'tiled' ? 'matmul4' : 'matmulD';
    for (const [ta, tb, mode] of modes) {
      it(`${kernel} ${mode}: tile multiples (no bounds checks) and ragged shapes`, async () => {
        matmulKernelChoice.force = kernel;
        expect(await compare([64, 64], [64, 96], ta, tb)).toBeLessThan(1e-5);
        expect(ran(`${tag}:${mode}:fit:`)).toBe(true);
        expect(await compare([36, 20], [20, 44], ta, tb)).toBeLessThan(1e-5);
        expect(ran(`${tag}:${mode}:edge:`)).toBe(true);
      });
    }

    it(`${kernel}: M = 1, K = 1, N = 1, batched and broadcast batches`, async () => {
      matmulKernelChoice.force = kernel;
      for (const [as, bs, ta, tb] of [
        [[1, 12], [12, 8], false, false], // one row
        [[1, 12], [12, 8], false, true],
        [[8, 1], [1, 8], true, false], // K = 1 (Aᵀ keeps the vec4 core, tiled kernel)
        [[8, 1], [1, 8], false, false], // K = 1, A plain: the scalar kernel
        [[9, 12], [12, 1], false, false], // N = 1: the scalar kernel
        [[3, 40, 12], [3, 12, 36], false, false], // batched
        [[3, 40, 12], [3, 12, 36], true, true],
        [[3, 40, 12], [12, 36], false, true], // b broadcast over the batch (stride 0)
        [[40, 12], [2, 3, 12, 36], true, false], // a broadcast over two batch dims
      ] as Array<[number[], number[], boolean, boolean]>)
        expect(await compare(as, bs, ta, tb), `${as} @ ${bs} ${ta} ${tb}`).toBeLessThan(1e-5);
    });

    it(`${kernel}: split-K, ranges that divide K and ranges that do not, batched`, async () => {
      matmulKernelChoice.force = kernel;
      for (const split of [2, 3, 7]) {
        matmulKernelChoice.split = split;
        // float32 rounding grows with K (~1e-5 at K = 256); a range summed twice or skipped is off by O(1)
        for (const [as, bs, ta, tb] of [
          [[64, 256], [256, 64], false, false], // fits the tile, ranges of 128 / 96 / 64 (tiled)
          [[64, 200], [200, 36], false, true], // the last range is short
          [[36, 100], [100, 44], true, false],
          [[2, 20, 96], [2, 96, 12], true, true],
          [[3, 8, 64], [64, 16], false, false], // broadcast b
        ] as Array<[number[], number[], boolean, boolean]>)
          expect(await compare(as, bs, ta, tb), `${as} @ ${bs} ${ta} ${tb}, ${split} splits`).toBeLessThan(5e-5);
      }
      expect(ran('matmulSum:')).toBe(true);
      expect(webgpu.runtime.pipelineKeys().some((k) => k.startsWith(`${tag}:`) && k.includes('-split:'))).toBe(true);
    });
  }

  it('a split count larger than K allows stays correct (one k step per range)', async () => {
    matmulKernelChoice.force = 'direct';
    matmulKernelChoice.split = 64;
    expect(await compare([8, 8], [8, 8], false, false)).toBeLessThan(1e-5);
    matmulKernelChoice.force = 'tiled';
    expect(await compare([8, 40], [40, 8], false, false)).toBeLessThan(1e-5);
  });
});
