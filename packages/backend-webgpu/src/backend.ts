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
  VarMeanParams,
} from '@dl/tensor/backend';
import { acquireDevice, type AcquireOptions } from './gpu.js';
import { Runtime, type GpuBuf } from './runtime.js';
import * as ew from './kernels/elementwise.js';
import { reduce } from './kernels/reduce.js';
import { matmul } from './kernels/matmul.js';
import { addmmVec4, warmMatmul } from './kernels/matmul-vec4.js';
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
import { varMean } from './kernels/var-welford.js';
import { installHalfKernels } from './half-kernels.js';

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
  constructor() {
    installHalfKernels(this); // float16 (Note [float16 on webgpu])
  }
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
   *
   * @example
   * import { webgpu } from '@dl/backend-webgpu';
   * await dl.initBackend('webgpu'); // calls webgpu.init(); or webgpu.init({ device: myGPUDevice })
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
        return warmMatmul(this.rt); // Note [Warm pipelines]: the first step does not compile them
      },
      (e: unknown) => {
        this.initing = null;
        throw e;
      },
    );
    return this.initing;
  }

  /**
   * Run on an existing GPUDevice (replaces the current one; its tensors become invalid).
   *
   * @example
   * const adapter = await navigator.gpu.requestAdapter();
   * webgpu.useDevice(await adapter!.requestDevice()); // dl tensors on 'webgpu' now run there
   */
  useDevice(device: GPUDevice): void {
    if (this.rt && this.rt.device === device) return;
    this.rt = new Runtime(device);
    this.features = [...device.features];
    void warmMatmul(this.rt); // Note [Warm pipelines]
  }

  /**
   * Whether a device has been acquired (`init` finished or `useDevice` ran); webgpu tensors need it.
   *
   * @example
   * webgpu.ready(); // → false until await dl.initBackend('webgpu')
   */
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

  /**
   * Destroy the device (pending reads reject). A later `init()` creates a new one.
   *
   * @example
   * webgpu.destroy(); // frees the GPUDevice; await dl.initBackend('webgpu') acquires a new one
   */
  destroy(): void {
    this.rt?.destroy();
    this.rt = null;
  }

  /**
   * Destroy the pooled (free) GPU buffers.
   *
   * @example
   * webgpu.emptyCache(); // as torch.cuda.empty_cache(): dl.memory().devices.webgpu.backend.bytesPooled → 0
   */
  emptyCache(): void {
    this.rt?.pool.empty();
  }

  /**
   * A GPU storage buffer for `numel` elements (4 bytes each, reused from the pool when one fits); the dispatcher allocates every output
   * through it.
   *
   * @example
   * dl.empty([1024], { device: 'webgpu' }); // allocate('float32', 1024)
   */
  allocate(_dtype: DType, numel: number): GpuBuf {
    return this.runtime.allocate(numel);
  }
  /**
   * Returns a buffer to the pool once its storage is released; a no-op after `destroy`.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu', requiresGrad: true });
   * x.relu().sum().backward(); // the tensors the graph saved are freed here
   */
  free(buffer: unknown): void {
    this.rt?.free(buffer as GpuBuf);
  }
  /**
   * Hand a buffer to the garbage collector (Note [Async spill]): the same buffer object, whose
   * values move to host memory once the event loop turns, freeing the GPU buffer.
   *
   * @example
   * const loss = model(xb).mean();
   * loss.backward(); // a step boundary: tensors that reached user code are spilled (Note [Async spill])
   * await loss.item(); // their values land in host memory, the GPU buffers go back to the pool
   */
  spill(buffer: unknown): unknown {
    this.rt?.spill(buffer as GpuBuf);
    return buffer;
  }
  /**
   * A spilled buffer's storage was released: give back its GPU buffer if it still has one.
   *
   * @example
   * // called by the storage finalizer of a spilled tensor; nothing for user code to do
   */
  releaseSpilled(buffer: unknown): void {
    this.free(buffer);
  }
  /**
   * Uploads host values into a buffer at element `offset` (queued; ordered before later kernels).
   *
   * @example
   * dl.tensor([1, 2, 3], { device: 'webgpu' }); // write(buffer, 'float32', Float32Array [1, 2, 3], 0)
   */
  write(buffer: unknown, dtype: DType, data: HostArray, offset: number): void {
    this.runtime.write(buffer as GpuBuf, dtype, data, offset);
  }
  /**
   * Copies `numel` elements from `offset` back to the host once the queued kernels finish; the only waiting call (Note [async reads]).
   *
   * @example
   * const x = dl.randn([3], { device: 'webgpu' });
   * await x.data(); // → Float32Array(3), through read()
   */
  read(buffer: unknown, dtype: DType, offset: number, numel: number): Promise<HostArray> {
    return this.runtime.read(buffer as GpuBuf, dtype, offset, numel);
  }
  /**
   * The pool's counters: bytes held by live tensors, bytes pooled for reuse, and GPU buffers; `dl.memory()` reports them per device.
   *
   * @example
   * dl.memory().devices.webgpu.backend; // → { bytesInUse, bytesPooled, buffers }
   */
  memoryInfo(): { bytesInUse: number; bytesPooled: number; buffers: number } {
    const p = this.rt?.pool;
    return p ? { bytesInUse: p.bytesInUse, bytesPooled: p.bytesPooled, buffers: p.buffers } : { bytesInUse: 0, bytesPooled: 0, buffers: 0 };
  }
  /**
   * Resolves when every kernel queued so far has finished on the GPU (as `torch.cuda.synchronize()`).
   *
   * @example
   * const x = dl.randn([512, 512], { device: 'webgpu' });
   * const y = x.matmul(x); await webgpu.sync(); // the matmul has run
   */
  sync(): Promise<void> {
    return this.rt ? this.rt.sync() : Promise.resolve();
  }
  /** Kernel timing for the profiler: timestamp queries where the adapter has `timestamp-query`. */
  readonly timer: KernelTimer = {
    start: () => this.rt?.startTiming() ?? false,
    tag: (tag) => this.rt?.tagKernels(tag),
    stop: () => this.rt?.stopTiming() ?? Promise.resolve(new Map()),
  };

  /**
   * Elementwise unary kernel `op` (relu, exp, isnan, …) of `x` into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher
   * calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.relu(); // unary('relu', x, out)
   */
  unary(op: UnaryOp, x: TensorView, out: TensorView): void {
    ew.unary(this.runtime, op, x, out);
  }
  /**
   * Elementwise broadcasting binary kernel `op` (add, mul, pow, …) of `a`, `b` into `out`. A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.add(x); // binary('add', x, x, out)
   */
  binary(op: BinaryOp, a: TensorView, b: TensorView, out: TensorView): void {
    ew.binary(this.runtime, op, a, b, out);
  }
  /**
   * Elementwise comparison `op` (eq, lt, gt, …) of `a`, `b` into a bool `out`. A kernel entry of the Backend interface: @dl/tensor's
   * dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.gt(0); // compare('gt', x, zero, out), a bool tensor
   */
  compare(op: CompareOp, a: TensorView, b: TensorView, out: TensorView): void {
    ew.compare(this.runtime, op, a, b, out);
  }
  /**
   * `cond ? a : b` elementwise into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one
   * door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * dl.where(x.gt(0), x, dl.zerosLike(x)); // where(cond, a, b, out)
   */
  where(cond: TensorView, a: TensorView, b: TensorView, out: TensorView): void {
    ew.where(this.runtime, cond, a, b, out);
  }
  /**
   * Copies a strided view `src` into `dst` (contiguous or not). A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it
   * (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.t().contiguous(); // copy(view, out)
   */
  copy(src: TensorView, dst: TensorView): void {
    ew.copy(this.runtime, src, dst);
  }
  /**
   * Sets every element of `dst` to `value`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one
   * door]), user code calls the op.
   *
   * @example
   * dl.zeros([4, 5], { device: 'webgpu' }); // fill(out, 0)
   */
  fill(dst: TensorView, value: number): void {
    ew.fill(this.runtime, dst, value);
  }
  /**
   * Clamps `x` into [min, max] (a null bound is open) into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it
   * (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.clamp(-1, 1); // clamp(x, -1, 1, out)
   */
  clamp(x: TensorView, min: number | null, max: number | null, out: TensorView): void {
    ew.clamp(this.runtime, x, min, max, out);
  }
  /**
   * Reduction `op` (sum, max, min, prod, …) of `x` over `axes` into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher
   * calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.sum(1); // reduce('sum', x, [1], out)
   */
  reduce(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): void {
    reduce(this.runtime, op, x, axes, out);
  }
  /**
   * Batched matrix product of `a` [*, M, K] and `b` [*, K, N] into `out` [*, M, N] (tiled WGSL kernels). A kernel entry of the Backend
   * interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.matmul(x.t()); // matmul(a, b, out): [4, 4]
   */
  matmul(a: TensorView, b: TensorView, out: TensorView): void {
    matmul(this.runtime, a, b, out);
  }
  /**
   * `out = bias + a @ b` as one vec4 matmul with a bias epilogue (Note [Matmul bias epilogue]); false, having run nothing, where the
   * vec4 core does not take the operands (the op layer runs the product and an add). A fused kernel: `addmm` calls it.
   *
   * @example
   * const x = dl.randn([64, 784], { device: 'webgpu' });
   * new nn.Linear(784, 512).to('webgpu')(x); // one dispatch
   */
  addmm(bias: TensorView, a: TensorView, b: TensorView, out: TensorView): boolean {
    return addmmVec4(this.runtime, bias, a, b, out);
  }
  /**
   * Gathers `x` along `dim` at `index` into `out` (as `torch.gather`). A kernel entry of the Backend interface: @dl/tensor's dispatcher
   * calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.gather(1, dl.zeros([4, 1], { dtype: 'int32', device: 'webgpu' })); // gather(x, 1, index, out)
   */
  gather(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
    gather(this.runtime, x, dim, index, out);
  }
  /**
   * Writes (`assign`) or adds (`add`) `src` into `dst` along `dim` at `index`, in place. A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * dl.zerosLike(x).scatterAdd(1, dl.zeros([4, 5], { dtype: 'int32', device: 'webgpu' }), x); // scatter(…, 'add')
   */
  scatter(dst: TensorView, dim: number, index: TensorView, src: TensorView, mode: 'add' | 'assign'): void {
    scatter(this.runtime, dst, dim, index, src, mode);
  }
  /**
   * Selects the `index` entries of `x` along `dim` into `out` (as `torch.index_select`). A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.indexSelect(0, dl.tensor([0, 2], { dtype: 'int32', device: 'webgpu' })); // indexSelect(x, 0, index, out)
   */
  indexSelect(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
    indexSelect(this.runtime, x, dim, index, out);
  }
  /**
   * Sorts the last dim of `x` into `values` and their source `indices` (stable). A kernel entry of the Backend interface: @dl/tensor's
   * dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * const { values, indices } = x.sort(1); // sort(x, false, values, indices)
   */
  sort(x: TensorView, descending: boolean, values: TensorView, indices: TensorView): void {
    sort(this.runtime, x, descending, values, indices);
  }
  /**
   * Cumulative sum of `x` along `dim` into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note
   * [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.cumsum(1); // cumsum(x, 1, out)
   */
  cumsum(x: TensorView, dim: number, out: TensorView): void {
    cumsum(this.runtime, x, dim, out);
  }
  /**
   * Fills `out` from `dist` (uniform, normal, …) with the Philox stream at `key` and `offset`, so values match the cpu backend for the same
   * seed. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * dl.manualSeed(0);
   * dl.randn([4, 5], { device: 'webgpu' }); // random(out, normal, key, offset)
   */
  random(out: TensorView, dist: RandomDist, key: readonly [number, number], offset: number): void {
    random(this.runtime, out, dist, key, offset);
  }
  /**
   * Validate values on the device; a later read raises (Note [Device value checks] in kernels/check.ts).
   *
   * @example
   * const logp = dl.randn([2, 3], { device: 'webgpu' }).logSoftmax(1);
   * const loss = F.nllLoss(logp, dl.tensor([0, 7], { dtype: 'int32', device: 'webgpu' })); // check(target, …)
   * await loss.item(); // raises: class 7 is out of range
   */
  check(x: TensorView, c: DeviceCheck): void {
    check(this.runtime, x, c);
  }

  /**
   * 2-D convolution of `x` [N, C, H, W] with `w` (stride, padding, dilation, groups in `p`) into `out`. A kernel entry of the Backend
   * interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const img = dl.randn([1, 3, 8, 8], { device: 'webgpu' });
   * F.conv2d(img, dl.randn([4, 3, 3, 3], { device: 'webgpu' })); // conv2d(x, w, bias, out, p)
   */
  conv2d(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void {
    conv2d(this.runtime, x, w, bias, out, p);
  }
  /**
   * The input gradient of a 2-D convolution (a transposed convolution of the output gradient with `w`). A kernel entry of the Backend
   * interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const img = dl.randn([1, 3, 8, 8], { device: 'webgpu', requiresGrad: true });
   * F.conv2d(img, dl.randn([4, 3, 3, 3], { device: 'webgpu' })).sum().backward(); // conv2dBackwardInput: img.grad
   */
  conv2dBackwardInput(gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): void {
    conv2dBackwardInput(this.runtime, gradOut, w, gradIn, p);
  }
  /**
   * The weight gradient of a 2-D convolution (input × output gradient, reduced over the batch). A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const w = dl.randn([4, 3, 3, 3], { device: 'webgpu', requiresGrad: true });
   * F.conv2d(dl.randn([1, 3, 8, 8], { device: 'webgpu' }), w).sum().backward(); // conv2dBackwardWeight: w.grad
   */
  conv2dBackwardWeight(gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): void {
    conv2dBackwardWeight(this.runtime, gradOut, x, gradW, p);
  }
  /**
   * 2-D max pooling of `x` into `out` and the argmax `indices` (PyTorch's flat indices). A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * F.maxPool2d(dl.randn([1, 3, 8, 8], { device: 'webgpu' }), 2); // maxPool2d(x, out, indices, p)
   */
  maxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void {
    maxPool2d(this.runtime, x, out, indices, p);
  }
  /**
   * 2-D average pooling of `x` into `out` (padding, ceil mode, `countIncludePad`, `divisorOverride`). A kernel entry of the Backend
   * interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * F.avgPool2d(dl.randn([1, 3, 8, 8], { device: 'webgpu' }), 2); // avgPool2d(x, out, p)
   */
  avgPool2d(x: TensorView, out: TensorView, p: Pool2dParams): void {
    avgPool2d(this.runtime, x, out, p);
  }

  // Fused batch norm, relu backward and pooling backward (kernels/batch-norm.ts, threshold-backward.ts, pool2d-backward.ts).
  /**
   * Fused batch normalisation of [N, C, *] (batch or running statistics, running-stat update, affine). A kernel entry of the Backend
   * interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * F.batchNorm(dl.randn([8, 3, 4, 4], { device: 'webgpu' }), null, null, { training: true }); // batchNorm(…)
   */
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
  /**
   * Fused input, weight and bias gradients of a batch normalisation. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls
   * it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([8, 3, 4, 4], { device: 'webgpu', requiresGrad: true });
   * F.batchNorm(x, null, null, { training: true }).square().sum().backward(); // batchNormBackward: x.grad
   */
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
  /**
   * The gradient of relu/threshold: `grad` where `output > threshold`, else 0. A kernel entry of the Backend interface: @dl/tensor's
   * dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu', requiresGrad: true });
   * x.relu().sum().backward(); // thresholdBackward: x.grad
   */
  thresholdBackward(grad: TensorView, output: TensorView, out: TensorView, threshold: number): void {
    thresholdBackward(this.runtime, grad, output, out, threshold);
  }
  /**
   * Routes the output gradient to the argmax positions of a max pooling. A kernel entry of the Backend interface: @dl/tensor's dispatcher
   * calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const img = dl.randn([1, 3, 8, 8], { device: 'webgpu', requiresGrad: true });
   * F.maxPool2d(img, 2).sum().backward(); // maxPool2dBackward: img.grad
   */
  maxPool2dBackward(grad: TensorView, indices: TensorView, gradIn: TensorView, p: Pool2dParams): void {
    maxPool2dBackward(this.runtime, grad, indices, gradIn, p);
  }
  /**
   * Spreads the output gradient of an average pooling back over each window. A kernel entry of the Backend interface: @dl/tensor's
   * dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const img = dl.randn([1, 3, 8, 8], { device: 'webgpu', requiresGrad: true });
   * F.avgPool2d(img, 2).sum().backward(); // avgPool2dBackward: img.grad
   */
  avgPool2dBackward(grad: TensorView, gradIn: TensorView, p: Pool2dParams): void {
    avgPool2dBackward(this.runtime, grad, gradIn, p);
  }

  // Fused softmax, nll loss, layer norm and optimizer step (kernels/softmax.ts, nll-loss.ts, layer-norm.ts, optimizer-step.ts).
  /**
   * Fused (log-)softmax of `x` along the last dim into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it
   * (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * x.softmax(1); // softmax(x, out, { log: false, … })
   */
  softmax(x: TensorView, out: TensorView, p: SoftmaxParams): void {
    softmax(this.runtime, x, out, p);
  }
  /**
   * The gradient of a fused (log-)softmax from its output `y` and output gradient `g`. A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu', requiresGrad: true });
   * x.softmax(1).square().sum().backward(); // softmaxBackward: x.grad
   */
  softmaxBackward(y: TensorView, g: TensorView, gradIn: TensorView, p: SoftmaxParams): void {
    softmaxBackward(this.runtime, y, g, gradIn, p);
  }
  /**
   * Fused negative log-likelihood of log-probabilities at target classes (weights, ignore index, reduction). A kernel entry of the Backend
   * interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const logits = dl.randn([4, 3], { device: 'webgpu' }), target = dl.tensor([0, 2, 1, 0], { dtype: 'int32', device: 'webgpu' });
   * F.crossEntropy(logits, target); // softmax (log) then nllLoss
   */
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
  /**
   * The gradient of the fused negative log-likelihood. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note
   * [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const logits = dl.randn([4, 3], { device: 'webgpu', requiresGrad: true });
   * F.crossEntropy(logits, dl.tensor([0, 2, 1, 0], { dtype: 'int32', device: 'webgpu' })).backward(); // nllLossBackward, softmaxBackward
   */
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
  /**
   * Fused layer normalisation over the trailing dims (mean, rstd saved for the backward). A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu' });
   * F.layerNorm(x, [5]); // layerNorm(…)
   */
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
  /**
   * Fused input, weight and bias gradients of a layer normalisation. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls
   * it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn([4, 5], { device: 'webgpu', requiresGrad: true });
   * F.layerNorm(x, [5]).square().sum().backward(); // layerNormBackward: x.grad
   */
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
  /**
   * Fused var (std) and mean, one dispatch per pass (Note [Fused variance on WebGPU]). A kernel entry of the Backend interface: the
   * var, std, varMean and stdMean of `@dl/tensor` call it for float32 tensors.
   *
   * @example
   * x.var(1); // varMean(x, v, m, { outer, size, inner: 1, correction: 1, root: false })
   */
  varMean(x: TensorView, varOut: TensorView, meanOut: TensorView, p: VarMeanParams): void {
    varMean(this.runtime, x, varOut, meanOut, p);
  }
  /**
   * One dispatch per chunk of parameters (Note [Fused optimizer step on WebGPU]); false to decline.
   *
   * @example
   * const model = new nn.Linear(4, 2).to('webgpu');
   * const opt = new Adam(model.parameters(), { lr: 1e-3 });
   * model(dl.randn([8, 4], { device: 'webgpu' })).sum().backward();
   * opt.step(); // optimizerStep: one dispatch per chunk of parameters
   */
  optimizerStep(step: OptimizerStep, steps: OptimizerSteps, params: TensorView[], grads: TensorView[], states: TensorView[][]): boolean {
    return optimizerStep(this.runtime, step, steps, params, grads, states);
  }
}
