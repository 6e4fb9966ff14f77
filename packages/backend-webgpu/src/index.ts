/**
 * @dl/backend-webgpu: the `webgpu` device for @dl/tensor. Importing this module
 * registers the backend; `await dl.initBackend('webgpu')` acquires the GPU.
 *
 * @packageDocumentation
 *
 * @example
 * import * as dl from '@dl/tensor';
 * import { webgpu } from '@dl/backend-webgpu';
 * await dl.initBackend('webgpu');            // or: await webgpu.init({ device: myDevice })
 * const x = dl.randn([2, 3], { device: 'webgpu' });
 * console.log(await x.relu().data());
 */
// `preserve`: TypeScript ≥ 5.5 keeps this in dist/index.d.ts, so users' TypeScript sees the
// WebGPU types (GPUDevice, …) that the declarations use without adding @webgpu/types themselves.
/// <reference types="@webgpu/types" preserve="true" />
import { registerBackend } from '@dl/tensor/backend';
import { WebGPUBackend } from './backend.js';

export { WebGPUBackend } from './backend.js';
export type { AcquireOptions } from './gpu.js';
export type { GpuBuf, Runtime } from './runtime.js';

/** The registered `webgpu` backend instance. */
export const webgpu = new WebGPUBackend();
registerBackend(webgpu);
