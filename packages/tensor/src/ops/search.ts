/**
 * Note [Binary search as a composite]
 * `searchsorted` runs torch's binary search on the device, all lanes at once: a position starts at
 * 0 and, for each power of two from the largest <= n down, moves right by it where the last
 * boundary it would pass has `!(b >= v)` (`!(b > v)` for the right side), torch's comparisons: so
 * it finds the first boundary with `b >= v` (`b > v`), a NaN value lands at n as in torch, and
 * the result is torch's for any sorted input without host reads (webgpu runs it unchanged). O(m log n) work
 * for m values; no gradient (the result is an index). Devices with sync reads (cpu) run the same
 * search on the host, where one pass costs far less than ten kernel launches per step.
 */
import { defineOp, deviceCan, readHostSync } from '../dispatch.js';
import { isIntegral } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { fromHost, zeros } from './creation.js';
import { where } from './elementwise.js';
import { checkIndexBounds } from './index-bounds.js';
import { gather } from './indexing.js';
import { checkOptionsArg } from './options-arg.js';

/** Options of {@link searchsorted}: torch's keywords. */
export interface SearchsortedOptions {
  /** Kept for PyTorch parity: indices are int32 either way (Note [int64 is int32]). */
  outInt32?: boolean;
  /** Return the last suitable index instead of the first (`side: 'right'`). */
  right?: boolean;
  /** 'left' (default) or 'right'; wins over `right` where both are given (torch raises on a conflict). */
  side?: 'left' | 'right';
  /** Indices that sort `sortedSequence` along its last dim (as from `argsort`), if it is not sorted. */
  sorter?: Tensor | null;
}

/** The binary search of each value of `v` ([..., m]) in the sorted rows of `b` ([..., n], or 1-D). */
function search(b: Tensor, v: Tensor, right: boolean): Tensor {
  if (deviceCan(v, 'readSync')) return searchHost(b, v, right);
  const n = b.shape[b.dim() - 1]!;
  const flat1d = b.dim() === 1;
  const vals = flat1d ? v.reshape([-1]) : v;
  // branchless: pos moves right by each power of two whose step passes only boundaries left of v
  let pos = zeros([...vals.shape], { dtype: 'int32', device: v.device });
  for (let step = 2 ** Math.floor(Math.log2(n)); step >= 1; step /= 2) {
    const cand = pos.add(step);
    const at = gather(b, -1, cand.sub(1).clamp(undefined, n - 1));
    const left = (right ? at.gt(vals) : at.ge(vals)).logicalNot(); // torch's !(b >= v): NaN goes right
    pos = where(left.logicalAnd(cand.le(n)), cand, pos);
  }
  const lo = pos;
  return flat1d ? lo.reshape([...v.shape]) : lo;
}

/** {@link search} on host data (devices with sync reads): torch's lower/upper bound per value. */
function searchHost(b: Tensor, v: Tensor, right: boolean): Tensor {
  const n = b.shape[b.dim() - 1]!;
  const bd = b.numel() === 0 ? [] : readHostSync(b.contiguous(), 'searchsorted');
  const vd = v.numel() === 0 ? [] : readHostSync(v.contiguous(), 'searchsorted');
  const m = v.dim() === 0 ? 1 : v.shape[v.dim() - 1]!;
  const out = new Int32Array(v.numel());
  for (let i = 0; i < out.length; i++) {
    const x = vd[i]!;
    const row = b.dim() === 1 ? 0 : Math.floor(i / m) * n;
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = bd[row + mid]!;
      if (right ? !(at > x) : !(at >= x)) lo = mid + 1;
      else hi = mid;
    }
    out[i] = lo;
  }
  return fromHost(out, [...v.shape], 'int32', v.device, 'searchsorted');
}

/**
 * Indices where `values` would be inserted into `sortedSequence` to keep it sorted
 * (`torch.searchsorted`): int32, the shape of `values`. `sortedSequence` is 1-D, or N-D sorted
 * along its last dim with the leading dims of `values`; `values` may be a number (0-d result).
 *
 * @example
 * dl.searchsorted(dl.tensor([1, 3, 5, 7]), dl.tensor([3, 6]));                 // tensor([1, 3])
 * dl.searchsorted(dl.tensor([1, 3, 5, 7]), dl.tensor([3, 6]), { right: true }); // tensor([2, 3])
 */
export const searchsorted = defineOp(
  'searchsorted',
  (sortedSequence: Tensor, values: Tensor | number, opts: SearchsortedOptions = {}): Tensor => {
    checkOptionsArg('searchsorted', opts, 'dl.searchsorted(b, v, { right: true })');
    const b0 = sortedSequence;
    if (opts.side !== undefined && opts.side !== 'left' && opts.side !== 'right') {
      throw new ArgumentError(`searchsorted: side can only be 'left' or 'right', got '${String(opts.side)}'`, { op: 'searchsorted' });
    }
    if (opts.side === 'left' && opts.right) {
      throw new ArgumentError("searchsorted: side and right can't be set to opposites, got side of left while right was true", {
        op: 'searchsorted',
      });
    }
    const right = opts.side ? opts.side === 'right' : (opts.right ?? false);
    const v =
      values instanceof Tensor ? values : fromHost([values], [], b0.dtype === 'bool' ? 'float32' : b0.dtype, b0.device, 'searchsorted');
    if (b0.dim() === 0) {
      throw new ShapeError(
        `searchsorted: boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, got a 0-d boundaries tensor`,
        { op: 'searchsorted' },
      );
    }
    if (b0.dim() > 1 && (v.dim() !== b0.dim() || v.shape.some((s, i) => i < v.dim() - 1 && s !== b0.shape[i]))) {
      throw new ShapeError(
        `searchsorted: boundaries tensor should be 1 dimension or the first N-1 dimensions of boundaries tensor and input value tensor must match, but got boundaries tensor ${fmtShape(b0.shape)} and input value tensor ${fmtShape(v.shape)}`,
        { op: 'searchsorted', hint: 'use 1-D boundaries, or boundaries [..., n] with values [..., m] of the same leading dims' },
      );
    }
    if (v.device !== b0.device) {
      throw new ArgumentError(`searchsorted: boundaries are on ${b0.device} and values on ${v.device}`, {
        op: 'searchsorted',
        hint: `values.to('${b0.device}')`,
      });
    }
    let b = b0.detach();
    if (opts.sorter) {
      const s = opts.sorter;
      if (s.dim() !== b.dim() || s.shape.some((n, i) => n !== b.shape[i])) {
        throw new ShapeError(
          `searchsorted: boundary and sorter must have the same size, got ${fmtShape(b.shape)} and ${fmtShape(s.shape)}`,
          { op: 'searchsorted' },
        );
      }
      if (!isIntegral(s.dtype)) {
        throw new DTypeError(`searchsorted: sorter must be a tensor of integer dtype (int32), got ${s.dtype}`, {
          op: 'searchsorted',
          hint: 'pass the indices argsort returns: { sorter: x.argsort() }',
        });
      }
      // torch reads out of bounds with a bad sorter (undefined results); on cpu this check names this op (webgpu: gather's own device check)
      checkIndexBounds('searchsorted', s, b.dim() - 1, b.shape[b.dim() - 1]!, { negativeWraps: false, selfShape: b.shape });
      b = gather(b, -1, s);
    }
    return search(b, v.detach(), right);
  },
);

/**
 * The bucket of each element of `input` among 1-D sorted `boundaries` (`torch.bucketize`):
 * int32 indices i with `boundaries[i-1] < x <= boundaries[i]` (`right`: `boundaries[i-1] <= x <
 * boundaries[i]`).
 *
 * @example
 * dl.bucketize(dl.tensor([1, 5, 2]), dl.tensor([1, 2, 3])); // tensor([0, 3, 1])
 */
export const bucketize = defineOp(
  'bucketize',
  (input: Tensor | number, boundaries: Tensor, opts: { outInt32?: boolean; right?: boolean } = {}): Tensor => {
    checkOptionsArg('bucketize', opts, 'dl.bucketize(x, b, { right: true })');
    if (boundaries.dim() !== 1) {
      throw new ShapeError(
        `bucketize: boundaries tensor must be 1 dimension, but got dim(${boundaries.dim()}) ${fmtShape(boundaries.shape)}`,
        { op: 'bucketize' },
      );
    }
    return searchsorted(boundaries, input, { right: opts.right ?? false });
  },
);
