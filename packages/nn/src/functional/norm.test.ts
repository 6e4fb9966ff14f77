/**
 * F.batchNorm / F.layerNorm / F.groupNorm statistics without float32 overflow (Note
 * [Normalisation without overflow] in @dl/tensor) and group norm's one-value-per-group error
 * (Note [One value per group]). Expected values are torch 1.13's (float64 where its float32
 * kernels overflow, see each test).
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { ArgumentError } from '@dl/tensor';
import '@dl/backend-cpu';
import { gradcheck, gradgradcheck } from '@dl/autograd';
import { F } from '../index.js';

const close = async (t: dl.Tensor, want: number[], digits = 4) => {
  const got = Array.from(await t.data());
  expect(got.length).toBe(want.length);
  got.forEach((v, i) => (Number.isNaN(want[i]!) ? expect(v).toBeNaN() : expect(v).toBeCloseTo(want[i]!, digits)));
};

describe('normalisation of float32 values whose variance overflows', () => {
  it('batchNorm in training: 1e38 in a channel keeps the normalised values (torch F.batchNorm#28), not the bias', async () => {
    // torch 1.13 accumulates this variance in float64 (finite) for a strided input
    const x = dl.tensor([-2.77, -2.86, 1e38]).reshape(3, 1).requiresGrad_();
    const w = dl.tensor([2]).requiresGrad_();
    const b = dl.tensor([1]).requiresGrad_();
    const rm = dl.zeros([1]);
    const rv = dl.ones([1]);
    const y = F.batchNorm(x, rm, rv, { weight: w, bias: b, training: true });
    await close(y, [1 - 2 * Math.SQRT1_2, 1 - 2 * Math.SQRT1_2, 1 + 2 * Math.SQRT2]);
    y.mul(dl.tensor([[1], [2], [3]]))
      .sum()
      .backward();
    await close(b.grad!, [6]);
    await close(w.grad!, [3 * Math.SQRT2 - 3 * Math.SQRT1_2]);
    // the running variance update overflows as torch's (the unbiased variance is ~5e75)
    expect((await rv.data())[0]).toBe(Infinity);
  });

  it('layerNorm and groupNorm of a row holding 3e38: torch float64 values (torch float32 gives NaN)', async () => {
    const row = [1.98, 2.385, 1.81, 3e38];
    const want = [-0.57735, -0.57735, -0.57735, 1.73205];
    await close(F.layerNorm(dl.tensor([row]), [4]), want);
    await close(F.groupNorm(dl.tensor([row]).reshape(1, 2, 2), 1), want);
  });

  it('a NaN or inf makes its whole group NaN and leaves the other groups alone', async () => {
    const x = dl.tensor([Infinity, 1, 1, 1, 2, 3]).reshape(1, 2, 3);
    await close(F.groupNorm(x, 2), [NaN, NaN, NaN, -1.22474, 0, 1.22474]);
    await close(
      F.layerNorm(
        dl.tensor([
          [NaN, 1],
          [1, 3],
        ]),
        [2],
      ),
      [NaN, NaN, -1, 1],
    );
  });

  it('ordinary data is unchanged by the scaling; gradcheck and gradgradcheck on large-spread data', async () => {
    await close(F.layerNorm(dl.tensor([[0.1, 0.2, 0.4]]), [3], { eps: 0 }), [-1.069045, -0.267261, 1.336306], 5);
    const gen = new dl.Generator(5);
    const big = (...s: number[]) => dl.randn(s, { dtype: 'float64', generator: gen }).mul(100).requiresGrad_();
    const f64 = (...s: number[]) => dl.randn(s, { dtype: 'float64', generator: gen }).requiresGrad_();
    const fns: Array<[(...t: dl.Tensor[]) => dl.Tensor, () => dl.Tensor[]]> = [
      [(x, w, b) => F.groupNorm(x, 2, { weight: w, bias: b }).square(), () => [big(2, 4, 3), f64(4), f64(4)]],
      [(x, w) => F.layerNorm(x, [3], { weight: w }).square(), () => [big(2, 3), f64(3)]],
      [(x, w) => F.batchNorm(x, null, null, { weight: w, training: true }).square(), () => [big(4, 2), f64(2)]],
    ];
    for (const [fn, make] of fns) {
      expect(gradcheck(fn, make())).toBe(true);
      expect(gradgradcheck(fn, make())).toBe(true);
    }
  });
});

describe('F.groupNorm: one value per group', () => {
  it('raises as torch 1.13 when N · C/G · spatial is 1', () => {
    for (const [shape, groups, size] of [
      [[1, 1], 1, '[1, 1]'],
      [[1, 1, 1], 1, '[1, 1, 1]'],
      [[1, 2], 2, '[1, 2]'],
      [[1, 2, 1], 2, '[1, 2, 1]'],
    ] as const) {
      const call = () => F.groupNorm(dl.ones([...shape]), groups);
      expect(call).toThrow(ArgumentError);
      expect(call).toThrow(`expected more than 1 value per channel when training, got input size ${size}`);
    }
  });

  it('accepts what torch accepts: two samples of one value, an empty batch', async () => {
    await close(F.groupNorm(dl.tensor([[-1.5], [2.5]]), 1), [0, 0]);
    expect(F.groupNorm(dl.ones([1, 2, 1]), 1).shape).toEqual([1, 2, 1]);
    const e = dl.zeros([0, 2]).requiresGrad_();
    const y = F.groupNorm(e, 2);
    expect(y.shape).toEqual([0, 2]);
    y.sum().backward();
    expect(e.grad!.shape).toEqual([0, 2]);
  });
});
