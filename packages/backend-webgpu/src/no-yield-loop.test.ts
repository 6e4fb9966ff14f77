/**
 * A training loop on webgpu that never awaits (Note [Bind groups without the event loop] in
 * bind-groups.ts): Dawn under Node frees a kernel's bind group only when the event loop turns, and
 * such a loop used to end in a segfault (exit 139; under vitest a dead worker). It now gets a
 * catchable StateError with the fix in its hint, its growth bounded by the budget, and the same
 * process trains on once the loop awaits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { nn } from '@dl/nn';
import { Adam } from '@dl/optim';
import { webgpu } from './index.js';
import { BIND_GROUPS_PER_TURN } from './bind-groups.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
const DEV = 'webgpu';

class Model extends nn.Module {
  lstm = new nn.LSTM(1, 16, { batchFirst: true });
  head = new nn.Linear(16, 1);
  forward(x: Tensor): Tensor {
    const [out] = this.lstm(x);
    return this.head(out.select(1, -1));
  }
}

describe.runIf(be)('a webgpu loop that never awaits', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  it('LSTM + Adam without await: a StateError naming the fix (no crash), then trains on once it awaits', async () => {
    dl.manualSeed(0);
    const model = new Model().to(DEV);
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const lossFn = new nn.MSELoss();
    const g = new dl.Generator(1);
    const step = (): Tensor => {
      const x = dl.rand([32, 6, 1], { generator: g }).mul(2).sub(1).to(DEV);
      const loss = lossFn(model(x), x.mean(1));
      opt.zeroGrad();
      loss.backward();
      opt.step();
      return loss;
    };
    await webgpu.sync(); // start from a turned event loop
    const warn = console.warn;
    console.warn = () => {}; // the 256-submit warning fires first
    let steps = 0;
    let err: unknown = null;
    const rss0 = process.memoryUsage().rss;
    try {
      for (; steps < 1000; steps++) step(); // the PyTorch loop, never awaiting
    } catch (e) {
      err = e;
    } finally {
      console.warn = warn;
    }
    const grown = process.memoryUsage().rss - rss0;
    expect(dl.StateError.isInstance(err), String(err)).toBe(true);
    expect((err as dl.StateError).message).toContain(`${BIND_GROUPS_PER_TURN} kernels ran without the event loop turning`);
    expect((err as dl.StateError).hint).toContain('await loss.item()');
    expect(steps).toBeGreaterThan(10); // the budget is far from a few steps' worth
    expect(grown).toBeLessThan(1024 * 2 ** 20);
    // One turn of the event loop resets the budget: awaiting each step trains past it.
    await webgpu.sync();
    let last = 0;
    for (let i = 0; i < 40; i++) last = await step().item();
    expect(Number.isFinite(last)).toBe(true);
  }, 120_000);
});
