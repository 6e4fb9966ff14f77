/**
 * The profiler's device column on webgpu: kernel times from timestamp queries where the adapter
 * has `timestamp-query` (lavapipe does), else the host's enqueue time, said so per device.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

describe.runIf(be)('profiler on webgpu', () => {
  it('times kernels on the device (timestamp queries) and attributes them to their ops', async () => {
    const a = dl.rand([128, 128], { device: 'webgpu' });
    const prof = await dl.profileAsync(async () => {
      let y = a;
      for (let i = 0; i < 4; i++) y = y.matmul(a).relu();
      return y.sum().item();
    });
    const timed = webgpu.features.includes('timestamp-query');
    expect(prof.deviceTiming.webgpu).toBe(timed ? 'device' : 'enqueue');
    const mm = prof.row('mm', 'webgpu')!;
    const relu = prof.row('relu', 'webgpu')!;
    expect(mm.calls).toBe(4);
    expect(mm.selfDeviceMs).toBeGreaterThan(0);
    expect(relu.selfDeviceMs).toBeGreaterThan(0);
    // matmul reaches its kernel through mm: the composite's device total includes it
    expect(prof.row('matmul', 'webgpu')!.deviceTotalMs!).toBeGreaterThanOrEqual(mm.selfDeviceMs!);
    expect(prof.table()).toContain(
      timed ? 'Device time on webgpu: measured on the device (timestamp queries)' : 'Device time on webgpu: host time to enqueue',
    );
  });

  it('a sync profile fills in device times once settled', async () => {
    const a = dl.rand([64, 64], { device: 'webgpu' });
    const prof = dl.profile(() => a.exp().mul(a));
    if (prof.deviceTiming.webgpu === 'device') expect(prof.row('exp', 'webgpu')!.selfDeviceMs).toBeNull();
    await prof.settled();
    expect(prof.row('exp', 'webgpu')!.selfDeviceMs).toBeGreaterThanOrEqual(0);
    expect(prof.table()).not.toContain('pending');
  });

  it('kernels run as before after a profile (one pass per dispatch only while timing)', async () => {
    const x = dl.tensor([1, 2, 3], { device: 'webgpu' });
    await dl.profileAsync(() => x.add(1));
    expect(Array.from(await x.mul(2).data())).toEqual([2, 4, 6]);
    await webgpu.sync();
  });
});

if (!be) it.skip('profiler on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
