import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn } from './index.js';

// A forward pass with grad on and no backward() (evaluation without noGrad, inference): the
// graph nodes of composite ops own index/statistics tensors (embedding ids, nllLoss targets,
// batch-norm mean/invstd). Step boundaries must hand them to the garbage collector.
describe('forward-only loops without noGrad stay flat', () => {
  it('embedding + batchNorm + linear + crossEntropy, 3000 steps', () => {
    dl.manualSeed(0);
    const emb = new nn.Embedding(50, 16);
    const bn = new nn.BatchNorm1d(16);
    const fc = new nn.Linear(16, 5);
    const ids = dl.randint(0, 50, [32], { dtype: 'int64' });
    const y = dl.randint(0, 5, [32], { dtype: 'int64' });
    const step = () => F.crossEntropy(fc(bn(emb(ids))), y);
    for (let i = 0; i < 50; i++) step();
    dl.endStep();
    const before = dl.memory().tensors;
    for (let i = 0; i < 3000; i++) step();
    dl.endStep();
    expect(dl.memory().tensors - before).toBeLessThan(50);
  });
});

describe('index and target tensors changed in place before backward', () => {
  it('raise as in torch instead of giving wrong gradients', () => {
    // torch: RuntimeError: one of the variables needed for gradient computation has been modified by an inplace operation
    const emb = new nn.Embedding(4, 2);
    const idx = dl.tensor([1, 2, 3], { dtype: 'int64' });
    const out = emb(idx);
    idx.fill_(0);
    expect(() => out.sum().backward()).toThrow(/modified by an inplace operation/);
    const x = dl.randn([3, 4], { requiresGrad: true });
    const t = dl.tensor([0, 1, 3], { dtype: 'int64' });
    const loss = F.crossEntropy(x, t);
    t.fill_(2);
    expect(() => loss.backward()).toThrow(dl.AutogradError);
    const ok = F.crossEntropy(x, dl.tensor([0, 1, 3], { dtype: 'int64' }));
    ok.backward();
    expect(x.grad!.shape).toEqual([3, 4]);
  });
});
