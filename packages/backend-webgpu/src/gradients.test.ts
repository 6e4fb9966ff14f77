/**
 * @dl/autograd's gradient conformance (every differentiable PyTorch fixture case) on `webgpu`.
 * Without a WebGPU adapter the suite is skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, it } from 'vitest';
import * as dl from '@dl/tensor';
import { runGradientSuite } from '@dl/autograd/testing';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

describe.runIf(be)('webgpu', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    // Let queued work finish, then destroy the device: a pending mapAsync at exit crashes Dawn.
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });
  runGradientSuite({ device: 'webgpu' });
});

if (!be) it.skip('gradients on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
