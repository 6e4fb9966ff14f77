/**
 * The plain PyTorch program on webgpu: a DataLoader training loop and an evaluation loop without
 * noGrad, with no `tidy` or `dispose`, hold flat GPU memory (live tensors, storages, bytes, the
 * buffer pool) and a bounded JS heap over 10,000 steps.
 *
 * The loops read the loss every 10 steps with `await`, as a GPU loop that logs does: Dawn under
 * Node completes GPU work only when the event loop turns (a loop that never awaits grows by about
 * 0.5 MB of Dawn's own state per step and crashes near 1,000 steps, with or without tidy), and the
 * values of tensors handed to the garbage collector reach host memory then too (Note [Async spill]).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/autograd';
import '@dl/backend-cpu';
import { nn, F } from '@dl/nn';
import { SGD } from '@dl/optim';
import { DataLoader, TensorDataset } from '@dl/data';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

interface Mark {
  tensors: number;
  storages: number;
  bytes: number;
  inUse: number;
  heapMB: number;
}

/** Counts after the GPU is idle and the finalizers of what earlier tests dropped have run. */
async function mark(): Promise<Mark> {
  await webgpu.sync();
  for (let k = 0; k < 3; k++) {
    gc();
    await new Promise((r) => setTimeout(r, 10));
  }
  const m = dl.memory();
  const g = m.devices.webgpu!;
  return {
    tensors: m.tensors,
    storages: g.storages,
    bytes: g.bytes,
    inUse: g.backend!.bytesInUse,
    heapMB: process.memoryUsage().heapUsed / 2 ** 20,
  };
}

/**
 * Tensors, storages and bytes exactly flat; the pool's bytes in use not grown (a spill still in
 * flight at the first mark may have landed by the second); the JS heap grown by less than 16 MB.
 */
function expectFlat(a: Mark, b: Mark): void {
  expect({ tensors: b.tensors, storages: b.storages, bytes: b.bytes }).toEqual({
    tensors: a.tensors,
    storages: a.storages,
    bytes: a.bytes,
  });
  expect(b.inUse).toBeLessThanOrEqual(a.inUse);
  expect(b.heapMB - a.heapMB).toBeLessThan(16);
}

const STEPS = 10_000;

function net(): nn.Module & { forward(x: dl.Tensor): dl.Tensor } {
  return new nn.Sequential(new nn.Linear(8, 16), new nn.ReLU(), new nn.Linear(16, 4)) as never;
}

describe.runIf(be)('the plain loop on webgpu (no tidy, no dispose)', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
  });

  it('a for…of DataLoader training loop, batches moved to the GPU each step: 10,000 steps hold a flat line', async () => {
    dl.manualSeed(0);
    const X = dl.randn([160, 8]);
    const Y = X.at(':', '0:4').argmax(1).int();
    const loader = new DataLoader(new TensorDataset(X, Y), { batchSize: 16, shuffle: true });
    const model = net().to('webgpu');
    const opt = new SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    let steps = 0;
    let before: Mark | null = null;
    const losses: number[] = [];
    while (steps < STEPS) {
      for (const [xb, yb] of loader) {
        opt.zeroGrad();
        const loss = F.crossEntropy(model.forward(xb!.to('webgpu')), yb!.to('webgpu'));
        loss.backward();
        opt.step();
        steps++;
        if (steps % 10 === 0) losses.push(await loss.item());
        if (steps === 200) before = await mark();
      }
    }
    expectFlat(before!, await mark());
    // The model and the optimizer (its momentum buffers) must stay alive through the mark: once
    // unreachable, the collector rightly returns their GPU memory.
    expect([model.parameters().length, opt.state.size]).toEqual([4, 4]);
    const avg = (a: number[]) => a.reduce((s, v) => s + v, 0) / a.length;
    expect(avg(losses.slice(-50))).toBeLessThan(avg(losses.slice(0, 5)) / 2);
  }, 300_000);

  it('evaluation without noGrad: 10,000 forward passes whose graphs are never backpropagated hold a flat line', async () => {
    dl.manualSeed(1);
    const model = net().to('webgpu');
    const x = dl.randn([16, 8]).to('webgpu');
    const y = dl.randint(0, 4, [16], { dtype: 'int32' }).to('webgpu');
    let before: Mark | null = null;
    let correct = 0;
    for (let i = 1; i <= STEPS; i++) {
      const out = model.forward(x);
      const hits = out.argmax(1).eq(y).sum();
      if (i % 10 === 0) correct += await hits.item();
      if (i === 200) before = await mark();
    }
    expectFlat(before!, await mark());
    expect(correct).toBeGreaterThan(0);
    expect([model.parameters().length, x.shape, y.shape]).toEqual([4, [16, 8], [16]]); // alive through the mark
  }, 300_000);

  it('tensors kept across steps keep their values after their GPU buffers were spilled', async () => {
    dl.manualSeed(2);
    const model = net().to('webgpu');
    const opt = new SGD(model.parameters(), { lr: 0.05 });
    const x = dl.randn([16, 8]).to('webgpu');
    const y = dl.randint(0, 4, [16], { dtype: 'int32' }).to('webgpu');
    const kept: Array<{ t: dl.Tensor; values: number[] }> = [];
    for (let i = 0; i < 50; i++) {
      opt.zeroGrad();
      const out = model.forward(x);
      const loss = F.crossEntropy(out, y);
      loss.backward();
      opt.step();
      if (i % 10 === 0) for (const t of [out, loss]) kept.push({ t, values: Array.from(await t.data()) });
    }
    await webgpu.sync();
    for (const k of kept) expect(Array.from(await k.t.data())).toEqual(k.values);
    // A spilled tensor used in a kernel again is uploaded back and computes right.
    const k0 = kept[0]!;
    expect(Array.from(await k0.t.mul(2).data())).toEqual(k0.values.map((v) => Math.fround(v * 2)));
  });
});
