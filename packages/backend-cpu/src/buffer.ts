import type { DType, HostArray } from '@dl/tensor';
import { hostArray, ITEMSIZE } from '@dl/tensor';
import { heapAlloc, heapEnabled, heapF32, heapFree, heapPtr } from './wasm/heap.js';

/** A cpu buffer is the typed array of its dtype (bool and uint8: Uint8Array). */
export type CpuBuffer = HostArray;

/**
 * Note [cpu buffer pool]
 * Fresh memory costs a page fault per 4 KiB on first touch (~2.5 µs here), so a new 64 MB
 * array costs ~40 ms before any arithmetic. Freed buffers go to a pool keyed by dtype and
 * length, and training loops, which allocate the same sizes every step, reuse them. The pool
 * holds at most `maxPooledBytes`; beyond that freed arrays are left to the GC.
 *
 * With the wasm heap on (Note [Wasm heap] in wasm/heap.ts), float32 buffers of at least
 * `heapMinElements` elements are views of the wasm heap instead; those pool the same way,
 * and beyond the pool's limit (or on `clear`) their blocks go back to the heap's free lists.
 */
/** Smaller buffers are not pooled: a fresh small typed array costs less than the pool's bookkeeping. */
const MIN_POOLED_BYTES = 64;
/**
 * V8 keeps the bytes of a typed array this small inside the array object; reading its `.buffer`
 * (as `heapPtr` does) moves them out into a new ArrayBuffer: on 4-element tensors that was a
 * fifth of an op's cost at each step boundary. Arrays this small are wasm-heap views only when a
 * pool was told to put them there (`heapMinElements` lowered, as tests do).
 */
const ON_HEAP_BYTES = 64;

export class BufferPool {
  private readonly free = new Map<string, HostArray[]>();
  pooledBytes = 0;
  inUseBytes = 0;
  buffers = 0;
  /** float32 buffers this long or longer live in the wasm heap when it is enabled */
  heapMinElements = 256;
  /** Has this pool put an array of at most ON_HEAP_BYTES into the wasm heap? */
  private smallHeapViews = false;
  constructor(public maxPooledBytes = 256 * 1024 * 1024) {}

  allocate(dtype: DType, n: number): HostArray {
    const bytes = n * ITEMSIZE[dtype];
    this.inUseBytes += bytes;
    this.buffers++;
    // Buffers under MIN_POOLED_BYTES are never pooled (see `release`): no key to build, no lookup.
    if (bytes >= MIN_POOLED_BYTES) {
      const hit = this.free.get(`${poolKind(dtype)}:${n}`)?.pop();
      if (hit) {
        this.pooledBytes -= bytes;
        return hit;
      }
    }
    if (dtype === 'float32' && n >= this.heapMinElements && heapEnabled()) {
      const p = heapAlloc(bytes);
      if (p >= 0) {
        if (bytes <= ON_HEAP_BYTES) this.smallHeapViews = true;
        return heapF32(p, n);
      }
    }
    // float32 constructed directly: `hostArray`'s constructor lookup is a polymorphic call per tensor
    return dtype === 'float32' ? new Float32Array(n) : hostArray(dtype, n);
  }

  release(buf: HostArray, dtype: DType): void {
    const bytes = buf.byteLength;
    this.inUseBytes -= bytes;
    this.buffers--;
    if (bytes < MIN_POOLED_BYTES || this.pooledBytes + bytes > this.maxPooledBytes) {
      const p = this.heapPtrOf(buf);
      if (p >= 0) heapFree(p, bytes);
      return;
    }
    const key = `${poolKind(dtype)}:${buf.length}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buf);
    this.pooledBytes += bytes;
  }

  /**
   * Hand `buf` (allocated here, in use) to the garbage collector: the returned typed array holds
   * its values and is owned by the GC — `buf` itself when it is an ordinary typed array, a copy
   * when it is a wasm-heap view (whose block goes back to the heap).
   */
  spill(buf: HostArray): HostArray {
    this.inUseBytes -= buf.byteLength;
    this.buffers--;
    const p = this.heapPtrOf(buf);
    if (p < 0) return buf;
    const copy = new Float32Array(buf.length);
    copy.set(buf);
    heapFree(p, buf.byteLength);
    return copy;
  }

  /** `heapPtr(buf)` for an array this pool allocated, without reading a small array's `.buffer` (see ON_HEAP_BYTES). */
  private heapPtrOf(buf: HostArray): number {
    return buf.byteLength > ON_HEAP_BYTES || this.smallHeapViews ? heapPtr(buf) : -1;
  }

  clear(): void {
    for (const list of this.free.values()) {
      for (const buf of list) {
        const p = heapPtr(buf);
        if (p >= 0) heapFree(p, buf.byteLength);
      }
    }
    this.free.clear();
    this.pooledBytes = 0;
  }
}

/** bool and uint8 share Uint8Array buffers: one pool bucket for both (a bool buffer freed as uint8 is reused). */
function poolKind(dtype: DType): DType {
  return dtype === 'bool' ? 'uint8' : dtype;
}
