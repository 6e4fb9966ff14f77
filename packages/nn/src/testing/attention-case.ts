/**
 * @internal Runner of the attention / Transformer fixture cases (tools/fixtures/attention_fixtures.py),
 * on any device: torch's weights in by state dict, forward, backward, everything compared after
 * an awaited read (so the same runner serves webgpu). backend-webgpu's nn-attention.test.ts holds
 * a copy (a package never imports another's src/).
 */
import { expect } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { F, nn } from '../index.js';
import type { Module } from '../module.js';

export interface AT {
  shape: number[];
  data: Array<number | string>;
  dtype: 'float32' | 'bool';
}
export interface SdpaCase {
  name: string;
  q: AT;
  k: AT;
  v: AT;
  mask: AT | null;
  isCausal: boolean;
  scale: number | null;
  y: AT;
  r: AT;
  gq: AT;
  gk: AT;
  gv: AT;
  gmask: AT | null;
}
export interface MhaCase {
  name: string;
  opts: Record<string, any>;
  train: boolean;
  same: 'qkv' | 'kv' | 'none';
  state: Record<string, AT>;
  q: AT;
  k: AT | null;
  v: AT | null;
  fwd: Record<string, any>;
  y: AT;
  w: AT | null;
  r: AT;
  rw: AT | null;
  gq: AT;
  gk: AT | null;
  gv: AT | null;
  gparams: Record<string, AT>;
  stateKeys: string[];
  repr: string;
}
export interface LayerCase {
  name: string;
  kind: string;
  args: any[];
  train: boolean;
  state: Record<string, AT>;
  inputs: Record<string, AT>;
  masks: Record<string, AT>;
  y: AT;
  r: AT;
  grads: Record<string, AT>;
  gparams: Record<string, AT>;
  stateKeys: string[];
  repr: string;
}
export interface AttentionFixtures {
  sdpa: SdpaCase[];
  mha: MhaCase[];
  layers: LayerCase[];
  reprs: Record<string, string>;
  squareMask3: AT;
}

const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);

/** A fixture tensor on `device`. */
export function ft(t: AT, device: string): Tensor {
  return dl.tensor(t.data.map(num), { dtype: t.dtype }).reshape(t.shape).to(device);
}

/** Values of `actual` close to `expected` (read with an await: works on webgpu). */
export async function expectClose(actual: Tensor | null | undefined, expected: AT, label: string, atol = 1e-4, rtol = 1e-3): Promise<void> {
  expect(actual, `${label}: missing`).toBeTruthy();
  expect([...actual!.shape], `${label}: shape`).toEqual(expected.shape);
  const a = (await actual!.toAsync('cpu')).contiguous().dataSync();
  for (let i = 0; i < a.length; i++) {
    const e = num(expected.data[i]!);
    const v = Number(a[i]);
    if (v === e || (Number.isNaN(e) && Number.isNaN(v))) continue;
    if (!(Math.abs(v - e) <= atol + rtol * Math.abs(e))) expect.fail(`${label}: at ${i}: ${v} vs ${e} (shape [${expected.shape}])`);
  }
}

function sd(state: Record<string, AT>): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(state).map(([k, v]) => [k, ft(v, 'cpu')]));
}

const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/** F.scaledDotProductAttention against torch 2.x's reference formula. */
export async function checkSdpaCase(c: SdpaCase, device: string): Promise<void> {
  const [q, k, v] = [ft(c.q, device), ft(c.k, device), ft(c.v, device)].map((t) => t.requiresGrad_());
  const mask = c.mask ? ft(c.mask, device) : null;
  if (mask && c.gmask) mask.requiresGrad_();
  const y = F.scaledDotProductAttention(q!, k!, v!, { attnMask: mask, isCausal: c.isCausal, scale: c.scale });
  await expectClose(y, c.y, `${c.name} forward`);
  y.mul(ft(c.r, device)).sum().backward();
  await expectClose(q!.grad, c.gq, `${c.name} grad q`);
  await expectClose(k!.grad, c.gk, `${c.name} grad k`);
  await expectClose(v!.grad, c.gv, `${c.name} grad v`);
  if (c.gmask) await expectClose(mask!.grad, c.gmask, `${c.name} grad mask`);
}

/** nn.MultiheadAttention: keys, repr, forward, weights, input and parameter gradients. */
export async function checkMhaCase(c: MhaCase, device: string): Promise<void> {
  const o = c.opts;
  const m = new nn.MultiheadAttention(o.embedDim, o.numHeads, o);
  expect(Object.keys(m.stateDict()), `${c.name} state-dict keys`).toEqual(c.stateKeys);
  expect(String(m), `${c.name} repr`).toBe(c.repr);
  m.loadStateDict(sd(c.state));
  m.to(device);
  m.train(c.train);
  const q = ft(c.q, device).requiresGrad_();
  const k = c.same === 'qkv' ? q : ft(c.k!, device).requiresGrad_();
  const v = c.same === 'none' ? ft(c.v!, device).requiresGrad_() : k;
  const fwd = Object.fromEntries(
    Object.entries(c.fwd).map(([key, val]) => [key, typeof val === 'object' && val !== null ? ft(val as AT, device) : val]),
  );
  const [y, w] = m(q, k, v, fwd);
  await expectClose(y, c.y, `${c.name} forward`);
  if (c.w) await expectClose(w, c.w, `${c.name} weights`);
  else expect(w, `${c.name} weights`).toBeNull();
  let loss = y.mul(ft(c.r, device)).sum();
  if (c.rw) loss = loss.add(w!.mul(ft(c.rw, device)).sum());
  loss.backward();
  await expectClose(q.grad, c.gq, `${c.name} grad query`);
  if (c.gk) await expectClose(k.grad, c.gk, `${c.name} grad key`);
  if (c.gv) await expectClose(v.grad, c.gv, `${c.name} grad value`);
  const named = Object.fromEntries(m.namedParameters());
  expect(Object.keys(named).sort(), `${c.name} parameters`).toEqual(Object.keys(c.gparams).sort());
  for (const [key, g] of Object.entries(c.gparams)) await expectClose(named[key]!.grad, g, `${c.name} grad ${key}`);
}

const makers: Record<string, (a: any[]) => Module> = {
  TransformerEncoderLayer: (a) => new nn.TransformerEncoderLayer(a[0], a[1], a[2]),
  TransformerDecoderLayer: (a) => new nn.TransformerDecoderLayer(a[0], a[1], a[2]),
  TransformerEncoder: (a) =>
    new nn.TransformerEncoder(new nn.TransformerEncoderLayer(a[0], a[1], a[2]), a[3], { norm: a[4] ? new nn.LayerNorm(a[0]) : null }),
  TransformerDecoder: (a) =>
    new nn.TransformerDecoder(new nn.TransformerDecoderLayer(a[0], a[1], a[2]), a[3], { norm: a[4] ? new nn.LayerNorm(a[0]) : null }),
  Transformer: (a) => new nn.Transformer(a[0]),
};

/** @internal Build the case's module (exported for the copy-semantics tests). */
export function makeLayer(c: LayerCase): Module {
  return makers[c.kind]!(c.args);
}

/** A Transformer layer / stack: keys, repr, forward, input and parameter gradients. */
export async function checkLayerCase(c: LayerCase, device: string): Promise<void> {
  const m = makeLayer(c);
  expect(Object.keys(m.stateDict()), `${c.name} state-dict keys`).toEqual(c.stateKeys);
  expect(String(m), `${c.name} repr`).toBe(c.repr);
  m.loadStateDict(sd(c.state));
  m.to(device);
  m.train(c.train);
  const inputs = Object.values(c.inputs).map((t) => ft(t, device).requiresGrad_());
  const masks = Object.fromEntries(Object.entries(c.masks).map(([k, t]) => [camel(k), ft(t, device)]));
  const y = (m as unknown as (...a: unknown[]) => Tensor)(...inputs, masks);
  await expectClose(y, c.y, `${c.name} forward`);
  y.mul(ft(c.r, device)).sum().backward();
  const names = Object.keys(c.inputs);
  for (let i = 0; i < names.length; i++) await expectClose(inputs[i]!.grad, c.grads[names[i]!]!, `${c.name} grad ${names[i]}`);
  const named = Object.fromEntries(m.namedParameters());
  expect(Object.keys(named).sort(), `${c.name} parameters`).toEqual(Object.keys(c.gparams).sort());
  for (const [key, g] of Object.entries(c.gparams)) await expectClose(named[key]!.grad, g, `${c.name} grad ${key}`);
}
