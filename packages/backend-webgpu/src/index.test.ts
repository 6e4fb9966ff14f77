import { afterAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
afterAll(() => be?.destroy());

describe('registration', () => {
  it("importing the package registers 'webgpu'", () => {
    expect(dl.listDevices()).toContain('webgpu');
  });
});

describe.runIf(be)('webgpu through the @dl/tensor API', () => {
  it('initBackend, ops, async reads', async () => {
    await dl.initBackend('webgpu');
    const x = dl.tensor(
      [
        [1, -2],
        [3, 4],
      ],
      { device: 'webgpu' },
    );
    expect(x.device).toBe('webgpu');
    expect([...(await x.relu().data())]).toEqual([1, 0, 3, 4]);
    expect([...(await x.matmul(x).data())]).toEqual([-5, -10, 15, 10]);
    expect(await x.sum().item()).toBe(6);
    expect(() => x.dataSync()).toThrow(dl.DLError);
  });

  it('rand on webgpu reproduces the Philox stream', async () => {
    dl.manualSeed(5);
    const r = await dl.rand([64], { device: 'webgpu' }).data();
    for (const v of r) expect(v >= 0 && v < 1).toBe(true);
    dl.manualSeed(5);
    const r2 = await dl.rand([64], { device: 'webgpu' }).data();
    expect([...r2]).toEqual([...r]);
  });

  it('disposing tensors returns buffers to the pool', async () => {
    const x = dl.ones([256], { device: 'webgpu' });
    await webgpu.sync();
    const before = webgpu.memoryInfo();
    for (let i = 0; i < 50; i++)
      dl.tidy(() => {
        x.add(1).mul(2).sum();
      });
    await webgpu.sync();
    for (let i = 0; i < 50; i++)
      dl.tidy(() => {
        x.add(1).mul(2).sum();
      });
    await webgpu.sync();
    const after = webgpu.memoryInfo();
    expect(after.bytesInUse).toBe(before.bytesInUse);
  });
});
