import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { compareWithFixture, dlAll, edgeCases, loadEdgeFixtures, makeInput } from '@dl/tensor/testing';
import '@dl/backend-cpu';
import { gradcheck, gradgradcheck } from './index.js';

// Issue 11's gradient edge classes against PyTorch (tools/fixtures/edge_cases.py): prod with
// zeros, norm and std at 0, relu/max/amax at NaN, clamp at its bounds and with min > max,
// std of huge values, matmul with inner size 0.
describe('gradients at edge values (PyTorch fixtures, cpu)', () => {
  const { cases } = loadEdgeFixtures();
  const withGrads = Object.entries(cases).filter(([, fx]) => fx.grads);

  it('every fixture with gradients is a grad case and back', () => {
    expect(withGrads.length).toBeGreaterThan(30);
    expect(withGrads.filter(([name]) => !edgeCases[name]?.grad).map(([n]) => n)).toEqual([]);
    expect(
      Object.entries(edgeCases)
        .filter(([name, c]) => c.grad && !cases[name]?.grads)
        .map(([n]) => n),
    ).toEqual([]);
  });

  for (const [name, fx] of withGrads) {
    it(name, async () => {
      const inputs = fx.inputs.map((s) => makeInput(s, 'cpu', { requiresGrad: s.dtype === 'float32' || s.dtype === 'float64' }));
      const out = edgeCases[name]!.run(dlAll, inputs, 'cpu') as dl.Tensor;
      expect(await compareWithFixture(out, fx.output!), `${name} output`).toBeNull();
      out.sum().backward();
      for (let i = 0; i < fx.grads!.length; i++) {
        const g = fx.grads![i];
        if (g) expect(await compareWithFixture(inputs[i]!.grad ?? dl.zerosLike(inputs[i]!), g), `${name} grad of input ${i}`).toBeNull();
      }
    });
  }

  it('gradFn names: max() is MaxBackward1, amax() AmaxBackward0, min() MinBackward1, std/var one StdBackward0/VarBackward0 node (as torch)', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    expect(x.max().gradFn!.name()).toBe('MaxBackward1');
    expect(x.min().gradFn!.name()).toBe('MinBackward1');
    expect(x.amax().gradFn!.name()).toBe('AmaxBackward0');
    expect(x.amin(0).gradFn!.name()).toBe('AminBackward0');
    expect(x.std().gradFn!.name()).toBe('StdBackward0');
    expect(x.var(0, { keepdim: true }).gradFn!.name()).toBe('VarBackward0');
    expect(x.std().gradFn!.nextFunctions.map(([n]) => n?.name())).toEqual(['AccumulateGrad']); // one node, as torch
  });

  it('the new prod, norm, std and relu rules still pass gradcheck and gradgradcheck away from the edges', () => {
    const g = new dl.Generator(7);
    const r = (...shape: number[]) => dl.randn(shape, { dtype: 'float64', generator: g }).requiresGrad_();
    expect(gradcheck((x) => x.prod(1), [r(3, 4)])).toBe(true);
    expect(gradgradcheck((x) => x.prod(), [r(5)])).toBe(true);
    expect(gradcheck((x) => x.prod(0, { keepdim: true }), [r(3, 2)])).toBe(true);
    expect(gradgradcheck((x) => x.norm(), [r(4)])).toBe(true);
    expect(gradcheck((x) => x.norm(3, 1), [r(2, 3)])).toBe(true);
    expect(gradcheck((x) => x.norm(0.5), [r(4)])).toBe(true);
    expect(gradgradcheck((x) => x.std(1), [r(3, 4)])).toBe(true);
    expect(gradcheck((x) => x.var(0, { unbiased: false }), [r(4, 2)])).toBe(true);
    expect(gradcheck((x) => x.mul(1e20).std().div(1e20), [r(6)])).toBe(true);
    expect(gradgradcheck((x) => x.relu().square(), [r(6)])).toBe(true);
  });

  it('std of float32 (computed in float64 on cpu) returns float32 values and gradients', () => {
    const x = dl.tensor([1, 2, 4], { requiresGrad: true });
    const s = x.std();
    expect(s.dtype).toBe('float32');
    s.backward();
    expect(x.grad!.dtype).toBe('float32');
    const mean = 7 / 3;
    const sd = Math.sqrt(((1 - mean) ** 2 + (2 - mean) ** 2 + (4 - mean) ** 2) / 2);
    const want = [1, 2, 4].map((v) => (v - mean) / (2 * sd));
    (x.grad!.toArraySync() as number[]).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 6));
  });
});

describe('cat with a legacy empty 1-D input', () => {
  it('keeps it in the graph: the result requires grad and its gradient is empty (torch 1.13)', () => {
    // torch: e = torch.zeros(0, requires_grad=True); y = torch.cat([e, torch.ones(2)]); y.requires_grad -> True
    const e = dl.zeros([0], { requiresGrad: true });
    const t = dl.ones([2], { requiresGrad: true });
    const y = dl.cat([e, t]);
    expect(y.requiresGrad).toBe(true);
    y.mul(dl.tensor([2, 3]))
      .sum()
      .backward();
    expect(e.grad!.shape).toEqual([0]);
    expect(t.grad!.toArraySync()).toEqual([2, 3]);
    const alone = dl.cat([dl.ones([2, 2]), dl.zeros([0], { requiresGrad: true })], 1);
    expect(alone.requiresGrad).toBe(true);
  });
});
