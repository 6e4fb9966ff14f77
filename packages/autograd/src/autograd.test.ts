import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { grad, gradcheck, gradgradcheck, noGrad } from './index.js';

describe('autograd basics', () => {
  it('the seed example: out = mean(3 (x+2)^2) gives 4.5 everywhere', () => {
    const x = dl.ones([2, 2], { requiresGrad: true });
    const y = x.add(2);
    const z = y.mul(y).mul(3);
    const out = z.mean();
    expect(out.gradFn?.name()).toBe('MeanBackward0');
    expect(out.gradFn?.nextFunctions[0]?.[0]?.name()).toBe('MulBackward0');
    out.backward();
    expect(x.grad!.toArraySync()).toEqual([
      [4.5, 4.5],
      [4.5, 4.5],
    ]);
  });

  it('second derivative of x**3', () => {
    const x = dl.tensor([2.0], { requiresGrad: true });
    const y = x.pow(3);
    const [dy] = grad([y.sum()], [x], { createGraph: true });
    expect(dy!.toArraySync()).toEqual([12]);
    const [d2] = grad([dy!.sum()], [x]);
    expect(d2!.toArraySync()).toEqual([12]);
  });

  it('gradcheck a composite', () => {
    const a = dl.randn([3, 4], { dtype: 'float64', requiresGrad: true });
    const b = dl.randn([4, 2], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((p, q) => p.matmul(q).tanh().logSoftmax(1).sum(0), [a, b])).toBe(true);
    expect(gradgradcheck((p, q) => p.matmul(q).sigmoid(), [a, b])).toBe(true);
  });

  it('noGrad', () => {
    const x = dl.ones([2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
  });
});
