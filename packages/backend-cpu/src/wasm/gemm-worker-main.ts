/**
 * The GEMM worker's code: instantiates the engine's compiled module on the shared memory, marks
 * itself ready, and takes tasks as described in Note [Job protocol] (tasks.ts) until the engine
 * sets STOP. It runs as gemm-worker.js, this file and tasks.ts transpiled into one
 * self-contained plain-JS module (Note [Plain-JS worker module]), started by the pool (pool.ts)
 * as `new Worker(new URL('./gemm-worker.js', import.meta.url), …)`: a module worker in
 * a browser (the first message carries {@link WorkerStart}), a `worker_threads` worker in Node
 * (`workerData` carries it).
 *
 * @example
 * // Node
 * new Worker(new URL('./gemm-worker.js', import.meta.url), { workerData: { module, memory, header: 0, index: 0 } });
 * // browser
 * const w = new Worker(new URL('./gemm-worker.js', import.meta.url), { type: 'module' });
 * w.postMessage({ module, memory, header: 0, index: 0 });
 */
import { drainTasks, Hdr, runTask, type TaskFns } from './tasks.js';

/** What a worker needs: the compiled module, the shared memory, the job header's byte offset in it, its index (its ready flag). */
export interface WorkerStart {
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  header: number;
  index: number;
}

/** Join the task loop; returns when the engine sets STOP. */
function run({ module, memory, header, index }: WorkerStart): void {
  const instance = new WebAssembly.Instance(module, { env: { memory } });
  const fns = instance.exports as unknown as TaskFns;
  const H = new Int32Array(memory.buffer, header, Hdr.BYTES / 4);
  Atomics.store(H, Hdr.READY + index, 1);
  for (;;) {
    const v = drainTasks(H, fns, runTask);
    if (Atomics.load(H, Hdr.STOP) !== 0) break;
    Atomics.wait(H, Hdr.CTR, v, 1000);
  }
}

// `getBuiltinModule` keeps `node:worker_threads` out of static imports, so browser bundles build.
const wt = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule?.(
  'node:worker_threads',
) as { isMainThread: boolean; workerData: WorkerStart } | undefined;
if (wt && !wt.isMainThread) {
  run(wt.workerData);
} else {
  const scope = globalThis as unknown as { onmessage: ((ev: { data: WorkerStart }) => void) | null };
  scope.onmessage = (ev) => {
    scope.onmessage = null;
    run(ev.data);
  };
}
