import { defineOp, deviceCan, recordOp, runKernel } from '../dispatch.js';
import { promoteTypes, type DType } from '../dtype.js';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape } from '../errors.js';
import { checkSizes, describeValue, normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastView, castRaw, commonDevice, emptyTensor } from './core.js';
import { fromHost } from './creation.js';
import { checkIndexBounds, hostIndexValues } from './index-bounds.js';
import { checkOnDevice, DEFERRED_NOTE } from './device-check.js';
import { compare, where } from './elementwise.js';
import { splitViews, unsqueeze } from './views.js';

function checkIndex(op: string, index: Tensor): void {
  if (index.dtype !== 'int32' && index.dtype !== 'uint8') {
    throw new DTypeError(`${op}: expected index to be an integer tensor (int32), got ${index.dtype} with shape ${fmtShape(index.shape)}`, {
      op,
      hint: 'cast with .long() (int32 in dl)',
    });
  }
}

/**
 * Pick values along `dim` at `index` (`torch.gather`): `out[i][j] = x[i][index[i][j]]` for dim 1.
 *
 * @example
 * logp.gather(1, target.unsqueeze(1));
 */
export const gather = defineOp('gather', (x: Tensor, dim: number, index: Tensor): Tensor => {
  const op = 'gather';
  checkIndex(op, index);
  commonDevice(op, x, index);
  const d = normDim(dim, x.dim(), op);
  if (index.dim() !== x.dim()) {
    throw new ShapeError(`gather: index ${fmtShape(index.shape)} must have the same number of dimensions as input ${fmtShape(x.shape)}`, {
      op,
    });
  }
  for (let i = 0; i < x.dim(); i++) {
    if (i !== d && index.shape[i]! > x.shape[i]!) {
      throw new ShapeError(`gather: size of index ${fmtShape(index.shape)} exceeds input ${fmtShape(x.shape)} at dimension ${i}`, {
        op,
        hint: `index.size(d) <= input.size(d) is required for every d != dim (${d})`,
      });
    }
  }
  if (x.dim() > 0) checkIndexBounds(op, index, d, x.shape[d]!, { negativeWraps: false, selfShape: x.shape }); // Note [Index bounds on the host]
  const out = emptyTensor(index.shape, x.dtype, x.device, op);
  if (out.numel() > 0) runKernel(op, 'gather', x, d, index, out); // an empty result reads nothing
  recordOp('gather', [x, index], out, { dim: d });
  return out;
});

function scatterImpl(op: string, x: Tensor, dim: number, index: Tensor, src: Tensor | number, mode: 'add' | 'assign'): Tensor {
  checkIndex(op, index);
  if (typeof src !== 'number' && !(src instanceof Tensor)) {
    const kw = src !== null && typeof src === 'object' && 'value' in (src as object);
    throw new ArgumentError(`${op}: src must be a Tensor or a number, got ${describeValue(src)}`, {
      op,
      hint: kw
        ? `pass the value positionally: x.${op}_(dim, index, ${String((src as { value: unknown }).value)}) (PyTorch's value=…)`
        : `x.${op}_(dim, index, src) with src a tensor or a number`,
    });
  }
  // torch treats 0-d index and src as 1-d here (ensure_nonempty_dim): the Transforms tutorial's
  // one-hot `zeros(10).scatter_(0, torch.tensor(y), value=1)` has a 0-d index
  if (x.dim() === 1 && index.dim() === 0) index = index.reshape([1]);
  if (x.dim() === 1 && typeof src !== 'number' && src.dim() === 0) src = src.reshape([1]);
  const d = normDim(dim, x.dim(), op);
  const s = typeof src === 'number' ? broadcastView(fromHost([src], [], x.dtype, x.device, op), index.shape) : src;
  commonDevice(op, x, index, s);
  if (index.dim() !== x.dim() || s.dim() !== x.dim()) {
    throw new ShapeError(
      `${op}: index ${fmtShape(index.shape)}, src ${fmtShape(s.shape)} and self ${fmtShape(x.shape)} must have the same number of dimensions`,
      { op },
    );
  }
  for (let i = 0; i < x.dim(); i++) {
    if (index.shape[i]! > s.shape[i]! || (i !== d && index.shape[i]! > x.shape[i]!)) {
      throw new ShapeError(
        `${op}: expected index ${fmtShape(index.shape)} to be smaller than self ${fmtShape(x.shape)} apart from dimension ${d} and to be smaller than src ${fmtShape(s.shape)}`,
        { op },
      );
    }
  }
  if (x.dim() > 0) checkIndexBounds(op, index, d, x.shape[d]!, { negativeWraps: false, selfShape: x.shape }); // Note [Index bounds on the host]
  const out = emptyTensor(x.shape, x.dtype, x.device, op);
  runKernel(op, 'copy', x, out);
  const sc = castRaw(s, x.dtype);
  if (index.numel() > 0) runKernel(op, 'scatter', out, d, index, sc, mode);
  recordOp('scatter', [x, index, typeof src === 'number' ? null : s], out, { dim: d, mode });
  return out;
}

/**
 * A copy of `x` with `src` (a tensor or a number) written along `dim` at `index`, as `torch.scatter`: for dim 1,
 * `out[i][index[i][j]] = src[i][j]`. Out-of-range indices raise an IndexError.
 *
 * @example
 * dl.scatter(dl.zeros(3), 0, dl.tensor([1], { dtype: 'int64' }), 9); // → tensor([0., 9., 0.])
 */
export const scatter = defineOp('scatter', (x: Tensor, dim: number, index: Tensor, src: Tensor | number): Tensor => {
  return scatterImpl('scatter', x, dim, index, src, 'assign');
});
/**
 * Out-of-place `scatter_add`: a copy of `x` with `src` added at `index` along `dim`.
 *
 * @example
 * dl.zeros(3).scatterAdd(0, dl.tensor([0, 0, 2]), dl.tensor([1, 2, 3.]));  // [3, 0, 3]
 */
export const scatterAdd = defineOp('scatterAdd', (x: Tensor, dim: number, index: Tensor, src: Tensor): Tensor => {
  return scatterImpl('scatterAdd', x, dim, index, src, 'add');
});

/**
 * Select entries along `dim` by a 1-D int index (`torch.index_select`).
 *
 * @example
 * x.indexSelect(0, dl.tensor([2, 0]));
 */
export const indexSelect = defineOp('indexSelect', (x: Tensor, dim: number, index: Tensor): Tensor => {
  const op = 'indexSelect';
  checkIndex(op, index);
  commonDevice(op, x, index);
  if (index.dim() > 1) throw new ShapeError(`indexSelect: index must be 1-D, got shape ${fmtShape(index.shape)}`, { op });
  const d = normDim(dim, x.dim(), op);
  const idx = index.dim() === 0 ? index.reshape(1) : index;
  checkIndexBounds(op, idx, d, x.dim() === 0 ? 1 : x.shape[d]!, { negativeWraps: false, selfShape: x.shape }); // Note [Index bounds on the host]
  const shape = x.dim() === 0 ? [] : [...x.shape];
  if (x.dim() > 0) shape[d] = idx.shape[0]!;
  const out = emptyTensor(shape, x.dtype, x.device, op);
  const as1d = (t: Tensor) => (t.dim() === 0 ? { of: t, shape: [1], strides: [1], offset: t._offset } : t);
  if (out.numel() > 0) runKernel(op, 'indexSelect', as1d(x), d, idx, as1d(out)); // (the cpu kernel's row copy overruns on empty rows)
  recordOp('indexSelect', [x, idx], out, { dim: d });
  return out;
});

/**
 * Concatenate along an existing dim (dtypes promoted, as PyTorch). `dim` may also come as
 * PyTorch's keyword, `{ dim: 1 }` (`torch.cat([a, b], dim=1)`).
 *
 * @example
 * dl.cat([a, b], 0);
 * dl.cat([a, b], { dim: 1 });
 */
export const cat = defineOp('cat', (tensors: readonly Tensor[], dimOrOpts: number | DimOption = 0): Tensor => {
  const op = 'cat';
  const dim = dimArg(op, dimOrOpts);
  if (!Array.isArray(tensors) || tensors.length === 0) {
    throw new ArgumentError('cat: expected a non-empty list of Tensors', { op });
  }
  checkTensorList(op, tensors);
  // PyTorch skips legacy empty 1-D tensors for shapes, but their dtype still takes part in the
  // promotion (torch 1.13: cat([tensor([]), tensor([1, 2], dtype=int32)]) is float32).
  const ts = tensors.filter((t) => !(t.dim() === 1 && t.shape[0] === 0));
  const promoted = tensors.reduce<DType>((a, t) => promoteTypes(a, t.dtype), tensors[0]!.dtype);
  if (ts.length === 0) return tensors[0]!.to(promoted).clone();
  const ref = ts[0]!;
  if (ref.dim() === 0)
    throw new ShapeError('cat: zero-dimensional tensor (at position 0) cannot be concatenated', {
      op,
      hint: 'use stack, or unsqueeze first',
    });
  const d = normDim(dim, ref.dim(), op);
  const device = commonDevice(op, ...ts);
  const dtype: DType = promoted;
  ts.forEach((t) => {
    if (t.dim() !== ref.dim() || t.shape.some((s: number, i: number) => i !== d && s !== ref.shape[i])) {
      throw new ShapeError(
        `cat: sizes of tensors must match except in dimension ${d}; tensor ${tensors.indexOf(ref)} has shape ${fmtShape(ref.shape)} and tensor ${tensors.indexOf(t)} has shape ${fmtShape(t.shape)}`,
        { op },
      );
    }
  });
  const sizes = ts.map((t) => t.shape[d]!);
  const shape = [...ref.shape];
  shape[d] = sizes.reduce((a, b) => a + b, 0);
  const out = emptyTensor(shape, dtype, device, op);
  let off = 0;
  for (const t of ts) {
    runKernel(op, 'copy', t, { of: out, shape: t.shape, strides: out._strides, offset: off * out._strides[d]! });
    off += t.shape[d]!;
  }
  // Skipped legacy empties still take part in autograd (torch: cat([empty requiring grad, t])
  // requires grad); their size is recorded as -1 and their gradient is an empty [0] tensor.
  const recorded = ts.length === tensors.length ? sizes : tensors.map((t) => (ts.includes(t) ? t.shape[d]! : -1));
  recordOp('cat', tensors, out, { dim: d, sizes: recorded });
  return out;
});

/** A TypeError-like ArgumentError for a list element that is not a Tensor (`cat([t, [1, 2]])`). */
function checkTensorList(op: string, tensors: readonly unknown[]): void {
  tensors.forEach((t, k) => {
    if (t instanceof Tensor) return;
    const got = t === null ? 'null' : Array.isArray(t) ? 'an array' : typeof t;
    throw new ArgumentError(`${op}: expected Tensor as element ${k} in the tensor list, but got ${got}`, {
      op,
      hint: 'make every element a tensor first, e.g. dl.tensor([1, 2])',
    });
  });
}

/** `{ dim }`: PyTorch's `dim=` keyword of cat and stack. */
export interface DimOption {
  dim?: number;
}

/** The dim of `cat(ts, 1)` or `cat(ts, { dim: 1 })`; anything else is a typed error. */
function dimArg(op: string, d: number | DimOption | undefined): number {
  if (d === undefined) return 0;
  if (typeof d === 'number') return d;
  if (d !== null && typeof d === 'object' && !Array.isArray(d)) {
    const unknown = Object.keys(d).filter((k) => k !== 'dim');
    if (unknown.length === 0) return d.dim ?? 0;
    throw new ArgumentError(`${op}: unknown option '${unknown[0]}'`, {
      op,
      hint: `the only option is dim, e.g. dl.${op}(tensors, { dim: 1 })`,
    });
  }
  throw new ArgumentError(
    `${op}: dim must be an integer or { dim }, got ${Array.isArray(d) ? 'an array' : d === null ? 'null' : typeof d}`,
    {
      op,
      hint: `dl.${op}(tensors, 1) or dl.${op}(tensors, { dim: 1 })`,
    },
  );
}

/**
 * Stack tensors of one shape along a new dim (`dim` as a number or `{ dim }`).
 *
 * @example
 * dl.stack([a, b], { dim: 1 });
 */
export const stack = defineOp('stack', (tensors: readonly Tensor[], dimOrOpts: number | DimOption = 0): Tensor => {
  const dim = dimArg('stack', dimOrOpts);
  if (!Array.isArray(tensors) || tensors.length === 0)
    throw new ArgumentError('stack: expected a non-empty list of Tensors', { op: 'stack' });
  checkTensorList('stack', tensors);
  const ref = tensors[0]!;
  tensors.forEach((t, k) => {
    if (t.shape.length !== ref.shape.length || t.shape.some((s: number, i: number) => s !== ref.shape[i])) {
      throw new ShapeError(
        `stack: expects each tensor to be equal size, but got ${fmtShape(ref.shape)} at entry 0 and ${fmtShape(t.shape)} at entry ${k}`,
        { op: 'stack' },
      );
    }
  });
  const d = normDim(dim, ref.dim() + 1, 'stack');
  return cat(
    tensors.map((t) => unsqueeze(t, d)),
    d,
  );
});

/**
 * Split into views of `splitSize` along `dim` (the last may be smaller), or of the given sizes.
 *
 * @example
 * dl.arange(10).split(3); // sizes 3, 3, 3, 1
 */
export const split = defineOp('split', (x: Tensor, splitSize: number | readonly number[], dim: number = 0): Tensor[] => {
  if (x.dim() === 0)
    throw new ShapeError('split expects at least a 1-dimensional tensor, got a 0-d tensor', {
      op: 'split',
      hint: 'x.reshape(1) makes it 1-d',
    });
  const d = normDim(dim, x.dim(), 'split');
  const n = x.shape[d]!;
  checkSizes(typeof splitSize === 'number' ? [splitSize] : splitSize, 'split', { what: 'split sizes' }); // Note [Sizes from users]
  let sizes: number[];
  if (typeof splitSize === 'number') {
    if (!(splitSize > 0)) throw new ArgumentError(`split: split_size must be positive, got ${splitSize}`, { op: 'split' });
    sizes = [];
    for (let i = 0; i < n; i += splitSize) sizes.push(Math.min(splitSize, n - i));
    if (n === 0) sizes = [0];
  } else {
    sizes = [...splitSize];
    const total = sizes.reduce((a, b) => a + b, 0);
    if (total !== n) {
      throw new ShapeError(
        `split: split_with_sizes expects split_sizes to sum exactly to ${n} (input tensor's size at dimension ${d}), but got split_sizes=${fmtShape(sizes)}`,
        {
          op: 'split',
        },
      );
    }
  }
  return splitViews(x, d, sizes, typeof splitSize === 'number' ? 'Split' : 'SplitWithSizes'); // Note [Multi-output splits]
});

/**
 * Split into `chunks` nearly equal views along `dim` (each `ceil(size / chunks)` long, so fewer
 * than `chunks` may come back); a size-0 dim gives `chunks` empty views, as torch.
 *
 * @example
 * dl.arange(5).chunk(3); // sizes 2, 2, 1
 * dl.zeros([0, 3]).chunk(4); // four [0, 3] views
 */
export const chunk = defineOp('chunk', (x: Tensor, chunks: number, dim: number = 0): Tensor[] => {
  if (!Number.isInteger(chunks) || chunks <= 0)
    throw new ArgumentError(`chunk: chunks must be a positive integer, got ${chunks}`, { op: 'chunk' });
  if (x.dim() === 0)
    throw new ShapeError('chunk expects at least a 1-dimensional tensor, got a 0-d tensor', {
      op: 'chunk',
      hint: 'x.reshape(1) makes it 1-d',
    });
  const d = normDim(dim, x.dim(), 'chunk');
  const n = x.shape[d]!;
  if (n === 0) return split(x, new Array<number>(chunks).fill(0), d);
  return split(x, Math.ceil(n / chunks), d);
});

function triangle(op: 'tril' | 'triu', x: Tensor, diagonal: number): Tensor {
  if (x.dim() < 2) throw new ShapeError(`${op}: input tensor must have at least 2 dimensions, got shape ${fmtShape(x.shape)}`, { op });
  const r = x.shape[x.dim() - 2]!;
  const c = x.shape[x.dim() - 1]!;
  const mask = new Uint8Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) mask[i * c + j] = (op === 'tril' ? j - i <= diagonal : j - i >= diagonal) ? 1 : 0;
  const m = fromHost(mask, [r, c], 'bool', x.device, op);
  return where(m, x, 0).to(x.dtype);
}
/**
 * The lower triangle of the last two dims (on and below diagonal `diagonal`; positive is above the main one), the rest
 * zero, as `torch.tril`.
 *
 * @example
 * dl.tril(dl.ones(2, 3), 1); // → tensor([[1., 1., 0.], [1., 1., 1.]])
 */
export const tril = defineOp('tril', (x: Tensor, diagonal: number = 0): Tensor => {
  return triangle('tril', x, diagonal);
});
/**
 * The upper triangle of the last two dims (on and above diagonal `diagonal`), the rest zero, as `torch.triu`.
 *
 * @example
 * dl.triu(dl.ones(2, 3)); // → tensor([[1., 1., 1.], [0., 1., 1.]])
 */
export const triu = defineOp('triu', (x: Tensor, diagonal: number = 0): Tensor => {
  return triangle('triu', x, diagonal);
});

/**
 * One-hot encoding of int class indices (int32 result with a trailing class dim).
 *
 * @example
 * dl.oneHot(dl.tensor([0, 2]), 3); // [[1,0,0],[0,0,1]]
 */
export const oneHot = defineOp('oneHot', (indices: Tensor, numClasses: number = -1): Tensor => {
  const op = 'oneHot';
  checkIndex(op, indices);
  let n = numClasses;
  if (n < 0) {
    if (!deviceCan(indices, 'readSync')) {
      throw new ArgumentError('oneHot: numClasses must be given on devices without synchronous reads', {
        op,
        hint: 'pass numClasses explicitly',
      });
    }
    n = indices.numel() === 0 ? 0 : indices.max().itemSync() + 1;
  }
  const vals = hostIndexValues(indices, op); // Note [Index bounds on the host]
  if (vals) {
    for (let i = 0; i < vals.length; i++) {
      const v = vals[i]!;
      if (v >= 0 && v < n) continue;
      throw oneHotError(v, n, false);
    }
  } else {
    checkOnDevice(op, indices, { lo: 0, hi: n - 1, key: `oneHot:${n}`, error: (v) => oneHotError(v, n, true) });
  }
  const classes = fromHost(
    Array.from({ length: n }, (_, i) => i),
    [n],
    'int32',
    indices.device,
    op,
  );
  const ix = castRaw(indices, 'int32');
  return compare('eq', unsqueeze(ix, -1), classes).to('int32');
});

function oneHotError(v: number, n: number, deferred: boolean): IndexError {
  return new IndexError(
    `oneHot: class values must be ${v < 0 ? 'non-negative' : 'smaller than num_classes'}; got ${v} with numClasses ${n}`,
    {
      op: 'oneHot',
      hint:
        (v < 0 ? 'labels are class indices 0..numClasses-1' : `pass a larger numClasses, or check the labels (they go up to ${v})`) +
        (deferred ? `. ${DEFERRED_NOTE}` : ''),
    },
  );
}

/** @internal Gradient of a strided slice: zeros of `inShape` with `g` written at the slice. */
export const sliceBackward = defineOp(
  'sliceBackward',
  (g: Tensor, inShape: readonly number[], starts: readonly number[], steps: readonly number[]): Tensor => {
    const out = emptyTensor(inShape, g.dtype, g.device, 'sliceBackward');
    runKernel('sliceBackward', 'fill', out, 0);
    let offset = 0;
    for (let i = 0; i < starts.length; i++) offset += starts[i]! * out._strides[i]!;
    runKernel('sliceBackward', 'copy', g, { of: out, shape: g.shape, strides: out._strides.map((s, i) => s * steps[i]!), offset });
    recordOp('sliceBackward', [g], out, { inShape: [...inShape], starts: [...starts], steps: [...steps] });
    return out;
  },
);

/**
 * A copy with the order of entries reversed along `dims`, as `torch.flip`.
 *
 * @example
 * dl.flip(dl.tensor([[1, 2], [3, 4]]), [0, 1]); // → tensor([[4., 3.], [2., 1.]])
 */
export const flip = defineOp('flip', (x: Tensor, dims: number | readonly number[]): Tensor => {
  let r = x;
  for (const dim of typeof dims === 'number' ? [dims] : dims) {
    const d = normDim(dim, x.dim(), 'flip');
    const n = x.shape[d]!;
    r = indexSelect(
      r,
      d,
      fromHost(
        Array.from({ length: n }, (_, i) => n - 1 - i),
        [n],
        'int32',
        x.device,
        'flip',
      ),
    );
  }
  return r === x ? x.clone() : r;
});

/**
 * `x` tiled `sizes` times along each dim (a copy; extra leading sizes add dims), as `torch.Tensor.repeat`.
 *
 * @example
 * dl.repeat(dl.tensor([1, 2]), 2); // → tensor([1., 2., 1., 2.])
 */
export const repeat = defineOp('repeat', (x: Tensor, ...sizes: number[]): Tensor => {
  if (sizes.length < x.dim()) {
    throw new ShapeError(`repeat: number of repeat dims (${sizes.length}) can not be smaller than number of tensor dims (${x.dim()})`, {
      op: 'repeat',
    });
  }
  const lead = sizes.length - x.dim();
  const xs = x.reshape([...Array(lead).fill(1), ...x.shape]);
  const inter: number[] = [];
  const expanded: number[] = [];
  xs.shape.forEach((s, i) => {
    inter.push(1, s);
    expanded.push(sizes[i]!, s);
  });
  return xs
    .reshape(inter)
    .expand(expanded)
    .reshape(xs.shape.map((s, i) => s * sizes[i]!));
});
