/**
 * F.pad and F.linear edge cases against torch 1.13 (differential cases F.pad#08/#09, F.linear#25).
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { ShapeError } from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { F } from '../index.js';

describe('F.pad', () => {
  it('pads an empty 1-D input and the output requires grad, as torch', async () => {
    const x = dl.zeros([0]).requiresGrad_();
    const y = F.pad(x, [1, 2], { value: 3 });
    expect(await y.toArray()).toEqual([3, 3, 3]);
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    expect(x.grad!.shape).toEqual([0]);
  });

  it('raises a ShapeError for a negative output size, naming the dim and the input', () => {
    const x = dl.zeros([2, 3]);
    expect(() => F.pad(x, [0, -4])).toThrow(ShapeError);
    expect(() => F.pad(x, [-2, -2])).toThrow(
      /input size 3, plus negative padding -2 and -2 resulted in a negative output size \(-1\) for dimension 1 of input \[2, 3\]/,
    );
    expect(() => F.pad(x, [0, 0, 1, -4])).toThrow(/dimension 0/);
  });

  it('crops to size 0 (torch 1.13 refuses a zero-size result when another amount is positive; torch 2 allows it, as dl)', () => {
    expect(F.pad(dl.zeros([2, 3]), [-3, 0]).shape).toEqual([2, 0]);
    expect(F.pad(dl.zeros([2, 3]), [0, -3, 1, 0]).shape).toEqual([3, 0]);
    expect(F.pad(dl.zeros([2, 0, 3]), [0, 1, 0, 0]).shape).toEqual([2, 0, 4]);
  });
});

describe('F.linear', () => {
  it('an empty 3-D input with a bias gives [N, 0, out] and zero weight/bias gradients', async () => {
    const x = dl.zeros([2, 0, 3]).requiresGrad_();
    const w = dl.randn([4, 3]).requiresGrad_();
    const b = dl.randn([4]).requiresGrad_();
    const y = F.linear(x, w, b);
    expect(y.shape).toEqual([2, 0, 4]);
    y.sum().backward();
    expect(await w.grad!.toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ]);
    expect(await b.grad!.toArray()).toEqual([0, 0, 0, 0]);
  });
});
