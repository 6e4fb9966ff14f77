/**
 * conv2d forward and backward (input, weight) for float32 NCHW views, via im2col and
 * the wasm SGEMM. Signatures match `FusedKernels` of @dl/tensor; each returns false
 * (declines) for anything but float32 typed-array buffers, so a caller can fall back.
 *
 * For batch n and group g, with L = OH*OW and CKK = Cin/g * KH * KW:
 *   cols[CKK, L]  = im2col(x[n, g])
 *   out[n, g]     = W_g [Cout/g, CKK] @ cols              (+ bias)
 *   gradIn[n, g]  = col2im(W_g^T @ gradOut[n, g])
 *   gradW_g      += gradOut[n, g] [Cout/g, L] @ cols^T
 *
 * @example
 * conv2dWasm(x, w, null, out, { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 });
 */
import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { conv2dBackwardInputColumns, conv2dBackwardWeightColumns, conv2dColumns } from './conv2d-columns.js';
import { batched, colRanges, f32, type Geo, geometry, planeStride, weightMatrix } from './conv2d-geometry.js';
import { sgemm } from './gemm.js';

export { convTuning } from './conv2d-geometry.js';

let scratch = new Float32Array(0);
function cols(n: number): Float32Array {
  if (scratch.length < n) scratch = new Float32Array(Math.max(n, Math.ceil(scratch.length * 1.5)));
  return scratch;
}
let scratch2 = new Float32Array(0);
function cols2(n: number): Float32Array {
  if (scratch2.length < n) scratch2 = new Float32Array(Math.max(n, Math.ceil(scratch2.length * 1.5)));
  return scratch2;
}

/** gg[co, n*L + l] = gradOut[n, gr*COg + co, l] (a [COg, N*L] matrix). */
function gatherGrad(g: Geo, GO: Float32Array, gv: TensorView, q3: number, gr: number, gg: Float32Array): void {
  const [q0, q1] = gv.strides as [number, number];
  const NL = g.N * g.L;
  for (let co = 0; co < g.COg; co++)
    for (let n = 0; n < g.N; n++) {
      const src = gv.offset + n * q0 + (gr * g.COg + co) * q1;
      const dst = co * NL + n * g.L;
      if (q3 === 1) gg.set(GO.subarray(src, src + g.L), dst);
      else for (let l = 0; l < g.L; l++) gg[dst + l] = GO[src + l * q3]!;
    }
}

/**
 * im2col for stride 1, dilation 1 and "same" width (OW = W) over planes with contiguous rows:
 * each cols row is the input plane shifted by (kh - ph, kw - pw), so the valid rows move in
 * one `TypedArray.set` (a memcpy) and only the `|kw - pw|` border columns of each row, which
 * the block copy filled from the neighbouring row, are zeroed afterwards.
 */
function im2colSame(g: Geo, x: Float32Array, base0: number, cs: number, dst: Float32Array, ld: number, d0: number): void {
  const { OH, OW, W } = g;
  let rowIdx = 0;
  for (let c = 0; c < g.Cg; c++) {
    const base = base0 + c * cs;
    for (let kh = 0; kh < g.KH; kh++) {
      const ohLo = Math.min(OH, Math.max(0, g.ph - kh));
      const ohHi = Math.max(ohLo, Math.min(OH, g.H + g.ph - kh));
      for (let kw = 0; kw < g.KW; kw++) {
        const d = rowIdx++ * ld + d0;
        const shift = kw - g.pw; // iw = ow + shift
        dst.fill(0, d, d + ohLo * OW);
        dst.fill(0, d + ohHi * OW, d + OH * OW);
        if (ohHi === ohLo) continue;
        if (shift <= -OW || shift >= OW) {
          dst.fill(0, d + ohLo * OW, d + ohHi * OW);
          continue;
        }
        // skip the border elements that would read outside the plane at either end
        const head = Math.max(0, -shift),
          tail = Math.max(0, shift);
        const src = base + (ohLo + kh - g.ph) * W + shift + head;
        const count = (ohHi - ohLo) * OW - head - tail;
        if (count > 0) dst.set(x.subarray(src, src + count), d + ohLo * OW + head);
        for (let oh = ohLo; oh < ohHi; oh++) {
          const r = d + oh * OW;
          if (shift < 0) dst.fill(0, r, r - shift);
          else if (shift > 0) dst.fill(0, r + OW - shift, r + OW);
        }
      }
    }
  }
}

/** cols[(c*KH+kh)*KW+kw, oh*OW+ow] = x[n, c0+c, oh*sh-ph+kh*dh, ow*sw-pw+kw*dw] (0 outside). */
function im2col(g: Geo, x: Float32Array, xv: TensorView, n: number, c0: number, dst: Float32Array, ld = g.L, d0 = 0): void {
  const [s0, s1, s2, s3] = xv.strides as [number, number, number, number];
  if (g.sw === 1 && g.sh === 1 && g.dw === 1 && g.dh === 1 && s3 === 1 && s2 === g.W && g.OW === g.W) {
    im2colSame(g, x, xv.offset + n * s0 + c0 * s1, s1, dst, ld, d0);
    return;
  }
  const ranges = colRanges(g);
  const OW = g.OW;
  const step = g.sw * s3;
  let d = 0;
  let rowIdx = 0;
  for (let c = 0; c < g.Cg; c++) {
    const base = xv.offset + n * s0 + (c0 + c) * s1;
    for (let kh = 0; kh < g.KH; kh++) {
      for (let kw = 0; kw < g.KW; kw++) {
        d = rowIdx++ * ld + d0;
        const lo = ranges[2 * kw]!,
          hi = ranges[2 * kw + 1]!;
        const iw0 = lo * g.sw - g.pw + kw * g.dw;
        for (let oh = 0; oh < g.OH; oh++) {
          const ih = oh * g.sh - g.ph + kh * g.dh;
          if (ih < 0 || ih >= g.H || lo >= hi) {
            dst.fill(0, d, d + OW);
            d += OW;
            continue;
          }
          for (let e = d + lo; d < e; d++) dst[d] = 0;
          let q = base + ih * s2 + iw0 * s3;
          for (let e = d + hi - lo; d < e; d++, q += step) dst[d] = x[q]!;
          for (let e = d + OW - hi; d < e; d++) dst[d] = 0;
        }
      }
    }
  }
}

/** gradIn[n, c0+c, ih, iw] += cols[...] (the adjoint of im2col). */
function col2im(g: Geo, src: Float32Array, gi: Float32Array, gv: TensorView, n: number, c0: number, ld = g.L, d0 = 0): void {
  const [s0, s1, s2, s3] = gv.strides as [number, number, number, number];
  const ranges = colRanges(g);
  const OW = g.OW;
  const step = g.sw * s3;
  let d = 0;
  let rowIdx = 0;
  for (let c = 0; c < g.Cg; c++) {
    const base = gv.offset + n * s0 + (c0 + c) * s1;
    for (let kh = 0; kh < g.KH; kh++) {
      for (let kw = 0; kw < g.KW; kw++) {
        d = rowIdx++ * ld + d0;
        const lo = ranges[2 * kw]!,
          hi = ranges[2 * kw + 1]!;
        const iw0 = lo * g.sw - g.pw + kw * g.dw;
        for (let oh = 0; oh < g.OH; oh++, d += OW) {
          const ih = oh * g.sh - g.ph + kh * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          let q = base + ih * s2 + iw0 * s3;
          for (let j = d + lo, e = d + hi; j < e; j++, q += step) gi[q]! += src[j]!;
        }
      }
    }
  }
}

/** `FusedKernels.conv2d` on wasm SGEMM; false when not float32. */
export function conv2dWasm(x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): boolean {
  if (conv2dColumns(x, w, bias, out, p)) return true;
  const X = f32(x),
    Wt = f32(w),
    O = f32(out),
    Bs = bias ? f32(bias) : undefined;
  const lcs = planeStride(out);
  if (!X || !Wt || !O || (bias && !Bs) || lcs === undefined) return false;
  const g = geometry(x.shape, w.shape, out.shape, p);
  const [wa, wo, wrs, wcs] = weightMatrix(g, Wt, w);
  const [o0, o1] = out.strides as [number, number, number, number];
  if (batched(g)) {
    const NL = g.N * g.L;
    const buf = cols(g.CKK * NL);
    const tmp = cols2(g.COg * NL);
    for (let gr = 0; gr < g.G; gr++) {
      for (let n = 0; n < g.N; n++) im2col(g, X, x, n, gr * g.Cg, buf, NL, n * g.L);
      sgemm(g.COg, NL, g.CKK, wa, wo + gr * g.COg * wrs, wrs, wcs, buf, 0, NL, 1, tmp, 0, NL, false);
      for (let co = 0; co < g.COg; co++) {
        const bv = bias && Bs ? Bs[bias.offset + (gr * g.COg + co) * bias.strides[0]!]! : 0;
        for (let n = 0; n < g.N; n++) {
          const src = co * NL + n * g.L;
          const dst = out.offset + n * o0 + (gr * g.COg + co) * o1;
          for (let l = 0; l < g.L; l++) O[dst + l * lcs] = tmp[src + l]! + bv;
        }
      }
    }
    return true;
  }
  const buf = cols(g.CKK * g.L);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.G; gr++) {
      im2col(g, X, x, n, gr * g.Cg, buf);
      const oOff = out.offset + n * o0 + gr * g.COg * o1;
      sgemm(g.COg, g.L, g.CKK, wa, wo + gr * g.COg * wrs, wrs, wcs, buf, 0, g.L, 1, O, oOff, o1, false, lcs);
      if (bias && Bs) {
        for (let co = 0; co < g.COg; co++) {
          const bv = Bs[bias.offset + (gr * g.COg + co) * bias.strides[0]!]!;
          const r = oOff + co * o1;
          for (let l = 0; l < g.L; l++) O[r + l * lcs]! += bv;
        }
      }
    }
  }
  return true;
}

/** `FusedKernels.conv2dBackwardInput` on wasm SGEMM; false when not float32. */
export function conv2dBackwardInputWasm(gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): boolean {
  if (conv2dBackwardInputColumns(gradOut, w, gradIn, p)) return true;
  const GO = f32(gradOut),
    Wt = f32(w),
    GI = f32(gradIn);
  const q3 = planeStride(gradOut);
  if (!GO || !Wt || !GI || q3 === undefined) return false;
  const g = geometry(gradIn.shape, w.shape, gradOut.shape, p);
  const [wa, wo, wrs, wcs] = weightMatrix(g, Wt, w);
  const [q0, q1] = gradOut.strides as [number, number, number, number];
  // zero gradIn
  const [s0, s1, s2, s3] = gradIn.strides as [number, number, number, number];
  for (let n = 0; n < g.N; n++)
    for (let c = 0; c < g.C; c++)
      for (let h = 0; h < g.H; h++) {
        const r = gradIn.offset + n * s0 + c * s1 + h * s2;
        for (let x = 0; x < g.W; x++) GI[r + x * s3] = 0;
      }
  if (batched(g)) {
    const NL = g.N * g.L;
    const buf = cols(g.CKK * NL);
    const gg = cols2(g.COg * NL);
    for (let gr = 0; gr < g.G; gr++) {
      gatherGrad(g, GO, gradOut, q3, gr, gg);
      // cols[CKK, N*L] = W_g^T [CKK, COg] @ gg [COg, N*L]
      sgemm(g.CKK, NL, g.COg, wa, wo + gr * g.COg * wrs, wcs, wrs, gg, 0, NL, 1, buf, 0, NL, false);
      for (let n = 0; n < g.N; n++) col2im(g, buf, GI, gradIn, n, gr * g.Cg, NL, n * g.L);
    }
    return true;
  }
  const buf = cols(g.CKK * g.L);
  for (let n = 0; n < g.N; n++) {
    for (let gr = 0; gr < g.G; gr++) {
      // cols[CKK, L] = W_g^T [CKK, COg] @ gradOut[n, g] [COg, L]
      sgemm(
        g.CKK,
        g.L,
        g.COg,
        wa,
        wo + gr * g.COg * wrs,
        wcs,
        wrs,
        GO,
        gradOut.offset + n * q0 + gr * g.COg * q1,
        q1,
        q3,
        buf,
        0,
        g.L,
        false,
      );
      col2im(g, buf, GI, gradIn, n, gr * g.Cg);
    }
  }
  return true;
}

/** `FusedKernels.conv2dBackwardWeight` on wasm SGEMM; false when not float32. */
export function conv2dBackwardWeightWasm(gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): boolean {
  if (conv2dBackwardWeightColumns(gradOut, x, gradW, p)) return true;
  const GO = f32(gradOut),
    X = f32(x),
    GW = f32(gradW);
  const q3 = planeStride(gradOut);
  if (!GO || !X || !GW || q3 === undefined) return false;
  const g = geometry(x.shape, gradW.shape, gradOut.shape, p);
  const [q0, q1] = gradOut.strides as [number, number, number, number];
  const [wa, wo, wrs, wcs] = weightMatrix(g, GW, gradW);
  const direct = wa === GW;
  const acc = direct ? GW : wa; // a flat copy when gradW is not a flat [CO, CKK] matrix
  if (g.N * g.L === 0) {
    // no terms (no samples or an empty output): the gradient is zero, not what the buffer held
    for (let o = 0; o < g.CO; o++) for (let k = 0; k < g.CKK; k++) acc[wo + o * wrs + k * wcs] = 0;
  } else if (batched(g)) {
    const NL = g.N * g.L;
    const buf = cols(g.CKK * NL);
    const gg = cols2(g.COg * NL);
    for (let gr = 0; gr < g.G; gr++) {
      for (let n = 0; n < g.N; n++) im2col(g, X, x, n, gr * g.Cg, buf, NL, n * g.L);
      gatherGrad(g, GO, gradOut, q3, gr, gg);
      // gradW_g [COg, CKK] = gg [COg, N*L] @ cols^T [N*L, CKK]
      sgemm(g.COg, g.CKK, NL, gg, 0, NL, 1, buf, 0, 1, NL, acc, wo + gr * g.COg * wrs, wrs, false, wcs);
    }
  } else {
    const buf = cols(g.CKK * g.L);
    for (let n = 0; n < g.N; n++) {
      for (let gr = 0; gr < g.G; gr++) {
        im2col(g, X, x, n, gr * g.Cg, buf);
        // gradW_g [COg, CKK] (+)= gradOut[n, g] [COg, L] @ cols^T [L, CKK]
        sgemm(
          g.COg,
          g.CKK,
          g.L,
          GO,
          gradOut.offset + n * q0 + gr * g.COg * q1,
          q1,
          q3,
          buf,
          0,
          1,
          g.L,
          acc,
          wo + gr * g.COg * wrs,
          wrs,
          n > 0,
          wcs,
        );
      }
    }
  }
  if (!direct) {
    const [s0, s1, s2, s3] = gradW.strides as [number, number, number, number];
    let d = 0;
    for (let o = 0; o < g.CO; o++)
      for (let c = 0; c < g.Cg; c++)
        for (let kh = 0; kh < g.KH; kh++)
          for (let kw = 0; kw < g.KW; kw++) GW[gradW.offset + o * s0 + c * s1 + kh * s2 + kw * s3] = acc[d++]!;
  }
  return true;
}
