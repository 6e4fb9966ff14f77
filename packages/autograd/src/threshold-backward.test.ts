import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { thresholdBackward } from '@dl/tensor/internal';
import '@dl/backend-cpu';
import { grad, gradcheck, gradgradcheck } from './index.js';

// relu's backward is one op, torch's threshold_backward (Note [ReLU backward as one kernel]):
// its own derivative is the same op on the incoming gradient, and nothing flows to the output.
describe('relu backward as threshold_backward', () => {
  it('values as torch: 0 where the output is <= 0, the gradient where it is NaN or positive', () => {
    const x = dl.tensor([-1, 0, 2, Number.NaN, 3], { requiresGrad: true });
    x.relu().backward(dl.tensor([1, 2, Number.NaN, 4, 5]));
    expect(Array.from(x.grad!.dataSync())).toEqual([0, 0, Number.NaN, 4, 5]);
  });

  it('double backward: ThresholdBackwardBackward0 is linear in the gradient', () => {
    const x = dl.tensor([-1, 0, 2, Number.NaN, 3], { requiresGrad: true });
    const y = x.relu();
    const g = dl.tensor([1, 2, 3, 4, 5], { requiresGrad: true });
    const [gx] = grad([y], [x], { gradOutputs: [g], createGraph: true });
    expect(Array.from(gx!.dataSync())).toEqual([0, 0, 3, 4, 5]);
    expect(gx!.gradFn?.name()).toBe('ThresholdBackwardBackward0');
    const [gg] = grad([gx!.mul(dl.tensor([1, 1, 2, 2, 2])).sum()], [g]);
    expect(Array.from(gg!.dataSync())).toEqual([0, 0, 2, 2, 2]);
  });

  it('gradcheck and gradgradcheck through relu and through the op itself (float64)', () => {
    dl.manualSeed(3);
    const x = dl.randn([4, 6], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((t) => t.relu().mul(t), [x])).toBe(true);
    expect(gradgradcheck((t) => t.relu().square(), [x])).toBe(true);
    const y = dl.randn([4, 6], { dtype: 'float64' }).relu();
    const g = dl.randn([4, 6], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((u) => thresholdBackward(u, y, 0), [g])).toBe(true);
  });
});
