/** @internal Shared runner of the layer fixture cases. */
import { expect } from 'vitest';
import type * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from '../index.js';
import type { Module } from '../module.js';
import { fromFixture, mismatch, type FT } from './fixture.js';
import fixtures from '../fixtures/nn.json' with { type: 'json' };

export interface LayerCase {
  name: string;
  kind: string;
  opts: Record<string, unknown>;
  train: boolean;
  state: Record<string, FT>;
  x: FT;
  y: FT;
  r: FT;
  gx: FT | null;
  gparams: Record<string, FT>;
  stateAfter: Record<string, FT> | null;
  repr: string;
}

type O = Record<string, any>;
const makers: Record<string, (o: O) => Module> = {
  Linear: (o) => new nn.Linear(o.in, o.out, { bias: o.bias ?? true }),
  Conv2d: (o) => new nn.Conv2d(o.in, o.out, o.kernelSize, o),
  Conv1d: (o) => new nn.Conv1d(o.in, o.out, o.kernelSize, o),
  ConvTranspose2d: (o) => new nn.ConvTranspose2d(o.in, o.out, o.kernelSize, o),
  MaxPool2d: (o) => new nn.MaxPool2d(o.kernelSize, o),
  AvgPool2d: (o) => new nn.AvgPool2d(o.kernelSize, o),
  AdaptiveAvgPool2d: (o) => new nn.AdaptiveAvgPool2d(o.outputSize),
  BatchNorm1d: (o) => new nn.BatchNorm1d(o.numFeatures, o),
  BatchNorm2d: (o) => new nn.BatchNorm2d(o.numFeatures, o),
  LayerNorm: (o) => new nn.LayerNorm(o.normalizedShape),
  GroupNorm: (o) => new nn.GroupNorm(o.numGroups, o.numChannels),
  Embedding: (o) => new nn.Embedding(o.numEmbeddings, o.embeddingDim, o),
  Flatten: () => new nn.Flatten(),
  Unflatten: (o) => new nn.Unflatten(o.dim, o.sizes),
  ReLU: () => new nn.ReLU(),
  LeakyReLU: (o) => new nn.LeakyReLU(o.negativeSlope),
  ELU: (o) => new nn.ELU(o.alpha),
  GELU: (o) => new nn.GELU(o),
  SiLU: () => new nn.SiLU(),
  Sigmoid: () => new nn.Sigmoid(),
  Tanh: () => new nn.Tanh(),
  Hardtanh: (o) => new nn.Hardtanh(o.minVal, o.maxVal),
  Softplus: (o) => new nn.Softplus(o),
  Softmax: (o) => new nn.Softmax(o.dim),
  LogSoftmax: (o) => new nn.LogSoftmax(o.dim),
  Identity: () => new nn.Identity(),
};

export const layerCases = (fixtures as unknown as { layers: LayerCase[] }).layers;

/** Run one case: torch's weights in, forward, backward of (y*r).sum(), compare everything. */
export function checkLayerCase(c: LayerCase): void {
  const m = makers[c.kind]!(c.opts);
  const sd: Record<string, dl.Tensor> = {};
  for (const [k, v] of Object.entries(c.state)) sd[k] = fromFixture(v);
  m.loadStateDict(sd, { strict: false });
  m.train(c.train);
  const x = fromFixture(c.x);
  if (x.dtype === 'float32') x.requiresGrad_();
  const y = (m.forward as (x: dl.Tensor) => dl.Tensor)(x);
  expect(mismatch(y, c.y), `${c.name} forward`).toBeNull();
  y.mul(fromFixture(c.r)).sum().backward();
  if (c.gx) expect(mismatch(x.grad, c.gx), `${c.name} grad x`).toBeNull();
  const named = Object.fromEntries(m.namedParameters());
  for (const [k, g] of Object.entries(c.gparams)) expect(mismatch(named[k]?.grad, g), `${c.name} grad ${k}`).toBeNull();
  if (c.stateAfter) {
    const after = m.stateDict();
    for (const [k, v] of Object.entries(c.stateAfter)) expect(mismatch(after[k], v), `${c.name} state ${k}`).toBeNull();
  }
  expect(String(m)).toBe(c.repr);
}
