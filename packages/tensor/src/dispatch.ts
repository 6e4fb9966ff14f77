import type {
  Backend,
  BatchNormParams,
  LayerNormParams,
  NllLossParams,
  BinaryOp,
  CompareOp,
  Conv2dParams,
  DeviceCheck,
  FusedKernels,
  OptimizerStep,
  OptimizerSteps,
  Pool2dParams,
  RandomDist,
  ReduceOp,
  SoftmaxParams,
  TensorView,
  UnaryOp,
  VarMeanParams,
} from './backend.js';
import { getAutogradHook } from './autograd-hook.js';
import type { DType, HostArray } from './dtype.js';
import { DeviceError, DTypeError, StateError, fmtShape } from './errors.js';
import { hostValues } from './half.js';
import { noteAdopted, opBoundary } from './memory.js';
import type { DiffOp, DiffOpParams } from './primitives.js';
import { getBackend } from './registry.js';
import { Storage } from './storage.js';
import type { Tensor } from './tensor.js';

/**
 * Note [Dispatch: one door]
 * Every op reaches a backend through this module and nowhere else (as tfjs's `runKernel` or
 * PyTorch's dispatcher). Op files (ops/*.ts) say what an op means — argument checks, output shape
 * and dtype, composition — and then:
 *  - {@link runKernel}: each backend kernel call. It checks that the operands share one device
 *    (and the dtypes the kernel's contract needs), builds the strided views (`t._view(op)`, which
 *    also refuses disposed tensors), calls the backend, bumps the version counter of each tensor
 *    the kernel wrote in place (`inPlace(t)`: in-place ops, `out=`; autograd refuses saved tensors
 *    modified since), and tells the observer.
 *  - {@link recordOp}: each autograd record (through the one hook `@dl/autograd` installs).
 *  - {@link defineOp}: each op's entry, so that an observer sees op boundaries (the profiler's
 *    total and self time), and where a step boundary that piling-up loose tensors made due runs
 *    (memory.ts: never in the middle of a kernel call, whose views must point at live buffers).
 * The observer is the seam: today the profiler (profiler.ts); later, fusion or lazy capture can
 * intercept `kernel` (it receives the call to run, and may queue it) without touching op files.
 * With no observer, the cost is one null check per entry point.
 */

/** A tensor's storage seen through another layout (a reshaped or offset window), without making a Tensor. */
export interface Strided {
  readonly of: Tensor;
  readonly shape: readonly number[];
  readonly strides: readonly number[];
  readonly offset: number;
  /** Written in place (an existing tensor: in-place op, `out=`): the kernel bumps its version. */
  readonly inPlace?: boolean;
}

/**
 * Mark a kernel's destination as an existing tensor written in place (`x.add_(y)`, `out=`), so
 * that the dispatcher bumps its version counter (autograd refuses tensors it saved that were
 * modified since). Fresh outputs are not marked: a new tensor starts at version 0, as PyTorch's.
 *
 * @example
 * runKernel('fill_', 'fill', inPlace(x), 0);
 */
export function inPlace(t: Tensor): Strided {
  return { of: t, shape: t.shape, strides: t._strides, offset: t._offset, inPlace: true };
}

/** What a kernel reads or writes: a tensor, or a window onto one's storage. */
export type Operand = Tensor | Strided;

/** The arguments of each kernel: the Backend method's, with operands in place of views. */
export interface KernelArgs {
  unary: [op: UnaryOp, x: Operand, out: Operand];
  binary: [op: BinaryOp, a: Operand, b: Operand, out: Operand];
  compare: [op: CompareOp, a: Operand, b: Operand, out: Operand];
  where: [cond: Operand, a: Operand, b: Operand, out: Operand];
  copy: [src: Operand, dst: Operand];
  fill: [dst: Operand, value: number];
  clamp: [x: Operand, min: number | null, max: number | null, out: Operand];
  reduce: [op: ReduceOp, x: Operand, axes: readonly number[], out: Operand];
  matmul: [a: Operand, b: Operand, out: Operand];
  gather: [x: Operand, dim: number, index: Operand, out: Operand];
  scatter: [dst: Operand, dim: number, index: Operand, src: Operand, mode: 'add' | 'assign'];
  indexSelect: [x: Operand, dim: number, index: Operand, out: Operand];
  sort: [x: Operand, descending: boolean, values: Operand, indices: Operand];
  cumsum: [x: Operand, dim: number, out: Operand];
  random: [out: Operand, dist: RandomDist, key: readonly [number, number], offset: number];
  conv2d: [x: Operand, w: Operand, bias: Operand | null, out: Operand, p: Conv2dParams];
  conv2dBackwardInput: [g: Operand, w: Operand, gradIn: Operand, p: Conv2dParams];
  conv2dBackwardWeight: [g: Operand, x: Operand, gradW: Operand, p: Conv2dParams];
  maxPool2d: [x: Operand, out: Operand, indices: Operand, p: Pool2dParams];
  avgPool2d: [x: Operand, out: Operand, p: Pool2dParams];
  thresholdBackward: [grad: Operand, output: Operand, out: Operand, threshold: number];
  maxPool2dBackward: [grad: Operand, indices: Operand, gradIn: Operand, p: Pool2dParams];
  avgPool2dBackward: [grad: Operand, gradIn: Operand, p: Pool2dParams];
  /** A multi-tensor optimizer update (ops/foreach.ts); `done.value` says whether the backend took it. */
  optimizerStep: [
    step: OptimizerStep,
    steps: OptimizerSteps,
    params: Operand[],
    grads: Operand[],
    states: Operand[][],
    done: { value: boolean },
  ];
  softmax: [x: Operand, out: Operand, p: SoftmaxParams];
  softmaxBackward: [y: Operand, g: Operand, gradIn: Operand, p: SoftmaxParams];
  batchNorm: [
    x: Operand,
    w: Operand | null,
    b: Operand | null,
    mean: Operand,
    v: Operand,
    invstd: Operand,
    out: Operand,
    p: BatchNormParams,
  ];
  batchNormBackward: [
    g: Operand,
    x: Operand,
    w: Operand | null,
    mean: Operand,
    invstd: Operand,
    gradIn: Operand | null,
    gradW: Operand | null,
    gradB: Operand | null,
    p: BatchNormParams,
  ];
  layerNorm: [x: Operand, w: Operand | null, b: Operand | null, mean: Operand, rstd: Operand, out: Operand, p: LayerNormParams];
  layerNormBackward: [
    g: Operand,
    x: Operand,
    w: Operand | null,
    mean: Operand,
    rstd: Operand,
    gradIn: Operand | null,
    gradW: Operand | null,
    gradB: Operand | null,
    p: LayerNormParams,
  ];
  varMean: [x: Operand, v: Operand, mean: Operand, p: VarMeanParams];
  /** `out = bias + a @ b` (`FusedKernels.addmm`); `done.value` says whether the backend ran it (false: nothing written). */
  addmm: [bias: Operand, a: Operand, b: Operand, out: Operand, done: { value: boolean }];
  nllLoss: [input: Operand, target: Operand, w: Operand | null, out: Operand, totalWeight: Operand, p: NllLossParams];
  nllLossBackward: [grad: Operand, target: Operand, w: Operand | null, totalWeight: Operand, gradIn: Operand, p: NllLossParams];
  /** Upload host values into a contiguous tensor (`Backend.write`). */
  write: [dst: Tensor, data: HostArray];
  /** Validate values on the device (`Backend.check`; nothing on devices without it). */
  check: [x: Operand, c: DeviceCheck];
}

/** A kernel the dispatcher can call. */
export type KernelName = keyof KernelArgs;

/** The optional fused kernels (`backend.conv2d?` …). */
export type FusedName = keyof FusedKernels;

/**
 * What watches (and, later, may intercept) the door: the profiler today. `kernel` must call `run`
 * exactly once (a lazy-capture observer could defer it); `enter`/`exit` bracket an op.
 */
export interface DispatchObserver {
  enter(op: string, args: readonly unknown[]): void;
  exit(): void;
  kernel(op: string, primitive: string, backend: Backend, run: () => void): void;
  alloc(t: Tensor): void;
  record(op: DiffOp): void;
}

let observer: DispatchObserver | null = null;

/** @internal Install (or remove, with null) the dispatch observer (the profiler does). */
export function setDispatchObserver(o: DispatchObserver | null): void {
  observer = o;
}

function isTensorOperand(x: Operand): x is Tensor {
  return (x as Strided).of === undefined;
}

function tensorOf(x: Operand): Tensor {
  return isTensorOperand(x) ? x : x.of;
}

function viewOf(op: string, x: Operand): TensorView {
  const t = isTensorOperand(x) ? x : x.of;
  if (t._storage.spilled && t._storage.adopt()) noteAdopted(t._storage); // used again after a boundary (Note [Storage ownership])
  if (isTensorOperand(x)) return x._view(op);
  const v = t._view(op);
  return { buffer: v.buffer, dtype: v.dtype, shape: x.shape, strides: x.strides, offset: x.offset };
}

function describe(xs: ReadonlyArray<Operand | null>): string {
  return xs
    .filter((x): x is Operand => x !== null)
    .map((x) => `${tensorOf(x).dtype} ${fmtShape(x.shape)} on ${tensorOf(x).device}`)
    .join(', ');
}

/** The backend all operands live on; a typed error when they do not share one. */
function backendOf(op: string, x: Operand, y: Operand | null, z: Operand | null = null, w: Operand | null = null): Backend {
  const be = tensorOf(x)._storage.backend;
  if (
    (y !== null && tensorOf(y)._storage.backend !== be) ||
    (z !== null && tensorOf(z)._storage.backend !== be) ||
    (w !== null && tensorOf(w)._storage.backend !== be)
  ) {
    throw new DeviceError(`${op}: expected all tensors to be on the same device, but found ${describe([x, y, z, w])}`, {
      op,
      hint: `move them with .to('${be.name}') first`,
    });
  }
  return be;
}

/** Operands `x`, `y` (and `z`) must share one dtype, `mask` (if any) must be bool. */
function sameDType(op: string, kernel: string, x: Operand, y: Operand, z: Operand | null, mask: Operand | null): void {
  const d = tensorOf(x).dtype;
  if (tensorOf(y).dtype === d && (z === null || tensorOf(z).dtype === d) && (mask === null || tensorOf(mask).dtype === 'bool')) return;
  throw new DTypeError(`${op}: the ${kernel} kernel got operands of mismatched dtypes (${describe([mask, x, y, z])})`, {
    op,
    hint: `the ${kernel} kernel takes operands of one dtype${mask ? ' and a bool mask' : ''}: cast them first`,
  });
}

/** Bump the version counter of a destination written in place (Note [Dispatch: one door]). */
function bump(x: Operand): void {
  if ((x as Strided).inPlace === true) (x as Strided).of._storage.version++;
}

/**
 * Run one backend kernel for `op` (the name errors and the profiler show). Every call from the op
 * layer to a backend goes through here (Note [Dispatch: one door]).
 *
 * @example
 * runKernel('add', 'binary', 'add', a, b, out); // out = a + b
 */
export function runKernel<K extends KernelName>(op: string, kernel: K, ...args: KernelArgs[K]): void {
  const a = args as unknown[];
  const o = observer;
  switch (kernel as KernelName) {
    case 'unary': {
      const name = a[0] as UnaryOp;
      const x = a[1] as Operand;
      const out = a[2] as Operand;
      const be = backendOf(op, x, out);
      const vx = viewOf(op, x);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) be.unary(name, vx, vo);
      else o.kernel(op, name, be, () => be.unary(name, vx, vo));
      return;
    }
    case 'binary':
      runBinary(op, a[0] as BinaryOp, a[1] as Operand, a[2] as Operand, a[3] as Operand);
      return;
    case 'compare': {
      const name = a[0] as CompareOp;
      const x = a[1] as Operand;
      const y = a[2] as Operand;
      const out = a[3] as Operand;
      const be = backendOf(op, x, y, out);
      sameDType(op, 'compare', x, y, null, out);
      const vx = viewOf(op, x);
      const vy = viewOf(op, y);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) be.compare(name, vx, vy, vo);
      else o.kernel(op, name, be, () => be.compare(name, vx, vy, vo));
      return;
    }
    case 'where': {
      const [cond, x, y, out] = a as KernelArgs['where'];
      const be = backendOf(op, cond, x, y, out);
      sameDType(op, 'where', x, y, out, cond);
      const vc = viewOf(op, cond);
      const vx = viewOf(op, x);
      const vy = viewOf(op, y);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) be.where(vc, vx, vy, vo);
      else o.kernel(op, 'where', be, () => be.where(vc, vx, vy, vo));
      return;
    }
    case 'copy': {
      const src = a[0] as Operand;
      const dst = a[1] as Operand;
      const be = backendOf(op, src, dst);
      const vs = viewOf(op, src);
      const vd = viewOf(op, dst);
      bump(dst);
      if (o === null) be.copy(vs, vd);
      else o.kernel(op, 'copy', be, () => be.copy(vs, vd));
      return;
    }
    case 'fill': {
      const dst = a[0] as Operand;
      const value = a[1] as number;
      const be = tensorOf(dst)._storage.backend;
      const vd = viewOf(op, dst);
      bump(dst);
      if (o === null) be.fill(vd, value);
      else o.kernel(op, 'fill', be, () => be.fill(vd, value));
      return;
    }
    case 'clamp': {
      const [x, min, max, out] = a as KernelArgs['clamp'];
      const be = backendOf(op, x, out);
      const vx = viewOf(op, x);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) be.clamp(vx, min, max, vo);
      else o.kernel(op, 'clamp', be, () => be.clamp(vx, min, max, vo));
      return;
    }
    case 'reduce': {
      const [name, x, axes, out] = a as KernelArgs['reduce'];
      const be = backendOf(op, x, out);
      const vx = viewOf(op, x);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) be.reduce(name, vx, axes, vo);
      else o.kernel(op, name, be, () => be.reduce(name, vx, axes, vo));
      return;
    }
    case 'matmul': {
      const [x, y, out] = a as KernelArgs['matmul'];
      const be = backendOf(op, x, y, out);
      sameDType(op, 'matmul', x, y, out, null);
      const vx = viewOf(op, x);
      const vy = viewOf(op, y);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) be.matmul(vx, vy, vo);
      else o.kernel(op, 'matmul', be, () => be.matmul(vx, vy, vo));
      return;
    }
    case 'gather':
    case 'indexSelect': {
      const [x, dim, index, out] = a as KernelArgs['gather'];
      const be = backendOf(op, x, index, out);
      const vx = viewOf(op, x);
      const vi = viewOf(op, index);
      const vo = viewOf(op, out);
      bump(out);
      const run = kernel === 'gather' ? () => be.gather(vx, dim, vi, vo) : () => be.indexSelect(vx, dim, vi, vo);
      if (o === null) run();
      else o.kernel(op, kernel, be, run);
      return;
    }
    case 'scatter': {
      const [dst, dim, index, src, mode] = a as KernelArgs['scatter'];
      const be = backendOf(op, dst, index, src);
      const vd = viewOf(op, dst);
      const vi = viewOf(op, index);
      const vs = viewOf(op, src);
      bump(dst);
      if (o === null) be.scatter(vd, dim, vi, vs, mode);
      else o.kernel(op, 'scatter', be, () => be.scatter(vd, dim, vi, vs, mode));
      return;
    }
    case 'sort': {
      const [x, descending, values, indices] = a as KernelArgs['sort'];
      const be = backendOf(op, x, values, indices);
      const vx = viewOf(op, x);
      const vv = viewOf(op, values);
      const vi = viewOf(op, indices);
      bump(values);
      bump(indices);
      if (o === null) be.sort(vx, descending, vv, vi);
      else o.kernel(op, 'sort', be, () => be.sort(vx, descending, vv, vi));
      return;
    }
    case 'cumsum': {
      const [x, dim, out] = a as KernelArgs['cumsum'];
      const be = backendOf(op, x, out);
      const vx = viewOf(op, x);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) be.cumsum(vx, dim, vo);
      else o.kernel(op, 'cumsum', be, () => be.cumsum(vx, dim, vo));
      return;
    }
    case 'random': {
      const [out, dist, key, offset] = a as KernelArgs['random'];
      const be = tensorOf(out)._storage.backend;
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) be.random(vo, dist, key, offset);
      else o.kernel(op, 'random', be, () => be.random(vo, dist, key, offset));
      return;
    }
    case 'conv2d': {
      const [x, w, bias, out, p] = a as KernelArgs['conv2d'];
      const be = backendOf(op, x, w, bias, out);
      const f = fused(op, be, 'conv2d');
      const vx = viewOf(op, x);
      const vw = viewOf(op, w);
      const vb = bias === null ? null : viewOf(op, bias);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) f.call(be, vx, vw, vb, vo, p);
      else o.kernel(op, 'conv2d', be, () => f.call(be, vx, vw, vb, vo, p));
      return;
    }
    case 'conv2dBackwardInput':
    case 'conv2dBackwardWeight': {
      const [g, y, out, p] = a as KernelArgs['conv2dBackwardInput'];
      const be = backendOf(op, g, y, out);
      const f = fused(op, be, kernel as 'conv2dBackwardInput' | 'conv2dBackwardWeight');
      const vg = viewOf(op, g);
      const vy = viewOf(op, y);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) f.call(be, vg, vy, vo, p);
      else o.kernel(op, kernel, be, () => f.call(be, vg, vy, vo, p));
      return;
    }
    case 'maxPool2d': {
      const [x, out, indices, p] = a as KernelArgs['maxPool2d'];
      const be = backendOf(op, x, out, indices);
      const f = fused(op, be, 'maxPool2d');
      const vx = viewOf(op, x);
      const vo = viewOf(op, out);
      const vi = viewOf(op, indices);
      bump(out);
      bump(indices);
      if (o === null) f.call(be, vx, vo, vi, p);
      else o.kernel(op, 'maxPool2d', be, () => f.call(be, vx, vo, vi, p));
      return;
    }
    case 'avgPool2d': {
      const [x, out, p] = a as KernelArgs['avgPool2d'];
      const be = backendOf(op, x, out);
      const f = fused(op, be, 'avgPool2d');
      const vx = viewOf(op, x);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) f.call(be, vx, vo, p);
      else o.kernel(op, 'avgPool2d', be, () => f.call(be, vx, vo, p));
      return;
    }
    case 'thresholdBackward':
    case 'maxPool2dBackward': {
      const [x, y, out, q] = a as [Operand, Operand, Operand, never];
      const be = backendOf(op, x, y, out);
      const f = fused(op, be, kernel as 'thresholdBackward' | 'maxPool2dBackward');
      const vx = viewOf(op, x);
      const vy = viewOf(op, y);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) f.call(be, vx, vy, vo, q);
      else o.kernel(op, kernel, be, () => f.call(be, vx, vy, vo, q));
      return;
    }
    case 'avgPool2dBackward': {
      const [g, out, p] = a as KernelArgs['avgPool2dBackward'];
      const be = backendOf(op, g, out);
      const f = fused(op, be, 'avgPool2dBackward');
      const vg = viewOf(op, g);
      const vo = viewOf(op, out);
      bump(out);
      if (o === null) f.call(be, vg, vo, p);
      else o.kernel(op, 'avgPool2dBackward', be, () => f.call(be, vg, vo, p));
      return;
    }
    case 'addmm': {
      const [bias, x, y, out, done] = a as KernelArgs['addmm'];
      const be = backendOf(op, bias, x, y, out);
      const f = fused(op, be, 'addmm');
      const vb = viewOf(op, bias);
      const vx = viewOf(op, x);
      const vy = viewOf(op, y);
      const vo = viewOf(op, out);
      const run = () => {
        done.value = f.call(be, vb, vx, vy, vo);
      };
      if (o === null) run();
      else o.kernel(op, 'addmm', be, run);
      if (done.value) bump(out);
      return;
    }
    case 'optimizerStep': {
      const [step, steps, params, grads, states, done] = a as KernelArgs['optimizerStep'];
      done.value = false;
      if (params.length === 0) return;
      const first = params[0]!;
      for (let i = 0; i < params.length; i++) for (const s of states[i]!) backendOf(op, first, params[i]!, grads[i]!, s);
      const be = tensorOf(first)._storage.backend;
      const f = fused(op, be, 'optimizerStep');
      const vp = params.map((x) => viewOf(op, x));
      const vg = grads.map((x) => viewOf(op, x));
      const vs = states.map((ss) => ss.map((x) => viewOf(op, x)));
      const run = () => {
        done.value = f.call(be, step, steps, vp, vg, vs);
      };
      if (o === null) run();
      else o.kernel(op, 'optimizerStep', be, run);
      if (done.value) {
        for (const x of params) bump(x);
        for (const ss of states) for (const x of ss) bump(x);
      }
      return;
    }
    case 'softmax':
    case 'softmaxBackward':
    case 'batchNorm':
    case 'batchNormBackward':
    case 'layerNorm':
    case 'layerNormBackward':
    case 'nllLoss':
    case 'nllLossBackward':
    case 'varMean': {
      // operands (null: an absent optional one), then the params; NORM_OUTPUTS names the written ones
      const ts = a.slice(0, -1) as Array<Operand | null>;
      const q = a[a.length - 1];
      const present = ts.filter((t): t is Operand => t !== null);
      const be = tensorOf(present[0]!)._storage.backend;
      if (present.some((t) => tensorOf(t)._storage.backend !== be))
        throw new DeviceError(`${op}: expected all tensors to be on the same device, but found ${describe(ts)}`, {
          op,
          hint: `move them with .to('${be.name}') first`,
        });
      const f = fused(op, be, kernel as 'softmax') as unknown as (...xs: unknown[]) => void;
      const views = ts.map((t) => (t === null ? null : viewOf(op, t)));
      for (const i of NORM_OUTPUTS[kernel as keyof typeof NORM_OUTPUTS]) if (ts[i]) bump(ts[i]);
      if (o === null) f.call(be, ...views, q);
      else o.kernel(op, kernel, be, () => f.call(be, ...views, q));
      return;
    }
    case 'check': {
      const [x, c] = a as KernelArgs['check'];
      const be = tensorOf(x)._storage.backend;
      if (!be.check) return;
      const vx = viewOf(op, x);
      if (o === null) be.check(vx, c);
      else o.kernel(op, 'check', be, () => be.check!(vx, c));
      return;
    }
    case 'write': {
      const [dst, data] = a as KernelArgs['write'];
      const be = dst._storage.backend;
      const v = dst._view(op);
      if (o === null) be.write(v.buffer, v.dtype, data, v.offset);
      else o.kernel(op, 'write', be, () => be.write(v.buffer, v.dtype, data, v.offset));
      return;
    }
  }
}

/** The operands each softmax / batch-norm / layer-norm / nll-loss kernel writes (positions in its KernelArgs). */
const NORM_OUTPUTS = {
  softmax: [1],
  softmaxBackward: [2],
  batchNorm: [3, 4, 5, 6],
  batchNormBackward: [5, 6, 7],
  layerNorm: [3, 4, 5],
  layerNormBackward: [5, 6, 7],
  nllLoss: [3, 4],
  nllLossBackward: [4],
  varMean: [1, 2],
} as const;

/**
 * `runKernel(op, 'binary', name, x, y, out)` without the argument list `runKernel` gathers: the
 * elementwise binary ops, the commonest kernel call on small tensors, come in here directly.
 *
 * @example
 * runBinary('add', 'add', a, b, out); // out = a + b
 */
export function runBinary(op: string, name: BinaryOp, x: Operand, y: Operand, out: Operand): void {
  const o = observer;
  const be = backendOf(op, x, y, out);
  sameDType(op, 'binary', x, y, out, null);
  const vx = viewOf(op, x);
  const vy = viewOf(op, y);
  const vo = viewOf(op, out);
  bump(out);
  if (o === null) be.binary(name, vx, vy, vo);
  else o.kernel(op, name, be, () => be.binary(name, vx, vy, vo));
}

function fused<K extends FusedName>(op: string, be: Backend, name: K): NonNullable<Backend[K]> {
  const f = be[name];
  if (!f)
    throw new DeviceError(`${op}: device '${be.name}' has no fused ${name} kernel`, {
      op,
      hint: `check hasKernel(t, '${name}') and use the composite`,
    });
  return f as NonNullable<Backend[K]>;
}

/**
 * Record `op` for autograd when it is installed, grad mode is on and an input requires grad
 * (Note [Dispatch: one door]).
 *
 * @example
 * recordOp('mul', [a, b], out, {});
 */
export function recordOp<K extends DiffOp>(
  op: K,
  inputs: ReadonlyArray<Tensor | null>,
  outputs: Tensor | readonly Tensor[],
  params: DiffOpParams[K],
): void {
  const o = observer;
  if (o !== null) o.record(op);
  const hook = getAutogradHook();
  if (hook === null || !hook.shouldRecord(inputs)) return;
  hook.record(op, inputs, Array.isArray(outputs) ? (outputs as readonly Tensor[]) : [outputs as Tensor], params);
}

/** Would autograd record an op with these inputs (installed, grad mode on, an input requires grad)? */
export function willRecord(inputs: ReadonlyArray<Tensor | null | undefined>): boolean {
  const hook = getAutogradHook();
  return hook !== null && hook.shouldRecord(inputs);
}

/** Ask autograd whether `target` may be written in place by `op` (it refuses leaves that require grad). */
export function checkInPlace(target: Tensor, op: string, copySlices = false): void {
  getAutogradHook()?.checkInPlace(target, op, copySlices);
}

/**
 * Wrap an op's implementation so the observer sees it begin and end (the profiler's total and
 * self time, a future capture's op boundaries). `name` is the op's name, or computes it from the
 * arguments (`unary('exp', x)` is the op `exp`).
 *
 * @example
 * export const softmax = defineOp('softmax', (x: Tensor, dim: number): Tensor => …);
 */
export function defineOp<A extends unknown[], R>(name: string | ((...args: A) => string), impl: (...args: A) => R): (...args: A) => R {
  const fixed = typeof name === 'string' ? name : null;
  const nameOf = typeof name === 'string' ? null : name;
  return function op(this: unknown): R {
    opBoundary(); // a step boundary made due by piling-up loose tensors runs here, before any view is taken
    const o = observer;
    // `apply(…, arguments)` passes the arguments on without making an array (this runs on every op)
    // eslint-disable-next-line prefer-rest-params
    if (o === null) return impl.apply(this, arguments as unknown as A);
    const args = Array.from(arguments) as A;
    o.enter(fixed ?? nameOf!(...args), args);
    try {
      return impl(...args);
    } finally {
      o.exit();
    }
  };
}

/** @internal Tell the observer about a tensor the op layer allocated (the profiler counts bytes). */
export function noteAlloc(t: Tensor): void {
  const o = observer;
  if (o !== null) o.alloc(t);
}

/** What a tensor's device can do, for op-layer choices (fused fast paths, sync reads, strided outputs). */
export function deviceCan(t: Tensor, what: FusedName | 'readSync' | 'stridedOutput'): boolean {
  const be = t._storage.backend;
  if (what === 'stridedOutput') return be.capabilities.stridedOutput;
  return typeof be[what] === 'function';
}

/**
 * @internal The values of a contiguous tensor, read synchronously (devices with `readSync`; check
 * `deviceCan(t, 'readSync')` first).
 */
export function readHostSync(t: Tensor, op: string): HostArray {
  const be = t._storage.backend;
  const v = t._view(op);
  if (!be.readSync || !t.isContiguous()) {
    throw new StateError(`${op}: cannot read ${be.readSync ? 'a non-contiguous tensor' : `device '${be.name}'`} synchronously`, {
      op,
      hint: 'read with `await t.data()` (works on every device)',
    });
  }
  return hostValues(be.readSync(v.buffer, v.dtype, v.offset, t.numel()), v.dtype);
}

/**
 * @internal A storage sharing `data`'s memory (`torch.from_numpy`), on devices that can wrap host
 * memory (cpu); null elsewhere (then the caller copies).
 */
export function hostStorage(data: HostArray, dtype: DType, device: string, op: string): Storage | null {
  const be = getBackend(device, op);
  if (!be.wrapHost) return null;
  return new Storage(be, be.wrapHost(data, dtype), dtype, data.length, true);
}
