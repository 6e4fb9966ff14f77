import type { Pool2dParams, TensorView } from '@dl/tensor/backend';
import type { CpuBuffer } from '../buffer.js';

/**
 * Note [Fast pooling kernels]
 * Pooling forward over contiguous NCHW input (float32 or float64), tried before the reference
 * kernels of conv.ts (`CpuBackend.fast.maxPool2d` / `avgPool2d`; they return false to decline:
 * other dtypes, non-contiguous views). The reference kernel tests every window position
 * against the input bounds; these clip each window once per row / column instead (tables of
 * the valid kernel range per output column), and the 2x2 stride-2 max pool without padding
 * (LeNet, ResNet's stem has 3x3) reads its four values straight from two rows.
 * Max pooling keeps torch's cpu rule exactly: a window value replaces the running maximum
 * when `v > max || isnan(v)` (so the last NaN of a window wins, and its index is returned),
 * the running maximum starting at -inf with the window's first position as index.
 */

function contiguous(v: TensorView): boolean {
  let s = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d]! !== 1 && v.strides[d]! !== s) return false;
    s *= v.shape[d]!;
  }
  return true;
}

function floatBuf(v: TensorView): boolean {
  return (v.dtype === 'float32' || v.dtype === 'float64') && contiguous(v);
}

/** Valid kernel taps per output column: kernel index range [lo, hi) with position inside [0, size). */
function tapRange(O: number, size: number, k: number, s: number, p: number, d: number): { lo: Int32Array; hi: Int32Array } {
  const lo = new Int32Array(O);
  const hi = new Int32Array(O);
  for (let o = 0; o < O; o++) {
    const start = o * s - p;
    let a = 0;
    while (a < k && start + a * d < 0) a++;
    let b = k;
    while (b > a && start + (b - 1) * d >= size) b--;
    lo[o] = a;
    hi[o] = b;
  }
  return { lo, hi };
}

/** 2x2, stride 2, no padding, no dilation, every window inside the input. */
function maxPool2x2(
  X: CpuBuffer,
  xo: number,
  NC: number,
  H: number,
  W: number,
  OH: number,
  OW: number,
  O: CpuBuffer,
  oo: number,
  I: Int32Array,
  io: number,
): void {
  let q = 0;
  for (let nc = 0; nc < NC; nc++) {
    const plane = xo + nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const rel0 = 2 * oh * W;
      const r0 = plane + rel0;
      const r1 = r0 + W;
      const oq = oo + q;
      const iq = io + q;
      for (let ow = 0; ow < OW; ow++) {
        const c = 2 * ow;
        let best = X[r0 + c]!;
        let bi = rel0 + c;
        let v = X[r0 + c + 1]!;
        if (v > best || v !== v) {
          best = v;
          bi = rel0 + c + 1;
        }
        v = X[r1 + c]!;
        if (v > best || v !== v) {
          best = v;
          bi = rel0 + W + c;
        }
        v = X[r1 + c + 1]!;
        if (v > best || v !== v) {
          best = v;
          bi = rel0 + W + c + 1;
        }
        O[oq + ow] = best;
        I[iq + ow] = bi;
      }
      q += OW;
    }
  }
}

/**
 * Max pooling with torch's indices on contiguous float input; false to decline.
 *
 * @example
 * if (!maxPool2dFast(x, out, indices, p)) convK.maxPool2d(x, out, indices, p);
 */
export function maxPool2dFast(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): boolean {
  if (!floatBuf(x) || out.dtype !== x.dtype || !contiguous(out) || indices.dtype !== 'int32' || !contiguous(indices)) return false;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = out.shape[2]!;
  const OW = out.shape[3]!;
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const X = x.buffer as CpuBuffer;
  const O = out.buffer as CpuBuffer;
  const I = indices.buffer as Int32Array;
  if (KH === 2 && KW === 2 && sh === 2 && sw === 2 && ph === 0 && pw === 0 && dh === 1 && dw === 1 && 2 * OH <= H && 2 * OW <= W) {
    maxPool2x2(X, x.offset, N * C, H, W, OH, OW, O, out.offset, I, indices.offset);
    return true;
  }
  const rows = tapRange(OH, H, KH, sh, ph, dh);
  const cols = tapRange(OW, W, KW, sw, pw, dw);
  let q = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const plane = x.offset + nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = oh * sh - ph;
      const khLo = rows.lo[oh]!;
      const khHi = rows.hi[oh]!;
      for (let ow = 0; ow < OW; ow++, q++) {
        const w0 = ow * sw - pw;
        const kwLo = cols.lo[ow]!;
        const kwHi = cols.hi[ow]!;
        let best = Number.NEGATIVE_INFINITY;
        // torch's initial index: the window's first position inside the input
        let bi = khLo < khHi && kwLo < kwHi ? (h0 + khLo * dh) * W + w0 + kwLo * dw : 0;
        for (let kh = khLo; kh < khHi; kh++) {
          const rel = (h0 + kh * dh) * W + w0;
          const row = plane + rel;
          for (let kw = kwLo; kw < kwHi; kw++) {
            const v = X[row + kw * dw]!;
            if (v > best || v !== v) {
              best = v;
              bi = rel + kw * dw;
            }
          }
        }
        O[out.offset + q] = best;
        I[indices.offset + q] = bi;
      }
    }
  }
  return true;
}

/**
 * Average pooling with PyTorch's divisor on contiguous float input; false to decline.
 *
 * @example
 * if (!avgPool2dFast(x, out, p)) convK.avgPool2d(x, out, p);
 */
export function avgPool2dFast(x: TensorView, out: TensorView, p: Pool2dParams): boolean {
  if (!floatBuf(x) || out.dtype !== x.dtype || !contiguous(out)) return false;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = out.shape[2]!;
  const OW = out.shape[3]!;
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const include = p.countIncludePad ?? true;
  const X = x.buffer as CpuBuffer;
  const O = out.buffer as CpuBuffer;
  // per output column: clipped range and the padded extent; per row the same
  const ws0 = new Int32Array(OW);
  const ws1 = new Int32Array(OW);
  const wpad = new Int32Array(OW);
  for (let ow = 0; ow < OW; ow++) {
    const s = ow * sw - pw;
    const e = Math.min(s + KW, W + pw);
    wpad[ow] = e - s;
    ws0[ow] = Math.max(s, 0);
    ws1[ow] = Math.min(e, W);
  }
  let q = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const plane = x.offset + nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const s = oh * sh - ph;
      const e = Math.min(s + KH, H + ph);
      const hpad = e - s;
      const hs = Math.max(s, 0);
      const he = Math.min(e, H);
      for (let ow = 0; ow < OW; ow++, q++) {
        const a = ws0[ow]!;
        const b = ws1[ow]!;
        let acc = 0; // a double, as the reference kernel's accumulator
        for (let h = hs; h < he; h++) {
          const row = plane + h * W;
          for (let w = a; w < b; w++) acc += X[row + w]!;
        }
        const n = include ? hpad * wpad[ow]! : (he - hs) * (b - a);
        O[out.offset + q] = n > 0 ? acc / n : 0;
      }
    }
  }
  return true;
}
