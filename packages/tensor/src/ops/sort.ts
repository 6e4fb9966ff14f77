import { defineOp, deviceCan, runKernel } from '../dispatch.js';
import { ArgumentError, StateError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { castRaw, emptyTensor } from './core.js';
import { fromHost } from './creation.js';
import { gather } from './indexing.js';
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

/** Indices that sort `x` along `dim`. */
export const argsort = defineOp('argsort', (x: Tensor, dim: number = -1, opts: { descending?: boolean } = {}): Tensor => {
  return sortIndices(x, dim, opts.descending ?? false);
});

/**
 * The `k` largest (or smallest) entries along `dim`: `[values, indices]`.
 *
 * @example
 * const [v, i] = logits.topk(5);
 */
export const topk = defineOp('topk', (x: Tensor, k: number, dim: number = -1, opts: { largest?: boolean; sorted?: boolean } = {}): ValuesIndices => {
  const d = normDim(dim, x.dim(), 'topk');
  const n = x.dim() === 0 ? 1 : x.shape[d]!;
  if (!Number.isInteger(k) || k < 0 || k > n) {
    throw new ArgumentError(`topk: k (${k}) is out of range for dimension ${d} of size ${n} (shape ${fmtShape(x.shape)})`, { op: 'topk' });
  }
  const idx = sortIndices(x, d, opts.largest ?? true).narrow(d, 0, k).contiguous();
  return valuesIndices(gather(x, d, idx), idx);
});

/** Result of `unique` with the optional outputs. */
export interface UniqueResult {
  values: Tensor;
  inverse?: Tensor;
  counts?: Tensor;
}

function uniqueFromHost(x: Tensor, data: ArrayLike<number>, returnInverse: boolean, returnCounts: boolean): UniqueResult {
  const sorted = Array.from(new Set(Array.from(data))).sort((a, b) => a - b);
  const pos = new Map(sorted.map((v, i) => [v, i]));
  const res: UniqueResult = { values: fromHost(sorted, [sorted.length], x.dtype, x.device, 'unique') };
  if (returnInverse) res.inverse = fromHost(Array.from(data, (v) => pos.get(v)!), x.shape, 'int32', x.device, 'unique');
  if (returnCounts) {
    const c = new Array<number>(sorted.length).fill(0);
    for (let i = 0; i < data.length; i++) c[pos.get(data[i]!)!]!++;
    res.counts = fromHost(c, [sorted.length], 'int32', x.device, 'unique');
  }
  return res;
}

/**
 * Sorted unique values (flattened), with optional inverse indices and counts. Sync on
 * devices that read synchronously; use `uniqueAsync` on others.
 *
 * @example
 * dl.unique(dl.tensor([3, 1, 3])).values; // [1, 3]
 */
export const unique = defineOp('unique', (x: Tensor, opts: { returnInverse?: boolean; returnCounts?: boolean } = {}): UniqueResult => {
  if (!deviceCan(x, 'readSync')) {
    throw new StateError(`unique: the output size depends on the data, which device '${x.device}' cannot read synchronously`, {
      op: 'unique',
      hint: 'use `await dl.uniqueAsync(x)`',
    });
  }
  return uniqueFromHost(x, x.dataSync(), opts.returnInverse ?? false, opts.returnCounts ?? false);
});

/** `unique` for any device. */
export async function uniqueAsync(x: Tensor, opts: { returnInverse?: boolean; returnCounts?: boolean } = {}): Promise<UniqueResult> {
  return uniqueFromHost(x, await x.data(), opts.returnInverse ?? false, opts.returnCounts ?? false);
}

