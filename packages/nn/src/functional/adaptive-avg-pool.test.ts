/**
 * F.adaptiveAvgPool2d averages each output's own window (Note [Adaptive average pooling as window
 * sums] in @dl/tensor): an inf or NaN reaches only the windows that hold it, as in torch 1.13.
 * Expected values are torch's (printed by torch 1.13, small enough to check by hand).
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { ShapeError } from '@dl/tensor';
import '@dl/backend-cpu';
import { gradcheck, gradgradcheck } from '@dl/autograd';
import { F } from '../index.js';

const nanInf = () =>
  dl
    .tensor([
      [
        [
          [1, 2, 3, 4, NaN],
          [0, Infinity, 1, 1, 1],
        ],
      ],
    ])
    .requiresGrad_();

describe('F.adaptiveAvgPool2d', () => {
  it('an inf or NaN reaches only the windows that hold it', async () => {
    // W 5 → 3: windows [0, 2), [1, 4), [3, 5) overlap
    expect(await F.adaptiveAvgPool2d(nanInf(), [1, 3]).toArray()).toEqual([[[[Infinity, Infinity, NaN]]]]);
    const y = F.adaptiveAvgPool2d(nanInf(), [2, 3]);
    expect(await y.toArray()).toEqual([
      [
        [
          [1.5, 3, NaN],
          [Infinity, Infinity, 1],
        ],
      ],
    ]);
  });

  it('the gradient sums g / (kh·kw) over the windows holding each input, finite next to inf and NaN', async () => {
    const x = nanInf();
    F.adaptiveAvgPool2d(x, [2, 3]).backward(dl.arange(6).float().reshape(1, 1, 2, 3));
    const g = (await x.grad!.toArray()) as number[][][][];
    const torch = [
      [0, 1 / 3, 1 / 3, 4 / 3, 1],
      [1.5, 17 / 6, 4 / 3, 23 / 6, 2.5],
    ];
    g[0]![0]!.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(torch[i]![j]!, 6)));
  });

  it('upsamples (output larger than the input) with overlapping windows', async () => {
    const x = dl.arange(6).float().reshape(1, 2, 3).requiresGrad_();
    const y = F.adaptiveAvgPool2d(x, [3, 4]);
    expect(y.gradFn?.name()).toBe('AdaptiveAvgPool2DBackward0');
    expect(await y.toArray()).toEqual([
      [
        [0, 0.5, 1.5, 2],
        [1.5, 2, 3, 3.5],
        [3, 3.5, 4.5, 5],
      ],
    ]);
    y.sum().backward();
    expect(await x.grad!.toArray()).toEqual([
      [
        [2.25, 1.5, 2.25],
        [2.25, 1.5, 2.25],
      ],
    ]);
  });

  it('tiling windows (a divisible size) and the identity size', async () => {
    const x = dl.arange(16).float().reshape(1, 1, 4, 4);
    expect(await F.adaptiveAvgPool2d(x, 2).toArray()).toEqual([
      [
        [
          [2.5, 4.5],
          [10.5, 12.5],
        ],
      ],
    ]);
    const same = F.adaptiveAvgPool2d(x, [4, 4]);
    expect(await same.toArray()).toEqual(await x.toArray());
    expect(F.adaptiveAvgPool2d(x, [null, 2]).shape).toEqual([1, 1, 4, 2]);
  });

  it('passes gradcheck and gradgradcheck for uneven, tiling and upsampling windows', () => {
    const gen = new dl.Generator(3);
    const f64 = (...s: number[]) => dl.randn(s, { dtype: 'float64', generator: gen }).requiresGrad_();
    for (const [shape, out] of [
      [
        [2, 1, 5, 7],
        [3, 4],
      ],
      [
        [1, 2, 4, 6],
        [2, 3],
      ],
      [
        [2, 3, 2],
        [5, 3],
      ],
    ] as const) {
      const fn = (x: dl.Tensor) => F.adaptiveAvgPool2d(x, out).square();
      expect(gradcheck(fn, [f64(...shape)])).toBe(true);
      expect(gradgradcheck(fn, [f64(...shape)])).toBe(true);
    }
  });

  it('an empty batch gives an empty output; an empty plane raises as torch', () => {
    expect(F.adaptiveAvgPool2d(dl.zeros([0, 2, 4, 4]), 2).shape).toEqual([0, 2, 2, 2]);
    expect(F.adaptiveAvgPool2d(dl.zeros([1, 4, 4]), [0, 2]).shape).toEqual([1, 0, 2]);
    expect(() => F.adaptiveAvgPool2d(dl.zeros([1, 0, 4]), 2)).toThrow(ShapeError);
    expect(() => F.adaptiveAvgPool2d(dl.zeros([1, 0, 4]), 2)).toThrow(/non-zero size for non-batch dimensions.*dimension 1 being empty/);
  });
});
