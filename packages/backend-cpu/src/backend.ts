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

  /**
   * A pooled typed array for `n` elements of `dtype` (float32 on the wasm heap, so the wasm kernels read it in place); the dispatcher
   * allocates every output through it.
   *
   * @example
   * dl.empty(1024); // allocate('float32', 1024)
   */
  allocate(dtype: DType, n: number): CpuBuffer {
    return this.pool.allocate(dtype, n);
  }
  /**
   * Returns a buffer to the pool once its storage is released.
   *
   * @example
   * const x = dl.randn([4, 5], { requiresGrad: true });
   * x.relu().sum().backward(); // the tensors the graph saved are freed here
   */
  free(buffer: unknown): void {
    const b = buffer as CpuBuffer;
    this.pool.release(b, dtypeOf(b));
  }
  /**
   * Copies host values into a buffer at element `offset`.
   *
   * @example
   * dl.tensor([1, 2, 3]); // write(buffer, 'float32', Float32Array [1, 2, 3], 0)
   */
  write(buffer: unknown, _dtype: DType, data: HostArray, offset: number): void {
    (buffer as CpuBuffer).set(data, offset);
  }
  /**
   * The same as `readSync`, as a promise (the Backend contract's asynchronous read).
   *
   * @example
   * await dl.randn(3).sum().item(); // read(), then readSync()
   */
  async read(buffer: unknown, dtype: DType, offset: number, n: number): Promise<HostArray> {
    return this.readSync(buffer, dtype, offset, n);
  }
  /**
   * A copy of `n` elements from `offset` (cpu reads synchronously: `capabilities.syncRead`).
   *
   * @example
   * dl.randn(3).sum().itemSync(); // readSync()
   */
  readSync(buffer: unknown, dtype: DType, offset: number, n: number): HostArray {
    const out = hostArray(dtype, n);
    out.set((buffer as CpuBuffer).subarray(offset, offset + n));
    return out;
  }
  /**
   * Bring a spilled buffer back into the pool (the wasm heap for float32): a kernel needs it again.
   *
   * @example
   * const x = dl.randn(1, 3, 8, 8), w = dl.randn([4, 3, 3, 3], { requiresGrad: true });
   * F.conv2d(x, w).sum().backward(); // a step boundary: x is spilled
   * F.maxPool2d(x, 2); // adopt: x's values go back into the pool for the wasm kernel
   */
  adopt(buffer: unknown, dtype: DType): CpuBuffer {
    const src = buffer as CpuBuffer;
    const b = this.pool.allocate(dtype, src.length);
    b.set(src as never);
    return b;
  }
  /**
   * Hand a buffer to the garbage collector (Note [Storage ownership] in @dl/tensor).
   *
   * @example
   * const x = dl.randn(1000);
   * const a = x.numpy(); // spill(), then hostView(): a shares x's memory
   */
  spill(buffer: unknown): CpuBuffer {
    return this.pool.spill(buffer as CpuBuffer);
  }
  /**
   * The typed array holding a buffer's elements, without copying (`t.numpy()` shares it, as `torch.Tensor.numpy`).
   *
   * @example
   * const x = dl.randn(3);
   * const a = x.numpy(); // a Float32Array over x's memory
   */
  hostView(buffer: unknown): HostArray {
    return buffer as CpuBuffer;
  }
  /**
   * Uses a host typed array as a buffer without copying, as `torch.from_numpy`.
   *
   * @example
   * const data = new Float32Array([1, 2]);
   * const t = dl.fromArray(data, [2]); // wrapHost(data): t shares data's memory
   */
  wrapHost(data: HostArray): CpuBuffer {
    return data;
  }
  /**
   * The pool's counters: bytes held by live tensors, bytes pooled for reuse, and buffers; `dl.memory()` reports them per device.
   *
   * @example
   * dl.memory().devices.cpu.backend; // → { bytesInUse, bytesPooled, buffers }
   */
  memoryInfo() {
    return { bytesInUse: this.pool.inUseBytes, bytesPooled: this.pool.pooledBytes, buffers: this.pool.buffers };
  }
  /**
   * Resolves at once: cpu kernels run synchronously (the Backend contract's `sync`).
   *
   * @example
   * import { cpuBackend } from '@dl/backend-cpu';
   * await cpuBackend.sync(); // nothing is ever queued on cpu
   */
  async sync(): Promise<void> {}

  /**
   * Elementwise unary kernel `op` (relu, exp, isnan, …) of `x` into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher
   * calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.relu(); // unary('relu', x, out)
   */
  unary(op: UnaryOp, x: TensorView, out: TensorView): void {
    if (!this.fast.unary?.(op, x, out)) ew.unary(op, x, out);
  }
  /**
   * Elementwise broadcasting binary kernel `op` (add, mul, pow, …) of `a`, `b` into `out`. A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.add(x); // binary('add', x, x, out)
   */
  binary(op: BinaryOp, a: TensorView, b: TensorView, out: TensorView): void {
    if (!this.fast.binary?.(op, a, b, out)) ew.binary(op, a, b, out);
  }
  /**
   * Elementwise comparison `op` (eq, lt, gt, …) of `a`, `b` into a bool `out`. A kernel entry of the Backend interface: @dl/tensor's
   * dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.gt(0); // compare('gt', x, zero, out), a bool tensor
   */
  compare(op: CompareOp, a: TensorView, b: TensorView, out: TensorView): void {
    if (!this.fast.compare?.(op, a, b, out)) ew.compare(op, a, b, out);
  }
  /**
   * `cond ? a : b` elementwise into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one
   * door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * dl.where(x.gt(0), x, dl.zerosLike(x)); // where(cond, a, b, out)
   */
  where = ew.where;
  /**
   * Copies a strided view `src` into `dst` (contiguous or not). A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it
   * (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.t().contiguous(); // copy(view, out)
   */
  copy(src: TensorView, dst: TensorView): void {
    if (!this.fast.copy?.(src, dst)) ew.copy(src, dst);
  }
  /**
   * Sets every element of `dst` to `value`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one
   * door]), user code calls the op.
   *
   * @example
   * dl.zeros(4, 5); // fill(out, 0)
   */
  fill(dst: TensorView, value: number): void {
    if (!this.fast.fill?.(dst, value)) ew.fill(dst, value);
  }
  /**
   * Clamps `x` into [min, max] (a null bound is open) into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it
   * (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.clamp(-1, 1); // clamp(x, -1, 1, out)
   */
  clamp = ew.clamp;
  /**
   * Reduction `op` (sum, max, min, prod, …) of `x` over `axes` into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher
   * calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.sum(1); // reduce('sum', x, [1], out)
   */
  reduce(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): void {
    if (!this.fast.reduce?.(op, x, axes, out)) reduce(op, x, axes, out);
  }
  /**
   * Cumulative sum of `x` along `dim` into `out`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note
   * [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.cumsum(1); // cumsum(x, 1, out)
   */
  cumsum = cumsum;
  /**
   * Gathers `x` along `dim` at `index` into `out` (as `torch.gather`). A kernel entry of the Backend interface: @dl/tensor's dispatcher
   * calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.gather(1, dl.zeros([4, 1], { dtype: 'int64' })); // gather(x, 1, index, out)
   */
  gather = gather;
  /**
   * Writes (`assign`) or adds (`add`) `src` into `dst` along `dim` at `index`, in place. A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * dl.zerosLike(x).scatterAdd(1, dl.zeros([4, 5], { dtype: 'int64' }), x); // scatter(…, 'add')
   */
  scatter = scatter;
  /**
   * Selects the `index` entries of `x` along `dim` into `out` (as `torch.index_select`). A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.indexSelect(0, dl.tensor([0, 2], { dtype: 'int64' })); // indexSelect(x, 0, index, out)
   */
  indexSelect = indexSelect;
  /**
   * Sorts the last dim of `x` into `values` and their source `indices` (stable). A kernel entry of the Backend interface: @dl/tensor's
   * dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * const { values, indices } = x.sort(1); // sort(x, false, values, indices)
   */
  sort = sort;

  /**
   * Batched matrix product of `a` [*, M, K] and `b` [*, K, N] into `out` [*, M, N], by the wasm SGEMM for float32 (the `matmulImpls`), else
   * the reference loop. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code
   * calls the op.
   *
   * @example
   * const x = dl.randn(4, 5);
   * x.matmul(x.t()); // matmul(a, b, out): [4, 4]
   */
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
  /**
   * 2-D convolution of `x` [N, C, H, W] with `w` (stride, padding, dilation, groups in `p`) into `out`: a wasm fast path, else im2col and
   * `matmul`. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the
   * op.
   *
   * @example
   * F.conv2d(dl.randn(1, 3, 8, 8), dl.randn(4, 3, 3, 3)); // conv2d(x, w, bias, out, p)
   */
  conv2d(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void {
    if (!this.fast.conv2d?.(x, w, bias, out, p)) convK.conv2d(this.convEnv, x, w, bias, out, p);
  }
  /**
   * The input gradient of a 2-D convolution. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one
   * door]), user code calls the op.
   *
   * @example
   * const img = dl.randn([1, 3, 8, 8], { requiresGrad: true });
   * F.conv2d(img, dl.randn(4, 3, 3, 3)).sum().backward(); // conv2dBackwardInput: img.grad
   */
  conv2dBackwardInput(g: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): void {
    if (!this.fast.conv2dBackwardInput?.(g, w, gradIn, p)) convK.conv2dBackwardInput(this.convEnv, g, w, gradIn, p);
  }
  /**
   * The weight gradient of a 2-D convolution. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch:
   * one door]), user code calls the op.
   *
   * @example
   * const w = dl.randn([4, 3, 3, 3], { requiresGrad: true });
   * F.conv2d(dl.randn(1, 3, 8, 8), w).sum().backward(); // conv2dBackwardWeight: w.grad
   */
  conv2dBackwardWeight(g: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): void {
    if (!this.fast.conv2dBackwardWeight?.(g, x, gradW, p)) convK.conv2dBackwardWeight(this.convEnv, g, x, gradW, p);
  }
  /**
   * 2-D max pooling of `x` into `out` and the argmax `indices` (PyTorch's flat indices). A kernel entry of the Backend interface:
   * @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * F.maxPool2d(dl.randn(1, 3, 8, 8), 2); // maxPool2d(x, out, indices, p)
   */
  maxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void {
    if (!this.fast.maxPool2d?.(x, out, indices, p)) convK.maxPool2d(x, out, indices, p);
  }
  /**
   * 2-D average pooling of `x` into `out` (padding, ceil mode, `countIncludePad`, `divisorOverride`). A kernel entry of the Backend
   * interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * F.avgPool2d(dl.randn(1, 3, 8, 8), 2); // avgPool2d(x, out, p)
   */
  avgPool2d(x: TensorView, out: TensorView, p: Pool2dParams): void {
    if (!this.fast.avgPool2d?.(x, out, p)) convK.avgPool2d(x, out, p);
  }
  /**
   * Routes the output gradient to the argmax positions of a max pooling. A kernel entry of the Backend interface: @dl/tensor's dispatcher
   * calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const img = dl.randn([1, 3, 8, 8], { requiresGrad: true });
   * F.maxPool2d(img, 2).sum().backward(); // maxPool2dBackward: img.grad
   */
  maxPool2dBackward(grad: TensorView, indices: TensorView, gradIn: TensorView, p: Pool2dParams): void {
    if (!this.fast.maxPool2dBackward?.(grad, indices, gradIn, p)) poolBwd.maxPool2dBackward(grad, indices, gradIn, p);
  }
  /**
   * Spreads the output gradient of an average pooling back over each window. A kernel entry of the Backend interface: @dl/tensor's
   * dispatcher calls it (Note [Dispatch: one door]), user code calls the op.
   *
   * @example
   * const img = dl.randn([1, 3, 8, 8], { requiresGrad: true });
   * F.avgPool2d(img, 2).sum().backward(); // avgPool2dBackward: img.grad
   */
  avgPool2dBackward(grad: TensorView, gradIn: TensorView, p: Pool2dParams): void {
    if (!this.fast.avgPool2dBackward?.(grad, gradIn, p)) poolBwd.avgPool2dBackward(grad, gradIn, p);
  }
  /**
   * relu's backward in one pass (Note [ReLU backward as one kernel] in @dl/tensor).
   *
   * @example
   * const x = dl.randn([4, 5], { requiresGrad: true });
   * x.relu().sum().backward(); // thresholdBackward: x.grad
   */
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

  /**
   * The multi-tensor optimizer step (Note [Fused optimizer step] in @dl/tensor): false without the wasm loops.
   *
   * @example
   * const model = new nn.Linear(4, 2), opt = new Adam(model.parameters(), { lr: 1e-3 });
   * model(dl.randn(8, 4)).sum().backward();
   * opt.step(); // optimizerStep over every parameter at once
   */
  optimizerStep(step: OptimizerStep, steps: OptimizerSteps, params: TensorView[], grads: TensorView[], states: TensorView[][]): boolean {
    return this.fast.optimizerStep?.(step, steps, params, grads, states) ?? false;
  }

  /**
   * Fills `out` from `dist` (uniform, normal, …) with the Philox stream at `key` and `offset`, the same values as the webgpu backend for
   * the same seed. A kernel entry of the Backend interface: @dl/tensor's dispatcher calls it (Note [Dispatch: one door]), user code calls
   * the op.
   *
   * @example
   * dl.manualSeed(0);
   * dl.randn(4, 5); // random(out, normal, key, offset)
   */
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
