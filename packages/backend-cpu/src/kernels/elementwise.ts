import type { BinaryOp, CompareOp, TensorView, UnaryOp } from '@dl/tensor/backend';
import { collapse, contiguousNumel, forEachRow, rowStride } from '../strided.js';
import type { CpuBuffer } from '../buffer.js';
import { BINARY_ROWS, COMPARE_ROWS, OTHER_ROWS, UNARY_ROWS, type Row1, type Row2, type Row3 } from './elementwise-kernels.generated.js';
import type { KernelDType } from './elementwise-exprs.js';

/**
 * The strided reference kernels: the outer loops over rows are shared (strided.ts); each inner
 * row is one of the functions generated from the expression tables of elementwise-exprs.ts
 * (Note [Generated inner loops]), one per (op, output dtype) for binary ops.
 */
function run1(f: Row1, out: TensorView, x: TensorView): void {
  const n = contiguousNumel(out);
  if (n >= 0) {
    // Note [One-row fast path] in strided.ts
    const sa = rowStride(out, x);
    if (sa >= 0) return f(n, out.buffer as CpuBuffer, out.offset, 1, x.buffer as CpuBuffer, x.offset, sa);
  }
  const c = collapse(out.shape, [out.strides, x.strides]);
  const r = c.shape.length;
  const so = c.strides[0]![r - 1]!,
    sa = c.strides[1]![r - 1]!;
  const o = out.buffer as CpuBuffer,
    a = x.buffer as CpuBuffer;
  forEachRow(c.shape, c.strides, [out.offset, x.offset], (offs, n) => f(n, o, offs[0]!, so, a, offs[1]!, sa));
}

function run2(f: Row2, out: TensorView, x: TensorView, y: TensorView): void {
  const n = contiguousNumel(out);
  if (n >= 0) {
    const sa = rowStride(out, x);
    const sb = rowStride(out, y);
    if (sa >= 0 && sb >= 0) {
      return f(n, out.buffer as CpuBuffer, out.offset, 1, x.buffer as CpuBuffer, x.offset, sa, y.buffer as CpuBuffer, y.offset, sb);
    }
  }
  const c = collapse(out.shape, [out.strides, x.strides, y.strides]);
  const r = c.shape.length;
  const so = c.strides[0]![r - 1]!,
    sa = c.strides[1]![r - 1]!,
    sb = c.strides[2]![r - 1]!;
  const o = out.buffer as CpuBuffer,
    a = x.buffer as CpuBuffer,
    b = y.buffer as CpuBuffer;
  forEachRow(c.shape, c.strides, [out.offset, x.offset, y.offset], (offs, n) => f(n, o, offs[0]!, so, a, offs[1]!, sa, b, offs[2]!, sb));
}

function run3(f: Row3, out: TensorView, x: TensorView, y: TensorView, z: TensorView): void {
  const n = contiguousNumel(out);
  if (n >= 0) {
    const sa = rowStride(out, x);
    const sb = rowStride(out, y);
    const sc = rowStride(out, z);
    if (sa >= 0 && sb >= 0 && sc >= 0) {
      const o = out.buffer as CpuBuffer;
      return f(
        n,
        o,
        out.offset,
        1,
        x.buffer as CpuBuffer,
        x.offset,
        sa,
        y.buffer as CpuBuffer,
        y.offset,
        sb,
        z.buffer as CpuBuffer,
        z.offset,
        sc,
      );
    }
  }
  const c = collapse(out.shape, [out.strides, x.strides, y.strides, z.strides]);
  const r = c.shape.length;
  const so = c.strides[0]![r - 1]!,
    sa = c.strides[1]![r - 1]!,
    sb = c.strides[2]![r - 1]!,
    sc = c.strides[3]![r - 1]!;
  const o = out.buffer as CpuBuffer,
    a = x.buffer as CpuBuffer,
    b = y.buffer as CpuBuffer,
    d = z.buffer as CpuBuffer;
  forEachRow(c.shape, c.strides, [out.offset, x.offset, y.offset, z.offset], (offs, n) =>
    f(n, o, offs[0]!, so, a, offs[1]!, sa, b, offs[2]!, sb, d, offs[3]!, sc),
  );
}

export function unary(op: UnaryOp, x: TensorView, out: TensorView): void {
  run1(UNARY_ROWS[op], out, x);
}

export function binary(op: BinaryOp, a: TensorView, b: TensorView, out: TensorView): void {
  run2(BINARY_ROWS[op][out.dtype as KernelDType], out, a, b); // float16 is widened first (Note [float16 compute])
}

export function compare(op: CompareOp, a: TensorView, b: TensorView, out: TensorView): void {
  run2(COMPARE_ROWS[op], out, a, b);
}

export function where(cond: TensorView, a: TensorView, b: TensorView, out: TensorView): void {
  run3(OTHER_ROWS.where, out, cond, a, b);
}

export function copy(src: TensorView, dst: TensorView): void {
  run1(dst.dtype === 'bool' && src.dtype !== 'bool' ? OTHER_ROWS.tobool : OTHER_ROWS.copy, dst, src);
}

export function fill(dst: TensorView, value: number): void {
  const buf = dst.buffer as CpuBuffer;
  const v = dst.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  const n = contiguousNumel(dst);
  if (n >= 0) {
    buf.fill(v, dst.offset, dst.offset + n);
    return;
  }
  const c = collapse(dst.shape, [dst.strides]);
  const inner = c.strides[0]![c.strides[0]!.length - 1]!;
  forEachRow(c.shape, c.strides, [dst.offset], (o, n) => {
    if (inner === 1) buf.fill(v, o[0]!, o[0]! + n);
    else for (let i = 0, p = o[0]!; i < n; i++, p += inner) buf[p] = v;
  });
}

export function clamp(x: TensorView, min: number | null, max: number | null, out: TensorView): void {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  // With both bounds given, a NaN bound makes every element NaN, as torch.clamp (its min/max
  // propagate NaN); a lone NaN bound (clamp_min/clamp_max in torch) compares false and changes nothing.
  const nanBound = min !== null && max !== null && (lo !== lo || hi !== hi);
  const o = out.buffer as CpuBuffer;
  const a = x.buffer as CpuBuffer;
  const n = contiguousNumel(out);
  if (n >= 0 && rowStride(out, x) === 1) {
    clampRow(n, o, out.offset, 1, a, x.offset, 1, lo, hi, nanBound);
    return;
  }
  const views = [out, x];
  const c = collapse(
    out.shape,
    views.map((v) => v.strides),
  );
  const so = c.strides[0]![c.strides[0]!.length - 1]!;
  const sx = c.strides[1]![c.strides[1]!.length - 1]!;
  forEachRow(c.shape, c.strides, [out.offset, x.offset], (offs, n) => clampRow(n, o, offs[0]!, so, a, offs[1]!, sx, lo, hi, nanBound));
}

function clampRow(
  n: number,
  o: CpuBuffer,
  p: number,
  so: number,
  a: CpuBuffer,
  q: number,
  sx: number,
  lo: number,
  hi: number,
  nanBound: boolean,
): void {
  for (let i = 0; i < n; i++, p += so, q += sx) {
    const v = a[q]!;
    // min(max(v, lo), hi): with lo > hi every element is hi, as torch.clamp; NaN stays NaN.
    const t = v < lo ? lo : v;
    o[p] = v !== v || nanBound ? NaN : t > hi ? hi : t;
  }
}
