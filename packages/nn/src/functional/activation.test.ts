/**
 * F.hardtanh's gradient with non-default bounds, against torch 1.13 (differential F.hardtanh#04/#17).
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { F } from '../index.js';

describe('F.hardtanh', () => {
  it('non-default bounds: gradient 0 at and beyond [min, max], g strictly inside', async () => {
    const x = dl.tensor([-5, -2, -1.5, 0, 2.9, 3, 1e30, -Infinity]).requiresGrad_();
    const y = F.hardtanh(x, -2, 3);
    expect(await y.toArray()).toEqual([-2, -2, -1.5, 0, 2.9000000953674316, 3, 3, -2]);
    y.backward(dl.full([8], 4));
    expect(await x.grad!.toArray()).toEqual([0, 0, 4, 4, 4, 0, 0, 0]);
  });

  it('a NaN input passes the gradient (torch 1.13 scalar and CUDA kernels; its CPU vectorised kernel gives 0)', async () => {
    const x = dl.tensor([NaN, 0.5]).requiresGrad_();
    F.hardtanh(x, -2, 3).backward(dl.tensor([3, 3]));
    expect(await x.grad!.toArray()).toEqual([3, 3]);
  });
});
