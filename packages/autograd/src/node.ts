import { AutogradError, type DiffOp, type DiffOpParams, type DType, type GradFnLike, type Storage, Tensor } from '@dl/tensor';

/** Facts about a tensor kept even when its values are not saved. */
export interface TensorMeta {
  shape: readonly number[];
  dtype: DType;
  device: string;
}

export function metaOf(t: Tensor): TensorMeta {
  return { shape: t.shape, dtype: t.dtype, device: t.device };
}

/**
 * A tensor saved for backward: the tensor, its storage (held, so disposing the tensor object
 * does not free the values) and the storage version at save time.
 */
export class SavedTensor {
  readonly version: number;
  private readonly storage: Storage;
  private released = false;
  constructor(private readonly tensor: Tensor, private readonly owner: string) {
    this.version = tensor._version;
    this.storage = tensor._storage;
    this.storage.retain();
  }
  unpack(): Tensor {
    if (this.released) throw freedError();
    const t = this.tensor;
    if (t._version !== this.version) {
      throw new AutogradError(
        `one of the variables needed for gradient computation has been modified by an inplace operation: ` +
          `[${t.dtype} [${t.shape.join(', ')}]], which is saved by ${this.owner}, is at version ${t._version}; expected version ${this.version} instead`,
        {
          op: 'backward',
          hint: 'use the out-of-place form of the op (e.g. x.add(y) instead of x.add_(y)), or clone() before modifying',
        },
      );
    }
    if (!t.isDisposed) return t;
    // The user disposed the tensor object: rebuild one over the storage we still hold.
    const alias = new Tensor(this.storage, t.shape, t._strides, t._offset);
    alias.requiresGrad = t.requiresGrad;
    alias.gradFn = t.gradFn;
    alias._autograd = t._autograd;
    return alias;
  }
  release(): void {
    if (this.released) return;
    this.released = true;
    this.storage.release();
  }
}

export function freedError(): AutogradError {
  return new AutogradError(
    'Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). ' +
      'Saved intermediate values of the graph are freed when you call .backward() or autograd.grad()',
    { op: 'backward', hint: 'specify { retainGraph: true } on the first backward if you need to backward through the graph a second time' },
  );
}

/** An edge to the node that produced an input (and which of its outputs it was). */
export type Edge = readonly [GraphNode | null, number];

/** A node of the graph (PyTorch's `Node`): `name()` and `nextFunctions`. */
export abstract class GraphNode implements GradFnLike {
  abstract name(): string;
  abstract readonly nextFunctions: ReadonlyArray<Edge>;
  toString(): string {
    return `<${this.name()}>`;
  }
}

/** Where gradients for a leaf tensor end up (`AccumulateGrad`). */
export class AccumulateGrad extends GraphNode {
  readonly nextFunctions: ReadonlyArray<Edge> = [];
  constructor(readonly variable: Tensor) {
    super();
  }
  name(): string {
    return 'AccumulateGrad';
  }
}

const accumulators = new WeakMap<Tensor, AccumulateGrad>();

/** The one AccumulateGrad node of a leaf. */
export function accumulatorOf(leaf: Tensor): AccumulateGrad {
  let a = accumulators.get(leaf);
  if (!a) accumulators.set(leaf, (a = new AccumulateGrad(leaf)));
  return a;
}

/** The edge a tensor contributes as an input. */
export function edgeOf(t: Tensor | null): Edge {
  if (!t || !t.requiresGrad) return [null, 0];
  if (t.gradFn) return [t.gradFn as GraphNode, t._autograd?.outputNr ?? 0];
  return [accumulatorOf(t), 0];
}

/** A recorded op: its rule's inputs, saved tensors and where its gradients flow. */
export class OpNode<K extends DiffOp = DiffOp> extends GraphNode {
  released = false;
  readonly nextFunctions: ReadonlyArray<Edge>;
  constructor(
    readonly op: K,
    readonly displayName: string,
    readonly params: DiffOpParams[K],
    readonly inputMeta: ReadonlyArray<TensorMeta | null>,
    readonly saved: ReadonlyArray<SavedTensor | null>,
    readonly savedOutputs: ReadonlyArray<SavedTensor | null>,
    readonly outputMeta: readonly TensorMeta[],
    readonly outputRefs: ReadonlyArray<WeakRef<Tensor>>,
    edges: readonly Edge[],
  ) {
    super();
    this.nextFunctions = edges;
  }
  name(): string {
    return this.displayName;
  }
  release(): void {
    this.released = true;
    for (const s of this.saved) s?.release();
    for (const s of this.savedOutputs) s?.release();
  }
}
