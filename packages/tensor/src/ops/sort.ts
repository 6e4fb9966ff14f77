import { defineOp, deviceCan, readHostSync, runKernel } from '../dispatch.js';
import { ArgumentError, StateError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { castRaw, emptyTensor } from './core.js';
import { fromHost } from './creation.js';
import { gather, indexSelect } from './indexing.js';
import { valuesIndices, type ValuesIndices } from './reduce.js';

/** @internal Sorted indices along `dim` (int32), no autograd. */
function sortIndices(x: Tensor, dim: number, descending: boolean): Tensor {
  const d = normDim(dim, x.dim(), 'sort');
  if (x.dim() === 0) return fromHost([0], [], 'int32', x.device, 'sort');
  const last = x.dim() - 1;
  const moved = d === last ? x : x.transpose(d, last);
  const src = castRaw(moved.contiguous(), x.dtype === 'bool' ? 'uint8' : x.dtype);
  const n = src.shape[last]!;
  const rows = n === 0 ? 0 : src.numel() / n;
  const vals = emptyTensor(src.shape, src.dtype, x.device, 'sort');
  const idx = emptyTensor(src.shape, 'int32', x.device, 'sort');
  const v2 = (t: Tensor) => ({ of: t, shape: [rows, n], strides: [n, 1], offset: t._offset });
  if (rows > 0) runKernel('sort', 'sort', v2(src), descending, v2(vals), v2(idx));
  vals.dispose();
  return d === last ? idx : idx.transpose(d, last).contiguous();
}

/**
 * Sort along `dim` (last by default), stable: `[values, indices]`.
 *
 * @example
 * const [v, i] = x.sort(); x.sort(0, { descending: true });
 */
export const sort = defineOp('sort', (x: Tensor, dim: number = -1, opts: { descending?: boolean } = {}): ValuesIndices => {
  const idx = sortIndices(x, dim, opts.descending ?? false);
  const values = x.dim() === 0 ? x.clone() : gather(x, normDim(dim, x.dim(), 'sort'), idx);
  return valuesIndices(values, idx);
});

/**
 * The indices that sort `x` along `dim` (default last), ascending unless `{ descending: true }`, as `torch.argsort`.
 *
 * @example
 * dl.argsort(dl.tensor([3, 1, 2])); // → tensor([1, 2, 0])
 */
export const argsort = defineOp('argsort', (x: Tensor, dim: number = -1, opts: { descending?: boolean } = {}): Tensor => {
  return sortIndices(x, dim, opts.descending ?? false);
});

/**
 * The `k` largest (or smallest) entries along `dim`: `[values, indices]`.
 *
 * @example
 * const [v, i] = logits.topk(5);
 */
export const topk = defineOp(
  'topk',
  (x: Tensor, k: number, dim: number = -1, opts: { largest?: boolean; sorted?: boolean } = {}): ValuesIndices => {
    const d = normDim(dim, x.dim(), 'topk');
    const n = x.dim() === 0 ? 1 : x.shape[d]!;
    if (!Number.isInteger(k) || k < 0 || k > n) {
      throw new ArgumentError(`topk: k (${k}) is out of range for dimension ${d} of size ${n} (shape ${fmtShape(x.shape)})`, {
        op: 'topk',
      });
    }
    // a 0-d tensor is its own top element, for k = 0 as well (torch 1.13 returns it either way)
    if (x.dim() === 0) return valuesIndices(x.clone(), fromHost([0], [], 'int32', x.device, 'topk'));
    const idx = sortIndices(x, d, opts.largest ?? true)
      .narrow(d, 0, k)
      .contiguous();
    return valuesIndices(gather(x, d, idx), idx);
  },
);

/** Options of {@link unique}, as `torch.unique`'s keywords. */
export interface UniqueOptions {
  /**
   * Kept for PyTorch parity: the values always come back sorted (torch's unsorted order is
   * unspecified and its CPU kernel sorts too).
   */
  sorted?: boolean;
  /** Also return, for each input element, the index of its value in the output. */
  returnInverse?: boolean;
  /** Also return how often each unique value occurs. */
  returnCounts?: boolean;
  /** Unique slices along `dim` instead of unique elements of the flattened input. */
  dim?: number;
}

/**
 * `unique`'s result when `returnInverse`/`returnCounts` ask for more: `[output, inverse?, counts?]`
 * as torch's tuple (only the requested entries, in that order), also readable by name.
 */
export type UniqueResult = Tensor[] & { values: Tensor; inverse?: Tensor; counts?: Tensor };

/** Order of two keys (numbers or rows of numbers); NaN sorts last and equals NaN. */
function cmpNum(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : 1;
  if (Number.isNaN(b)) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

interface UniqueParts {
  values: Tensor;
  inverse: Tensor;
  counts: Tensor;
}

/** Unique elements (or slices along `dim`) of host data `data` laid out as `x` (contiguous). */
function uniqueFromHost(x: Tensor, data: ArrayLike<number>, dim: number | undefined): UniqueParts {
  const op = 'unique';
  if (dim === undefined) {
    const n = data.length;
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => cmpNum(data[a]!, data[b]!) || a - b);
    const vals: number[] = [];
    const counts: number[] = [];
    const inverse = new Array<number>(n);
    for (const i of order) {
      const v = data[i]!;
      if (vals.length === 0 || cmpNum(vals[vals.length - 1]!, v) !== 0) {
        vals.push(v);
        counts.push(0);
      }
      counts[counts.length - 1]!++;
      inverse[i] = vals.length - 1;
    }
    return {
      values: fromHost(vals, [vals.length], x.dtype, x.device, op),
      inverse: fromHost(inverse, x.shape, 'int32', x.device, op),
      counts: fromHost(counts, [counts.length], 'int32', x.device, op),
    };
  }
  // Slices along dim: compare rows of x moved to [size(dim), rest] lexicographically.
  const d = normDim(dim, x.dim(), op);
  const size = x.shape[d]!;
  const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const outer = x.shape.slice(0, d).reduce((a, b) => a * b, 1);
  const row = (r: number) => {
    const out = new Array<number>(outer * inner);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out[o * inner + i] = data[(o * size + r) * inner + i]!;
    return out;
  };
  const rows = Array.from({ length: size }, (_, r) => row(r));
  const cmpRow = (a: number[], b: number[]) => {
    for (let k = 0; k < a.length; k++) {
      const c = cmpNum(a[k]!, b[k]!);
      if (c) return c;
    }
    return 0;
  };
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => cmpRow(rows[a]!, rows[b]!) || a - b);
  const firsts: number[] = [];
  const counts: number[] = [];
  const inverse = new Array<number>(size);
  for (const r of order) {
    if (firsts.length === 0 || cmpRow(rows[firsts[firsts.length - 1]!]!, rows[r]!) !== 0) {
      firsts.push(r);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    inverse[r] = firsts.length - 1;
  }
  return {
    values: indexSelect(x, d, fromHost(firsts, [firsts.length], 'int32', x.device, op)),
    inverse: fromHost(inverse, [size], 'int32', x.device, op),
    counts: fromHost(counts, [counts.length], 'int32', x.device, op),
  };
}

function uniqueResult(p: UniqueParts, opts: UniqueOptions): Tensor | UniqueResult {
  if (!opts.returnInverse && !opts.returnCounts) {
    p.inverse.dispose();
    p.counts.dispose();
    return p.values;
  }
  const list: Tensor[] = [p.values];
  const named: { values: Tensor; inverse?: Tensor; counts?: Tensor } = { values: p.values };
  if (opts.returnInverse) list.push((named.inverse = p.inverse));
  else p.inverse.dispose();
  if (opts.returnCounts) list.push((named.counts = p.counts));
  else p.counts.dispose();
  return Object.assign(list, named);
}

function hostData(x: Tensor): ArrayLike<number> {
  return x.numel() === 0 ? [] : readHostSync(x.isContiguous() ? x : x.contiguous(), 'unique');
}

/**
 * Sorted unique elements of the flattened input (or unique slices along `dim`), as
 * `torch.unique`: a Tensor, or `[output, inverse?, counts?]` when `returnInverse` /
 * `returnCounts` ask for more (only the requested ones, in that order; also `.values`,
 * `.inverse`, `.counts`). NaNs sort last, and are one value. Sync read: cpu; use
 * {@link uniqueAsync} on webgpu (Note [Data-dependent shapes]).
 *
 * @example
 * dl.unique(dl.tensor([3, 1, 3]));                                   // tensor([1., 3.])
 * const [vals, inverse, counts] = dl.unique(x, { returnInverse: true, returnCounts: true });
 * dl.unique(rows, { dim: 0 });                                       // unique rows
 */
export function unique(
  x: Tensor,
  opts: UniqueOptions & { returnInverse: true; returnCounts: true },
): UniqueResult & [Tensor, Tensor, Tensor];
export function unique(
  x: Tensor,
  opts: UniqueOptions & ({ returnInverse: true } | { returnCounts: true }),
): UniqueResult & [Tensor, Tensor];
export function unique(x: Tensor, opts?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Tensor;
export function unique(x: Tensor, opts?: UniqueOptions): Tensor | UniqueResult;
export function unique(x: Tensor, opts: UniqueOptions = {}): Tensor | UniqueResult {
  return uniqueOp(x, opts);
}
const uniqueOp = defineOp('unique', (x: Tensor, opts: UniqueOptions): Tensor | UniqueResult => {
  if (!deviceCan(x, 'readSync')) {
    throw new StateError(`unique: the output size depends on the data, which device '${x.device}' cannot read synchronously`, {
      op: 'unique',
      hint: 'use `await dl.uniqueAsync(x)` (see Note [Data-dependent shapes])',
    });
  }
  return uniqueResult(uniqueFromHost(x, hostData(x), opts.dim), opts);
});

/**
 * `dl.unique` for any device: awaits the read (webgpu tensors); the same arguments and results.
 *
 * @example
 * await dl.uniqueAsync(dl.tensor([2, 1, 2])); // → tensor([1., 2.])
 */
export async function uniqueAsync(
  x: Tensor,
  opts: UniqueOptions & { returnInverse: true; returnCounts: true },
): Promise<UniqueResult & [Tensor, Tensor, Tensor]>;
export async function uniqueAsync(
  x: Tensor,
  opts: UniqueOptions & ({ returnInverse: true } | { returnCounts: true }),
): Promise<UniqueResult & [Tensor, Tensor]>;
export async function uniqueAsync(x: Tensor, opts?: UniqueOptions & { returnInverse?: false; returnCounts?: false }): Promise<Tensor>;
export async function uniqueAsync(x: Tensor, opts?: UniqueOptions): Promise<Tensor | UniqueResult>;
export async function uniqueAsync(x: Tensor, opts: UniqueOptions = {}): Promise<Tensor | UniqueResult> {
  const data = x.numel() === 0 ? [] : await x.contiguous().data();
  return uniqueResult(uniqueFromHost(x, data, opts.dim), opts);
}
