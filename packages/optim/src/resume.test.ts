/**
 * A checkpoint `{ model, optimizer, scheduler, epoch }` saved mid-run with dl.save and resumed
 * into fresh objects continues the loss curve bit-for-bit (cpu) against an uninterrupted run.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { nn, F } from '@dl/nn';
import { SGD, Adam, lrScheduler, type OptimizerStateDict } from './index.js';

class Net extends nn.Module {
  fc1 = new nn.Linear(6, 16);
  bn = new nn.BatchNorm1d(16);
  fc2 = new nn.Linear(16, 3);
  forward(x: Tensor): Tensor {
    return this.fc2.forward(F.relu(this.bn.forward(this.fc1.forward(x))));
  }
}

const N = 10;
const g = new dl.Generator(42);
const batches = Array.from({ length: N }, () => ({ x: dl.randn([8, 6], { generator: g }), y: dl.randn([8, 3], { generator: g }) }));

type Kind = 'sgd' | 'adam';
function setup(kind: Kind, seed: number) {
  dl.manualSeed(seed);
  const model = new Net();
  const opt =
    kind === 'sgd'
      ? new SGD(model.parameters(), { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 })
      : new Adam(model.parameters(), { lr: 0.01 });
  const sched = new lrScheduler.StepLR(opt, { stepSize: 3, gamma: 0.5 });
  return { model, opt, sched };
}

/** One epoch = one batch here: forward, loss, backward, step, scheduler step. */
function train(run: ReturnType<typeof setup>, from: number, to: number, losses: number[]): void {
  const { model, opt, sched } = run;
  model.train();
  for (let epoch = from; epoch < to; epoch++) {
    const { x, y } = batches[epoch]!;
    const loss = F.mseLoss(model.forward(x), y);
    opt.zeroGrad();
    loss.backward();
    opt.step();
    sched.step();
    losses.push(loss.itemSync());
  }
}

const weights = (m: nn.Module) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, t]) => [k, [...t.dataSync()]]));

const dir = mkdtempSync(join(tmpdir(), 'dl-resume-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Checkpoint {
  model: Record<string, Tensor>;
  optimizer: OptimizerStateDict;
  scheduler: Record<string, unknown>;
  epoch: number;
}

describe('resume from a checkpoint continues bit-for-bit', () => {
  for (const kind of ['sgd', 'adam'] as const) {
    for (const via of ['bytes', 'ckpt.pt', 'ckpt.safetensors'] as const) {
      it(`${kind} + StepLR, checkpoint via ${via}`, async () => {
        const straight = setup(kind, 1);
        const straightLosses: number[] = [];
        train(straight, 0, N, straightLosses);

        const first = setup(kind, 1);
        const losses: number[] = [];
        train(first, 0, N / 2, losses);
        const ckpt = { model: first.model.stateDict(), optimizer: first.opt.stateDict(), scheduler: first.sched.stateDict(), epoch: N / 2 };
        let loaded: Checkpoint;
        if (via === 'bytes') {
          loaded = await dl.load<Checkpoint>(await dl.save(ckpt));
        } else {
          await dl.save(ckpt, join(dir, `${kind}-${via}`));
          loaded = await dl.load<Checkpoint>(join(dir, `${kind}-${via}`));
        }

        const resumed = setup(kind, 99); // different initial weights: everything must come from the checkpoint
        expect(weights(resumed.model)).not.toEqual(weights(first.model));
        resumed.model.loadStateDict(loaded.model);
        resumed.opt.loadStateDict(loaded.optimizer);
        resumed.sched.loadStateDict(loaded.scheduler);
        expect(loaded.epoch).toBe(N / 2);
        expect(resumed.sched.getLastLr()).toEqual(first.sched.getLastLr());
        train(resumed, loaded.epoch, N, losses);

        expect(losses).toEqual(straightLosses);
        expect(weights(resumed.model)).toEqual(weights(straight.model));
        expect(resumed.opt.stateDict().param_groups).toEqual(straight.opt.stateDict().param_groups);
        expect(resumed.sched.stateDict()).toEqual(straight.sched.stateDict());
      });
    }
  }

  it('saving to a file leaves no temp files', () => {
    expect(readdirSync(dir).filter((f) => !/^(sgd|adam)-ckpt\.(pt|safetensors)$/.test(f))).toEqual([]);
  });
});
