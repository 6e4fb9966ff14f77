import { hostArray, type DType, type HostArray } from '@dl/tensor';
import {
  philoxFill,
  type Backend,
  type BinaryOp,
  type CompareOp,
  type Conv2dParams,
  type OptimizerStep,
  type OptimizerSteps,
  type Pool2dParams,
  type RandomDist,
  type ReduceOp,
  type TensorView,
  type UnaryOp,
} from '@dl/tensor/backend';
import { BufferPool, type CpuBuffer } from './buffer.js';
import * as ew from './kernels/elementwise.js';
import { reduce, cumsum } from './kernels/reduce.js';
import { matmulRef } from './kernels/matmul.js';
import { gather, indexSelect, scatter, sort } from './kernels/indexing.js';
import { numel } from './strided.js';
import * as convK from './kernels/conv.js';
import { softmaxBackwardKernel, softmaxForward } from './kernels/softmax.js';
import { batchNormBackwardKernel, batchNormForward } from './kernels/batch-norm.js';
import { layerNormBackwardKernel, layerNormForward } from './kernels/layer-norm.js';
import { nllLossBackwardKernel, nllLossForward } from './kernels/nll-loss.js';
import * as poolBwd from './kernels/pool-backward.js';
import { thresholdBackward } from './kernels/threshold-backward.js';

/**
 * A matmul implementation the backend can route to (the WASM SIMD kernels plug in here).
 * Returns false to decline (dtype, size), and the reference kernel runs.
 */
export type MatmulImpl = (a: TensorView, b: TensorView, out: TensorView) => boolean;

/**
 * Optional fast paths (WASM SIMD, `kernels/fast-*.ts`) the backend tries before its
 * reference kernels; each returns false to decline and the reference kernel runs.
 */
export interface FastPaths {
  unary?: (op: UnaryOp, x: TensorView, out: TensorView) => boolean;
  binary?: (op: BinaryOp, a: TensorView, b: TensorView, out: TensorView) => boolean;
  copy?: (src: TensorView, dst: TensorView) => boolean;
  fill?: (dst: TensorView, value: number) => boolean;
  compare?: (op: CompareOp, a: TensorView, b: TensorView, out: TensorView) => boolean;
  reduce?: (op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView) => boolean;
  conv2d?: (x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams) => boolean;
  conv2dBackwardInput?: (g: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams) => boolean;
  conv2dBackwardWeight?: (g: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams) => boolean;
  optimizerStep?: (
    step: OptimizerStep,
    steps: OptimizerSteps,
    params: TensorView[],
    grads: TensorView[],
    states: TensorView[][],
  ) => boolean;
  thresholdBackward?: (grad: TensorView, output: TensorView, out: TensorView, threshold: number) => boolean;
  maxPool2d?: (x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams) => boolean;
  maxPool2dBackward?: (grad: TensorView, indices: TensorView, gradIn: TensorView, p: Pool2dParams) => boolean;
  avgPool2d?: (x: TensorView, out: TensorView, p: Pool2dParams) => boolean;
  avgPool2dBackward?: (grad: TensorView, gradIn: TensorView, p: Pool2dParams) => boolean;
}

/**
 * The cpu backend: every kernel over strided typed arrays, synchronously.
 *
 * @example
 * import '@dl/backend-cpu'; // registers it as 'cpu'
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  /** The contract version this backend was written against (its own literal, so the registry's check can fail). */
  readonly specVersion = '1.0.0';
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];
  readonly capabilities = { stridedOutput: true, syncRead: true };
  readonly pool = new BufferPool();
  /** Fast matmul paths tried in order before the reference kernel. */
  readonly matmulImpls: MatmulImpl[] = [];
  /** Fast paths tried before the reference kernels (see {@link FastPaths}). */
  readonly fast: FastPaths = {};

  allocate(dtype: DType, n: number): CpuBuffer {
    return this.pool.allocate(dtype, n);
  }
  free(buffer: unknown): void {
    const b = buffer as CpuBuffer;
    this.pool.release(b, dtypeOf(b));
  }
  write(buffer: unknown, _dtype: DType, data: HostArray, offset: number): void {
    (buffer as CpuBuffer).set(data, offset);
  }
  async read(buffer: unknown, dtype: DType, offset: number, n: number): Promise<HostArray> {
    return this.readSync(buffer, dtype, offset, n);
  }
  readSync(buffer: unknown, dtype: DType, offset: number, n: number): HostArray {
    const out = hostArray(dtype, n);
    out.set((buffer as CpuBuffer).subarray(offset, offset + n));
    return out;
  }
  /** Bring a spilled buffer back into the pool (the wasm heap for float32): a kernel needs it again. */
  adopt(buffer: unknown, dtype: DType): CpuBuffer {
    const src = buffer as CpuBuffer;
    const b = this.pool.allocate(dtype, src.length);
    b.set(src as never);
    return b;
  }
  /** Hand a buffer to the garbage collector (Note [Storage ownership] in @dl/tensor). */
  spill(buffer: unknown): CpuBuffer {
    return this.pool.spill(buffer as CpuBuffer);
  }
  hostView(buffer: unknown): HostArray {
    return buffer as CpuBuffer;
  }
  wrapHost(data: HostArray): CpuBuffer {
    return data;
  }
  memoryInfo() {
    return { bytesInUse: this.pool.inUseBytes, bytesPooled: this.pool.pooledBytes, buffers: this.pool.buffers };
  }
  async sync(): Promise<void> {}

  unary(op: UnaryOp, x: TensorView, out: TensorView): void {
    if (!this.fast.unary?.(op, x, out)) ew.unary(op, x, out);
  }
  binary(op: BinaryOp, a: TensorView, b: TensorView, out: TensorView): void {
    if (!this.fast.binary?.(op, a, b, out)) ew.binary(op, a, b, out);
  }
  compare(op: CompareOp, a: TensorView, b: TensorView, out: TensorView): void {
    if (!this.fast.compare?.(op, a, b, out)) ew.compare(op, a, b, out);
  }
  where = ew.where;
  copy(src: TensorView, dst: TensorView): void {
    if (!this.fast.copy?.(src, dst)) ew.copy(src, dst);
  }
  fill(dst: TensorView, value: number): void {
    if (!this.fast.fill?.(dst, value)) ew.fill(dst, value);
  }
  clamp = ew.clamp;
  reduce(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): void {
    if (!this.fast.reduce?.(op, x, axes, out)) reduce(op, x, axes, out);
  }
  cumsum = cumsum;
  gather = gather;
  scatter = scatter;
  indexSelect = indexSelect;
  sort = sort;

  matmul(a: TensorView, b: TensorView, out: TensorView): void {
    for (const impl of this.matmulImpls) if (impl(a, b, out)) return;
    matmulRef(a, b, out);
  }

  // Fused conv/pool kernels (im2col + this.matmul, so the fast GEMM runs underneath).
  private readonly convEnv: convK.ConvEnv = {
    matmul: (a, b, out) => this.matmul(a, b, out),
    allocate: (dtype, n) => this.pool.allocate(dtype, n),
    free: (buf, dtype) => this.pool.release(buf, dtype),
  };
  conv2d(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void {
    if (!this.fast.conv2d?.(x, w, bias, out, p)) convK.conv2d(this.convEnv, x, w, bias, out, p);
  }
  conv2dBackwardInput(g: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): void {
    if (!this.fast.conv2dBackwardInput?.(g, w, gradIn, p)) convK.conv2dBackwardInput(this.convEnv, g, w, gradIn, p);
  }
  conv2dBackwardWeight(g: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): void {
    if (!this.fast.conv2dBackwardWeight?.(g, x, gradW, p)) convK.conv2dBackwardWeight(this.convEnv, g, x, gradW, p);
  }
  maxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void {
    if (!this.fast.maxPool2d?.(x, out, indices, p)) convK.maxPool2d(x, out, indices, p);
  }
  avgPool2d(x: TensorView, out: TensorView, p: Pool2dParams): void {
    if (!this.fast.avgPool2d?.(x, out, p)) convK.avgPool2d(x, out, p);
  }
  maxPool2dBackward(grad: TensorView, indices: TensorView, gradIn: TensorView, p: Pool2dParams): void {
    if (!this.fast.maxPool2dBackward?.(grad, indices, gradIn, p)) poolBwd.maxPool2dBackward(grad, indices, gradIn, p);
  }
  avgPool2dBackward(grad: TensorView, gradIn: TensorView, p: Pool2dParams): void {
    if (!this.fast.avgPool2dBackward?.(grad, gradIn, p)) poolBwd.avgPool2dBackward(grad, gradIn, p);
  }
  /** relu's backward in one pass (Note [ReLU backward as one kernel] in @dl/tensor). */
  thresholdBackward(grad: TensorView, output: TensorView, out: TensorView, threshold: number): void {
    if (!this.fast.thresholdBackward?.(grad, output, out, threshold)) thresholdBackward(grad, output, out, threshold);
  }

  /** Fused softmax / logSoftmax and batch norm (Note [Fused softmax], Note [Fused batch norm]). */
  softmax = softmaxForward;
  softmaxBackward = softmaxBackwardKernel;
  batchNorm = batchNormForward;
  batchNormBackward = batchNormBackwardKernel;
  layerNorm = layerNormForward;
  layerNormBackward = layerNormBackwardKernel;
  nllLoss = nllLossForward;
  nllLossBackward = nllLossBackwardKernel;

  /** The multi-tensor optimizer step (Note [Fused optimizer step] in @dl/tensor): false without the wasm loops. */
  optimizerStep(step: OptimizerStep, steps: OptimizerSteps, params: TensorView[], grads: TensorView[], states: TensorView[][]): boolean {
    return this.fast.optimizerStep?.(step, steps, params, grads, states) ?? false;
  }

  random(out: TensorView, dist: RandomDist, key: readonly [number, number], offset: number): void {
    const o = out.buffer as CpuBuffer;
    const n = numel(out);
    const target = o.subarray(out.offset, out.offset + n);
    if (target instanceof Float32Array || target instanceof Float64Array) philoxFill(target, dist, key, offset);
    else {
      const tmp = new Float64Array(n);
      philoxFill(tmp, dist, key, offset);
      target.set(tmp);
    }
  }
}

function dtypeOf(b: CpuBuffer): DType {
  if (b instanceof Float32Array) return 'float32';
  if (b instanceof Float64Array) return 'float64';
  if (b instanceof Int32Array) return 'int32';
  return 'uint8';
}
