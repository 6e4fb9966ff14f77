import type { TensorBase } from './tensor-base.js';
import { liveStats, type Storage } from './storage.js';
import { listDevices, getBackend } from './registry.js';
import { getAutogradHook } from './autograd-hook.js';

/**
 * Note [Memory without ceremony]
 * JS has no destructors, and a FinalizationRegistry only runs between tasks, never inside a
 * synchronous training loop. So dl decides lifetimes itself (docs/guides/memory.md):
 *
 * 1. Scopes. Every library routine (a module's forward, a loss, an optimizer step, backward,
 *    collate) and every `tidy` runs in a scope. A tensor made in a scope belongs to it; when
 *    the scope ends, what it returns goes to the enclosing scope, what was stored on the
 *    module escapes, and everything else is disposed. Values the autograd graph saved survive
 *    (the graph holds its own reference to their storage).
 * 2. Loose tensors. A tensor made outside every scope, or returned out of the outermost one,
 *    has reached user code: it is "loose". dl cannot see whether the user still holds it, so
 *    it never frees it; at the next step boundary (an optimizer step, the end of backward, the
 *    next DataLoader batch, the next top-level module call, or `endStep()`) it hands the
 *    tensor's storage, and the storages its unused autograd graph saved, to the JS garbage
 *    collector (`Storage.spill`): on cpu the values move into a plain typed array. A tensor the
 *    user still holds keeps its values; one the user dropped is reclaimed by the collector,
 *    which does run inside synchronous loops. Pinned storages (parameters, buffers, gradients,
 *    optimizer state, `keep`) stay on the device. A spilled storage a kernel uses again comes
 *    back for that step (`Storage.adopt`), and stays, pinned, once used after two boundaries
 *    (an input reused every step).
 * 3. webgpu spills asynchronously (Note [Async spill] in @dl/backend-webgpu): the values reach
 *    host memory when the event loop turns. A backend without `spill` keeps loose tensors until
 *    they are disposed or collected; the FinalizationRegistry is then the net.
 */
interface Scope {
  name: string;
  tensors: TensorBase[];
}

const scopes: Scope[] = [];
/** Tensors that reached user code since the last step boundary. */
let loose: TensorBase[] = [];
let looseBytes = 0;
/**
 * Past this many bytes, or this many loose tensors, a boundary runs on its own, so that loops
 * calling no library routine (only tensor ops) stay bounded too (Note [The loose-count limit]).
 */
const LOOSE_LIMIT_BYTES = 64 * 2 ** 20;
/**
 * Note [The loose-count limit]
 * The loose list holds each tensor (its storage, its graph node) until the next boundary, so in
 * a loop of small ops everything made since the boundary survives each young-generation
 * collection of the JS heap, and a scavenge costs what survives it: at 10,000 loose tensors
 * scavenging was most of the time of a chain of 4-element adds (the bench's `op-overhead`
 * rows). 2,048 keeps the survivors a few MB, and the ops ~2× cheaper; a boundary costs a few
 * field writes per small tensor (the cpu backend spills a plain typed array as it is), so
 * running it five times as often costs nothing measurable. Large tensors hit the byte limit first.
 */
const LOOSE_LIMIT_COUNT = 2048;
/** Over a limit: the next op entering the dispatcher runs a boundary first (see `opBoundary`). */
let boundaryDue = false;

/** Storages a kernel brought back after a spill, for this step only (`Storage.adopt`). */
let adoptedForStep: Storage[] = [];

/** @internal A spilled storage came back onto the device for this step: the next boundary spills it again. */
export function noteAdopted(s: Storage): void {
  adoptedForStep.push(s);
}

/** Live (counted: not disposed, not collected, not handed to the GC) tensor objects. */
export const tensorCount = { live: 0 };

function addLoose(t: TensorBase): void {
  loose.push(t);
  looseBytes += t._storage.nbytes;
  if (looseBytes > LOOSE_LIMIT_BYTES || loose.length > LOOSE_LIMIT_COUNT) boundaryDue = true;
}

/** @internal Called for every new tensor: counts it, and the innermost scope adopts it. */
export function trackTensor(t: TensorBase): void {
  tensorCount.live++;
  const scope = scopes[scopes.length - 1];
  if (scope) {
    t._inScope = true;
    scope.tensors.push(t);
  } else addLoose(t);
}

/**
 * Keep a tensor made inside `tidy` (or a library scope) alive after the scope ends, and pin its
 * storage on the device: it is never handed to the garbage collector at a step boundary.
 * Optimizers keep their state and autograd the `.grad` it writes to leaves this way.
 *
 * @example
 * dl.tidy(() => { state.momentum = dl.keep(dl.zerosLike(p)); });
 */
export function keep<T extends TensorBase>(t: T): T {
  t._escaped = true;
  t._inScope = false;
  t._storage.pinned = true;
  t._register();
  return t;
}

/**
 * @internal A library object (a graph node) owns `t` from now on and disposes it itself: no
 * scope frees it and no step boundary hands it to the garbage collector.
 */
export function own<T extends TensorBase>(t: T): T {
  t._escaped = true;
  t._inScope = false;
  t._register();
  return t;
}

/**
 * @internal A tensor made inside a scope reached user code by another way than the scope's
 * result (stored on a module, handed to a hook, a retained grad): the scope must not dispose
 * it; it becomes loose.
 */
export function escape<T extends TensorBase>(t: T): T {
  if (!t._inScope || t._escaped || t._disposed) return t;
  t._escaped = true;
  t._inScope = false;
  addLoose(t);
  return t;
}

/**
 * @internal Run user code called from inside a library routine (a forward hook, a gradient
 * hook): every tensor it makes may be kept by the user, so none is freed — they become loose.
 */
export function runEscaping<T>(fn: () => T): T {
  const scope: Scope = { name: 'hook', tensors: [] };
  scopes.push(scope);
  try {
    return fn();
  } finally {
    scopes.pop();
    for (const t of scope.tensors) escape(t);
  }
}

/**
 * @internal Called by the dispatcher as an op enters, before it takes any view: runs the step
 * boundary that piling-up loose tensors made due. Never in the middle of an op, whose input views
 * must keep pointing at live buffers.
 */
export function opBoundary(): void {
  if (boundaryDue && scopes.length === 0) endStep();
}

/** Is a scope open (inside `tidy` or a library routine)? */
export function inScope(): boolean {
  return scopes.length > 0;
}

function isTensor(v: object): v is TensorBase {
  return typeof (v as TensorBase)._view === 'function' && 'shape' in v;
}

/**
 * @internal Every tensor in `v` into `out`: through arrays, Maps, Sets and the own enumerable
 * properties of objects (plain records and class instances such as a model's output record),
 * at most 8 levels deep; typed arrays, buffers and promises are not entered.
 */
export function collectTensors(v: unknown, out: Set<TensorBase>, depth = 0, seen: Set<object> = new Set()): void {
  if (v === null || typeof v !== 'object' || depth > 8) return;
  if (isTensor(v)) {
    out.add(v);
    return;
  }
  if (seen.has(v) || ArrayBuffer.isView(v) || v instanceof ArrayBuffer || v instanceof Promise) return;
  seen.add(v);
  const next = depth + 1;
  if (Array.isArray(v)) for (const x of v) collectTensors(x, out, next, seen);
  else if (v instanceof Map || v instanceof Set) for (const x of v.values()) collectTensors(x, out, next, seen);
  else for (const x of Object.values(v)) collectTensors(x, out, next, seen);
}

/**
 * @internal Run `fn` in a scope named `name` (Note [Memory without ceremony]): tensors it makes
 * and does not return are disposed when it ends. `after` runs before that and may `escape`
 * tensors the routine stored elsewhere (a module's attributes). A Promise result cannot be
 * scoped: the scope's tensors then pass to the enclosing scope (or become loose).
 */
export function runScope<T>(name: string, fn: () => T, after?: () => void): T {
  const scope: Scope = { name, tensors: [] };
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    closeScope(scope, undefined, after, false);
    throw e;
  }
  closeScope(scope, result, after, result instanceof Promise);
  return result;
}

function closeScope(scope: Scope, result: unknown, after: (() => void) | undefined, passAll: boolean): void {
  scopes.pop();
  const parent = scopes[scopes.length - 1];
  if (scope.tensors.length === 0) return;
  after?.();
  let kept: Set<TensorBase> | null = null;
  if (!passAll && result !== null && typeof result === 'object') {
    kept = new Set();
    collectTensors(result, kept);
  }
  const who = scope.name;
  for (const t of scope.tensors) {
    if (t._disposed || t._escaped) continue;
    if (passAll || kept?.has(t)) {
      if (parent) parent.tensors.push(t);
      else {
        t._inScope = false;
        addLoose(t);
      }
    } else t._disposeBy(who);
  }
}

/**
 * Run `fn`, then dispose every tensor it created except those it returns (in any nested
 * arrays/objects) and those passed to {@link keep}. Storages still used by views, the
 * autograd graph or returned tensors stay alive (they are refcounted). Not needed for memory
 * (library routines free their own temporaries, Note [Memory without ceremony]); useful to
 * free a block of your own tensor code at once.
 *
 * @example
 * const loss = dl.tidy(() => x.matmul(w).sub(y).pow(2).mean());
 */
export function tidy<T>(fn: () => T): T {
  const result = runScope('tidy()', fn);
  if (result instanceof Promise) throw new TypeError('tidy: fn must be synchronous (it returned a Promise)');
  return result;
}

/**
 * A step boundary (Note [Memory without ceremony]): hand the storages of tensors that reached
 * your code since the last boundary — and what their unused autograd graphs saved — to the
 * garbage collector where the device allows (cpu), so a loop that drops them stays flat. Values
 * are kept: a tensor you still hold stays valid. Optimizer steps, backward, DataLoader batches
 * and top-level module calls do this already; call it yourself only in a long loop that uses
 * none of them. Tensors in `except` (and what they contain) stay as they are until the next one.
 *
 * @example
 * for (let i = 0; i < 1e4; i++) { stats.push(x.mul(i).sum().itemSync()); dl.endStep(); }
 */
export function endStep(except?: unknown): void {
  if (adoptedForStep.length) {
    const back = adoptedForStep;
    adoptedForStep = [];
    for (let i = 0; i < back.length; i++) back[i]!.spill();
  }
  if (loose.length === 0) return;
  let spare: Set<TensorBase> | null = null;
  if (except !== undefined) {
    spare = new Set();
    collectTensors(except, spare);
  }
  boundaryDue = false;
  const list = loose;
  loose = [];
  looseBytes = 0;
  const hook = getAutogradHook();
  // an index loop (no iterator objects): this visits every tensor made since the last boundary
  for (let i = 0; i < list.length; i++) {
    const t = list[i]!;
    if (t._disposed) continue;
    if (spare?.has(t)) {
      loose.push(t);
      looseBytes += t._storage.nbytes;
      continue;
    }
    const s = t._storage;
    // A leaf that requires grad is a parameter in all but name: keep it on the device.
    if (t.requiresGrad && t.gradFn === null) s.pinned = true;
    if (s.spill()) t._handToGC();
    else t._register(); // still on the device (pinned, or a backend that cannot spill): the net's
    if (t.gradFn !== null && hook?.spillGraph) hook.spillGraph(t as never);
  }
}

/** Per-device memory: live storages and their bytes, and the backend's own view (pool). */
export interface MemoryInfo {
  /**
   * Tensor objects dl accounts for: made in a scope and not yet freed, pinned state, and those
   * that reached your code since the last step boundary (a tensor whose storage was handed to
   * the garbage collector is no longer counted; views count: each holds a reference).
   */
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
    let backend: MemoryInfo['devices'][string]['backend'];
    try {
      backend = getBackend(name).memoryInfo?.();
    } catch {
      backend = undefined;
    }
    devices[name] = { storages: s.storages, bytes: s.bytes, ...(backend ? { backend } : {}) };
  }
  return { tensors: tensorCount.live, devices };
}
