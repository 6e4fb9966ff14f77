import { afterAll, describe, expect, it } from 'vitest';
import { BackendError } from '@dl/tensor';
import { WebGPUBackend } from './backend.js';
import { findGpu } from './gpu.js';
import { download, empty, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());

describe('webgpu backend (no device needed)', () => {
  it('declares its contract: no float64, no readSync, async', () => {
    const b = new WebGPUBackend();
    expect(b.name).toBe('webgpu');
    expect(b.dtypes).not.toContain('float64');
    expect(b.capabilities.syncRead).toBe(false);
    expect('readSync' in b).toBe(false);
    expect(b.ready()).toBe(false);
    expect(() => b.allocate('float32', 4)).toThrow(/initBackend/);
  });
});

describe.runIf(be)('webgpu runtime', () => {
  const gpu = be!;

  it('training-like loop holds a flat memory line; pipelines are cached', async () => {
    const x = upload(
      gpu,
      'float32',
      Array.from({ length: 64 }, (_, i) => i),
      [8, 8],
    );
    const step = () => {
      const h = empty(gpu, 'float32', [8, 8]);
      gpu.matmul(
        { ...x, shape: [1, 8, 8], strides: [0, 8, 1] },
        { ...x, shape: [1, 8, 8], strides: [0, 8, 1] },
        { ...h, shape: [1, 8, 8], strides: [0, 8, 1] },
      );
      const r = empty(gpu, 'float32', [8, 8]);
      gpu.unary('relu', h, r);
      const s = empty(gpu, 'float32', [1, 1]);
      gpu.reduce('sum', r, [0, 1], s);
      gpu.free(h.buffer);
      gpu.free(r.buffer);
      return s;
    };
    for (let i = 0; i < 200; i++) gpu.free(step().buffer); // warm-up: the pool settles (freed buffers wait for their batch's submit)
    await gpu.sync();
    const before = gpu.memoryInfo();
    const pipes = gpu.runtime.pipelineCount;
    for (let i = 0; i < 200; i++) gpu.free(step().buffer); // 600 dispatches: several batches
    await gpu.sync();
    const after = gpu.memoryInfo();
    expect(after.buffers).toBe(before.buffers);
    expect(after.bytesInUse).toBe(before.bytesInUse);
    expect(gpu.runtime.pipelineCount).toBe(pipes);
  });

  it('freed buffers return to the pool and are reused', async () => {
    await gpu.sync();
    const a = gpu.allocate('float32', 1000);
    const m1 = gpu.memoryInfo();
    gpu.free(a);
    const m2 = gpu.memoryInfo();
    expect(m2.bytesInUse).toBe(m1.bytesInUse - 4096);
    expect(m2.bytesPooled).toBe(m1.bytesPooled + 4096);
    const b = gpu.allocate('float32', 1000);
    expect(gpu.memoryInfo().buffers).toBe(m1.buffers);
    gpu.free(b);
  });

  it('a write after queued kernels does not change what they read', async () => {
    const x = upload(gpu, 'float32', [1, 2, 3]);
    const y = empty(gpu, 'float32', [3]);
    gpu.unary('neg', x, y); // queued
    gpu.write(x.buffer, 'float32', new Float32Array([7, 8, 9]), 0);
    expect(await download(gpu, y)).toEqual([-1, -2, -3]);
    expect(await download(gpu, x)).toEqual([7, 8, 9]);
    gpu.write(x.buffer, 'float32', new Float32Array([5]), 1);
    expect(await gpu.read(x.buffer, 'float32', 1, 2)).toEqual(new Float32Array([5, 9]));
  });

  it('bool and uint8 round-trip through Uint8Array', async () => {
    const b = upload(gpu, 'uint8', [0, 255, 7]);
    const r = await gpu.read(b.buffer, 'uint8', 0, 3);
    expect(r).toBeInstanceOf(Uint8Array);
    expect([...r]).toEqual([0, 255, 7]);
  });

  it('a buffer over the device limit raises BackendError', () => {
    expect(() => gpu.allocate('float32', 2 ** 31)).toThrow(BackendError);
  });

  it('validation errors surface as BackendError on the next read, then clear', async () => {
    const x = upload(gpu, 'float32', [1, 2]);
    // a bogus buffer: a destroyed GPUBuffer makes the submit invalid
    const bad = gpu.allocate('float32', 2) as { gpu: GPUBuffer };
    bad.gpu.destroy();
    gpu.unary('neg', x, { ...x, buffer: bad });
    await expect(gpu.read(x.buffer, 'float32', 0, 2)).rejects.toBeInstanceOf(BackendError);
    expect(await download(gpu, x)).toEqual([1, 2]);
  });

  it('device loss turns into BackendError', async () => {
    const other = new WebGPUBackend();
    await other.init({ device: await (await (await findGpu())!.requestAdapter())!.requestDevice() });
    const t = upload(other, 'float32', [1]);
    other.device.destroy();
    await new Promise((r) => setTimeout(r, 10));
    await expect(other.read(t.buffer, 'float32', 0, 1)).rejects.toBeInstanceOf(BackendError);
    expect(() => other.unary('neg', t, t)).toThrow(BackendError);
  });
});
