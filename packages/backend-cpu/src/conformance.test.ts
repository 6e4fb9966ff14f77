import { registerBackend } from '@dl/tensor/backend';
import { runConformanceSuite } from '@dl/tensor/testing';
import { cpuBackend } from './index.js';

// A second device name backed by the same cpu kernels, for device-mismatch tests.
registerBackend(Object.create(cpuBackend, { name: { value: 'cpu-b' } }));

runConformanceSuite({
  device: 'cpu',
  otherDevice: 'cpu-b',
  skip: {},
});
