import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { gradcheck } from './index.js';

// Note [In-place metadata ops] (packages/tensor/src/ops/inplace-views.ts), against torch 1.13.

const g = new dl.Generator(5);
const r = (...shape: number[]) => dl.randn(shape, { dtype: 'float64', generator: g }).requiresGrad_();

describe('unsqueeze_, squeeze_, t_, transpose_ change the tensor itself', () => {
  it('shapes and values as torch', () => {
    const x = dl.arange(6).reshape(2, 3);
    expect(x.unsqueeze_(0)).toBe(x);
    expect(x.shape).toEqual([1, 2, 3]);
    x.unsqueeze_(-1);
    expect(x.shape).toEqual([1, 2, 3, 1]);
    x.squeeze_(3);
    expect(x.shape).toEqual([1, 2, 3]);
    x.squeeze_();
    expect(x.shape).toEqual([2, 3]);
    x.t_();
    expect(x.shape).toEqual([3, 2]);
    expect(x.toArraySync()).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
    const y = dl.arange(24).reshape(2, 3, 4);
    y.transpose_(0, 2);
    expect(y.shape).toEqual([4, 3, 2]);
    expect(y.at(1, 2, 1).itemSync()).toBe(dl.arange(24).reshape(2, 3, 4).at(1, 2, 1).itemSync());
    const v = dl.ones(3);
    v.t_(); // ≤1-D: unchanged, as torch
    expect(v.shape).toEqual([3]);
    expect(() => dl.ones(2, 2, 2).t_()).toThrow(/t_: expects a tensor with <= 2 dimensions, but self is 3D/);
    expect(() => dl.ones(2).unsqueeze_(3)).toThrow(dl.IndexError);
  });

  it("record torch's nodes, and gradients flow through", () => {
    const w = r(2, 3);
    const a = w.mul(1);
    a.unsqueeze_(0);
    expect(a.gradFn?.name()).toBe('UnsqueezeBackward1');
    a.squeeze_();
    expect(a.gradFn?.name()).toBe('SqueezeBackward2');
    a.unsqueeze_(1);
    a.squeeze_(1);
    expect(a.gradFn?.name()).toBe('SqueezeBackward3');
    a.t_();
    expect(a.gradFn?.name()).toBe('TBackward1');
    a.transpose_(0, 1);
    expect(a.gradFn?.name()).toBe('TransposeBackward1');
    expect(
      gradcheck(
        (x) => {
          const b = x.mul(2);
          b.t_();
          b.unsqueeze_(0);
          return b.mul(dl.arange(6, { dtype: 'float64' }).reshape(1, 3, 2)).sum();
        },
        [r(2, 3)],
      ),
    ).toBe(true);
    expect(
      gradcheck(
        (x) => {
          const b = x.add(1);
          b.transpose_(0, 2);
          b.squeeze_(1);
          return b.pow(2).sum();
        },
        [r(2, 1, 3)],
      ),
    ).toBe(true);
    // torch: exp saves its output; reshaping it in place bumps the version and backward refuses
    const e = r(2, 1, 3).exp();
    e.transpose_(0, 2);
    expect(() => e.pow(2).sum().backward()).toThrow(/modified by an inplace operation/);
  });

  it('a leaf that requires grad refuses, as torch', () => {
    expect(() => r(2, 3).unsqueeze_(0)).toThrow(/a leaf Variable that requires grad is being used in an in-place operation/);
  });
});

describe('typeAs', () => {
  it("casts to the other tensor's dtype (torch.Tensor.type_as)", () => {
    expect(dl.arange(3).typeAs(dl.ones(1)).dtype).toBe('float32');
    expect(dl.ones(2).typeAs(dl.arange(2)).dtype).toBe(dl.arange(2).dtype);
    expect(
      dl
        .tensor([1.5, 2.5])
        .typeAs(dl.ones(1, { dtype: 'float64' }))
        .toArraySync(),
    ).toEqual([1.5, 2.5]);
    expect(() => dl.ones(2).typeAs('float32' as never)).toThrow(/typeAs: other must be a Tensor/);
  });
});
