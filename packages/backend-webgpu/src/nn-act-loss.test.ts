/**
 * The activations, losses and distances of issue 13 (act-loss slice) as modules on `webgpu`,
 * against PyTorch 1.13 (the cases of tools/fixtures/act_loss_fixtures.py, read from @dl/nn's
 * fixture file): repr, state-dict keys, forward value, input and parameter gradients, and the
 * device-side argument checks. The runner is a copy of @dl/nn's src/act-loss.test.ts one (a
 * package never imports another's src/). Without a WebGPU adapter it is skipped with a printed
 * reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn, type Module } from '@dl/nn';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

interface FT {
  shape: number[];
  data: Array<number | string>;
  dtype: 'float32' | 'int32';
}
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
const fx = JSON.parse(readFileSync(new URL('../../nn/src/fixtures/act-loss.json', import.meta.url), 'utf8')) as { cases: Case[] };
const be = await setupGpu(webgpu);
const TOL = [2e-5, 2e-4] as const; // float32 sums in another order than torch's, lavapipe's exp/log

const num = (v: number | string): number => (typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity);
const ft = (t: FT, device: string): Tensor => dl.tensor(t.data.map(num), { dtype: t.dtype }).reshape(t.shape).to(device);

async function expectClose(actual: Tensor | null | undefined, expected: FT, label: string): Promise<void> {
  expect(actual, `${label}: missing`).toBeTruthy();
  expect(actual!.device, `${label}: device`).toBe('webgpu');
  expect([...actual!.shape], `${label}: shape`).toEqual(expected.shape);
  const a = (await actual!.toAsync('cpu')).contiguous().dataSync();
  for (let i = 0; i < a.length; i++) {
    const e = num(expected.data[i]!);
    const v = Number(a[i]);
    if (v === e || (Number.isNaN(e) && Number.isNaN(v))) continue;
    if (!(Math.abs(v - e) <= TOL[0] + TOL[1] * Math.abs(e))) expect.fail(`${label}: at ${i}: ${v} vs ${e} (shape [${expected.shape}])`);
  }
}

/** Constructor arguments: `{ $tensor: [...] }` stands for a float32 tensor (a loss's class weights). */
function withTensors(a: unknown): unknown {
  if (Array.isArray(a) || a === null || typeof a !== 'object') return a;
  const o = a as Record<string, unknown>;
  if ('$tensor' in o) return dl.tensor(o.$tensor as number[]);
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, withTensors(v)]));
}

async function checkCase(c: Case, device: string): Promise<void> {
  const Ctor = (nn as unknown as Record<string, new (...a: unknown[]) => Module>)[c.kind]!;
  const m = new Ctor(...c.args.map(withTensors));
  expect(String(m)).toBe(c.repr);
  expect(Object.keys(m.stateDict())).toEqual(c.stateKeys);
  m.loadStateDict(Object.fromEntries(Object.entries(c.state).map(([k, v]) => [k, ft(v, 'cpu')])));
  m.to(device);
  const inputs = c.inputs.map((t, i) => {
    const x = ft(t, device);
    if (c.grads[i]) x.requiresGrad = true;
    return x;
  });
  const out = (m as unknown as (...a: Tensor[]) => Tensor)(...inputs);
  await expectClose(out, c.out, `${c.name} forward`);
  out.mul(ft(c.weight, device)).sum().backward();
  for (let i = 0; i < c.grads.length; i++) if (c.grads[i]) await expectClose(inputs[i]!.grad, c.grads[i]!, `${c.name} grad of input ${i}`);
  const params = Object.fromEntries(m.namedParameters());
  for (const [k, g] of Object.entries(c.paramGrads)) await expectClose(params[k]!.grad, g, `${c.name} grad of ${k}`);
}

describe.runIf(be)('act-loss modules on webgpu match PyTorch 1.13', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    // Let queued work finish, then destroy the device: a pending mapAsync at exit crashes Dawn.
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });
  it.each(fx.cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => checkCase(c, 'webgpu'));

  it('class indices out of range raise at the next read (a device check)', async () => {
    const x = dl.randn([2, 3], { device: 'webgpu' });
    await expect(F.multiMarginLoss(x, dl.tensor([1, 3], { dtype: 'int32', device: 'webgpu' })).data()).rejects.toThrow(
      /target out of range/,
    );
    await expect(F.gaussianNllLoss(x, x, dl.full([2, 3], -1, { device: 'webgpu' })).data()).rejects.toThrow(/var has negative entry/);
  });
});

if (!be) it.skip('act-loss modules on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
