/**
 * The body of a DataLoader worker thread (Node `worker_threads`). It rebuilds the dataset
 * from its {@link WorkerSpec}, then answers `{ seq, indices }` tasks in order with the
 * collated batch (tensors as host arrays), bumping a shared counter so the main thread can
 * block (`Atomics.wait`) or await (`Atomics.waitAsync`) the reply.
 * @internal
 */
import { workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { DType, HostArray } from '@dl/tensor';
import type { WorkerSpec } from './dataset.js';

interface Init {
  id: number;
  spec: WorkerSpec;
  collate: 'default' | 'none';
  signal: SharedArrayBuffer;
  port: MessagePort;
  imports: string[];
}
interface Task {
  seq: number;
  indices: number[];
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
  return { length: spec.tensors[0]?.shape[0] ?? 0, getItem: (i) => gather([i], false), getBatch: (ix) => gather(ix, true) };
}

async function build(spec: WorkerSpec): Promise<Loaded> {
  if (spec.kind === 'shared-tensors') return sharedDataset(spec);
  if (spec.kind === 'subset') {
    const base = await build(spec.base);
    const map = (ix: readonly number[]) => ix.map((i) => spec.indices[i]!);
    return {
      length: spec.indices.length,
      getItem: (i) => base.getItem(spec.indices[i]!),
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
    return (isClass ? new (exp as new (...a: unknown[]) => Loaded)(...args) : await (exp as (...a: unknown[]) => Loaded)(...args)) as Loaded;
  }
  return exp as Loaded;
}

const ready = (async () => {
  for (const m of init.imports) await import(m);
  const ds = await build(init.spec);
  const collate = await import('./collate.js');
  const { batchReader } = await import('./dataset.js');
  return { ds, collate, batchReader };
})();

let chain: Promise<void> = Promise.resolve();
port.on('message', (task: Task | { stop: true }) => {
  if ('stop' in task) {
    port.close();
    return;
  }
  chain = chain.then(() => handle(task));
});

async function handle(task: Task): Promise<void> {
  let reply: unknown;
  const transfer: ArrayBuffer[] = [];
  try {
    const { ds, collate, batchReader } = await ready;
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
    const err = e as Error;
    reply = { seq: task.seq, ok: false, error: { name: err?.name ?? 'Error', message: String(err?.message ?? e), stack: err?.stack } };
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
