import type { BinaryOp, UnaryOp } from '../backend.js';
import { getAutogradHook, needsGrad } from '../autograd-hook.js';
import { ShapeError, fmtShape } from '../errors.js';
import { defaultGenerator, type Generator } from '../generator.js';
import { broadcastShapes, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastView, castRaw, emptyTensor, type TensorOrScalar } from './core.js';
import { binary, unary } from './elementwise.js';
import { clone } from './views.js';

/**
 * Note [In-place ops]
 * `x.op_(…)` computes `op(x, …)` and writes it into x's storage, bumping the storage's version
 * counter (autograd uses it to refuse backward through saved tensors modified later). When
 * autograd is not recording, the kernel writes straight into `x` (no temporary). When it is,
 * `x` takes over the result's graph node, so gradients flow through the in-place op.
 */
export function applyInPlace(target: Tensor, op: string, compute: (self: Tensor) => Tensor): Tensor {
  getAutogradHook()?.checkInPlace(target, op);
  // When recording, the op reads a (recorded) copy of self: its rule may save self, and self's
  // storage is about to be overwritten (PyTorch saves the original self the same way).
  const self = needsGrad([target]) ? clone(target) : target;
  const r = compute(self);
  if (self !== target) self.dispose();
  if (r === target) return target;
  if (!shapesEqual(r.shape, target.shape)) {
    throw new ShapeError(`${op}: output with shape ${fmtShape(target.shape)} doesn't match the broadcast shape ${fmtShape(r.shape)}`, {
      op,
      hint: 'an in-place op cannot grow its tensor; use the out-of-place form',
    });
  }
  target._backend.copy(r._view(op), target._view(op));
  target._storage.version++;
  if (r.gradFn) {
    target.gradFn = r.gradFn;
    target.requiresGrad = true;
    target._autograd = r._autograd;
    r._autograd = null;
  }
  r.dispose();
  return target;
}

/** In-place binary op: direct kernel write when autograd is idle. */
export function binaryInPlace(op: BinaryOp, target: Tensor, other: TensorOrScalar, opName: string): Tensor {
  const o = other instanceof Tensor ? other : null;
  // Note [In-place aliasing]: `x.add_(x.t())` reads elements the kernel has already written, so an
  // operand that shares x's storage through a different view is computed out of place first.
  const aliased = o !== null && partiallyAliases(o, target);
  if (!aliased && !needsGrad([target, o]) && (!o || shapesEqual(broadcastShapes(opName, target.shape, o.shape), target.shape))) {
    getAutogradHook()?.checkInPlace(target, opName);
    binary(op, target, other, { out: target });
    return target;
  }
  return applyInPlace(target, opName, (self) => binary(op, self, other));
}

/** Does `a` share `b`'s storage through a view other than `b`'s own layout? */
function partiallyAliases(a: Tensor, b: Tensor): boolean {
  return (
    a._storage === b._storage &&
    !(a._offset === b._offset && shapesEqual(a.shape, b.shape) && shapesEqual(a._strides, b._strides))
  );
}

/** In-place unary op. */
export function unaryInPlace(op: UnaryOp, target: Tensor, opName: string): Tensor {
  if (!needsGrad([target])) {
    getAutogradHook()?.checkInPlace(target, opName);
    unary(op, target, { out: target });
    return target;
  }
  return applyInPlace(target, opName, (self) => unary(op, self));
}

/** `x.fill_(v)`: set every element (through views too). */
export function fill_(target: Tensor, value: number | boolean): Tensor {
  getAutogradHook()?.checkInPlace(target, 'fill_');
  target._backend.fill(target._view('fill_'), Number(value));
  target._storage.version++;
  if (target.gradFn) target.gradFn = null;
  return target;
}

/** `x.copy_(src)`: copy values from `src` (broadcast, cast, any device with sync reads). */
export function copy_(target: Tensor, src: Tensor): Tensor {
  if (src.device !== target.device) src = src.to(target.device);
  if (partiallyAliases(src, target)) src = src.clone(); // Note [In-place aliasing]
  if (needsGrad([target, src])) return applyInPlace(target, 'copy_', () => broadcastView(src, target.shape).to(target.dtype).clone());
  // (copy_ does not read self, so the recorded copy of self is unused.)
  getAutogradHook()?.checkInPlace(target, 'copy_');
  target._backend.copy(broadcastViewChecked(src, target)._view('copy_'), target._view('copy_'));
  target._storage.version++;
  return target;
}

function broadcastViewChecked(src: Tensor, target: Tensor): Tensor {
  if (src.dim() > target.dim() || src.shape.some((s, i) => s !== 1 && s !== target.shape[target.dim() - src.dim() + i])) {
    throw new ShapeError(`copy_: the source ${fmtShape(src.shape)} can't be broadcast to the destination ${fmtShape(target.shape)}`, { op: 'copy_' });
  }
  return broadcastView(src, target.shape);
}

/** Fill in place from the seeded generator: uniform in [from, to) or normal(mean, std). */
export function randomInPlace(target: Tensor, dist: 'uniform' | 'normal', a: number, b: number, generator?: Generator): Tensor {
  getAutogradHook()?.checkInPlace(target, dist === 'uniform' ? 'uniform_' : 'normal_');
  const tmp = emptyTensor(target.shape, target.dtype === 'float64' ? 'float64' : 'float32', target.device, 'random');
  const { key, offset } = (generator ?? defaultGenerator).reserve(tmp.numel());
  tmp._backend.random(tmp._view(), dist, key, offset);
  // uniform: a + (b - a) * u ; normal: a + b * z
  const scaled = dist === 'uniform' ? binary('add', binary('mul', tmp, b - a), a) : binary('add', binary('mul', tmp, b), a);
  const c = castRaw(scaled, target.dtype);
  target._backend.copy(c._view(), target._view('random'));
  target._storage.version++;
  tmp.dispose();
  scaled.dispose();
  if (c !== scaled) c.dispose();
  return target;
}
