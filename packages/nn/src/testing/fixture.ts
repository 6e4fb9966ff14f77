/** @internal Test helpers: fixture tensors and closeness checks (not exported by the package). */
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';

export interface FT {
  shape: number[];
  data: Array<number | string>;
  dtype: 'float32' | 'int32';
}

export function num(v: number | string): number {
  return typeof v === 'number' ? v : v === 'NaN' ? NaN : v === 'Infinity' ? Infinity : -Infinity;
}

export function fromFixture(t: FT, dtype?: dl.DType): Tensor {
  return dl.tensor(t.data.map(num), { dtype: dtype ?? t.dtype }).reshape(t.shape);
}

/** null when close, else a message naming the first mismatch. */
export function mismatch(actual: Tensor | null | undefined, expected: FT, atol = 1e-5, rtol = 1e-4): string | null {
  if (!actual) return 'missing tensor';
  if (actual.shape.length !== expected.shape.length || actual.shape.some((s, i) => s !== expected.shape[i])) {
    return `shape [${actual.shape}] != [${expected.shape}]`;
  }
  const a = actual.contiguous().dataSync();
  for (let i = 0; i < a.length; i++) {
    const e = num(expected.data[i]!);
    const v = Number(a[i]);
    if (Number.isNaN(e) && Number.isNaN(v)) continue;
    if (v === e) continue; // equal infinities
    if (!(Math.abs(v - e) <= atol + rtol * Math.abs(e))) return `at ${i}: ${v} vs ${e} (shape [${expected.shape}])`;
  }
  return null;
}
