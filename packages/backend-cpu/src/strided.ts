import type { TensorView } from '@dl/tensor/backend';

/**
 * Note [Collapsing dims]
 * Elementwise kernels iterate rows of the innermost dimension. Adjacent dims that are
 * contiguous with each other in every operand are merged first, so a contiguous tensor of
 * any rank becomes a single row and a transposed one stays 2-D.
 */
export function collapse(
  shape: readonly number[],
  stridesList: ReadonlyArray<readonly number[]>,
): { shape: number[]; strides: number[][] } {
  // plain loops, no closures: every strided kernel call collapses its operands first
  const m = stridesList.length;
  const outShape: number[] = [];
  const outStrides: number[][] = new Array<number[]>(m);
  for (let k = 0; k < m; k++) outStrides[k] = [];
  for (let d = 0; d < shape.length; d++) {
    const size = shape[d]!;
    if (size === 1) continue;
    const last = outShape.length - 1;
    let merge = last >= 0;
    for (let k = 0; merge && k < m; k++) merge = outStrides[k]![last] === stridesList[k]![d]! * size;
    if (merge) {
      outShape[last]! *= size;
      for (let k = 0; k < m; k++) outStrides[k]![last] = stridesList[k]![d]!;
    } else {
      outShape.push(size);
      for (let k = 0; k < m; k++) outStrides[k]!.push(stridesList[k]![d]!);
    }
  }
  if (outShape.length === 0) {
    outShape.push(1);
    for (let k = 0; k < m; k++) outStrides[k]!.push(1);
  }
  return { shape: outShape, strides: outStrides };
}

/**
 * Note [One-row fast path]
 * Most elementwise calls are one contiguous output with inputs of its own layout or broadcast
 * scalars. For those the whole problem is one row of `numel` elements, and the kernel calls its
 * row function once, without collapsing dims or walking rows (which allocates arrays and
 * closures: on 4-element tensors that bookkeeping, not the arithmetic, was the cost of an op).
 * The row function is the same one the general path would call, on the same elements in the
 * same order, so the results are identical.
 */
/** Elements of `out` when it is contiguous (dims of size 1 ignored), else -1 (Note [One-row fast path]). */
export function contiguousNumel(out: TensorView): number {
  const shape = out.shape;
  const strides = out.strides;
  let n = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    if (size !== 1 && strides[d] !== n) return -1;
    n *= size;
  }
  return n;
}

/**
 * The inner stride of `v` in a one-row walk of contiguous `out` (same shape): 1 when `v` has
 * `out`'s strides, 0 when it is broadcast along every dim, -1 otherwise (Note [One-row fast path]).
 */
export function rowStride(out: TensorView, v: TensorView): number {
  const shape = out.shape;
  const so = out.strides;
  const sv = v.strides;
  let same = true;
  let zero = true;
  for (let d = 0; d < shape.length; d++) {
    if (shape[d] === 1) continue;
    const s = sv[d];
    if (s !== so[d]) same = false;
    if (s !== 0) zero = false;
  }
  return same ? 1 : zero ? 0 : -1;
}

/**
 * Call `row(offsets, n)` for every innermost row of `shape`; `offsets[k]` is operand k's
 * element offset of the row start. Inner strides are `strides[k][rank-1]`.
 */
export function forEachRow(
  shape: readonly number[],
  strides: readonly (readonly number[])[],
  baseOffsets: readonly number[],
  row: (offsets: number[], n: number) => void,
): void {
  const rank = shape.length;
  const n = shape[rank - 1]!;
  const k = strides.length;
  const offs = baseOffsets.slice();
  if (rank === 1) {
    row(offs, n);
    return;
  }
  const idx = new Array<number>(rank - 1).fill(0);
  let total = 1;
  for (let d = 0; d < rank - 1; d++) total *= shape[d]!;
  for (let r = 0; r < total; r++) {
    row(offs, n);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      for (let j = 0; j < k; j++) offs[j]! += strides[j]![d]!;
      if (idx[d]! < shape[d]!) break;
      for (let j = 0; j < k; j++) offs[j]! -= strides[j]![d]! * shape[d]!;
      idx[d] = 0;
    }
  }
}

/** Element offsets of every position of a strided view, in row-major order. */
export function offsetsOf(shape: readonly number[], strides: readonly number[], base = 0): Int32Array | Float64Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = n < 2 ** 31 ? new Int32Array(n) : new Float64Array(n);
  if (n === 0) return out;
  const c = collapse(shape, [strides]);
  let p = 0;
  const s = c.strides[0]!;
  const inner = s[s.length - 1]!;
  forEachRow(c.shape, c.strides, [base], (o, m) => {
    let off = o[0]!;
    for (let i = 0; i < m; i++, off += inner) out[p++] = off;
  });
  return out;
}

/** Numel of a view. */
export function numel(v: TensorView): number {
  return v.shape.reduce((a, b) => a * b, 1);
}
