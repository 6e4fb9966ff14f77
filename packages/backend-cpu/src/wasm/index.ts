/**
 * Fast float32 kernels on WebAssembly SIMD, assembled at run time from TypeScript
 * (no toolchain, no prebuilt binary), with an optional worker-thread pool.
 *
 * @example
 * import { sgemm, setNumThreads } from './wasm/index.js';
 * setNumThreads(2);
 * sgemm(M, N, K, a, 0, K, 1, b, 0, N, 1, c, 0, N, false); // c = a @ b
 */
export { sgemm, sgemmBatched, setNumThreads, getNumThreads, gemmInfo, warmupThreads, gemmTuning } from './gemm.js';
export { wasmMatmul, wasmMatmulMinWork, installWasmKernels } from './matmul-impl.js';
export { conv2dWasm, conv2dBackwardInputWasm, conv2dBackwardWeightWasm } from './conv2d.js';
export { relaxedSimdSupported } from './assembler.js';
export { heapEnabled, setHeapEnabled, heapStats, heapPtr, heapLimit } from './heap.js';
export { binaryWasm, unaryWasm, sumWasm, binaryRow, unaryRow, sumRow, ewTuning, elementwiseWasmAvailable } from './elementwise.js';
export { optimizerStepWasm, optimizerStepWasmAvailable } from './optim.js';
export { normPlaneKernels } from './norm-kernels.js';
export { softmaxRowKernels } from './softmax-kernels.js';
