/**
 * Note [Deferred GPU errors] end to end: out-of-range indices in gather / indexSelect / scatter
 * (and what is built on them: embedding, crossEntropy / nllLoss class targets) raise IndexError
 * at the next read on webgpu, once; the device keeps working afterwards.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { F } from '@dl/nn';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
afterAll(() => be?.destroy());

const device = 'webgpu';
const idx = (v: number[] | number[][]) => dl.tensor(v, { device, dtype: 'int32' });

/** The error `p` rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<dl.DLError> {
  try {
    await p;
  } catch (e) {
    return e as dl.DLError;
  }
  throw new Error('expected the read to reject');
}

describe.runIf(be)('webgpu: deferred index errors', () => {
  it('gather with an out-of-range index: the next read rejects with IndexError, once; later ops work', async () => {
    const x = dl.arange(0, 6, 1, { device }).reshape(2, 3);
    const y = x.gather(
      1,
      idx([
        [0, 5],
        [1, 2],
      ]),
    ); // no throw here: the kernel is only queued
    const e = await rejection(y.data());
    expect(e).toBeInstanceOf(dl.IndexError);
    expect(e.op).toBe('gather');
    expect(e.message).toContain('gather: index 5 is out of bounds for dimension 1 with size 3');
    expect(e.hint).toMatch(/next read/);
    // reported once: the same tensor (and any other) reads fine now; valid gathers are right
    await expect(y.data()).resolves.toBeDefined();
    expect(
      await x
        .gather(
          1,
          idx([
            [2, 0],
            [1, 1],
          ]),
        )
        .toArray(),
    ).toEqual([
      [2, 0],
      [4, 4],
    ]);
  });

  it('negative indices raise as PyTorch (no wrap-around)', async () => {
    const x = dl.arange(0, 6, 1, { device }).reshape(2, 3);
    const e = await rejection(x.gather(1, idx([[-1], [0]])).data());
    expect(e).toBeInstanceOf(dl.IndexError);
    expect(e.message).toContain('index -1 is out of bounds for dimension 1 with size 3');
  });

  it('the error surfaces at a read of an unrelated tensor, and through item() and sync()', async () => {
    const x = dl.arange(0, 4, 1, { device });
    x.indexSelect(0, idx([1, 4]));
    const other = dl.ones([2], { device }).mul(3);
    const e = await rejection(other.data());
    expect(e).toBeInstanceOf(dl.IndexError);
    expect(e.message).toContain('indexSelect: index 4 is out of bounds for dimension 0 with size 4');
    expect(await other.toArray()).toEqual([3, 3]);

    x.indexSelect(0, idx([7]));
    const e2 = await rejection(x.sum().item());
    expect(e2.message).toContain('index 7');

    x.gather(0, idx([9]));
    const e3 = await rejection(webgpu.sync());
    expect(e3).toBeInstanceOf(dl.IndexError);
    expect(e3.message).toContain('index 9');
    await webgpu.sync();
  });

  it('the first bad index is reported when several kernels fail', async () => {
    const x = dl.arange(0, 4, 1, { device });
    x.indexSelect(0, idx([10]));
    x.gather(0, idx([20]));
    const e = await rejection(x.data());
    expect(e.message).toContain('indexSelect: index 10');
    await expect(x.data()).resolves.toBeDefined();
  });

  it('scatter and scatterAdd: out-of-range indices raise; nothing is written out of place', async () => {
    const z = dl.zeros([2, 3], { device });
    const e = await rejection(z.scatter(1, idx([[3], [0]]), 1).data());
    expect(e.message).toContain('scatter: index 3 is out of bounds for dimension 1 with size 3');
    const e2 = await rejection(z.scatterAdd(0, idx([[0, -2, 1]]), dl.ones([1, 3], { device })).data());
    expect(e2.message).toContain('scatterAdd: index -2 is out of bounds for dimension 0 with size 2');
    expect(await z.scatterAdd(0, idx([[0, 1, 1]]), dl.ones([1, 3], { device })).toArray()).toEqual([
      [1, 0, 0],
      [0, 1, 1],
    ]);
  });

  it('embedding ids and crossEntropy / nllLoss class targets out of range raise at the next read, with cpu messages', async () => {
    const table = dl.randn([5, 2], { device });
    const e = await rejection(F.embedding(idx([0, 5]), table).data());
    expect(e).toBeInstanceOf(dl.IndexError);
    expect(e.message).toContain('embedding: index 5 is out of range for an embedding table of 5 rows'); // cpu's message

    const logits = dl.randn([2, 3], { device });
    const e2 = await rejection(F.crossEntropy(logits, idx([1, 3])).item());
    expect(e2).toBeInstanceOf(dl.IndexError);
    expect(e2.message).toContain('Target 3 is out of bounds (the input has 3 classes)'); // cpu's message
    const e3 = await rejection(F.nllLoss(logits.logSoftmax(1), idx([-1, 0])).item());
    expect(e3).toBeInstanceOf(dl.IndexError);
    expect(e3.message).toContain('nllLoss: Target -1 is out of bounds');
    // ignored targets are not errors; valid losses agree with cpu
    const ok = await F.crossEntropy(logits, idx([-100, 2])).item();
    const cpu = F.crossEntropy(await logits.toAsync('cpu'), dl.tensor([-100, 2], { dtype: 'int32' })).itemSync();
    expect(ok).toBeCloseTo(cpu, 5);
  });

  it('two reads in flight: exactly one of them reports the error', async () => {
    const x = dl.arange(0, 4, 1, { device });
    x.gather(0, idx([4]));
    const a = x.add(1);
    const b = x.mul(2);
    const results = await Promise.allSettled([a.data(), b.data()]);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toBeInstanceOf(dl.IndexError);
  });

  it('a read served from a spilled (host) copy still reports a pending error', async () => {
    const gpu = be!;
    const buffer = gpu.allocate('float32', 3);
    gpu.write(buffer, 'float32', Float32Array.from([1, 2, 3]), 0);
    gpu.spill(buffer);
    await gpu.sync();
    await new Promise((r) => setTimeout(r, 10)); // the spill's copy lands when the event loop turns
    expect((buffer as { host: unknown }).host).not.toBeNull();
    dl.arange(0, 4, 1, { device }).gather(0, idx([-3]));
    const e = await rejection(gpu.read(buffer, 'float32', 0, 3));
    expect(e.message).toContain('gather: index -3 is out of bounds for dimension 0 with size 4');
    expect(Array.from(await gpu.read(buffer, 'float32', 0, 3))).toEqual([1, 2, 3]);
    gpu.free(buffer);
  });
});
