import type { Backend, BackendBuffer } from './backend.js';
import { ITEMSIZE, type DType } from './dtype.js';

/** Storages brought back onto the device after a spill: their buffers return when they are collected. */
const adoptedNet = new FinalizationRegistry<{ backend: Backend; buffer: BackendBuffer; nbytes: number }>(({ backend, buffer, nbytes }) => {
  backend.free(buffer);
  const s = statsOf(backend.name);
  s.storages--;
  s.bytes -= nbytes;
});

/** Live device-owned storages per device, for {@link memory}. */
export const liveStats = new Map<string, { storages: number; bytes: number }>();

/** The last device asked about, and its entry: storages are made and freed on one device in a row (no Map lookup per tensor). */
let lastDevice = '';
let lastStats: { storages: number; bytes: number } | null = null;

function statsOf(device: string): { storages: number; bytes: number } {
  if (device === lastDevice && lastStats !== null) return lastStats;
  let s = liveStats.get(device);
  if (!s) liveStats.set(device, (s = { storages: 0, bytes: 0 }));
  lastDevice = device;
  lastStats = s;
  return s;
}

/**
 * A refcounted handle to one backend buffer (what PyTorch calls a tensor's untyped storage), for
 * backend authors. Tensors (and views of them) and tensors saved
 * by the autograd graph hold references; the buffer is freed when the last one is released.
 * `version` counts in-place writes (autograd uses it to detect modification of saved tensors).
 *
 * Note [Storage ownership]
 * A storage is in one of three states (see docs/guides/memory.md):
 * - device-owned: the backend's buffer, counted by `memory()`, freed on the last release;
 * - pinned: device-owned and never handed to the garbage collector — parameters, buffers,
 *   gradients, optimizer state (anything made with `keep` or `requiresGrad`);
 * - spilled: handed to the JS garbage collector at a step boundary (`Storage.spill`): the
 *   backend moved the values into memory the GC owns (on cpu a plain typed array), so a
 *   tensor the user still holds keeps its values, and one the user dropped is reclaimed by
 *   the GC even inside a synchronous loop, where finalizers never run. Spilled storages are
 *   not counted by `memory()`. A kernel that uses a spilled storage again (a tensor the user
 *   kept and computes with, such as an input reused every step) brings it back onto the device
 *   (`adopt`) and pins it there: it was evidently still held.
 *
 * @example
 * import { Storage, getBackend } from '@dl/tensor/backend';
 * const cpu = getBackend('cpu');
 * const s = new Storage(cpu, cpu.allocate('float32', 4), 'float32', 4);
 * s.nbytes; // 16
 */
export class Storage {
  refs = 0;
  version = 0;
  freed = false;
  /** Never handed to the garbage collector (parameters, gradients, optimizer state, buffers). */
  pinned = false;
  /** Handed to the garbage collector (see Note [Storage ownership]). */
  spilled = false;
  /** Brought back by `adopt` for good: its buffer is under a finalizer, as no counted tensor holds it. */
  private adopted = false;
  /** How many times `adopt` brought it back. */
  private adoptions = 0;
  readonly nbytes: number;
  constructor(
    readonly backend: Backend,
    /** The backend buffer (replaced by a GC-owned one when the storage is spilled). */
    public buffer: BackendBuffer,
    readonly dtype: DType,
    readonly numel: number,
    /** External memory (fromArray, or exposed by `exposeHost`): the backend does not own it, so it is never freed. */
    public external = false,
  ) {
    this.nbytes = numel * ITEMSIZE[dtype];
    const s = statsOf(backend.name);
    s.storages++;
    s.bytes += this.nbytes;
  }
  /**
   * Adds a reference (a tensor, a view or a saved tensor now holds the buffer); each `retain`
   * is matched by one `release`.
   *
   * @example
   * const s = new Storage(cpu, cpu.allocate('float32', 4), 'float32', 4);
   * s.retain(); // the tensor that will own it holds one reference
   */
  retain(): void {
    this.refs++;
  }
  /**
   * Drops a reference; the last one frees the buffer (`Backend.free`, or `releaseSpilled` for a
   * spilled storage; external memory is never freed) and stops counting it in `memory()`.
   * Releasing a freed storage does nothing.
   *
   * @example
   * s.retain();
   * s.release(); // s.freed is true: the buffer went back to the backend
   */
  release(): void {
    if (this.freed) return;
    if (--this.refs <= 0) {
      this.freed = true;
      if (this.spilled) {
        if (!this.external) this.backend.releaseSpilled?.(this.buffer);
        return;
      }
      if (this.adopted) adoptedNet.unregister(this);
      if (!this.external) this.backend.free(this.buffer);
      const s = statsOf(this.backend.name);
      s.storages--;
      s.bytes -= this.nbytes;
    }
  }
  /**
   * A kernel needs this spilled storage again: move its values back into device memory where the
   * backend can (`Backend.adopt`; a no-op elsewhere — webgpu re-uploads on use itself). Returns
   * whether it is back for this step only: the first time (a batch its graph reads during
   * backward) the next boundary spills it again; the second time (an input reused every step) it
   * stays, pinned.
   *
   * @example
   * if (storage.spilled) storage.adopt(); // before a kernel reads it (the dispatcher does this)
   */
  adopt(): boolean {
    if (!this.spilled || this.freed || this.external) return false;
    const b = this.backend.adopt?.(this.buffer, this.dtype);
    if (b === undefined) return false;
    this.buffer = b;
    this.spilled = false;
    const s = statsOf(this.backend.name);
    s.storages++;
    s.bytes += this.nbytes;
    if (++this.adoptions < 2) return true;
    this.pinned = true;
    this.adopted = true;
    adoptedNet.register(this, { backend: this.backend, buffer: b, nbytes: this.nbytes }, this);
    return false;
  }
  /**
   * Makes this storage's memory safe to hand out as a host view (`t.numpy()`): external, in
   * memory the garbage collector owns, and pinned. Idempotent.
   *
   * Note [Host views of a storage]
   * `t.numpy()` hands out a typed array that *is* this storage's memory. Three things could move
   * the values out from under it: a step boundary spilling the storage (its buffer replaced by a
   * GC-owned copy), a kernel adopting a spilled storage back into the pool, and the pool reusing
   * the buffer once the storage is freed. So the first host view makes the storage external, in
   * memory the garbage collector owns (`Backend.spill`: the same array for an ordinary typed
   * array, a one-time copy for a wasm-heap block), and pins it: no boundary spills it, no adopt
   * moves it, and releasing it frees nothing — the view keeps the last values after `dispose()`
   * and shares them with nothing else, never with a later tensor. The storage stays an ordinary
   * cpu buffer that every kernel accepts (wasm kernels read it through their copy path).
   * Only backends with `hostView` (cpu) get here.
   *
   * @example
   * storage.exposeHost(); // what t.numpy() does to its storage before viewing the buffer
   */
  exposeHost(): void {
    if (this.hostExposed) return;
    if (this.adopted) {
      // its buffer was under the adopted net; it will not be the backend's any more
      adoptedNet.unregister(this);
      this.adopted = false;
    }
    if (this.spilled) {
      // already in GC-owned memory: count it as live again (it is held, and now pinned)
      this.spilled = false;
      const s = statsOf(this.backend.name);
      s.storages++;
      s.bytes += this.nbytes;
    } else if (!this.external && this.backend.spill) {
      this.buffer = this.backend.spill(this.buffer, this.dtype);
    } else if (!this.external) return void (this.pinned = true); // a backend that cannot hand memory over: pin only
    this.external = true;
    this.pinned = true;
    this.hostExposed = true;
  }
  /** A host view (`numpy()`) shares this storage's memory (Note [Host views of a storage]). */
  hostExposed = false;
  /**
   * Hand this storage to the garbage collector if it may be (not pinned, not freed, and the
   * backend can move its values into GC-owned memory, or the memory is external already).
   * Returns whether it is spilled now (Note [Storage ownership]); a step boundary (`dl.endStep`,
   * `optimizer.step`) does it for the storages no kept tensor pins.
   *
   * @example
   * storage.spill(); // true on cpu for an unpinned storage: its values now live in a GC-owned array
   */
  spill(): boolean {
    if (this.spilled) return true;
    if (this.pinned || this.freed) return false;
    if (!this.external) {
      const moved = this.backend.spill?.(this.buffer, this.dtype);
      if (moved === undefined) return false;
      this.buffer = moved;
    }
    this.spilled = true;
    const s = statsOf(this.backend.name);
    s.storages--;
    s.bytes -= this.nbytes;
    return true;
  }
}
