import type { TensorView } from '@dl/tensor/backend';

/**
 * Parameters and WGSL of the strided element walk shared by elementwise kernels:
 * `P = [numel, shape…, (offset, strides…) per view]` (from `P[base]`); the generated code defines
 * `o0, o1, …`, the word index of the current element in each view.
 */
export function stridedParams(shape: readonly number[], views: readonly TensorView[]): number[] {
  const numel = shape.reduce((a, b) => a * b, 1);
  const p = [numel, ...shape];
  for (const v of views) {
    p.push(v.offset);
    for (let d = 0; d < shape.length; d++) p.push(v.strides[d] ?? 0);
  }
  return p;
}

export function stridedCode(rank: number, nviews: number, base = 0): string {
  const P = (i: number) => `P[${base + i}]`;
  let s = `  if (gid >= ${P(0)}) { return; }\n  var rem = gid;\n`;
  for (let v = 0; v < nviews; v++) s += `  var o${v} = ${P(1 + rank + v * (rank + 1))};\n`;
  for (let d = rank - 1; d >= 0; d--) {
    s += `  { let c = rem % ${P(1 + d)}; rem = rem / ${P(1 + d)};`;
    for (let v = 0; v < nviews; v++) s += ` o${v} += c * ${P(1 + rank + v * (rank + 1) + 1 + d)};`;
    s += ' }\n';
  }
  return s;
}

export function numelOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
