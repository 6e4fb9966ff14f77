/**
 * The autograd graph of a ResNet-18 training step is torch 1.13's, node for node: every
 * composite (ConvolutionBackward0, NativeBatchNormBackward0, MaxPool2DWithIndicesBackward0,
 * AddmmBackward0, NllLossBackward0 over LogSoftmaxBackward0, the residual AddBackward0s…) is one
 * node with PyTorch's name, wired as in torchvision's model. Fixture: tools/fixtures/composite_fixtures.py.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { F } from '@dl/nn';
import { resnet18 } from './resnet.js';
import fixture from '../__fixtures__/resnet18-graph.json' with { type: 'json' };

/** Every node once, breadth-first from `root`, as [name, child ids] (the fixture's format). */
function dag(root: dl.GradFnLike): Array<[string, Array<number | null>]> {
  const ids = new Map<dl.GradFnLike, number>();
  const order: dl.GradFnLike[] = [];
  const idOf = (f: dl.GradFnLike | null): number | null => {
    if (!f) return null;
    if (!ids.has(f)) {
      ids.set(f, ids.size);
      order.push(f);
    }
    return ids.get(f)!;
  };
  idOf(root);
  const out: Array<[string, Array<number | null>]> = [];
  for (let i = 0; i < order.length; i++)
    out.push([order[i]!.name(), order[i]!.nextFunctions.map(([n]) => idOf(n as dl.GradFnLike | null))]);
  return out;
}

describe('ResNet-18 + crossEntropy records the graph torch 1.13 records', () => {
  it('node for node (134 nodes)', () => {
    const model = resnet18({ numClasses: 10 });
    model.train();
    const loss = F.crossEntropy(model.forward(dl.randn([2, 3, 32, 32])), dl.tensor([1, 2], { dtype: 'int64' }));
    const want = (fixture as unknown as { nodes: Array<[string, Array<number | null>]> }).nodes;
    expect(want.length).toBe(134);
    expect(dag(loss.gradFn!)).toEqual(want);
  });
});
