/// <reference types="@webgpu/types" />
import { DeviceError } from '@dl/tensor';

/** Options of {@link acquireDevice}. */
export interface AcquireOptions {
  /** Use this device instead of requesting one. */
  device?: GPUDevice;
  /** A `GPU` object (default: `navigator.gpu` in browsers, the npm `webgpu` package in Node). */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
}

// Typed as strings: older @webgpu/types (pulled in by some consumers' dependencies) lack 'subgroups'.
const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as unknown as GPUFeatureName[];

let nodeGpu: GPU | null = null;

/** `navigator.gpu`, or Dawn from the npm `webgpu` package under Node. */
export async function findGpu(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (nodeGpu) return nodeGpu;
  if (typeof process === 'undefined' || !process.versions?.node) return null;
  let mod: { create: (opts: string[]) => GPU; globals: Record<string, unknown> };
  try {
    const name = 'webgpu';
    mod = (await import(/* @vite-ignore */ name)) as typeof mod;
  } catch {
    return null;
  }
  for (const [k, v] of Object.entries(mod.globals)) {
    if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
  }
  nodeGpu = mod.create([]);
  return nodeGpu;
}

/**
 * Get a GPUDevice: the given one, or a new one from the best adapter with the adapter's
 * limits and the optional features it has (`shader-f16`, `subgroups`, `timestamp-query`).
 */
export async function acquireDevice(opts: AcquireOptions = {}): Promise<{ device: GPUDevice; features: string[] }> {
  if (opts.device) return { device: opts.device, features: [...opts.device.features] };
  const gpu = opts.gpu ?? (await findGpu());
  if (!gpu) {
    throw new DeviceError('webgpu: WebGPU is not available in this environment', {
      op: 'initBackend',
      hint: 'use a browser with WebGPU, or Node with the npm "webgpu" package (run scripts/setup-webgpu.sh on a machine without a GPU)',
    });
  }
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : {});
  if (!adapter) {
    const inNode = typeof process !== 'undefined' && !!process.versions?.node;
    throw new DeviceError('webgpu: no GPU adapter found', {
      op: 'initBackend',
      hint: inNode
        ? 'on a machine without a GPU, install a software Vulkan driver (scripts/setup-webgpu.sh) and set VK_ICD_FILENAMES'
        : 'the browser has WebGPU but no adapter (GPU blocklisted or absent); headless Chromium can use SwiftShader with --enable-unsafe-webgpu --enable-unsafe-swiftshader (see apps/browser/README.md)',
    });
  }
  const features = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  const requiredLimits: Record<string, number> = {};
  for (const k of [
    'maxBufferSize',
    'maxStorageBufferBindingSize',
    'maxStorageBuffersPerShaderStage',
    'maxComputeWorkgroupStorageSize',
    'maxComputeInvocationsPerWorkgroup',
    'maxComputeWorkgroupSizeX',
    'maxComputeWorkgroupSizeY',
    'maxComputeWorkgroupsPerDimension',
  ] as const) {
    const v = adapter.limits[k];
    if (typeof v === 'number') requiredLimits[k] = v;
  }
  const device = await adapter.requestDevice({ requiredFeatures: features, requiredLimits });
  return { device, features };
}
