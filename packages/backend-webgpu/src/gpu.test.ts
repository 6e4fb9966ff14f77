import { describe, expect, it } from 'vitest';
import { DeviceError } from '@dl/tensor';
import { gpuUnavailableError, loadNodeGpu } from './gpu.js';

const nodeMissing = () => {
  const at = '/app/node_modules/@dl/backend-webgpu/dist/gpu.js';
  const e = new Error(`Cannot find package 'webgpu' imported from ${at}`) as Error & { code: string };
  e.code = 'ERR_MODULE_NOT_FOUND';
  return e;
};

describe('webgpu (Dawn) as an optional peer (Note [Dawn, an optional peer])', () => {
  it('a missing "webgpu" package (Node or vite wording) is reported as missing', async () => {
    expect(await loadNodeGpu(() => Promise.reject(nodeMissing()))).toEqual({ kind: 'missing' });
    const vite = new Error('Failed to load url webgpu (resolved id: webgpu). Does the file exist?');
    expect(await loadNodeGpu(() => Promise.reject(vite))).toEqual({ kind: 'missing' });
  });

  it('an installed package whose native part fails to load is "failed", with the cause', async () => {
    const dlopen = new Error('libvulkan.so.1: cannot open shared object file: No such file or directory');
    expect(await loadNodeGpu(() => Promise.reject(dlopen))).toEqual({ kind: 'failed', error: dlopen });
    // A missing file inside the package is not the package missing.
    const binary = '/app/node_modules/webgpu/dist/linux-x64.dawn.node';
    const inner = Object.assign(new Error(`Cannot find module '${binary}'`), { code: 'MODULE_NOT_FOUND' });
    expect(await loadNodeGpu(() => Promise.reject(inner))).toMatchObject({ kind: 'failed', error: inner });
    const throwing = {
      globals: {},
      create: () => {
        throw dlopen;
      },
    };
    expect(await loadNodeGpu(() => Promise.resolve(throwing))).toEqual({ kind: 'failed', error: dlopen });
  });

  it('loads Dawn through the importer and installs its globals only where missing', async () => {
    const gpu = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
    const key = '__dlTestDawnGlobal';
    let asked = '';
    const r = await loadNodeGpu((s) => {
      asked = s;
      return Promise.resolve({ globals: { [key]: 7, Object: 'not replaced' }, create: () => gpu });
    });
    expect(asked).toBe('webgpu');
    expect(r).toEqual({ gpu });
    expect((globalThis as Record<string, unknown>)[key]).toBe(7);
    expect(globalThis.Object).not.toBe('not replaced');
    delete (globalThis as Record<string, unknown>)[key];
  });

  it('Node without the package: a DeviceError telling npm users to `npm install webgpu`', () => {
    const e = gpuUnavailableError({ kind: 'missing' }, true);
    expect(e).toBeInstanceOf(DeviceError);
    expect(e.op).toBe('initBackend');
    expect(e.message).toMatch(/neither navigator\.gpu nor the optional peer package "webgpu"/);
    expect(e.hint).toContain('npm install webgpu');
    expect(e.message).not.toMatch(/scripts\/|setup-webgpu|apps\//);
  });

  it('Node with a package that failed to load: the cause and the driver to install', () => {
    const e = gpuUnavailableError({ kind: 'failed', error: new Error('libvulkan.so.1: cannot open\nstack') }, true);
    expect(e.message).toContain('installed but failed to load: libvulkan.so.1: cannot open');
    expect(e.message).not.toContain('stack');
    expect(e.hint).toMatch(/mesa-vulkan-drivers/);
  });

  it('a browser without navigator.gpu: no word about the Node package', () => {
    const e = gpuUnavailableError(null, false);
    expect(e.message).toMatch(/browser has no WebGPU/);
    expect(e.hint).not.toContain('npm install webgpu');
    expect(e.hint).toContain('@dl/backend-cpu');
  });
});
