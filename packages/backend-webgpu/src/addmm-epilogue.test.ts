/**
 * The bias epilogue of the vec4 matmul (Note [Matmul bias epilogue]): `addmm` through the fused
 * kernel against the composite it replaces (the product into a temporary, then a broadcast add),
 * run on this same device with the backend's `addmm` member hidden. The values must be equal bit
 * for bit: every bias broadcast, transposed operands, shapes that fit the tile and ragged ones,
 * the tiled and the direct kernel, split-K. Gradients through nn.Linear are unchanged, and a
 * Linear forward is one dispatch. Skipped without a WebGPU adapter unless DL_REQUIRE_WEBGPU=1.
 */
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/autograd';
import '@dl/backend-cpu';
import { nn } from '@dl/nn';
import { webgpu } from './index.js';
import { matmulKernelChoice } from './kernels/matmul-vec4.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

/** Deterministic values in [-2, 2) on the webgpu device. */
function values(shape: number[], seed: number): Tensor {
  let s = seed;
  const n = shape.reduce((a, b) => a * b, 1);
  const v = Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 4 - 2;
  });
  return dl.fromArray(v, shape).to('webgpu');
}

/** Run `f` with the backend's fused addmm hidden (the op layer then runs the composite). */
async function composite<T>(f: () => Promise<T>): Promise<T> {
  const inst = webgpu as unknown as { addmm?: unknown };
  inst.addmm = undefined;
  try {
    return await f();
  } finally {
    delete inst.addmm;
  }
}

const bits = async (t: Tensor): Promise<Uint32Array> => new Uint32Array(Float32Array.from(await t.data()).buffer);
const ran = (prefix: string): boolean => webgpu.runtime.pipelineKeys().some((k) => k.startsWith(prefix));

/** `addmm(bias, mat1, mat2)` fused and composite, mat1 [n, k] and mat2 [k, m] (stored transposed with `ta` / `tb`). */
async function same(n: number, k: number, m: number, biasShape: number[], ta = false, tb = false): Promise<void> {
  const a = ta ? values([k, n], n + 3 * k).t() : values([n, k], n + 3 * k);
  const b = tb ? values([m, k], m + 7).t() : values([k, m], m + 7);
  const bias = values(biasShape, 5 + biasShape.length);
  const fused = dl.addmm(bias, a, b);
  const want = await composite(async () => dl.addmm(bias, a, b));
  expect(fused.shape).toEqual([n, m]);
  expect(await bits(fused)).toEqual(await bits(want));
  // and the composite is what it says: the product, then the add
  expect(await bits(want)).toEqual(await bits(a.matmul(b).add(bias)));
}

describe.runIf(be)('addmm with the bias as the matmul epilogue', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterEach(() => {
    matmulKernelChoice.force = 'auto';
    matmulKernelChoice.split = 'auto';
  });

  for (const force of ['tiled', 'direct'] as const) {
    it(`${force}: every bias broadcast equals the composite bit for bit`, async () => {
      matmulKernelChoice.force = force;
      for (const [n, k, m] of [
        [64, 64, 32], // fits the tile
        [37, 20, 44], // ragged
        [1, 8, 4],
      ] as const) {
        for (const bs of [[m], [1, m], [n, m], [n, 1], [1, 1], [1], []]) await same(n, k, m, bs);
      }
      const base = force === 'tiled' ? 'matmul4' : 'matmulD';
      expect(ran(`${base}b:`) && ran(`${base}bv:`)).toBe(true); // the bias read element-wise and as words
    });

    it(`${force}: transposed operands`, async () => {
      matmulKernelChoice.force = force;
      for (const [ta, tb] of [
        [false, true],
        [true, false],
        [true, true],
      ] as const) {
        await same(32, 40, 32, [32], ta, tb);
        await same(36, 20, 44, [36, 44], ta, tb);
      }
    });
  }

  it('a bias view with an offset and strides (a transposed, sliced full operand)', async () => {
    const a = values([20, 12], 1);
    const b = values([12, 16], 2);
    const bias = values([17, 21], 3).t().narrow(0, 1, 20).narrow(1, 1, 16); // [20, 16], offset 22, strides (1, 21)
    expect(bias.isContiguous()).toBe(false);
    const fused = dl.addmm(bias, a, b);
    const want = await composite(async () => dl.addmm(bias, a, b));
    expect(await bits(fused)).toEqual(await bits(want));
  });

  it('split-K adds the bias once, in the final sum', async () => {
    for (const force of ['tiled', 'direct'] as const) {
      matmulKernelChoice.force = force;
      for (const split of [2, 3]) {
        matmulKernelChoice.split = split;
        await same(64, 784, 512, [512], false, true);
        await same(36, 100, 44, [36, 44]);
        await same(8, 64, 12, [1, 1]);
      }
    }
    expect(ran('matmulSumb:') && ran('matmulSumbv:')).toBe(true);
  });

  it('declines what the vec4 core does not take (the composite runs, same values)', async () => {
    // m = 10 is not a multiple of 4: the scalar matmul and an add
    const a = values([5, 8], 1);
    const b = values([8, 10], 2);
    const bias = values([10], 3);
    const n0 = webgpu.runtime.dispatchCount;
    const got = dl.addmm(bias, a, b);
    expect(webgpu.runtime.dispatchCount - n0).toBe(2);
    expect(await bits(got)).toEqual(await bits(a.matmul(b).add(bias)));
    // int32 never reaches the fused kernel
    const ai = dl
      .fromArray(
        Int32Array.from({ length: 32 }, (_, i) => (i % 7) - 3),
        [4, 8],
      )
      .to('webgpu');
    const bi = dl
      .fromArray(
        Int32Array.from({ length: 32 }, (_, i) => (i % 5) - 2),
        [8, 4],
      )
      .to('webgpu');
    const ci = dl.fromArray(Int32Array.from([1, 2, 3, 4]), [4]).to('webgpu');
    expect(Array.from(await dl.addmm(ci, ai, bi).data())).toEqual(Array.from(await ai.matmul(bi).add(ci).data()));
  });

  it('a Linear forward is one dispatch; its outputs and gradients are the composite’s', async () => {
    dl.manualSeed(0);
    const lin = new nn.Linear(784, 512).to('webgpu');
    const x = values([64, 784], 9);
    await lin(x).data(); // compile first
    const n0 = webgpu.runtime.dispatchCount;
    lin(x);
    expect(webgpu.runtime.dispatchCount - n0).toBe(1);

    const run = async () => {
      lin.zeroGrad();
      const xi = x.detach().requiresGrad_();
      const y = lin(xi);
      y.mul(y).sum().backward();
      return [await bits(y), await bits(xi.grad!), await bits(lin.weight.grad!), await bits(lin.bias!.grad!)];
    };
    const fused = await run();
    const want = await composite(run);
    for (let i = 0; i < fused.length; i++) expect(fused[i]).toEqual(want[i]);
  });
});
