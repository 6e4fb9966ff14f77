import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import './index.js'; // @dl/nn brings @dl/autograd, which records graphs

// torch: torch.matmul(a, b, out=c) writes the product into c (the "Tensors" tutorial's y3).
describe('matmul / mm / bmm with out', () => {
  it('write the product into out and return it', () => {
    const a = dl.arange(6).view(2, 3).float();
    const b = dl.arange(12).view(3, 4).float();
    const y3 = dl.randLike(dl.zeros(2, 4));
    expect(dl.matmul(a, b, { out: y3 })).toBe(y3);
    expect(y3.toArraySync()).toEqual(a.matmul(b).toArraySync());
    const c = dl.zeros(2, 4);
    dl.mm(a, b, { out: c });
    expect(c.toArraySync()).toEqual([
      [20, 23, 26, 29],
      [56, 68, 80, 92],
    ]);
    const z = dl.zeros(4, 2).t(); // a strided out is written through
    dl.mm(a, b, { out: z });
    expect(z.toArraySync()).toEqual(c.toArraySync());
    const bo = dl.zeros(2, 2, 4);
    dl.bmm(a.expand(2, 2, 3), b.expand(2, 3, 4), { out: bo });
    expect(bo.at(1).toArraySync()).toEqual(c.toArraySync());
  });
  it('refuse a wrong shape and autograd, with typed errors', () => {
    const a = dl.rand(2, 3);
    const b = dl.rand(3, 4);
    expect(() => dl.matmul(a, b, { out: dl.zeros(4, 2) })).toThrow(dl.ShapeError);
    expect(() => dl.mm(a.requiresGrad_(), b, { out: dl.zeros(2, 4) })).toThrow(dl.AutogradError);
  });
});
