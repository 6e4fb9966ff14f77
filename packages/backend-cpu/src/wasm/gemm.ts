/**
 * Single-precision GEMM on WebAssembly SIMD, generated at run time (gemm-kernel.ts),
 * optionally split across worker threads (pool.ts).
 *
 * `C[M,N] (+)= A[M,K] @ B[K,N]` for strided operands given as Float32Array views
 * (offset and strides in elements), so transposed operands need no copy: the packing
 * routines read strided input into the panel layout of Note [Packed layout]. C is
 * computed into linear memory and written back at the caller's offset/strides, or in place
 * for heap tensors (Note [GEMM on the heap] in gemm-engine.ts, which holds the engine).
 *
 * @example
 * import { sgemm } from './gemm.js';
 * // c (2x2) = a (2x3) @ b (3x2), all row-major
 * sgemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, false);
 */
import { gemmDirect, gemmTuning, getEngine } from './gemm-engine.js';
import { gemmPacking, packA, packAWasm, packB, packBWasm, spanOf, stageable } from './gemm-pack.js';
import { heapPtr } from './heap.js';
import { Hdr } from './tasks.js';

export { gemmDirect, gemmInfo, gemmTuning, getNumThreads, setNumThreads, warmupThreads } from './gemm-engine.js';
export { gemmPacking } from './gemm-pack.js';

function checkBounds(name: string, arr: Float32Array, off: number, rows: number, cols: number, rs: number, cs: number): void {
  if (!Number.isInteger(off) || off < 0 || !Number.isInteger(rs) || rs < 0 || !Number.isInteger(cs) || cs < 0) {
    throw new RangeError(`sgemm: ${name} offset/strides must be non-negative integers (got ${off}, ${rs}, ${cs})`);
  }
  if (rows === 0 || cols === 0) return;
  const last = off + (rows - 1) * rs + (cols - 1) * cs;
  if (last >= arr.length) {
    throw new RangeError(
      `sgemm: ${name} [${rows}x${cols}] at offset ${off} strides [${rs},${cs}] reaches element ${last} of an array of ${arr.length}`,
    );
  }
}

/**
 * A GEMM operand for {@link sgemmIn}: element (i, j) is `data[off + i*rs + j*cs]`, or, without
 * `data`, the float at index `off + i*rs + j*cs` of the engine's own memory (put there by a
 * kernel that shares it, e.g. conv2d's im2col: see {@link gemmWorkspace}).
 */
export interface GemmOperand {
  data?: Float32Array;
  off: number;
  rs: number;
  cs: number;
}

/** Where {@link sgemmIn} left C in the engine's memory: float index of (0, 0) and row stride. */
export interface GemmResult {
  c: number;
  ldc: number;
}

function packedSizes(M: number, N: number): { Mp: number; Np: number } {
  const e = getEngine();
  return { Mp: Math.ceil(M / e.MR) * e.MR, Np: Math.ceil(N / e.NR) * e.NR };
}

/**
 * Floats of the C block of an M x N product (rows and columns padded to the register tile).
 *
 * @example
 * const cFloats = gemmCSize(M, N); // room for sgemmIn's C at a caller-chosen `cAt`
 */
export function gemmCSize(M: number, N: number): number {
  const { Mp, Np } = packedSizes(M, N);
  return Mp * Np;
}

/**
 * Bytes at the start of the engine's workspace that an {@link sgemmIn} of this size may use
 * (packed panels, C, and the staging copies of array operands of `aSpan`/`bSpan` elements:
 * pass 0 for operands already in the engine's memory). A kernel keeping its own data in the
 * workspace puts it above this (Note [Conv workspace]).
 *
 * @example
 * const gemmBytes = gemmFootprint(M, N, K, M * K, 0); // A staged, B in engine memory
 */
export function gemmFootprint(M: number, N: number, K: number, aSpan: number, bSpan: number): number {
  const { Mp, Np } = packedSizes(M, N);
  return (Mp * K + Np * K + Mp * Np + Math.max(aSpan, bSpan)) * 4;
}

/**
 * The engine's workspace made at least `bytes` long: `base`, its byte offset in the engine's
 * memory (it may move when it grows, Note [GEMM on the heap]: take it anew after each call,
 * before placing data), a Float32Array over all of the memory (also anew: the view ends where
 * the memory ended when it was made), and the memory itself (to instantiate kernels on it).
 *
 * @example
 * const { f32, base } = gemmWorkspace(gemmBytes + 4 * n); // f32[(base + gemmBytes) / 4 ...] is the caller's
 */
export function gemmWorkspace(bytes: number): { f32: Float32Array; base: number; memory: WebAssembly.Memory; shared: boolean } {
  const e = getEngine();
  e.ensure(bytes);
  return { f32: new Float32Array(e.memory.buffer), base: e.base, memory: e.memory, shared: e.shared };
}

/**
 * `C[M,N] = A[M,K] @ B[K,N]` (or `+=` with `accumulate`) in float32 on wasm SIMD.
 * Element (i, k) of A is `a[aOff + i*aRowStride + k*aColStride]`, and so on; strides
 * may be any non-negative integers, so a transposed operand is just swapped strides.
 * Large problems are split across the worker pool (see {@link setNumThreads}).
 *
 * @example
 * // c = a @ b.T with a [2,3] and b [2,3] row-major
 * sgemm(2, 2, 3, a, 0, 3, 1, b, 0, 1, 3, c, 0, 2, false);
 */
export function sgemm(
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  aRowStride: number,
  aColStride: number,
  b: Float32Array,
  bOff: number,
  bRowStride: number,
  bColStride: number,
  c: Float32Array,
  cOff: number,
  cRowStride: number,
  accumulate: boolean,
  cColStride = 1,
): void {
  sgemmIn(
    M,
    N,
    K,
    { data: a, off: aOff, rs: aRowStride, cs: aColStride },
    { data: b, off: bOff, rs: bRowStride, cs: bColStride },
    { data: c, off: cOff, rs: cRowStride, cs: cColStride },
    accumulate,
  );
}

/**
 * {@link sgemm} on operands that may already be in the engine's memory ({@link GemmOperand}
 * without `data`: no staging copy). With `c` null, C is not written back: it stays in the
 * engine's memory (dense, row stride `ldc`) until the next GEMM, and the result says where.
 *
 * Note [Side work during a GEMM]
 * `side`, when given, runs on the calling thread once the operands are packed and the job is
 * published, while the workers take its first tasks (then the caller joins them): conv2d
 * builds the next sample's columns there, which the workers would otherwise wait for. It may
 * write the engine's memory above {@link gemmFootprint} (the product reads only its packed
 * panels and writes C) and the operands' source arrays, which are already packed. It runs
 * exactly once, also when the product is empty or single-threaded (after it, then). It must not
 * start a GEMM itself: the job's header is live while it runs. Nor may it touch C, which the
 * tasks may be writing in place (Note [GEMM on the heap]); with side work the calling thread packs
 * all of B before publishing (no Note [Tasks pack B]), so B's source is free to overwrite.
 * `cAt` (with `c` null): the float index in the engine's memory, above {@link gemmFootprint},
 * where C goes instead of its place in the GEMM's area ({@link gemmCSize} floats), so that a
 * caller can read one product's C while the next one runs.
 *
 * @example
 * const { c, ldc } = sgemmIn(M, N, K, { data: w, off: 0, rs: K, cs: 1 }, { off: colsAt, rs: L, cs: 1 }, null, false);
 */
export function sgemmIn(
  M: number,
  N: number,
  K: number,
  A: GemmOperand,
  B: GemmOperand,
  C: { data: Float32Array; off: number; rs: number; cs: number } | null,
  accumulate: boolean,
  side?: () => void,
  cAt?: number,
): GemmResult {
  if (![M, N, K].every((x) => Number.isInteger(x) && x >= 0)) {
    throw new RangeError(`sgemm: sizes must be non-negative integers (got M=${M}, N=${N}, K=${K})`);
  }
  const e = getEngine();
  const inEngine = new Float32Array(e.memory.buffer);
  checkBounds('a', A.data ?? inEngine, A.off, M, K, A.rs, A.cs);
  checkBounds('b', B.data ?? inEngine, B.off, K, N, B.rs, B.cs);
  if (C) checkBounds('c', C.data, C.off, M, N, C.rs, C.cs);
  const { MR, NR } = e;
  const KC = gemmTuning.kc;
  const Mp = Math.ceil(M / MR) * MR;
  const Np = Math.ceil(N / NR) * NR;
  // heap operands are in the engine's memory already (Note [GEMM on the heap])
  const direct = gemmDirect.enabled && e.onHeap;
  if (direct && A.data && M * K > 0) A = inPlace(A);
  if (direct && B.data && K * N > 0) B = inPlace(B);
  const cHeap = direct && C && C.cs === 1 && M % MR === 0 && N % NR === 0 && C.rs >= N && K > 0 ? heapPtr(C.data) : -1;
  // operands outside the engine's memory are staged (a memcpy of their span) for the wasm packers
  const wasmA = gemmPacking.wasm && MR === 4 && (!A.data || stageable(M, K, A.rs, A.cs));
  const wasmB = gemmPacking.wasm && NR === 8 && (!B.data || stageable(K, N, B.rs, B.cs));
  const aSpan = wasmA && A.data && M * K > 0 ? spanOf(M, K, A.rs, A.cs) : 0;
  const bSpan = wasmB && B.data && K * N > 0 ? spanOf(K, N, B.rs, B.cs) : 0;
  const stageRel = (Mp * K + Np * K + (cHeap >= 0 ? 0 : Mp * Np)) * 4;
  e.ensure(stageRel + 4 * Math.max(aSpan, bSpan));
  const aBase = e.base;
  const bBase = aBase + Mp * K * 4;
  const stage = aBase + stageRel;
  const cBase = cHeap >= 0 ? cHeap + 4 * C!.off : C === null && cAt !== undefined ? 4 * cAt : bBase + Np * K * 4;
  const result = { c: cBase / 4, ldc: Np };
  if (M === 0 || N === 0) {
    side?.();
    return result;
  }
  if (K === 0) {
    side?.();
    if (C && !accumulate) {
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) C.data[C.off + i * C.rs + j * C.cs] = 0;
    }
    if (!C) new Float32Array(e.memory.buffer).fill(0, cBase / 4, cBase / 4 + Mp * Np);
    return result;
  }
  const f32 = new Float32Array(e.memory.buffer);
  if (wasmA) {
    let s0 = A.off;
    if (A.data) {
      f32.set(A.data.subarray(A.off, A.off + aSpan), stage / 4);
      s0 = stage / 4;
    }
    packAWasm(e.pack, f32, aBase / 4, s0, A.rs, A.cs, M, K, Mp, KC);
  } else packA(f32, aBase / 4, A.data ?? f32, A.off, A.rs, A.cs, M, K, Mp, MR, KC);
  const mPanels = Mp / MR;
  const nPanels = Np / NR;
  const threads = M * N * K >= gemmTuning.minParallelWork ? e.threads : 1;
  let MB = Math.max(1, Math.round(gemmTuning.mc / MR));
  MB = Math.max(MB, Math.ceil(mPanels / 2048));
  const nMB = Math.ceil(mPanels / MB);
  let nNC = 1;
  if (threads > 1) {
    const want = threads * gemmTuning.tasksPerThread;
    if (nMB < want) nNC = Math.min(nPanels, Math.ceil(want / nMB), 16);
  }
  const NB = Math.ceil(nPanels / nNC);
  nNC = Math.ceil(nPanels / NB);
  const ntasks = nMB * nNC;
  // one M block: each task packs the B panels it alone reads (Note [Tasks pack B]); not with side
  // work, which may overwrite B's source once it is packed (Note [Side work during a GEMM])
  const tasksPackB = wasmB && threads > 1 && nMB === 1 && gemmTuning.taskPackB && gemmPacking.transposing && !side;
  let bSrc = B.off;
  if (wasmB) {
    if (B.data) {
      f32.set(B.data.subarray(B.off, B.off + bSpan), stage / 4);
      bSrc = stage / 4;
    }
    if (!tasksPackB) packBWasm(e.pack, f32, bBase / 4, bSrc, B.rs, B.cs, K, N, Np, KC);
  } else packB(f32, bBase / 4, B.data ?? f32, B.off, B.rs, B.cs, K, N, Np, NR, KC);

  const H = e.header();
  H[Hdr.NTASKS] = ntasks;
  H[Hdr.K] = K;
  H[Hdr.KC] = KC;
  H[Hdr.MP] = Mp;
  H[Hdr.NP] = Np;
  H[Hdr.MB] = MB;
  H[Hdr.NB] = NB;
  H[Hdr.NMBLOCKS] = nMB;
  H[Hdr.MPANELS] = mPanels;
  H[Hdr.NPANELS] = nPanels;
  H[Hdr.ABASE] = aBase;
  H[Hdr.BBASE] = bBase;
  H[Hdr.CBASE] = cBase;
  H[Hdr.LDC] = cHeap >= 0 ? C!.rs : Np;
  H[Hdr.ACC] = cHeap >= 0 && accumulate ? 1 : 0;
  H[Hdr.PACKB] = tasksPackB ? 1 : 0;
  H[Hdr.BSRC] = 4 * bSrc;
  H[Hdr.BRS] = 4 * B.rs;
  H[Hdr.BCS] = 4 * B.cs;
  H[Hdr.N] = N;
  H[Hdr.MR] = MR;
  H[Hdr.NR] = NR;
  e.run(H, ntasks, threads, side);
  if (!C || cHeap >= 0) return result;

  // write C back
  const c = C.data;
  const cColStride = C.cs;
  let s = cBase / 4;
  for (let i = 0; i < M; i++, s += Np) {
    const d = C.off + i * C.rs;
    if (cColStride === 1) {
      if (accumulate) {
        for (let j = 0; j < N; j++) c[d + j]! += f32[s + j]!;
      } else {
        c.set(f32.subarray(s, s + N), d);
      }
    } else if (accumulate) {
      for (let j = 0; j < N; j++) c[d + j * cColStride]! += f32[s + j]!;
    } else {
      for (let j = 0; j < N; j++) c[d + j * cColStride] = f32[s + j]!;
    }
  }
  return result;
}

/** A heap view operand as one in the engine's memory (Note [GEMM on the heap]); others unchanged. */
function inPlace(X: GemmOperand): GemmOperand {
  const p = heapPtr(X.data!);
  return p < 0 ? X : { off: p / 4 + X.off, rs: X.rs, cs: X.cs };
}

/**
 * Batched {@link sgemm}: for `p < batch`, matrix p of each operand starts at
 * `off + p * batchStride` (a batch stride of 0 broadcasts that operand).
 *
 * @example
 * // c[p] = a[p] @ b for 8 row-major [4,5] @ [5,6] products sharing b
 * sgemmBatched(8, 4, 6, 5, a, 0, 20, 5, 1, b, 0, 0, 6, 1, c, 0, 24, 6, false);
 */
export function sgemmBatched(
  batch: number,
  M: number,
  N: number,
  K: number,
  a: Float32Array,
  aOff: number,
  aBatchStride: number,
  aRowStride: number,
  aColStride: number,
  b: Float32Array,
  bOff: number,
  bBatchStride: number,
  bRowStride: number,
  bColStride: number,
  c: Float32Array,
  cOff: number,
  cBatchStride: number,
  cRowStride: number,
  accumulate: boolean,
  cColStride = 1,
): void {
  if (!Number.isInteger(batch) || batch < 0) throw new RangeError(`sgemmBatched: bad batch ${batch}`);
  if (batch === 0) return;
  // A shared B with stacked A and C rows is one tall GEMM (e.g. a linear layer on [B,T,F]).
  if (batch > 1 && bBatchStride === 0 && aBatchStride === M * aRowStride && cBatchStride === M * cRowStride) {
    sgemm(batch * M, N, K, a, aOff, aRowStride, aColStride, b, bOff, bRowStride, bColStride, c, cOff, cRowStride, accumulate, cColStride);
    return;
  }
  for (let p = 0; p < batch; p++) {
    sgemm(
      M,
      N,
      K,
      a,
      aOff + p * aBatchStride,
      aRowStride,
      aColStride,
      b,
      bOff + p * bBatchStride,
      bRowStride,
      bColStride,
      c,
      cOff + p * cBatchStride,
      cRowStride,
      accumulate,
      cColStride,
    );
  }
}
