/**
 * Shape ops PyTorch users reach for, composed from views, cat, flip and indexSelect (so autograd
 * and every backend come for free): roll, rot90, movedim/moveaxis, tile, repeatInterleave, unbind,
 * tensorSplit, flipud/fliplr, hstack/vstack/dstack/columnStack/rowStack and meshgrid.
 */
import { defineOp, deviceCan, readHostSync } from '../dispatch.js';
import { ArgumentError, DTypeError, IndexError, ShapeError, StateError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { commonDevice } from './core.js';
import { arange, fromHost } from './creation.js';
import { cat, flip, indexSelect, repeat } from './indexing.js';
import { contiguous, narrow, permute, splitViews } from './views.js';

declare module '../tensor.js' {
  interface Tensor {
    /**
     * Roll entries along `dims` by `shifts` (wrapping around); without dims, of the flattened tensor (`torch.roll`).
     * @example dl.tensor([1, 2, 3]).roll(1); // [3, 1, 2]
     */
    roll(shifts: number | readonly number[], dims?: number | readonly number[]): Tensor;
    /**
     * Rotate by 90° `k` times in the plane of `dims` (`torch.rot90`).
     * @example dl.tensor([[1, 2], [3, 4]]).rot90(); // [[2, 4], [1, 3]]
     */
    rot90(k?: number, dims?: readonly number[]): Tensor;
    /**
     * Move dims `source` to positions `destination`, the others keeping their order (`torch.movedim`; a view).
     * @example dl.zeros(2, 3, 4).movedim(0, -1).shape; // [3, 4, 2]
     */
    movedim(source: number | readonly number[], destination: number | readonly number[]): Tensor;
    /**
     * Alias of `movedim` (`torch.moveaxis`).
     * @example dl.zeros(2, 3).moveaxis(0, 1).shape; // [3, 2]
     */
    moveaxis(source: number | readonly number[], destination: number | readonly number[]): Tensor;
    /**
     * Repeat the tensor `reps` times per dim, missing leading reps being 1 (`torch.tile`).
     * @example dl.tensor([1, 2]).tile([2]); // [1, 2, 1, 2]
     */
    tile(reps: readonly number[]): Tensor;
    /**
     * Repeat each entry (along `dim`, or of the flattened tensor) `repeats` times (`torch.repeat_interleave`).
     * @example dl.tensor([1, 2]).repeatInterleave(2); // [1, 1, 2, 2]
     */
    repeatInterleave(repeats: number | Tensor, dim?: number | null, opts?: RepeatInterleaveOptions): Tensor;
    /**
     * The slices along `dim` as views, `dim` removed (`torch.unbind`).
     * @example const [a, b] = dl.zeros(2, 3).unbind();
     */
    unbind(dim?: number): Tensor[];
    /**
     * Split into `sections` nearly equal views, or at the given indices (`torch.tensor_split`).
     * @example dl.arange(7).tensorSplit(3).map((t) => t.shape[0]); // [3, 2, 2]
     */
    tensorSplit(indicesOrSections: number | readonly number[] | Tensor, dim?: number): Tensor[];
    /**
     * Reverse the order along dim 0 (`torch.flipud`).
     * @example dl.tensor([1, 2, 3]).flipud(); // [3, 2, 1]
     */
    flipud(): Tensor;
    /**
     * Reverse the order along dim 1 (`torch.fliplr`).
     * @example dl.tensor([[1, 2], [3, 4]]).fliplr(); // [[2, 1], [4, 3]]
     */
    fliplr(): Tensor;
  }
}

/** `outputSize` (torch's `output_size=`): the result's length along `dim`, which spares reading `repeats`. */
export interface RepeatInterleaveOptions {
  outputSize?: number;
}

function intList(op: string, what: string, v: number | readonly number[]): number[] {
  const list = typeof v === 'number' ? [v] : Array.isArray(v) ? [...(v as number[])] : null;
  if (!list || list.some((s) => typeof s !== 'number' || !Number.isInteger(s))) {
    throw new ArgumentError(`${op}: ${what} must be an integer or a list of integers, got ${JSON.stringify(v)}`, { op });
  }
  return list;
}

/**
 * Entries shifted by `shifts` along `dims`, wrapping around (`torch.roll`); without `dims` the
 * tensor is rolled as if flattened, then given its shape back.
 *
 * @example
 * const x = dl.arange(6).view(2, 3);
 * x.roll(1); // [[5, 0, 1], [2, 3, 4]]
 * dl.roll(x, [1, -1], [0, 1]); // [[4, 5, 3], [1, 2, 0]]
 */
export const roll = defineOp('roll', (x: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]): Tensor => {
  const op = 'roll';
  const s = intList(op, 'shifts', shifts);
  const ds = dims === undefined ? [] : intList(op, 'dims', dims);
  if (s.length === 0) throw new ArgumentError('roll: `shifts` required', { op, hint: 'x.roll(1) or x.roll([1, 2], [0, 1])' });
  if (ds.length === 0) {
    if (s.length !== 1) {
      throw new ArgumentError(`roll: shifts and dimensions must align. shifts: ${s.length}, dims: 0`, {
        op,
        hint: 'without dims, pass one shift (the tensor rolls flattened)',
      });
    }
    return roll(x.reshape([-1]), s[0]!, 0).view([...x.shape]);
  }
  if (s.length !== ds.length) {
    throw new ArgumentError(`roll: shifts and dimensions must align. shifts: ${s.length}, dims: ${ds.length}`, {
      op,
      hint: 'one shift per dim',
    });
  }
  if (x.dim() === 0)
    throw new IndexError(`roll: dimension specified as ${ds[0]} but the tensor has no dimensions`, {
      op,
      hint: 'omit dims to roll a 0-d tensor',
    });
  let r = x;
  ds.forEach((dim, i) => {
    const d = normDim(dim, x.dim(), op);
    const n = r.shape[d]!;
    if (n === 0) return;
    const k = ((s[i]! % n) + n) % n;
    if (k === 0) return;
    r = cat([narrow(r, d, n - k, k), narrow(r, d, 0, n - k)], d);
  });
  return r === x ? x.clone() : r;
});

/**
 * Rotate by 90° `k` times (negative `k`: clockwise) in the plane of `dims`, from the first
 * towards the second (`torch.rot90`).
 *
 * @example
 * dl.tensor([[1, 2], [3, 4]]).rot90(); // [[2, 4], [1, 3]]
 * dl.rot90(dl.zeros(2, 3, 4), 2, [1, 2]).shape; // [2, 3, 4]
 */
export const rot90 = defineOp('rot90', (x: Tensor, k: number = 1, dims: readonly number[] = [0, 1]): Tensor => {
  const op = 'rot90';
  if (!Number.isInteger(k)) throw new ArgumentError(`rot90: k must be an integer, got ${k}`, { op });
  if (!Array.isArray(dims) || dims.length !== 2) {
    throw new ArgumentError(
      `rot90: expected total rotation dims == 2, but got dims = ${Array.isArray(dims) ? dims.length : String(dims)}`,
      { op, hint: 'e.g. dims [0, 1]' },
    );
  }
  if (x.dim() < 2)
    throw new ShapeError(`rot90: expected total dims >= 2, but got total dims = ${x.dim()} (shape ${fmtShape(x.shape)})`, { op });
  const d0 = normDim(dims[0]!, x.dim(), op);
  const d1 = normDim(dims[1]!, x.dim(), op);
  if (d0 === d1) throw new ArgumentError(`rot90: expected rotation dims to be different, but got dim0 = ${d0} and dim1 = ${d1}`, { op });
  const turns = ((k % 4) + 4) % 4;
  if (turns === 1) return flip(x, d1).transpose(d0, d1);
  if (turns === 2) return flip(x, [d0, d1]);
  if (turns === 3) return flip(x, d0).transpose(d0, d1);
  return x.clone();
});

/**
 * Move dims `source` to `destination` (ints or lists of one length), the other dims keeping
 * their order: a view (`torch.movedim`, alias `moveaxis`).
 *
 * @example
 * dl.movedim(dl.zeros(2, 3, 4), [0, 1], [2, 0]).shape; // [3, 4, 2]
 */
export const movedim = defineOp(
  'movedim',
  (x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor => {
    const op = 'movedim';
    const src = intList(op, 'source', source);
    const dst = intList(op, 'destination', destination);
    if (src.length !== dst.length) {
      throw new ArgumentError(
        `movedim: invalid source or destination dims: source (${fmtShape(src)} dims) should contain the same number of dims as destination (${fmtShape(dst)} dims)`,
        { op },
      );
    }
    const r = x.dim();
    const s = src.map((d) => normDim(d, r, op));
    const t = dst.map((d) => normDim(d, r, op));
    if (new Set(s).size !== s.length) throw new ArgumentError(`movedim: repeated dim in \`source\` (${fmtShape(src)})`, { op });
    if (new Set(t).size !== t.length) throw new ArgumentError(`movedim: repeated dim in \`destination\` (${fmtShape(dst)})`, { op });
    if (r === 0) return permute(x, []);
    const perm = new Array<number>(r).fill(-1);
    s.forEach((d, i) => (perm[t[i]!] = d));
    const rest = Array.from({ length: r }, (_, i) => i).filter((d) => !s.includes(d));
    let j = 0;
    for (let i = 0; i < r; i++) if (perm[i] === -1) perm[i] = rest[j++]!;
    return permute(x, perm);
  },
);

/** Alias of {@link movedim} (`torch.moveaxis`). @example dl.moveaxis(x, 0, -1) */
export const moveaxis = defineOp(
  'moveaxis',
  (x: Tensor, source: number | readonly number[], destination: number | readonly number[]): Tensor => movedim(x, source, destination),
);

/**
 * The tensor repeated `reps[i]` times along dim i (`torch.tile`); with fewer reps than dims the
 * missing leading ones are 1, with more the tensor gains leading dims.
 *
 * @example
 * dl.tile(dl.tensor([[1, 2]]), [2]); // [[1, 2, 1, 2]]
 * dl.tensor([1, 2]).tile([2, 1]).shape; // [2, 2]
 */
export const tile = defineOp('tile', (x: Tensor, reps: readonly number[]): Tensor => {
  const op = 'tile';
  const r = intList(op, 'reps', reps);
  if (r.some((v) => v < 0)) throw new ArgumentError(`tile: reps must be non-negative, got ${fmtShape(r)}`, { op });
  const full = [...new Array<number>(Math.max(0, x.dim() - r.length)).fill(1), ...r];
  return full.length === 0 ? x.clone() : repeat(x, ...full);
});

/** Host values of an integer repeats tensor (cpu-style devices), validated. */
function repeatsOnHost(op: string, repeats: Tensor): ArrayLike<number> | null {
  if (!deviceCan(repeats, 'readSync')) return null;
  const vals = readHostSync(contiguous(repeats), op);
  for (let i = 0; i < vals.length; i++) if (vals[i]! < 0) throw new ArgumentError('repeatInterleave: repeats can not be negative', { op });
  return vals;
}

/**
 * Each entry repeated along `dim` (`torch.repeat_interleave`): `repeats` a number, or an integer
 * tensor with one count per entry (or one count for all). Without `dim` the input is flattened.
 * `dl.repeatInterleave(counts)` alone repeats each index i `counts[i]` times. A count tensor on a
 * device without synchronous reads (webgpu) needs `{ outputSize }`.
 *
 * @example
 * dl.tensor([1, 2, 3]).repeatInterleave(2); // [1, 1, 2, 2, 3, 3]
 * dl.tensor([[1, 2], [3, 4]]).repeatInterleave(dl.tensor([1, 2]).long(), 0); // [[1, 2], [3, 4], [3, 4]]
 * dl.repeatInterleave(dl.tensor([2, 1]).long()); // [0, 0, 1]
 */
export const repeatInterleave = defineOp(
  'repeatInterleave',
  (x: Tensor, repeats?: number | Tensor, dim?: number | null, opts: RepeatInterleaveOptions = {}): Tensor => {
    const op = 'repeatInterleave';
    if (repeats === undefined) {
      // torch.repeat_interleave(repeats): the indices 0..n-1, each repeated repeats[i] times
      if (x.dim() !== 1 || (x.dtype !== 'int32' && x.dtype !== 'uint8')) {
        throw new ShapeError(`repeatInterleave: repeats must be a 1-D integer tensor, got ${x.dtype} of shape ${fmtShape(x.shape)}`, {
          op,
        });
      }
      return repeatInterleave(arange(x.shape[0]!, undefined, 1, { dtype: 'int32', device: x.device }), x, 0, opts);
    }
    const xs = dim === undefined || dim === null ? x.reshape([-1]) : x.dim() === 0 ? x.reshape([1]) : x;
    const d = normDim(dim ?? 0, xs.dim(), op);
    const n = xs.shape[d]!;
    if (typeof repeats === 'number') {
      if (!Number.isInteger(repeats)) throw new ArgumentError(`repeatInterleave: repeats must be an integer, got ${repeats}`, { op });
      if (repeats < 0) throw new ArgumentError('repeatInterleave: repeats can not be negative', { op });
      checkOutputSize(op, opts.outputSize, n * repeats);
      const shape = [...xs.shape];
      shape.splice(d + 1, 0, repeats);
      const out = xs.unsqueeze(d + 1).expand(shape);
      const res = [...xs.shape];
      res[d] = n * repeats;
      return out.reshape(res);
    }
    if (!(repeats instanceof Tensor)) throw new ArgumentError('repeatInterleave: repeats must be a number or an integer Tensor', { op });
    if (repeats.dtype !== 'int32' && repeats.dtype !== 'uint8') {
      throw new DTypeError(`repeatInterleave: repeats must be an integer tensor (int32), got ${repeats.dtype}`, {
        op,
        hint: 'cast with .long()',
      });
    }
    if (repeats.dim() > 1)
      throw new ShapeError(`repeatInterleave: repeats must be 0-dim or 1-dim tensor, got shape ${fmtShape(repeats.shape)}`, { op });
    commonDevice(op, x, repeats);
    const reps = repeats.numel() === 1 ? repeats.reshape([1]).expand([n]) : repeats;
    if (reps.shape[0] !== n) {
      throw new ShapeError(
        `repeatInterleave: repeats must have the same size as input along dim, got ${reps.shape[0]} repeats for size ${n} (input ${fmtShape(x.shape)}, dim ${d})`,
        { op },
      );
    }
    const vals = repeatsOnHost(op, reps);
    let index: Tensor;
    if (vals) {
      let total = 0;
      for (let i = 0; i < vals.length; i++) total += vals[i]!;
      checkOutputSize(op, opts.outputSize, total);
      const host = new Int32Array(total);
      let k = 0;
      for (let i = 0; i < vals.length; i++) for (let j = 0; j < vals[i]!; j++) host[k++] = i;
      index = fromHost(host, [total], 'int32', x.device, op);
    } else {
      if (opts.outputSize === undefined) {
        throw new StateError(
          `repeatInterleave: a repeats tensor on '${repeats.device}' needs { outputSize } (its values cannot be read synchronously)`,
          {
            op,
            hint: 'pass { outputSize } (the sum of repeats), or keep repeats on cpu',
          },
        );
      }
      // index[k] = how many cumulative counts are <= k (computed on the device)
      const ends = reps.to('int32').cumsum(0);
      const ks = arange(opts.outputSize, undefined, 1, { dtype: 'int32', device: x.device });
      index = ends.unsqueeze(0).le(ks.unsqueeze(1)).to('int32').sum(1).to('int32');
    }
    return indexSelect(xs, d, index);
  },
);

function checkOutputSize(op: string, outputSize: number | undefined, total: number): void {
  if (outputSize !== undefined && outputSize !== total) {
    throw new ShapeError(
      `repeatInterleave: allocated size does not match required size (outputSize ${outputSize}, repeats sum to ${total})`,
      { op },
    );
  }
}

/**
 * The slices along `dim` as views with `dim` removed (`torch.unbind`).
 *
 * @example
 * const [row0, row1] = dl.tensor([[1, 2], [3, 4]]).unbind(); // [1, 2] and [3, 4]
 */
export const unbind = defineOp('unbind', (x: Tensor, dim: number = 0): Tensor[] => {
  const op = 'unbind';
  if (x.dim() === 0)
    throw new IndexError(`unbind: dimension specified as ${dim} but the tensor has no dimensions`, {
      op,
      hint: 'unbind needs at least a 1-d tensor',
    });
  const d = normDim(dim, x.dim(), op);
  return splitViews(x, d, new Array<number>(x.shape[d]!).fill(1), 'Unbind'); // one UnbindBackward0 node (Note [Multi-output splits])
});

/**
 * Split into views along `dim` (`torch.tensor_split`): `sections` parts of nearly equal size (the
 * first `size % sections` one longer), or cut before each of the given indices (Python slice rules:
 * negative indices count from the end, out-of-range ones clamp, an index below the previous one
 * gives an empty part). An integer tensor works as the number (0-d) or the indices (1-d).
 *
 * @example
 * dl.arange(7).tensorSplit(3); // [0, 1, 2], [3, 4], [5, 6]
 * dl.tensorSplit(dl.arange(7), [1, 5]); // [0], [1, 2, 3, 4], [5, 6]
 */
export const tensorSplit = defineOp(
  'tensorSplit',
  (x: Tensor, indicesOrSections: number | readonly number[] | Tensor, dim: number = 0): Tensor[] => {
    const op = 'tensorSplit';
    if (x.dim() === 0) {
      throw new ShapeError('tensorSplit: expected at least a 1-dimensional tensor, but got a tensor with 0 dims', {
        op,
        hint: 'x.reshape(1) makes it 1-d',
      });
    }
    let spec = indicesOrSections;
    if (spec instanceof Tensor) {
      if (spec.dtype !== 'int32' && spec.dtype !== 'uint8')
        throw new DTypeError(`tensorSplit: expected an integer tensor of indices or sections, got ${spec.dtype}`, { op });
      if (spec.dim() > 1)
        throw new ShapeError(`tensorSplit: the indices tensor must be 0-d or 1-d, got shape ${fmtShape(spec.shape)}`, { op });
      if (!deviceCan(spec, 'readSync'))
        throw new StateError(`tensorSplit: the indices tensor must be on cpu, got '${spec.device}'`, {
          op,
          hint: 'pass a JS number or array',
        });
      const vals = Array.from(readHostSync(contiguous(spec), op));
      spec = spec.dim() === 0 ? vals[0]! : vals;
    }
    const d = normDim(dim, x.dim(), op);
    const size = x.shape[d]!;
    if (typeof spec === 'number') {
      if (!Number.isInteger(spec))
        throw new ArgumentError(`tensorSplit: the number of sections must be an integer, got ${spec}`, {
          op,
          hint: 'pass a whole number of sections, or a list of split indices',
        });
      if (spec <= 0) throw new ArgumentError(`tensorSplit: number of sections must be larger than 0, got ${spec}`, { op });
      const base = Math.floor(size / spec);
      const extra = size % spec;
      let start = 0;
      return Array.from({ length: spec }, (_, i) => {
        const len = base + (i < extra ? 1 : 0);
        const v = narrow(x, d, start, len);
        start += len;
        return v;
      });
    }
    const idx = intList(op, 'indices', spec);
    const clampIdx = (i: number) => Math.min(Math.max(i < 0 ? i + size : i, 0), size);
    const cuts = idx.map(clampIdx);
    const starts = [0, ...cuts];
    const ends = [...cuts, size];
    const out = starts.map((start, i) => narrow(x, d, start, Math.max(ends[i]! - start, 0)));
    return out;
  },
);

/**
 * Reverse the order along dim 0 (`torch.flipud`; needs at least 1 dim).
 *
 * @example
 * dl.flipud(dl.tensor([[1, 2], [3, 4]])); // [[3, 4], [1, 2]]
 */
export const flipud = defineOp('flipud', (x: Tensor): Tensor => {
  if (x.dim() < 1) throw new ShapeError('flipud: input must be >= 1-d, got a 0-d tensor', { op: 'flipud' });
  return flip(x, 0);
});

/**
 * Reverse the order along dim 1 (`torch.fliplr`; needs at least 2 dims).
 *
 * @example
 * dl.fliplr(dl.tensor([[1, 2], [3, 4]])); // [[2, 1], [4, 3]]
 */
export const fliplr = defineOp('fliplr', (x: Tensor): Tensor => {
  if (x.dim() < 2) throw new ShapeError(`fliplr: input must be >= 2-d, got shape ${fmtShape(x.shape)}`, { op: 'fliplr' });
  return flip(x, 1);
});

export const shapeExtraMethods = {
  roll(this: Tensor, shifts: number | readonly number[], dims?: number | readonly number[]) {
    return roll(this, shifts, dims);
  },
  rot90(this: Tensor, k?: number, dims?: readonly number[]) {
    return rot90(this, k, dims);
  },
  movedim(this: Tensor, source: number | readonly number[], destination: number | readonly number[]) {
    return movedim(this, source, destination);
  },
  moveaxis(this: Tensor, source: number | readonly number[], destination: number | readonly number[]) {
    return movedim(this, source, destination);
  },
  tile(this: Tensor, reps: readonly number[]) {
    return tile(this, reps);
  },
  repeatInterleave(this: Tensor, repeats: number | Tensor, dim?: number | null, opts?: RepeatInterleaveOptions) {
    return repeatInterleave(this, repeats, dim, opts);
  },
  unbind(this: Tensor, dim?: number) {
    return unbind(this, dim);
  },
  tensorSplit(this: Tensor, indicesOrSections: number | readonly number[] | Tensor, dim?: number) {
    return tensorSplit(this, indicesOrSections, dim);
  },
  flipud(this: Tensor) {
    return flipud(this);
  },
  fliplr(this: Tensor) {
    return fliplr(this);
  },
} satisfies TensorMethods;
