import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import './index.js';

// Tensor-op edge cases found by the differential test against torch 1.13; the expected values are
// torch 1.13's (noted beside each), the differential cases themselves run in @dl/nn.
const i32 = (xs: number[]) => dl.tensor(xs, { dtype: 'int32' });
const vals = (t: dl.Tensor) => Array.from(t.dataSync());

describe("addcmul / addcdiv as torch 1.13 (Note [addcmul's value on integers])", () => {
  const a = () => i32([1, 2, 3, -4]);
  const b = () => i32([3, 3, 3, 3]);
  const c = () => i32([1, 1, 1, 1]);

  it('integer tensors keep their dtype; a fractional value is truncated toward zero', () => {
    // torch.addcmul(a, b, c, value=v) for v = 0.5, -0.5, 2.7, -1.7
    expect(a().addcmul(b(), c(), { value: 0.5 }).dtype).toBe('int32');
    expect(vals(a().addcmul(b(), c(), { value: 0.5 }))).toEqual([1, 2, 3, -4]);
    expect(vals(a().addcmul(b(), c(), { value: -0.5 }))).toEqual([1, 2, 3, -4]);
    expect(vals(a().addcmul(b(), c(), { value: 2.7 }))).toEqual([7, 8, 9, 2]);
    expect(vals(a().addcmul(b(), c(), { value: -1.7 }))).toEqual([-2, -1, 0, -7]);
    const x = a();
    x.addcmul_(b(), c(), { value: -1.5 });
    expect(x.dtype).toBe('int32');
    expect(vals(x)).toEqual([-2, -1, 0, -7]);
  });

  it('a float operand makes the result float and keeps the value', () => {
    expect(vals(a().addcmul(b(), dl.tensor(2.0), { value: 1.5 }))).toEqual([10, 11, 12, 5]);
    expect(vals(a().float().addcmul(b(), c(), { value: -0.5 }))).toEqual([-0.5, 0.5, 1.5, -5.5]);
  });

  it('a value the integer dtype cannot hold raises', () => {
    expect(() => a().addcmul(b(), c(), { value: NaN })).toThrow(dl.DTypeError);
    expect(() => a().addcmul(b(), c(), { value: Infinity })).toThrow(/cannot be converted to type int32 without overflow/);
    expect(() => a().addcmul(b(), c(), { value: 2 ** 31 })).toThrow(dl.DTypeError);
    expect(vals(a().addcmul(b(), c(), { value: 2 ** 31 - 1 }))).toEqual([2147483646, 2147483647, -2147483648, 2147483641]);
    const u = () => dl.tensor([1, 2], { dtype: 'uint8' });
    expect(vals(u().addcmul(u(), u(), { value: 2.5 }))).toEqual([3, 10]);
    expect(() => u().addcmul(u(), u(), { value: 255.5 })).toThrow(dl.DTypeError);
    expect(() => u().addcmul(u(), u(), { value: -0.5 })).toThrow(dl.DTypeError);
    expect(vals(u().addcmul(u(), u(), { value: -1 }))).toEqual([0, 254]); // a Python int wraps
  });

  it('bool tensors and integer addcdiv raise, as torch', () => {
    const t = () => dl.tensor([true]);
    expect(() => t().addcmul(t(), t(), { value: 0.5 })).toThrow(dl.DTypeError);
    expect(() => a().addcdiv(b(), c(), { value: 0.5 })).toThrow(/integer division with addcdiv is no longer supported/);
    expect(() => a().float().addcdiv(b(), c())).toThrow(dl.DTypeError);
    expect(() => a().addcdiv_(b(), c())).toThrow(dl.DTypeError);
    expect(vals(a().addcdiv(b(), c().float(), { value: 0.5 }))).toEqual([2.5, 3.5, 4.5, -2.5]);
  });
});

describe('topk, chunk and split of 0-d and empty tensors as torch 1.13', () => {
  it('topk of a 0-d tensor returns the element for k 0 and 1', () => {
    for (const k of [0, 1]) {
      for (const dim of [0, -1]) {
        const r = dl.tensor(2.5).topk(k, dim);
        expect(r.values.shape).toEqual([]);
        expect(r.values.itemSync()).toBe(2.5);
        expect(r.indices.itemSync()).toBe(0);
      }
    }
    expect(() => dl.tensor(2.5).topk(2)).toThrow(dl.ArgumentError); // "selected index k out of range"
  });

  it('chunk of a size-0 dim gives `chunks` empty views', () => {
    const parts = dl.zeros([2, 0, 1]).chunk(4, -2);
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 0, 1],
      [2, 0, 1],
      [2, 0, 1],
      [2, 0, 1],
    ]);
    expect(dl.zeros([0]).chunk(1).length).toBe(1);
    expect(
      dl
        .arange(5)
        .chunk(3)
        .map((p) => p.shape[0]),
    ).toEqual([2, 2, 1]);
    expect(
      dl
        .arange(2)
        .chunk(5)
        .map((p) => p.shape[0]),
    ).toEqual([1, 1]);
  });

  it('chunk and split of a 0-d tensor raise', () => {
    expect(() => dl.tensor(1).chunk(2)).toThrow(dl.ShapeError); // "chunk expects at least a 1-dimensional tensor"
    expect(() => dl.tensor(1).split(2)).toThrow(dl.ShapeError);
  });
});

describe('Tensor.div with roundingMode', () => {
  it('rounds like dl.div and torch (the method took one argument and ignored the option)', () => {
    // torch.tensor([-7., 7.]).div(torch.tensor([2., 2.]), rounding_mode='floor') -> tensor([-4., 3.]); 'trunc' -> tensor([-3., 3.])
    const a = dl.tensor([-7, 7]);
    expect(a.div(2, { roundingMode: 'floor' }).toArraySync()).toEqual([-4, 3]);
    expect(a.div(dl.tensor([2, 2]), { roundingMode: 'trunc' }).toArraySync()).toEqual([-3, 3]);
    expect(a.div(2).toArraySync()).toEqual([-3.5, 3.5]);
    expect(a.div(2, { roundingMode: null }).toArraySync()).toEqual([-3.5, 3.5]);
  });
});
