/**
 * The spatial layers of issue 13 against PyTorch 1.13 on cpu (fixtures from
 * tools/fixtures/spatial_fixtures.py): torch's state dict loaded by key, forward (and max-pool
 * indices), input and parameter gradients of (y * r).sum(), the state after the forward (running
 * stats, max-norm renormalised rows), state-dict keys and repr; then init, options and errors.
 * The same cases run on webgpu in backend-webgpu/src/nn-spatial.test.ts.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn } from './index.js';
import type { Module } from './module.js';
import { fromFixture, mismatch, type FT } from './testing/fixture.js';
import fixtures from './fixtures/spatial.json' with { type: 'json' };

interface SpatialCase {
  name: string;
  kind: string;
  args: unknown[];
  train: boolean;
  pretrained: FT | null;
  state: Record<string, FT>;
  stateKeys: string[];
  /** tensors, or `{ list }` for a size argument */
  inputs: (FT | { list: number[] })[];
  y: FT;
  indices: FT | null;
  r: FT;
  gx: (FT | null)[];
  gparams: Record<string, FT>;
  stateAfter: Record<string, FT>;
  repr: string;
}
const cases = (fixtures as unknown as { cases: SpatialCase[] }).cases;

function build(c: SpatialCase): Module {
  if (c.pretrained) return nn.Embedding.fromPretrained(fromFixture(c.pretrained), c.args[0] as object);
  const ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[c.kind]!;
  return new ctor(...c.args);
}

describe('spatial layers match PyTorch 1.13 (forward, gradients, state, keys, repr)', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_n, c) => {
    const m = build(c);
    expect([...Object.keys(m.stateDict())], 'state-dict keys').toEqual(c.stateKeys);
    const sd: Record<string, dl.Tensor> = {};
    for (const [k, v] of Object.entries(c.state)) sd[k] = fromFixture(v);
    m.loadStateDict(sd);
    m.train(c.train);
    const xs = c.inputs.map((t) => ('list' in t ? null : t.dtype === 'float32' ? fromFixture(t).requiresGrad_() : fromFixture(t)));
    const args = xs.map((x, i) => x ?? (c.inputs[i] as { list: number[] }).list);
    const out = (m as unknown as (...a: unknown[]) => dl.Tensor | { values: dl.Tensor; indices: dl.Tensor })(...args);
    const y = out instanceof dl.Tensor ? out : out.values;
    expect(mismatch(y, c.y), `${c.name} forward`).toBeNull();
    if (c.indices) {
      expect(out instanceof dl.Tensor, 'returnIndices gives { values, indices }').toBe(false);
      expect(mismatch((out as { indices: dl.Tensor }).indices, c.indices), `${c.name} indices`).toBeNull();
    }
    y.mul(fromFixture(c.r)).sum().backward();
    c.gx.forEach((g, i) => g && expect(mismatch(xs[i]?.grad, g), `${c.name} grad input ${i}`).toBeNull());
    const named = Object.fromEntries(m.namedParameters());
    expect(
      Object.keys(named)
        .filter((k) => named[k]!.requiresGrad)
        .sort(),
      'trained parameters',
    ).toEqual(Object.keys(c.gparams).sort());
    for (const [k, g] of Object.entries(c.gparams)) expect(mismatch(named[k]?.grad, g), `${c.name} grad ${k}`).toBeNull();
    const after = m.stateDict();
    for (const [k, v] of Object.entries(c.stateAfter)) expect(mismatch(after[k], v), `${c.name} state ${k}`).toBeNull();
    expect(String(m)).toBe(c.repr);
  });
});

describe('spatial layers: init and options as PyTorch', () => {
  it('Embedding: N(0, 1) rows, the padding row zero; fromPretrained freezes by default and keeps the rows', () => {
    dl.manualSeed(0);
    const e = new nn.Embedding(2000, 8, { paddingIdx: 3 });
    const w = e.weight.toArraySync() as number[][];
    expect(w[3]).toEqual(Array(8).fill(0));
    const flat = w.flat();
    const mean = flat.reduce((a, b) => a + b, 0) / flat.length;
    const sd = Math.sqrt(flat.reduce((a, b) => a + (b - mean) ** 2, 0) / flat.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(sd - 1)).toBeLessThan(0.03);
    const p = nn.Embedding.fromPretrained(
      dl.tensor([
        [1, 2.5],
        [3, 4],
      ]),
    );
    expect(p.weight.requiresGrad).toBe(false);
    expect(p(dl.tensor([1, 0], { dtype: 'int32' })).toArraySync()).toEqual([
      [3, 4],
      [1, 2.5],
    ]);
    expect(() => nn.Embedding.fromPretrained(dl.tensor([1, 2]))).toThrow(dl.ShapeError);
  });

  it('Embedding maxNorm renormalises only the looked-up rows, in place', () => {
    const e = nn.Embedding.fromPretrained(
      dl.tensor([
        [3, 4],
        [0.3, 0.4],
        [6, 8],
      ]),
      { maxNorm: 1 },
    );
    e(dl.tensor([0, 1], { dtype: 'int32' }));
    const w = e.weight.toArraySync() as number[][];
    expect(w[0]![0]).toBeCloseTo(0.6, 5);
    expect(w[1]).toEqual([expect.closeTo(0.3, 6), expect.closeTo(0.4, 6)]);
    expect(w[2]).toEqual([6, 8]);
  });

  it('ConvTranspose1d: weight [Cin, Cout/groups, K], kaiming-uniform bounds; forward(x, outputSize)', () => {
    const m = new nn.ConvTranspose1d(4, 6, 3, { stride: 2, groups: 2 });
    expect(m.weight.shape).toEqual([4, 3, 3]);
    const bound = 1 / Math.sqrt(3 * 3); // fan_in of the transposed weight: size(1) * K
    expect(Math.max(...(m.weight.abs().flatten().toArraySync() as number[]))).toBeLessThanOrEqual(bound + 1e-6);
    expect(Math.max(...(m.bias!.abs().toArraySync() as number[]))).toBeLessThanOrEqual(bound + 1e-6);
    const x = dl.randn(2, 4, 5);
    expect(m(x).shape).toEqual([2, 6, 11]);
    expect(m.forward(x, [12]).shape).toEqual([2, 6, 12]);
    expect(() => m.forward(x, [14])).toThrow(dl.ShapeError);
  });

  it('InstanceNorm defaults: no affine, no running stats, no state; wrong ranks are ShapeErrors', () => {
    const m = new nn.InstanceNorm2d(3);
    expect(Object.keys(m.stateDict())).toEqual([]);
    expect(() => m(dl.randn(2, 3, 4))).not.toThrow(); // unbatched [C, H, W]
    expect(() => m(dl.randn(3, 4))).toThrow(dl.ShapeError);
    expect(() => new nn.InstanceNorm1d(3, { affine: true })(dl.randn(2, 5, 4))).toThrow(dl.ShapeError);
    expect(() => F.instanceNorm(dl.randn(2, 3, 1))).toThrow(dl.ArgumentError);
  });

  it('max pooling layers return { values, indices } only with returnIndices', () => {
    const x = dl.randn(1, 2, 8);
    expect(new nn.MaxPool1d(2)(x)).toBeInstanceOf(dl.Tensor);
    const r = new nn.AdaptiveMaxPool1d(3, { returnIndices: true })(x);
    expect(r.indices.dtype).toBe('int32');
    expect(r.values.shape).toEqual([1, 2, 3]);
  });
});

describe('spatial functions: adjoints and errors', () => {
  it('fold is the adjoint of unfold: <unfold(x), y> = <x, fold(y)>', () => {
    const o = { dilation: [1, 2], padding: 1, stride: 2 } as const;
    const x = dl.randn(2, 3, 7, 8);
    const u = F.unfold(x, [3, 2], o);
    const y = dl.randn(...u.shape);
    const lhs = u.mul(y).sum().itemSync();
    const rhs = x
      .mul(F.fold(y, [7, 8], [3, 2], o))
      .sum()
      .itemSync();
    expect(lhs).toBeCloseTo(rhs, 3);
  });

  it('pad: torch 1.13 ranks and limits per mode, as typed errors', () => {
    const x = dl.randn(1, 2, 5);
    expect(F.pad(x, [2, 1], { mode: 'reflect' }).shape).toEqual([1, 2, 8]);
    expect(() => F.pad(x, [5, 0], { mode: 'reflect' })).toThrow(dl.ShapeError);
    expect(() => F.pad(dl.randn(5), [1, 1], { mode: 'replicate' })).toThrow(dl.ArgumentError);
    expect(() => F.pad(dl.randn(2, 5), [1, 1], { mode: 'circular' })).toThrow(dl.ArgumentError);
    expect(() => F.pad(x, [6, 0], { mode: 'circular' })).toThrow(dl.ShapeError);
    expect(() => F.pad(x, [1, 1], { mode: 'reflect', value: 2 })).toThrow(dl.ArgumentError);
    expect(() => F.pad(dl.ones([1, 2, 3], { dtype: 'int32' }), [1, 1], { mode: 'reflect' })).toThrow(dl.DTypeError);
  });

  it('interpolate: exactly one of size and scaleFactor, modes per rank, alignCorners only for linear modes', () => {
    const x = dl.randn(1, 2, 4, 4);
    expect(() => F.interpolate(x, {})).toThrow(dl.ArgumentError);
    expect(() => F.interpolate(x, { size: 3, scaleFactor: 2 })).toThrow(dl.ArgumentError);
    expect(() => F.interpolate(x, { size: 3, mode: 'linear' })).toThrow(dl.ArgumentError);
    expect(() => F.interpolate(x, { size: 3, alignCorners: true })).toThrow(dl.ArgumentError);
    expect(() => F.interpolate(x, { scaleFactor: 0.1 })).toThrow(dl.ShapeError);
    expect(() => F.interpolate(dl.randn(4, 4), { size: 3 })).toThrow(dl.ArgumentError);
    expect(() => F.interpolate(x, { size: 3, recomputeScaleFactor: true })).toThrow(dl.ArgumentError);
  });

  it('embeddingBag: offsets rules and mode rules, as typed errors', () => {
    const w = dl.randn(5, 2);
    const i = dl.tensor([0, 1, 2, 3], { dtype: 'int32' });
    expect(() => F.embeddingBag(i, w)).toThrow(dl.ArgumentError);
    expect(() => F.embeddingBag(i, w, { offsets: dl.tensor([1, 2], { dtype: 'int32' }) })).toThrow(dl.ArgumentError);
    expect(() => F.embeddingBag(i, w, { offsets: dl.tensor([0, 9], { dtype: 'int32' }) })).toThrow(dl.ArgumentError);
    expect(() => F.embeddingBag(i.reshape(2, 2), w, { offsets: dl.tensor([0], { dtype: 'int32' }) })).toThrow(dl.ArgumentError);
    expect(() => F.embeddingBag(i, w, { offsets: dl.tensor([0], { dtype: 'int32' }), perSampleWeights: dl.ones([4]) })).toThrow(
      dl.ArgumentError,
    );
    expect(() => F.embeddingBag(dl.tensor([7], { dtype: 'int32' }), w, { offsets: dl.tensor([0], { dtype: 'int32' }) })).toThrow(
      dl.IndexError,
    );
  });
});

describe('max pooling with indices returns a tuple, as torch', () => {
  it('layers and F.maxPool2d({ returnIndices: true }) give [values, indices], named too', () => {
    const x = dl.tensor([
      [
        [
          [1, 2, 5, 0],
          [4, 3, 1, 7],
        ],
      ],
    ]);
    const [out, idx] = new nn.MaxPool2d(2, { returnIndices: true })(x);
    expect(out.toArraySync()).toEqual([[[[4, 7]]]]);
    expect(idx.toArraySync()).toEqual([[[[4, 7]]]]);
    const r = F.maxPool2d(x, 2, { returnIndices: true });
    expect(r.values.toArraySync()).toEqual(out.toArraySync());
    expect(r[1].toArraySync()).toEqual(idx.toArraySync());
    expect(F.maxPool2d(x, 2).toArraySync()).toEqual([[[[4, 7]]]]);
    const [v1, i1] = new nn.MaxPool1d(2, { returnIndices: true })(dl.tensor([[[3, 1, 2, 6]]]));
    expect([v1.toArraySync(), i1.toArraySync()]).toEqual([[[[3, 6]]], [[[0, 3]]]]);
    const [v2, i2] = F.adaptiveMaxPool2dWithIndices(x, 1);
    expect([v2.toArraySync(), i2.toArraySync()]).toEqual([[[[[7]]]], [[[[7]]]]]);
  });
});
