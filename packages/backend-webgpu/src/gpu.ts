/// <reference types="@webgpu/types" />
import { DeviceError } from '@dl/tensor';

/** Options of {@link WebGPUBackend.init} (how the backend gets its `GPUDevice`). */
export interface AcquireOptions {
  /** Use this device instead of requesting one. */
  device?: GPUDevice;
  /** A `GPU` object (default: `navigator.gpu` in browsers, the npm `webgpu` package in Node). */
  gpu?: GPU;
  powerPreference?: GPUPowerPreference;
}

// Typed as strings: older @webgpu/types (pulled in by some consumers' dependencies) lack 'subgroups'.
const OPTIONAL_FEATURES = ['shader-f16', 'subgroups', 'timestamp-query'] as unknown as GPUFeatureName[];

/*
 * Note [Dawn, an optional peer]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * Browsers give `navigator.gpu`; Node has none, and Dawn's Node bindings (the npm `webgpu`
 * package, native binaries for five platforms) fill in. Browser users must not download them, so
 * `webgpu` is an optional peer of @dl/backend-webgpu, imported only on the Node path through a
 * specifier held in a variable (bundlers do not follow it, and the browser path never runs it).
 * When it is missing, or installed but Dawn fails to load (no Vulkan/Metal/D3D12 driver, an
 * unsupported platform), `initBackend('webgpu')` raises a DeviceError saying which, and what to
 * install.
 */

/** Why Node has no `GPU`: the `webgpu` package is absent, or present but failed to load. */
export type NodeGpuProblem = { kind: 'missing' } | { kind: 'failed'; error: unknown };

/** A module loader (the dynamic `import` by default; tests pass fakes). */
export type ModuleImporter = (specifier: string) => Promise<unknown>;

interface DawnModule {
  create: (opts: string[]) => GPU;
  globals: Record<string, unknown>;
}

let nodeGpu: GPU | null = null;
let nodeProblem: NodeGpuProblem | null = null;

const isNode = (): boolean => typeof process !== 'undefined' && !!process.versions?.node;

/** Is `e` the import of the `webgpu` package itself failing because it is not installed? */
function isMissingPackage(e: unknown, name: string): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  const code = (e as { code?: unknown } | null)?.code;
  const quoted = new RegExp(`["'\`]${name}["'\`]`);
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && quoted.test(msg)) return true;
  // Vite / vitest's module runner word it their own way.
  return new RegExp(`(Cannot find (package|module)|Failed to (load url|resolve import)) ["'\`]?${name}["'\`]?(\\s|$)`).test(msg);
}

/**
 * Load Dawn from the npm `webgpu` package (Note [Dawn, an optional peer]) and install its
 * WebGPU globals (`GPUBufferUsage`…) where missing; the problem instead when it cannot.
 *
 * @example
 * const r = await loadNodeGpu();
 * if ('gpu' in r) console.log(await r.gpu.requestAdapter());
 */
export async function loadNodeGpu(
  importer: ModuleImporter = (specifier) => import(/* @vite-ignore */ specifier),
): Promise<{ gpu: GPU } | NodeGpuProblem> {
  const name = 'webgpu';
  let mod: DawnModule;
  try {
    mod = (await importer(name)) as DawnModule;
  } catch (error) {
    return isMissingPackage(error, name) ? { kind: 'missing' } : { kind: 'failed', error };
  }
  try {
    for (const [k, v] of Object.entries(mod.globals)) {
      if (!(k in globalThis)) (globalThis as Record<string, unknown>)[k] = v;
    }
    return { gpu: mod.create([]) };
  } catch (error) {
    return { kind: 'failed', error };
  }
}

/** `navigator.gpu`, or Dawn from the npm `webgpu` package under Node (null when neither). */
export async function findGpu(): Promise<GPU | null> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (nodeGpu) return nodeGpu;
  if (!isNode()) return null;
  const r = await loadNodeGpu();
  if ('gpu' in r) {
    nodeGpu = r.gpu;
    nodeProblem = null;
    return nodeGpu;
  }
  nodeProblem = r;
  return null;
}

/**
 * The DeviceError `initBackend('webgpu')` raises when there is no `GPU` object: in Node, say
 * whether the optional `webgpu` package is missing or failed to load; in a browser, that it lacks
 * WebGPU.
 *
 * @example
 * throw gpuUnavailableError({ kind: 'missing' }, true);
 */
export function gpuUnavailableError(problem: NodeGpuProblem | null, inNode: boolean): DeviceError {
  const op = 'initBackend';
  if (!inNode) {
    return new DeviceError('webgpu: this browser has no WebGPU (navigator.gpu is undefined)', {
      op,
      hint:
        'use a browser with WebGPU enabled (a secure https:// or localhost page; Chrome/Edge 113+, Safari 26+, Firefox 141+), ' +
        'or the cpu backend: `import "@dl/backend-cpu"`',
    });
  }
  if (problem?.kind === 'failed') {
    const why = problem.error instanceof Error ? problem.error.message : String(problem.error);
    return new DeviceError(`webgpu: the "webgpu" package (Dawn) is installed but failed to load: ${why.split('\n')[0]}`, {
      op,
      hint:
        'Dawn needs a Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver; on Linux without a GPU install a software ' +
        'Vulkan driver (Debian/Ubuntu: `apt install mesa-vulkan-drivers`) and, if it is not found, ' +
        'point VK_ICD_FILENAMES at its lvp_icd json',
    });
  }
  const msg =
    'webgpu: Node has no WebGPU: neither navigator.gpu nor the optional peer package "webgpu" (Dawn\'s Node bindings) is available';
  return new DeviceError(msg, {
    op,
    hint:
      'run `npm install webgpu` next to @dl/backend-webgpu (it is an optional peer, so browser bundles never download it), ' +
      'or use the cpu backend: `import "@dl/backend-cpu"`',
  });
}

/**
 * Get a GPUDevice: the given one, or a new one from the best adapter with the adapter's
 * limits and the optional features it has (`shader-f16`, `subgroups`, `timestamp-query`).
 *
 * @example
 * const { device } = await acquireDevice({ powerPreference: 'high-performance' });
 */
export async function acquireDevice(opts: AcquireOptions = {}): Promise<{ device: GPUDevice; features: string[] }> {
  if (opts.device) return { device: opts.device, features: [...opts.device.features] };
  const gpu = opts.gpu ?? (await findGpu());
  if (!gpu) throw gpuUnavailableError(nodeProblem, isNode());
  const adapter = await gpu.requestAdapter(opts.powerPreference ? { powerPreference: opts.powerPreference } : {});
  if (!adapter) {
    const inNode = isNode();
    throw new DeviceError('webgpu: no GPU adapter found', {
      op: 'initBackend',
      hint: inNode
        ? 'Dawn found no Vulkan/Metal/D3D12 adapter; on Linux without a GPU install a software Vulkan driver ' +
          '(Debian/Ubuntu: `apt install mesa-vulkan-drivers`) and, if it is not found, point VK_ICD_FILENAMES at its lvp_icd json'
        : 'the browser has WebGPU but no adapter (GPU blocklisted or absent); ' +
          'headless Chromium can use SwiftShader with --enable-unsafe-webgpu --enable-unsafe-swiftshader',
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
