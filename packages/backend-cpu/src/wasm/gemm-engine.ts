/**
 * The GEMM engine: the compiled kernel module on its memory (the wasm heap's, Note [GEMM on the
 * heap]), the job header and workspace, the worker pool, and the thread settings; gemm.ts
 * drives it.
 *
 * @example
 * import { setNumThreads, gemmInfo } from './gemm-engine.js';
 * setNumThreads(2);
 * gemmInfo().threads; // 2 where workers can run
 */
import { relaxedSimdSupported } from './assembler.js';
import { buildGemmModule } from './gemm-kernel.js';
import type { PackFns } from './gemm-pack.js';
import { getHeap, heapAlloc, heapFree } from './heap.js';
import { defaultThreadCount, waitOnCaller, WorkerPool } from './pool.js';
import { drainTasks, Hdr, runTask, type TaskFns } from './tasks.js';

/** Block sizes and thresholds (exported for benchmarks; change before first use). */
export const gemmTuning = {
  /** register tile rows */
  mr: 4,
  /** register tile v128 columns (NR = 4 * nv) */
  nv: 2,
  /** K block */
  kc: 256,
  /** rows of an M block (rounded to MR) */
  mc: 128,
  /** work (M*N*K) from which the pool is used */
  minParallelWork: 96 * 96 * 96,
  /** target tasks per thread when splitting */
  tasksPerThread: 4,
  /** let the tasks pack their own B panels when the job has one M block (Note [Tasks pack B] in tasks.ts) */
  taskPackB: true,
};

const PAGE = 65536;
const MAX_PAGES = 32768; // 2 GiB (own memory)

/**
 * Read heap operands in place and write a heap C directly (Note [GEMM on the heap]); off: stage
 * them through the workspace as for ordinary arrays (tests and A/B measurements).
 */
export const gemmDirect = { enabled: true };

/**
 * Note [GEMM on the heap]
 * Where the wasm heap exists (Note [Wasm heap] in heap.ts), the engine runs on the heap's
 * memory: its job header is a heap block (the workers get its byte offset), and its workspace
 * (packed panels, C, staging, and a conv's data above them: Note [Conv workspace]) is another,
 * replaced by a larger block when a GEMM needs more. Float32 tensors allocated in the heap are
 * then in the engine's memory already: the wasm packers read A and B where they are (no
 * staging copy), and a C whose rows are whole register tiles (M % MR = N % NR = 0, unit column
 * stride) is written by the micro-kernel in place (row stride `Hdr.LDC`, adding to it for
 * `accumulate`: `Hdr.ACC`) instead of through the engine's C block and a copy. Packing finishes
 * before the kernel starts, so C may still alias A or B. Without the heap (no
 * SharedArrayBuffer) the engine has its own memory: header at byte 0, workspace after it.
 */
export class Engine {
  readonly relaxed: boolean;
  readonly shared: boolean;
  readonly memory: WebAssembly.Memory;
  readonly module: WebAssembly.Module;
  readonly fns: TaskFns;
  readonly pack: PackFns;
  readonly MR: number;
  readonly NR: number;
  readonly pool: WorkerPool | undefined;
  /** the memory is the wasm heap's (Note [GEMM on the heap]) */
  readonly onHeap: boolean;
  /** byte offset of the job header */
  readonly hdr: number;
  /** byte offset and size of the workspace */
  base: number;
  cap = 0;
  private gen = 0;
  threads: number;

  constructor() {
    this.relaxed = relaxedSimdSupported();
    const h = getHeap();
    let hdr = -1;
    let base = -1;
    if (h) {
      hdr = heapAlloc(Hdr.BYTES, true);
      base = hdr >= 0 ? heapAlloc(16 * PAGE, true) : -1;
      if (base < 0 && hdr >= 0) heapFree(hdr, Hdr.BYTES);
    }
    let memory: WebAssembly.Memory | undefined;
    let maxPages = MAX_PAGES;
    if (h && base >= 0) {
      memory = h.memory;
      maxPages = h.maxPages;
      this.onHeap = true;
      this.hdr = hdr;
      this.base = base;
      this.cap = 16 * PAGE;
    } else {
      this.onHeap = false;
      this.hdr = 0;
      this.base = Hdr.BYTES;
      if (typeof SharedArrayBuffer !== 'undefined') {
        try {
          memory = new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES, shared: true });
        } catch {
          memory = undefined;
        }
      }
    }
    this.shared = memory !== undefined;
    this.memory = memory ?? new WebAssembly.Memory({ initial: 64, maximum: MAX_PAGES });
    if (!this.onHeap) this.cap = this.memory.buffer.byteLength - this.base;
    const { mr, nv } = gemmTuning;
    this.MR = mr;
    this.NR = 4 * nv;
    const bytes = buildGemmModule({
      mr,
      nv,
      unroll: 1,
      relaxed: this.relaxed,
      shared: this.shared,
      minPages: 1,
      maxPages,
    });
    this.module = new WebAssembly.Module(bytes);
    const inst = new WebAssembly.Instance(this.module, { env: { memory: this.memory } });
    this.fns = inst.exports as unknown as TaskFns;
    this.pack = inst.exports as unknown as PackFns;
    this.pool = this.shared ? new WorkerPool(this.module, this.memory, this.hdr) : undefined;
    if (this.pool && !this.pool.available) this.pool = undefined;
    this.threads = this.pool ? defaultThreadCount() : 1;
  }

  /**
   * Make the workspace at least `bytes` long. On the heap a larger block replaces it (its
   * contents are dropped: call this before placing data in it); its own memory grows in place.
   */
  ensure(bytes: number): void {
    if (bytes <= this.cap) return;
    if (this.onHeap) {
      const want = Math.ceil(Math.max(bytes, 2 * this.cap) / PAGE) * PAGE;
      let size = want;
      let p = heapAlloc(size, true);
      if (p < 0 && want > bytes) p = heapAlloc((size = Math.ceil(bytes / 64) * 64), true);
      if (p < 0) throw new RangeError(`sgemm: needs a ${bytes}-byte workspace, more than the wasm heap can grow to`);
      heapFree(this.base, this.cap);
      this.base = p;
      this.cap = size;
      return;
    }
    const end = this.base + bytes;
    const have = this.memory.buffer.byteLength;
    const pages = Math.ceil((end - have) / PAGE);
    if (have / PAGE + pages > MAX_PAGES) {
      throw new RangeError(`sgemm: needs ${end} bytes of wasm memory, more than the ${MAX_PAGES * PAGE} allowed`);
    }
    this.memory.grow(pages);
    this.cap = this.memory.buffer.byteLength - this.base;
  }

  header(): Int32Array {
    return new Int32Array(this.memory.buffer, this.hdr, Hdr.BYTES / 4);
  }

  /** Run the job described in the header with up to `threads` threads. */
  run(H: Int32Array, ntasks: number, threads: number, side?: () => void): void {
    if (threads <= 1 || !this.pool) {
      for (let i = 0; i < ntasks; i++) runTask(H, this.fns, i);
      side?.();
      return;
    }
    this.pool.resize(threads - 1);
    this.gen = (this.gen + 1) & 0x7fff;
    Atomics.store(H, Hdr.DONE, 0);
    Atomics.store(H, Hdr.CTR, this.gen << 16);
    Atomics.notify(H, Hdr.CTR);
    try {
      side?.(); // while the workers take the first tasks (Note [Side work during a GEMM])
    } finally {
      drainTasks(H, this.fns, runTask);
      for (;;) {
        const d = Atomics.load(H, Hdr.DONE);
        if (d >= ntasks) break;
        waitOnCaller(H, Hdr.DONE, d, 100); // spins on a browser main thread
      }
      Atomics.store(H, Hdr.CTR, (this.gen << 16) | 0xffff);
    }
  }
}

let engine: Engine | undefined;
let requestedThreads: number | undefined;

/** The engine, created on first use. */
export function getEngine(): Engine {
  if (!engine) {
    engine = new Engine();
    // close job 0 so a fresh worker never sees an open job
    Atomics.store(engine.header(), Hdr.CTR, 0xffff);
    if (requestedThreads !== undefined) engine.threads = engine.pool ? requestedThreads : 1;
  }
  return engine;
}

/**
 * Threads used by large GEMMs (the calling thread plus `n - 1` workers). Defaults to
 * `os.availableParallelism()`; 1 where shared wasm memory or workers are unavailable.
 *
 * @example
 * import { setNumThreads } from '@dl/backend-cpu';
 * setNumThreads(4); // as torch.set_num_threads(4)
 */
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: expected an integer >= 1, got ${n}`);
  requestedThreads = n;
  if (engine) {
    engine.threads = engine.pool ? n : 1;
    if (engine.pool && engine.pool.size > n - 1) engine.pool.resize(n - 1);
  }
}

/**
 * Threads the next large GEMM may use.
 *
 * @example
 * import { getNumThreads } from '@dl/backend-cpu';
 * getNumThreads(); // → e.g. 8, as torch.get_num_threads()
 */
export function getNumThreads(): number {
  return getEngine().threads;
}

/**
 * What the engine found: relaxed SIMD, shared memory, thread count, tile, whether it runs on the wasm heap.
 *
 * @example
 * import { gemmInfo } from '@dl/backend-cpu';
 * gemmInfo(); // → { relaxedSimd: true, sharedMemory: true, threads: 2, workers: 0, tile: [4, 8], … }
 */
export function gemmInfo(): {
  relaxedSimd: boolean;
  sharedMemory: boolean;
  threads: number;
  workers: number;
  workersReady: number;
  tile: [number, number];
  memoryBytes: number;
  /** runs on the wasm heap's memory (Note [GEMM on the heap]) */
  heap: boolean;
} {
  const e = getEngine();
  return {
    relaxedSimd: e.relaxed,
    sharedMemory: e.shared,
    threads: e.threads,
    workers: e.pool?.size ?? 0,
    workersReady: e.pool?.ready ?? 0,
    tile: [e.MR, e.NR],
    memoryBytes: e.memory.buffer.byteLength,
    heap: e.onHeap,
  };
}

/**
 * Start the workers now and resolve when they are ready, so the first large GEMM is
 * already parallel (otherwise the calling thread does the work of workers that are
 * still starting).
 *
 * @example
 * import { warmupThreads } from '@dl/backend-cpu';
 * await warmupThreads(); // → true once the workers are up
 */
export async function warmupThreads(timeoutMs = 10_000): Promise<boolean> {
  const e = getEngine();
  if (!e.pool || e.threads <= 1) return true;
  e.pool.resize(e.threads - 1);
  return e.pool.whenReady(timeoutMs);
}
