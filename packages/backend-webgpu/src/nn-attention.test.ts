/**
 * nn.MultiheadAttention, F.scaledDotProductAttention and the Transformer layers against PyTorch
 * 1.13 on `webgpu` (the cases of tools/fixtures/attention_fixtures.py, read from @dl/nn's fixture
 * file): forward values, attention weights, input and parameter gradients. The runner is a copy
 * of @dl/nn's src/testing/attention-case.ts (a package never imports another's src/). Without a
 * WebGPU adapter it is skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn, type Module } from '@dl/nn';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const fx = JSON.parse(readFileSync(new URL('../../nn/src/fixtures/attention.json', import.meta.url), 'utf8')) as AttentionFixtures;
const be = await setupGpu(webgpu);
const TOL = [2e-4, 2e-3] as const; // float32 sums in another order than torch's (and lavapipe's exp/div)

describe.runIf(be)('attention and Transformers on webgpu match PyTorch 1.13', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });
  it.each(fx.sdpa.map((c) => [c.name, c] as const))('F.scaledDotProductAttention %s', async (_n, c) => checkSdpaCase(c, 'webgpu'));
  it.each(fx.mha.map((c) => [c.name, c] as const))('nn.MultiheadAttention %s', async (_n, c) => checkMhaCase(c, 'webgpu'));
  it.each(fx.layers.map((c) => [c.name, c] as const))('%s', async (_n, c) => checkLayerCase(c, 'webgpu'));
  it('a causal mask made on webgpu equals the cpu one', async () => {
    await expectClose(nn.Transformer.generateSquareSubsequentMask(3, { device: 'webgpu' }), fx.squareMask3, 'mask');
  });
});

if (!be) it.skip('attention on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});

interface AT {
  shape: number[];
  data: Array<number | string>;
  dtype: 'float32' | 'bool';
}
interface SdpaCase {
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
interface MhaCase {
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
interface LayerCase {
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
interface AttentionFixtures {
  sdpa: SdpaCase[];
  mha: MhaCase[];
  layers: LayerCase[];
  reprs: Record<string, string>;
  squareMask3: AT;
}

const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);

/** A fixture tensor on `device`. */
function ft(t: AT, device: string): Tensor {
  return dl.tensor(t.data.map(num), { dtype: t.dtype }).reshape(t.shape).to(device);
}

/** Values of `actual` close to `expected` (read with an await: works on webgpu). */
async function expectClose(
  actual: Tensor | null | undefined,
  expected: AT,
  label: string,
  atol: number = TOL[0],
  rtol: number = TOL[1],
): Promise<void> {
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
async function checkSdpaCase(c: SdpaCase, device: string): Promise<void> {
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
async function checkMhaCase(c: MhaCase, device: string): Promise<void> {
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
function makeLayer(c: LayerCase): Module {
  return makers[c.kind]!(c.args);
}

/** A Transformer layer / stack: keys, repr, forward, input and parameter gradients. */
async function checkLayerCase(c: LayerCase, device: string): Promise<void> {
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
