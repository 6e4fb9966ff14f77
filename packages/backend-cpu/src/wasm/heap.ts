/**
 * Note [Wasm heap]
 * With `DL_CPU_WASM_HEAP` on (the default; `DL_CPU_WASM_HEAP=0` turns it off, see {@link heapEnabled}), the cpu backend allocates float32
 * storage inside the elementwise engine's shared `WebAssembly.Memory`: a buffer is then a
 * `Float32Array` view of that memory, and the wasm elementwise loops and sums read and write
 * it in place, by pointer (its `byteOffset`), instead of copying operands into staging
 * chunks and results back out (Note [Elementwise chunks]).
 *
 * The memory is shared, so `memory.grow` never detaches it: views made before a grow stay
 * valid (on the old, shorter `SharedArrayBuffer` object, which `memory.buffer` replaces by a
 * new one after each grow). {@link heapPtr} therefore recognizes a heap view by its buffer
 * being one of the `SharedArrayBuffer` objects the memory has handed out.
 *
 * Blocks are multiples of 64 bytes, 64-byte aligned, recycled through exact-size free lists
 * (training loops allocate the same sizes every step); fresh blocks come from a bump pointer,
 * growing the memory as needed. When the memory cannot grow (its maximum, or the engine
 * refuses), {@link heapAlloc} returns -1 and the caller falls back to an ordinary typed array.
 * Heap views are invisible to V8's allocation accounting (an ordinary typed array counts as
 * external memory and so triggers collections), so tensors left to the FinalizationRegistry
 * would let the heap grow without a collection ever running: past `heapLimit.bytes` of blocks
 * (1 GiB by default, `DL_CPU_WASM_HEAP_MB`), new buffers are ordinary typed arrays again,
 * whose allocation pressure lets the collector run and the finalizers return heap blocks.
 * Wasm memory never shrinks: freed blocks stay in the free lists for reuse.
 * Without `SharedArrayBuffer` (a browser page that is not cross-origin isolated) there is no
 * heap: a non-shared memory detaches its buffer on grow, which would invalidate every view.
 * The first `reserved` bytes (the staging chunks of the copy path) are never handed out.
 * The GEMM engine (gemm.ts) runs on this memory too, its header and workspace in heap blocks
 * (Note [GEMM on the heap]), so it packs heap tensors in place.
 */

const PAGE = 65536;
const ALIGN = 64;

export interface Heap {
  memory: WebAssembly.Memory;
  maxPages: number;
  /** every SharedArrayBuffer object `memory.buffer` has returned */
  buffers: Set<ArrayBufferLike>;
  current: ArrayBufferLike;
  top: number;
  free: Map<number, number[]>;
  /** bytes in blocks handed out (live or in free lists) */
  reservedBytes: number;
}

let heap: Heap | null | undefined;

/** Most bytes of blocks the heap hands out before {@link heapAlloc} declines (see Note [Wasm heap]). */
export const heapLimit = {
  bytes: (() => {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
    const mb = Number(env?.DL_CPU_WASM_HEAP_MB);
    return Number.isFinite(mb) && mb > 0 ? mb * 2 ** 20 : 2 ** 30;
  })(),
};
let enabledOverride: boolean | undefined;

// The environment is read once: `heapEnabled()` runs on every float32 allocation, and reading
// `process.env` each time was ~2% of a LeNet step (setHeapEnabled switches at run time).
let envCached: boolean | undefined;
function envFlag(): boolean {
  return (envCached ??= readEnvFlag());
}
function readEnvFlag(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  if (env?.DL_CPU_WASM === '0') return false;
  const v = env?.DL_CPU_WASM_HEAP;
  if (v === undefined || v === '') return HEAP_DEFAULT;
  return v === '1' || v === 'true' || v === 'on';
}

/** Heap allocation when `DL_CPU_WASM_HEAP` is unset. */
const HEAP_DEFAULT = true;

/** Is float32 storage allocated in the wasm heap? (`DL_CPU_WASM_HEAP=0` turns it off; on by default.) */
export function heapEnabled(): boolean {
  return (enabledOverride ?? envFlag()) && getHeap() !== null;
}

/** Turn heap allocation on or off at run time (tests, benchmarks); `undefined` restores the env default. */
export function setHeapEnabled(on: boolean | undefined): void {
  enabledOverride = on;
}

/**
 * The heap's memory, created on first use with `reservedPages` pages at its start for
 * the caller (the elementwise engine's staging chunks). Null without shared memory.
 */
export function getHeap(reservedPages = 4): Heap | null {
  if (heap !== undefined) return heap;
  heap = null;
  if (typeof SharedArrayBuffer === 'undefined' || typeof WebAssembly !== 'object') return heap;
  for (const maxPages of [65536, 32768, 16384, 4096]) {
    try {
      const memory = new WebAssembly.Memory({ initial: reservedPages, maximum: maxPages, shared: true });
      const current = memory.buffer;
      heap = {
        memory,
        maxPages,
        buffers: new Set([current]),
        current,
        top: reservedPages * PAGE,
        free: new Map(),
        reservedBytes: 0,
      };
      break;
    } catch {
      // try a smaller maximum
    }
  }
  return heap;
}

/** Byte offset of a heap view's data in the heap memory, or -1 for any other array. */
export function heapPtr(a: ArrayBufferView): number {
  const h = heap;
  return h && h.buffers.has(a.buffer) ? a.byteOffset : -1;
}

/**
 * Allocate `bytes` (rounded up to 64) in the heap; -1 when the memory cannot grow. `unlimited`:
 * not subject to `heapLimit` (the GEMM engine's long-lived header and workspace, which must not
 * fail where a tensor would fall back to an ordinary array).
 */
export function heapAlloc(bytes: number, unlimited = false): number {
  const h = heap;
  if (!h) return -1;
  const size = Math.max(ALIGN, (bytes + ALIGN - 1) & ~(ALIGN - 1));
  const list = h.free.get(size);
  const p = list?.pop();
  if (p !== undefined) return p;
  if (!unlimited && h.reservedBytes + size > heapLimit.bytes) return -1;
  const end = h.top + size;
  const have = h.current.byteLength;
  if (end > have) {
    // grow by at least 1/8 of the current size (fewer grows, fewer buffer objects)
    const need = Math.ceil((end - have) / PAGE);
    const cur = have / PAGE;
    const want = Math.min(h.maxPages - cur, Math.max(need, Math.ceil(cur / 8)));
    if (want < need) return -1;
    try {
      h.memory.grow(want);
    } catch {
      try {
        h.memory.grow(need);
      } catch {
        return -1;
      }
    }
    h.current = h.memory.buffer;
    h.buffers.add(h.current);
  }
  h.top = end;
  h.reservedBytes += size;
  return end - size;
}

/** Return a block from {@link heapAlloc} (`bytes` as allocated). */
export function heapFree(ptr: number, bytes: number): void {
  const h = heap;
  if (!h) return;
  const size = Math.max(ALIGN, (bytes + ALIGN - 1) & ~(ALIGN - 1));
  let list = h.free.get(size);
  if (!list) h.free.set(size, (list = []));
  list.push(ptr);
}

/** A float32 view of `n` floats at `ptr` (on the memory's current buffer). */
export function heapF32(ptr: number, n: number): Float32Array {
  return new Float32Array(heap!.current as ArrayBuffer, ptr, n);
}

/** Heap statistics (tests): bytes reserved by blocks, free-listed bytes, memory size. */
export function heapStats(): { reservedBytes: number; freeBytes: number; memoryBytes: number } {
  const h = heap;
  if (!h) return { reservedBytes: 0, freeBytes: 0, memoryBytes: 0 };
  let freeBytes = 0;
  for (const [size, list] of h.free) freeBytes += size * list.length;
  return { reservedBytes: h.reservedBytes, freeBytes, memoryBytes: h.current.byteLength };
}
