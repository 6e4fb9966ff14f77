import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { gradcheck, noGrad } from './index.js';

// Note [In-place writes into views: CopySlices] (packages/tensor/src/ops/copy-slices.ts): an
// in-place write into a view records CopySlices on the base, as torch's `o[0] = y`.

const g = new dl.Generator(77);
const r = (...shape: number[]) => dl.randn(shape, { dtype: 'float64', generator: g }).requiresGrad_();
const f64 = { dtype: 'float64' } as const;
/** A fixed non-uniform weighting so every output element's gradient differs. */
const wsum = (t: Tensor) => t.mul(dl.arange(t.numel(), f64).add(1).reshape(t.shape)).sum();

describe('in-place writes into views record CopySlices on the base', () => {
  it('copy_ into a row of a tensor that does not require grad: the gradient reaches the source (torch: o[0] = y)', () => {
    const w = r(4, 3);
    const x = dl.randn([2, 3], { ...f64, generator: g });
    const o = dl.zeros([2, 4], f64);
    o.at(0).copy_(x.matmul(w.t()).at(0));
    expect(o.requiresGrad).toBe(true);
    expect(o.gradFn?.name()).toBe('CopySlices');
    expect(String(o)).toContain('grad_fn=<CopySlices>');
    wsum(o).backward();
    // d/dw[k, :] of sum_k (k+1) (x[0] · w[k]) = (k+1) x[0]
    const want = dl.arange(4, f64).add(1).unsqueeze(1).mul(x.at(0).unsqueeze(0));
    expect(w.grad!.sub(want).abs().max().itemSync()).toBeLessThan(1e-12);
    expect(
      gradcheck(
        (s) => {
          const z = dl.zeros([2, 4], f64);
          z.at(0).copy_(s);
          return wsum(z);
        },
        [r(4)],
      ),
    ).toBe(true);
  });

  it('copy_ into a column of a tensor in the graph: the old base gets the gradient with the region zeroed', () => {
    expect(
      gradcheck(
        (a, s) => {
          const b = a.mul(2);
          b.at(':', 1).copy_(s);
          return wsum(b.sin());
        },
        [r(3, 4), r(3)],
      ),
    ).toBe(true);
    const a = r(2, 3);
    const b = a.mul(1);
    b.at(':', 1).copy_(dl.ones([2], f64));
    b.sum().backward();
    expect(a.grad!.toArraySync()).toEqual([
      [1, 0, 1],
      [1, 0, 1],
    ]);
  });

  it("add_, mul_, sub_ into views compose as torch: the in-place op's gradient through the view", () => {
    expect(
      gradcheck(
        (a, y) => {
          const b = a.mul(1);
          b.at(0).add_(y);
          return wsum(b.exp());
        },
        [r(2, 3), r(3)],
      ),
    ).toBe(true);
    expect(
      gradcheck(
        (a, y) => {
          const b = a.mul(1);
          b.at('1:', '::2').mul_(y);
          return wsum(b.pow(2));
        },
        [r(3, 4), r(2, 2)],
      ),
    ).toBe(true);
    expect(
      gradcheck(
        (y) => {
          const b = dl.ones([3, 2], f64);
          b.at(':', 0).sub_(y);
          return wsum(b.pow(3));
        },
        [r(3)],
      ),
    ).toBe(true);
    // torch: a.grad of (a*1)[0].add_(y) summed is all ones
    const a = r(2, 2);
    const b = a.mul(1);
    b.at(0).add_(r(2));
    b.sum().backward();
    expect(a.grad!.toArraySync()).toEqual([
      [1, 1],
      [1, 1],
    ]);
  });

  it("fill_ into a view of a tensor in the graph zeroes that region's gradient", () => {
    expect(
      gradcheck(
        (a) => {
          const b = a.mul(3);
          b.at(1).fill_(0.5);
          return wsum(b.tanh());
        },
        [r(2, 3)],
      ),
    ).toBe(true);
    const a = r(2, 2);
    const b = a.mul(1);
    b.at(':', 0).fill_(7);
    expect(b.gradFn?.name()).toBe('CopySlices');
    b.sum().backward();
    expect(a.grad!.toArraySync()).toEqual([
      [0, 1],
      [0, 1],
    ]);
  });

  it('indexPut_ into a view records CopySlices too', () => {
    const at = dl.tensor([0, 2], { dtype: 'int32' });
    expect(
      gradcheck(
        (a, y) => {
          const b = a.mul(1);
          b.at(1).indexPut_([at], y);
          return wsum(b.sin());
        },
        [r(2, 3), r(2)],
      ),
    ).toBe(true);
    const o = dl.zeros([2, 3], f64);
    o.at(0).indexPut_([at], r(2));
    expect(o.gradFn?.name()).toBe('CopySlices');
  });

  it('a view of a leaf that requires grad refuses, as torch; under noGrad (init) the write goes through', () => {
    const w = r(2, 3);
    expect(() => w.at(0).copy_(dl.zeros([3], f64))).toThrow(dl.AutogradError);
    expect(() => w.at(0).copy_(dl.zeros([3], f64))).toThrow(
      /a view of a leaf Variable that requires grad is being used in an in-place operation/,
    );
    noGrad(() => w.at(0).fill_(0));
    expect(w.at(0).detach().toArraySync()).toEqual([0, 0, 0]);
    expect(w.gradFn).toBeNull();
  });
});
