import type { ReduceOp, TensorView } from '@dl/tensor';
import { collapse, forEachRow } from '../strided.js';
import type { CpuBuffer } from '../buffer.js';

/**
 * Note [JS fast paths]
 * Plain-JS fast paths for cases the strided reference kernels handle generically but slowly.
 * Each returns false to decline; the reference kernel then runs.
 *  - `copyFast`: same-dtype copy whose rows are contiguous on both sides is `TypedArray.set`
 *    (a memcpy) per row instead of an element loop.
 *  - `sumLeadingFast`: float `sum` over the leading axes of a contiguous tensor (the bias
 *    gradient of a linear layer: [B, F] -> [1, F]) accumulates whole rows into a float64
 *    scratch row, instead of walking a gathered list of offsets per output element.
 */
export function copyFast(src: TensorView, dst: TensorView): boolean {
  if (src.dtype !== dst.dtype || dst.dtype === 'bool') return false;
  const c = collapse(dst.shape, [dst.strides, src.strides]);
  const r = c.shape.length;
  if (c.strides[0]![r - 1] !== 1 || c.strides[1]![r - 1] !== 1 || c.shape[r - 1]! < 16) return false;
  const d = dst.buffer as CpuBuffer;
  const s = src.buffer as CpuBuffer;
  if (d.buffer === s.buffer) return false; // overlapping views: keep the reference's order
  forEachRow(c.shape, c.strides, [dst.offset, src.offset], (o, n) => {
    d.set(s.subarray(o[1]!, o[1]! + n), o[0]!);
  });
  return true;
}

let acc = new Float64Array(0);

export function sumLeadingFast(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): boolean {
  if (op !== 'sum' || (x.dtype !== 'float32' && x.dtype !== 'float64')) return false;
  const r = x.shape.length;
  const k = axes.length;
  if (k === 0 || k === r) return false;
  const sorted = [...axes].sort((p, q) => p - q);
  if (sorted.some((a, i) => a !== i)) return false; // leading axes only
  let stride = 1;
  for (let d = r - 1; d >= 0; d--) {
    if (x.shape[d] !== 1 && x.strides[d] !== stride) return false;
    stride *= x.shape[d]!;
  }
  let inner = 1;
  for (let d = k; d < r; d++) inner *= x.shape[d]!;
  const rows = inner === 0 ? 0 : stride / inner;
  if (rows < 2 || inner < 16) return false;
  if (acc.length < inner) acc = new Float64Array(inner);
  acc.fill(0, 0, inner);
  const a = x.buffer as CpuBuffer;
  for (let i = 0, base = x.offset; i < rows; i++, base += inner) {
    for (let j = 0; j < inner; j++) acc[j]! += a[base + j]!;
  }
  const o = out.buffer as CpuBuffer;
  for (let j = 0; j < inner; j++) o[out.offset + j] = acc[j]!;
  return true;
}
