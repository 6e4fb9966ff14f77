/**
 * The scans, order statistics, histograms and searches of issue 13 on `webgpu` where the device
 * differs from cpu: no synchronous reads (bincount's data-dependent length, histc's automatic
 * range, quantile's q check run on the device or through the async variant). Their values
 * against PyTorch run in the differential suite (differential.test.ts). Skipped without a WebGPU
 * adapter unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/autograd';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
const g = (v: number[], dtype?: 'int32') => dl.tensor(v, { device: 'webgpu', ...(dtype ? { dtype } : {}) });

describe.runIf(be)('reduce ops on webgpu', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  it('bincount needs a sync read: a StateError naming bincountAsync, which works', async () => {
    const x = g([0, 1, 1, 3], 'int32');
    expect(() => dl.bincount(x)).toThrow(dl.StateError);
    expect(await (await dl.bincountAsync(x, { minlength: 5 })).toArray()).toEqual([1, 2, 0, 1, 0]);
    const w = await dl.bincountAsync(x, { weights: g([1, 2, 3, 4]) });
    expect([await w.toArray(), w.dtype, w.device]).toEqual([[1, 5, 0, 4], 'float32', 'webgpu']);
  });

  it('histc with the automatic range stays on the device', async () => {
    expect(await dl.histc(g([1, 2, 1]), { bins: 4 }).toArray()).toEqual([2, 0, 0, 1]);
    expect(await g([1, 1]).histc(4).toArray()).toEqual([0, 0, 2, 0]);
    await expect(g([1, NaN, 2]).histc(4).toArray()).rejects.toThrow(/histc: range of the data is not finite/);
  });

  it('quantile checks a q tensor on the device: the error surfaces at the read', async () => {
    const x = g([1, 2, 3, 4]);
    expect(await x.quantile(g([0.5, 0.25])).toArray()).toEqual([2.5, 1.75]);
    await expect(x.quantile(g([0.5, 1.5])).toArray()).rejects.toThrow(/q values must be in the range \[0, 1\]/);
  });

  it('int32 cumprod overflow raises at the read instead of wrapping', async () => {
    expect(await g([3, -4, 5], 'int32').cumprod(0).toArray()).toEqual([3, -12, -60]);
    await expect(g([65536, 65536], 'int32').cumprod(0).toArray()).rejects.toThrow(/overflows int32/);
  });

  it('scans, order statistics and searches with gradients', async () => {
    const x = dl.tensor([2, 0, 3, 0, 5], { device: 'webgpu', requiresGrad: true });
    x.cumprod(0).sum().backward();
    expect(await x.grad!.toArray()).toEqual([1, 8, 0, 0, 0]);
    const m = dl.tensor([1, 2, 2, 3], { device: 'webgpu', requiresGrad: true });
    m.median().backward();
    expect(await m.grad!.toArray()).toEqual([0, 0.5, 0.5, 0]);
    const md = g([3, 1, 1, 3, 2]).mode();
    expect([await md.values.toArray(), await md.indices.toArray()]).toEqual([1, 2]);
    expect(await dl.searchsorted(g([1, 3, 5, 7]), g([3, 6, NaN]), { right: true }).toArray()).toEqual([2, 3, 4]);
    const [v, i] = g([1, NaN, 2, NaN, 3]).cummax(0);
    expect(await i.toArray()).toEqual([0, 1, 1, 3, 3]);
    expect(((await v.toArray()) as number[]).map((e) => (Number.isNaN(e) ? 'nan' : e))).toEqual([1, 'nan', 'nan', 'nan', 'nan']);
  });
});

if (!be) it.skip('reduce ops on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
