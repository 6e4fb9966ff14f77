/**
 * The spatial layers of issue 13 (EmbeddingBag, Embedding maxNorm, InstanceNorm, ConvTranspose1d,
 * 1-D and adaptive max pooling, Upsample, PixelShuffle, Fold/Unfold, padding layers) on `webgpu`
 * against PyTorch 1.13: the cases of @dl/nn's spatial.test.ts (fixtures from
 * tools/fixtures/spatial_fixtures.py) with torch's state dict loaded by key and the module moved
 * to webgpu — forward, max-pool indices, input and parameter gradients, the state after the
 * forward. Without a WebGPU adapter it is skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { nn } from '@dl/nn';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

interface FT {
  shape: number[];
  data: number[];
  dtype: 'float32' | 'int32';
}
interface Case {
  name: string;
  kind: string;
  args: unknown[];
  train: boolean;
  pretrained: FT | null;
  state: Record<string, FT>;
  /** tensors, or `{ list }` for a size argument */
  inputs: (FT | { list: number[] })[];
  y: FT;
  indices: FT | null;
  r: FT;
  gx: (FT | null)[];
  gparams: Record<string, FT>;
  stateAfter: Record<string, FT>;
}
const F = JSON.parse(readFileSync(new URL('../../nn/src/fixtures/spatial.json', import.meta.url), 'utf8')) as { cases: Case[] };

const DEV = 'webgpu';
const host = (t: FT): Tensor => dl.tensor(t.data, { dtype: t.dtype }).reshape(t.shape);

/** Compare a webgpu tensor with a fixture (read back asynchronously). */
async function close(actual: Tensor | null | undefined, expected: FT | null, what: string, atol = 2e-5, rtol = 2e-4): Promise<void> {
  if (!expected) return;
  expect(actual, `${what}: missing`).toBeTruthy();
  expect([...actual!.shape], `${what} shape`).toEqual(expected.shape);
  expect(actual!.device, `${what} device`).toBe(DEV);
  const a = await actual!.contiguous().data();
  for (let i = 0; i < a.length; i++) {
    const e: number = expected.data[i]!;
    const v = Number(a[i]);
    if (!(Math.abs(v - e) <= atol + rtol * Math.abs(e))) expect.fail(`${what} at ${i}: ${v} vs ${e}`);
  }
}

describe.runIf(be)('spatial layers on webgpu', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    // Let queued work finish, then destroy the device: a pending mapAsync at exit crashes Dawn.
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  for (const c of F.cases) {
    it(c.name, async () => {
      const ctor = (nn as unknown as Record<string, new (...a: unknown[]) => nn.Module>)[c.kind]!;
      const m = c.pretrained ? nn.Embedding.fromPretrained(host(c.pretrained), c.args[0] as object) : new ctor(...c.args);
      const sd: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(c.state)) sd[k] = host(v);
      m.loadStateDict(sd);
      m.to(DEV);
      m.train(c.train);
      const xs = c.inputs.map((t) => ('list' in t ? null : t.dtype === 'float32' ? host(t).to(DEV).requiresGrad_() : host(t).to(DEV)));
      const args = xs.map((x, i) => x ?? (c.inputs[i] as { list: number[] }).list);
      const out = (m as unknown as (...a: unknown[]) => Tensor | { values: Tensor; indices: Tensor })(...args);
      const y = out instanceof dl.Tensor ? out : out.values;
      await close(y, c.y, `${c.name} forward`);
      if (c.indices) await close((out as { indices: Tensor }).indices, c.indices, `${c.name} indices`, 0, 0);
      y.mul(host(c.r).to(DEV)).sum().backward();
      for (let i = 0; i < xs.length; i++) await close(xs[i]?.grad, c.gx[i] ?? null, `${c.name} grad input ${i}`);
      const named = Object.fromEntries(m.namedParameters());
      for (const [k, g] of Object.entries(c.gparams)) await close(named[k]?.grad, g, `${c.name} grad ${k}`);
      const after = m.stateDict();
      for (const [k, v] of Object.entries(c.stateAfter)) if (v.dtype === 'float32') await close(after[k], v, `${c.name} state ${k}`);
    });
  }
});

if (!be) it.skip('spatial layers on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
