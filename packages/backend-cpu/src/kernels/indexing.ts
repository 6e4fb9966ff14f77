import { IndexError } from '@dl/tensor';
import type { TensorView } from '@dl/tensor/backend';
import { offsetsOf } from '../strided.js';
import type { CpuBuffer } from '../buffer.js';

/**
 * Note [Kernel index bounds]
 * gather, scatter and indexSelect take indices in `[0, size)`: PyTorch raises for a negative one
 * ("index -1 is out of bounds for dimension 0 with size 3"), it does not wrap it. The op layer
 * scans the indices before the kernel runs (Note [Index bounds on the host]) and `x[idx]` wraps
 * its negatives itself, so a bad index here means a caller skipped that check: the kernel raises
 * rather than wrapping, or reading past the row, silently.
 */
function checked(op: string, i: number, size: number, dim: number): number {
  if (i >= 0 && i < size) return i; // false for NaN too
  throw new IndexError(`${op}: index ${i} is out of bounds for dimension ${dim} with size ${size}`, {
    op,
    hint:
      i < 0
        ? `${op} does not wrap negative indices (as PyTorch); add ${size} to them first`
        : `indices along dim ${dim} must be in [0, ${size - 1}]`,
  });
}

/** out[p] = x[p with coordinate `dim` replaced by index[p]]. */
export function gather(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
  const shape = index.shape;
  // x offsets for each index position, with the gathered dim zeroed
  const xs = x.strides.map((s, i) => (i === dim ? 0 : s));
  const xOff = offsetsOf(shape, xs, x.offset);
  const iOff = offsetsOf(shape, index.strides, index.offset);
  const oOff = offsetsOf(shape, out.strides, out.offset);
  const X = x.buffer as CpuBuffer;
  const I = index.buffer as CpuBuffer;
  const O = out.buffer as CpuBuffer;
  const size = x.shape[dim]!;
  const sd = x.strides[dim]!;
  for (let p = 0; p < xOff.length; p++) O[oOff[p]!] = X[xOff[p]! + checked('gather', I[iOff[p]!]!, size, dim) * sd]!;
}

/** dst[index along dim] (+)= src, in place on dst. */
export function scatter(dst: TensorView, dim: number, index: TensorView, src: TensorView, mode: 'add' | 'assign'): void {
  const shape = index.shape;
  const ds = dst.strides.map((s, i) => (i === dim ? 0 : s));
  const dOff = offsetsOf(shape, ds, dst.offset);
  const iOff = offsetsOf(shape, index.strides, index.offset);
  const sOff = offsetsOf(shape, src.strides, src.offset);
  const D = dst.buffer as CpuBuffer;
  const I = index.buffer as CpuBuffer;
  const S = src.buffer as CpuBuffer;
  const size = dst.shape[dim]!;
  const sd = dst.strides[dim]!;
  const op = mode === 'add' ? 'scatterAdd' : 'scatter';
  if (mode === 'add') {
    for (let p = 0; p < dOff.length; p++) {
      const q = dOff[p]! + checked(op, I[iOff[p]!]!, size, dim) * sd;
      D[q] = D[q]! + S[sOff[p]!]!;
    }
  } else for (let p = 0; p < dOff.length; p++) D[dOff[p]! + checked(op, I[iOff[p]!]!, size, dim) * sd] = S[sOff[p]!]!;
}

/** Whether the rows of `v` along dim 0 (everything after it) are contiguous. */
function rowsContiguous(v: TensorView): boolean {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 1; i--) {
    if (v.shape[i]! !== 1 && v.strides[i]! !== expected) return false;
    expected *= v.shape[i]!;
  }
  return true;
}

/** out = x.index_select(dim, index): indices in [0, x.shape[dim]) (Note [Kernel index bounds]). */
export function indexSelect(x: TensorView, dim: number, index: TensorView, out: TensorView): void {
  const I = index.buffer as CpuBuffer;
  const X = x.buffer as CpuBuffer;
  const O = out.buffer as CpuBuffer;
  const n = index.shape[0]!;
  const size = x.shape[dim]!;
  const sliceShape = x.shape.map((s, i) => (i === dim ? 1 : s));
  const xOff = offsetsOf(sliceShape, x.strides, 0);
  const oOff = offsetsOf(sliceShape, out.strides, 0);
  const rowLen = xOff.length;
  const contiguousRows = dim === 0 && rowsContiguous(x) && rowsContiguous(out);
  for (let k = 0; k < n; k++) {
    // every index is checked, also when the rows are empty (x [3, 0] has no row 5 either)
    const src = checked('indexSelect', I[index.offset + k * index.strides[0]!]!, size, dim);
    if (rowLen === 0) continue;
    const xb = x.offset + src * x.strides[dim]!;
    const ob = out.offset + k * out.strides[dim]!;
    if (contiguousRows) O.set(X.subarray(xb, xb + rowLen), ob);
    else for (let p = 0; p < rowLen; p++) O[ob + oOff[p]!] = X[xb + xOff[p]!]!;
  }
}

/** Stable sort of each row of contiguous x [rows, n]; NaN sorts above every number. */
export function sort(x: TensorView, descending: boolean, values: TensorView, indices: TensorView): void {
  const [rows, n] = x.shape as [number, number];
  const X = x.buffer as CpuBuffer;
  const V = values.buffer as CpuBuffer;
  const I = indices.buffer as CpuBuffer;
  const order = new Array<number>(n);
  const key = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const base = x.offset + r * x.strides[0]!;
    for (let j = 0; j < n; j++) {
      order[j] = j;
      key[j] = X[base + j * x.strides[1]!]!;
    }
    const cmp = (i: number, j: number): number => {
      const a = key[i]!;
      const b = key[j]!;
      const an = a !== a;
      const bn = b !== b;
      if (an || bn) return an === bn ? 0 : an ? (descending ? -1 : 1) : descending ? 1 : -1;
      return descending ? b - a : a - b;
    };
    order.sort((i, j) => cmp(i, j) || i - j);
    const vb = values.offset + r * values.strides[0]!;
    const ib = indices.offset + r * indices.strides[0]!;
    for (let j = 0; j < n; j++) {
      V[vb + j * values.strides[1]!] = key[order[j]!]!;
      I[ib + j * indices.strides[1]!] = order[j]!;
    }
  }
}
