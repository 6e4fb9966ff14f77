import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn } from './index.js';
import { checkMhaCase, checkSdpaCase, type AttentionFixtures } from './testing/attention-case.js';
import raw from './fixtures/attention.json' with { type: 'json' };

const fx = raw as unknown as AttentionFixtures;

describe('F.scaledDotProductAttention matches torch 2.x reference math (forward, gradients)', () => {
  it.each(fx.sdpa.map((c) => [c.name, c] as const))('%s', async (_n, c) => checkSdpaCase(c, 'cpu'));
});

describe('F.scaledDotProductAttention', () => {
  it('is softmax(q kᵀ/√E) v written out', () => {
    const q = dl.randn(2, 3, 4),
      k = dl.randn(2, 5, 4),
      v = dl.randn(2, 5, 6);
    const ref = q.matmul(k.transpose(-2, -1)).div(2).softmax(-1).matmul(v);
    expect(F.scaledDotProductAttention(q, k, v).sub(ref).abs().max().itemSync()).toBeLessThan(1e-6);
  });
  it('bool masks keep the true positions; isCausal equals the lower-triangular bool mask', () => {
    const q = dl.randn(1, 4, 8),
      k = dl.randn(1, 4, 8),
      v = dl.randn(1, 4, 8);
    const keep = dl.ones([4, 4], { dtype: 'bool' }).tril();
    const a = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    const b = F.scaledDotProductAttention(q, k, v, { attnMask: keep });
    expect(a.sub(b).abs().max().itemSync()).toBe(0);
    // the first query sees only the first key
    expect(a.select(1, 0).sub(v.select(1, 0)).abs().max().itemSync()).toBeLessThan(1e-6);
  });
  it('a mask broadcastable to the scores as in torch: 1-D [S], 0-d, or with leading batch dims', () => {
    const q = dl.randn(2, 3, 4),
      k = dl.randn(2, 5, 4),
      v = dl.randn(2, 5, 6);
    const keep = dl.tensor([true, false, true, true, false], { dtype: 'bool' });
    const full = F.scaledDotProductAttention(q, k, v, { attnMask: keep.expand(3, 5) });
    expect(F.scaledDotProductAttention(q, k, v, { attnMask: keep }).sub(full).abs().max().itemSync()).toBe(0);
    const plain = F.scaledDotProductAttention(q, k, v);
    expect(
      F.scaledDotProductAttention(q, k, v, { attnMask: dl.tensor(0.5) })
        .sub(plain)
        .abs()
        .max()
        .itemSync(),
    ).toBeLessThan(1e-6);
    const perBatch = dl.randn(2, 1, 5);
    const a = F.scaledDotProductAttention(q, k, v, { attnMask: perBatch });
    const b = q.matmul(k.transpose(-2, -1)).div(2).add(perBatch).softmax(-1).matmul(v);
    expect(a.sub(b).abs().max().itemSync()).toBeLessThan(1e-6);
  });
  it('dropoutP draws from the given generator (same seed, same result) and keeps the expectation', () => {
    const q = dl.randn(2, 16, 8),
      k = dl.randn(2, 16, 8),
      v = dl.ones(2, 16, 8);
    const a = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new dl.Generator(3) });
    const b = F.scaledDotProductAttention(q, k, v, { dropoutP: 0.5, generator: new dl.Generator(3) });
    expect(a.sub(b).abs().max().itemSync()).toBe(0);
    expect(
      a
        .sub(F.scaledDotProductAttention(q, k, v))
        .abs()
        .max()
        .itemSync(),
    ).toBeGreaterThan(0);
    expect(Math.abs(a.mean().itemSync() - 1)).toBeLessThan(0.2);
  });
  it('rejects bad input with typed errors naming the op', () => {
    const q = dl.randn(2, 3, 4),
      k = dl.randn(2, 5, 4),
      v = dl.randn(2, 5, 6);
    expect(() => F.scaledDotProductAttention(q, dl.randn(2, 5, 3), v)).toThrow(dl.ShapeError);
    expect(() => F.scaledDotProductAttention(q, k, dl.randn(2, 4, 6))).toThrow(/same sequence length/);
    expect(() => F.scaledDotProductAttention(q, k, v.double())).toThrow(dl.DTypeError);
    expect(() => F.scaledDotProductAttention(q, k, v, { attnMask: dl.zeros(3, 4) })).toThrow(/cannot be broadcast/);
    expect(() => F.scaledDotProductAttention(q, k, v, { attnMask: dl.zeros(3, 3, 5) })).toThrow(
      /scaledDotProductAttention: attnMask \[3, 3, 5\] cannot be broadcast/,
    );
    expect(() => F.scaledDotProductAttention(q, k, v, { attnMask: dl.zeros([3, 5], { dtype: 'int32' }) })).toThrow(dl.DTypeError);
    expect(() => F.scaledDotProductAttention(q, k, v, { attnMask: dl.zeros(3, 5), isCausal: true })).toThrow(dl.ArgumentError);
    expect(() => F.scaledDotProductAttention(q, k, v, { dropoutP: 1.5 })).toThrow(/between 0 and 1/);
    expect(() => F.scaledDotProductAttention(dl.randn(4), k, v)).toThrow(/at least 2 dims/);
    expect(() => F.scaledDotProductAttention(q, dl.randn(3, 5, 4), dl.randn(3, 5, 6))).toThrow(/scaledDotProductAttention: the batch dims/);
  });
});

describe('nn.MultiheadAttention matches PyTorch 1.13 (keys, repr, forward, weights, gradients)', () => {
  it.each(fx.mha.map((c) => [c.name, c] as const))('%s', async (_n, c) => checkMhaCase(c, 'cpu'));
});

describe('nn.MultiheadAttention', () => {
  it("prints as torch's default-configured module", () => {
    expect(String(new nn.MultiheadAttention(16, 4))).toBe(fx.reprs['MultiheadAttention(16, 4)']);
  });
  it("has torch's init: xavier-uniform in_proj, zero biases, bias_k/bias_v drawn", () => {
    const m = new nn.MultiheadAttention(12, 3, { addBiasKv: true });
    const bound = Math.sqrt(6 / (36 + 12));
    expect(m.inProjWeight!.abs().max().itemSync()).toBeLessThanOrEqual(bound);
    expect(m.inProjWeight!.std().itemSync()).toBeGreaterThan(bound / 3);
    expect(m.inProjBias!.abs().sum().itemSync()).toBe(0);
    expect(m.outProj.bias!.abs().sum().itemSync()).toBe(0);
    expect(m.biasK!.abs().sum().itemSync()).toBeGreaterThan(0);
    expect(Object.keys(m.stateDict())).toEqual(['in_proj_weight', 'in_proj_bias', 'bias_k', 'bias_v', 'out_proj.weight', 'out_proj.bias']);
  });
  it('dropout acts only while training', () => {
    const m = new nn.MultiheadAttention(8, 2, { dropout: 0.9 });
    const x = dl.randn(6, 2, 8);
    m.eval();
    const [a] = m(x, x, x);
    const [b] = m(x, x, x);
    expect(a.sub(b).abs().max().itemSync()).toBe(0);
    m.train();
    const [c] = m(x, x, x);
    expect(a.sub(c).abs().max().itemSync()).toBeGreaterThan(0);
  });
  it('rejects bad configurations and inputs with typed errors', () => {
    expect(() => new nn.MultiheadAttention(10, 3)).toThrow(/divisible by num_heads/);
    expect(() => new nn.MultiheadAttention(8, 2, { dropout: 2 })).toThrow(dl.ArgumentError);
    const m = new nn.MultiheadAttention(8, 2);
    const x = dl.randn(5, 3, 8);
    expect(() => m(dl.randn(5, 3, 6), x, x)).toThrow(/embedding dimension of 8/);
    expect(() => m(x, dl.randn(4, 3, 8), x)).toThrow(dl.ShapeError);
    expect(() => m(x, x, x, { attnMask: dl.zeros(5, 4) })).toThrow(/2D attnMask/);
    expect(() => m(x, x, x, { attnMask: dl.zeros(3, 5, 5) })).toThrow(/3D attnMask/);
    expect(() => m(x, x, x, { attnMask: dl.zeros([5, 5], { dtype: 'int32' }) })).toThrow(dl.DTypeError);
    expect(() => m(x, x, x, { keyPaddingMask: dl.zeros([3, 4], { dtype: 'bool' }) })).toThrow(/keyPaddingMask shape/);
    expect(() => m(dl.randn(2, 5, 3, 8), x, x)).toThrow(/2D or batched 3D/);
    expect(() => m(x, dl.randn(5, 8), x)).toThrow(dl.ShapeError);
  });
});

describe('F.multiHeadAttentionForward', () => {
  it("is nn.MultiheadAttention's forward with the weights passed in (packed and separate projections)", () => {
    const x = dl.randn(5, 2, 8);
    const m = new nn.MultiheadAttention(8, 2).eval();
    const [a, wa] = m(x, x, x);
    const [b, wb] = F.multiHeadAttentionForward(
      x,
      x,
      x,
      8,
      2,
      m.inProjWeight,
      m.inProjBias,
      null,
      null,
      false,
      0,
      m.outProj.weight,
      m.outProj.bias,
    );
    expect(a.sub(b).abs().max().itemSync()).toBe(0);
    expect(wa!.sub(wb!).abs().max().itemSync()).toBe(0);
    const s = new nn.MultiheadAttention(8, 2, { kdim: 3, vdim: 4 }).eval();
    const k = dl.randn(6, 2, 3),
      v = dl.randn(6, 2, 4);
    const [c] = s(x, k, v, { needWeights: false });
    const [d, wd] = F.multiHeadAttentionForward(x, k, v, 8, 2, null, s.inProjBias, null, null, false, 0, s.outProj.weight, s.outProj.bias, {
      useSeparateProjWeight: true,
      qProjWeight: s.qProjWeight,
      kProjWeight: s.kProjWeight,
      vProjWeight: s.vProjWeight,
      needWeights: false,
    });
    expect(c.sub(d).abs().max().itemSync()).toBe(0);
    expect(wd).toBeNull();
  });
  it('uses staticK/staticV as the projected keys and values', () => {
    const x = dl.randn(5, 2, 8);
    const m = new nn.MultiheadAttention(8, 2);
    const sk = dl.randn(4, 7, 4),
      sv = dl.randn(4, 7, 4);
    const [, w] = F.multiHeadAttentionForward(
      x,
      x,
      x,
      8,
      2,
      m.inProjWeight,
      m.inProjBias,
      null,
      null,
      false,
      0,
      m.outProj.weight,
      m.outProj.bias,
      { staticK: sk, staticV: sv },
    );
    expect(w!.shape).toEqual([2, 5, 7]);
    expect(() =>
      F.multiHeadAttentionForward(x, x, x, 8, 2, m.inProjWeight, m.inProjBias, null, null, false, 0, m.outProj.weight, m.outProj.bias, {
        staticK: dl.randn(4, 7, 3),
      }),
    ).toThrow(/staticK/);
  });
  it('rejects missing weights with typed errors', () => {
    const x = dl.randn(5, 2, 8);
    const w = dl.randn(8, 8);
    expect(() => F.multiHeadAttentionForward(x, x, x, 8, 2, null, null, null, null, false, 0, w, null)).toThrow(/inProjWeight is null/);
    expect(() =>
      F.multiHeadAttentionForward(x, x, x, 8, 2, null, null, null, null, false, 0, w, null, { useSeparateProjWeight: true }),
    ).toThrow(dl.ArgumentError);
    expect(() => F.multiHeadAttentionForward(x, x, x, 8, 3, dl.randn(24, 8), null, null, null, false, 0, w, null)).toThrow(/divisible/);
  });
});
