import type { TensorView } from '@dl/tensor/backend';
import type { CpuBuffer } from '../buffer.js';

const KC = 256;
const NC = 512;

/**
 * Reference batched matmul: a [B,M,K] @ b [B,K,N] → out [B,M,N] (contiguous), any input
 * strides. Cache-blocked (KC×NC panels of b packed contiguous, reused across all rows of a),
 * accumulating in float64. This is the fallback under the WASM SIMD kernels.
 */
export function matmulRef(a: TensorView, b: TensorView, out: TensorView): void {
  const [B, M, K] = a.shape as [number, number, number];
  const N = b.shape[2]!;
  const A = a.buffer as CpuBuffer;
  const Bb = b.buffer as CpuBuffer;
  const O = out.buffer as CpuBuffer;
  const [as0, as1, as2] = a.strides as [number, number, number];
  const [bs0, bs1, bs2] = b.strides as [number, number, number];
  const os0 = out.strides[0]!;
  const os1 = out.strides[1]!;
  const os2 = out.strides[2]!;
  const acc = new Float64Array(M * Math.min(N, NC));
  const panel = new Float64Array(Math.min(K, KC) * Math.min(N, NC));
  const arow = new Float64Array(Math.min(K, KC));
  for (let bi = 0; bi < B; bi++) {
    const aBase = a.offset + bi * as0;
    const bBase = b.offset + bi * bs0;
    const oBase = out.offset + bi * os0;
    for (let j0 = 0; j0 < N; j0 += NC) {
      const nc = Math.min(NC, N - j0);
      acc.fill(0, 0, M * nc);
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kc = Math.min(KC, K - k0);
        // pack b[k0:k0+kc, j0:j0+nc] row-major
        for (let k = 0; k < kc; k++) {
          const src = bBase + (k0 + k) * bs1 + j0 * bs2;
          const dst = k * nc;
          if (bs2 === 1) for (let j = 0; j < nc; j++) panel[dst + j] = Bb[src + j]!;
          else for (let j = 0; j < nc; j++) panel[dst + j] = Bb[src + j * bs2]!;
        }
        for (let i = 0; i < M; i++) {
          const ar = aBase + i * as1 + k0 * as2;
          for (let k = 0; k < kc; k++) arow[k] = A[ar + k * as2]!;
          const c0 = i * nc;
          for (let k = 0; k < kc; k++) {
            const aik = arow[k]!;
            const p0 = k * nc;
            for (let j = 0; j < nc; j++) acc[c0 + j] = acc[c0 + j]! + aik * panel[p0 + j]!;
          }
        }
      }
      for (let i = 0; i < M; i++) {
        const o0 = oBase + i * os1 + j0 * os2;
        const c0 = i * nc;
        for (let j = 0; j < nc; j++) O[o0 + j * os2] = acc[c0 + j]!;
      }
    }
  }
}
