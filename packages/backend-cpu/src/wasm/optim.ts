/**
 * The cpu backend's multi-tensor optimizer step (`FusedKernels.optimizerStep`; Note [Fused
 * optimizer step] in @dl/tensor's ops/foreach.ts) on the WebAssembly SIMD loops of
 * `optim-kernel.ts`. Arrays in the wasm heap (Note [Wasm heap]) are updated in place, by
 * pointer, one call per parameter; arrays outside it (a `dl.tensor(Float32Array)` parameter, a
 * gradient wrapped with `fromArray`, the heap turned off) are copied through staging chunks
 * and the written ones copied back. The last `numel % 4` elements go through the staging chunks
 * too, so the loops never touch memory past a tensor's end.
 *
 * @example
 * if (!optimizerStepWasm(step, steps, params, grads, states)) runPerTensorOps();
 */
import type { OptimizerStep, OptimizerSteps, TensorView } from '@dl/tensor/backend';
import { EW_PAGES } from './elementwise-kernel.js';
import { getHeap, heapAlloc, heapF32, heapPtr } from './heap.js';
import { adagradName, adamName, buildOptimModule, rmspropName, sgdName } from './optim-kernel.js';

type StepFn = (
  p: number,
  g: number,
  s1: number,
  s2: number,
  s3: number,
  n4: number,
  k0: number,
  k1: number,
  k2: number,
  k3: number,
  k4: number,
  k5: number,
  k6: number,
  k7: number,
) => void;

/** Floats per staging slot (param, grad, three states). */
const STAGE = 16384;
const SLOTS = 5;

interface Engine {
  fns: Record<string, StepFn>;
  /** byte pointer of the staging slots */
  stage: number;
  f32: Float32Array;
}

let engine: Engine | null | undefined;

function getEngine(): Engine | null {
  if (engine !== undefined) return engine;
  engine = null;
  try {
    const h = getHeap(EW_PAGES);
    if (!h) return engine;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(buildOptimModule(EW_PAGES, h.maxPages, true)), {
      env: { memory: h.memory },
    });
    const stage = heapAlloc(SLOTS * STAGE * 4);
    if (stage < 0) return engine;
    engine = { fns: inst.exports as unknown as Record<string, StepFn>, stage, f32: heapF32(stage, SLOTS * STAGE) };
  } catch {
    engine = null; // no SIMD: the per-tensor ops run
  }
  return engine;
}

/** Is the wasm optimizer step usable here? */
export function optimizerStepWasmAvailable(): boolean {
  return getEngine() !== null;
}

function f32data(v: TensorView): Float32Array | undefined {
  if (v.dtype !== 'float32') return undefined;
  const d = (v.buffer as { data?: unknown }).data ?? v.buffer;
  return d instanceof Float32Array ? d : undefined;
}

/** The loop and its eight scalars for one parameter. */
function kernelFor(e: Engine, step: OptimizerStep, t: number): { fn: StepFn; k: number[] } | undefined {
  const f = Math.fround;
  if (step.kind === 'sgd') {
    const momentum = step.momentum === 0 ? 'none' : t <= 1 ? 'first' : 'update';
    const name = sgdName({ maximize: step.maximize, weightDecay: step.weightDecay !== 0, momentum, nesterov: step.nesterov });
    const fn = e.fns[name];
    return fn && { fn, k: [f(step.weightDecay), f(step.momentum), f(1 - step.dampening), f(-step.lr), 0, 0, 0, 0] };
  }
  if (step.kind === 'rmsprop') {
    const name = rmspropName({
      maximize: step.maximize,
      weightDecay: step.weightDecay !== 0,
      momentum: step.momentum > 0,
      centered: step.centered,
    });
    const fn = e.fns[name];
    return fn && { fn, k: [f(step.weightDecay), f(step.alpha), f(1 - step.alpha), f(step.eps), f(step.momentum), f(-step.lr), 0, 0] };
  }
  if (step.kind === 'adagrad') {
    const fn = e.fns[adagradName({ maximize: step.maximize, weightDecay: step.weightDecay !== 0 })];
    const clr = step.lr / (1 + (t - 1) * step.lrDecay);
    return fn && { fn, k: [f(step.weightDecay), f(step.eps), f(-clr), 0, 0, 0, 0, 0] };
  }
  const { beta1: b1, beta2: b2 } = step;
  const name = adamName({ maximize: step.maximize, weightDecay: step.weightDecay !== 0, decoupled: step.decoupled, amsgrad: step.amsgrad });
  const fn = e.fns[name];
  const bc1 = 1 - b1 ** t;
  const bc2Sqrt = Math.sqrt(1 - b2 ** t);
  const k0 = step.decoupled ? 1 - step.lr * step.weightDecay : step.weightDecay;
  return fn && { fn, k: [f(k0), f(b1), f(1 - b1), f(b2), f(1 - b2), f(bc2Sqrt), f(step.eps), f(-step.lr / bc1)] };
}

/**
 * `CpuBackend.optimizerStep` on wasm SIMD; false (nothing written) when the engine is missing or
 * an operand is not a float32 array of the param's length from its offset on.
 */
export function optimizerStepWasm(
  step: OptimizerStep,
  steps: OptimizerSteps,
  params: TensorView[],
  grads: TensorView[],
  states: TensorView[][],
): boolean {
  const e = getEngine();
  if (!e) return false;
  const nState =
    step.kind === 'sgd'
      ? step.momentum === 0
        ? 0
        : 1
      : step.kind === 'adam'
        ? step.amsgrad
          ? 3
          : 2
        : step.kind === 'rmsprop'
          ? 1 + (step.momentum > 0 ? 1 : 0) + (step.centered ? 1 : 0)
          : 1;
  const jobs: { arrays: Float32Array[]; offsets: number[]; n: number; fn: StepFn; k: number[] }[] = [];
  for (let i = 0; i < params.length; i++) {
    const views = [params[i]!, grads[i]!, ...states[i]!];
    if (states[i]!.length !== nState) return false;
    const n = views[0]!.shape.reduce((x, y) => x * y, 1);
    const arrays: Float32Array[] = [];
    for (const v of views) {
      const a = f32data(v);
      if (!a || v.shape.reduce((x, y) => x * y, 1) !== n || v.offset + n > a.length) return false;
      arrays.push(a);
    }
    const kf = kernelFor(e, step, steps[i]!);
    if (!kf) return false;
    jobs.push({ arrays, offsets: views.map((v) => v.offset), n, ...kf });
  }
  for (const j of jobs) run(e, j.fn, j.k, j.arrays, j.offsets, j.n);
  return true;
}

/** One parameter: whole groups of 4 by pointer or staged, the last `n % 4` staged. */
function run(e: Engine, fn: StepFn, k: number[], arrays: Float32Array[], offsets: number[], n: number): void {
  const ptrs = arrays.map((a, s) => {
    const p = heapPtr(a);
    return p < 0 ? -1 : p + offsets[s]! * 4;
  });
  const main = n & ~3;
  const allHeap = ptrs.every((p) => p >= 0);
  const chunk = allHeap ? Math.max(main, 4) : STAGE;
  for (let c = 0; c < main; c += chunk) {
    const len = Math.min(chunk, main - c);
    call(e, fn, k, arrays, offsets, ptrs, c, len, len);
  }
  if (main < n)
    call(
      e,
      fn,
      k,
      arrays,
      offsets,
      ptrs.map(() => -1),
      main,
      n - main,
      4,
    );
}

/** Elements [from, from + len) of one parameter, `padded` (a multiple of 4) lanes computed. */
function call(
  e: Engine,
  fn: StepFn,
  k: number[],
  arrays: Float32Array[],
  offsets: number[],
  ptrs: number[],
  from: number,
  len: number,
  padded: number,
): void {
  const at: number[] = [0, 0, 0, 0, 0];
  for (let s = 0; s < arrays.length; s++) {
    if (ptrs[s]! >= 0) at[s] = ptrs[s]! + from * 4;
    else {
      const slot = s * STAGE;
      const o = offsets[s]! + from;
      e.f32.set(arrays[s]!.subarray(o, o + len), slot);
      if (padded > len) e.f32.fill(0, slot + len, slot + padded);
      at[s] = e.stage + slot * 4;
    }
  }
  fn(at[0]!, at[1]!, at[2]!, at[3]!, at[4]!, padded >> 2, k[0]!, k[1]!, k[2]!, k[3]!, k[4]!, k[5]!, k[6]!, k[7]!);
  // copy back what the loop wrote (the param and the states; never the grad, slot 1)
  for (let s = 0; s < arrays.length; s++) {
    if (s === 1 || ptrs[s]! >= 0) continue;
    const slot = s * STAGE;
    arrays[s]!.set(e.f32.subarray(slot, slot + len), offsets[s]! + from);
  }
}
