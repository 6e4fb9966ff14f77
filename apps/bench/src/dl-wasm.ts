/**
 * Loads dl's wasm kernels. Prefers the package export `@dl/backend-cpu/wasm` (once the
 * package exposes it); until then it reads the kernels from the workspace sources.
 */
type WasmKernels = typeof import('../../../packages/backend-cpu/src/wasm/index.js');

export async function loadWasmKernels(): Promise<WasmKernels> {
  const spec = '@dl/backend-cpu/wasm';
  try {
    return (await import(spec)) as WasmKernels;
  } catch {
    return await import('../../../packages/backend-cpu/src/wasm/index.js');
  }
}
