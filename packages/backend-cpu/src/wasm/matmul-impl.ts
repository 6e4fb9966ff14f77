/**
 * The wasm SGEMM as a `MatmulImpl` of the cpu backend (see `CpuBackend.matmulImpls`):
 * batched `a [B,M,K] @ b [B,K,N] -> out [B,M,N]` on strided float32 views; declines
 * (returns false) for other dtypes and for products too small to pay for packing,
 * so the reference kernel handles those.
 *
 * @example
 * import { cpuBackend } from '@dl/backend-cpu';
 * cpuBackend.matmulImpls.push(wasmMatmul);
 */
import type { TensorView } from '@dl/tensor/backend';
import type { FastPaths, MatmulImpl } from '../backend.js';
import { castFast, compareFast, sumLeadingFast } from '../kernels/fast-elementwise.js';
import { conv2dBackwardInputWasm, conv2dBackwardWeightWasm, conv2dWasm } from './conv2d.js';
import { binaryWasm, sumWasm, unaryWasm } from './elementwise.js';
import { sgemmBatched } from './gemm.js';
import { batchNormFast } from '../kernels/batch-norm.js';
import { normPlaneKernels } from './norm-kernels.js';
import { softmaxFast } from '../kernels/softmax.js';
import { softmaxRowKernels } from './softmax-kernels.js';
import { optimizerStepWasm } from './optim.js';
import { sumLeadingWasm } from './sum-leading.js';
import { sumOuterWasm } from './sum-outer.js';
import { fillWasm } from './fill.js';
import { thresholdBackwardWasm } from './threshold-backward.js';
import { avgPool2dBackwardWasm, avgPool2dWasm, maxPool2dBackwardWasm, maxPool2dWasm, maxPool2x2Wasm } from './pool-kernels.js';
import { avgPool2dFast, maxPool2dFast } from '../kernels/pool-fast.js';

/** Work (M*N*K) below which `wasmMatmul` declines. */
export const wasmMatmulMinWork = { value: 4096 };

export function wasmMatmul(a: TensorView, b: TensorView, out: TensorView): boolean {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || out.dtype !== 'float32') return false;
  const A = (a.buffer as { data?: unknown }).data ?? a.buffer;
  const B = (b.buffer as { data?: unknown }).data ?? b.buffer;
  const C = (out.buffer as { data?: unknown }).data ?? out.buffer;
  if (!(A instanceof Float32Array && B instanceof Float32Array && C instanceof Float32Array)) return false;
  if (a.shape.length !== 3 || b.shape.length !== 3 || out.shape.length !== 3) return false;
  const [batch, M, K] = a.shape as [number, number, number];
  const N = b.shape[2]!;
  if (M * N * K < wasmMatmulMinWork.value) return false;
  const [as0, as1, as2] = a.strides as [number, number, number];
  const [bs0, bs1, bs2] = b.strides as [number, number, number];
  const [os0, os1, os2] = out.strides as [number, number, number];
  // a batch of 1 may carry any batch stride
  sgemmBatched(
    batch,
    M,
    N,
    K,
    A,
    a.offset,
    batch > 1 ? as0 : 0,
    as1,
    as2,
    B,
    b.offset,
    batch > 1 ? bs0 : 0,
    bs1,
    bs2,
    C,
    out.offset,
    batch > 1 ? os0 : 0,
    os1,
    false,
    os2,
  );
  return true;
}

/**
 * Register the fast kernels with a cpu backend instance: the wasm GEMM on its `matmulImpls`
 * seam, and on its `fast` seam the wasm SIMD elementwise/sum loops, the wasm conv2d
 * (forward and both backward passes) and the plain-JS fast paths of `kernels/fast-*.ts`.
 */
export function installWasmKernels(backend: { matmulImpls: MatmulImpl[]; fast?: FastPaths }): void {
  if (!backend.matmulImpls.includes(wasmMatmul)) backend.matmulImpls.unshift(wasmMatmul);
  const fast = backend.fast;
  if (!fast) return;
  fast.unary = unaryWasm;
  fast.binary = binaryWasm;
  fast.copy = castFast;
  fast.fill = fillWasm;
  fast.compare = compareFast;
  fast.reduce = (op, x, axes, out) =>
    sumWasm(op, x, axes, out) || sumLeadingWasm(op, x, axes, out) || sumOuterWasm(op, x, axes, out) || sumLeadingFast(op, x, axes, out);
  fast.conv2d = conv2dWasm;
  fast.conv2dBackwardInput = conv2dBackwardInputWasm;
  fast.conv2dBackwardWeight = conv2dBackwardWeightWasm;
  fast.optimizerStep = optimizerStepWasm;
  fast.thresholdBackward = thresholdBackwardWasm;
  fast.maxPool2d = (x, out, indices, p) =>
    maxPool2x2Wasm(x, out, indices, p) || maxPool2dWasm(x, out, indices, p) || maxPool2dFast(x, out, indices, p);
  fast.maxPool2dBackward = (g, indices, gradIn) => maxPool2dBackwardWasm(g, indices, gradIn);
  fast.avgPool2d = (x, out, p) => avgPool2dWasm(x, out, p) || avgPool2dFast(x, out, p);
  fast.avgPool2dBackward = avgPool2dBackwardWasm;
  batchNormFast.planes = normPlaneKernels();
  softmaxFast.rows = softmaxRowKernels();
}
