import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn, F } from './index.js';
import type { Module } from './module.js';
import { fromFixture, mismatch, type FT } from './testing/fixture.js';
import fixtures from './fixtures/nn.json' with { type: 'json' };

interface LossCase {
  name: string;
  kind: string;
  opts: Record<string, unknown>;
  reduction: string;
  input: FT;
  target: FT;
  out: FT;
  r: FT | null;
  grad: FT | null;
}
const cases = (fixtures as unknown as { losses: LossCase[] }).losses;

function make(c: LossCase): Module & { forward(a: dl.Tensor, b: dl.Tensor): dl.Tensor } {
  const o: Record<string, unknown> = { reduction: c.reduction };
  for (const [k, v] of Object.entries(c.opts)) o[k] = typeof v === 'object' && v !== null && 'shape' in v ? fromFixture(v as FT) : v;
  const Ctor = (nn as unknown as Record<string, new (o: unknown) => Module>)[c.kind]!;
  return new Ctor(o) as never;
}

describe('losses match PyTorch 1.13 (value and input gradient for each reduction)', () => {
  it.each(cases.map((c) => [`${c.name} ${c.reduction}`, c] as const))('%s', (_n, c) => {
    const x = fromFixture(c.input).requiresGrad_();
    const t = fromFixture(c.target);
    const out = make(c).forward(x, t);
    expect(mismatch(out, c.out), 'value').toBeNull();
    if (c.grad && c.r) {
      out.mul(fromFixture(c.r)).sum().backward();
      expect(mismatch(x.grad, c.grad), 'grad').toBeNull();
    }
  });

  it('BCEWithLogits is stable for large logits', () => {
    const l = F.binaryCrossEntropyWithLogits(dl.tensor([1000, -1000, 50]), dl.tensor([0, 1, 1]), { reduction: 'none' });
    expect(l.toArraySync()).toEqual([1000, 1000, expect.closeTo(0, 6)]);
  });
});

describe('bad targets give typed errors', () => {
  const logits = dl.randn(4, 3);
  it('cross-entropy / nll', () => {
    expect(() => F.crossEntropy(logits, dl.tensor([0, 1, 2, 3], { dtype: 'int32' }))).toThrow(dl.IndexError);
    expect(() => F.crossEntropy(logits, dl.tensor([0, 1, 2, 3], { dtype: 'int32' }))).toThrow(/Target 3 is out of bounds/);
    expect(() => F.crossEntropy(logits, dl.tensor([0, -1, 2, 1], { dtype: 'int32' }))).toThrow(/Target -1/);
    expect(() => F.crossEntropy(logits, dl.tensor([0, 1, 2], { dtype: 'int32' }))).toThrow(
      /Expected input batch_size \(4\) to match target batch_size \(3\)/,
    );
    expect(() => F.crossEntropy(logits, dl.tensor([0, 1, 2, 1], { dtype: 'int32' }).unsqueeze(1))).toThrow(dl.ShapeError);
    expect(() => F.crossEntropy(logits, dl.tensor([0, 1, 2, 1], { dtype: 'bool' }))).toThrow(dl.DTypeError);
    expect(() => F.crossEntropy(logits, dl.tensor([0.5, 1, 2, 1]).unsqueeze(1))).toThrow(
      /float \(probability\) targets must have the input's shape/,
    );
    // float labels of the index shape (dl.tensor([...]) is float32): the error says .long()
    expect(() => F.crossEntropy(logits, dl.tensor([0, 1, 2, 1]))).toThrow(dl.DTypeError);
    expect(() => F.crossEntropy(logits, dl.tensor([0, 1, 2, 1]))).toThrow(
      /expected integer class indices of shape \[4\] for input \[4, 3\]; got float32 — use target.long\(\)/,
    );
    expect(() => F.nllLoss(logits, dl.tensor([0, 1, 2, 1]))).toThrow(/use target.long\(\)/);
    expect(F.crossEntropy(logits, dl.tensor([0, 1, 2, 1]).long()).dim()).toBe(0);
    expect(() => F.nllLoss(logits, dl.tensor([0, 5, 1, 1], { dtype: 'int32' }))).toThrow(dl.IndexError);
    // ignoreIndex may be out of range
    expect(() => F.crossEntropy(logits, dl.tensor([0, -100, 2, 1], { dtype: 'int32' }))).not.toThrow();
  });
  it('regression and binary losses', () => {
    expect(() => F.mseLoss(logits, dl.randn(4, 1))).toThrow(dl.ShapeError);
    expect(() => F.mseLoss(logits, dl.zeros([4, 3], { dtype: 'int32' }))).toThrow(dl.DTypeError);
    expect(() => F.binaryCrossEntropy(logits.sigmoid(), dl.zeros(4))).toThrow(/target size \[4\] must be the same as input size \[4, 3\]/);
    expect(() => F.mseLoss(logits, logits, { reduction: 'avg' as never })).toThrow(dl.ArgumentError);
    expect(() => F.crossEntropy(logits, dl.tensor([0, 1, 2, 1], { dtype: 'int32' }), { labelSmoothing: 2 })).toThrow(dl.ArgumentError);
  });
});
