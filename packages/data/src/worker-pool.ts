import {
  ArgumentError,
  AutogradError,
  BackendError,
  DLError,
  DTypeError,
  DeviceError,
  IndexError,
  ShapeError,
  StateError,
} from '@dl/tensor';
import type { WorkerSpec } from './dataset.js';
import { builtin } from './node-builtin.js';

type WT = typeof import('node:worker_threads');
type NodeModule = typeof import('node:module');

interface Reply {
  seq: number;
  ok: boolean;
  /** An iterable dataset's worker has no more batches. */
  done?: boolean;
  value?: unknown;
  error?: { name: string; message: string; stack?: string; classes?: string[]; op?: string; hint?: string };
}

/**
 * Error raised in a DataLoader worker, re-thrown in the main thread with the worker's stack.
 *
 * @example
 * try { for await (const batch of new DataLoader(ds, { numWorkers: 2 })) train(batch); }
 * catch (e) { if (e instanceof WorkerError) console.log(e.workerId, e.workerStack); } // the worker's own stack
 */
export class WorkerError extends Error {
  static {
    Object.defineProperty(this, 'name', { value: 'WorkerError' }); // the name in messages and reprs, minified or not
  }
  constructor(
    message: string,
    readonly workerId: number,
    readonly workerStack?: string,
  ) {
    super(message);
    this.name = 'WorkerError';
  }
}

type AtomicsWaitAsync = { waitAsync(a: Int32Array, i: number, v: number, t: number): { async: boolean; value: unknown } };

let live = 0;
/** @internal Number of DataLoader worker threads alive now (tests check shutdown). */
export function liveWorkers(): number {
  return live;
}

/**
 * Why workers cannot run here, or undefined when they can.
 *
 * @example
 * const why = workersUnavailable(); // undefined on Node ≥ 20.16
 * const loader = new DataLoader(ds, { batchSize: 64, numWorkers: why ? 0 : 4 });
 */
export function workersUnavailable(): string | undefined {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is not available (cross-origin isolation off?)';
  if (!builtin<WT>('node:worker_threads')) return "Node's worker_threads module is not available (not Node, or Node < 20.16)";
  return undefined;
}

/**
 * @internal A fixed set of worker threads fed round-robin. Each worker answers its tasks in
 * order, so batch k comes from worker k % n: batch order is kept whatever each one's speed.
 */
export class WorkerPool {
  static {
    Object.defineProperty(this, 'name', { value: 'WorkerPool' }); // the name in messages and reprs, minified or not
  }
  private readonly workers: import('node:worker_threads').Worker[] = [];
  private readonly ports: import('node:worker_threads').MessagePort[] = [];
  private readonly signal: Int32Array;
  private readonly wt: WT;
  private closed = false;

  constructor(
    n: number,
    spec: WorkerSpec,
    collate: 'default' | 'none',
    imports: string[],
    private readonly timeoutMs: number,
    seed: number,
    mainScript: string | undefined,
    iterable?: { batchSize: number | null; dropLast: boolean },
  ) {
    this.wt = builtin<WT>('node:worker_threads')!;
    this.signal = new Int32Array(new SharedArrayBuffer(8 * n));
    const { file, execArgv, tsx } = entry();
    try {
      for (let id = 0; id < n; id++) {
        const { port1, port2 } = new this.wt.MessageChannel();
        const w = new this.wt.Worker(BOOTSTRAP, {
          eval: true,
          workerData: {
            id,
            numWorkers: n,
            seed: seed + id,
            spec,
            collate,
            signal: this.signal.buffer,
            port: port2,
            imports,
            main: mainScript,
            iterable,
            entry: file.href,
            tsx,
          },
          transferList: [port2],
          ...(execArgv ? { execArgv } : {}),
        });
        live++;
        w.once('exit', () => live--);
        w.on('error', () => {}); // reported through the reply or the dead flag (see BOOTSTRAP)
        this.workers.push(w);
        this.ports.push(port1);
      }
    } catch (e) {
      this.close();
      throw e;
    }
  }

  get size(): number {
    return this.workers.length;
  }

  /** Ask `worker` for batch `seq`: these indices, or (null) the next batch of its iterable dataset. */
  send(worker: number, seq: number, indices: number[] | null): void {
    this.ports[worker]!.postMessage({ seq, indices });
  }

  private poll(worker: number): Reply | undefined {
    const m = this.wt.receiveMessageOnPort(this.ports[worker]!);
    return m ? (m.message as Reply) : undefined;
  }

  private dead(worker: number): boolean {
    return Atomics.load(this.signal, this.workers.length + worker) === 1;
  }

  private fail(worker: number, waited: number): never {
    if (this.dead(worker)) throw new WorkerError(`DataLoader worker ${worker} exited unexpectedly`, worker);
    throw new WorkerError(`DataLoader timed out after ${waited} ms waiting for worker ${worker}`, worker);
  }

  /**
   * One round of waiting for worker `w` (shared by the sync and async receivers): its reply if
   * there is one, else throws if the worker died or timed out, else undefined (wait again).
   */
  private check(worker: number, seq: number, start: number): { value: unknown } | undefined {
    const r = this.poll(worker);
    if (r) return { value: unwrap(r, worker, seq) };
    if (this.dead(worker)) this.fail(worker, Date.now() - start);
    if (this.timeoutMs > 0 && Date.now() - start > this.timeoutMs) this.fail(worker, Date.now() - start);
    return undefined;
  }

  /** Block until worker `w`'s next reply (main thread may block in Node: Atomics.wait). */
  receiveSync(worker: number, seq: number): unknown {
    const start = Date.now();
    for (;;) {
      const cur = Atomics.load(this.signal, worker);
      const r = this.check(worker, seq, start);
      if (r) return r.value;
      Atomics.wait(this.signal, worker, cur, 200);
    }
  }

  /** Await worker `w`'s next reply without blocking the event loop. */
  async receive(worker: number, seq: number): Promise<unknown> {
    const start = Date.now();
    for (;;) {
      const cur = Atomics.load(this.signal, worker);
      const r = this.check(worker, seq, start);
      if (r) return r.value;
      const res = (Atomics as unknown as AtomicsWaitAsync).waitAsync(this.signal, worker, cur, 200);
      if (res.async) await res.value;
    }
  }

  /** Stop and terminate every worker (idempotent). */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const p of this.ports) {
      try {
        p.close();
      } catch {
        /* already closed */
      }
    }
    return Promise.all(this.workers.map((w) => w.terminate())).then(() => undefined);
  }
}

const KNOWN: Record<string, new (m: string) => Error> = {
  ShapeError,
  DTypeError,
  DeviceError,
  IndexError,
  ArgumentError,
  StateError,
  AutogradError,
  BackendError,
  DLError,
  TypeError,
  RangeError,
  ReferenceError,
  SyntaxError,
  EvalError,
  URIError,
  Error,
};

/**
 * An error thrown in worker `worker`, re-created in the main thread as PyTorch re-raises
 * ("Caught IndexError in DataLoader worker process 0"): of the same class when the main thread
 * knows it (dl's error classes, JS's built-ins), else of its nearest known base class with the
 * original `name`, keeping `op` and `hint`; the worker's stack is appended to the error's.
 */
export function rethrown(e: NonNullable<Reply['error']>, worker: number): Error {
  const Cls = (e.classes ?? [e.name]).map((n) => (Object.hasOwn(KNOWN, n) ? KNOWN[n] : undefined)).find((c) => c) ?? Error;
  const message = `Caught ${e.name} in DataLoader worker ${worker}: ${e.message}`;
  const err = new Cls(message);
  err.message = message; // DLError would append a hint; the worker's message has it already
  if (err.name !== e.name) Object.defineProperty(err, 'name', { value: e.name, writable: true, configurable: true });
  if (err instanceof DLError) Object.assign(err, { op: e.op, hint: e.hint });
  Object.assign(err, { workerId: worker, workerStack: e.stack });
  const here = (err.stack ?? '').split('\n').slice(message.split('\n').length).join('\n');
  err.stack = `${e.name}: ${message}\n${here}\nOriginal stack in DataLoader worker ${worker}:\n${e.stack ?? '(none)'}`;
  return err;
}

/** What a receive returns when an iterable dataset's worker has no more batches. */
export const END: unique symbol = Symbol('DataLoader worker done');

function unwrap(r: Reply, worker: number, seq: number): unknown {
  if (!r.ok) throw rethrown(r.error!, worker);
  if (r.seq !== seq) throw new WorkerError(`DataLoader worker ${worker} answered batch ${r.seq}, expected ${seq}`, worker);
  return r.done ? END : r.value;
}

/**
 * The worker script: `worker-main.js` next to this file when built; in source mode
 * (`.ts`, under vitest or tsx) the `.ts` file, loaded through tsx with the `@dl/source` condition.
 */
function entry(): { file: URL; execArgv?: string[]; tsx?: string } {
  const here = import.meta.url;
  if (!here.endsWith('.ts')) return { file: new URL('./worker-main.js', here) };
  const mod = builtin<NodeModule>('node:module')!;
  const req = mod.createRequire(here);
  // tsx's --import entry registers only on the main thread; its ESM api registers anywhere.
  const tsx = new URL(
    'dist/esm/api/index.mjs',
    builtin<typeof import('node:url')>('node:url')!.pathToFileURL(req.resolve('tsx/package.json')),
  ).href;
  return { file: new URL('./worker-main.ts', here), execArgv: ['--conditions=@dl/source'], tsx };
}

/**
 * Note [Worker bootstrap]
 * Every worker starts from this small CommonJS script. It marks the worker dead in the shared
 * signal on exit, so a main thread blocked in `Atomics.wait` (which runs no events) notices a
 * crash; it registers tsx in source mode (Node 20 does not apply `--import`ed hooks to a
 * worker's entry); and it reports a failure to load the entry as an error reply.
 */
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
const sig = new Int32Array(workerData.signal);
const id = workerData.id;
const die = () => { Atomics.store(sig, sig.length / 2 + id, 1); Atomics.add(sig, id, 1); Atomics.notify(sig, id); };
process.on('exit', die);
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((e) => {
  workerData.port.postMessage({ seq: -1, ok: false, error: { name: e && e.name || 'Error', message: 'failed to start: ' + (e && e.message || e), stack: e && e.stack } });
  Atomics.add(sig, id, 1); Atomics.notify(sig, id);
});
`;
