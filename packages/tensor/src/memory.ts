import type { TensorBase } from './tensor-base.js';
import { liveStats } from './storage.js';
import { listDevices, getBackend } from './registry.js';

const scopes: Set<TensorBase>[] = [];
/** Live (not disposed, not collected) tensor objects. */
export const tensorCount = { live: 0 };

/** @internal Called for every new tensor: counts it, and the innermost `tidy` scope adopts it. */
export function trackTensor(t: TensorBase): void {
  tensorCount.live++;
  const scope = scopes[scopes.length - 1];
  if (scope) scope.add(t);
}

/**
 * Keep a tensor created inside `tidy` alive after the scope ends (like tfjs's `keep`).
 * Autograd keeps the `.grad` it writes to leaves; optimizers keep their state.
 *
 * @example
 * dl.tidy(() => { state.momentum = dl.keep(dl.zerosLike(p)); });
 */
export function keep<T extends TensorBase>(t: T): T {
  for (const s of scopes) s.delete(t);
  return t;
}


function collect(v: unknown, out: Set<TensorBase>, seen = new Set<unknown>()): void {
  if (v === null || typeof v !== 'object' || seen.has(v)) return;
  seen.add(v);
  if (typeof (v as TensorBase)._view === 'function' && 'shape' in (v as object)) {
    out.add(v as TensorBase);
    return;
  }
  if (Array.isArray(v)) for (const x of v) collect(x, out, seen);
  else if (Object.getPrototypeOf(v) === Object.prototype) for (const x of Object.values(v)) collect(x, out, seen);
}

/**
 * Run `fn`, then dispose every tensor it created except those it returns (in any nested
 * arrays/objects) and those passed to {@link keep}. Storages still used by views, the
 * autograd graph or returned tensors stay alive (they are refcounted).
 *
 * @example
 * const loss = dl.tidy(() => model.forward(x).sub(y).pow(2).mean());
 */
export function tidy<T>(fn: () => T): T {
  const scope = new Set<TensorBase>();
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  if (result instanceof Promise) throw new TypeError('tidy: fn must be synchronous (it returned a Promise)');
  const kept = new Set<TensorBase>();
  collect(result, kept);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t)) parent?.add(t);
    else t.dispose();
  }
  return result;
}

/** Per-device memory: live storages and their bytes, and the backend's own view (pool). */
export interface MemoryInfo {
  /** Tensor objects alive (views count: each holds a reference to its storage). */
  tensors: number;
  devices: Record<string, { storages: number; bytes: number; backend?: { bytesInUse: number; bytesPooled: number; buffers: number } }>;
}

/**
 * What is alive now, per device. A training loop should hold these numbers flat.
 *
 * @example
 * const before = dl.memory().devices.cpu.bytes;
 */
export function memory(): MemoryInfo {
  const devices: MemoryInfo['devices'] = {};
  for (const name of listDevices()) {
    const s = liveStats.get(name) ?? { storages: 0, bytes: 0 };
    let backend;
    try {
      backend = getBackend(name).memoryInfo?.();
    } catch {
      backend = undefined;
    }
    devices[name] = { storages: s.storages, bytes: s.bytes, ...(backend ? { backend } : {}) };
  }
  return { tensors: tensorCount.live, devices };
}
