/**
 * @dl/backend-cpu — the cpu device. Importing this package registers `'cpu'` (the default
 * device) with @dl/tensor.
 *
 * @packageDocumentation
 *
 * @example
 * import * as dl from '@dl/tensor';
 * import '@dl/backend-cpu';
 * dl.ones(2, 2).add(1).toString(); // 'tensor([[2., 2.],\n        [2., 2.]])'
 */
import { registerBackend } from '@dl/tensor/backend';
import { CpuBackend } from './backend.js';
import { installWasmKernels } from './wasm/index.js';
import { warnIfNodeTooOld } from './node-version.js';
import { installHalfKernels } from './half-kernels.js';

// Note [Node 20.16 and process.getBuiltinModule]: say once when Node is too old to run dl fully.
warnIfNodeTooOld();

/** The registered cpu backend instance. */
export const cpuBackend = new CpuBackend();
// float32 GEMM on WebAssembly SIMD (+ worker threads) under the reference kernels.
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
if (typeof WebAssembly === 'object' && env?.DL_CPU_WASM !== '0') installWasmKernels(cpuBackend);
installHalfKernels(cpuBackend); // Note [float16 compute]
registerBackend(cpuBackend);

export { CpuBackend, type MatmulImpl, type FastPaths } from './backend.js';
export type { BufferPool } from './buffer.js';
export { setNumThreads, getNumThreads, gemmInfo, relaxedSimdSupported, warmupThreads } from './wasm/index.js';
