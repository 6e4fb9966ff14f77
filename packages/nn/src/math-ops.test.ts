/**
 * Elementwise math of issue 13 (@dl/tensor's math primitives and ops/math-extra.ts; tested here,
 * where a backend and autograd are at hand). Expected values are PyTorch 1.13's; the randomized
 * differential rows (tools/fixtures/differential_math.py) and the ops.json edge cases cover
 * layouts, dtypes and edge values on cpu and webgpu.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import * as autograd from '@dl/autograd';

const t = (v: number[], dtype?: 'int32' | 'float64' | 'uint8') => dl.tensor(v, dtype ? { dtype } : {});
const arr = (x: dl.Tensor) => x.toArraySync() as number[];
function close(actual: number[], expected: number[], rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach((a, i) => {
    const e = expected[i]!;
    if (Number.isNaN(e) || !Number.isFinite(e)) expect(a).toBe(e);
    else expect(Math.abs(a - e)).toBeLessThanOrEqual(1e-6 + rtol * Math.abs(e));
  });
}

describe('special functions', () => {
  it('digamma and lgamma at poles, zeros of both signs and infinities, as torch', () => {
    close(arr(t([0, -0, -1, -1.5, Infinity, -Infinity, NaN]).digamma()), [-Infinity, Infinity, NaN, 0.7031566, Infinity, NaN, NaN]);
    close(arr(t([0, -0, -2, -2.5, 0.5, 100, -Infinity, 3e38]).lgamma()), [
      Infinity,
      Infinity,
      Infinity,
      -0.0562437,
      0.5723649,
      359.1342163,
      Infinity,
      Infinity,
    ]);
  });
  it('erfinv at ±1 and beyond, erfc in the far tail', () => {
    close(arr(t([1, -1, 1.5, 0.999999, -0.5]).erfinv()), [Infinity, -Infinity, NaN, 3.4570882, -0.4769363]);
    close(arr(dl.erfc(t([5, 9, -5]))), [1.5374598e-12, 4.137032e-37, 2]);
  });
  it("digamma's gradient is trigamma, and differentiates again (polygamma(2, x))", () => {
    const x = dl.tensor([0.3, 2.5, -1.5], { dtype: 'float64', requiresGrad: true });
    const [g] = autograd.grad(x.digamma().sum(), [x], { createGraph: true }) as dl.Tensor[];
    close(arr(g!), [12.245364544940365, 0.4903577562398206, 9.37924664484954], 1e-9);
    g!.sum().backward();
    close(arr(x.grad!), [-75.27253658872601, -0.23620405164172736, -0.23620405164172825], 1e-7);
  });
  it('integer inputs give float32 results', () => {
    const r = t([1, 2, 3], 'int32').lgamma();
    expect(r.dtype).toBe('float32');
    close(arr(r), [0, 0, Math.log(2)]);
    expect(dl.signbit(t([-1, 0, 2], 'int32')).dtype).toBe('bool');
  });
});

describe('binary math', () => {
  it('an integer tensor to a negative integer scalar power raises, as torch; a tensor exponent gives 0', () => {
    expect(() => t([2], 'int32').pow(-1)).toThrow(/pow: integers to negative integer powers are not allowed \(int32 input, exponent -1\)/);
    expect(() => t([2], 'int32').pow_(-2)).toThrow(dl.DTypeError);
    expect(arr(t([2], 'int32').pow(t([-1], 'int32')))).toEqual([0]);
    expect(arr(t([2], 'int32').pow(0))).toEqual([1]);
    expect(arr(t([2]).pow(-1))).toEqual([0.5]);
  });
  it('fmod keeps the dividend sign; an integer zero divisor raises as torch', () => {
    expect(arr(dl.fmod(t([5, -5, 5, -5]), t([3, 3, -3, -3])))).toEqual([2, -2, 2, -2]);
    expect(arr(t([7, -7], 'int32').fmod(3))).toEqual([1, -1]);
    expect(() => t([7], 'int32').fmod(0)).toThrow(dl.ArgumentError);
    expect(() => t([7], 'int32').fmod(t([0], 'int32'))).toThrow(/fmod: integer division by zero/);
    expect(() => t([7]).fmod(t([0]))).not.toThrow(); // NaN for floats
  });
  it("fmod's gradient wrt the divisor is -trunc(a / b)", () => {
    const a = dl.tensor([5, -7, 2], { requiresGrad: true });
    const b = dl.tensor([3, 2, 2], { requiresGrad: true });
    a.fmod(b).sum().backward();
    expect(arr(a.grad!)).toEqual([1, 1, 1]);
    expect(arr(b.grad!)).toEqual([-1, 3, -1]);
  });
  it('hypot does not overflow; inf beats NaN as in C', () => {
    close(arr(dl.hypot(t([3, 1e30, Infinity]), t([4, 1e30, NaN]))), [5, 1.4142135e30, Infinity]);
    expect(() => dl.hypot(t([3], 'int32'), t([4], 'int32'))).toThrow(dl.DTypeError);
  });
  it('xlogy is 0 at x = 0 unless y is NaN, with torch gradients', () => {
    const x = dl.tensor([0, 0, 2, 0, 3], { requiresGrad: true });
    const y = dl.tensor([0, 2, 0, NaN, -1], { requiresGrad: true });
    const r = x.xlogy(y);
    close(arr(r), [0, 0, -Infinity, NaN, NaN]);
    r.sum().backward();
    close(arr(x.grad!), [0, Math.fround(Math.log(2)), -Infinity, NaN, NaN]);
    close(arr(y.grad!), [NaN, 0, Infinity, NaN, -3]);
    close(arr(dl.xlogy(2, t([3]))), [2 * Math.log(3)]);
  });
  it('logaddexp / logaddexp2 at equal infinities, and their gradients', () => {
    close(arr(dl.logaddexp(t([1000, Infinity, -Infinity]), t([1000, Infinity, -Infinity]))), [1000.6931, Infinity, -Infinity]);
    close(arr(dl.logaddexp2(t([3, 1]), t([3, 2]))), [4, 2.5849625]);
    const a = dl.tensor([1, 1], { requiresGrad: true });
    const b = dl.tensor([1, Infinity], { requiresGrad: true });
    a.logaddexp(b).sum().backward();
    expect(arr(a.grad!)).toEqual([0.5, 0]);
    expect(arr(b.grad!)).toEqual([0.5, 1]);
    expect(() => dl.logaddexp(t([1], 'int32'), t([2], 'int32'))).toThrow(dl.DTypeError);
  });
  it('copysign reads the sign bit (-0 is negative); its gradient is NaN at inf as torch', () => {
    expect(arr(dl.copysign(t([1, 2, 3]), t([-0, 0, -1])))).toEqual([-1, 2, -3]);
    expect(dl.copysign(t([1, 2], 'int32'), -1).dtype).toBe('float32');
    const x = dl.tensor([0, 2, -3, Infinity], { requiresGrad: true });
    x.copysign(t([-1, -1, 1, 1]))
      .sum()
      .backward();
    close(arr(x.grad!), [0, -1, -1, NaN]);
  });
  it('fmax / fmin ignore NaN, and a tie sends the gradient to the first operand', () => {
    expect(arr(dl.fmax(t([1, NaN, NaN]), t([NaN, 2, NaN])))).toEqual([1, 2, NaN]);
    expect(arr(dl.fmin(t([1, NaN, 5]), t([NaN, 2, 3])))).toEqual([1, 2, 3]);
    const a = dl.tensor([1, 2], { requiresGrad: true });
    const b = dl.tensor([1, 3], { requiresGrad: true });
    a.fmax(b).sum().backward();
    expect(arr(a.grad!)).toEqual([1, 0]);
    expect(arr(b.grad!)).toEqual([0, 1]);
  });
  it('the out option', () => {
    const out = dl.empty([2]);
    dl.hypot(t([3, 6]), t([4, 8]), { out });
    expect(arr(out)).toEqual([5, 10]);
  });
});

describe('bitwise ops', () => {
  it('and / or / xor / not on integers and bools, floats raise', () => {
    const i = t([5, -6, 12], 'int32');
    expect(arr(i.bitwiseAnd(3))).toEqual([1, 2, 0]);
    expect(arr(dl.bitwiseOr(i, 3))).toEqual([7, -5, 15]);
    expect(arr(dl.bitwiseXor(i, t([1, 1, 1], 'int32')))).toEqual([4, -5, 13]);
    expect(arr(i.bitwiseNot())).toEqual([-6, 5, -13]);
    expect(arr(t([1, 0], 'uint8').bitwiseNot())).toEqual([254, 255]);
    expect(arr(dl.tensor([true, false]).bitwiseNot())).toEqual([false, true]);
    expect(dl.tensor([true, true]).bitwiseAnd(dl.tensor([true, false])).dtype).toBe('bool');
    expect(() => t([1.5]).bitwiseAnd(1)).toThrow(dl.DTypeError);
    expect(() => t([1], 'int32').bitwiseAnd(1.5)).toThrow(/bitwiseAnd.*floating point/);
    expect(() => t([1.5]).bitwiseNot()).toThrow(dl.DTypeError);
  });
  it('shifts take the count mod 32 on int32 (torch on x86) and wrap uint8', () => {
    expect(arr(t([1, 3, 1], 'int32').bitwiseLeftShift(t([31, 32, 33], 'int32')))).toEqual([-2147483648, 3, 2]);
    expect(arr(t([-8, -8], 'int32').bitwiseRightShift(t([1, 40], 'int32')))).toEqual([-4, -1]);
    expect(arr(dl.bitwiseLeftShift(t([200], 'uint8'), 3))).toEqual([64]);
    expect(arr(dl.tensor([true]).bitwiseLeftShift(1))).toEqual([2]); // bool and an int promote to int, as torch
    expect(() => dl.tensor([true]).bitwiseLeftShift(dl.tensor([true]))).toThrow(dl.DTypeError);
  });
});

describe('composites', () => {
  it('frac and logit (with and without eps, its gradient NaN outside [0, 1])', () => {
    close(arr(t([-1.5, 2.25, Infinity]).frac()), [-0.5, 0.25, NaN]);
    expect(() => t([1], 'int32').frac()).toThrow(dl.DTypeError);
    close(arr(t([0, 0.25, 1, 2]).logit()), [-Infinity, -1.0986123, Infinity, NaN]);
    close(arr(t([0, 0.25, 1, 2]).logit(0.1)), [-2.1972246, -1.0986123, 2.1972246, 2.1972246]);
    const x = dl.tensor([-0.5, 0.5, 1.5], { requiresGrad: true });
    dl.logit(x).sum().backward();
    close(arr(x.grad!), [NaN, 4, NaN]);
    const y = dl.tensor([-0.5, 0.1, 0.5, 1.5], { requiresGrad: true });
    y.logit(0.1).sum().backward();
    close(arr(y.grad!), [0, 11.111111, 4, 0]);
  });
  it('nanToNum: dtype-aware defaults, options, integers unchanged, gradient where finite', () => {
    close(arr(t([NaN, Infinity, -Infinity, 1]).nanToNum()), [0, 3.4028234663852886e38, -3.4028234663852886e38, 1]);
    expect(arr(t([Infinity], 'float64').nanToNum())).toEqual([Number.MAX_VALUE]);
    expect(arr(dl.nanToNum(t([NaN, Infinity, -Infinity]), { nan: 7, posinf: 1e4, neginf: -2 }))).toEqual([7, 1e4, -2]);
    expect(arr(t([1, 2], 'int32').nanToNum())).toEqual([1, 2]);
    const x = dl.tensor([NaN, Infinity, -Infinity, 1], { requiresGrad: true });
    x.nanToNum().sum().backward();
    expect(arr(x.grad!)).toEqual([0, 0, 0, 1]);
  });
  it('isclose as torch.isclose (infinities, equalNan, integers, dtype mismatch raises)', () => {
    expect(arr(dl.isclose(t([1, Infinity, NaN, Infinity]), t([1.00001, Infinity, NaN, -Infinity]), { equalNan: true }))).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect(arr(t([1, 2], 'int32').isclose(t([1, 3], 'int32')))).toEqual([true, false]);
    expect(arr(t([1, 2], 'int32').isclose(t([1, 3], 'int32'), { rtol: 0.5 }))).toEqual([true, true]);
    expect(() => t([1], 'int32').isclose(t([1]))).toThrow(dl.DTypeError);
    expect(() => t([1]).isclose(t([1]), { rtol: -1 })).toThrow(dl.ArgumentError);
  });
});

describe('clamp with tensor bounds', () => {
  it("broadcasts, propagates NaN from any operand and routes the gradient as torch's clamp_backward_min_max", () => {
    const x = dl.tensor([0.5, -1, 3, NaN], { requiresGrad: true });
    const lo = dl.tensor([0, 0, 0, 0], { requiresGrad: true });
    const hi = dl.tensor([1, -2, 2, 1], { requiresGrad: true });
    const y = x.clamp(lo, hi);
    close(arr(y), [0.5, -2, 2, NaN]);
    y.sum().backward();
    expect(arr(x.grad!)).toEqual([1, 0, 0, 0]);
    expect(arr(lo.grad!)).toEqual([0, 0, 0, 0]);
    expect(arr(hi.grad!)).toEqual([0, 1, 1, 0]);
    close(arr(dl.clamp(t([1, 2]), t([NaN, 0]), t([3, NaN]))), [NaN, NaN]);
    expect(dl.clamp(t([1, 2]), { min: dl.tensor([[0], [1.5]]) }).shape).toEqual([2, 2]);
  });
  it('options objects, one-sided bounds, integer promotion; mixing a tensor and a number raises as torch', () => {
    expect(arr(dl.clamp(t([-3, 3]), { min: -1 }))).toEqual([-1, 3]);
    expect(arr(t([-3, 3]).clamp({ max: t([0, 1]) }))).toEqual([-3, 1]);
    expect(arr(dl.clip(t([-3, 3]), t([-1]), t([1])))).toEqual([-1, 1]);
    const r = t([1, 2], 'int32').clamp(t([1.5, 0]));
    expect(r.dtype).toBe('float32');
    expect(arr(r)).toEqual([1.5, 2]);
    expect(() => t([1]).clamp(t([0]), 3)).toThrow(dl.ArgumentError);
    const m = t([-2, 0.5, 2]);
    m.clamp_(t([-1]), t([1]));
    expect(arr(m)).toEqual([-1, 0.5, 1]);
  });
});
