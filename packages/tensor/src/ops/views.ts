import { defineOp, recordOp, runKernel } from '../dispatch.js';
import { ArgumentError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { checkSizes, inferShape, normDim, numelOf, shapesEqual, viewStrides } from '../shape.js';
import { Tensor } from '../tensor.js';
import { emptyTensor } from './core.js';
import { advancedAt, isAdvancedIndex, type AdvancedIndex } from './advanced-index.js';

type ShapeArgs = (number | readonly number[])[];

function makeView(x: Tensor, shape: readonly number[], strides: readonly number[], offset: number): Tensor {
  x._view('view'); // throws if disposed
  const v = new Tensor(x._storage, shape, strides, offset);
  v._base = x._base ?? x;
  return v;
}

/** @internal Reshape without autograd when the layout allows (null otherwise). */
function tryView(x: Tensor, shape: readonly number[]): Tensor | null {
  const st = viewStrides(x.shape, x._strides, shape);
  return st ? makeView(x, shape, st, x._offset) : null;
}

/**
 * A view with a new shape sharing storage (one size may be -1). Fails when the layout
 * does not allow it, as PyTorch: use `reshape` then.
 *
 * @example
 * dl.arange(16).view(-1, 8).shape; // [2, 8]
 */
export const view = defineOp('view', (x: Tensor, ...args: ShapeArgs): Tensor => {
  const shape = inferShape(flatArgs(args), x.numel(), 'view', x.shape);
  const v = tryView(x, shape);
  if (!v) {
    throw new ShapeError(
      `view: view size is not compatible with input tensor's size and stride (input ${fmtShape(x.shape)} with strides ` +
        `${fmtShape(x._strides)}, requested ${fmtShape(shape)}): at least one dimension spans across two contiguous subspaces`,
      { op: 'view', hint: 'use .reshape(...) instead, or call .contiguous() first' },
    );
  }
  recordOp('reshape', [x], v, { inShape: [...x.shape], name: 'ViewBackward0' });
  return v;
});

function flatArgs(args: ShapeArgs): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}

/**
 * Reshape: a view when the layout allows, else a contiguous copy (as PyTorch).
 *
 * @example
 * x.reshape(2, 8); x.reshape([-1]);
 */
export const reshape = defineOp('reshape', (x: Tensor, ...args: ShapeArgs): Tensor => {
  const shape = inferShape(flatArgs(args), x.numel(), 'reshape', x.shape);
  return reshapeTo(x, shape, 'ReshapeAliasBackward0'); // torch 1.13's name for a reshape that is a view
});

/** @internal reshape to an already-resolved shape, recording `name`. */
export function reshapeTo(x: Tensor, shape: readonly number[], name: string): Tensor {
  if (shapesEqual(shape, x.shape) && (name === 'ViewBackward0' || name === 'ReshapeAliasBackward0')) return x;
  const v = tryView(x, shape);
  if (v) {
    recordOp('reshape', [x], v, { inShape: [...x.shape], name });
    return v;
  }
  const c = clone(x);
  const v2 = tryView(c, shape)!;
  recordOp('reshape', [c], v2, { inShape: [...c.shape], name: 'UnsafeViewBackward0' });
  return v2;
}

/**
 * Reorder dimensions (a view).
 *
 * @example
 * dl.rand(2, 3, 4).permute(2, 0, 1).shape; // [4, 2, 3]
 */
export const permute = defineOp('permute', (x: Tensor, ...args: ShapeArgs): Tensor => {
  const dims = flatArgs(args).map((d) => normDim(d, x.dim(), 'permute'));
  if (dims.length !== x.dim() || new Set(dims).size !== dims.length) {
    throw new ShapeError(
      `permute: dims ${fmtShape(flatArgs(args))} do not form a permutation of the ${x.dim()} dims of ${fmtShape(x.shape)}`,
      {
        op: 'permute',
        hint: `pass each of 0..${x.dim() - 1} exactly once`,
      },
    );
  }
  return permuteNamed(x, dims, 'PermuteBackward0');
});

function permuteNamed(x: Tensor, dims: number[], name: string): Tensor {
  const v = makeView(
    x,
    dims.map((d) => x.shape[d]!),
    dims.map((d) => x._strides[d]!),
    x._offset,
  );
  recordOp('permute', [x], v, { dims, name });
  return v;
}

/** Swap two dimensions (a view). */
export const transpose = defineOp('transpose', (x: Tensor, dim0: number, dim1: number): Tensor => {
  const r = x.dim();
  const a = normDim(dim0, r, 'transpose');
  const b = normDim(dim1, r, 'transpose');
  const dims = Array.from({ length: r }, (_, i) => i);
  dims[a] = b;
  dims[b] = a;
  return permuteNamed(x, r === 0 ? [] : dims, 'TransposeBackward0');
});

/** Transpose a ≤2-D tensor (`x.t()`). */
export const t = defineOp('t', (x: Tensor): Tensor => {
  if (x.dim() > 2) {
    throw new ShapeError(`t: expects a tensor with <= 2 dimensions, but self is ${x.dim()}D (shape ${fmtShape(x.shape)})`, {
      op: 't',
      hint: 'use transpose(dim0, dim1) or permute for higher ranks',
    });
  }
  return x.dim() < 2 ? x : permuteNamed(x, [1, 0], 'TBackward0');
});

/** Insert a size-1 dimension at `dim` (a view). */
export const unsqueeze = defineOp('unsqueeze', (x: Tensor, dim: number): Tensor => {
  const d = normDim(dim, x.dim() + 1, 'unsqueeze');
  const shape = [...x.shape];
  const strides = [...x._strides];
  const st = d < x.dim() ? x._strides[d]! * x.shape[d]! : 1;
  shape.splice(d, 0, 1);
  strides.splice(d, 0, st);
  const v = makeView(x, shape, strides, x._offset);
  recordOp('reshape', [x], v, { inShape: [...x.shape], name: 'UnsqueezeBackward0' });
  return v;
});

/** Remove size-1 dimensions (all, or the given ones). */
export const squeeze = defineOp('squeeze', (x: Tensor, dim?: number | readonly number[]): Tensor => {
  const dims =
    dim === undefined ? x.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : dim).map((d) => normDim(d, x.dim(), 'squeeze'));
  const keep = x.shape.map((s, i) => !(s === 1 && dims.includes(i)));
  const v = makeView(
    x,
    x.shape.filter((_, i) => keep[i]),
    x._strides.filter((_, i) => keep[i]),
    x._offset,
  );
  recordOp('reshape', [x], v, { inShape: [...x.shape], name: dim === undefined ? 'SqueezeBackward0' : 'SqueezeBackward1' });
  return v;
});

/** Flatten dims `startDim..endDim` into one. */
export const flatten = defineOp('flatten', (x: Tensor, startDim: number = 0, endDim: number = -1): Tensor => {
  if (x.dim() === 0) return reshapeTo(x, [1], 'ViewBackward0');
  const s = normDim(startDim, x.dim(), 'flatten');
  const e = normDim(endDim, x.dim(), 'flatten');
  if (s > e) throw new ArgumentError(`flatten: start_dim (${startDim}) cannot come after end_dim (${endDim})`, { op: 'flatten' });
  const shape = [...x.shape.slice(0, s), numelOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)];
  return reshapeTo(x, shape, 'ReshapeAliasBackward0');
});

/** Split dimension `dim` into `sizes` (one may be -1). */
export const unflatten = defineOp('unflatten', (x: Tensor, dim: number, sizes: readonly number[]): Tensor => {
  const d = normDim(dim, x.dim(), 'unflatten');
  const inner = inferShape(sizes, x.shape[d]!, 'unflatten', x.shape);
  return reshapeTo(x, [...x.shape.slice(0, d), ...inner, ...x.shape.slice(d + 1)], 'ViewBackward0');
});

/**
 * Broadcast to a larger shape without copying (-1 keeps a size).
 *
 * @example
 * dl.tensor([1, 2, 3]).expand(2, 3);
 */
export const expand = defineOp('expand', (x: Tensor, ...args: ShapeArgs): Tensor => {
  const sizes = checkSizes(flatArgs(args), 'expand', { allowInfer: true, cls: ShapeError }); // Note [Sizes from users]
  const lead = sizes.length - x.dim();
  const bad = () =>
    new ShapeError(
      `expand: the expanded size ${fmtShape(sizes)} must match the existing size ${fmtShape(x.shape)} at non-singleton dimensions`,
      {
        op: 'expand',
        hint: 'only size-1 dimensions can be expanded; new dimensions go in front',
      },
    );
  if (lead < 0) throw bad();
  const shape: number[] = [];
  const strides: number[] = [];
  for (let i = 0; i < sizes.length; i++) {
    const j = i - lead;
    const want = sizes[i]!;
    if (j < 0) {
      if (want < 0) throw bad();
      shape.push(want);
      strides.push(0);
    } else {
      const have = x.shape[j]!;
      if (want === -1 || want === have) {
        shape.push(have);
        strides.push(x._strides[j]!);
      } else if (have === 1) {
        shape.push(want);
        strides.push(0);
      } else throw bad();
    }
  }
  if (shapesEqual(shape, x.shape)) return x;
  const v = makeView(x, shape, strides, x._offset);
  recordOp('expand', [x], v, { inShape: [...x.shape] });
  return v;
});

/** @internal Strided slice of every dim (no bounds checks), recorded as one op. */
export function sliceDims(x: Tensor, starts: number[], lens: number[], steps: number[]): Tensor {
  let offset = x._offset;
  for (let i = 0; i < starts.length; i++) offset += starts[i]! * x._strides[i]!;
  const v = makeView(
    x,
    lens,
    x._strides.map((s, i) => s * steps[i]!),
    lens.some((l) => l === 0) ? x._offset : offset,
  );
  recordOp('slice', [x], v, { inShape: [...x.shape], starts, steps });
  return v;
}

/**
 * Note [Multi-output splits]
 * `split`, `chunk` and `unbind` return views of x recorded as ONE autograd node with every part as
 * an output (torch's SplitBackward0 / SplitWithSizesBackward0 / UnbindBackward0). Its rule
 * concatenates (or stacks) the parts' gradients, zeros for parts that got none: O(numel) for all
 * parts together. Recorded as one slice each, every part's backward would build a zero gradient
 * of x's full size: O(parts · numel), quadratic in the sequence length of an RNN that takes its
 * steps' rows this way (nn's Note [Recurrent layers over packed steps]).
 */
/** @internal Views of x along `d` with the given sizes (without `d` for 'Unbind'), recorded as one node. */
export function splitViews(x: Tensor, d: number, sizes: readonly number[], node: 'Split' | 'SplitWithSizes' | 'Unbind'): Tensor[] {
  const outs: Tensor[] = [];
  let off = 0;
  for (const s of sizes) {
    const shape = [...x.shape];
    const strides = [...x._strides];
    shape[d] = s;
    const empty = shape.some((l) => l === 0);
    if (node === 'Unbind') {
      shape.splice(d, 1);
      strides.splice(d, 1);
    }
    outs.push(makeView(x, shape, strides, empty ? x._offset : x._offset + off * x._strides[d]!));
    off += s;
  }
  if (outs.length) recordOp('splitWithSizes', [x], outs, { dim: d, sizes: [...sizes], node });
  return outs;
}

/** `x.narrow(dim, start, length)`: a view of `length` entries along `dim`. */
export const narrow = defineOp('narrow', (x: Tensor, dim: number, start: number, length: number): Tensor => {
  const d = normDim(dim, x.dim(), 'narrow');
  if (!Number.isInteger(start)) throw new ArgumentError(`narrow: start must be an integer, got ${start}`, { op: 'narrow' });
  checkSizes([length], 'narrow', { what: 'length' }); // Note [Sizes from users]
  const size = x.shape[d]!;
  const s = start < 0 ? start + size : start;
  if (s < 0 || length < 0 || s + length > size) {
    throw new IndexError(`narrow: start (${start}) + length (${length}) exceeds dimension size (${size}) of ${fmtShape(x.shape)}`, {
      op: 'narrow',
    });
  }
  const starts = x.shape.map(() => 0);
  const lens = [...x.shape];
  starts[d] = s;
  lens[d] = length;
  return sliceDims(
    x,
    starts,
    lens,
    x.shape.map(() => 1),
  );
});

/** `x.select(dim, index)` (`x[..., index, ...]`): removes `dim`. */
export const select = defineOp('select', (x: Tensor, dim: number, index: number): Tensor => {
  const d = normDim(dim, x.dim(), 'select');
  const size = x.shape[d]!;
  const i = index < 0 ? index + size : index;
  if (!Number.isInteger(index) || i < 0 || i >= size) {
    throw new IndexError(`select: index ${index} is out of bounds for dimension ${d} with size ${size}`, {
      op: 'select',
      hint: `the tensor has shape ${fmtShape(x.shape)}`,
    });
  }
  const n = narrow(x, d, i, 1);
  const shape = [...x.shape];
  shape.splice(d, 1);
  return reshapeTo(n, shape, 'SelectBackward0');
});

/**
 * One index of `at(...)`: an integer, a slice string (`':'`, `'1:3'`, `'::2'`, `'-1:'`), `'...'`,
 * `null` (new axis), or an advanced index: an integer index tensor, a bool mask, or a JS array of
 * integers or booleans (Note [Advanced indexing] in advanced-index.ts).
 */
export type Index = number | string | null | AdvancedIndex;

function parseSlice(s: string, size: number, dim: number): [number, number, number] {
  const parts = s.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => p.trim() !== '' && !/^-?\d+$/.test(p.trim()))) {
    throw new IndexError(`at: invalid slice '${s}' for dimension ${dim}`, {
      op: 'at',
      hint: "write slices as 'start:stop:step', e.g. ':', '1:3', '::2'",
    });
  }
  const num = (p: string | undefined) => (p === undefined || p.trim() === '' ? undefined : Number(p));
  const step = num(parts[2]) ?? 1;
  if (step <= 0) throw new IndexError(`at: slice step must be positive, got ${step}`, { op: 'at', hint: 'use flip() to reverse' });
  const clampIdx = (v: number | undefined, dflt: number) => {
    if (v === undefined) return dflt;
    const w = v < 0 ? v + size : v;
    return Math.min(Math.max(w, 0), size);
  };
  const start = clampIdx(num(parts[0]), 0);
  const stop = clampIdx(num(parts[1]), size);
  const len = stop > start ? Math.ceil((stop - start) / step) : 0;
  return [start, len, step];
}

/**
 * NumPy-style indexing, as `x[...]` in PyTorch: integers select, slice strings narrow
 * (with steps), `'...'` fills the remaining dims, `null` inserts a new axis: a view, writes
 * through it show in `x`. Index tensors, bool masks and JS arrays index as PyTorch's advanced
 * indexing and return a copy (Note [Advanced indexing]); assign with `x.indexPut_([...], v)`.
 *
 * @example
 * x.at(':', 1);         // x[:, 1]
 * x.at('1:3', '::2');   // x[1:3, ::2]
 * x.at(0, '...');       // x[0, ...]
 * x.at(null, ':');      // x[None, :]
 * x.at(idx);            // x[idx]       (idx an integer tensor)
 * x.at(x.gt(0));        // x[x > 0]
 * x.at(':', [0, 2]);    // x[:, [0, 2]]
 */
export const at = defineOp('at', (x: Tensor, ...idx: Index[]): Tensor => {
  if (idx.some(isAdvancedIndex)) return advancedAt(x, idx);
  const consumed = idx.filter((i) => i !== null && i !== '...').length;
  const ell = idx.filter((i) => i === '...').length;
  if (ell > 1) throw new IndexError('at: an index can only have a single ellipsis', { op: 'at' });
  if (consumed > x.dim()) {
    throw new IndexError(`at: too many indices for tensor of dimension ${x.dim()} (shape ${fmtShape(x.shape)}, got ${consumed} indices)`, {
      op: 'at',
    });
  }
  const full: Index[] = [];
  for (const i of idx) {
    if (i === '...') for (let k = 0; k < x.dim() - consumed; k++) full.push(':');
    else full.push(i);
  }
  while (full.filter((i) => i !== null).length < x.dim()) full.push(':');
  const starts: number[] = [];
  const lens: number[] = [];
  const steps: number[] = [];
  const outShape: number[] = [];
  let d = 0;
  for (const i of full) {
    if (i === null) {
      outShape.push(1);
      continue;
    }
    const size = x.shape[d]!;
    if (typeof i === 'number') {
      const k = i < 0 ? i + size : i;
      if (!Number.isInteger(i) || k < 0 || k >= size) {
        throw new IndexError(`at: index ${i} is out of bounds for dimension ${d} with size ${size}`, {
          op: 'at',
          hint: `the tensor has shape ${fmtShape(x.shape)}`,
        });
      }
      starts.push(k);
      lens.push(1);
      steps.push(1);
    } else if (typeof i === 'string') {
      const [s, l, st] = parseSlice(i, size, d);
      starts.push(s);
      lens.push(l);
      steps.push(st);
      outShape.push(l);
    } else {
      throw new IndexError(
        `at: unsupported index ${i === undefined ? 'undefined' : typeof i} at position ${d} (tensor shape ${fmtShape(x.shape)})`,
        {
          op: 'at',
          hint: "use numbers, slice strings like '1:3', '...', null, index tensors or bool masks",
        },
      );
    }
    d++;
  }
  const trivial = starts.every((s, k) => s === 0 && lens[k] === x.shape[k] && steps[k] === 1);
  const sliced = trivial ? x : sliceDims(x, starts, lens, steps);
  if (shapesEqual(outShape, sliced.shape)) return sliced;
  // PyTorch applies an index one element at a time, so its grad_fn is named by the last one:
  // x[1:2, 0] is SelectBackward0, x[0, 1:2] SliceBackward0, x[0, None] UnsqueezeBackward0.
  const last = idx.filter((i) => i !== '...').pop();
  return reshapeTo(
    sliced,
    outShape,
    last === null ? 'UnsqueezeBackward0' : typeof last === 'number' ? 'SelectBackward0' : 'SliceBackward0',
  );
});

/** A contiguous copy recorded for autograd (CloneBackward0). */
export const clone = defineOp('clone', (x: Tensor): Tensor => {
  const out = emptyTensor(x.shape, x.dtype, x.device, 'clone');
  runKernel('clone', 'copy', x, out);
  recordOp('clone', [x], out, {});
  return out;
});

/** `x` itself when contiguous, else a contiguous copy. */
export const contiguous = defineOp('contiguous', (x: Tensor): Tensor => {
  return x.isContiguous() ? x : clone(x);
});

/** A new tensor sharing storage, cut from the graph (requiresGrad false). */
export const detach = defineOp('detach', (x: Tensor): Tensor => {
  x._view('detach');
  return new Tensor(x._storage, x.shape, x._strides, x._offset);
});
