import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { F, nn } from './index.js';
import cases from './fixtures/avg-pool-divisor.json' with { type: 'json' };

// tools/fixtures/avg_pool_divisor_fixtures.py: the same input, torch's avg_pool2d(..., divisor_override)
const input = () =>
  dl
    .arange(0, 2 * 3 * 7 * 6)
    .float()
    .mul(0.37)
    .sin()
    .reshape(2, 3, 7, 6);

describe('avgPool2d divisorOverride (torch divisor_override)', () => {
  for (const c of cases) {
    const name = `k=${JSON.stringify(c.k)} s=${JSON.stringify(c.s)} p=${JSON.stringify(c.p)} ceil=${c.c} divisor=${c.d}`;
    it(`${name}: values and input gradient match torch`, () => {
      const x = input().requiresGrad_();
      const y = F.avgPool2d(x, c.k as number, { stride: c.s as number, padding: c.p as number, ceilMode: c.c, divisorOverride: c.d });
      expect(y.shape).toEqual(c.shape);
      const w = dl.arange(0, y.numel()).float().cos().reshape(y.shape);
      y.mul(w).sum().backward();
      const got = Array.from(y.detach().dataSync());
      c.y.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 5));
      const g = Array.from(x.grad!.dataSync());
      c.g.forEach((v, i) => expect(g[i]).toBeCloseTo(v, 5));
    });
  }
  it('the layer takes it as an option and as torch 6th positional argument', () => {
    const x = input();
    const want = F.avgPool2d(x, 2, { divisorOverride: 2 });
    expect(Array.from(new nn.AvgPool2d(2, { divisorOverride: 2 })(x).dataSync())).toEqual(Array.from(want.dataSync()));
    expect(Array.from(new nn.AvgPool2d(2, 2, 0, false, true, 2)(x).dataSync())).toEqual(Array.from(want.dataSync()));
  });
  it('a zero or fractional divisor is a typed error', () => {
    expect(() => F.avgPool2d(input(), 2, { divisorOverride: 0 })).toThrow(/divisorOverride must be a nonzero integer/);
    expect(() => F.avgPool2d(input(), 2, { divisorOverride: 1.5 })).toThrow(dl.ArgumentError);
  });
});
