/**
 * Loss and functional edge classes as PyTorch 1.13 (issue 11, item 10 for @dl/nn): BCE at
 * p ∈ {0, 1} and outside [0, 1], all-ignored targets, softmax rows with ±inf, hardtanh/relu6 at
 * their bounds, convTranspose2d output padding / output size, oneHot ranges, dropout's node.
 * Fixtures: tools/fixtures/composite_fixtures.py (`edges`).
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn } from './index.js';
import { mismatch, num, type FT } from './testing/fixture.js';
import fixtures from './fixtures/composite-ops.json' with { type: 'json' };

interface T64 {
  shape: number[];
  dtype: 'float64' | 'float32' | 'int32';
  data: Array<number | string>;
}
const edges = (fixtures as unknown as { edges: Record<string, Record<string, never>> }).edges;
const t64 = (t: T64): Tensor => dl.tensor(t.data.map(num), { dtype: t.dtype }).reshape(t.shape);
const ft = (t: T64) => t as unknown as FT;
const near = (a: Tensor | null, e: T64) => mismatch(a, ft(e), 1e-10, 1e-9);

describe('binaryCrossEntropy edges', () => {
  it('p in {0, 1}: finite loss (logs clamped at -100) and torch gradients (input: ±1e12, target: ±inf)', () => {
    const e = edges.bce_at_0_and_1 as unknown as Record<string, T64>;
    const p = t64(e.p!).requiresGrad_();
    const t = t64(e.t!).requiresGrad_();
    const l = F.binaryCrossEntropy(p, t, { reduction: 'none' });
    expect(near(l, e.loss!)).toBeNull();
    l.sum().backward();
    expect(near(p.grad, e.gradP!)).toBeNull();
    expect(near(t.grad, e.gradT!)).toBeNull();
    expect(Array.from(p.grad!.dataSync()).every(Number.isFinite)).toBe(true);
  });
  it('inputs outside [0, 1] (or NaN) raise as torch instead of returning NaN', () => {
    for (const bad of [1.5, -0.1, NaN]) {
      const f = () => F.binaryCrossEntropy(dl.tensor([0.5, bad]), dl.tensor([1, 0]));
      expect(f).toThrow(dl.ArgumentError);
      expect(f).toThrow(/all elements of input should be between 0 and 1/);
    }
    expect(() => new nn.BCELoss()(dl.tensor([2]), dl.tensor([1]))).toThrow(/between 0 and 1/);
    // targets outside [0, 1] are accepted, as torch
    expect(F.binaryCrossEntropy(dl.tensor([0.5]), dl.tensor([1.5])).itemSync()).toBeCloseTo(Math.LN2, 6);
  });
  it('a weight that does not broadcast to the input is a ShapeError', () => {
    expect(() => F.binaryCrossEntropy(dl.full([2, 3], 0.5), dl.ones([2, 3]), { weight: dl.ones([2]) })).toThrow(dl.ShapeError);
  });
});

describe('class-index losses', () => {
  it('every target ignored: mean is NaN with zero gradient, sum 0, none zeros (as torch)', () => {
    const e = edges.all_ignored as unknown as { x: T64; byReduction: Record<string, { loss: T64; grad: T64 }> };
    for (const [reduction, want] of Object.entries(e.byReduction)) {
      const x = t64(e.x).requiresGrad_();
      const out = F.crossEntropy(x, dl.tensor([-100, -100, -100], { dtype: 'int64' }), { reduction: reduction as 'mean' });
      expect(near(out, want.loss), reduction).toBeNull();
      out.sum().backward();
      expect(near(x.grad, want.grad), `${reduction} grad`).toBeNull();
    }
  });
  it('a class weight that requires grad raises, as torch (nll_loss is not differentiable in weight)', () => {
    const w = dl.ones([3], { requiresGrad: true });
    expect(() => F.nllLoss(dl.randn([2, 3]), dl.tensor([0, 2], { dtype: 'int64' }), { weight: w })).toThrow(dl.AutogradError);
    expect(() => F.crossEntropy(dl.randn([2, 3]), dl.tensor([0, 2], { dtype: 'int64' }), { weight: dl.ones([2]) })).toThrow(
      /weight tensor should be defined either for all 3 classes/,
    );
  });
  it('oneHot rejects labels outside [0, numClasses) as torch', () => {
    expect(() => F.oneHot(dl.tensor([0, 3], { dtype: 'int64' }), 3)).toThrow(/smaller than num_classes/);
    expect(() => F.oneHot(dl.tensor([0, -1], { dtype: 'int64' }), 3)).toThrow(/non-negative/);
  });
});

describe('softmax rows with ±inf and NaN', () => {
  it('match torch: +inf or NaN in a row, or a row of -inf, give NaN; a -inf entry gives 0 / -inf', () => {
    const e = edges.softmax_inf as unknown as Record<string, T64>;
    const x = t64(e.x!);
    expect(near(F.softmax(x, 1), e.softmax!)).toBeNull();
    expect(near(F.logSoftmax(x, 1), e.logSoftmax!)).toBeNull();
    expect(near(new nn.Softmax(1).forward(x), e.softmax!)).toBeNull();
  });
  it('empty tensors give empty results', () => {
    expect(F.softmax(dl.zeros([0, 3]), 1).shape).toEqual([0, 3]);
    expect(F.logSoftmax(dl.zeros([2, 0]), 1).shape).toEqual([2, 0]);
  });
});

describe('hardtanh / relu6 at their bounds', () => {
  it('gradient 0 at and beyond the bounds, 1 inside, NaN passes (torch hardtanh_backward)', () => {
    const e = edges.hardtanh_boundary as unknown as Record<string, T64>;
    const x = t64(e.x!).requiresGrad_();
    const y = F.hardtanh(x);
    expect(near(y, e.y!)).toBeNull();
    y.sum().backward();
    expect(near(x.grad, e.grad!)).toBeNull();
    const x6 = t64(e.relu6X!).requiresGrad_();
    F.relu6(x6).sum().backward();
    expect(near(x6.grad, e.relu6Grad!)).toBeNull();
    expect(new nn.ReLU6().forward(x6).gradFn!.name()).toBe('HardtanhBackward0');
  });
});

describe('convTranspose2d: output padding and output size as torch', () => {
  interface Case {
    kwargs: Record<string, never>;
    x: T64;
    w: T64;
    b: T64;
    y: T64;
    r: T64;
    gx: T64;
    gw: T64;
    gb: T64;
  }
  const ct = edges.conv_transpose2d as unknown as { cases: Case[]; outputSizes: Array<{ outputSize: number[]; shape: number[] }> };
  for (const c of ct.cases) {
    it(`values and gradients ${JSON.stringify(c.kwargs)}`, () => {
      const x = t64(c.x).requiresGrad_();
      const w = t64(c.w).requiresGrad_();
      const b = t64(c.b).requiresGrad_();
      const y = F.convTranspose2d(x, w, b, c.kwargs);
      expect(near(y, c.y)).toBeNull();
      y.mul(t64(c.r)).sum().backward();
      expect(near(x.grad, c.gx)).toBeNull();
      expect(near(w.grad, c.gw)).toBeNull();
      expect(near(b.grad, c.gb)).toBeNull();
    });
  }
  it('ConvTranspose2d.forward(x, outputSize) picks the output padding; out of range raises with the valid range', () => {
    const m = new nn.ConvTranspose2d(2, 3, 3, { stride: 2, padding: 1 });
    const x = dl.randn([1, 2, 3, 3]);
    for (const s of ct.outputSizes) expect(m.forward(x, s.outputSize).shape).toEqual(s.shape);
    expect(() => m.forward(x, [7, 7])).toThrow(dl.ShapeError);
    expect(() => m.forward(x, [7, 7])).toThrow(/requested an output size of \[7, 7\], but valid sizes range from \[5, 5\] to \[6, 6\]/);
    expect(() => m.forward(x, [2, 5, 5])).toThrow(/output_size must have 2 or 4 elements/);
  });
  it('bad arguments are typed errors (no RangeError, no negative sizes)', () => {
    const x = dl.randn([1, 2, 3, 3]);
    const w = dl.randn([2, 3, 3, 3]);
    expect(() => F.convTranspose2d(x, w, null, { stride: 2, outputPadding: 2 })).toThrow(
      /output padding must be smaller than either stride or dilation/,
    );
    expect(() => F.convTranspose2d(x, w, null, { outputPadding: 1 })).toThrow(dl.ArgumentError);
    expect(() => F.convTranspose2d(x, w, null, { stride: 2, outputPadding: -1 })).toThrow(/negative output_padding is not supported/);
    expect(() => F.convTranspose2d(x, w, null, { padding: 3 })).toThrow(dl.ShapeError);
    expect(() => F.convTranspose2d(x, w, null, { padding: 3 })).toThrow(
      /Calculated output size per channel: \(-1 x -1\). Output size is too small/,
    );
    expect(() => F.convTranspose2d(x, w, null, { padding: 40 })).toThrow(dl.ShapeError);
    expect(() => F.convTranspose2d(x, w, null, { padding: -1 })).toThrow(/negative padding/);
    expect(() => F.convTranspose2d(x, w, null, { stride: 0 })).toThrow(/non-positive stride/);
    expect(() => F.convTranspose2d(x, w, null, { dilation: 0 })).toThrow(/dilation should be greater than zero/);
    expect(() => F.convTranspose2d(x, dl.randn([3, 3, 3, 3]))).toThrow(
      /expected input \[1, 2, 3, 3\] to have 3 channels, but got 2 channels instead/,
    );
    expect(() => F.convTranspose2d(x, w, dl.randn([2]))).toThrow(/expected bias to be 1-dimensional with 3 elements/);
  });
});

describe('dropout in training: one MulBackward0 node, as torch on cpu', () => {
  it('x * (bernoulli(1 - p) / (1 - p)); eval and p = 0 return x; p = 1 zeros', () => {
    const x = dl.ones([1000], { requiresGrad: true });
    const y = F.dropout(x, 0.25, { training: true, generator: new dl.Generator(3) });
    expect(y.gradFn!.name()).toBe('MulBackward0');
    const v = Array.from(y.dataSync());
    expect(v.every((e) => e === 0 || Math.abs(e - 1 / 0.75) < 1e-6)).toBe(true);
    expect(v.filter((e) => e === 0).length).toBeGreaterThan(150);
    y.sum().backward();
    expect(Array.from(x.grad!.dataSync())).toEqual(v.map((e) => Math.fround(e)));
    expect(F.dropout(x, 0.5, { training: false })).toBe(x);
    expect(F.dropout(x, 0)).toBe(x);
    expect(F.dropout(x, 1).sum().itemSync()).toBe(0);
  });
});
