/**
 * Note [Embedding bags as scatters]
 * `F.embeddingBag` reduces the rows of `weight` looked up by 1-D `input`, bag b being the
 * positions [offsets[b], offsets[b + 1]) (the last bag ends at the input's end, or at the last
 * offset with `includeLastOffset`); a 2-D input [B, L] is B bags of L. dl computes each
 * position's bag on the device (the number of offsets ≤ the position, minus one), so no offsets
 * are read back; entries equal to `paddingIdx` (and past the last offset) are left out of every
 * bag, as torch:
 *  - 'sum':  the rows (times `perSampleWeights`) `scatterAdd`ed into [B, D];
 *  - 'mean': the sum divided by each bag's count of kept entries (an empty bag gives 0);
 *  - 'max':  where the offsets can be read synchronously (cpu), each bag's rows gathered into
 *            [B, longest bag, D], padding masked to -inf, reduced by `max` (an empty bag gives 0);
 *            elsewhere (webgpu, no sync read) a segmented max-scan over the positions (log₂ n
 *            doubling steps of `maximum` within a bag), read at each bag's last position; ties
 *            between different rows share the gradient there (torch gives it to the first).
 * Everything is a tensor op, so the gradient (to `weight` and `perSampleWeights`) is autograd's.
 */
import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, isFloating, type Tensor } from '@dl/tensor';
import { defineOp } from '@dl/tensor/internal';
import { embeddingRenorm_ } from './embedding-renorm.js';

/** Options of `F.embeddingBag`. */
export interface EmbeddingBagOptions {
  /** 1-D start positions of the bags of a 1-D input (must be null for a 2-D input). */
  offsets?: Tensor | null;
  /** 'sum', 'mean' (default) or 'max'. */
  mode?: 'sum' | 'mean' | 'max';
  /** Weights of each input entry (same shape as input), mode 'sum' only. */
  perSampleWeights?: Tensor | null;
  /** `offsets` has one more entry: the end of the last bag. */
  includeLastOffset?: boolean;
  /** Entries equal to this index are left out of every bag. */
  paddingIdx?: number | null;
  /** Renormalise looked-up rows whose norm exceeds this, in place (Note [Embedding max_norm renormalises in place]). */
  maxNorm?: number | null;
  /** The p of the max-norm (default 2). */
  normType?: number;
}

/** 'max' with the offsets known on the host: each bag's rows gathered into [B, longest bag, D] and masked. */
function paddedMax(input: Tensor, weight: Tensor, o: readonly number[], B: number, pad: number | null, last: boolean): Tensor {
  const n = input.numel();
  const D = weight.shape[1]!;
  const dev = weight.device;
  const op = 'embeddingBag';
  const end = (b: number) => (b + 1 < B || last ? o[b + 1]! : n);
  let Lmax = 0;
  for (let b = 0; b < B; b++) Lmax = Math.max(Lmax, end(b) - o[b]!);
  if (Lmax === 0) return dl.zeros([B, D], { dtype: weight.dtype, device: dev }).add(weight.narrow(0, 0, 0).sum()); // in the graph (a zero gradient), as torch's all-empty bags
  const table = new Int32Array(B * Lmax);
  const valid = new Uint8Array(B * Lmax);
  for (let b = 0; b < B; b++) for (let t = 0; t < end(b) - o[b]!; t++) (table[b * Lmax + t] = o[b]! + t), (valid[b * Lmax + t] = 1);
  const ids = input.indexSelect(0, dl.fromHost(table, [B * Lmax], 'int32', dev, op));
  let ok = dl.fromHost(valid, [B, Lmax], 'bool', dev, op);
  if (pad !== null) ok = ok.logicalAnd(ids.reshape(B, Lmax).ne(pad));
  const rows = weight.indexSelect(0, ids).reshape(B, Lmax, D);
  return rows.where(ok.unsqueeze(2), -Infinity).max(1).values.where(ok.any(1).unsqueeze(1), 0);
}

/**
 * 'max' without host offsets: a segmented inclusive max-scan over the positions (log₂ n doubling
 * steps, each combining a position with the one `step` before it when both are in the same bag),
 * read at each bag's last position; left-out entries are -inf, empty bags 0.
 */
function segmentedMax(rows: Tensor, keep: Tensor, bag: Tensor, offsets: Tensor, count: Tensor, B: number, last: boolean): Tensor {
  const [n, D] = rows.shape as [number, number];
  const dev = rows.device;
  const empty = dl.zeros([B, D], { dtype: rows.dtype, device: dev });
  if (n === 0 || B === 0) return empty.add(rows.sum()); // in the graph (a zero gradient), as torch's empty bags
  let v = rows.where(keep.unsqueeze(1), -Infinity);
  for (let step = 1; step < n; step *= 2) {
    const prev = dl.cat([dl.full([step, D], -Infinity, { dtype: rows.dtype, device: dev }), v.narrow(0, 0, n - step)], 0);
    const same = dl.cat(
      [dl.zeros([step], { dtype: 'bool', device: dev }), bag.narrow(0, step, n - step).eq(bag.narrow(0, 0, n - step))],
      0,
    );
    v = dl.maximum(v, prev).where(same.unsqueeze(1), v);
  }
  const endLast = last ? offsets.narrow(0, B, 1) : dl.full([1], n, { dtype: 'int32', device: dev });
  const ends = dl
    .cat([offsets.narrow(0, 1, B - 1), endLast], 0)
    .sub(1)
    .clamp(0, n - 1)
    .to('int32');
  return v.indexSelect(0, ends).where(count.gt(0).unsqueeze(1), 0);
}

const bagReduce = defineOp(
  'embeddingBag',
  (
    input: Tensor,
    weight: Tensor,
    offsets: Tensor,
    B: number,
    mode: 'sum' | 'mean' | 'max',
    psw: Tensor | null,
    pad: number | null,
    last: boolean,
    hostOffsets: readonly number[] | null,
  ): Tensor => {
    if (mode === 'max' && hostOffsets) return paddedMax(input, weight, hostOffsets, B, pad, last);
    const n = input.numel();
    const D = weight.shape[1]!;
    const dev = weight.device;
    const pos = dl.arange(n, { device: dev });
    const starts = offsets.narrow(0, 0, B);
    // each position's bag: a running count of the bag starts at or before it, minus one
    const marks = dl
      .zeros([n + 1], { dtype: 'int32', device: dev })
      .scatterAdd(0, starts.clamp(0, n), dl.ones([B], { dtype: 'int32', device: dev }));
    const bag = marks.cumsum(0).narrow(0, 0, n).sub(1).to('int32'); // [n]
    let keep = dl.ones([n], { dtype: 'bool', device: dev });
    if (pad !== null) keep = input.ne(pad);
    if (last) keep = keep.logicalAnd(pos.lt(offsets.narrow(0, B, 1)));
    const rows = weight.indexSelect(0, input);
    const count = dl
      .zeros([B], { dtype: weight.dtype, device: dev })
      .scatterAdd(0, bag.clamp(0, Math.max(B - 1, 0)), keep.to(weight.dtype));
    if (mode === 'max') return segmentedMax(rows, keep, bag, offsets, count, B, last);
    let src = rows.mul(keep.to(weight.dtype).unsqueeze(1));
    if (psw) src = src.mul(psw.unsqueeze(1));
    const idx = bag
      .clamp(0, Math.max(B - 1, 0))
      .unsqueeze(1)
      .expand(n, D);
    const sum = dl.zeros([B, D], { dtype: weight.dtype, device: dev }).scatterAdd(0, idx, src);
    if (mode === 'sum') return sum;
    return sum.div(count.clamp(1, null).unsqueeze(1));
  },
);

/**
 * Sums, means or maxes of bags of embeddings without materialising the lookups per bag, as
 * torch's `F.embedding_bag` (Note [Embedding bags as scatters]).
 *
 * @example
 * F.embeddingBag(dl.tensor([1, 2, 4, 5, 4, 3], { dtype: 'int32' }), table, { offsets: dl.tensor([0, 3], { dtype: 'int32' }), mode: 'sum' });
 * F.embeddingBag(tokens2d, table); // [B, L] → [B, D] means
 */
export function embeddingBag(input: Tensor, weight: Tensor, opts: EmbeddingBagOptions = {}): Tensor {
  const op = 'embeddingBag';
  const mode = opts.mode ?? 'mean';
  if (mode !== 'sum' && mode !== 'mean' && mode !== 'max')
    throw new ArgumentError(`${op}: mode has to be one of sum, mean or max, got '${String(mode)}'`, { op });
  if (input.dtype !== 'int32' && input.dtype !== 'uint8')
    throw new DTypeError(`${op}: expected input of an integer dtype (int32), got ${input.dtype}`, { op, hint: 'cast with .long()' });
  if (weight.dim() !== 2) throw new ShapeError(`${op}: expected a 2-D weight [numEmbeddings, dim], got ${fmtShape(weight.shape)}`, { op });
  if (!isFloating(weight.dtype)) throw new DTypeError(`${op}: expected a floating weight, got ${weight.dtype}`, { op });
  const num = weight.shape[0]!;
  const psw = opts.perSampleWeights ?? null;
  if (psw && mode !== 'sum') {
    throw new ArgumentError(
      `${op}: perSampleWeights was not null. perSampleWeights is only supported for mode='sum' (got mode='${mode}')`,
      { op },
    );
  }
  if (psw && (psw.dim() !== input.dim() || psw.shape.some((s, i) => s !== input.shape[i]))) {
    throw new ShapeError(`${op}: perSampleWeights ${fmtShape(psw.shape)} must have the same shape as the input ${fmtShape(input.shape)}`, {
      op,
    });
  }
  if (psw && psw.dtype !== weight.dtype)
    throw new DTypeError(`${op}: expected perSampleWeights of dtype ${weight.dtype} (the weight's), got ${psw.dtype}`, { op });
  let flat: Tensor;
  let offsets: Tensor;
  if (input.dim() === 2) {
    if (opts.offsets) {
      throw new ArgumentError(
        `${op}: if input is 2-D, then offsets has to be null, as input is treated as a mini-batch of fixed length sequences (got offsets ${fmtShape(opts.offsets.shape)})`,
        { op },
      );
    }
    const [Bn, L] = input.shape as [number, number];
    flat = input.reshape(-1);
    offsets = dl.arange(0, Bn * L, Math.max(L, 1), { dtype: 'int32', device: input.device });
    if (L === 0) offsets = dl.zeros([Bn], { dtype: 'int32', device: input.device });
  } else if (input.dim() === 1) {
    if (!opts.offsets || opts.offsets.dim() !== 1)
      throw new ArgumentError(
        `${op}: offsets has to be a 1-D tensor for a 1-D input, got ${opts.offsets ? fmtShape(opts.offsets.shape) : 'null'}`,
        { op },
      );
    if (opts.offsets.dtype !== 'int32' && opts.offsets.dtype !== 'uint8')
      throw new DTypeError(`${op}: expected offsets of an integer dtype, got ${opts.offsets.dtype}`, { op });
    flat = input;
    offsets = opts.offsets.to('int32');
  } else throw new ShapeError(`${op}: input has to be 1-D or 2-D, but got ${fmtShape(input.shape)}`, { op });
  flat = flat.to('int32');
  const last = opts.includeLastOffset ?? false;
  const B = offsets.numel() - (last ? 1 : 0);
  if (B < 0 || (last && offsets.numel() === 0)) throw new ArgumentError(`${op}: includeLastOffset needs at least one offset`, { op });
  let hostOffsets: number[] | null = null;
  if (flat._backend.readSync) {
    const n = flat.numel();
    if (n > 0) {
      const lo = flat.min().itemSync();
      const hi = flat.max().itemSync();
      if (lo < 0 || hi >= num)
        throw new dl.IndexError(`${op}: index ${lo < 0 ? lo : hi} is out of range for an embedding table of ${num} rows`, { op });
    }
    const o = offsets.toArraySync() as number[];
    if (o.length > 0 && o[0] !== 0)
      throw new ArgumentError(
        `${op}: offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to start from position 0, got ${o[0]}`,
        { op },
      );
    if (o.length > 0 && o[o.length - 1]! > n)
      throw new ArgumentError(`${op}: offsets[-1] can not be greater than input's length ${n} but got offsets[-1] of ${o[o.length - 1]}`, {
        op,
      });
    for (let i = 1; i < o.length; i++)
      if (o[i]! < o[i - 1]!) throw new ArgumentError(`${op}: offsets must be non-decreasing, got ${JSON.stringify(o)}`, { op });
    hostOffsets = o;
  }
  let pad: number | null = null;
  if (opts.paddingIdx !== undefined && opts.paddingIdx !== null) {
    pad = opts.paddingIdx < 0 ? opts.paddingIdx + num : opts.paddingIdx;
    if (!Number.isInteger(pad) || pad < 0 || pad >= num)
      throw new ArgumentError(`${op}: paddingIdx must be within num_embeddings (got ${opts.paddingIdx} for ${num} rows)`, { op });
  }
  if (opts.maxNorm !== undefined && opts.maxNorm !== null) embeddingRenorm_(weight, flat, opts.maxNorm, opts.normType ?? 2);
  return bagReduce(flat, weight, offsets, B, mode, psw ? psw.reshape(-1) : null, pad, last, hostOffsets);
}
