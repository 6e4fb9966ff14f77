import * as dl from '@dl/tensor';
import { AutogradError, type BackwardOptions, Tensor, endStep, keep } from '@dl/tensor';
import { type DiffOp, type DiffOpParams, escape, inScope, runScope } from '@dl/tensor/internal';
import { isGradEnabled, setGradEnabled } from './grad-mode.js';
import { AccumulateGrad, type GraphNode, OpNode, SavedTensor, edgeOf, freedError, metaOf, type Edge, type TensorMeta } from './node.js';
import { nodeName, rules, type Rule, type RuleContext } from './rules.js';

/** Node names of ops whose name depends on nothing but the op (`AddBackward0`), made once. */
const plainNames: Partial<Record<DiffOp, string>> = {};

/** Shared all-null `saved` lists for rules that save nothing (most elementwise ops): one per arity. */
const NOTHING_SAVED: Array<ReadonlyArray<null>> = [];
function nothingSaved(n: number): ReadonlyArray<null> {
  return (NOTHING_SAVED[n] ??= Object.freeze(new Array<null>(n).fill(null)));
}

/** Record `op` (called through the @dl/tensor hook when an input requires grad). */
export function record<K extends DiffOp>(
  op: K,
  inputs: ReadonlyArray<Tensor | null>,
  outputs: readonly Tensor[],
  params: DiffOpParams[K],
): void {
  const rule = rules[op] as Rule<K>;
  const saveIn = rule.saves?.inputs;
  const saved = saveIn ? inputs.map((t, i) => (t && saveIn.includes(i) ? new SavedTensor(t, op) : null)) : nothingSaved(inputs.length);
  const name = typeof rule.name === 'function' ? nodeName(op, params, inputs[0]?.dim() ?? 0) : (plainNames[op] ??= nodeName(op, params, 0));
  const tensorParams = saveTensorParams(params, op);
  // plain loops, no closures: this runs for every recorded op (Note [Shared tensor metas] in node.ts)
  const n = inputs.length;
  const inputMeta = new Array<TensorMeta | null>(n);
  const edges = new Array<Edge>(n);
  for (let i = 0; i < n; i++) {
    const t = inputs[i]!;
    inputMeta[i] = t ? metaOf(t) : null;
    edges[i] = edgeOf(t);
  }
  const outputMeta = outputs.length === 1 ? oneMeta(metaOf(outputs[0]!)) : outputs.map(metaOf);
  const node = new OpNode<K>(op, name, tensorParams ? tensorParams.params : params, inputMeta, saved, outputMeta, edges);
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i]!;
    t.requiresGrad = true;
    t.gradFn = node;
    // `outputNr` 0 is what a tensor without autograd meta reads: the meta is made only when needed
    if (i !== 0 || t._autograd !== null) t._autogradMeta().outputNr = i;
  }
  // Saved after gradFn is set, so a saved output differentiates through this node (createGraph).
  if (rule.saves?.output) node.savedOutputs = outputs.map((t) => new SavedTensor(t, op));
  if (tensorParams) node.savedParams = tensorParams.saved;
}

/** The `[meta]` output list of a single-output op, shared while the meta is (Note [Shared tensor metas]). */
let lastOne: readonly TensorMeta[] = [];
function oneMeta(m: TensorMeta): readonly TensorMeta[] {
  return lastOne[0] === m ? lastOne : (lastOne = Object.freeze([m]));
}

/**
 * Tensors among an op's params (max-pool indices, embedding ids, nllLoss targets, norm
 * statistics) are read by its rule during backward, after the scope that made them has ended:
 * they are saved as inputs are (a `SavedTensor`: the storage held, the in-place version checked,
 * handed to the garbage collector at a step boundary), and put back into the params when the
 * rule runs. The node's params keep `null` in their place meanwhile.
 */
function saveTensorParams<P>(params: P, op: string): { params: P; saved: Array<readonly [string, SavedTensor]> } | null {
  let found: { params: P; saved: Array<readonly [string, SavedTensor]> } | null = null;
  // for…in, and nothing allocated when no param is a tensor: this runs for every recorded op
  for (const k in params as object) {
    const v = (params as Record<string, unknown>)[k];
    if (!(v instanceof Tensor)) continue;
    found ??= { params: { ...(params as object) } as P, saved: [] };
    found.saved.push([k, new SavedTensor(v, op)]);
    (found.params as Record<string, unknown>)[k] = null;
  }
  return found;
}

/** The params a rule sees: the node's, with its saved tensors unpacked (version-checked). */
function ruleParams(node: OpNode): DiffOpParams[DiffOp] {
  if (node.savedParams.length === 0) return node.params;
  const p: Record<string, unknown> = { ...(node.params as object) };
  for (const [k, s] of node.savedParams) p[k] = s.unpack();
  return p as DiffOpParams[DiffOp];
}

/** A non-leaf got a hook or retainGrad: its node keeps it, to reach it during backward. */
export function watch(t: Tensor): void {
  const node = t.gradFn;
  if (!(node instanceof OpNode)) return;
  (node.watched ??= [])[t._autograd?.outputNr ?? 0] = t;
}

/**
 * A step boundary found `t` loose (Note [Memory without ceremony] in @dl/tensor): hand the
 * storages its not-yet-backpropagated graph saved to the garbage collector. Values are kept (a
 * later backward reads them where they are); pinned storages (parameters) stay on the device.
 */
export function spillGraph(t: Tensor): void {
  const root = t.gradFn;
  if (!(root instanceof OpNode)) return;
  // Index loops, and a work list only when there is more than one node to walk: at each step
  // boundary this runs for every loose tensor, and a tensor's node mostly leads to nodes already
  // spilled (those of the tensors made before it, earlier in the loose list).
  let work: OpNode[] | null = null;
  let n: OpNode | undefined = root;
  while (n !== undefined) {
    if (!n.released && !n.spilled) {
      n.spilled = true;
      const { saved, savedOutputs, savedParams, nextFunctions } = n;
      for (let i = 0; i < saved.length; i++) saved[i]?.spill();
      for (let i = 0; i < savedOutputs.length; i++) savedOutputs[i]?.spill();
      for (let i = 0; i < savedParams.length; i++) savedParams[i]![1].spill();
      for (let i = 0; i < nextFunctions.length; i++) {
        const m = nextFunctions[i]![0];
        if (m instanceof OpNode && !m.released && !m.spilled) (work ??= []).push(m);
      }
    }
    n = work?.pop();
  }
}

/**
 * `g` summed over the dims that broadcasting added or expanded, down to `shape` (as PyTorch's
 * `at::sum_to`): what a derivative rule applies to a gradient in the broadcast output shape
 * before it flows to an input of shape `shape`.
 *
 * Note [Broadcast gradients]
 * A rule may return a gradient in the broadcast shape of the op's output, or in the op's
 * compute dtype. Before it flows on, it is summed over the broadcast dims and cast to the
 * input's dtype, so rules stay short and every binary op handles broadcasting the same way.
 *
 * @example
 * sumToShape(dl.ones(2, 3), [1, 3]); // tensor([[2., 2., 2.]])
 * sumToShape(dl.ones(2, 3), [3]);    // tensor([2., 2., 2.])
 */
export function sumToShape(g: Tensor, shape: readonly number[]): Tensor {
  if (g.shape.length === shape.length && g.shape.every((s, i) => s === shape[i])) return g;
  const lead = g.dim() - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.dim(); i++) {
    if (i < lead) axes.push(i);
    else if (shape[i - lead] === 1 && g.shape[i] !== 1) axes.push(i);
  }
  let r = axes.length ? g.sum(axes, { keepdim: true }) : g;
  if (lead > 0) r = r.reshape([...shape]);
  else if (!r.shape.every((s, i) => s === shape[i])) r = r.reshape([...shape]);
  return r;
}

function fitTo(g: Tensor, meta: TensorMeta): Tensor {
  let r = sumToShape(g, meta.shape);
  if (r.dtype !== meta.dtype) r = r.to(meta.dtype);
  if (r.device !== meta.device) r = r.to(meta.device);
  return r;
}

interface RunOptions {
  retainGraph: boolean;
  createGraph: boolean;
  /** grad(): capture gradients at these edges instead of accumulating into leaves. */
  capture?: Map<GraphNode, Map<number, number>>;
}

function runHooks(t: Tensor | undefined, g: Tensor): Tensor {
  if (!t?._autograd) return g;
  let r = g;
  for (const h of t._autograd.hooks) {
    // The hook may keep the gradient it is shown: it reaches user code, so backward's scope must not free it.
    const out = h(escape(r)) as Tensor | void;
    if (out) r = out;
  }
  return r;
}

function addGrad(a: Tensor | null, b: Tensor): Tensor {
  return a === null ? b : a.add(b);
}

/**
 * Run backward from `roots` seeded with `seeds`. Each node runs once, after every node that
 * feeds it gradient (dependency counting over the reachable graph).
 */
export function runBackward(roots: readonly Edge[], seeds: readonly Tensor[], opts: RunOptions): (Tensor | null)[] {
  const captured: (Tensor | null)[] = [];
  if (opts.capture) for (const m of opts.capture.values()) for (const k of m.values()) captured[k] = null;
  // 1. dependencies
  const deps = new Map<GraphNode, number>();
  const seen = new Set<GraphNode>();
  const stack: GraphNode[] = [];
  for (const [n] of roots) if (n && !seen.has(n)) seen.add(n), stack.push(n);
  while (stack.length) {
    const n = stack.pop()!;
    for (const [next] of n.nextFunctions) {
      if (!next) continue;
      deps.set(next, (deps.get(next) ?? 0) + 1);
      if (!seen.has(next)) {
        seen.add(next);
        stack.push(next);
      }
    }
  }
  // 2. seed buffers
  const buffers = new Map<GraphNode, (Tensor | null)[]>();
  const bufferOf = (n: GraphNode): (Tensor | null)[] => {
    let b = buffers.get(n);
    if (!b) buffers.set(n, (b = []));
    return b;
  };
  roots.forEach(([n, nr], i) => {
    if (!n) return;
    const b = bufferOf(n);
    b[nr] = addGrad(b[nr] ?? null, seeds[i]!);
  });
  const ready: GraphNode[] = [];
  for (const n of seen) if (!deps.get(n)) ready.push(n);

  const prevMode = isGradEnabled();
  setGradEnabled(opts.createGraph);
  try {
    while (ready.length) {
      const node = ready.pop()!;
      const grads = buffers.get(node) ?? [];
      buffers.delete(node);
      const cap = opts.capture?.get(node);
      if (node instanceof AccumulateGrad) {
        const g0 = grads[0];
        if (g0) {
          const g = runHooks(node.variable, g0);
          if (cap) captured[cap.get(0)!] = addGrad(captured[cap.get(0)!] ?? null, g);
          else accumulate(node.variable, g, opts.createGraph);
        }
        continue;
      }
      const op = node as OpNode;
      // Hooks and retained grads of the node's outputs.
      const outs = op.outputMeta.map((m, i) => {
        let g = grads[i] ?? null;
        const t = op.watched?.[i];
        if (g) {
          g = runHooks(t, g);
          if (t?._autograd?.retainsGrad) t.grad = escape(opts.createGraph ? g : g.detach());
          if (cap?.has(i)) captured[cap.get(i)!] = addGrad(captured[cap.get(i)!] ?? null, g);
        }
        return g ?? dl.zeros([...m.shape], { dtype: m.dtype, device: m.device });
      });
      if (op.released) throw freedError();
      const needs = op.nextFunctions.map(([n]) => n !== null);
      const ctx: RuleContext<DiffOp> = {
        params: ruleParams(op),
        inputMeta: op.inputMeta,
        needs,
        input: (i) => {
          const s = op.saved[i];
          if (!s) throw new AutogradError(`internal: ${op.name()} reads input ${i}, which it did not save`, { op: op.name() });
          return s.unpack();
        },
        output: () => op.savedOutputs[0]!.unpack(),
        grads: outs,
      };
      const rule = rules[op.op] as Rule<DiffOp>;
      const inGrads = rule.backward(outs[0]!, ctx);
      if (!opts.retainGraph) op.release();
      op.nextFunctions.forEach(([next, nr], i) => {
        if (!next) return;
        const g = inGrads[i];
        if (g) {
          const b = bufferOf(next);
          b[nr] = addGrad(b[nr] ?? null, fitTo(g, op.inputMeta[i]!));
        }
        const left = deps.get(next)! - 1;
        deps.set(next, left);
        if (left === 0) ready.push(next);
      });
    }
  } finally {
    setGradEnabled(prevMode);
  }
  return captured;
}

/** Gradients already stolen as some leaf's .grad (a rule may route one tensor to two inputs). */
const stolen = new WeakSet<Tensor>();

function accumulate(leaf: Tensor, g: Tensor, createGraph: boolean): void {
  const fitted = g.dtype === leaf.dtype && g.shape.length === leaf.shape.length ? g : fitTo(g, metaOf(leaf));
  if (leaf.grad === null || leaf.grad.isDisposed) {
    // Own the gradient: a fresh contiguous tensor nobody else holds is stolen, anything else copied.
    const own = !createGraph && fitted.isContiguous() && fitted._storage.refs === 1 && fitted.gradFn === null && !stolen.has(fitted);
    const mine = createGraph ? fitted : own ? fitted : fitted.detach().clone();
    stolen.add(mine);
    leaf.grad = keep(mine);
  } else if (createGraph) {
    leaf.grad = keep(leaf.grad.add(fitted));
  } else {
    leaf.grad.add_(fitted.detach());
  }
}

/** `tensor.backward(gradient?, { retainGraph, createGraph, inputs })`. */
export function backward(t: Tensor, gradient: Tensor | undefined, opts: BackwardOptions): void {
  backwardMany([t], gradient ? [gradient] : [undefined], opts);
}

/**
 * Backpropagates from several tensors at once, accumulating into the leaves' `.grad`, as
 * `torch.autograd.backward(tensors, grad_tensors)`: `gradients[i]` seeds `tensors[i]`
 * (`undefined`, or the whole list left out, for scalars, which are seeded with 1; non-scalars
 * need one). Options as
 * `tensor.backward` (`retainGraph`, `createGraph`, `inputs`).
 *
 * @example
 * const x = dl.tensor([1, 2], { requiresGrad: true });
 * const y = dl.tensor([3], { requiresGrad: true });
 * backwardAll([x.mul(y).sum(), y.mul(2).sum()], [undefined, undefined]);
 * x.grad; // tensor([3., 3.]);  y.grad: tensor([5.])
 */
export function backwardMany(
  tensors: readonly Tensor[],
  gradients: ReadonlyArray<Tensor | undefined> = [],
  opts: BackwardOptions = {},
): void {
  if (gradients.length > tensors.length)
    throw new AutogradError(`backward: got ${gradients.length} gradients for ${tensors.length} tensors`, {
      op: 'backward',
      hint: 'pass one gradient (or undefined, for a scalar) per tensor, or none at all',
    });
  const top = !inScope();
  // Every gradient made on the way is freed at the end, except what lands in `.grad`.
  runScope('backward', () => backwardScoped(tensors, gradients, opts));
  if (top) endStep();
}

function backwardScoped(tensors: readonly Tensor[], gradients: ReadonlyArray<Tensor | undefined>, opts: BackwardOptions): void {
  const seeds = tensors.map((t, i) => seedFor(t, gradients[i], i));
  const createGraph = opts.createGraph ?? false;
  const retainGraph = opts.retainGraph ?? createGraph;
  let capture: Map<GraphNode, Map<number, number>> | undefined;
  if (opts.inputs) {
    // backward(inputs=…): accumulate only into those tensors' .grad.
    capture = captureMap(opts.inputs);
    const got = runBackward(tensors.map(edgeFor), seeds, { retainGraph, createGraph, capture });
    opts.inputs.forEach((x, i) => {
      const g = got[i];
      if (g) accumulate(x, g, createGraph);
    });
    return;
  }
  runBackward(tensors.map(edgeFor), seeds, { retainGraph, createGraph });
}

function edgeFor(t: Tensor, i = 0): Edge {
  if (!t.requiresGrad) {
    throw new AutogradError(`element ${i} of tensors does not require grad and does not have a grad_fn`, {
      op: 'backward',
      hint: 'create the leaves with { requiresGrad: true } (or call requiresGrad_()), and do not compute under noGrad',
    });
  }
  return edgeOf(t);
}

function seedFor(t: Tensor, g: Tensor | undefined, i: number): Tensor {
  edgeFor(t, i);
  if (g) {
    if (g.shape.length !== t.shape.length || g.shape.some((s, k) => s !== t.shape[k])) {
      throw new AutogradError(
        `backward: mismatch in shape: grad_output[${i}] has a shape of [${g.shape.join(', ')}] and output[${i}] has a shape of [${t.shape.join(', ')}]`,
        {
          op: 'backward',
        },
      );
    }
    return g;
  }
  if (t.numel() !== 1) {
    throw new AutogradError(`backward: grad can be implicitly created only for scalar outputs (output has shape [${t.shape.join(', ')}])`, {
      op: 'backward',
      hint: 'pass a gradient of the output shape, e.g. y.backward(dl.onesLike(y)), or reduce to a scalar first',
    });
  }
  return dl.onesLike(t);
}

function captureMap(inputs: readonly Tensor[]): Map<GraphNode, Map<number, number>> {
  const m = new Map<GraphNode, Map<number, number>>();
  inputs.forEach((x, k) => {
    if (!x.requiresGrad) {
      throw new AutogradError(`grad: input ${k} (shape [${x.shape.join(', ')}]) does not require grad`, {
        op: 'grad',
        hint: 'set requiresGrad on the inputs you differentiate with respect to',
      });
    }
    const [n, nr] = edgeOf(x);
    let inner = m.get(n!);
    if (!inner) m.set(n!, (inner = new Map()));
    inner.set(nr, k);
  });
  return m;
}

/** Options of {@link grad}. */
export interface GradOptions {
  gradOutputs?: ReadonlyArray<Tensor | undefined>;
  retainGraph?: boolean;
  createGraph?: boolean;
  allowUnused?: boolean;
}

/**
 * Gradients of `outputs` with respect to `inputs`, returned instead of accumulated into
 * `.grad` (`torch.autograd.grad`). With `createGraph` the result is itself differentiable.
 *
 * @example
 * const x = dl.tensor([2.], { requiresGrad: true });
 * const [dy] = grad([x.pow(3)], [x], { createGraph: true }); // 3x² = 12
 * const [d2y] = grad([dy!], [x]);                            // 6x = 12
 */
export function grad(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts: GradOptions = {}): (Tensor | null)[] {
  const top = !inScope();
  const result = runScope('autograd.grad', () => gradScoped(outputs, inputs, opts));
  if (top) endStep(result);
  return result;
}

function gradScoped(outputs: Tensor | readonly Tensor[], inputs: Tensor | readonly Tensor[], opts: GradOptions): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : [...outputs];
  const ins = inputs instanceof Tensor ? [inputs] : [...inputs];
  const seeds = outs.map((t, i) => seedFor(t, opts.gradOutputs?.[i], i));
  const createGraph = opts.createGraph ?? false;
  const got = runBackward(outs.map(edgeFor), seeds, {
    retainGraph: opts.retainGraph ?? createGraph,
    createGraph,
    capture: captureMap(ins),
  });
  return ins.map((x, i) => {
    const g = got[i] ?? null;
    if (g === null && !opts.allowUnused) {
      throw new AutogradError(
        `grad: one of the differentiated Tensors (input ${i}, shape [${x.shape.join(', ')}]) appears to not have been used in the graph`,
        {
          op: 'grad',
          hint: 'set { allowUnused: true } if this is the desired behavior',
        },
      );
    }
    return g === null ? null : fitTo(g, metaOf(x));
  });
}

export { OpNode, SavedTensor };
