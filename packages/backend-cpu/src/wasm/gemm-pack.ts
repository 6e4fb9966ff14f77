/**
 * Packing GEMM operands into the panels of Note [Packed layout] (gemm-kernel.ts): the wasm
 * packers of Note [Packing in wasm] driven per panel over an operand already in the engine's
 * memory, and the JS packers for operands too sparse to stage (and for tests).
 *
 * @example
 * packA(f32, aBase / 4, a, 0, K, 1, M, K, Mp, 4, 256); // JS: A [M, K] row-major into MR = 4 panels
 */

/** The panel packers of Note [Packing in wasm] (pointers and strides in bytes). */
export interface PackFns {
  pack4(src: number, rs: number, cs: number, dst: number, n: number): void;
  pack4c(src: number, cs: number, dst: number, n: number): void;
  pack8(src: number, rs: number, cs: number, dst: number, n: number): void;
  pack8r(src: number, rs: number, dst: number, n: number): void;
  pack4t(src: number, rs: number, dst: number, n: number): void;
  pack8t(src: number, cs: number, dst: number, n: number): void;
  packEdge(src: number, rs: number, cs: number, dst: number, n: number, live: number, w: number): void;
}

/** Elements of the smallest contiguous span holding a strided [rows, cols] operand. */
export function spanOf(rows: number, cols: number, rs: number, cs: number): number {
  return (rows - 1) * rs + (cols - 1) * cs + 1;
}

/** Is staging the operand's span (a memcpy) worth it, i.e. is the view dense enough? */
export function stageable(rows: number, cols: number, rs: number, cs: number): boolean {
  return spanOf(rows, cols, rs, cs) <= 2 * rows * cols + 4096;
}

/**
 * packA on the wasm packers: A is in the engine's memory at float index `s0` (staged there
 * by the caller, or put there by a kernel such as conv2d's im2col); pack it in wasm, the
 * zero-padded edge panel included.
 */
export function packAWasm(
  pack: PackFns,
  f32: Float32Array,
  base: number,
  s0: number,
  rs: number,
  cs: number,
  M: number,
  K: number,
  Mp: number,
  KC: number,
): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    const blk = base + k0 * Mp;
    for (let i0 = 0; i0 < Mp; i0 += 4) {
      const d = blk + i0 * kc;
      const src = s0 + i0 * rs + k0 * cs;
      if (i0 + 4 <= M) {
        if (rs === 1) pack.pack4c(src * 4, cs * 4, d * 4, kc);
        else if (cs === 1 && gemmPacking.transposing) pack.pack4t(src * 4, rs * 4, d * 4, kc);
        else pack.pack4(src * 4, rs * 4, cs * 4, d * 4, kc);
      } else if (gemmPacking.transposing) pack.packEdge(src * 4, rs * 4, cs * 4, d * 4, kc, M - i0, 4);
      else {
        for (let r = 0; r < 4; r++) {
          const live = i0 + r < M;
          for (let k = 0, p = src + r * rs; k < kc; k++, p += cs) f32[d + 4 * k + r] = live ? f32[p]! : 0;
        }
      }
    }
  }
}

/** packB on the wasm packers (NR = 8), like {@link packAWasm}. */
export function packBWasm(
  pack: PackFns,
  f32: Float32Array,
  base: number,
  s0: number,
  rs: number,
  cs: number,
  K: number,
  N: number,
  Np: number,
  KC: number,
): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    const blk = base + k0 * Np;
    for (let j0 = 0; j0 < Np; j0 += 8) {
      const d = blk + j0 * kc;
      const src = s0 + k0 * rs + j0 * cs;
      if (j0 + 8 <= N) {
        if (cs === 1) pack.pack8r(src * 4, rs * 4, d * 4, kc);
        else if (rs === 1 && gemmPacking.transposing) pack.pack8t(src * 4, cs * 4, d * 4, kc);
        else pack.pack8(src * 4, rs * 4, cs * 4, d * 4, kc);
      } else if (gemmPacking.transposing) pack.packEdge(src * 4, cs * 4, rs * 4, d * 4, kc, N - j0, 8);
      else {
        for (let c = 0; c < 8; c++) {
          const live = j0 + c < N;
          for (let k = 0, p = src + c * cs; k < kc; k++, p += rs) f32[d + 8 * k + c] = live ? f32[p]! : 0;
        }
      }
    }
  }
}

/**
 * Use the wasm packers (tests turn this off to compare with the JS packers); `transposing`:
 * the 4x4-transposing packers `pack4t`/`pack8t` and the wasm edge panels (Note [Packing in
 * wasm]; off: the scalar strided packers and JS edge panels, for comparisons).
 */
export const gemmPacking = { wasm: true, transposing: true };

/** Pack A[M,K] into MR-row panels per K block (Note [Packed layout]). */
export function packA(
  dst: Float32Array,
  base: number,
  a: Float32Array,
  off: number,
  rs: number,
  cs: number,
  M: number,
  K: number,
  Mp: number,
  MR: number,
  KC: number,
): void {
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    const blk = base + k0 * Mp;
    for (let i0 = 0; i0 < Mp; i0 += MR) {
      let d = blk + i0 * kc;
      if (MR === 4 && i0 + 4 <= M) {
        // four row cursors advancing along k
        let s0 = off + i0 * rs + k0 * cs;
        let s1 = s0 + rs;
        let s2 = s1 + rs;
        let s3 = s2 + rs;
        for (let k = 0; k < kc; k++, d += 4, s0 += cs, s1 += cs, s2 += cs, s3 += cs) {
          dst[d] = a[s0]!;
          dst[d + 1] = a[s1]!;
          dst[d + 2] = a[s2]!;
          dst[d + 3] = a[s3]!;
        }
        continue;
      }
      for (let r = 0; r < MR; r++) {
        const i = i0 + r;
        let dr = d + r;
        if (i >= M) {
          for (let k = 0; k < kc; k++, dr += MR) dst[dr] = 0;
          continue;
        }
        let sr = off + i * rs + k0 * cs;
        for (let k = 0; k < kc; k++, dr += MR, sr += cs) dst[dr] = a[sr]!;
      }
    }
  }
}

/** Pack B[K,N] into NR-column panels per K block (Note [Packed layout]). */
export function packB(
  dst: Float32Array,
  base: number,
  b: Float32Array,
  off: number,
  rs: number,
  cs: number,
  K: number,
  N: number,
  Np: number,
  NR: number,
  KC: number,
): void {
  const full = NR === 8 ? N - (N % 8) : 0; // columns covered by the unrolled paths
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    const blk = base + k0 * Np;
    const pstride = NR * kc;
    if (full > 0 && cs <= rs) {
      // row-major-ish B: walk each k row across the panels
      for (let k = 0; k < kc; k++) {
        let s = off + (k0 + k) * rs;
        let d = blk + k * 8;
        for (let j = 0; j < full; j += 8, s += 8 * cs, d += pstride) {
          dst[d] = b[s]!;
          dst[d + 1] = b[s + cs]!;
          dst[d + 2] = b[s + 2 * cs]!;
          dst[d + 3] = b[s + 3 * cs]!;
          dst[d + 4] = b[s + 4 * cs]!;
          dst[d + 5] = b[s + 5 * cs]!;
          dst[d + 6] = b[s + 6 * cs]!;
          dst[d + 7] = b[s + 7 * cs]!;
        }
      }
    } else if (full > 0) {
      // column-major-ish B: eight column cursors advancing along k
      for (let j0 = 0; j0 < full; j0 += 8) {
        let d = blk + j0 * kc;
        let s = off + k0 * rs + j0 * cs;
        for (let k = 0; k < kc; k++, d += 8, s += rs) {
          dst[d] = b[s]!;
          dst[d + 1] = b[s + cs]!;
          dst[d + 2] = b[s + 2 * cs]!;
          dst[d + 3] = b[s + 3 * cs]!;
          dst[d + 4] = b[s + 4 * cs]!;
          dst[d + 5] = b[s + 5 * cs]!;
          dst[d + 6] = b[s + 6 * cs]!;
          dst[d + 7] = b[s + 7 * cs]!;
        }
      }
    }
    // remaining (or all, for NR != 8) panels, zero-padded past N
    for (let j0 = full; j0 < Np; j0 += NR) {
      const w = Math.min(NR, N - j0);
      for (let c = 0; c < NR; c++) {
        let d = blk + j0 * kc + c;
        if (c >= w) {
          for (let k = 0; k < kc; k++, d += NR) dst[d] = 0;
          continue;
        }
        let sc = off + k0 * rs + (j0 + c) * cs;
        for (let k = 0; k < kc; k++, d += NR, sc += rs) dst[d] = b[sc]!;
      }
    }
  }
}
