/**
 * Session in Node: the device-switch races of Note [Device switch races] on webgpu (Dawn on the
 * software Vulkan in <repo>/.vk; skipped without an adapter unless DL_REQUIRE_WEBGPU=1), and the
 * train/eval mode that predict() and evaluate() leave behind (cpu).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/backend-webgpu';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DigitSet } from './data.js';
import { Session } from './trainer.js';

/** 256 random "digits" (normalised pixels) with labels 0-9: enough for a few batches of 32. */
function digits(n: number, seed: number): DigitSet {
  const g = new dl.Generator(seed);
  return { x: dl.randn([n, 1, 28, 28], { generator: g }), y: dl.randint(0, 10, [n], { generator: g }), length: n };
}
const data = () => ({ train: digits(256, 1), test: digits(64, 2) });
const devicesOf = (s: Session): string[] => [...new Set(s.model.parameters().map((p) => p.device))];

let webgpu = false;
beforeAll(async () => {
  if (!process.env.VK_ICD_FILENAMES) {
    let dir = dirname(fileURLToPath(import.meta.url));
    for (let i = 0; i < 8 && !existsSync(join(dir, '.vk', 'icd.json')); i++) dir = dirname(dir);
    if (existsSync(join(dir, '.vk', 'icd.json'))) process.env.VK_ICD_FILENAMES = join(dir, '.vk', 'icd.json');
  }
  try {
    await dl.initBackend('webgpu');
    webgpu = true;
  } catch (e) {
    if (process.env.DL_REQUIRE_WEBGPU === '1') throw e;
    console.warn(`webgpu cases skipped: ${(e as Error).message.split('\n')[0]}`);
  }
}, 60_000);

describe('Session', () => {
  it('predict() during a paused evaluate() leaves the model in eval mode, and evaluate() restores the mode it found', async () => {
    const s = new Session(data(), { batchSize: 32, lr: 1e-3, seed: 0 });
    const pending = s.evaluate(64, 16); // yields between batches, in eval mode
    await Promise.resolve();
    expect(s.model.training).toBe(false);
    const probs = await s.predict(new Float32Array(784).fill(0.5));
    expect(probs).toHaveLength(10);
    expect(s.model.training).toBe(false); // was set back to train() before the fix
    await pending;
    expect(s.model.training).toBe(true);
    s.model.eval();
    await s.evaluate(32, 16);
    expect(s.model.training).toBe(false);
    await s.predict(new Float32Array(784));
    expect(s.model.training).toBe(false);
  });

  it('a reset during a switch to webgpu: the new model is moved too, and training goes on', async (ctx) => {
    if (!webgpu) ctx.skip();
    const s = new Session(data(), { batchSize: 32, lr: 1e-3, seed: 0 });
    const before = s.model;
    const move = before.toAsync.bind(before);
    // the Reset click lands while the old model's move awaits its copies: a new LeNet on cpu
    before.toAsync = (target) => {
      const moving = move(target);
      s.reset();
      return moving;
    };
    await s.useDevice('webgpu');
    expect(s.model).not.toBe(before);
    expect(s.device).toBe('webgpu');
    expect(devicesOf(s)).toEqual(['webgpu']);
    const p = await s.trainStep(); // was a device mismatch before the fix
    expect(Number.isFinite(p.loss)).toBe(true);
    expect(s.step).toBe(1);
  }, 60_000);

  it('a reset during a switch back to cpu, and two overlapping switches, end on the last device', async (ctx) => {
    if (!webgpu) ctx.skip();
    const s = new Session(data(), { batchSize: 32, lr: 1e-3, seed: 0 });
    await s.useDevice('webgpu');
    await s.trainStep();
    const toCpu = s.useDevice('cpu');
    s.reset(); // a new LeNet on webgpu (this.device is still webgpu) while the old one comes back
    await toCpu;
    expect([s.device, devicesOf(s)]).toEqual(['cpu', ['cpu']]);
    await s.trainStep();
    // two quick changes: the second waits for the first
    const a = s.useDevice('webgpu');
    const b = s.useDevice('cpu');
    await Promise.all([a, b]);
    expect([s.device, devicesOf(s)]).toEqual(['cpu', ['cpu']]);
    const c = s.useDevice('webgpu');
    s.reset();
    const d = s.useDevice('webgpu');
    await Promise.all([c, d]);
    expect([s.device, devicesOf(s)]).toEqual(['webgpu', ['webgpu']]);
    const p = await s.trainStep();
    expect(Number.isFinite(p.loss)).toBe(true);
    // the optimizer holds the model's parameters (not the ones of a model a reset replaced)
    const params = new Set(s.model.parameters());
    expect(s.opt.paramGroups.flatMap((g) => g.params).every((q) => params.has(q))).toBe(true);
  }, 60_000);
});
