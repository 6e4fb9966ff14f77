import type { Backend, TensorView } from './backend.js';
import { getAutogradHook, type BackwardOptions, type GradFnLike } from './autograd-hook.js';
import type { DType, HostArray } from './dtype.js';
import { ArgumentError, IndexError, StateError } from './errors.js';
import { checkNumel, contiguousStrides, isContiguousLayout, normDim, numelOf } from './shape.js';
import { Storage } from './storage.js';
import { getBackend } from './registry.js';
import { tensorCount, trackTensor } from './memory.js';
import { runKernel } from './dispatch.js';
import type { Tensor } from './tensor.js';
import { INSPECT, toSize, type Size } from './size.js';
import { toPrimitive } from './coercion.js';
import { storageAddress, storageOf, type TypedStorage } from './storage-view.js';
import { formatTensor, formatTensorSummary, PARAMETER_PREFIX } from './format.js';
import { dataAssignmentError, tensorData, type TensorData } from './tensor-data.js';
import { hostValues } from './half.js';

/**
 * Note [Tensor layout]
 * A tensor is a view (shape, strides, storage offset) onto a refcounted Storage. View ops make
 * new Tensor objects over the same Storage; each Tensor object holds one reference, released by
 * `dispose()` or, as a safety net, by a FinalizationRegistry when the object is collected.
 */
const finalizer = new FinalizationRegistry<Storage>((s) => {
  tensorCount.live--;
  s.release();
});
const DISPOSED_BY_USER = 'dispose()';

/** Autograd bookkeeping that lives on each tensor (filled by `@dl/autograd`). */
export interface AutogradMeta {
  retainsGrad: boolean;
  hooks: Array<(grad: Tensor) => Tensor | void>;
  /** Which output of its gradFn this tensor is. */
  outputNr: number;
}

/*
 * Note [Symbol.dispose without esnext.disposable]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * `using t = dl.randn(3)` disposes `t` at the end of the block, through `t[Symbol.dispose]()`. A
 * class method `[Symbol.dispose]()` would put `Symbol.dispose` into our `.d.ts`, and every
 * TypeScript consumer whose `lib` lacks `esnext.disposable` would get a type error in dl's types.
 * So the method is installed at run time where the runtime has `Symbol.dispose`, and typed by
 * {@link DisposableIfSupported}: `{ [Symbol.dispose](): void }` where the consumer's lib declares
 * `Symbol.dispose`, `{}` where it does not.
 */
/** The key of `Symbol.dispose` where the lib in use declares it, else `never`. */
type SymbolDisposeKey = SymbolConstructor extends { readonly dispose: infer S extends symbol } ? S : never;
/**
 * `{ [Symbol.dispose](): void }` where the TypeScript lib declares `Symbol.dispose`, else `{}`
 * (Note [Symbol.dispose without esnext.disposable]).
 *
 * @example
 * { using t = dl.randn(3); } // t is disposed here (lib esnext.disposable or es2025+)
 */
export type DisposableIfSupported = { [K in SymbolDisposeKey]: () => void };
// Merged with the class below: tensors are disposable where the lib knows Symbol.dispose.
export interface TensorBase extends DisposableIfSupported {}

export class TensorBase {
  static {
    // Note [Symbol.dispose without esnext.disposable]: `using t = …` where the runtime has Symbol.dispose.
    const key = (Symbol as { dispose?: symbol }).dispose;
    if (key !== undefined) {
      Object.defineProperty(this.prototype, key, {
        value(this: TensorBase): void {
          this.dispose();
        },
        writable: true,
        configurable: true,
      });
    }
  }
  /**
   * Sizes of each dimension: frozen, at run time a {@link Size} (prints as `dl.Size([5, 3])`);
   * typed as a plain array so it destructures into tuples (`x.shape as [number, number]`).
   */
  readonly shape: readonly number[];
  /** @internal */ readonly _strides: readonly number[];
  /** @internal */ readonly _offset: number;
  /** @internal */ _storage: Storage;
  /** @internal */ _disposed = false;
  /** @internal who disposed it (`dispose()`, `tidy()`, a library scope such as `Linear.forward`) */ _disposedBy: string | null = null;
  /** @internal counted by `memory()` (false once disposed or handed to the GC) */ _counted = true;
  /** @internal registered with the finalizer (the safety net; see `_register`) */ _registered = false;
  /** @internal left its scope other than by being returned (kept, stored, handed to a hook) */ _escaped = false;
  /** @internal owned by an open scope (tidy or a library routine) */ _inScope = false;
  /** Does autograd track operations on this tensor? */
  requiresGrad = false;
  /** Accumulated gradient (set by `backward`). */
  grad: Tensor | null = null;
  /** @internal */ _gradFn: GradFnLike | null = null;
  /** @internal autograd state */ _autograd: AutogradMeta | null = null;
  /** @internal the tensor this one is a view of (for autograd's view tracking). */ _base: TensorBase | null = null;
  /**
   * @internal The last view `_view` made.
   *
   * Note [Cached kernel views]
   * Every kernel call hands the backend a TensorView (buffer, dtype, shape, strides, offset) per
   * operand; on small tensors making those objects was a visible part of an op's cost. A
   * tensor's layout is fixed, so the view is made once and reused while it still matches: the
   * storage's buffer (a spill or an adopt replaces it), the dtype, and the shape and strides
   * arrays (the in-place view ops `unsqueeze_`/`t_`… replace those). Views are read-only to
   * kernels (TensorView's fields are readonly), so sharing one is safe.
   */
  _kernelView: TensorView | null = null;

  /** @internal Use the creation functions (`dl.tensor`, `dl.zeros`, …), not this constructor. */
  constructor(storage: Storage, shape: readonly number[], strides?: readonly number[], offset = 0) {
    this._storage = storage;
    // Frozen arrays are immutable, so an op's output shares its input's shape (and the
    // contiguous strides of a shape are computed once): two fewer arrays per op to collect.
    this.shape = toSize(shape);
    this._strides = strides ? (Object.isFrozen(strides) ? strides : Object.freeze([...strides])) : stridesOf(this.shape);
    this._offset = offset;
    storage.retain();
    trackTensor(this);
  }

  /**
   * The graph node that produced this tensor (null for leaves). Nodes are refcounted by the
   * tensors and nodes that point at them: when the last lets go, the node frees what it saved.
   */
  get gradFn(): GradFnLike | null {
    return this._gradFn;
  }
  set gradFn(g: GradFnLike | null) {
    const old = this._gradFn;
    if (g === old) return;
    g?._ref?.();
    this._gradFn = g;
    old?._unref?.();
  }

  get dtype(): DType {
    return this._storage.dtype;
  }
  /** The device name (`'cpu'`, `'webgpu'`). */
  get device(): string {
    return this._storage.backend.name;
  }
  /** @internal */
  get _backend(): Backend {
    return this._storage.backend;
  }
  /** True for tensors not produced by a recorded op (user-created or detached). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }
  /** The in-place version counter of the storage (shared by views). */
  get _version(): number {
    return this._storage.version;
  }

  /**
   * Size of each dimension (a frozen {@link Size}, as `torch.Size`), or of one (`t.size(0)`).
   *
   * @example
   * const x = dl.zeros([5, 3]);
   * x.size();      // dl.Size([5, 3]); x.size()[0] === 5
   * x.size(-1);    // 3
   */
  size(): Size;
  size(dim: number): number;
  size(dim?: number): Size | number {
    if (dim === undefined) return this.shape as Size;
    return this.shape[normDim(dim, this.shape.length, 'size')] ?? 1;
  }
  /**
   * The strides in elements (how far one step along each dim moves in the storage), or of one dim, as
   * `torch.Tensor.stride`.
   *
   * @example
   * dl.zeros(2, 3).t().stride(); // → [1, 3]
   */
  stride(): number[];
  stride(dim: number): number;
  stride(dim?: number): number[] | number {
    if (dim === undefined) return [...this._strides];
    return this._strides[normDim(dim, this.shape.length, 'stride')] ?? 1;
  }
  /**
   * Where this tensor's first element lies in its storage, in elements, as `torch.Tensor.storage_offset`.
   *
   * @example
   * dl.arange(6).view(2, 3).select(0, 1).storageOffset(); // → 3
   */
  storageOffset(): number {
    return this._offset;
  }
  /**
   * The number of dims, as `torch.Tensor.dim` (also `ndim`).
   *
   * @example
   * dl.zeros(2, 3).dim(); // → 2
   */
  dim(): number {
    return this.shape.length;
  }
  get ndim(): number {
    return this.shape.length;
  }
  /**
   * The number of elements (the product of the sizes), as `torch.Tensor.numel`.
   *
   * @example
   * dl.zeros(2, 3).numel(); // → 6
   */
  numel(): number {
    return numelOf(this.shape);
  }
  /**
   * Whether the elements lie in row-major order without gaps, as `torch.Tensor.is_contiguous`.
   *
   * @example
   * dl.zeros(2, 3).t().isContiguous(); // → false
   */
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this._strides);
  }
  /**
   * The size of one element in bytes, as `torch.Tensor.element_size`.
   *
   * @example
   * dl.zeros(2, { dtype: 'float64' }).elementSize(); // → 8
   */
  elementSize(): number {
    return this._storage.nbytes / Math.max(this._storage.numel, 1);
  }

  // ---- storage and host views (Note [Host views of a storage] in storage.ts) ---------------

  /**
   * The storage under this tensor and all its views (`torch.Tensor.storage()`): its size, dtype,
   * `dataPtr()` (equal for views of one storage), element reads and writes that show through
   * every view. Prints like PyTorch's.
   *
   * @example
   * const a = dl.arange(6, { dtype: 'float32' });
   * const b = a.view(2, 3);
   * b.storage().dataPtr() === a.storage().dataPtr(); // true
   * a.storage().set(0, 42);                          // b.at(0, 0) is 42 now
   */
  storage(): TypedStorage {
    this._view('storage');
    return storageOf(this._storage);
  }
  /**
   * The address of this tensor's first element: `storage().dataPtr() + storageOffset() * elementSize()`, as
   * `torch.Tensor.data_ptr` (Note [Storage data pointers]); views of one storage share the base.
   *
   * @example
   * const a = dl.arange(4);
   * a.narrow(0, 1, 2).dataPtr() - a.dataPtr(); // → 4
   */
  dataPtr(): number {
    this._view('dataPtr');
    return storageAddress(this._storage) + this._offset * this.elementSize();
  }
  /**
   * A zero-copy typed array over this tensor's elements (`torch.Tensor.numpy()`): writes through
   * either side show in the other. Only for a contiguous cpu tensor that does not require grad
   * (`t.detach().numpy()`, `t.contiguous().numpy()`). The view never moves: the storage becomes
   * pinned, in memory the garbage collector owns (Note [Host views of a storage]); after
   * `dispose()` the array keeps the last values but no longer shares them with anything.
   * `dataSync()` still copies: its result stays valid however the tensor changes or is freed. A float16 tensor's view is a
   * Uint16Array of its half bits (Note [float16 storage]; Node has no Float16Array): `dataSync()` gives the values.
   *
   * @example
   * const t = dl.zeros([2, 2]);
   * const a = t.numpy();   // Float32Array(4)
   * a[0] = 5;              // t is [[5, 0], [0, 0]]
   * t.add_(1);             // a is [6, 1, 1, 1]
   */
  numpy(): HostArray {
    return this._hostView('numpy');
  }
  /**
   * Alias of {@link numpy}: the zero-copy typed array over a contiguous cpu tensor that does not require grad; writes
   * through either side show in the other.
   *
   * @example
   * const t = dl.zeros(3);
   * t.asTypedArray()[0] = 5; // t → tensor([5., 0., 0.])
   */
  asTypedArray(): HostArray {
    return this._hostView('asTypedArray');
  }
  /** @internal */
  _hostView(op: string): HostArray {
    this._view(op);
    if (this.requiresGrad) {
      throw new StateError(`${op}: Can't call ${op}() on Tensor that requires grad`, { op, hint: `use tensor.detach().${op}()` });
    }
    const s = this._storage;
    const b = s.backend;
    if (!b.hostView) {
      throw new StateError(`${op}: the tensor is on '${b.name}', whose memory the host cannot view`, {
        op,
        hint: `read a copy with \`await t.data()\`, or move it first: \`(await t.toAsync('cpu')).${op}()\``,
      });
    }
    if (!this.isContiguous()) {
      throw new StateError(
        `${op}: the tensor (shape [${this.shape.join(', ')}], strides [${this._strides.join(', ')}]) is not contiguous; a typed array cannot view it`,
        {
          op,
          hint: `use t.contiguous().${op}() (a copy when not contiguous)`,
        },
      );
    }
    s.exposeHost();
    return b.hostView(s.buffer, s.dtype).subarray(this._offset, this._offset + this.numel()) as HostArray;
  }

  // ---- printing and JavaScript operators (Note [No silent JS-operator answers]) -------------

  /**
   * Prints like PyTorch: `tensor([[0.2455, 0.1516], …])` with PyTorch's suffixes, under
   * `dl.setPrintOptions` (devices with sync reads; elsewhere a summary line without the values:
   * `await t.format()` prints them).
   *
   * @example
   * String(dl.ones([2], { requiresGrad: true })); // 'tensor([1., 1.], requires_grad=True)'
   */
  toString(): string {
    const prefix = parameterTensors.has(this) ? PARAMETER_PREFIX : '';
    if (this._disposed) return `${prefix}tensor(<disposed, shape [${this.shape.join(', ')}]>)`;
    if (!this._backend.readSync) return prefix + formatTensorSummary(this);
    return printWithValues(this, this.dataSync());
  }
  /** `console.log(t)` in Node prints `String(t)`. */
  [INSPECT](): string {
    return this.toString();
  }
  /** Template literals and `String(t)` print; `x + y`, `x * 2`, `x < y`, `+x` throw an OperatorError naming the method to use. */
  [Symbol.toPrimitive](hint: string): string {
    return toPrimitive(this, hint);
  }

  /**
   * @internal The kernel-facing view of this tensor. Throws if disposed. Made once and reused
   * while it still describes the tensor (Note [Cached kernel views]).
   */
  _view(op = 'op'): TensorView {
    const s = this._storage;
    if (this._disposed || s.freed) throw disposedError(this, op);
    const v = this._kernelView;
    if (v !== null && v.buffer === s.buffer && v.dtype === s.dtype && v.shape === this.shape && v.strides === this._strides) return v;
    return (this._kernelView = { buffer: s.buffer, dtype: s.dtype, shape: this.shape, strides: this._strides, offset: this._offset });
  }

  /**
   * Free this tensor's reference to its storage now (views keep the storage alive). Never
   * needed for memory (Note [Memory without ceremony]); a tensor used after it gives a typed
   * error.
   *
   * @example
   * const big = dl.zeros([4096, 4096]); use(big); big.dispose();
   */
  dispose(): void {
    this._disposeBy(DISPOSED_BY_USER);
  }
  /** @internal Dispose, remembering who did (for the error a later use gives). */
  _disposeBy(who: string): void {
    if (this._disposed) return;
    this._disposed = true;
    this._disposedBy = who;
    this._kernelView = null; // let go of the buffer (the pool may hand it to the GC)
    if (this._counted) {
      this._counted = false;
      tensorCount.live--;
      if (this._registered) finalizer.unregister(this);
    }
    this._storage.release();
    const g = this._gradFn;
    if (g !== null) {
      this._gradFn = null;
      g._unref?.();
    }
    if (this.grad) this.grad._disposeBy(who);
  }
  /** @internal Its storage was handed to the garbage collector: stop counting this object. */
  _handToGC(): void {
    if (!this._counted) return;
    this._counted = false;
    tensorCount.live--;
    if (this._registered) finalizer.unregister(this);
  }
  /**
   * @internal Put this tensor under the finalizer's safety net. Only tensors that leave dl's
   * tracking still holding device memory need it (kept state, loose tensors a backend could not
   * spill, tensors a graph node owns): a tensor in a scope or in the loose list is held there and
   * freed or spilled deterministically, so the common path pays nothing for the net.
   */
  _register(): void {
    if (this._registered || !this._counted) return;
    this._registered = true;
    finalizer.register(this, this._storage, this);
  }
  /** @internal Point this tensor (contiguous, offset 0) at another storage of its size (`module.to()` in place). */
  _setStorage(s: Storage): void {
    s.retain();
    const old = this._storage;
    this._storage = s;
    if (this._registered) {
      finalizer.unregister(this);
      finalizer.register(this, s, this);
    }
    old.release();
  }
  get isDisposed(): boolean {
    return this._disposed;
  }

  // ---- reading ----------------------------------------------------------------------------

  /** @internal Contiguous host copy via the backend (async). */
  protected async _readHost(): Promise<HostArray> {
    const v = this._view('data');
    if (this.isContiguous()) return hostValues(await this._backend.read(v.buffer, v.dtype, v.offset, this.numel()), v.dtype);
    const tmp = contiguousCopy(this);
    try {
      return hostValues(await tmp._backend.read(tmp._storage.buffer, tmp.dtype, 0, tmp.numel()), tmp.dtype);
    } finally {
      tmp.dispose();
    }
  }

  /** @internal Contiguous host copy, synchronously (cpu). */
  protected _readHostSync(op: string): HostArray {
    const v = this._view(op);
    const b = this._backend;
    if (!b.readSync) {
      const asyncName = op.replace('Sync', '');
      throw new StateError(`${op}: device '${b.name}' cannot read synchronously`, {
        op,
        hint: `use \`await t.${asyncName}()\` instead (works on every device)`,
      });
    }
    if (this.isContiguous()) return hostValues(b.readSync(v.buffer, v.dtype, v.offset, this.numel()), v.dtype);
    const tmp = contiguousCopy(this);
    try {
      return hostValues(b.readSync(tmp._storage.buffer, tmp.dtype, 0, tmp.numel()), tmp.dtype);
    } finally {
      tmp.dispose();
    }
  }

  /**
   * Called, a typed-array copy of the values, on any device; used as a tensor, PyTorch's
   * `t.data` (`t.detach()`). See Note [t.data: the async read and PyTorch's .data].
   *
   * @example
   * const values = await t.data();
   * w.data.sub_(w.grad!.data.mul(0.01));
   */
  get data(): TensorData {
    return tensorData(this as unknown as Tensor, () => this._readHost());
  }
  set data(_value: unknown) {
    throw dataAssignmentError();
  }
  /**
   * A typed-array copy of the values in row-major order, read synchronously (cpu and other devices with sync reads; a
   * StateError elsewhere: use `await t.data()`). The copy stays valid however the tensor changes.
   *
   * @example
   * dl.tensor([[1, 2], [3, 4]]).dataSync(); // → Float32Array(4) [1, 2, 3, 4]
   */
  dataSync(): HostArray {
    return this._readHostSync('dataSync');
  }
  /**
   * The value of a one-element tensor as a number, as `torch.Tensor.item` (bool gives 0 or 1); awaits the read, so it
   * works on every device. More than one element raises an IndexError.
   *
   * @example
   * await dl.tensor([1, 2, 3]).sum().item(); // → 6
   */
  async item(): Promise<number> {
    checkItem(this, 'item');
    return toNumber(this.dtype, (await this._readHost())[0]!);
  }
  /**
   * `item` read synchronously (cpu and other devices with sync reads).
   *
   * @example
   * dl.tensor([2.5]).itemSync(); // → 2.5
   */
  itemSync(): number {
    checkItem(this, 'itemSync');
    return toNumber(this.dtype, this._readHostSync('itemSync')[0]!);
  }
  /**
   * The values as nested JS arrays (booleans for bool tensors, a number for a 0-d tensor), as `torch.Tensor.tolist`;
   * awaits the read.
   *
   * @example
   * await dl.tensor([[1, 2], [3, 4]]).toArray(); // → [[1, 2], [3, 4]]
   */
  async toArray(): Promise<NestedArray> {
    return nest(await this._readHost(), this.shape, this.dtype);
  }
  /**
   * `toArray` read synchronously (cpu and other devices with sync reads).
   *
   * @example
   * dl.tensor([true, false]).toArraySync(); // → [true, false]
   */
  toArraySync(): NestedArray {
    return nest(this._readHostSync('toArraySync'), this.shape, this.dtype);
  }
  /**
   * Alias of `toArray` (PyTorch's `tolist`).
   *
   * @example
   * await dl.arange(3).tolist(); // → [0, 1, 2]
   */
  async tolist(): Promise<NestedArray> {
    return this.toArray();
  }

  // ---- autograd entry points (implemented by @dl/autograd through the hook) ---------------

  /**
   * Compute gradients of this tensor with respect to graph leaves (needs `@dl/autograd`).
   *
   * @example
   * const x = dl.ones([2, 2], { requiresGrad: true });
   * x.mul(x).sum().backward(); // x.grad = 2x
   */
  backward(gradient?: Tensor | BackwardOptions | null, opts?: BackwardOptions): void {
    if (gradient !== undefined && gradient !== null && !(gradient instanceof TensorBase)) {
      if (typeof gradient !== 'object' || Array.isArray(gradient) || opts !== undefined) {
        throw new ArgumentError(
          `backward: gradient must be a Tensor, got ${Array.isArray(gradient) ? 'an array' : typeof gradient}${opts !== undefined ? ' (with options after it)' : ''}`,
          {
            op: 'backward',
            hint: 'loss.backward(), loss.backward({ retainGraph: true }) or y.backward(dl.onesLike(y), { retainGraph: true })',
          },
        );
      }
      opts = gradient;
      gradient = undefined;
    }
    opts = checkBackwardOptions(opts ?? {});
    const hook = getAutogradHook();
    if (!hook) {
      throw new StateError('backward: autograd is not enabled', { op: 'backward', hint: "add `import '@dl/autograd'` to your program" });
    }
    hook.backward(this as never, (gradient ?? undefined) as never, opts);
  }

  /**
   * Keep `.grad` for this non-leaf tensor after `backward` (leaves keep theirs anyway), as `torch.Tensor.retain_grad`. A
   * tensor that does not require grad raises a StateError.
   *
   * @example
   * const x = dl.tensor([1, 2], { requiresGrad: true });
   * const y = x.mul(3); y.retainGrad(); y.sum().backward(); // y.grad → tensor([1., 1.])
   */
  retainGrad(): this {
    if (!this.requiresGrad) {
      throw new StateError("retainGrad: can't retain_grad on a tensor that has requires_grad=False", { op: 'retainGrad' });
    }
    if (!this.isLeaf) {
      this._autogradMeta().retainsGrad = true;
      getAutogradHook()?.watch?.(this as never);
    }
    return this;
  }
  /** Is `.grad` kept for this tensor? */
  get retainsGrad(): boolean {
    return this._autograd?.retainsGrad ?? false;
  }
  /**
   * Registers `fn`, called with this tensor's gradient during `backward`; it may return a replacement gradient, as
   * `torch.Tensor.register_hook`. Returns a handle whose `remove()` unregisters it. A tensor that does not require grad
   * raises a StateError.
   *
   * @example
   * const x = dl.tensor([1, 2], { requiresGrad: true });
   * x.registerHook((g) => g.mul(10)); x.sum().backward(); // x.grad → tensor([10., 10.])
   */
  registerHook(fn: (grad: Tensor) => Tensor | void): { remove(): void } {
    if (!this.requiresGrad) {
      throw new StateError("registerHook: cannot register a hook on a tensor that doesn't require gradient", { op: 'registerHook' });
    }
    const hooks = this._autogradMeta().hooks;
    hooks.push(fn);
    if (!this.isLeaf) getAutogradHook()?.watch?.(this as never);
    return { remove: () => void hooks.splice(hooks.indexOf(fn) >>> 0, 1) };
  }
  /** @internal */
  _autogradMeta(): AutogradMeta {
    return (this._autograd ??= { retainsGrad: false, hooks: [], outputNr: 0 });
  }
}

export type NestedArray = number | boolean | NestedArray[];

/** Tensors made by `nn.Parameter` (they print `Parameter containing:` first). */
const parameterTensors = new WeakSet<TensorBase>();
/** @internal `nn.Parameter` marks its tensors so they print as PyTorch prints a Parameter. */
export function markParameter(t: TensorBase): void {
  parameterTensors.add(t);
}

/** @internal How `t` prints given its contiguous values (`t.format()` reads them asynchronously). */
export function printWithValues(t: TensorBase, values: HostArray): string {
  return (parameterTensors.has(t) ? PARAMETER_PREFIX : '') + formatTensor(t, values);
}

const BACKWARD_KEYS = new Set(['retainGraph', 'createGraph', 'inputs']);
function checkBackwardOptions(opts: BackwardOptions): BackwardOptions {
  for (const k of Object.keys(opts)) {
    if (!BACKWARD_KEYS.has(k)) {
      throw new ArgumentError(`backward: unknown option '${k}'`, {
        op: 'backward',
        hint: `the options are retainGraph, createGraph, inputs${k.includes('_') ? ' (camelCase: retain_graph is retainGraph)' : ''}`,
      });
    }
  }
  return opts;
}

/** The contiguous strides of a frozen shape array, computed once per array. */
const contiguousOf = new WeakMap<readonly number[], readonly number[]>();
function stridesOf(shape: readonly number[]): readonly number[] {
  let st = contiguousOf.get(shape);
  if (!st) contiguousOf.set(shape, (st = Object.freeze(contiguousStrides(shape))));
  return st;
}

function disposedError(t: TensorBase, op: string): StateError {
  const who = t._disposedBy;
  const shape = `[${t.shape.join(', ')}]`;
  if (who === null || who === DISPOSED_BY_USER) {
    return new StateError(`${op}: tensor of shape ${shape} was disposed${who ? ' by dispose()' : ''}`, {
      op,
      hint: 'do not use a tensor after calling dispose() on it (or on the tensor whose .grad it was)',
    });
  }
  if (who === 'tidy()') {
    return new StateError(`${op}: tensor of shape ${shape} was disposed when the tidy() that made it ended`, {
      op,
      hint: 'return it from the tidy callback (or pass it to dl.keep) to use it afterwards',
    });
  }
  return new StateError(
    `${op}: tensor of shape ${shape} was disposed when ${who} ended: it was made there and neither returned nor stored`,
    {
      op,
      hint: `return it from ${who}, or store it on the module (this.x = t), to use it afterwards`,
    },
  );
}

function checkItem(t: TensorBase, op: string): void {
  if (t.numel() !== 1) {
    throw new IndexError(`${op}: a Tensor with ${t.numel()} elements cannot be converted to Scalar`, {
      op,
      hint: `the tensor has shape [${t.shape.join(', ')}]; index it or reduce it first`,
    });
  }
}

function toNumber(dtype: DType, v: number): number {
  return dtype === 'bool' ? (v ? 1 : 0) : v;
}

function nest(flat: HostArray, shape: readonly number[], dtype: DType): NestedArray {
  const conv = (v: number): number | boolean => (dtype === 'bool' ? v !== 0 : v);
  if (shape.length === 0) return conv(flat[0]!);
  let i = 0;
  const rec = (d: number): NestedArray[] => {
    const n = shape[d]!;
    const out: NestedArray[] = new Array(n);
    for (let k = 0; k < n; k++) out[k] = d === shape.length - 1 ? conv(flat[i++]!) : rec(d + 1);
    return out;
  };
  return rec(0);
}

/** @internal A fresh contiguous tensor of `shape` on `device` (values undefined). */
export function allocTensor<T extends TensorBase>(
  ctor: new (s: Storage, shape: readonly number[]) => T,
  shape: readonly number[],
  dtype: DType,
  device: string,
  op: string,
): T {
  const backend = getBackend(device, op);
  if (!backend.dtypes.includes(dtype)) {
    throw new StateError(`${op}: device '${device}' does not support dtype ${dtype}`, {
      op,
      hint: `supported on ${device}: ${backend.dtypes.join(', ')}; cast with .to('float32') or use the cpu device`,
    });
  }
  const n = checkNumel(shape, op); // Note [Sizes from users]: a typed error before allocating
  const storage = new Storage(backend, backend.allocate(dtype, n), dtype, n);
  return new ctor(storage, shape);
}

/** @internal A contiguous copy of `t` (no autograd). */
export function contiguousCopy<T extends TensorBase>(t: T): T {
  const out = allocTensor(t.constructor as new (s: Storage, shape: readonly number[]) => T, t.shape, t.dtype, t.device, 'contiguous');
  runKernel('contiguous', 'copy', t as unknown as Tensor, out as unknown as Tensor);
  return out;
}
