import type { BinaryOp, UnaryOp } from '../backend.js';
import { checkInPlace, defineOp, inPlace, runKernel, willRecord } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { canCast, type DType } from '../dtype.js';
import { defaultGenerator, type Generator } from '../generator.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import {
  OVERLAP_ALLOWED,
  broadcastOperand,
  broadcastView,
  castRaw,
  checkNoInternalOverlap,
  checkScalarArg,
  emptyTensor,
  type TensorOrScalar,
} from './core.js';
import { binary, binaryResultDType, maskedFill, unary, unaryResultDType } from './elementwise.js';
import { clone } from './views.js';
import { adoptCopySlices, copySlicesGraph, needsCopySlices } from './copy-slices.js';

/**
 * Note [In-place ops]
 * `x.op_(…)` computes `op(x, …)` and writes it into x's storage, bumping the storage's version
 * counter (autograd uses it to refuse backward through saved tensors modified later). When
 * autograd is not recording, the kernel writes straight into `x` (no temporary). When it is,
 * `x` takes over the result's graph node, so gradients flow through the in-place op; when `x`
 * is a view, its base gets a CopySlices node (Note [In-place writes into views: CopySlices]).
 */
export const applyInPlace = defineOp(
  (_t, op) => op,
  (target: Tensor, op: string, compute: (self: Tensor) => Tensor): Tensor => {
    if (!OVERLAP_ALLOWED.has(op)) checkNoInternalOverlap(target, op);
    checkInPlace(target, op, true); // a view's base gets CopySlices below
    // When recording, the op reads a (recorded) copy of self: its rule may save self, and self's
    // storage is about to be overwritten (PyTorch saves the original self the same way).
    const self = willRecord([target]) ? clone(target) : target;
    const r = compute(self);
    if (self !== target) self.dispose();
    if (r === target) return target;
    checkInPlaceCast(op, r.dtype, target);
    if (!shapesEqual(r.shape, target.shape)) {
      throw new ShapeError(`${op}: output with shape ${fmtShape(target.shape)} doesn't match the broadcast shape ${fmtShape(r.shape)}`, {
        op,
        hint: 'an in-place op cannot grow its tensor; use the out-of-place form',
      });
    }
    const base = willRecord([target, r]) ? needsCopySlices(target, r) : null;
    const slices = base ? copySlicesGraph(op, base, target, r) : null; // recorded before the write
    runKernel(op, 'copy', r, inPlace(target));
    if (base && slices) adoptCopySlices(base, slices);
    if (r.gradFn) {
      target.gradFn = r.gradFn;
      target.requiresGrad = true;
      target._autograd = r._autograd;
      r._autograd = null;
    }
    r.dispose();
    return target;
  },
);

/**
 * Note [In-place casting]
 * An in-place op computes in the dtype its out-of-place form would (torch's `result_type`) and
 * writes the result back into self, which must hold it: torch's `can_cast(result, self.dtype)`,
 * i.e. never down the categories bool < integer < floating. `boolTensor.add_(1)` (an integer
 * result) and `intTensor.mul_(0.5)` (a float result) raise instead of truncating; int64 into int32
 * or float64 into float32 is a cast torch allows. `copy_`, `fill_` and `maskedFill_` cast their
 * value by design (torch does too), and `indexPut_` asks for the same dtype.
 */
/** @internal Raise torch's "result type … can't be cast" error when `target` can't hold `result` (Note [In-place casting]). */
export function checkInPlaceCast(op: string, result: DType, target: Tensor): void {
  if (canCast(result, target.dtype)) return;
  throw new DTypeError(
    `${op}: result type ${result} can't be cast to the desired output type ${target.dtype} (shape ${fmtShape(target.shape)})`,
    {
      op,
      hint: `use the out-of-place form x = x.${op.replace(/_$/, '')}(…) (it promotes to ${result}), or cast first: x = x.to('${result}')`,
    },
  );
}

function isOperand(v: unknown): v is TensorOrScalar {
  return v instanceof Tensor || typeof v === 'number' || typeof v === 'boolean';
}

/** In-place binary op: direct kernel write when autograd is idle. */
export const binaryInPlace = defineOp(
  (_op, _t, _o, opName) => opName,
  (op: BinaryOp, target: Tensor, other: TensorOrScalar, opName: string): Tensor => {
    const o = other instanceof Tensor ? other : null;
    if (isOperand(other)) checkInPlaceCast(opName, binaryResultDType(op, target, other), target);
    // Note [In-place aliasing]: `x.add_(x.t())` reads elements the kernel has already written, so an
    // operand that shares x's storage through a different view is computed out of place first.
    checkNoInternalOverlap(target, opName);
    const aliased = o !== null && partiallyAliases(o, target);
    if (!aliased && !willRecord([target, o]) && (!o || shapesEqual(broadcastShapes(opName, target.shape, o.shape), target.shape))) {
      checkInPlace(target, opName);
      binary(op, target, other, { out: target });
      return target;
    }
    return applyInPlace(target, opName, (self) => binary(op, self, other));
  },
);

/** Does `a` share `b`'s storage through a view other than `b`'s own layout? */
function partiallyAliases(a: Tensor, b: Tensor): boolean {
  return a._storage === b._storage && !(a._offset === b._offset && shapesEqual(a.shape, b.shape) && shapesEqual(a._strides, b._strides));
}

/**
 * `x.maskedFill_(mask, v)`. On an expanded (self-overlapping) `x`, as torch: a memory location
 * shared by several elements gets `v` when any of them is masked (Note [Self-overlapping writes]).
 */
export const maskedFillInPlace = defineOp('maskedFill_', (target: Tensor, mask: Tensor, value: number | Tensor): Tensor => {
  const shared = target.shape.map((s, i) => s > 1 && target._strides[i] === 0);
  if (!shared.some(Boolean) || willRecord([target])) return applyInPlace(target, 'maskedFill_', (s) => maskedFill(s, mask, value));
  if (!(mask instanceof Tensor) || !shapesEqual(broadcastShapes('maskedFill_', mask.shape, target.shape), target.shape)) {
    return applyInPlace(target, 'maskedFill_', (s) => maskedFill(s, mask, value)); // raises as usual
  }
  const anyMasked = reduceAny(
    broadcastView(mask, target.shape),
    shared.flatMap((b, i) => (b ? [i] : [])),
  );
  const base = new Tensor(
    target._storage,
    target.shape.map((s, i) => (shared[i] ? 1 : s)),
    target._strides,
    target._offset,
  );
  applyInPlace(base, 'maskedFill_', (s) => maskedFill(s, anyMasked, value));
  return target;
});

/** any() over several axes, keeping them (size 1). */
function reduceAny(m: Tensor, axes: number[]): Tensor {
  let r = m;
  for (const a of axes) r = r.any(a, { keepdim: true });
  return r;
}

/** In-place unary op. */
export const unaryInPlace = defineOp(
  (_op, _t, opName) => opName,
  (op: UnaryOp, target: Tensor, opName: string): Tensor => {
    checkNoInternalOverlap(target, opName);
    checkInPlaceCast(opName, unaryResultDType(op, target), target);
    if (!willRecord([target])) {
      checkInPlace(target, opName);
      unary(op, target, { out: target });
      return target;
    }
    return applyInPlace(target, opName, (self) => unary(op, self));
  },
);

/** `x.fill_(v)`: set every element (through views too). */
export const fill_ = defineOp('fill_', (target: Tensor, value: number | boolean): Tensor => {
  checkScalarArg('fill_', value, 'value', 'pass a number; to copy a tensor use copy_');
  if (target._base && willRecord([target])) {
    // a view of a tensor in the graph: its base records CopySlices with a constant (Note [In-place writes into views: CopySlices])
    return applyInPlace(target, 'fill_', (s) => {
      const c = emptyTensor(s.shape, s.dtype, s.device, 'fill_');
      runKernel('fill_', 'fill', inPlace(c), Number(value));
      return c;
    });
  }
  checkInPlace(target, 'fill_');
  runKernel('fill_', 'fill', inPlace(target), Number(value));
  if (target.gradFn) target.gradFn = null;
  return target;
});

/** `x.copy_(src)`: copy values from `src` (broadcast, cast, any device with sync reads). */
export const copy_ = defineOp('copy_', (target: Tensor, src: Tensor): Tensor => {
  checkNoInternalOverlap(target, 'copy_');
  if (src.device !== target.device) src = src.to(target.device);
  if (partiallyAliases(src, target)) src = src.clone(); // Note [In-place aliasing]
  if (willRecord([target, src])) return applyInPlace(target, 'copy_', () => broadcastView(src, target.shape).to(target.dtype).clone());
  // (copy_ does not read self, so the recorded copy of self is unused.)
  checkInPlace(target, 'copy_');
  checkBroadcastable(src, target);
  runKernel('copy_', 'copy', broadcastOperand(src, target.shape), inPlace(target));
  return target;
});

function checkBroadcastable(src: Tensor, target: Tensor): void {
  if (src.dim() > target.dim() || src.shape.some((s, i) => s !== 1 && s !== target.shape[target.dim() - src.dim() + i])) {
    throw new ShapeError(`copy_: the source ${fmtShape(src.shape)} can't be broadcast to the destination ${fmtShape(target.shape)}`, {
      op: 'copy_',
    });
  }
}

/** Fill in place from the seeded generator: uniform in [from, to) or normal(mean, std). */
export const randomInPlace = defineOp(
  (_t, dist) => (dist === 'uniform' ? 'uniform_' : 'normal_'),
  (target: Tensor, dist: 'uniform' | 'normal', a: number, b: number, generator?: Generator): Tensor => {
    const op = dist === 'uniform' ? 'uniform_' : 'normal_';
    checkNoInternalOverlap(target, op);
    checkInPlace(target, op);
    const tmp = emptyTensor(target.shape, target.dtype === 'float64' ? 'float64' : 'float32', target.device, 'random');
    const { key, offset } = (generator ?? defaultGenerator).reserve(tmp.numel());
    runKernel(op, 'random', tmp, dist, key, offset);
    // uniform: a + (b - a) * u ; normal: a + b * z
    const scaled = dist === 'uniform' ? binary('add', binary('mul', tmp, b - a), a) : binary('add', binary('mul', tmp, b), a);
    const c = castRaw(scaled, target.dtype);
    runKernel(op, 'copy', c, inPlace(target));
    tmp.dispose();
    scaled.dispose();
    if (c !== scaled) c.dispose();
    return target;
  },
);
