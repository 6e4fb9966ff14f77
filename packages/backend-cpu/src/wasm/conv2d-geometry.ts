/**
 * The geometry shared by the conv2d kernels (conv2d.ts: im2col in JS over any strided view;
 * conv2d-columns.ts: im2col/col2im in wasm on the GEMM engine's memory): sizes, the column
 * ranges of each kernel column, the weight as a matrix, and when the batch goes in one GEMM.
 *
 * @example
 * const g = geometry(x.shape, w.shape, out.shape, p); // g.CKK x g.L columns per sample
 */
import type { Conv2dParams, TensorView } from '@dl/tensor/backend';

/** The Float32Array behind a float32 view, or undefined (the conv kernels then decline). */
export function f32(v: TensorView): Float32Array | undefined {
  if (v.dtype !== 'float32') return undefined;
  const d = (v.buffer as { data?: unknown }).data ?? v.buffer;
  return d instanceof Float32Array ? d : undefined;
}

/**
 * Note [Batched conv GEMM]
 * One GEMM per sample re-packs the weight matrix N times; for small planes (deep ResNet
 * layers: L = 7*7, the weight is 512 x 4608) that packing costs more than the product. When
 * L <= `convTuning.maxBatchedL`, im2col writes every sample side by side into one
 * [CKK, N*L] matrix and a single GEMM per group does the whole batch (the output goes
 * through a [COg, N*L] scratch matrix to NCHW).
 */
export const convTuning = {
  maxBatchedL: 1024,
  maxBatchedCols: 2 ** 25,
  /** wasm column path: bytes of columns per GEMM it aims for (Note [Conv column chunks]) */
  colsBytes: 2 ** 20,
  /** wasm column path: GEMM columns (samples * L) it keeps at least, cache budget or not */
  minGemmCols: 2048,
  /** wasm column path: samples per GEMM when > 0 (tests), instead of the two above */
  samplesPerGemm: 0,
};
export function batched(g: Geo): boolean {
  return g.N > 1 && g.L <= convTuning.maxBatchedL && g.CKK * g.N * g.L <= convTuning.maxBatchedCols;
}

/**
 * Note [Conv column chunks]
 * The batched GEMM of Note [Batched conv GEMM] over the whole batch writes all the columns
 * before packing them: for LeNet's convs (64 samples, 5 MB and 3.8 MB of columns) that matrix
 * misses the caches, and im2col ran at half its in-cache speed (writing to cold lines) before
 * the packer read it back from memory. The wasm column path (conv2d-columns.ts) therefore takes
 * the batch in chunks of samples whose columns fit `convTuning.colsBytes` (the region is reused
 * chunk after chunk, so it stays in cache), but never narrower than `minGemmCols` GEMM columns
 * (the weight is re-packed per chunk, and narrow products lose the point of batching), with
 * chunks of even size. Deep ResNet layers (L = 49, 196) keep the whole batch in one GEMM.
 */
export function samplesPerGemm(g: Geo): number {
  if (!batched(g)) return 1;
  if (convTuning.samplesPerGemm > 0) return Math.min(g.N, convTuning.samplesPerGemm);
  const fit = Math.floor(convTuning.colsBytes / (4 * g.CKK * g.L));
  const nb = Math.min(g.N, Math.max(1, Math.ceil(convTuning.minGemmCols / g.L), fit));
  return Math.ceil(g.N / Math.ceil(g.N / nb));
}

export interface Geo {
  N: number;
  C: number;
  H: number;
  W: number;
  CO: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  G: number;
  Cg: number;
  COg: number;
  CKK: number;
  L: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

export function geometry(xShape: readonly number[], wShape: readonly number[], oShape: readonly number[], p: Conv2dParams): Geo {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [CO, , KH, KW] = wShape as [number, number, number, number];
  const OH = oShape[2]!;
  const OW = oShape[3]!;
  const G = p.groups;
  const Cg = C / G;
  return {
    N,
    C,
    H,
    W,
    CO,
    KH,
    KW,
    OH,
    OW,
    G,
    Cg,
    COg: CO / G,
    CKK: Cg * KH * KW,
    L: OH * OW,
    sh: p.stride[0],
    sw: p.stride[1],
    ph: p.padding[0],
    pw: p.padding[1],
    dh: p.dilation[0],
    dw: p.dilation[1],
  };
}

/**
 * For each kw, the range [lo, hi) of output columns whose input column
 * iw = ow*sw - pw + kw*dw falls inside [0, W): outside it im2col writes zeros, inside it
 * copies without a bounds test per element.
 */
export function colRanges(g: Geo): Int32Array {
  const r = new Int32Array(2 * g.KW);
  for (let kw = 0; kw < g.KW; kw++) {
    const o = kw * g.dw - g.pw; // iw at ow = 0
    const lo = o >= 0 ? 0 : Math.ceil(-o / g.sw);
    const hi = Math.max(lo, Math.min(g.OW, Math.ceil((g.W - o) / g.sw)));
    r[2 * kw] = Math.min(lo, g.OW);
    r[2 * kw + 1] = hi;
  }
  return r;
}

/** Weight [CO, Cg, KH, KW] as a [CO, CKK] matrix: (array, offset, rowStride, colStride), copying if not flat. */
export function weightMatrix(g: Geo, w: Float32Array, wv: TensorView): [Float32Array, number, number, number] {
  const [s0, s1, s2, s3] = wv.strides as [number, number, number, number];
  const u = g.KW > 1 ? s3 : g.KH > 1 ? s2 : g.Cg > 1 ? s1 : 1;
  if ((g.KW <= 1 || s3 === u) && (g.KH <= 1 || s2 === g.KW * u) && (g.Cg <= 1 || s1 === g.KH * g.KW * u)) {
    return [w, wv.offset, s0, u];
  }
  const flat = new Float32Array(g.CO * g.CKK);
  let d = 0;
  for (let o = 0; o < g.CO; o++)
    for (let c = 0; c < g.Cg; c++)
      for (let kh = 0; kh < g.KH; kh++) for (let kw = 0; kw < g.KW; kw++) flat[d++] = w[wv.offset + o * s0 + c * s1 + kh * s2 + kw * s3]!;
  return [flat, 0, g.CKK, 1];
}

/**
 * The stride of l = h*W + w over the [H, W] plane of a 4-D view, when one exists
 * (undefined when the plane is not a flat row).
 */
export function planeStride(v: TensorView): number | undefined {
  const H = v.shape[2]!;
  const W = v.shape[3]!;
  const s2 = v.strides[2]!;
  const s3 = v.strides[3]!;
  if (W === 1) return s2;
  if (H === 1 || s2 === W * s3) return s3;
  return undefined;
}
