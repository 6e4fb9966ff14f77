/**
 * Worker-thread pool for the wasm GEMM: Node's `worker_threads`, or in a browser page that
 * is `crossOriginIsolated` (so wasm memory can be shared), module Web Workers (Note [Web
 * Workers]). Elsewhere there is no pool and the GEMM runs single-threaded.
 *
 * The workers share the engine's `WebAssembly.Memory({ shared: true })` and the
 * compiled module; they sleep in `Atomics.wait` on the job counter and take tasks as
 * described in Note [Job protocol] (tasks.ts). The calling thread always works too,
 * so `n` threads means `n - 1` workers. Workers are `unref()`ed: the pool never keeps
 * a process alive.
 *
 * Note [Worker module]
 * A worker runs gemm-worker.js, a module file beside this one, started by URL:
 * `new Worker(new URL('./gemm-worker.js', import.meta.url), { type: 'module' })` in a
 * browser, `new Worker(url, { workerData })` from `worker_threads` in Node. Nothing is
 * compiled from a string (no eval, no Function constructor, no Blob/data URL of function
 * source), so the pool works under `Content-Security-Policy: script-src 'self'
 * 'wasm-unsafe-eval'` (the worker's script is same-origin, which `worker-src`/`script-src
 * 'self'` allow).
 *
 * Note [Plain-JS worker module]
 * The worker's code is written in TypeScript (tasks.ts, shared with the calling thread, and
 * gemm-worker-main.ts), but a worker thread starts from a file that Node must load as it is:
 * from dist, and from the source tree under vitest or tsx, whose TypeScript hooks a worker
 * thread does not inherit. So `pnpm gen:kernels` (scripts/gen-cpu-kernels.mjs) transpiles the
 * two into one self-contained plain-JS module, gemm-worker.js (generated: do not edit), which
 * is committed (a test fails when it is stale) and emitted to dist beside the rest (`allowJs`).
 * It imports nothing, so it also works when a bundler copies it as a plain asset.
 *
 * Bundlers: Vite, webpack 5 and Parcel recognise the `new Worker(new URL(…, import.meta.url),
 * { type: 'module' })` expression below and emit the worker on their own; nothing to do.
 * esbuild does not follow such URLs: add the export `@dl/backend-cpu/gemm-worker` as a second
 * entry point, written beside your bundle as `gemm-worker.js` (format `esm`), e.g.
 * `esbuild app.js gemm-worker=@dl/backend-cpu/gemm-worker --bundle --format=esm
 * --outdir=dist`, or copy the file there. Without it (or where `import.meta.url` is unavailable,
 * as in an IIFE bundle), the worker fails to start; the pool then does without it and the
 * GEMM runs on the calling thread.
 *
 * Note [Web Workers]
 * A browser main thread may not `Atomics.wait` (it throws), so {@link waitOnCaller} spins
 * there instead; the workers themselves do block. A Web Worker gets the module and the
 * shared memory by `postMessage`, which only works when the page is cross-origin
 * isolated (COOP `same-origin` + COEP `require-corp`), hence the `crossOriginIsolated`
 * check. Worker errors are ignored as in Node: the caller does the work of a worker that
 * never becomes ready.
 */
import type { WorkerStart } from './gemm-worker-main.js';
import { Hdr } from './tasks.js';

interface PoolWorker {
  unref(): void;
  terminate(): void;
  on(event: 'error', cb: (arg: unknown) => void): void;
}
type StartWorker = (start: WorkerStart) => PoolWorker;

interface NodeWorkerThreads {
  Worker: new (
    url: URL,
    opts: { workerData: unknown; name?: string; execArgv?: string[] },
  ) => PoolWorker & { terminate(): Promise<number> };
}

function builtin<T>(id: string): T | undefined {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (!p || typeof p.getBuiltinModule !== 'function') return undefined;
  try {
    return p.getBuiltinModule(id) as T;
  } catch {
    return undefined;
  }
}

/** `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` elsewhere, else 1. */
export function defaultThreadCount(): number {
  const os = builtin<{ availableParallelism?: () => number; cpus(): unknown[] }>('node:os');
  if (os) return Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length);
  const nav = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator;
  return Math.max(1, nav?.hardwareConcurrency ?? 1);
}

/**
 * The worker module's file name. Node takes the URL from a variable, so that bundlers do not
 * also copy the file as a raw asset; the browser branch spells it out for them (Note [Worker module]).
 */
const WORKER_FILE = './gemm-worker.js';

/** A `worker_threads` worker on gemm-worker.js. */
function nodeStarter(): StartWorker | undefined {
  const wt = builtin<NodeWorkerThreads>('node:worker_threads');
  if (!wt) return undefined;
  return (start) =>
    new wt.Worker(new URL(WORKER_FILE, import.meta.url), {
      workerData: start,
      name: 'dl-wasm-gemm',
      // plain JS: no loaders or hooks of the parent (tsx, vitest) in the worker
      execArgv: [],
    });
}

/** A browser module Web Worker on gemm-worker.js behind the `PoolWorker` interface (Note [Web Workers]). */
function webStarter(): StartWorker | undefined {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown };
  if (g.crossOriginIsolated !== true || typeof g.Worker !== 'function') return undefined;
  return (start) => {
    const w = new Worker(new URL('./gemm-worker.js', import.meta.url), { type: 'module', name: 'dl-wasm-gemm' });
    w.postMessage(start);
    return {
      unref(): void {},
      terminate(): void {
        w.terminate();
      },
      on(event, cb): void {
        w.addEventListener(event, cb);
      },
    };
  };
}

let callerCanBlock: boolean | undefined;

/**
 * `Atomics.wait` for the calling thread; where it may not block (a browser main thread)
 * it returns at once, and the caller's loop spins.
 */
export function waitOnCaller(H: Int32Array, index: number, value: number, timeoutMs: number): void {
  if (callerCanBlock === undefined) {
    try {
      Atomics.wait(H, index, ~value, 0); // never equal: returns 'not-equal' where waiting is allowed
      callerCanBlock = true;
    } catch {
      callerCanBlock = false;
    }
  }
  if (callerCanBlock) Atomics.wait(H, index, value, timeoutMs);
}

/** Header words READY..READY+MAX_WORKERS-1 hold one ready flag per worker. */
export const MAX_WORKERS = Hdr.BYTES / 4 - Hdr.READY;

/** The worker pool of one engine (one shared memory, one module). */
export class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private start: StartWorker | undefined;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
    /** byte offset of the job header (Note [Job protocol]) in `memory` */
    private readonly header = 0,
  ) {
    this.start = nodeStarter() ?? webStarter();
  }

  /**
   * Can this environment run workers on the shared memory? Turns false for good when a worker
   * cannot even be constructed (its module file is missing from a bundle, a CSP forbids it).
   */
  get available(): boolean {
    return this.start !== undefined;
  }

  /** Number of workers started (ready or not). */
  get size(): number {
    return this.workers.length;
  }

  /** Workers that have instantiated the module and joined the task loop. */
  get ready(): number {
    const H = new Int32Array(this.memory.buffer, this.header, Hdr.BYTES / 4);
    let n = 0;
    for (let i = 0; i < this.workers.length; i++) n += Atomics.load(H, Hdr.READY + i);
    return n;
  }

  /** Grow or shrink to `n` workers. Shrinking terminates the extra ones. */
  resize(n: number): void {
    if (!this.start) return;
    n = Math.min(n, MAX_WORKERS);
    while (this.workers.length < n) {
      let w: PoolWorker;
      try {
        w = this.start({ module: this.module, memory: this.memory, header: this.header, index: this.workers.length });
      } catch (err) {
        // Note [Worker module]: no worker can start here; the caller does all the work.
        debugPool('cannot start a dl-wasm-gemm worker; running single-threaded', err);
        this.start = undefined;
        break;
      }
      w.on('error', (err) => {
        debugPool('dl-wasm-gemm worker error', err);
        // A worker that fails simply never takes tasks; the caller does its share.
      });
      w.unref();
      this.workers.push(w);
    }
    if (this.workers.length > n) {
      // Called between jobs only: no worker holds a task now.
      const H = new Int32Array(this.memory.buffer, this.header, Hdr.BYTES / 4);
      for (let i = n; i < this.workers.length; i++) Atomics.store(H, Hdr.READY + i, 0);
      for (const w of this.workers.splice(n)) w.terminate();
    }
  }

  /** Resolves when all started workers are ready (or after `timeoutMs`). */
  async whenReady(timeoutMs = 10_000): Promise<boolean> {
    const t0 = Date.now();
    while (this.ready < this.workers.length) {
      if (Date.now() - t0 > timeoutMs) return false;
      await new Promise((r) => setTimeout(r, 2));
    }
    return true;
  }
}

function debugPool(what: string, err: unknown): void {
  const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
  if (p?.env?.DL_DEBUG_POOL) console.error(what, err);
}
