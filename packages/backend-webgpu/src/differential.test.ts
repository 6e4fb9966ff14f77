/**
 * The randomized differential test against PyTorch 1.13 (tools/fixtures/differential.py) on
 * `webgpu`: forward, errors and gradients of every public op; float32 denormal inputs may be
 * flushed to zero (Note [Differential tolerances]). Without a WebGPU adapter it is skipped with a
 * printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { it } from 'vitest';
import '@dl/autograd';
import { F } from '@dl/nn';
import { runDifferentialSuite } from '@dl/tensor/testing';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

if (be) {
  runDifferentialSuite({
    device: 'webgpu',
    functional: F,
    flushesDenormals: true,
    teardown: async () => {
      // Let queued work finish, then destroy the device: a pending mapAsync at exit crashes Dawn.
      await webgpu.sync().catch(() => {});
      webgpu.destroy();
    },
  });
} else {
  it.skip('differential on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
}
