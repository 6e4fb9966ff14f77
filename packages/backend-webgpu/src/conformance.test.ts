/**
 * The shared @dl/tensor conformance suite on the `webgpu` device (Dawn; lavapipe in CI).
 * Without a WebGPU adapter the suite is skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { describe, it } from 'vitest';
import { runConformanceSuite } from '@dl/tensor/testing';
import '@dl/backend-cpu'; // the other device of the device-mismatch tests
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

describe.runIf(be)('webgpu', () => {
  runConformanceSuite({
    device: 'webgpu',
    skip: {},
    setup: async () => {
      await webgpu.init();
    },
    teardown: async () => {
      // Let queued work finish, then destroy the device: a pending mapAsync at exit crashes Dawn.
      await webgpu.sync().catch(() => {});
      webgpu.destroy();
    },
  });
});

if (!be) it.skip('conformance on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
