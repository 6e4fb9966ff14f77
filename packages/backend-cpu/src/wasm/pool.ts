/**
 * Worker-thread pool for the wasm GEMM: Node's `worker_threads`, or in a browser page that
 * is `crossOriginIsolated` (so wasm memory can be shared), Web Workers started from a Blob
 * URL (Note [Web Workers]). Elsewhere there is no pool and the GEMM runs single-threaded.
 *
 * The workers share the engine's `WebAssembly.Memory({ shared: true })` and the
 * compiled module; they sleep in `Atomics.wait` on the job counter and take tasks as
 * described in Note [Job protocol] (tasks.ts). The calling thread always works too,
 * so `n` threads means `n - 1` workers. Workers are `unref()`ed: the pool never keeps
 * a process alive. The worker's source is built as a string from the same task
 * functions the caller runs (Note [Self-contained task functions]) and started with
 * `eval: true`, so it works from TypeScript sources and from dist alike.
 *
 * Note [Web Workers]
 * A browser main thread may not `Atomics.wait` (it throws), so {@link waitOnCaller} spins
 * there instead; the workers themselves do block. A Web Worker gets the module and the
 * shared memory by `postMessage`, which only works when the page is cross-origin
 * isolated (COOP `same-origin` + COEP `require-corp`), hence the `crossOriginIsolated`
 * check. Worker errors are ignored as in Node: the caller does the work of a worker that
 * never becomes ready.
 */
import { drainTasks, Hdr, runTask } from './tasks.js';

interface NodeWorker {
  unref(): void;
  terminate(): Promise<number>;
  on(event: string, cb: (arg: unknown) => void): void;
}
type WorkerCtor = new (
  code: string,
  opts: { eval: true; workerData: unknown; name?: string; execArgv?: string[] },
) => NodeWorker;

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

function workerSource(web = false): string {
  const head = web
    ? `self.onmessage = (ev) => { self.onmessage = null; run(ev.data); };
function run(workerData) {`
    : `const { workerData } = process.getBuiltinModule('node:worker_threads');
run(workerData);
function run(workerData) {`;
  return `'use strict';
var __name = (f) => f;
${head}
const { module, memory, index } = workerData;
const kernel = new WebAssembly.Instance(module, { env: { memory } }).exports.kernel;
const H = new Int32Array(memory.buffer, 0, ${Hdr.BYTES / 4});
const runTask = ${runTask.toString()};
const drainTasks = ${drainTasks.toString()};
Atomics.store(H, ${Hdr.READY} + index, 1);
for (;;) {
  const v = drainTasks(H, kernel, runTask);
  if (Atomics.load(H, ${Hdr.STOP}) !== 0) break;
  Atomics.wait(H, 0, v, 1000);
}
}
`;
}

/** A browser Web Worker behind the `NodeWorker` interface (Note [Web Workers]). */
function webWorkerCtor(): WorkerCtor | undefined {
  const g = globalThis as {
    crossOriginIsolated?: boolean;
    Worker?: new (url: string, opts?: { name?: string }) => {
      postMessage(m: unknown): void;
      terminate(): void;
      addEventListener(t: string, cb: (e: unknown) => void): void;
    };
    Blob?: typeof Blob;
    URL?: typeof URL;
  };
  if (g.crossOriginIsolated !== true || typeof g.Worker !== 'function' || !g.Blob || !g.URL?.createObjectURL) return undefined;
  const W = g.Worker;
  let url: string | undefined;
  return class implements NodeWorker {
    private readonly w: InstanceType<typeof W>;
    constructor(_code: string, opts: { workerData: unknown; name?: string }) {
      url ??= URL.createObjectURL(new Blob([workerSource(true)], { type: 'text/javascript' }));
      this.w = new W(url, opts.name ? { name: opts.name } : {});
      this.w.postMessage(opts.workerData);
    }
    unref(): void {}
    terminate(): Promise<number> {
      this.w.terminate();
      return Promise.resolve(0);
    }
    on(event: string, cb: (arg: unknown) => void): void {
      this.w.addEventListener(event, cb);
    }
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
  private readonly workers: NodeWorker[] = [];
  private readonly Worker: WorkerCtor | undefined;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly memory: WebAssembly.Memory,
  ) {
    this.Worker = builtin<{ Worker: WorkerCtor }>('node:worker_threads')?.Worker ?? webWorkerCtor();
  }

  /** Can this environment run workers on the shared memory? */
  get available(): boolean {
    return this.Worker !== undefined;
  }

  /** Number of workers started (ready or not). */
  get size(): number {
    return this.workers.length;
  }

  /** Workers that have instantiated the module and joined the task loop. */
  get ready(): number {
    const H = new Int32Array(this.memory.buffer, 0, Hdr.BYTES / 4);
    let n = 0;
    for (let i = 0; i < this.workers.length; i++) n += Atomics.load(H, Hdr.READY + i);
    return n;
  }

  /** Grow or shrink to `n` workers. Shrinking terminates the extra ones. */
  resize(n: number): void {
    if (!this.Worker) return;
    n = Math.min(n, MAX_WORKERS);
    while (this.workers.length < n) {
      const w = new this.Worker(workerSource(), {
        eval: true,
        workerData: { module: this.module, memory: this.memory, index: this.workers.length },
        name: 'dl-wasm-gemm',
        // plain JS: no loaders or hooks of the parent (tsx, vitest) in the worker
        execArgv: [],
      });
      w.on('error', (err) => {
        if (typeof process !== 'undefined' && process.env?.DL_DEBUG_POOL) console.error('dl-wasm-gemm worker error', err);
        // A worker that fails simply never takes tasks; the caller does its share.
      });
      w.unref();
      this.workers.push(w);
    }
    if (this.workers.length > n) {
      // Called between jobs only: no worker holds a task now.
      const H = new Int32Array(this.memory.buffer, 0, Hdr.BYTES / 4);
      for (let i = n; i < this.workers.length; i++) Atomics.store(H, Hdr.READY + i, 0);
      for (const w of this.workers.splice(n)) void w.terminate();
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
