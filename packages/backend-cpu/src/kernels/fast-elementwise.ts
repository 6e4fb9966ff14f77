import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { collapse, forEachRow } from '../strided.js';
import type { CpuBuffer } from '../buffer.js';
import { CAST_LOOPS, COMPARE_LOOPS, COMPARE_SCALAR_LOOPS, type FastCompareOp } from './elementwise-kernels.generated.js';
import type { KernelDType } from './elementwise-exprs.js';

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
  const d = dst.buffer as CpuBuffer;
  const s = src.buffer as CpuBuffer;
  if (overlap(d, s)) return false; // possibly overlapping views: keep the reference's order
  const c = collapse(dst.shape, [dst.strides, src.strides]);
  const r = c.shape.length;
  const dIn = c.strides[0]![r - 1]!,
    sIn = c.strides[1]![r - 1]!;
  if (dIn === 1 && sIn === 1 && c.shape[r - 1]! >= 16) {
    forEachRow(c.shape, c.strides, [dst.offset, src.offset], (o, n) => {
      d.set(s.subarray(o[1]!, o[1]! + n), o[0]!);
    });
    return true;
  }
  if (r === 2 && dIn === 1 && c.shape[0]! * c.shape[1]! >= 4096) {
    transposeBlocked(s, src.offset, c.strides[1]![0]!, sIn, d, dst.offset, c.strides[0]![0]!, c.shape[0]!, c.shape[1]!);
    return true;
  }
  return false;
}

/** Do two arrays share bytes? (Heap buffers all share one SharedArrayBuffer: compare ranges.) */
function overlap(d: CpuBuffer, s: CpuBuffer): boolean {
  if (d.buffer !== s.buffer) return false;
  return d.byteOffset < s.byteOffset + s.byteLength && s.byteOffset < d.byteOffset + d.byteLength;
}

/**
 * `d[dOff + i*dRow + j] = s[sOff + i*sRow + j*sCol]` over [R, C] in 32x32 tiles, so the
 * strided reads of a transposed source reuse each cache line 32 times (a row-by-row walk
 * touches a new line per element: the autograd engine's clone of a transposed weight
 * gradient spent 11% of an MLP step there).
 */
function transposeBlocked(
  s: CpuBuffer,
  sOff: number,
  sRow: number,
  sCol: number,
  d: CpuBuffer,
  dOff: number,
  dRow: number,
  R: number,
  C: number,
): void {
  const T = 32;
  for (let i0 = 0; i0 < R; i0 += T) {
    const i1 = Math.min(i0 + T, R);
    for (let j0 = 0; j0 < C; j0 += T) {
      const j1 = Math.min(j0 + T, C);
      for (let i = i0; i < i1; i++) {
        let q = sOff + i * sRow + j0 * sCol;
        const p0 = dOff + i * dRow;
        for (let j = j0; j < j1; j++, q += sCol) d[p0 + j] = s[q]!;
      }
    }
  }
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
  // one loop per dtype: V8 then sees one element kind per array (a shared loop is megamorphic, ~4x slower)
  const a = x.buffer as CpuBuffer;
  if (a instanceof Float32Array) sumRowsF32(a, x.offset, rows, inner, acc);
  else sumRowsF64(a as Float64Array, x.offset, rows, inner, acc);
  const o = out.buffer as CpuBuffer;
  for (let j = 0; j < inner; j++) o[out.offset + j] = acc[j]!;
  return true;
}

function sumRowsF32(a: Float32Array, offset: number, rows: number, inner: number, acc: Float64Array): void {
  for (let i = 0, base = offset; i < rows; i++, base += inner) {
    for (let j = 0; j < inner; j++) acc[j]! += a[base + j]!;
  }
}
function sumRowsF64(a: Float64Array, offset: number, rows: number, inner: number, acc: Float64Array): void {
  for (let i = 0, base = offset; i < rows; i++, base += inner) {
    for (let j = 0; j < inner; j++) acc[j]! += a[base + j]!;
  }
}

/**
 * The loops below come one per (kind, dtypes, operand modes) from elementwise-kernels.generated.ts
 * (Note [Generated inner loops]), so V8 sees one element kind per array: the reference kernels
 * share one row function across dtypes ('copy' for every cast pair), which makes their
 * typed-array accesses megamorphic.
 */

/** Contiguous dtype casts (bool targets become 0/1) on monomorphic loops. */
export function castFast(src: TensorView, dst: TensorView): boolean {
  if (src.dtype === dst.dtype) return copyFast(src, dst);
  const c = collapse(dst.shape, [dst.strides, src.strides]);
  const r = c.shape.length;
  if (c.strides[0]![r - 1] !== 1 || c.strides[1]![r - 1] !== 1 || c.shape[r - 1]! < 16) return false;
  const d = dst.buffer as CpuBuffer;
  const s = src.buffer as CpuBuffer;
  if (overlap(d, s)) return false;
  const f = CAST_LOOPS[src.dtype as KernelDType][dst.dtype as KernelDType]!; // float16 is widened first (Note [float16 compute])
  forEachRow(c.shape, c.strides, [dst.offset, src.offset], (o, n) => f(n, d, o[0]!, s, o[1]!));
  return true;
}

/** Comparisons of contiguous operands (or a broadcast scalar `b`) into bool, monomorphic loops. */
export function compareFast(op: string, a: TensorView, b: TensorView, out: TensorView): boolean {
  if (!Object.hasOwn(COMPARE_LOOPS, op) || out.dtype !== 'bool') return false;
  const c = collapse(out.shape, [out.strides, a.strides, b.strides]);
  const r = c.shape.length;
  const bIn = c.strides[2]![r - 1]!;
  if (c.strides[0]![r - 1] !== 1 || c.strides[1]![r - 1] !== 1 || (bIn !== 0 && bIn !== 1) || c.shape[r - 1]! < 16) return false;
  const f = (bIn === 1 ? COMPARE_LOOPS : COMPARE_SCALAR_LOOPS)[op as FastCompareOp][a.dtype as KernelDType];
  const O = out.buffer as CpuBuffer,
    A = a.buffer as CpuBuffer,
    B = b.buffer as CpuBuffer;
  forEachRow(c.shape, c.strides, [out.offset, a.offset, b.offset], (o, n) => f(n, O, o[0]!, A, o[1]!, B, o[2]!));
  return true;
}
