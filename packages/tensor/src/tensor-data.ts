import type { HostArray } from './dtype.js';
import { StateError } from './errors.js';
import { INSPECT } from './size.js';
import type { Tensor } from './tensor.js';

/**
 * What `t.data` is: called, dl's async read (`await t.data()`, a typed-array copy); used as a
 * tensor, PyTorch's `t.data` (the tensor's values without autograd history: `t.detach()`).
 *
 * @example
 * const values = await w.data();           // Float32Array copy
 * w.data.sub_(w.grad!.data.mul(0.01));     // torch: w.data.sub_(w.grad.data * 0.01)
 */
export type TensorData = Tensor & (() => Promise<HostArray>);

/**
 * Note [t.data: the async read and PyTorch's .data]
 * dl reads values with `await t.data()` (API.md; every device, including ones that read only
 * asynchronously). PyTorch's `t.data` is a tensor: the same storage without autograd history,
 * and the 60-minute blitz writes `f.data.sub_(f.grad.data * learning_rate)`. A port line by
 * line would get `TypeError: f.data.sub_ is not a function`.
 *
 * So `t.data` is a getter returning a Proxy over the read function. Calling it reads, exactly as
 * the method did. Any property on it is looked up on `t.detach()` (made on first use, shared
 * storage, no grad), methods bound to that tensor; its prototype is the detached tensor's, so
 * `t.data instanceof Tensor` holds and ops take it as an input (they reach its fields through
 * the Proxy). Printing (`String`, `console.log`) shows the tensor. What differs from PyTorch:
 * `t.data === t.data` is false (each read makes a new view, as `detach()` does), `typeof` is
 * 'function', and `t.data = x` raises (use `t.data.copy_(x)`; PyTorch's assignment can swap in a
 * tensor of another shape, which a dl tensor cannot). The detached view shares the version
 * counter as `detach()` does, so an in-place write through it after a forward and before that
 * graph's backward is caught where PyTorch's `.data` silently lets it through.
 */
export function tensorData(t: Tensor, read: () => Promise<HostArray>): TensorData {
  let detached: Tensor | undefined;
  const tensor = (): Tensor => (detached ??= t.detach());
  const target = (() => read()) as (() => Promise<HostArray>) & { [INSPECT]?: unknown };
  // util.inspect formats a Proxy's target (showProxy off): give the target the tensor's printing
  target[INSPECT] = (...args: unknown[]) => (tensor() as unknown as Record<symbol, (...a: unknown[]) => unknown>)[INSPECT]!(...args);
  return new Proxy(target, {
    get(_f, key) {
      if (key === INSPECT) return target[INSPECT];
      const d = tensor();
      const v: unknown = Reflect.get(d, key, d);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(d) : v;
    },
    set(_f, key, value) {
      return Reflect.set(tensor(), key, value);
    },
    has(_f, key) {
      return key in tensor();
    },
    getPrototypeOf() {
      return Object.getPrototypeOf(tensor());
    },
  }) as TensorData;
}

/** The error for `t.data = x` (a getter): PyTorch replaces the data; dl copies into it. */
export function dataAssignmentError(): StateError {
  return new StateError("data: a tensor's data cannot be replaced (`t.data = x`)", {
    op: 'data',
    hint: 'copy the values in place: t.data.copy_(x) (same shape), or under noGrad: t.copy_(x)',
  });
}
