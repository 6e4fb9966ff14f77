/**
 * The character-level GPT on webgpu: the first steps from torch's weights and batches follow
 * torch's loss curve, and sampling (dl.multinomial) runs on the device. Skipped without a WebGPU
 * adapter (scripts/setup-webgpu.sh gives one in Node), unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { webgpu } from '@dl/backend-webgpu';
import { GPT } from './model.js';
import { excerptText, makeCorpus, trainCharLM, type CharLMConfig } from './train.js';
import reference from './__fixtures__/parity-losses.json' with { type: 'json' };

const INIT = fileURLToPath(new URL('./__fixtures__/parity-init.pt', import.meta.url));
// The monorepo's lavapipe (scripts/setup-webgpu.sh unpacks it into <repo>/.vk).
const ICD = fileURLToPath(new URL('../../../../.vk/icd.json', import.meta.url));
if (!process.env.VK_ICD_FILENAMES && existsSync(ICD)) process.env.VK_ICD_FILENAMES = ICD;

async function gpu(): Promise<boolean> {
  try {
    await dl.initBackend('webgpu');
    return true;
  } catch (e) {
    if (process.env.DL_REQUIRE_WEBGPU === '1') throw e;
    console.warn(`charlm webgpu test skipped: ${(e as Error).message.split('\n')[0]}`);
    return false;
  }
}
const have = await gpu();

describe.runIf(have)('charlm on webgpu', () => {
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  it("follows torch's loss curve for the first 20 steps and samples on the device", async () => {
    const STEPS = 20;
    const ck = (await dl.load(INIT, { device: 'webgpu' })) as unknown as {
      config: CharLMConfig;
      model: Record<string, dl.Tensor>;
      offsets: dl.Tensor;
    };
    const corpus = makeCorpus(excerptText());
    const model = new GPT(ck.config).to('webgpu');
    model.loadStateDict(ck.model);
    const losses = await trainCharLM(model, corpus.train.to('webgpu'), ck.offsets.at(`:${STEPS}`), ck.config);
    const diffs = losses.map((l, i) => Math.abs(l - reference.losses[i]!));
    expect(Math.max(...diffs)).toBeLessThan(1e-3);
    const ids = model.generate(dl.tensor([[0]], { dtype: 'int64', device: 'webgpu' }), 8, { generator: new dl.Generator(0) });
    expect(ids.device).toBe('webgpu');
    expect(ids.shape).toEqual([1, 9]);
    const vals = (await ids.toArray()) as number[][];
    expect(vals[0]!.every((v) => Number.isInteger(v) && v >= 0 && v < ck.config.vocabSize)).toBe(true);
  }, 300_000);
});

if (!have) it.skip('charlm on webgpu [skipped: no WebGPU adapter]', () => {});
