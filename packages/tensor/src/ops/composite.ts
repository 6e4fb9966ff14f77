/**
 * Note [Composite ops as one node]
 * PyTorch records `F.linear`, `softmax`, `nll_loss`, `mse_loss`, `batch_norm`… as one autograd
 * node each (`AddmmBackward0`, `SoftmaxBackward0`, `NllLossBackward0`…) with a fused derivative,
 * and users see those names (`loss.gradFn`, the `nextFunctions` walk of a tutorial). dl does the
 * same without new kernels: each such op is a `kind: 'graph'` row of the primitive table, whose
 * forward here is composed of existing kernels on *detached* inputs (so nothing inside is
 * recorded; intermediates are freed by the op's scope), followed by one `recordOp`. Its rule in
 * `@dl/autograd` is written with tensor ops, so higher-order gradients (createGraph) still work.
 * Tensors a rule needs beyond the inputs and the output (class targets, batch statistics) travel
 * in the params: the node owns them (as max-pool's indices).
 */
import { tidy } from '../memory.js';
import type { Tensor } from '../tensor.js';

type Detached<T> = { [K in keyof T]: T[K] extends Tensor ? Tensor : T[K] extends Tensor | null ? Tensor | null : T[K] };

/**
 * @internal Run a composite op's forward on detached copies of `inputs` (no autograd record
 * inside), in a scope that frees what `fn` does not return.
 *
 * @example
 * const out = runDetached([x, w], (xd, wd) => xd.mul(wd).sum());
 */
export function runDetached<const I extends ReadonlyArray<Tensor | null>, R>(inputs: I, fn: (...xs: Detached<I>) => R): R {
  return tidy(() => fn(...(inputs.map((t) => (t === null ? null : t.detach())) as unknown as Detached<I>)));
}
