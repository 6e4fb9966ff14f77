/**
 * The shape, indexing and construction ops of issue 13 on `webgpu` (their values and gradients
 * against PyTorch run in the differential suite here too): what differs on a device without
 * synchronous reads — the diagonal view and its gradient, repeatInterleave with and without
 * `outputSize`, index bounds checked on the device, scatterReduce's gradient, in-place forms.
 * Without a WebGPU adapter it is skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
const DEV = 'webgpu';
const gpu = (v: number[] | number[][], dtype: 'float32' | 'int32' = 'float32'): Tensor => dl.tensor(v, { dtype }).to(DEV);
const read = async (t: Tensor) => (await t.toAsync('cpu')).toArraySync();

describe.runIf(be)('shape ops on webgpu', () => {
  beforeAll(async () => {
    await dl.initBackend(DEV);
  });
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  it('diagonal is a view whose writes show through; its gradient is diagEmbed', async () => {
    const m = dl.zeros([3, 4], { device: DEV });
    m.diagonal(1).fill_(7);
    expect(await read(m)).toEqual([
      [0, 7, 0, 0],
      [0, 0, 7, 0],
      [0, 0, 0, 7],
    ]);
    const x = dl.arange(12, undefined, 1, { device: DEV, dtype: 'float32' }).view(3, 4).requiresGrad_();
    const d = x.diagonal(-1);
    expect(await read(d)).toEqual([4, 9]);
    d.mul(gpu([2, 3]))
      .sum()
      .backward();
    expect(await read(x.grad!)).toEqual([
      [0, 0, 0, 0],
      [2, 0, 0, 0],
      [0, 3, 0, 0],
    ]);
    expect(await read(gpu([1, 2]).diagEmbed(1))).toEqual([
      [0, 1, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expect(
      await read(
        gpu([
          [1, 2],
          [3, 4],
        ]).trace(),
      ),
    ).toBe(5);
  });

  it('repeatInterleave with a counts tensor needs outputSize on the device', async () => {
    const x = gpu([
      [1, 2],
      [3, 4],
    ]);
    const counts = gpu([1, 2], 'int32');
    expect(await read(x.repeatInterleave(counts, 0, { outputSize: 3 }))).toEqual([
      [1, 2],
      [3, 4],
      [3, 4],
    ]);
    expect(() => x.repeatInterleave(counts, 0)).toThrow(dl.StateError);
    expect(await read(x.repeatInterleave(2, 1))).toEqual([
      [1, 1, 2, 2],
      [3, 3, 4, 4],
    ]);
  });

  it('index bounds are checked on the device (raised at the next read)', async () => {
    const x = gpu([
      [10, 30, 20],
      [60, 40, 50],
    ]);
    expect(await read(x.take(gpu([0, -1], 'int32')))).toEqual([10, 50]);
    await expect(read(x.take(gpu([6], 'int32')))).rejects.toThrow(dl.IndexError);
    await expect(read(x.indexFill(1, gpu([3], 'int32'), 0))).rejects.toThrow(dl.IndexError);
    await expect(read(x.scatterReduce(1, gpu([[3]], 'int32'), gpu([[1]]), 'amax'))).rejects.toThrow(dl.IndexError);
  });

  it('scatterReduce: values and torch 1.13 gradients (amax ties shared, counting self)', async () => {
    const idx = gpu(
      [
        [0, 0, 2, 2],
        [1, 1, 1, 0],
      ],
      'int32',
    );
    const a = gpu([
      [2, 0, 3],
      [1, 2, 2],
    ]).requiresGrad_();
    const b = gpu([
      [2, 2, 0, 4],
      [2, 0, 2, 8],
    ]).requiresGrad_();
    const o = a.scatterReduce(1, idx, b, 'amax', { includeSelf: false });
    expect(await read(o)).toEqual([
      [2, 0, 4],
      [8, 2, 2],
    ]);
    o.backward(dl.arange(1, 7, 1, { device: DEV, dtype: 'float32' }).view(2, 3));
    expect(await read(a.grad!)).toEqual([
      [0, 2, 0],
      [0, 0, 6],
    ]);
    const g = (await read(b.grad!)) as number[][];
    expect(g[0]![0]).toBeCloseTo(1 / 3, 6);
    expect(g[1]).toEqual([expect.closeTo(5 / 3, 6), 0, expect.closeTo(5 / 3, 6), 4]);
    const p = gpu([
      [2, 0, 3],
      [1, 2, 2],
    ]).requiresGrad_();
    const q = gpu([
      [2, 2, 0, 4],
      [2, 0, 2, 8],
    ]).requiresGrad_();
    p.scatterReduce(1, idx, q, 'prod').backward(dl.arange(1, 7, 1, { device: DEV, dtype: 'float32' }).view(2, 3));
    expect(await read(p.grad!)).toEqual([
      [4, 2, 0],
      [32, 0, 6],
    ]);
    expect(await read(q.grad!)).toEqual([
      [4, 4, 36, 0],
      [0, 40, 0, 4],
    ]);
  });

  it('in-place index ops, meshgrid and tensorSplit views', async () => {
    const y = dl.zeros([2, 3], { device: DEV });
    y.indexAdd_(1, gpu([2], 'int32'), dl.ones([2, 1], { device: DEV }));
    y.indexCopy_(0, gpu([0], 'int32'), dl.full([1, 3], 4, { device: DEV }));
    y.indexFill_(1, gpu([1], 'int32'), 9);
    expect(await read(y)).toEqual([
      [4, 9, 4],
      [0, 9, 1],
    ]);
    const [gx, gy] = dl.meshgrid(gpu([1, 2, 3]), gpu([4, 5]), { indexing: 'xy' });
    expect(await read(gx!)).toEqual([
      [1, 2, 3],
      [1, 2, 3],
    ]);
    expect(await read(gy!)).toEqual([
      [4, 4, 4],
      [5, 5, 5],
    ]);
    const parts = dl.arange(7, undefined, 1, { device: DEV }).tensorSplit([2, 5]);
    expect(await Promise.all(parts.map(read))).toEqual([
      [0, 1],
      [2, 3, 4],
      [5, 6],
    ]);
    expect(await read(dl.triuIndices(2, 3, 1, { device: DEV }))).toEqual([
      [0, 0, 1],
      [1, 2, 2],
    ]);
  });
});

if (!be) it.skip('shape ops on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
