import type { DiffOp, DiffOpParams } from './primitives.js';
import type { Tensor } from './tensor.js';

/** What a tensor's `gradFn` exposes (PyTorch's Node): `name()` and `nextFunctions`. */
export interface GradFnLike {
  name(): string;
  readonly nextFunctions: ReadonlyArray<readonly [GradFnLike | null, number]>;
  /** @internal A tensor or node points at this node now (graph refcounting). */
  _ref?(): void;
  /** @internal A tensor or node whose gradFn this was let go of it. */
  _unref?(): void;
}

/** Options of `Tensor.backward`. */
export interface BackwardOptions {
  retainGraph?: boolean;
  createGraph?: boolean;
  inputs?: Tensor[];
}

/**
 * The one narrow hook through which `@dl/autograd` sees the op layer. `@dl/tensor`
 * never imports autograd; importing `@dl/autograd` installs this hook.
 */
export interface AutogradHook {
  /** Is grad mode on and does any input require grad? */
  shouldRecord(inputs: ReadonlyArray<Tensor | null | undefined>): boolean;
  /** Attach a graph node for `op` to `outputs` (called only when `shouldRecord` said yes). */
  record<K extends DiffOp>(op: K, inputs: ReadonlyArray<Tensor | null>, outputs: readonly Tensor[], params: DiffOpParams[K]): void;
  /** Called before `target` is written in place by `op` (refuses leaves that require grad). */
  /** `copySlices`: the caller records CopySlices on a view's base (Note [In-place writes into views: CopySlices]). */
  checkInPlace(target: Tensor, op: string, copySlices?: boolean): void;
  /** Run the backward pass from `t`. */
  backward(t: Tensor, gradient: Tensor | undefined, opts: BackwardOptions): void;
  isGradEnabled(): boolean;
  /**
   * A step boundary found `t` loose (Note [Memory without ceremony]): spill the storages its
   * graph saved, unless the graph was released already.
   */
  spillGraph?(t: Tensor): void;
  /** `t` (not a leaf) got a hook or `retainGrad()`: its node must reach it during backward. */
  watch?(t: Tensor): void;
}

let hook: AutogradHook | null = null;

/** Install the autograd hook (done by `@dl/autograd`'s index). */
export function setAutogradHook(h: AutogradHook | null): void {
  hook = h;
}

export function getAutogradHook(): AutogradHook | null {
  return hook;
}
