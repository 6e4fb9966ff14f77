// The activations, losses and distances of issue 13 (act-loss slice) as modules, against PyTorch
// 1.13 (tools/fixtures/act_loss_fixtures.py): repr, state-dict keys, forward value, input and
// parameter gradients; then torch's argument errors and the kinks, on cpu. The same fixture cases
// run on webgpu in @dl/backend-webgpu's nn-act-loss.test.ts.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn, type Module } from './index.js';
import { fromFixture, mismatch, type FT } from './testing/fixture.js';
import { ctcOnDevice } from './functional/ctc-device.js';

interface Case {
  name: string;
  kind: string;
  args: unknown[];
  repr: string;
  stateKeys: string[];
  state: Record<string, FT>;
  inputs: FT[];
  out: FT;
  weight: FT;
  grads: (FT | null)[];
  paramGrads: Record<string, FT>;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/act-loss.json', import.meta.url), 'utf8')) as { cases: Case[] };

/** Constructor arguments: `{ $tensor: [...] }` stands for a float32 tensor (a loss's class weights). */
function withTensors(a: unknown): unknown {
  if (Array.isArray(a) || a === null || typeof a !== 'object') return a;
  const o = a as Record<string, unknown>;
  if ('$tensor' in o) return dl.tensor(o.$tensor as number[]);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, withTensors(v)]));
}

function build(c: Case): Module {
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[c.kind];
  if (!Ctor) throw new Error(`no nn.${c.kind}`);
  return new Ctor(...c.args.map(withTensors));
}

describe('act-loss modules match PyTorch 1.13 (cpu)', () => {
  it.each(fx.cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const m = build(c);
    expect(String(m)).toBe(c.repr);
    expect(Object.keys(m.stateDict())).toEqual(c.stateKeys);
    m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, fromFixture(v)])));
    const inputs = c.inputs.map((t, i) => {
      const x = fromFixture(t);
      if (c.grads[i]) x.requiresGrad = true;
      return x;
    });
    const out = (m as unknown as (...a: Tensor[]) => Tensor)(...inputs);
    expect(mismatch(out, c.out)).toBeNull();
    out.mul(fromFixture(c.weight)).sum().backward();
    c.grads.forEach((g, i) => {
      if (g) expect(mismatch(inputs[i]!.grad, g), `grad of input ${i}`).toBeNull();
    });
    const params = Object.fromEntries(m.namedParameters());
    for (const [k, g] of Object.entries(c.paramGrads)) expect(mismatch(params[k]!.grad, g), `grad of ${k}`).toBeNull();
  });
});

describe('activations: options, defaults and errors', () => {
  it('PReLU: weight of numParameters slopes filled with init, learnable', () => {
    const p = new nn.PReLU({ numParameters: 3, init: 0.1 });
    expect(p.weight.shape).toEqual([3]);
    expect(Array.from(p.weight.dataSync())).toEqual([0.1, 0.1, 0.1].map(Math.fround));
    expect(p.parameters()).toHaveLength(1);
    expect(new nn.PReLU(2, 0.3).weight.shape).toEqual([2]);
    expect(() => p(dl.ones(2, 4))).toThrow(
      /Mismatch of parameter numbers and input channel size. Found parameter numbers = 3 and channel size = 4/,
    );
    expect(() => p(dl.tensor(1))).toThrow(dl.ShapeError);
    expect(() => new nn.PReLU(0)).toThrow(dl.ArgumentError);
  });

  it("the kinks get PyTorch's gradients (hardswish at ±3, hardsigmoid, threshold, shrinks)", () => {
    const grad = (f: (x: Tensor) => Tensor, v: number[]) => {
      const x = dl.tensor(v, { requiresGrad: true });
      f(x).sum().backward();
      return Array.from(x.grad!.dataSync());
    };
    expect(grad(F.hardswish, [-3, 3, -4, 4])).toEqual([-0.5, 1.5, 0, 1]);
    expect(grad(F.hardsigmoid, [-3, 3, 0])).toEqual([0, 0, Math.fround(1 / 6)]);
    expect(grad((x) => F.threshold(x, 1, -2), [1, 1.5, NaN])).toEqual([0, 1, 1]);
    expect(grad((x) => F.hardshrink(x, 0.5), [0.5, -0.5, 0.6])).toEqual([0, 0, 1]);
    expect(grad((x) => F.softshrink(x, 0.5), [0.5, -0.5, -0.6])).toEqual([0, 0, 1]);
    expect(grad(F.mish, [3e38])).toEqual([1]); // no inf·0 from g·x
  });

  it("torch's argument errors, typed", () => {
    expect(() => F.glu(dl.ones(2, 3), 1)).toThrow(/Halving dimension must be even, but dimension 1 is size 3/);
    expect(() => F.glu(dl.tensor(1))).toThrow(dl.ShapeError);
    expect(() => F.celu(dl.ones(2), { alpha: 0 })).toThrow(/alpha cannot be 0 for CELU/);
    expect(() => F.softshrink(dl.ones(2), -1)).toThrow(/lambda must be greater or equal to 0, but found to be -1/);
    expect(() => F.mish(dl.ones([2], { dtype: 'int32' }))).toThrow(dl.DTypeError);
    expect(() => new nn.Hardtanh(1, 0)).toThrow(dl.ArgumentError);
  });

  it('inplace is accepted positionally and as a keyword, and leaves the input unchanged (Note [inplace activations])', () => {
    const x = dl.tensor([-1, 2]);
    expect(String(new nn.ReLU(true))).toBe('ReLU(inplace=True)');
    expect(String(new nn.ELU({ alpha: 2, inplace: true }))).toBe('ELU(alpha=2.0, inplace=True)');
    expect(String(new nn.LeakyReLU())).toBe('LeakyReLU(negative_slope=0.01)');
    expect(String(new nn.Hardtanh())).toBe('Hardtanh(min_val=-1.0, max_val=1.0)');
    expect(String(new nn.ReLU6())).toBe('ReLU6()');
    expect(String(new nn.GELU('tanh'))).toBe("GELU(approximate='tanh')");
    expect(Array.from(new nn.ReLU({ inplace: true })(x).dataSync())).toEqual([0, 2]);
    expect(Array.from(x.dataSync())).toEqual([-1, 2]);
  });
});

describe('distances and losses: shapes, options and errors', () => {
  it('F.normalize, F.cosineSimilarity, F.pairwiseDistance shapes', () => {
    const a = dl.randn(4, 3);
    expect(F.normalize(a).norm(2, 1).sub(1).abs().max().itemSync()).toBeLessThan(1e-6);
    expect(F.cosineSimilarity(dl.randn(2, 1, 3), dl.randn(4, 3), { dim: -1 }).shape).toEqual([2, 4]);
    expect(F.pairwiseDistance(dl.randn(3), dl.randn(3)).shape).toEqual([]);
    expect(F.pairwiseDistance(dl.randn(2, 3), dl.randn(3), { keepdim: true }).shape).toEqual([2, 1]);
    expect(() => F.cosineSimilarity(dl.ones([3], { dtype: 'int32' }), dl.ones([3], { dtype: 'int32' }), { dim: 0 })).toThrow(
      /expected common dtype to be floating point/,
    );
    expect(() => F.cosineSimilarity(dl.randn(2, 3), dl.randn(4, 3))).toThrow(dl.ShapeError);
  });

  it("the losses' argument checks", () => {
    expect(() => F.marginRankingLoss(dl.randn(3), dl.randn(3, 1), dl.ones(3))).toThrow(/All input tensors should have same dimension/);
    expect(() => F.multiMarginLoss(dl.randn(2, 3), dl.tensor([1, 3]).long())).toThrow(dl.IndexError);
    expect(() => F.multiMarginLoss(dl.randn(2, 3), dl.tensor([1, 2]).long(), { p: 3 as 1 })).toThrow(/only p == 1 and p == 2 supported/);
    expect(() => F.multiMarginLoss(dl.randn(2, 3, 1), dl.tensor([1, 2]).long())).toThrow(/Expected non-empty vector or matrix/);
    expect(() => F.cosineEmbeddingLoss(dl.randn(2, 3), dl.randn(2, 3), dl.ones(2, 1))).toThrow(/0D or 1D target tensor expected/);
    expect(() => F.tripletMarginLoss(dl.randn(2, 3), dl.randn(3), dl.randn(2, 3))).toThrow(
      /All inputs should have same dimension but got 2D, 1D and 2D inputs/,
    );
    expect(() => F.gaussianNllLoss(dl.randn(2, 3), dl.randn(2, 3), dl.ones(3, 2))).toThrow(/var is of incorrect size/);
    expect(() => F.gaussianNllLoss(dl.randn(2, 3), dl.randn(2, 3), dl.ones(2, 3).neg())).toThrow(/var has negative entry/);
    expect(() => F.softMarginLoss(dl.randn(3), dl.ones(2, 3))).toThrow(/doesn't match the broadcast shape/);
    expect(() => F.hingeEmbeddingLoss(dl.randn(3), dl.ones(3), { reduction: 'avg' as 'mean' })).toThrow(
      /avg is not a valid value for reduction/,
    );
  });

  it("F.klDiv: torch's xlogy(t, t) for zero, negative and NaN targets", () => {
    const x = dl.tensor([-1, -2, -0.5, -1]);
    x.requiresGrad = true;
    const l = F.klDiv(x, dl.tensor([0, -0.5, NaN, 0.3]), { reduction: 'none' });
    const v = Array.from(l.dataSync());
    expect(v[0]).toBe(0);
    expect(v[1]).toBeNaN();
    expect(v[2]).toBeNaN();
    expect(v[3]).toBeCloseTo(-0.0612, 4);
    l.sum().backward();
    expect(Array.from(x.grad!.dataSync()).map((g) => (Number.isNaN(g) ? 'NaN' : g))).toEqual([-0, 0.5, 'NaN', Math.fround(-0.3)]);
  });

  it('TripletMarginWithDistanceLoss takes any distance function', () => {
    const a = dl.randn(4, 5);
    const p = dl.randn(4, 5);
    const n = dl.randn(4, 5);
    const cos = (x: Tensor, y: Tensor) => F.cosineSimilarity(x, y).neg().add(1);
    const l = new nn.TripletMarginWithDistanceLoss({ distanceFunction: cos, margin: 0.5 })(a, p, n);
    const want = cos(a, p).sub(cos(a, n)).add(0.5).clamp(0, null).mean();
    expect(l.itemSync()).toBeCloseTo(want.itemSync(), 6);
    expect(String(new nn.TripletMarginWithDistanceLoss({ distanceFunction: cos }))).toBe('TripletMarginWithDistanceLoss()');
  });
});

describe('F.ctcLoss / nn.CTCLoss', () => {
  const lp = dl.randn(6, 2, 4).logSoftmax(2);
  const tg = dl
    .tensor([
      [1, 2, 2],
      [3, 1, 0],
    ])
    .long();

  it('padded, concatenated and unbatched targets give the same losses', () => {
    const a = F.ctcLoss(lp, tg, [6, 5], [3, 2], { reduction: 'none' });
    const b = F.ctcLoss(lp, dl.tensor([1, 2, 2, 3, 1]).long(), dl.tensor([6, 5]).long(), dl.tensor([3, 2]).long(), { reduction: 'none' });
    expect(a.allclose(b)).toBe(true);
    const u = F.ctcLoss(lp.select(1, 0), dl.tensor([1, 2, 2]).long(), [6], [3], { reduction: 'none' });
    expect(u.shape).toEqual([]);
    expect(u.itemSync()).toBeCloseTo(a.dataSync()[0]!, 5);
    expect(new nn.CTCLoss()(lp, tg, [6, 5], [3, 2]).itemSync()).toBeCloseTo(
      a
        .div(dl.tensor([3, 2]))
        .mean()
        .itemSync(),
      5,
    );
  });

  it('an impossible alignment is inf, or 0 with no gradient under zeroInfinity', () => {
    const x = lp.detach();
    x.requiresGrad = true;
    const l = F.ctcLoss(x, tg, [2, 5], [3, 2], { reduction: 'none', zeroInfinity: true });
    expect(l.dataSync()[0]).toBe(0);
    l.sum().backward();
    expect(x.grad!.select(1, 0).abs().sum().itemSync()).toBe(0);
    expect(F.ctcLoss(lp, tg, [2, 5], [3, 2], { reduction: 'none' }).dataSync()[0]).toBe(Infinity);
  });

  it('the tensor-op recursion (what webgpu runs) equals the host recursion (cpu), values and gradients', () => {
    const x = dl.randn(9, 3, 5).logSoftmax(2);
    const t = dl
      .tensor([
        [1, 1, 2, 4],
        [3, 0, 0, 0],
        [2, 3, 2, 3],
      ])
      .long();
    const il = dl.tensor([9, 4, 7], { dtype: 'int32' });
    const tl = dl.tensor([4, 1, 4], { dtype: 'int32' }); // sample 0 needs 5 steps for 1,1 (a blank between), has 9
    for (const zeroInfinity of [false, true]) {
      const a = x.detach();
      a.requiresGrad = true;
      const b = x.detach();
      b.requiresGrad = true;
      const w = dl.tensor([0.5, -1, 2]);
      const host = F.ctcLoss(a, t, il, tl, { reduction: 'none', zeroInfinity });
      const dev = ctcOnDevice(b, t.int(), il, tl, 0, zeroInfinity);
      expect(mismatch(dev, { shape: [3], dtype: 'float32', data: Array.from(host.dataSync()) })).toBeNull();
      host.mul(w).sum().backward();
      dev.mul(w).sum().backward();
      expect(mismatch(b.grad, { shape: [9, 3, 5], dtype: 'float32', data: Array.from(a.grad!.dataSync()) })).toBeNull();
    }
    // an impossible alignment (4 labels, 2 steps): inf, or 0 under zeroInfinity, no gradient on both paths
    const dev = ctcOnDevice(x, t.int(), dl.tensor([2, 4, 7], { dtype: 'int32' }), tl, 0, false);
    expect(dev.dataSync()[0]).toBe(Infinity);
  });

  it("torch's argument errors, typed", () => {
    expect(() => F.ctcLoss(lp, tg, [7, 5], [3, 2])).toThrow(/Expected input_lengths to be in \[0, 6\], but got value 7/);
    expect(() => F.ctcLoss(lp, tg, [6, 5], [3, 2], { blank: 4 })).toThrow(/blank must be in label range/);
    expect(() => F.ctcLoss(lp, dl.tensor([1, 2, 2]).long(), [6, 5], [3, 2])).toThrow(
      /Expected tensor to have size 5 at dimension 0, but got size 3/,
    );
    expect(() => F.ctcLoss(lp, tg, [6], [3, 2])).toThrow(dl.ShapeError);
    expect(() => F.ctcLoss(lp, tg.float(), [6, 5], [3, 2])).toThrow(dl.DTypeError);
    expect(() =>
      F.ctcLoss(
        lp,
        dl
          .tensor([
            [1, 2, 7],
            [3, 1, 0],
          ])
          .long(),
        [6, 5],
        [3, 2],
      ),
    ).toThrow(dl.IndexError);
  });
});
