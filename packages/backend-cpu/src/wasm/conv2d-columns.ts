/**
 * conv2d forward and backward with the column matrix built in wasm inside the GEMM engine's
 * memory (Note [Conv columns in wasm] in im2col-kernel.ts): im2col writes it where the GEMM's
 * wasm packers read it, the backward-input GEMM leaves its columns there for col2im, and the
 * forward's bias is added to C there. Nothing but the input planes (a memcpy in) and the
 * results (a memcpy out per output row) crosses between the engine and the tensors.
 *
 * Each function returns false (declines) when the wasm loops are unavailable or the operand it
 * reads planes from is not dense per sample (e.g. a channels-last view); conv2d.ts then runs
 * its JS im2col path, which takes any strides.
 *
 * Note [Conv workspace]
 * The engine's workspace (`gemmWorkspace`, at `base` in its memory) starts with the GEMM's own
 * area (packed panels, C, staging), whose size `gemmFootprint` gives for the product's sizes;
 * the conv's data goes above it:
 * the column ranges table, one input block (or the gathered gradient), the columns. Samples go
 * `nb` at a time into one GEMM (all of them when `batched`, Note [Batched conv GEMM], else one).
 *
 * @example
 * if (!conv2dColumns(x, w, bias, out, p)) conv2dJs(x, w, bias, out, p);
 */
import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { colRanges, f32, type Geo, geometry, planeStride, samplesPerGemm, weightMatrix } from './conv2d-geometry.js';
import { gemmCSize, gemmFootprint, gemmWorkspace, sgemmIn } from './gemm.js';
import { buildIm2colModule, type Im2colFns } from './im2col-kernel.js';

/**
 * Use the wasm column path (tests turn it off to compare with the JS im2col path); `overlap`:
 * build the next GEMM's columns while the current one runs (Note [Side work during a GEMM] in
 * gemm.ts; off: after it, for comparisons); `maxWorkspaceBytes`: the most engine memory a conv
 * may use (Note [Conv workspace]), beyond which it declines.
 */
export const convColumns = { enabled: true, overlap: true, maxWorkspaceBytes: 2 ** 30 };

/** Run `next` (the next unit's columns) during the GEMM when overlapping, else after it. */
function during(next: (() => void) | undefined): (() => void) | undefined {
  return convColumns.overlap ? next : undefined;
}
function after(next: (() => void) | undefined): void {
  if (!convColumns.overlap) next?.();
}

let fns: Im2colFns | null | undefined;
function kernels(): Im2colFns | null {
  if (fns !== undefined) return fns;
  fns = null;
  try {
    const { memory, shared } = gemmWorkspace(0);
    const mod = new WebAssembly.Module(buildIm2colModule(shared, 1, 65536));
    fns = new WebAssembly.Instance(mod, { env: { memory } }).exports as unknown as Im2colFns;
  } catch {
    fns = null;
  }
  return fns;
}

const align = (b: number): number => Math.ceil(b / 64) * 64;

/** Any empty dimension (no samples, channels, kernel taps or output positions): left to the JS path. */
function empty(g: Geo): boolean {
  return g.N * g.C * g.H * g.W * g.CO * g.CKK * g.L === 0;
}

/** Is the [C, H, W] block of each sample of a 4-D view one dense run of floats? */
function denseSamples(v: TensorView): boolean {
  const [, C, H, W] = v.shape as [number, number, number, number];
  const [, s1, s2, s3] = v.strides as [number, number, number, number];
  return (W <= 1 || s3 === 1) && (H <= 1 || s2 === W) && (C <= 1 || s1 === H * W);
}

/** Byte offsets (in the engine's memory) of the conv's data above the GEMM's area in the workspace (Note [Conv workspace]). */
function workspace(gemmBytes: number, ...sizes: number[]): { at: number[]; f32: Float32Array } | undefined {
  const at: number[] = [];
  let p = align(gemmBytes);
  for (const n of sizes) {
    at.push(p);
    p = align(p + 4 * n);
  }
  // past the limit (the engine's memory is at most 2 GiB and never shrinks) the JS path runs
  if (p > convColumns.maxWorkspaceBytes) return undefined;
  const { f32, base } = gemmWorkspace(p);
  return { at: at.map((q) => base + q), f32 };
}

/** Write the column ranges of `g` (Int32 triples lo, hi, iw0 per kw) at byte `at`. */
function writeRanges(g: Geo, buf: ArrayBufferLike, at: number): void {
  const r = colRanges(g);
  const t = new Int32Array(buf, at, 3 * g.KW);
  for (let kw = 0; kw < g.KW; kw++) {
    const lo = r[2 * kw]!;
    t[3 * kw] = lo;
    t[3 * kw + 1] = r[2 * kw + 1]!;
    t[3 * kw + 2] = lo * g.sw - g.pw + kw * g.dw;
  }
}

/** A 1x1 kernel with stride 1 and no padding: the columns are the input planes themselves. */
function pointwise(g: Geo): boolean {
  return g.KH === 1 && g.KW === 1 && g.sh === 1 && g.sw === 1 && g.ph === 0 && g.pw === 0;
}

/**
 * Columns of one sample's group block (x[xo ..], dense) at float index `cols` with row stride
 * `ld` floats: im2col in wasm on a copy of the block at byte `xAt`, or for a pointwise conv
 * one row copy per channel.
 */
function columns(
  k: Im2colFns,
  g: Geo,
  X: Float32Array,
  xo: number,
  E: Float32Array,
  xAt: number,
  rAt: number,
  cols: number,
  ld: number,
): void {
  if (pointwise(g)) {
    for (let c = 0; c < g.Cg; c++) E.set(X.subarray(xo + c * g.L, xo + (c + 1) * g.L), cols + c * ld);
    return;
  }
  E.set(X.subarray(xo, xo + g.Cg * g.H * g.W), xAt / 4);
  walk(k.im2col, g, xAt, rAt, 4 * cols, 4 * ld, true);
}

/** The (first sample, samples, group) of each GEMM, chunk by chunk. */
function chunkUnits(g: Geo, nb: number): Array<[number, number, number]> {
  const units: Array<[number, number, number]> = [];
  for (let n0 = 0; n0 < g.N; n0 += nb) for (let gr = 0; gr < g.G; gr++) units.push([n0, Math.min(nb, g.N - n0), gr]);
  return units;
}

type Walk = (...args: number[]) => void;
/** im2col / col2im of one sample's group block at byte `plane` against columns at byte `cols` (row stride `ld` bytes). */
function walk(f: Walk, g: Geo, plane: number, ranges: number, cols: number, ld: number, toCols: boolean): void {
  const src = toCols ? plane : cols;
  const dst = toCols ? cols : plane;
  f(src, g.Cg, g.H, g.W, g.KH, g.KW, g.sh, g.sw, g.ph, g.dh, g.OH, g.OW, ranges, dst, ld);
}

/** `FusedKernels.conv2d` with wasm im2col; false to decline (see the file comment). */
export function conv2dColumns(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): boolean {
  const X = f32(x),
    Wt = f32(w),
    O = f32(out),
    Bs = bias ? f32(bias) : undefined;
  const lcs = planeStride(out);
  const k = convColumns.enabled ? kernels() : null;
  if (!k || !X || !Wt || !O || (bias && !Bs) || lcs === undefined || !denseSamples(x)) return false;
  const g = geometry(x.shape, w.shape, out.shape, p);
  if (empty(g)) return false;
  const [wa, wo, wrs, wcs] = weightMatrix(g, Wt, w);
  const nb = samplesPerGemm(g);
  const NL = nb * g.L;
  const block = g.Cg * g.H * g.W;
  const gemm = gemmFootprint(g.COg, NL, g.CKK, (g.COg - 1) * wrs + (g.CKK - 1) * wcs + 1, 0);
  const ws = workspace(gemm, 3 * g.KW, block, g.CO, g.CKK * NL);
  if (!ws) return false;
  const {
    at: [rAt, xAt, bAt, cAt],
    f32: E,
  } = ws;
  writeRanges(g, E.buffer, rAt!);
  if (bias && Bs) for (let co = 0; co < g.CO; co++) E[bAt! / 4 + co] = Bs[bias.offset + co * bias.strides[0]!]!;
  const [x0, x1] = x.strides as [number, number];
  const [o0, o1] = out.strides as [number, number];
  // (chunk, group) units; the next unit's columns are built while this unit's GEMM runs
  const units = chunkUnits(g, nb);
  const fill = (u: number): void => {
    const [n0, m, gr] = units[u]!;
    for (let j = 0; j < m; j++) columns(k, g, X, x.offset + (n0 + j) * x0 + gr * g.Cg * x1, E, xAt!, rAt!, cAt! / 4 + j * g.L, m * g.L);
  };
  fill(0);
  for (let u = 0; u < units.length; u++) {
    const [n0, m, gr] = units[u]!;
    const NLc = m * g.L;
    const next = u + 1 < units.length ? () => fill(u + 1) : undefined;
    const r = sgemmIn(
      g.COg,
      NLc,
      g.CKK,
      { data: wa, off: wo + gr * g.COg * wrs, rs: wrs, cs: wcs },
      { off: cAt! / 4, rs: NLc, cs: 1 },
      null,
      false,
      during(next),
    );
    after(next);
    if (bias) k.rowBias(4 * r.c, 4 * r.ldc, bAt! + 4 * gr * g.COg, g.COg, NLc);
    for (let co = 0; co < g.COg; co++)
      for (let j = 0; j < m; j++) {
        const s = r.c + co * r.ldc + j * g.L;
        const d = out.offset + (n0 + j) * o0 + (gr * g.COg + co) * o1;
        if (lcs === 1) O.set(E.subarray(s, s + g.L), d);
        else for (let l = 0; l < g.L; l++) O[d + l * lcs] = E[s + l]!;
      }
  }
  return true;
}

/**
 * Copy gradOut[n0 .. n0+nb, group gr] as a [COg, nb*L] matrix to float index `at` of E (the
 * batched path's B operand), a row copy per (co, sample) when the plane is a dense row.
 */
function gatherGrad(
  g: Geo,
  GO: Float32Array,
  gv: TensorView,
  q3: number,
  n0: number,
  nb: number,
  gr: number,
  E: Float32Array,
  at: number,
): void {
  const [q0, q1] = gv.strides as [number, number];
  const NL = nb * g.L;
  for (let co = 0; co < g.COg; co++)
    for (let j = 0; j < nb; j++) {
      const src = gv.offset + (n0 + j) * q0 + (gr * g.COg + co) * q1;
      const dst = at + co * NL + j * g.L;
      if (q3 === 1) E.set(GO.subarray(src, src + g.L), dst);
      else for (let l = 0; l < g.L; l++) E[dst + l] = GO[src + l * q3]!;
    }
}

/** `FusedKernels.conv2dBackwardInput` with wasm col2im; false to decline. */
export function conv2dBackwardInputColumns(gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): boolean {
  const GO = f32(gradOut),
    Wt = f32(w),
    GI = f32(gradIn);
  const q3 = planeStride(gradOut);
  const k = convColumns.enabled ? kernels() : null;
  if (!k || !GO || !Wt || !GI || q3 === undefined || !denseSamples(gradIn)) return false;
  const g = geometry(gradIn.shape, w.shape, gradOut.shape, p);
  if (empty(g)) return false;
  const [wa, wo, wrs, wcs] = weightMatrix(g, Wt, w);
  const nb = samplesPerGemm(g);
  const NL = nb * g.L;
  const sample = g.C * g.H * g.W;
  const [q0, q1] = gradOut.strides as [number, number];
  const bSpan = nb === 1 ? (g.COg - 1) * q1 + (g.L - 1) * q3 + 1 : 0;
  const gemm = gemmFootprint(g.CKK, NL, g.COg, (g.COg - 1) * wrs + (g.CKK - 1) * wcs + 1, bSpan);
  const cSize = gemmCSize(g.CKK, NL);
  const ws = workspace(gemm, 3 * g.KW, nb > 1 ? g.COg * NL : 0, nb * sample, cSize, cSize);
  if (!ws) return false;
  const {
    at: [rAt, gAt, iAt, c0At, c1At],
    f32: E,
  } = ws;
  writeRanges(g, E.buffer, rAt!);
  const s0 = gradIn.strides[0]!;
  // (chunk, group) units: unit u's GEMM writes its columns to one of two C blocks while the
  // previous unit's col2im reads the other (and the next unit's gradient is gathered)
  const units = chunkUnits(g, nb);
  const results: Array<{ c: number; ldc: number }> = [];
  const prepare = (u: number): void => {
    const [n0, m, gr] = units[u]!;
    if (nb > 1) gatherGrad(g, GO, gradOut, q3, n0, m, gr, E, gAt! / 4);
  };
  const finish = (u: number): void => {
    const [n0, m, gr] = units[u]!;
    const r = results[u]!;
    if (gr === 0) E.fill(0, iAt! / 4, iAt! / 4 + m * sample);
    for (let j = 0; j < m; j++) {
      const plane = iAt! + 4 * (j * sample + gr * g.Cg * g.H * g.W);
      walk(k.col2im, g, plane, rAt!, 4 * (r.c + j * g.L), 4 * r.ldc, false);
    }
    if (gr === g.G - 1)
      for (let j = 0; j < m; j++) {
        const s = iAt! / 4 + j * sample;
        GI.set(E.subarray(s, s + sample), gradIn.offset + (n0 + j) * s0);
      }
  };
  prepare(0);
  for (let u = 0; u < units.length; u++) {
    const [n0, m, gr] = units[u]!;
    const NLc = m * g.L;
    // cols [CKK, m*L] = W_g^T [CKK, COg] @ gradOut[n0.., g] [COg, m*L]
    const B = nb > 1 ? { off: gAt! / 4, rs: NLc, cs: 1 } : { data: GO, off: gradOut.offset + n0 * q0 + gr * g.COg * q1, rs: q1, cs: q3 };
    const next = (): void => {
      if (u > 0) finish(u - 1);
      if (u + 1 < units.length) prepare(u + 1);
    };
    const A = { data: wa, off: wo + gr * g.COg * wrs, rs: wcs, cs: wrs };
    results[u] = sgemmIn(g.CKK, NLc, g.COg, A, B, null, false, during(next), (u % 2 ? c1At! : c0At!) / 4);
    after(next);
  }
  finish(units.length - 1);
  return true;
}

/** `FusedKernels.conv2dBackwardWeight` with wasm im2col; false to decline. */
export function conv2dBackwardWeightColumns(gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): boolean {
  const GO = f32(gradOut),
    X = f32(x),
    GW = f32(gradW);
  const q3 = planeStride(gradOut);
  const k = convColumns.enabled ? kernels() : null;
  if (!k || !GO || !X || !GW || q3 === undefined || !denseSamples(x)) return false;
  const g = geometry(x.shape, gradW.shape, gradOut.shape, p);
  if (empty(g)) return false;
  const [wa, wo, wrs, wcs] = weightMatrix(g, GW, gradW);
  const direct = wa === GW; // else a flat [CO, CKK] copy, written back below
  const nb = samplesPerGemm(g);
  const NL = nb * g.L;
  const block = g.Cg * g.H * g.W;
  const [q0, q1] = gradOut.strides as [number, number];
  const [x0, x1] = x.strides as [number, number];
  const aSpan = nb === 1 ? (g.COg - 1) * q1 + (g.L - 1) * q3 + 1 : 0;
  const gemm = gemmFootprint(g.COg, g.CKK, NL, aSpan, 0);
  const ws = workspace(gemm, 3 * g.KW, block, nb > 1 ? g.COg * NL : 0, g.CKK * NL);
  if (!ws) return false;
  const {
    at: [rAt, xAt, gAt, cAt],
    f32: E,
  } = ws;
  writeRanges(g, E.buffer, rAt!);
  // (chunk, group) units; the next unit's columns (and gathered gradient) are built while this unit's GEMM runs
  const units = chunkUnits(g, nb);
  const fill = (u: number): void => {
    const [n0, m, gr] = units[u]!;
    for (let j = 0; j < m; j++) columns(k, g, X, x.offset + (n0 + j) * x0 + gr * g.Cg * x1, E, xAt!, rAt!, cAt! / 4 + j * g.L, m * g.L);
    if (nb > 1) gatherGrad(g, GO, gradOut, q3, n0, m, gr, E, gAt! / 4);
  };
  fill(0);
  for (let u = 0; u < units.length; u++) {
    const [n0, m, gr] = units[u]!;
    const NLc = m * g.L;
    const A = nb > 1 ? { off: gAt! / 4, rs: NLc, cs: 1 } : { data: GO, off: gradOut.offset + n0 * q0 + gr * g.COg * q1, rs: q1, cs: q3 };
    // gradW_g [COg, CKK] (+)= gradOut [COg, m*L] @ cols^T [m*L, CKK]
    const C = { data: wa, off: wo + gr * g.COg * wrs, rs: wrs, cs: wcs };
    const next = u + 1 < units.length ? () => fill(u + 1) : undefined;
    sgemmIn(g.COg, g.CKK, NLc, A, { off: cAt! / 4, rs: 1, cs: NLc }, C, n0 > 0, during(next));
    after(next);
  }
  if (!direct) {
    const [s0, s1, s2, s3] = gradW.strides as [number, number, number, number];
    let d = 0;
    for (let o = 0; o < g.CO; o++)
      for (let c = 0; c < g.Cg; c++)
        for (let kh = 0; kh < g.KH; kh++)
          for (let kw = 0; kw < g.KW; kw++) GW[gradW.offset + o * s0 + c * s1 + kh * s2 + kw * s3] = wa[d++]!;
  }
  return true;
}
