import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Subset } from '@dl/data';
import { models } from '@dl/vision';
import { embeddedMnist } from './data.js';
import { evaluate, makeOptimizer, runLeNetSteps, trainStep } from './train.js';

describe('LeNet-5 on real MNIST digits', () => {
  it('training loss goes down on a small real subset', async () => {
    dl.manualSeed(0);
    const { train, test } = embeddedMnist(0);
    const small = new Subset(
      train,
      Array.from({ length: 640 }, (_, i) => i),
    );
    const net = models.lenet5();
    const opt = makeOptimizer('adam', net.parameters(), 2e-3);
    const losses: number[] = [];
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const [xb, yb] of new DataLoader(small, { batchSize: 64, shuffle: true, generator: new dl.Generator(epoch) }))
        losses.push(await trainStep(net, opt, xb!, yb!));
    }
    const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    expect(losses[0]).toBeGreaterThan(2);
    expect(mean(losses.slice(-5))).toBeLessThan(mean(losses.slice(0, 5)) * 0.6);
    const acc = (
      await evaluate(
        net,
        new Subset(
          test,
          Array.from({ length: 500 }, (_, i) => i),
        ),
      )
    ).accuracy;
    expect(acc).toBeGreaterThan(0.6);
    // weights serialise as safetensors (dl.save): 8-byte header length, then JSON
    const st = await dl.save(net.stateDict(), { format: 'safetensors' });
    const hlen = Number(new DataView(st.buffer).getBigUint64(0, true));
    const header = JSON.parse(new TextDecoder().decode(st.subarray(8, 8 + hlen)));
    expect(header['conv1.weight']).toEqual({ dtype: 'F32', shape: [6, 1, 5, 5], data_offsets: [0, 600] });
    const back = (await dl.load(st)) as Record<string, dl.Tensor>;
    expect(Array.from(back['conv1.weight']!.dataSync())).toEqual(Array.from(net.stateDict()['conv1.weight']!.dataSync()));
  });

  it('the benchmark entry point runs N steps', async () => {
    const r = await runLeNetSteps(2, { warmup: 1, batchSize: 16 });
    expect(r.stepsPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(r.lastLoss)).toBe(true);
  });
});
