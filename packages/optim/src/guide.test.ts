// The code of docs/guides/getting-started.md, kept running.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { SGD } from './index.js';
import { nn, F } from '@dl/nn';

describe('getting-started guide', () => {
  it('tensors, autograd and a training loop work as written', () => {
    dl.manualSeed(103);
    const X = dl.rand([500, 20]);
    const x = dl.arange(16).view(4, 4);
    expect(x.at(':', 1).toArraySync()).toEqual([1, 5, 9, 13]);
    expect(x.t().stride()).toEqual([1, 4]);
    expect(X.mean(0).toString()).toMatch(/^tensor\(\[0\.\d{4}/);

    const w = dl.randn([20, 3], { requiresGrad: true });
    const loss = X.matmul(w).relu().mean();
    loss.backward();
    expect(loss.gradFn!.name()).toBe('MeanBackward0');
    expect(w.grad!.shape).toEqual([20, 3]);
    noGrad(() => w.sub_(w.grad!.mul(0.1)));

    class Model extends nn.Module {
      linear1 = new nn.Linear(20, 13);
      output = new nn.Linear(13, 3);
      forward(t: dl.Tensor) {
        return this.output(dl.relu(this.linear1(t)));
      }
    }
    const net = new Model();
    expect(inspect(net)).toBe(
      'Model(\n  (linear1): Linear(in_features=20, out_features=13, bias=True)\n  (output): Linear(in_features=13, out_features=3, bias=True)\n)',
    );
    const y = dl.randint(0, 3, [500]);
    const opt = new SGD(net.parameters(), { lr: 0.1, momentum: 0.9 });
    const losses: number[] = [];
    for (let epoch = 0; epoch < 20; epoch++) {
      opt.zeroGrad();
      const l = F.crossEntropy(net(X), y);
      l.backward();
      opt.step();
      losses.push(l.itemSync());
    }
    expect(losses[19]!).toBeLessThan(losses[0]!);
  });
});
