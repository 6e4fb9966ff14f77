// @ts-check
/**
 * The GEMM worker's module: started by the pool (pool.ts) as
 * `new Worker(new URL('./gemm-worker.js', import.meta.url), …)`, a module worker in a browser
 * and a `worker_threads` worker in Node (Note [Worker module] in pool.ts). It instantiates the
 * engine's compiled module on the shared memory, marks itself ready, and takes tasks as
 * described in Note [Job protocol] (tasks.js) until the engine sets STOP. Plain JavaScript:
 * Note [Plain-JS worker modules].
 *
 * @example
 * // Node: the pool passes what the worker needs as workerData
 * new Worker(new URL('./gemm-worker.js', import.meta.url), { workerData: { module, memory, index: 0 } });
 * // browser: the first message carries it
 * const w = new Worker(new URL('./gemm-worker.js', import.meta.url), { type: 'module' });
 * w.postMessage({ module, memory, index: 0 });
 */
import { drainTasks, Hdr, runTask } from './tasks.js';

/**
 * @typedef {{ module: WebAssembly.Module, memory: WebAssembly.Memory, index: number }} WorkerStart
 */

/**
 * Join the task loop; returns when the engine sets STOP.
 * @param {WorkerStart} start
 * @returns {void}
 */
function run({ module, memory, index }) {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const kernel = /** @type {import('./tasks.js').KernelFn} */ (instance.exports['kernel']);
  const H = new Int32Array(memory.buffer, 0, Hdr.BYTES / 4);
  Atomics.store(H, Hdr.READY + index, 1);
  for (;;) {
    const v = drainTasks(H, kernel, runTask);
    if (Atomics.load(H, Hdr.STOP) !== 0) break;
    Atomics.wait(H, Hdr.CTR, v, 1000);
  }
}

/** @type {{ process?: { getBuiltinModule?: (id: string) => unknown } }} */
const g = globalThis;
// `getBuiltinModule` keeps `node:worker_threads` out of static imports, so browser bundles build.
const wt = /** @type {{ isMainThread: boolean, workerData: WorkerStart } | undefined} */ (
  g.process?.getBuiltinModule?.('node:worker_threads')
);
if (wt && !wt.isMainThread) {
  run(wt.workerData);
} else {
  /** @type {{ onmessage: ((ev: MessageEvent<WorkerStart>) => void) | null }} */
  const scope = /** @type {any} */ (globalThis);
  scope.onmessage = (ev) => {
    scope.onmessage = null;
    run(ev.data);
  };
}
