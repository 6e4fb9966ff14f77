/**
 * One guide in a process of its own (Note [Guides run as tests]): `run-guide-cli.ts <guide.md>
 * <result.json>` runs it and writes `{ printed }` or `{ error }` to result.json;
 * `run-guide-cli.ts --probe-webgpu <result.json>` writes `{ error }` saying why no WebGPU device
 * opens here, or `{}`. A process per guide keeps one guide's devices, seeds and memory counters
 * out of the next.
 */
import { writeFileSync } from 'node:fs';
import { findVulkanIcd } from './guide-setup.js';
import { runGuide } from './run-guide.js';

const [arg, out] = process.argv.slice(2);
if (!arg || !out) throw new Error('usage: run-guide-cli.ts <guide.md | --probe-webgpu> <result.json>');
let result: { printed?: string[]; error?: string } = {};
try {
  if (arg === '--probe-webgpu') {
    findVulkanIcd();
    const dl = await import('@dl/tensor');
    await import('@dl/backend-webgpu');
    await dl.initBackend('webgpu');
  } else {
    result = { printed: (await runGuide(arg)).printed };
  }
} catch (e) {
  result = { error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
}
writeFileSync(out, JSON.stringify(result));
process.exit(0);
