/**
 * The body of a DataLoader worker thread (Node `worker_threads`). It rebuilds the dataset
 * from its {@link WorkerSpec}, then answers `{ seq, indices }` tasks in order with the
 * collated batch (tensors as host arrays), bumping a shared counter so the main thread can
 * block (`Atomics.wait`) or await (`Atomics.waitAsync`) the reply.
 * @internal
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { IndexError, listDevices, manualSeed, type DType, type HostArray } from '@dl/tensor';
import type { WorkerSpec } from './dataset.js';
import { decodeState } from './worker-state.js';
import { setWorkerInfo } from './worker-info.js';
import { DEFINITIONS_MARK, definitionsHookUrl } from './entry-definitions.js';

interface Init {
  id: number;
  numWorkers: number;
  seed: number;
  spec: WorkerSpec;
  collate: 'default' | 'none';
  signal: SharedArrayBuffer;
  port: MessagePort;
  imports: string[];
  /** URL of the script the main thread runs (to resolve packages from), never imported. */
  main?: string;
  /** Set for an IterableDataset: this worker iterates its own copy and batches it. */
  iterable?: { batchSize: number | null; dropLast: boolean };
}
interface Task {
  seq: number;
  /** Indices of a map-style dataset's batch; null: the next batch of an iterable dataset's stream. */
  indices: number[] | null;
}
interface Loaded {
  length: number;
  getItem(i: number): unknown;
  getBatch?(ix: readonly number[]): unknown;
}

const init = workerData as Init;
const signal = new Int32Array(init.signal);
const port = init.port;

const CTORS: Record<DType, new (b: ArrayBufferLike, off?: number, len?: number) => HostArray> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as never;

/** Rows of shared tensors, gathered in plain JS: no backend is needed in the worker. */
function sharedDataset(spec: Extract<WorkerSpec, { kind: 'shared-tensors' }>): Loaded {
  const views = spec.tensors.map((t) => ({ ...t, arr: new CTORS[t.dtype](t.buffer), row: t.shape.slice(1).reduce((a, b) => a * b, 1) }));
  const gather = (ix: readonly number[], keepDim: boolean) =>
    views.map((v) => {
      const out = new CTORS[v.dtype](new ArrayBuffer(ix.length * v.row * v.arr.BYTES_PER_ELEMENT));
      ix.forEach((i, k) => out.set(v.arr.subarray(i * v.row, (i + 1) * v.row), k * v.row));
      return { __dlTensor: 1, dtype: v.dtype, shape: keepDim ? [ix.length, ...v.shape.slice(1)] : v.shape.slice(1), data: out };
    });
  const length = spec.tensors[0]?.shape[0] ?? 0;
  const check = (ix: readonly number[]) => {
    for (const i of ix) {
      if (!Number.isInteger(i) || i < 0 || i >= length)
        throw new IndexError(`TensorDataset: index ${i} is out of range for a dataset of length ${length}`, { op: 'TensorDataset' });
    }
  };
  return {
    length,
    getItem: (i) => (check([i]), gather([i], false)),
    getBatch: (ix) => (check(ix), gather(ix, true)),
  };
}

let hooked = false;
/** Once, before loading a module's definitions only (Note [Classes of the script that was run]). */
function registerDefinitionsHook(): void {
  if (hooked) return;
  hooked = true;
  register(definitionsHookUrl());
}

async function build(spec: WorkerSpec): Promise<Loaded> {
  if (spec.kind === 'shared-tensors') return sharedDataset(spec);
  if (spec.kind === 'state') return (await decodeState(spec.state, registerDefinitionsHook)) as Loaded;
  if (spec.kind === 'subset') {
    const base = await build(spec.base);
    const check = (i: number) => {
      if (!Number.isInteger(i) || i < 0 || i >= spec.indices.length)
        throw new IndexError(`Subset: index ${i} is out of range for a dataset of length ${spec.indices.length}`, { op: 'Subset' });
      return spec.indices[i]!;
    };
    const map = (ix: readonly number[]) => ix.map(check);
    return {
      length: spec.indices.length,
      getItem: (i) => base.getItem(check(i)),
      ...(base.getBatch ? { getBatch: (ix: readonly number[]) => base.getBatch!(map(ix)) } : {}),
    };
  }
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const name = spec.exportName ?? 'default';
  const exp = mod[name];
  if (exp === undefined) throw new Error(`DataLoader worker: module ${spec.module} has no export '${name}'`);
  const args = spec.args ?? [];
  if (typeof exp === 'function') {
    const isClass = /^class\s/.test(Function.prototype.toString.call(exp));
    return (
      isClass ? new (exp as new (...a: unknown[]) => Loaded)(...args) : await (exp as (...a: unknown[]) => Loaded)(...args)
    ) as Loaded;
  }
  return exp as Loaded;
}

const ready = (async () => {
  const what = init.spec.kind === 'module' ? init.spec.module : init.spec.kind === 'state' ? 'the modules of the dataset' : 'the dataset';
  const info = { id: init.id, numWorkers: init.numWorkers, seed: init.seed, dataset: undefined as unknown };
  setWorkerInfo(info, what);
  for (const m of init.imports) await import(m);
  await importBackends();
  manualSeed(init.seed);
  const ds = await build(init.spec);
  info.dataset = ds;
  setWorkerInfo(info);
  const collate = await import('./collate.js');
  const { batchReader } = await import('./dataset.js');
  return { ds, collate, batchReader };
})();

/**
 * The backends the main thread uses for cpu tensors: a worker's dataset makes tensors
 * (transforms, collate) without importing a backend itself, as in the main thread where
 * the script imported it once.
 */
async function importBackends(): Promise<void> {
  if (listDevices().includes('cpu')) return;
  for (const from of [import.meta.url, ...(init.main ? [init.main] : [])]) {
    try {
      const req = createRequire(from);
      await import(pathToFileURL(req.resolve('@dl/backend-cpu')).href);
      return;
    } catch {
      /* try the next place */
    }
  }
  try {
    await import('@dl/backend-cpu' as string);
  } catch {
    /* a dataset without tensors needs no backend; one with tensors fails with getBackend's hint */
  }
}

let chain: Promise<void> = Promise.resolve();
port.on('message', (task: Task | { stop: true }) => {
  if ('stop' in task) {
    port.close();
    return;
  }
  chain = chain.then(() => handle(task));
});

let stream: AsyncIterator<unknown> | Iterator<unknown> | undefined;
let exhausted = false;

/** The next batch of this worker's copy of an iterable dataset (as a list when not collated), or undefined at its end. */
async function nextOfStream(ds: unknown, batchSize: number | null, dropLast: boolean): Promise<unknown[] | undefined> {
  if (!stream) {
    const d = ds as { [Symbol.asyncIterator]?: () => AsyncIterator<unknown>; [Symbol.iterator]?: () => Iterator<unknown> };
    stream = d[Symbol.asyncIterator]?.() ?? d[Symbol.iterator]?.();
    if (!stream) throw new TypeError('DataLoader worker: the IterableDataset has neither [Symbol.iterator] nor [Symbol.asyncIterator]');
  }
  const items: unknown[] = [];
  const want = batchSize ?? 1;
  while (!exhausted && items.length < want) {
    const r = await stream.next();
    if (r.done) exhausted = true;
    else items.push(r.value);
  }
  if (items.length === 0 || (items.length < want && dropLast)) return undefined;
  return items;
}

async function handle(task: Task): Promise<void> {
  let reply: unknown;
  const transfer: ArrayBuffer[] = [];
  try {
    const { ds, collate, batchReader } = await ready;
    if (task.indices === null) {
      const { batchSize, dropLast } = init.iterable!;
      const items = await nextOfStream(ds, batchSize, dropLast);
      const value = items === undefined ? undefined : init.collate === 'default' ? collate.defaultCollate(items) : items;
      reply =
        items === undefined ? { seq: task.seq, ok: true, done: true } : { seq: task.seq, ok: true, value: collate.toWire(value, transfer) };
      port.postMessage(reply, transfer);
      Atomics.add(signal, init.id, 1);
      Atomics.notify(signal, init.id);
      return;
    }
    let value: unknown;
    const reader = init.collate === 'default' ? (ds.getBatch ? (ix: readonly number[]) => ds.getBatch!(ix) : batchReader(ds)) : undefined;
    if (reader) value = reader(task.indices);
    else {
      const items = await Promise.all(task.indices.map((i) => ds.getItem(i)));
      value = init.collate === 'default' ? collate.defaultCollate(items) : items;
    }
    value = await value;
    reply = { seq: task.seq, ok: true, value: collate.toWire(value, transfer) };
    collectTransfers(reply, transfer);
  } catch (e) {
    reply = { seq: task.seq, ok: false, error: describeError(e) };
  }
  port.postMessage(reply, transfer);
  Atomics.add(signal, init.id, 1);
  Atomics.notify(signal, init.id);
}

/** Host arrays already in wire form (shared-tensor gathers) own their buffers: move them. */
function collectTransfers(v: unknown, out: ArrayBuffer[]): void {
  if (ArrayBuffer.isView(v)) {
    if (v.buffer instanceof ArrayBuffer && v.byteLength === v.buffer.byteLength && !out.includes(v.buffer)) out.push(v.buffer);
    return;
  }
  if (v !== null && typeof v === 'object') for (const x of Object.values(v)) collectTransfers(x, out);
}

/** An error as the main thread re-raises it: its class chain (to pick the same class there), message, stack, op and hint. */
function describeError(e: unknown): { name: string; message: string; stack?: string; classes: string[]; op?: string; hint?: string } {
  const err = e as Error & { op?: string; hint?: string };
  const classes: string[] = [];
  for (
    let p = e !== null && typeof e === 'object' ? Object.getPrototypeOf(e) : null;
    p && p !== Object.prototype;
    p = Object.getPrototypeOf(p)
  ) {
    const n = (p as { constructor?: { name?: string } }).constructor?.name;
    if (n) classes.push(n);
  }
  let message = String(err?.message ?? e);
  if (err instanceof ReferenceError && err.stack?.includes(`${DEFINITIONS_MARK}=`)) {
    message +=
      ' (the dataset class is defined in the script you ran; DataLoader workers load only its imports and declarations without side effects, not its other statements:' +
      ' move the class, and what it uses, into a module of its own and import it)';
  }
  return {
    name: err?.name ?? 'Error',
    message,
    ...(err?.stack ? { stack: err.stack } : {}),
    classes,
    ...(typeof err?.op === 'string' ? { op: err.op } : {}),
    ...(typeof err?.hint === 'string' ? { hint: err.hint } : {}),
  };
}
