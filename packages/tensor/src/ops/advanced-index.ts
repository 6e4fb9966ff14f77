import { isFloating } from '../dtype.js';
import { defineOp, willRecord } from '../dispatch.js';
import { DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, numelOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { commonDevice, emptyTensor } from './core.js';
import { fromHost, tensor } from './creation.js';
import { binary, compare, where } from './elementwise.js';
import { checkIndexBounds, hostIndexValues } from './index-bounds.js';
import { indexSelect, scatter, scatterAdd } from './indexing.js';
import { applyInPlace } from './inplace.js';
import { nonzero } from './nonzero.js';
import { at, expand, permute, reshapeTo, type Index } from './views.js';

/**
 * Note [Advanced indexing]
 * `x.at(...)` takes, besides integers, slice strings, `null` and `'...'` (basic indexing, a view),
 * index tensors and boolean masks (advanced indexing, a copy), as `x[...]` in PyTorch:
 *  - the basic indices apply first; every integer index tensor then picks along one remaining dim,
 *    and all index tensors broadcast together to one shape B (negative indices wrap once,
 *    anything else out of range is an IndexError naming the dim, its size and the index);
 *  - a 0-d integer index tensor counts as an integer (torch applies it as a select): it removes
 *    its dim and takes no part in the placement below (on devices without sync reads it selects
 *    on the device, so the basic part is then a copy);
 *  - a bool (or uint8) mask of k dims stands for the k index tensors of `nonzero(mask)` and must
 *    match the k dims it covers; a 0-d mask adds a dim of size 1 (true) or 0 (false). Deliberately
 *    different: torch 1.13 counts a multi-dim mask as one dim when it applies the indices after
 *    it, so `x[mask2d, 0]` raises a mask-shape error there; dl gives NumPy's answer;
 *  - B goes where the advanced dims were when they are adjacent, and first when a slice or
 *    `null` separates them (PyTorch's rule: `x[0, :, idx]` is `[6, 2]` for x `[5, 6, 7]`, ints
 *    are basic and do not separate).
 * The result is computed as: move the advanced dims first, merge them into one, `indexSelect` the
 * linear indices, and reshape; its gradient is indexSelect's (a scatter-add, so repeated indices
 * accumulate), and its node is named `IndexBackward0`. `indexPut_` runs the same plan backwards
 * with scatter / scatterAdd.
 */

/** An advanced index as `at` and `indexPut_` take it: an index tensor, a mask, or a flat JS array of integers or booleans. */
export type AdvancedIndex = Tensor | readonly number[] | readonly boolean[];

/** @internal Is this index advanced (a tensor or a JS array)? */
export function isAdvancedIndex(i: unknown): i is AdvancedIndex {
  return i instanceof Tensor || Array.isArray(i);
}

interface AdvDim {
  /** dim of the basic view it indexes */
  dim: number;
  /** dim of the original tensor (for messages) */
  srcDim: number;
  index: Tensor;
  /** indices from a mask are in range by construction */
  fromMask: boolean;
}

/** @internal What `x.at(...)` resolves to: a basic view of x and the index tensors on its dims. */
export interface IndexPlan {
  view: Tensor;
  adv: AdvDim[];
  /** `view` is a copy (a 0-d index tensor on a device without sync reads), so writes must not go through it */
  copied: boolean;
}

function describe(i: unknown): string {
  if (i instanceof Tensor) return `a ${i.dtype} tensor of shape ${fmtShape(i.shape)}`;
  if (Array.isArray(i)) return `an array of length ${i.length}`;
  if (typeof i === 'string') return `'${i}'`;
  return i === undefined ? 'undefined' : typeof i === 'object' ? 'an object' : `${typeof i} ${String(i)}`;
}

function toTensor(i: AdvancedIndex, device: string, op: string, pos: number): Tensor {
  if (i instanceof Tensor) {
    if (isFloating(i.dtype)) {
      throw new IndexError(`${op}: tensors used as indices must be long, byte or bool tensors; index ${pos} is ${describe(i)}`, {
        op,
        hint: 'cast the index with .long()',
      });
    }
    return i;
  }
  const arr = i as readonly unknown[];
  if (arr.some((v) => Array.isArray(v))) {
    // torch 1.13 reads x[[[0, 1], [1, 0]]] as the tuple x[[0, 1], [1, 0]] (NumPy's deprecated rule),
    // a tensor index of the same values as a 2-D index: refuse rather than pick one silently.
    throw new IndexError(`${op}: index ${pos} is a nested array, which PyTorch reads as a tuple of indices (a deprecated NumPy rule)`, {
      op,
      hint: 'pass the inner arrays as separate indices (x.at([0, 1], [1, 0])), or a tensor for a multi-dimensional index',
    });
  }
  if (arr.length > 0 && arr.every((v) => typeof v === 'boolean')) return tensor(arr as boolean[], { dtype: 'bool', device });
  if (!arr.every((v) => typeof v === 'number' && Number.isInteger(v))) {
    throw new IndexError(`${op}: index ${pos} is an array that is not all integers or all booleans`, {
      op,
      hint: 'index with integers ([0, 2]), booleans ([true, false]) or a tensor',
    });
  }
  return fromHost(arr as number[], [arr.length], 'int32', device, op);
}

function isMask(t: Tensor): boolean {
  return t.dtype === 'bool' || t.dtype === 'uint8';
}

/** @internal Resolve an index list into a basic view plus index tensors (Note [Advanced indexing]). */
export function planIndex(x: Tensor, idx: readonly (Index | AdvancedIndex)[], op: string): IndexPlan {
  const items = idx.map((i, k) => (isAdvancedIndex(i) ? toTensor(i, x.device, op, k) : i));
  for (const i of items) if (i instanceof Tensor) commonDevice(op, x, i);
  const width = (i: (typeof items)[number]) => (i === null || i === '...' ? 0 : i instanceof Tensor && isMask(i) ? i.dim() : 1);
  const consumed = items.reduce<number>((a, i) => a + width(i), 0);
  if (items.filter((i) => i === '...').length > 1) throw new IndexError(`${op}: an index can only have a single ellipsis ('...')`, { op });
  if (consumed > x.dim()) {
    throw new IndexError(
      `${op}: too many indices for tensor of dimension ${x.dim()} (shape ${fmtShape(x.shape)}, the index covers ${consumed} dims)`,
      { op },
    );
  }
  const full: (Index | Tensor)[] = [];
  for (const i of items) {
    if (i === '...') for (let k = 0; k < x.dim() - consumed; k++) full.push(':');
    else full.push(i);
  }
  const basic: Index[] = [];
  const adv: AdvDim[] = [];
  const selects: AdvDim[] = [];
  let xDim = 0;
  let vDim = 0;
  for (const i of full) {
    if (!(i instanceof Tensor)) {
      basic.push(i);
      if (i !== null) xDim++;
      if (typeof i !== 'number') vDim++;
      continue;
    }
    if (!isMask(i) && i.dim() === 0) {
      // torch applies a 0-d integer index tensor as an integer (a select, basic indexing): it
      // removes its dim and does not take part in the placement of the advanced dims.
      const host = hostIndexValues(i, op);
      if (host) {
        basic.push(host[0]!);
        xDim++;
      } else {
        basic.push(':');
        selects.push({ dim: vDim++, srcDim: xDim++, index: i, fromMask: false });
      }
      continue;
    }
    if (!isMask(i)) {
      basic.push(':');
      adv.push({ dim: vDim++, srcDim: xDim++, index: i, fromMask: false });
      continue;
    }
    if (i.dim() === 0) {
      // x[True] / x[False]: a new dim of size 1, indexed by [0] or [].
      const keep = nonzero(i.reshape(1)).shape[0]!;
      basic.push(null);
      adv.push({ dim: vDim++, srcDim: xDim, index: fromHost(keep ? [0] : [], [keep], 'int32', x.device, op), fromMask: true });
      continue;
    }
    for (let k = 0; k < i.dim(); k++) {
      if (i.shape[k] !== x.shape[xDim + k]) {
        throw new IndexError(
          `${op}: the shape of the mask ${fmtShape(i.shape)} at index ${k} does not match the shape of the indexed tensor ${fmtShape(x.shape)} at index ${xDim + k}`,
          { op, hint: 'a mask covers as many dims as it has, starting where it stands in the index' },
        );
      }
    }
    const coords = nonzero(i, { asTuple: true });
    for (const c of coords) {
      basic.push(':');
      adv.push({ dim: vDim++, srcDim: xDim++, index: c, fromMask: true });
    }
  }
  let view = basic.every((b) => b === ':') ? x : at(x, ...basic);
  for (const sel of selects.reverse()) {
    // 0-d index tensors where the values cannot be read synchronously: select on the device
    const size = view.shape[sel.dim]!;
    const raw = sel.index.dtype === 'int32' ? sel.index : sel.index.to('int32');
    checkIndexBounds(op, raw, sel.srcDim, size, { negativeWraps: true, selfShape: x.shape, onDevice: true }); // the user's value, not the wrapped one
    const ix = wrapNegative(raw, size);
    const picked = indexSelect(view, sel.dim, ix.reshape(1));
    view = reshapeTo(
      picked,
      view.shape.filter((_, d) => d !== sel.dim),
      'SelectBackward0',
    );
    for (const a of adv) if (a.dim > sel.dim) a.dim--;
  }
  return { view, adv, copied: selects.length > 0 };
}

function wrapNegative(ix: Tensor, size: number): Tensor {
  return where(compare('lt', ix, 0), binary('add', ix, size), ix);
}

/** The shape all index tensors broadcast to, with PyTorch's message when they do not. */
function indexShape(plan: IndexPlan, op: string): number[] {
  try {
    return broadcastShapes(op, ...plan.adv.map((a) => a.index.shape));
  } catch (e) {
    if (!(e instanceof ShapeError)) throw e;
    throw new IndexError(
      `${op}: shape mismatch: indexing tensors could not be broadcast together with shapes ${plan.adv.map((a) => fmtShape(a.index.shape)).join(', ')}`,
      {
        op,
        hint: 'index tensors broadcast against each other like the operands of an elementwise op',
      },
    );
  }
}

/** Linear index into the merged advanced dims (shape B), negatives wrapped, bounds checked on cpu. */
function linearIndex(plan: IndexPlan, op: string): Tensor {
  let lin: Tensor | null = null;
  for (const a of plan.adv) {
    const size = plan.view.shape[a.dim]!;
    let ix = a.index.dtype === 'int32' ? a.index : a.index.to('int32');
    if (!a.fromMask) {
      // each index against its own dim, before the merge (devices without sync reads check on the device)
      checkIndexBounds(op, ix, a.srcDim, size, { negativeWraps: true, selfShape: plan.view.shape, onDevice: true });
      ix = wrapNegative(ix, size);
    }
    lin = lin === null ? ix : binary('add', binary('mul', lin, size), ix);
  }
  return lin!;
}

interface Layout {
  advDims: number[];
  restDims: number[];
  /** where B goes in the result: the first advanced dim when adjacent, else 0 */
  at: number;
}

function layoutOf(plan: IndexPlan): Layout {
  const advDims = plan.adv.map((a) => a.dim);
  const restDims = plan.view.shape.map((_, d) => d).filter((d) => !advDims.includes(d));
  const adjacent = advDims.every((d, k) => k === 0 || d === advDims[k - 1]! + 1);
  return { advDims, restDims, at: adjacent ? advDims[0]! : 0 };
}

/** The view with its advanced dims first, merged into one: `[prod(adv sizes), ...rest]` (a copy when the layout needs one). */
function mergedAdvFirst(v: Tensor, lay: Layout): Tensor {
  const perm = [...lay.advDims, ...lay.restDims];
  const p = perm.every((d, k) => d === k) ? v : permute(v, perm);
  return p.reshape([numelOf(lay.advDims.map((d) => v.shape[d]!)), ...lay.restDims.map((d) => v.shape[d]!)]);
}

/** Permutation taking `[...B, ...rest]` to the result layout (B at `lay.at`). */
function toResultPerm(nb: number, nrest: number, at: number): number[] {
  const rest = Array.from({ length: nrest }, (_, k) => nb + k);
  const b = Array.from({ length: nb }, (_, k) => k);
  return [...rest.slice(0, at), ...b, ...rest.slice(at)];
}

/** @internal `x[...]` for a resolved plan: the basic view itself when there is no index tensor. */
export function indexWithPlan(plan: IndexPlan, op: string, name = 'IndexBackward0'): Tensor {
  if (plan.adv.length === 0) return plan.view;
  const v = plan.view;
  const lay = layoutOf(plan);
  const b = indexShape(plan, op);
  const lin = linearIndex(plan, op);
  const restShape = lay.restDims.map((d) => v.shape[d]!);
  const picked = indexSelect(mergedAdvFirst(v, lay), 0, lin.reshape(-1)).reshape([...b, ...restShape]);
  const perm = toResultPerm(b.length, restShape.length, lay.at);
  const out = perm.every((d, k) => d === k) ? picked : permute(picked, perm);
  return reshapeTo(out, out.shape, name);
}

/** @internal `x.at(...)` with index tensors or masks among the indices (Note [Advanced indexing]). */
export function advancedAt(x: Tensor, idx: readonly (Index | AdvancedIndex)[]): Tensor {
  return indexWithPlan(planIndex(x, idx, 'at'), 'at');
}

/** Options of {@link indexPut_}. */
export interface IndexPutOptions {
  /** Add `values` at the indices (repeated indices add up) instead of assigning. */
  accumulate?: boolean;
}

/**
 * `x[indices] = values` / `x.index_put_(indices, values, accumulate)`: writes `values` (broadcast to
 * what `x.at(...indices)` would return) into `x` at the indices, in place. `indices` is what `at`
 * takes (index tensors, masks, integers, slice strings, `null`, `'...'`), so every PyTorch
 * assignment `x[spec] = v` is `x.indexPut_([spec…], v)`. Values must have x's dtype (as PyTorch);
 * numbers are fine. With `accumulate` repeated indices add up. Differentiable w.r.t. `x` and
 * `values`, also for basic specs (`y.indexPut_([':', 0], v)` where `y.at(':', 0).copy_(v)` would
 * be an in-place op on a view of a tensor in the graph).
 *
 * @example
 * x.indexPut_([dl.tensor([0, 2], { dtype: 'int64' })], 1);          // x[[0, 2]] = 1
 * x.indexPut_([x.lt(0)], 0);                                          // x[x < 0] = 0
 * x.indexPut_([':', 1], dl.tensor([7, 8, 9.]));                       // x[:, 1] = [7, 8, 9]
 * counts.indexPut_([labels], dl.ones(n), { accumulate: true });       // a histogram
 */
export const indexPut_ = defineOp(
  'indexPut_',
  (x: Tensor, indices: readonly (Index | AdvancedIndex)[] | Tensor, values: Tensor | number, opts: IndexPutOptions = {}): Tensor => {
    const op = 'indexPut_';
    const list = indices instanceof Tensor ? [indices] : indices;
    if (!Array.isArray(list))
      throw new IndexError(`${op}: expected a list of indices, got ${describe(indices)}`, { op, hint: 'x.indexPut_([idx], v)' });
    if (values instanceof Tensor && values.dtype !== x.dtype) {
      throw new DTypeError(
        `${op}: index put requires the source and destination dtypes match, got ${x.dtype} for the destination and ${values.dtype} for the source`,
        {
          op,
          hint: `cast the values first: values.to('${x.dtype}')`,
        },
      );
    }
    if (!(values instanceof Tensor) && typeof values !== 'number' && typeof values !== 'boolean') {
      throw new DTypeError(`${op}: values must be a Tensor or a number, got ${describe(values)}`, { op });
    }
    const accumulate = opts.accumulate ?? false;
    const vals = values instanceof Tensor ? values : fromHost([Number(values)], [], x.dtype, x.device, op);
    commonDevice(op, x, vals);
    if (willRecord([x, vals])) return indexPutRecorded(x, list, vals, accumulate);
    const plan = planIndex(x, list, op);
    if (plan.copied) return indexPutRecorded(x, list, vals, accumulate);
    const v = plan.view;
    if (plan.adv.length === 0) {
      if (values instanceof Tensor) {
        if (accumulate) v.add_(values);
        else v.copy_(values);
      } else if (accumulate) v.add_(values);
      else v.fill_(values);
      return x;
    }
    const lay = layoutOf(plan);
    const b = indexShape(plan, op);
    const restShape = lay.restDims.map((d) => v.shape[d]!);
    const resultShape = [...restShape.slice(0, lay.at), ...b, ...restShape.slice(lay.at)];
    const vb = valuesTo(op, vals, resultShape);
    const lin = linearIndex(plan, op);
    // values in [...B, ...rest] order, merged to [n, R]
    const inv = toResultPerm(b.length, restShape.length, lay.at);
    const back = inv.map((_, k) => inv.indexOf(k));
    const vFirst = back.every((d, k) => d === k) ? vb : permute(vb, back);
    const n = numelOf(b);
    const r = numelOf(restShape);
    const src = vFirst.reshape([n, r]);
    const idx2 = lin.reshape([n, 1]).expand([n, r]);
    const perm = [...lay.advDims, ...lay.restDims];
    const target = perm.every((d, k) => d === k) ? v : permute(v, perm);
    applyInPlace(target, op, (self) => {
      const merged = self.reshape([numelOf(lay.advDims.map((d) => v.shape[d]!)), r]);
      const put = accumulate ? scatterAdd(merged, 0, idx2, src) : scatter(merged, 0, idx2, src);
      return put.reshape([...self.shape]);
    });
    return x;
  },
);

/** `vals` broadcast to the indexing result's shape, with PyTorch's message when it cannot be. */
function valuesTo(op: string, vals: Tensor, resultShape: readonly number[]): Tensor {
  const lead = resultShape.length - vals.dim();
  if (lead < 0 || vals.shape.some((sz, k) => sz !== 1 && sz !== resultShape[lead + k])) {
    throw new ShapeError(
      `${op}: shape mismatch: value tensor of shape ${fmtShape(vals.shape)} cannot be broadcast to indexing result of shape ${fmtShape(resultShape)}`,
      {
        op,
        hint: 'values broadcast to the shape x.at(...indices) would have',
      },
    );
  }
  return expand(vals, [...resultShape]);
}

/**
 * `indexPut_` while autograd records: one scatter on the whole of `x` (not on a view of it, which
 * autograd cannot rewrite in place), at the flat positions the index selects (Note [Flat
 * positions of an index]).
 */
function indexPutRecorded(x: Tensor, list: readonly (Index | AdvancedIndex)[], vals: Tensor, accumulate: boolean): Tensor {
  const op = 'indexPut_';
  const sel = flatPositions(x, list, op); // flat positions, shaped as x.at(...list)
  const where_ = sel.reshape(-1);
  const vb = valuesTo(op, vals, sel.shape).reshape(-1);
  applyInPlace(x, op, (self) => {
    const flat = self.reshape(-1);
    const put = accumulate ? scatterAdd(flat, 0, where_, vb) : scatter(flat, 0, where_, vb);
    return reshapeTo(put, self.shape, 'IndexPutBackward0');
  });
  return x;
}

/**
 * Note [Flat positions of an index]
 * The recorded `indexPut_` needs, shaped as `x.at(...list)`, the row-major position in `x` of
 * every element the index selects: what indexing the tensor `arange(x.numel()).reshape(x.shape)`
 * would give. That tensor is never built (filling it on the host cost 3× the put itself on a
 * [16, 64, 64, 64] tensor): the plan is resolved on a stand-in with x's shape and contiguous
 * strides (x's own storage when x is contiguous, else a fresh uint8 buffer), so the basic view's
 * offset and strides are positions, and a selected element's position is
 * `offset + Σ_adv index·stride + Σ_rest i·stride`: one int32 tensor per index dim (the advanced
 * ones checked and wrapped as indexing does) broadcast into the result layout, with work in
 * the size of the selection, not of x. Only when the plan's view is a copy (0-d index tensors
 * on a device without sync reads) are the positions built, on the device, and indexed.
 */
function flatPositions(x: Tensor, list: readonly (Index | AdvancedIndex)[], op: string): Tensor {
  const standIn = x.isContiguous() ? new Tensor(x._storage, x.shape, x._strides, x._offset) : emptyTensor(x.shape, 'uint8', x.device, op);
  const plan = planIndex(standIn, list, op);
  if (plan.copied) return indexWithPlan(planIndex(rowMajorPositions(x.shape, x.device, op), list, op), op);
  const v = plan.view;
  const lay = plan.adv.length === 0 ? { advDims: [], restDims: v.shape.map((_, d) => d), at: 0 } : layoutOf(plan);
  const b = plan.adv.length === 0 ? [] : indexShape(plan, op);
  const outRank = lay.restDims.length + b.length;
  let pos: Tensor = fromHost([v._offset - standIn._offset], [], 'int32', x.device, op);
  for (const a of plan.adv) {
    const size = v.shape[a.dim]!;
    let ix = a.index.dtype === 'int32' ? a.index : a.index.to('int32');
    if (!a.fromMask) {
      checkIndexBounds(op, ix, a.srcDim, size, { negativeWraps: true, selfShape: v.shape, onDevice: true }); // as linearIndex
      ix = wrapNegative(ix, size);
    }
    const lead = b.length - ix.dim(); // broadcast against B from the right
    const shape = [...Array<number>(lay.at + lead).fill(1), ...ix.shape, ...Array<number>(outRank - lay.at - b.length).fill(1)];
    pos = binary('add', pos, binary('mul', ix, v._strides[a.dim]!).reshape(shape));
  }
  lay.restDims.forEach((d, k) => {
    const size = v.shape[d]!;
    const stride = v._strides[d]!;
    const steps = new Int32Array(size);
    for (let i = 0; i < size; i++) steps[i] = i * stride;
    const at = k < lay.at ? k : k + b.length;
    const shape = Array<number>(outRank).fill(1);
    shape[at] = size;
    pos = binary('add', pos, fromHost(steps, shape, 'int32', x.device, op));
  });
  return expand(pos, outShape(v, lay, b)); // already that shape (the index tensors span B); kept as a guard
}

function outShape(v: Tensor, lay: Layout, b: readonly number[]): number[] {
  const rest = lay.restDims.map((d) => v.shape[d]!);
  return [...rest.slice(0, lay.at), ...b, ...rest.slice(lay.at)];
}

/** `arange(numel).reshape(shape)`, int32, built on the device from one small tensor per dim. */
function rowMajorPositions(shape: readonly number[], device: string, op: string): Tensor {
  let pos: Tensor = fromHost(
    [0],
    shape.map(() => 1),
    'int32',
    device,
    op,
  );
  let stride = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const steps = new Int32Array(shape[d]!);
    for (let i = 0; i < steps.length; i++) steps[i] = i * stride;
    pos = binary(
      'add',
      pos,
      fromHost(
        steps,
        shape.map((s, k) => (k === d ? s : 1)),
        'int32',
        device,
        op,
      ),
    );
    stride *= shape[d]!;
  }
  return pos;
}

/**
 * Out-of-place {@link indexPut_}: a copy of `x` with `values` put at `indices` (`torch.index_put`).
 *
 * @example
 * const y = dl.indexPut(x, [idx], dl.tensor(0.));
 */
export const indexPut = defineOp(
  'indexPut',
  (x: Tensor, indices: readonly (Index | AdvancedIndex)[] | Tensor, values: Tensor | number, opts: IndexPutOptions = {}): Tensor => {
    return indexPut_(x.clone(), indices, values, opts);
  },
);
