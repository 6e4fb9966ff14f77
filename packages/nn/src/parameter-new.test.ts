import { describe, expect, expectTypeOf, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from './index.js';

describe('nn.Parameter', () => {
  it('is constructible with new (as torch code writes it) and callable, typed both ways', () => {
    const a = new nn.Parameter(dl.ones(2, 3));
    const b = nn.Parameter(dl.ones(2));
    expectTypeOf(a).toEqualTypeOf<dl.Tensor>();
    expectTypeOf(b).toEqualTypeOf<dl.Tensor>();
    expect(a).toBeInstanceOf(dl.Tensor);
    expect(a.requiresGrad).toBe(true);
    expect(nn.isParameter(a)).toBe(true);
    expect(new nn.Parameter(dl.ones(2), false).requiresGrad).toBe(false);
    class M extends nn.Module {
      w = new nn.Parameter(dl.zeros(3));
      forward(x: dl.Tensor) {
        return x.mul(this.w);
      }
    }
    expect([...new M().namedParameters()].map(([k]) => k)).toEqual(['w']);
    expect(() => new nn.Parameter([1, 2] as never)).toThrow(/Parameter: data must be a Tensor, got an array/);
  });
});
