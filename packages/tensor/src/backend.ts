import type { DType, HostArray } from './dtype.js';
import type { BinaryOp, CompareOp, ReduceOp, UnaryOp } from './primitives.js';
import type { OptimizerStep, OptimizerSteps } from './optimizer-step.js';

/**
 * Version of the backend contract below. A backend states the version it implements;
 * the registry refuses a backend whose major version differs.
 */
export const specVersion = '1.1.0';

/** An opaque buffer owned by a backend. Only the backend that made it looks inside. */
export type BackendBuffer = unknown;

/**
 * A strided view handed to a kernel: element `i0, i1, …` lives at
 * `offset + Σ ik * strides[k]` (in elements of `dtype`) of `buffer`.
 * Strides may be 0 (broadcast) but never negative.
 */
export interface TensorView {
  readonly buffer: BackendBuffer;
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
}

export type { OptimizerStep, OptimizerSteps } from './optimizer-step.js';

// The kernel names: one row per primitive in primitives.ts (Note [One table per primitive]).
export type { UnaryOp, BinaryOp, CompareOp, ReduceOp } from './primitives.js';

/** Distributions the random kernel draws from. */
export type RandomDist = 'uniform' | 'normal';

/** Options of the 2-D convolution kernels (all pairs are [height, width]). */
export interface Conv2dParams {
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  groups: number;
}

/** Options of the 2-D pooling kernels. */
export interface Pool2dParams {
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  /** avg pooling only */
  countIncludePad?: boolean;
}

/** Options of the softmax kernels: along `dim` of a contiguous tensor; `log` for logSoftmax. */
export interface SoftmaxParams {
  dim: number;
  log: boolean;
}

/** Options of the batch-norm kernels: batch statistics (`training`) or the given ones. */
export interface BatchNormParams {
  training: boolean;
  eps: number;
}

/** Options of the nll-loss kernels (targets equal to `ignoreIndex` count nothing). */
export interface NllLossParams {
  ignoreIndex: number;
  reduction: 'mean' | 'sum' | 'none';
}

/** Options of the layer-norm kernels: each row is the trailing `normalizedSize` elements. */
export interface LayerNormParams {
  normalizedSize: number;
  eps: number;
}

/**
 * Options of the fused variance kernel: x is contiguous `[outer, size, inner]`, reduced over `size`
 * with torch's `correction`; `root` for std.
 */
export interface VarMeanParams {
  outer: number;
  size: number;
  inner: number;
  correction: number;
  root: boolean;
}

/**
 * Optional fused kernels. The op layer uses them when present and falls back to
 * compositions of primitives otherwise; both must give the same numbers.
 * Tensor layouts are PyTorch's (NCHW, weights [Cout, Cin/groups, KH, KW]).
 */
export interface FusedKernels {
  /** out[N,Cout,OH,OW] = conv(x[N,Cin,H,W], w) + bias[Cout]? */
  conv2d(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void;
  /** gradIn[N,Cin,H,W] from gradOut and w. */
  conv2dBackwardInput(gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): void;
  /** gradW[Cout,Cin/g,KH,KW] from gradOut and x. */
  conv2dBackwardWeight(gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): void;
  /** values and flat (h*W+w) int32 indices into each input plane, as PyTorch's max_pool2d_with_indices. */
  maxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void;
  avgPool2d(x: TensorView, out: TensorView, p: Pool2dParams): void;
  /** softmax (logSoftmax when `p.log`) of a contiguous float x along `p.dim`, into contiguous out (as torch: a row with +inf or NaN is NaN). */
  softmax(x: TensorView, out: TensorView, p: SoftmaxParams): void;
  /** gradIn from the forward's output y and its gradient g (contiguous, one shape): y·(g − Σg·y), or g − exp(y)·Σg when `p.log`. */
  softmaxBackward(y: TensorView, g: TensorView, gradIn: TensorView, p: SoftmaxParams): void;
  /**
   * Batch norm over dim 1 of a contiguous x [N, C, *] into out; weight/bias/mean/var/invstd are [C]. In training writes the batch
   * mean and biased var (float64 accumulation) into mean/var, else reads them (the running statistics); writes invstd = 1/√(var+eps).
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
  ): void;
  /** Batch norm's gradients from g and x (contiguous [N, C, *]) and the forward's mean/invstd [C]; a null output is not computed. */
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
  ): void;
  /** Layer norm over rows of the trailing `p.normalizedSize` elements of contiguous x; weight/bias of one row's size; writes out and each row's mean and rstd. */
  layerNorm(
    x: TensorView,
    weight: TensorView | null,
    bias: TensorView | null,
    mean: TensorView,
    rstd: TensorView,
    out: TensorView,
    p: LayerNormParams,
  ): void;
  /** Layer norm's gradients from g and x (contiguous) and the forward's per-row mean/rstd; a null output is not computed. */
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
  ): void;
  /** nll loss of rows [M, C] (class dim last, contiguous) at int32 targets [M]: out is [M] ('none') or 0-d; totalWeight (0-d) the counted weights. */
  nllLoss(
    input: TensorView,
    target: TensorView,
    weight: TensorView | null,
    out: TensorView,
    totalWeight: TensorView,
    p: NllLossParams,
  ): void;
  /** gradIn [M, C] of nll loss from grad ([M] for 'none', else 0-d), the targets and the forward's totalWeight. */
  nllLossBackward(
    grad: TensorView,
    target: TensorView,
    weight: TensorView | null,
    totalWeight: TensorView,
    gradIn: TensorView,
    p: NllLossParams,
  ): void;
  /**
   * A multi-tensor optimizer update in place (Note [Fused optimizer step] in ops/foreach.ts): for
   * each i, `params[i]` and `states[i]` (contiguous, the param's shape) from `grads[i]`. Returns
   * false, having written nothing, to decline (the op layer runs the per-tensor ops instead).
   */
  optimizerStep(step: OptimizerStep, steps: OptimizerSteps, params: TensorView[], grads: TensorView[], states: TensorView[][]): boolean;
  /**
   * var (std with `p.root`) and mean of contiguous float32 x seen as `[outer, size, inner]`, over `size`, into contiguous
   * varOut and meanOut of `outer·inner` elements; the values of the op layer's scaled two-pass variance (Note [Variance
   * without overflow] in ops/reduce.ts). The op layer calls it for float32 x with size > 0 only.
   */
  varMean(x: TensorView, varOut: TensorView, meanOut: TensorView, p: VarMeanParams): void;
  /**
   * `out = bias + a @ b` in one kernel (addmm, what nn.Linear runs): `a` [1, n, k], `b` [1, k, m], `out` [1, n, m] contiguous,
   * `bias` a view broadcast to [n, m] (strides 0 where it broadcasts); one dtype. Must equal the product rounded to the dtype
   * and then the add. Returns false, having written nothing, to decline (the op layer runs matmul then add).
   */
  addmm(bias: TensorView, a: TensorView, b: TensorView, out: TensorView): boolean;
  /** torch's threshold_backward: out = output <= threshold ? 0 : grad (a NaN output passes grad); one shape. */
  thresholdBackward(grad: TensorView, output: TensorView, out: TensorView, threshold: number): void;
  /** gradIn[N,C,H,W]: zeros, then each grad[n,c,oh,ow] added at its plane's flat index (max pooling's backward). */
  maxPool2dBackward(grad: TensorView, indices: TensorView, gradIn: TensorView, p: Pool2dParams): void;
  /** gradIn[N,C,H,W]: each grad[n,c,oh,ow] / divisor added over its window (average pooling's backward). */
  avgPool2dBackward(grad: TensorView, gradIn: TensorView, p: Pool2dParams): void;
}

/**
 * Optional device-side timing of kernels, for the profiler's device-time column (webgpu: timestamp
 * queries). The dispatcher tags each kernel call; the backend attributes the device time of the
 * work that call enqueued to its tag.
 */
export interface KernelTimer {
  /** Start timing the kernels enqueued from now on; false when the device cannot (no timestamp queries). */
  start(): boolean;
  /** Attribute the work enqueued from now on, until the next call, to `tag`. */
  tag(tag: number): void;
  /** Stop timing; resolves with the device nanoseconds per tag once the queued work has run. */
  stop(): Promise<Map<number, number>>;
}

/**
 * A value check run on the device ({@link Backend.check}): element `v` of the checked tensor is
 * valid when `lo <= v <= hi` (`<` where `loOpen` / `hiOpen`) or `v === allow`; NaN is never valid.
 */
export interface DeviceCheck {
  readonly lo: number;
  readonly hi: number;
  readonly loOpen?: boolean;
  readonly hiOpen?: boolean;
  /** A value valid whatever the bounds (an integer, e.g. an ignore index of class targets). */
  readonly allow?: number;
  /**
   * Names the check for the backend's bookkeeping: two checks with one key must build the same
   * error from the same value and index (so `error` may be kept from the first).
   */
  readonly key: string;
  /** The error for the first invalid element (row-major): its value and flat index. */
  readonly error: (value: number, index: number) => Error;
}

/**
 * What a device backend implements. Every kernel writes into the views it is given;
 * it never allocates tensors itself. Kernels may queue work and return at once
 * (asynchronous backends): only `read` waits. All views passed to a kernel belong
 * to this backend. Output views are contiguous unless `capabilities.stridedOutput`.
 *
 * @example
 * import { registerBackend } from '@dl/tensor';
 * registerBackend(myBackend); // myBackend.name === 'mydevice'
 */
export interface Backend extends Partial<FusedKernels> {
  /** The device name users pass: `'cpu'`, `'webgpu'`. */
  readonly name: string;
  /** The contract version implemented (compare with {@link specVersion}). */
  readonly specVersion: string;
  /** dtypes this backend stores; others raise a typed error naming the device. */
  readonly dtypes: readonly DType[];
  readonly capabilities: {
    /** Kernels may write to non-contiguous output views (copy/fill always may). */
    stridedOutput: boolean;
    /** `readSync` works. */
    syncRead: boolean;
  };

  /** Optional async set-up (adapter/device acquisition). `initBackend(name)` awaits it. */
  init?(): Promise<void>;
  /** Is the backend ready for kernels (after `init`)? */
  ready?(): boolean;

  allocate(dtype: DType, numel: number): BackendBuffer;
  free(buffer: BackendBuffer): void;
  /** Copy host values into `buffer` starting at element `offset`. */
  write(buffer: BackendBuffer, dtype: DType, data: HostArray, offset: number): void;
  /** Copy `numel` elements starting at element `offset` out to the host. */
  read(buffer: BackendBuffer, dtype: DType, offset: number, numel: number): Promise<HostArray>;
  readSync?(buffer: BackendBuffer, dtype: DType, offset: number, numel: number): HostArray;
  /**
   * Zero-copy host access (cpu only): the typed array that *is* the buffer,
   * so `fromArray` can share memory like `torch.from_numpy`.
   */
  hostView?(buffer: BackendBuffer, dtype: DType): HostArray;
  /** Wrap an existing host array without copying (cpu only). */
  wrapHost?(data: HostArray, dtype: DType): BackendBuffer;
  /** Bytes held by this backend (allocated, including pooled free buffers). */
  memoryInfo?(): { bytesInUse: number; bytesPooled: number; buffers: number };
  /**
   * Hand `buffer` to the JS garbage collector (optional; see Note [Storage ownership]): return a
   * buffer the GC owns that holds the same values and that every kernel of this backend
   * accepts, and forget `buffer` (return it to the pool), or start doing so (an asynchronous
   * device returns `buffer` itself and moves its values once it can). Called at step boundaries
   * for tensors that reached user code. A backend without it keeps such tensors until they are
   * disposed or collected.
   */
  spill?(buffer: BackendBuffer, dtype: DType): BackendBuffer;
  /** A spilled buffer's storage was released (optional: a GC-owned buffer needs nothing). */
  releaseSpilled?(buffer: BackendBuffer): void;
  /** Copy a spilled buffer back into device memory (a kernel needs it again); optional. */
  adopt?(buffer: BackendBuffer, dtype: DType): BackendBuffer;
  /** Wait for queued work (no-op on synchronous backends). */
  sync?(): Promise<void>;
  /** Device-side kernel timing for the profiler (absent: the profiler reports host time). */
  readonly timer?: KernelTimer;
  /**
   * Check the values of `x` on the device (optional; devices without `readSync`): when an element
   * fails `c`, a later `read` (or `sync`) rejects with `c.error(value, index)` of the first such
   * element. The op layer checks on the host where it can read synchronously.
   */
  check?(x: TensorView, c: DeviceCheck): void;

  /** out = op(x). */
  unary(op: UnaryOp, x: TensorView, out: TensorView): void;
  /** out = op(a, b), same shapes (broadcast already folded into strides). */
  binary(op: BinaryOp, a: TensorView, b: TensorView, out: TensorView): void;
  /** out(bool) = op(a, b). */
  compare(op: CompareOp, a: TensorView, b: TensorView, out: TensorView): void;
  /** out = cond ? a : b (cond bool; a, b, out one dtype; same shapes). */
  where(cond: TensorView, a: TensorView, b: TensorView, out: TensorView): void;
  /**
   * Strided copy with dtype conversion: `dst[i] = cast(src[i])`. `dst` may be any
   * strided view (this is how writes into views happen). float→int truncates toward
   * zero; anything→bool is `!= 0`.
   */
  copy(src: TensorView, dst: TensorView): void;
  /** Set every element of a (possibly strided) view to `value`. */
  fill(dst: TensorView, value: number): void;
  /** Clamp with optional bounds (NaN propagates). */
  clamp(x: TensorView, min: number | null, max: number | null, out: TensorView): void;
  /** Reduce `axes` of `x` into `out` (keepdim shape). */
  reduce(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): void;
  /** Batched matmul: a [B,M,K] @ b [B,K,N] → out [B,M,N]; any strides (0 for broadcast batches). */
  matmul(a: TensorView, b: TensorView, out: TensorView): void;
  /** out[..i..] = x[..index[..i..]..] along `dim`; `out.shape == index.shape`. */
  gather(x: TensorView, dim: number, index: TensorView, out: TensorView): void;
  /**
   * In place on `dst`: `dst[..index[i]..] (+)= src[i]` along `dim` for every position of
   * `index` (`src` has at least index's extent). `mode` 'add' accumulates, 'assign' overwrites.
   */
  scatter(dst: TensorView, dim: number, index: TensorView, src: TensorView, mode: 'add' | 'assign'): void;
  /** out = x.index_select(dim, index) with index 1-D int32. */
  indexSelect(x: TensorView, dim: number, index: TensorView, out: TensorView): void;
  /**
   * Stable sort along the last axis of contiguous `x` [rows, n] into `values` and int32
   * `indices`. NaN sorts as larger than every number, as PyTorch.
   */
  sort(x: TensorView, descending: boolean, values: TensorView, indices: TensorView): void;
  /** Cumulative sum along `dim` (out same shape and dtype). */
  cumsum(x: TensorView, dim: number, out: TensorView): void;
  /**
   * Fill contiguous float `out` from the counter-based Philox4x32-10 stream of `key`,
   * element `i` taking counter `offset + i` (see `philox.ts`, the reference every
   * backend must match bit-for-bit in float32).
   */
  random(out: TensorView, dist: RandomDist, key: readonly [number, number], offset: number): void;
}
