/// <reference types="@webgpu/types" />
import { StateError } from '@dl/tensor';
import type { DType, HostArray } from '@dl/tensor';
import type { KernelTimer } from '@dl/tensor/backend';
import type {
  Backend,
  BatchNormParams,
  LayerNormParams,
  NllLossParams,
  OptimizerStep,
  OptimizerSteps,
  SoftmaxParams,
  BinaryOp,
  CompareOp,
  Conv2dParams,
  DeviceCheck,
  Pool2dParams,
  RandomDist,
  ReduceOp,
  TensorView,
  UnaryOp,
} from '@dl/tensor/backend';
import { acquireDevice, type AcquireOptions } from './gpu.js';
import { Runtime, type GpuBuf } from './runtime.js';
import * as ew from './kernels/elementwise.js';
import { reduce } from './kernels/reduce.js';
import { matmul } from './kernels/matmul.js';
import { gather, indexSelect, scatter } from './kernels/indexing.js';
import { sort } from './kernels/sort.js';
import { cumsum } from './kernels/cumsum.js';
import { random } from './kernels/random.js';
import { conv2d, conv2dBackwardInput, conv2dBackwardWeight } from './kernels/conv.js';
import { avgPool2d, maxPool2d } from './kernels/pool2d.js';
import { check } from './kernels/check.js';
import { batchNorm, batchNormBackward } from './kernels/batch-norm.js';
import { avgPool2dBackward, maxPool2dBackward } from './kernels/pool2d-backward.js';
import { thresholdBackward } from './kernels/threshold-backward.js';
import { softmax, softmaxBackward } from './kernels/softmax.js';
import { nllLoss, nllLossBackward } from './kernels/nll-loss.js';
import { layerNorm, layerNormBackward } from './kernels/layer-norm.js';
import { optimizerStep } from './kernels/optimizer-step.js';

/**
 * The `webgpu` device: every primitive as a generated, cached WGSL kernel over strided
 * views, asynchronous (kernels queue; only `read` waits). See README.md.
 *
 * @example
 * import * as dl from '@dl/tensor';
 * import '@dl/backend-webgpu';
 * await dl.initBackend('webgpu');
 * const y = dl.randn([2, 3], { device: 'webgpu' }).relu();
 * console.log(await y.data());
 */
export class WebGPUBackend implements Backend {
  readonly name = 'webgpu';
  readonly specVersion = '1.1.0';
  readonly dtypes: readonly DType[] = ['float32', 'int32', 'uint8', 'bool'];
  readonly capabilities = { stridedOutput: true, syncRead: false };
  /** Optional features the device was created with. */
  features: string[] = [];
  private rt: Runtime | null = null;
  private initing: Promise<void> | null = null;

  /**
   * Acquire the adapter and device (idempotent). Pass `{ device }` to use your own GPUDevice.
   */
  init(opts: AcquireOptions = {}): Promise<void> {
    if (opts.device) {
      this.useDevice(opts.device);
      return Promise.resolve();
    }
    if (this.rt) return Promise.resolve();
    this.initing ??= acquireDevice(opts).then(
      ({ device, features }) => {
        this.rt = new Runtime(device);
        this.features = features;
        this.initing = null;
      },
      (e: unknown) => {
        this.initing = null;
        throw e;
      },
    );
    return this.initing;
  }

  /** Run on an existing GPUDevice (replaces the current one; its tensors become invalid). */
  useDevice(device: GPUDevice): void {
    if (this.rt && this.rt.device === device) return;
    this.rt = new Runtime(device);
    this.features = [...device.features];
  }

  ready(): boolean {
    return this.rt !== null;
  }

  /** The GPUDevice in use (after `init`). */
  get device(): GPUDevice {
    return this.runtime.device;
  }

  /** @internal */
  get runtime(): Runtime {
    if (!this.rt) {
      throw new StateError('webgpu: the backend is not initialised', {
        hint: "await dl.initBackend('webgpu') before creating webgpu tensors",
      });
    }
    return this.rt;
  }

  /** Destroy the device (pending reads reject). A later `init()` creates a new one. */
  destroy(): void {
    this.rt?.destroy();
    this.rt = null;
  }

  /** Destroy the pooled (free) GPU buffers. */
  emptyCache(): void {
    this.rt?.pool.empty();
  }

  allocate(_dtype: DType, numel: number): GpuBuf {
    return this.runtime.allocate(numel);
  }
  free(buffer: unknown): void {
    this.rt?.free(buffer as GpuBuf);
  }
  /**
   * Hand a buffer to the garbage collector (Note [Async spill]): the same buffer object, whose
   * values move to host memory once the event loop turns, freeing the GPU buffer.
   */
  spill(buffer: unknown): unknown {
    this.rt?.spill(buffer as GpuBuf);
    return buffer;
  }
  /** A spilled buffer's storage was released: give back its GPU buffer if it still has one. */
  releaseSpilled(buffer: unknown): void {
    this.free(buffer);
  }
  write(buffer: unknown, dtype: DType, data: HostArray, offset: number): void {
    this.runtime.write(buffer as GpuBuf, dtype, data, offset);
  }
  read(buffer: unknown, dtype: DType, offset: number, numel: number): Promise<HostArray> {
    return this.runtime.read(buffer as GpuBuf, dtype, offset, numel);
  }
  memoryInfo(): { bytesInUse: number; bytesPooled: number; buffers: number } {
    const p = this.rt?.pool;
    return p ? { bytesInUse: p.bytesInUse, bytesPooled: p.bytesPooled, buffers: p.buffers } : { bytesInUse: 0, bytesPooled: 0, buffers: 0 };
  }
  sync(): Promise<void> {
    return this.rt ? this.rt.sync() : Promise.resolve();
  }
  /** Kernel timing for the profiler: timestamp queries where the adapter has `timestamp-query`. */
  readonly timer: KernelTimer = {
    start: () => this.rt?.startTiming() ?? false,
    tag: (tag) => this.rt?.tagKernels(tag),
    stop: () => this.rt?.stopTiming() ?? Promise.resolve(new Map()),
  };

  unary(op: UnaryOp, x: TensorView, out: TensorView): void {
    ew.unary(this.runtime, op, x, out);
  }
  binary(op: BinaryOp, a: TensorView, b: TensorView, out: TensorView): void {
    ew.binary(this.runtime, op, a, b, out);
  }
  compare(op: CompareOp, a: TensorView, b: TensorView, out: TensorView): void {
    ew.compare(this.runtime, op, a, b, out);
  }
  where(cond: TensorView, a: TensorView, b: TensorView, out: TensorView): void {
    ew.where(this.runtime, cond, a, b, out);
  }
  copy(src: TensorView, dst: TensorView): void {
    ew.copy(this.runtime, src, dst);
  }
  fill(dst: TensorView, value: number): void {
    ew.fill(this.runtime, dst, value);
  }
  clamp(x: TensorView, min: number | null, max: number | null, out: TensorView): void {
    ew.clamp(this.runtime, x, min, max, out);
  }
  reduce(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): void {
    reduce(this.runtime, op, x, axes, out);
  }
  matmul(a: TensorView, b: TensorView, out: TensorView): void {
    matmul(this.runtime, a, b, out);
  }
  gather(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
    gather(this.runtime, x, dim, index, out);
  }
  scatter(dst: TensorView, dim: number, index: TensorView, src: TensorView, mode: 'add' | 'assign'): void {
    scatter(this.runtime, dst, dim, index, src, mode);
  }
  indexSelect(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
    indexSelect(this.runtime, x, dim, index, out);
  }
  sort(x: TensorView, descending: boolean, values: TensorView, indices: TensorView): void {
    sort(this.runtime, x, descending, values, indices);
  }
  cumsum(x: TensorView, dim: number, out: TensorView): void {
    cumsum(this.runtime, x, dim, out);
  }
  random(out: TensorView, dist: RandomDist, key: readonly [number, number], offset: number): void {
    random(this.runtime, out, dist, key, offset);
  }
  /** Validate values on the device; a later read raises (Note [Device value checks] in kernels/check.ts). */
  check(x: TensorView, c: DeviceCheck): void {
    check(this.runtime, x, c);
  }

  conv2d(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void {
    conv2d(this.runtime, x, w, bias, out, p);
  }
  conv2dBackwardInput(gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): void {
    conv2dBackwardInput(this.runtime, gradOut, w, gradIn, p);
  }
  conv2dBackwardWeight(gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): void {
    conv2dBackwardWeight(this.runtime, gradOut, x, gradW, p);
  }
  maxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void {
    maxPool2d(this.runtime, x, out, indices, p);
  }
  avgPool2d(x: TensorView, out: TensorView, p: Pool2dParams): void {
    avgPool2d(this.runtime, x, out, p);
  }

  // Fused batch norm, relu backward and pooling backward (kernels/batch-norm.ts, threshold-backward.ts, pool2d-backward.ts).
  batchNorm(
    x: TensorView,
    weight: TensorView | null,
    bias: TensorView | null,
    mean: TensorView,
    variance: TensorView,
    invstd: TensorView,
    out: TensorView,
    p: BatchNormParams,
  ): void {
    batchNorm(this.runtime, x, weight, bias, mean, variance, invstd, out, p);
  }
  batchNormBackward(
    g: TensorView,
    x: TensorView,
    weight: TensorView | null,
    mean: TensorView,
    invstd: TensorView,
    gradIn: TensorView | null,
    gradWeight: TensorView | null,
    gradBias: TensorView | null,
    p: BatchNormParams,
  ): void {
    batchNormBackward(this.runtime, g, x, weight, mean, invstd, gradIn, gradWeight, gradBias, p);
  }
  thresholdBackward(grad: TensorView, output: TensorView, out: TensorView, threshold: number): void {
    thresholdBackward(this.runtime, grad, output, out, threshold);
  }
  maxPool2dBackward(grad: TensorView, indices: TensorView, gradIn: TensorView, p: Pool2dParams): void {
    maxPool2dBackward(this.runtime, grad, indices, gradIn, p);
  }
  avgPool2dBackward(grad: TensorView, gradIn: TensorView, p: Pool2dParams): void {
    avgPool2dBackward(this.runtime, grad, gradIn, p);
  }

  // Fused softmax, nll loss, layer norm and optimizer step (kernels/softmax.ts, nll-loss.ts, layer-norm.ts, optimizer-step.ts).
  softmax(x: TensorView, out: TensorView, p: SoftmaxParams): void {
    softmax(this.runtime, x, out, p);
  }
  softmaxBackward(y: TensorView, g: TensorView, gradIn: TensorView, p: SoftmaxParams): void {
    softmaxBackward(this.runtime, y, g, gradIn, p);
  }
  nllLoss(
    input: TensorView,
    target: TensorView,
    weight: TensorView | null,
    out: TensorView,
    totalWeight: TensorView,
    p: NllLossParams,
  ): void {
    nllLoss(this.runtime, input, target, weight, out, totalWeight, p);
  }
  nllLossBackward(
    grad: TensorView,
    target: TensorView,
    weight: TensorView | null,
    totalWeight: TensorView,
    gradIn: TensorView,
    p: NllLossParams,
  ): void {
    nllLossBackward(this.runtime, grad, target, weight, totalWeight, gradIn, p);
  }
  layerNorm(
    x: TensorView,
    weight: TensorView | null,
    bias: TensorView | null,
    mean: TensorView,
    rstd: TensorView,
    out: TensorView,
    p: LayerNormParams,
  ): void {
    layerNorm(this.runtime, x, weight, bias, mean, rstd, out, p);
  }
  layerNormBackward(
    g: TensorView,
    x: TensorView,
    weight: TensorView | null,
    mean: TensorView,
    rstd: TensorView,
    gradIn: TensorView | null,
    gradWeight: TensorView | null,
    gradBias: TensorView | null,
    p: LayerNormParams,
  ): void {
    layerNormBackward(this.runtime, g, x, weight, mean, rstd, gradIn, gradWeight, gradBias, p);
  }
  /** One dispatch per chunk of parameters (Note [Fused optimizer step on WebGPU]); false to decline. */
  optimizerStep(step: OptimizerStep, steps: OptimizerSteps, params: TensorView[], grads: TensorView[], states: TensorView[][]): boolean {
    return optimizerStep(this.runtime, step, steps, params, grads, states);
  }
}
