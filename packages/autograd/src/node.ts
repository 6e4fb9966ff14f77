import { AutogradError, type DType, type GradFnLike, Tensor } from '@dl/tensor';
import type { Storage } from '@dl/tensor/backend';
import type { DiffOp, DiffOpParams } from '@dl/tensor/internal';

/** Facts about a tensor kept even when its values are not saved (shared between nodes: never mutated). */
export interface TensorMeta {
  readonly shape: readonly number[];
  readonly dtype: DType;
  readonly device: string;
}

/**
 * Note [Shared tensor metas]
 * Every recorded op keeps the shape, dtype and device of its inputs and outputs. Consecutive ops
 * mostly see tensors of one shape (an op's output is the next op's input), so `metaOf` hands out
 * the meta it made last when the facts are the same: one object for a run of same-shaped ops
 * instead of three per op, kept alive by every node of the graph until it is freed.
 */
let lastMeta: TensorMeta | null = null;

export function metaOf(t: Tensor): TensorMeta {
  const shape = t.shape;
  const s = t._storage;
  const dtype = s.dtype;
  const device = s.backend.name;
  const m = lastMeta;
  if (m !== null && m.dtype === dtype && m.device === device && sameDims(m.shape, shape)) return m;
  return (lastMeta = { shape, dtype, device });
}

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Saved storages of graphs the garbage collector dropped without backward (the safety net). */
const savedFinalizer = new FinalizationRegistry<Storage>((s) => s.release());

/**
 * A tensor saved for backward (PyTorch's `SavedVariable`): the tensor, its storage (held, so
 * disposing the tensor object does not free the values), its graph node and the storage version
 * at save time. `unpack()` raises an AutogradError, as PyTorch, when the tensor was modified in
 * place since it was saved.
 *
 * @example
 * const x = dl.tensor([1, 2], { requiresGrad: true });
 * const y = x.exp(); // ExpBackward0 saves its output y
 * y.add_(1);
 * y.sum().backward(); // AutogradError: one of the variables needed for gradient computation has been modified by an inplace operation
 */
export class SavedTensor {
  readonly version: number;
  readonly storage: Storage;
  /** The tensor's node when saved (disposing the tensor object lets go of its gradFn). */
  private readonly gradFn: GraphNode | null;
  private released = false;
  constructor(
    private readonly tensor: Tensor,
    private readonly owner: string,
  ) {
    this.version = tensor._version;
    this.storage = tensor._storage;
    this.gradFn = tensor.gradFn as GraphNode | null;
    this.storage.retain();
    savedFinalizer.register(this, this.storage, this);
  }
  /**
   * The saved tensor, checked against in-place modification since it was saved (an
   * AutogradError naming its version otherwise) and against a freed graph (an AutogradError
   * saying to pass `{ retainGraph: true }`), as PyTorch's `SavedVariable::unpack`.
   *
   * @example
   * const t = saved.unpack(); // inside a rule: the tensor as it was when the op ran
   */
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
    alias.gradFn = this.gradFn;
    alias._autograd = t._autograd;
    return alias;
  }
  /**
   * Hand the saved storage to the garbage collector (a step boundary found the graph unused):
   * once spilled nothing is left to free, so the finalizer lets go of it too (a registry holds
   * its values until its callbacks run, which never happens inside a synchronous loop).
   *
   * @example
   * saved.spill(); // what a step boundary does to the saved tensors of a graph nobody backpropagated
   */
  spill(): void {
    if (!this.released && this.storage.spill()) savedFinalizer.unregister(this);
  }
  /**
   * Let go of the saved storage (backward without `retainGraph` ran, or nothing can reach the
   * node any more); a later `unpack()` raises an AutogradError. Idempotent.
   *
   * @example
   * saved.release(); // saved.unpack() now throws: "Trying to backward through the graph a second time …"
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    savedFinalizer.unregister(this);
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

/** The edge of an input that does not require grad (shared: edges are never mutated). */
const NO_EDGE: Edge = Object.freeze([null, 0] as const);

/**
 * A node of the autograd graph (PyTorch's `torch.autograd.graph.Node`): a tensor's `gradFn`,
 * with `name()` and `nextFunctions`, the edges `[node, outputNr]` to the nodes that made its
 * inputs (`null` for inputs that do not require grad).
 *
 * @example
 * const x = dl.tensor([1, 2], { requiresGrad: true });
 * const y = x.mul(2).sum();
 * y.gradFn!.name();                          // 'SumBackward0'
 * y.gradFn!.nextFunctions[0]![0]!.name();    // 'MulBackward0'
 */
export abstract class GraphNode implements GradFnLike {
  /**
   * The node's name as PyTorch prints it (`'MulBackward0'`, `'AccumulateGrad'`), as
   * `torch.autograd.graph.Node.name()`.
   *
   * @example
   * dl.tensor([1, 2], { requiresGrad: true }).mul(2).gradFn!.name(); // 'MulBackward0'
   */
  abstract name(): string;
  abstract readonly nextFunctions: ReadonlyArray<Edge>;
  /** The edge into output 0, and into the others by output number, made once (`edgeOf`). */
  private edge0: Edge | null = null;
  private edges: Edge[] | null = null;
  /**
   * @internal The edge `[this, nr]` (one object per output, shared by every consumer; typed
   * readonly, not frozen: freezing one per node cost more than the array).
   */
  _edge(nr: number): Edge {
    if (nr === 0) return (this.edge0 ??= [this, 0] as const);
    const es = (this.edges ??= []);
    return (es[nr] ??= [this, nr] as const);
  }
  /** @internal Graph refcounting (only recorded ops hold anything worth freeing). */
  _ref(): void {}
  /** @internal */
  _unref(): void {}
  /**
   * Prints as PyTorch prints a node, less the address JavaScript does not have:
   * `<MeanBackward0 object>` (PyTorch: `<MeanBackward0 object at 0x7f…>`).
   *
   * @example
   * console.log(loss.gradFn); // <MeanBackward0 object>
   */
  toString(): string {
    return `<${this.name()} object>`;
  }
  /** `console.log(node)` in Node prints `String(node)` rather than the node's fields. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

/**
 * The node where gradients for a leaf tensor end up, accumulated into its `.grad`, as PyTorch's
 * `AccumulateGrad`; `variable` is the leaf. One per leaf, reached through `nextFunctions`.
 *
 * @example
 * const x = dl.tensor([1, 2], { requiresGrad: true });
 * const acc = x.mul(2).gradFn!.nextFunctions[0]![0] as AccumulateGrad;
 * acc.name();             // 'AccumulateGrad'
 * acc.variable === x;     // true
 */
export class AccumulateGrad extends GraphNode {
  readonly nextFunctions: ReadonlyArray<Edge> = [];
  constructor(readonly variable: Tensor) {
    super();
  }
  /**
   * `'AccumulateGrad'`, as PyTorch names this node.
   *
   * @example
   * x.mul(2).gradFn!.nextFunctions[0]![0]!.name(); // 'AccumulateGrad' (x a leaf that requires grad)
   */
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
  if (!t || !t.requiresGrad) return NO_EDGE;
  const g = t.gradFn as GraphNode | null;
  if (g) return g._edge(t._autograd?.outputNr ?? 0);
  return accumulatorOf(t)._edge(0);
}

/** The saved lists of a node that saves nothing there (shared: they are replaced, never filled). */
const NONE_SAVED: readonly never[] = Object.freeze([]);

/**
 * A recorded op (PyTorch's `MulBackward0`, `SumBackward0`, …): the op, its rule's params, the
 * tensors it saved and the edges its gradients flow along. Every non-leaf tensor's `gradFn` is
 * one.
 *
 * @example
 * const y = dl.tensor([1, 2], { requiresGrad: true }).mul(2);
 * y.gradFn instanceof OpNode; // true
 * String(y.gradFn);           // '<MulBackward0 object>'
 *
 * Note [Graph refcounting]
 * A node is referenced by the tensors whose `gradFn` it is and by the nodes that have it among
 * their `nextFunctions`. When the count drops to zero (every such tensor disposed, every such
 * node dropped) nobody can backpropagate through it any more: it frees what it saved and lets
 * go of its own next nodes, as PyTorch's refcounted graph does. So a graph that is never
 * backpropagated (an evaluation pass without noGrad) is freed as soon as its tensors are.
 */
export class OpNode<K extends DiffOp = DiffOp> extends GraphNode {
  released = false;
  private refs = 0;
  private dropped = false;
  /** Its saved storages were handed to the garbage collector (see `spillGraph`). */
  spilled = false;
  /** Saved outputs (set by `record` once the outputs point at this node). */
  savedOutputs: ReadonlyArray<SavedTensor | null> = NONE_SAVED;
  /** Tensors among the params (indices, targets, statistics), saved as inputs are (see `saveTensorParams`). */
  savedParams: ReadonlyArray<readonly [string, SavedTensor]> = NONE_SAVED;
  /** Output tensors with hooks or retained grads, by output number (`watch`). */
  watched: Array<Tensor | undefined> | null = null;
  readonly nextFunctions: ReadonlyArray<Edge>;
  constructor(
    readonly op: K,
    readonly displayName: string,
    readonly params: DiffOpParams[K],
    readonly inputMeta: ReadonlyArray<TensorMeta | null>,
    readonly saved: ReadonlyArray<SavedTensor | null>,
    readonly outputMeta: readonly TensorMeta[],
    edges: readonly Edge[],
  ) {
    super();
    this.nextFunctions = edges;
    for (let i = 0; i < edges.length; i++) edges[i]![0]?._ref();
  }
  override _ref(): void {
    this.refs++;
  }
  override _unref(): void {
    if (--this.refs > 0 || this.dropped) return;
    // Iterative, so dropping a long chain (an unrolled RNN) cannot overflow the stack.
    const work: OpNode[] = [this];
    while (work.length) {
      const n = work.pop()!;
      if (n.dropped) continue;
      n.dropped = true;
      n.release();
      n.watched = null;
      const next = n.nextFunctions;
      for (let i = 0; i < next.length; i++) {
        const m = next[i]![0];
        if (m instanceof OpNode) {
          if (--m.refs <= 0 && !m.dropped) work.push(m);
        } else m?._unref();
      }
    }
  }
  /**
   * The backward node's PyTorch name (`'MulBackward0'`), as `torch.autograd.graph.Node.name()`.
   *
   * @example
   * x.mul(2).gradFn!.name(); // 'MulBackward0'
   */
  name(): string {
    return this.displayName;
  }
  /**
   * Frees what the node saved for backward (backward without `retainGraph` does it, and the graph
   * refcount when nothing can reach the node); backpropagating through it afterwards raises an
   * AutogradError ("Trying to backward through the graph a second time …"), as PyTorch.
   *
   * @example
   * const y = x.mul(x).sum();
   * (y.gradFn as OpNode).release();
   * y.backward(); // AutogradError: Trying to backward through the graph a second time …
   */
  release(): void {
    this.released = true;
    const { saved, savedOutputs, savedParams } = this;
    for (let i = 0; i < saved.length; i++) saved[i]?.release();
    for (let i = 0; i < savedOutputs.length; i++) savedOutputs[i]?.release();
    for (let i = 0; i < savedParams.length; i++) savedParams[i]![1].release();
  }
}
