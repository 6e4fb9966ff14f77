import type { DType } from '@dl/tensor';
import type { Conv2dParams, Pool2dParams, TensorView } from '@dl/tensor/backend';
import { hostArray } from '@dl/tensor';
import type { CpuBuffer } from '../buffer.js';

/**
 * Note [cpu conv kernels]
 * conv2d is im2col + GEMM: for each group the input windows are unrolled into a contiguous
 * column buffer [K = Cg*KH*KW, N*L] (L = OH*OW) and multiplied with the backend's own
 * `matmul`, so whatever fast GEMM the backend routes to (WASM SIMD) runs underneath.
 * Inputs are contiguous (the op layer makes them so); outputs are contiguous and fully written.
 */
export interface ConvEnv {
  matmul(a: TensorView, b: TensorView, out: TensorView): void;
  allocate(dtype: DType, n: number): CpuBuffer;
  free(buf: CpuBuffer, dtype: DType): void;
}

interface Geo {
  N: number;
  C: number;
  H: number;
  W: number;
  Co: number;
  Cg: number;
  Cog: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  G: number;
}

function geo(x: readonly number[], w: readonly number[], o: readonly number[], p: Conv2dParams): Geo {
  const [N, C, H, W] = x as [number, number, number, number];
  const [Co, Cg, KH, KW] = w as [number, number, number, number];
  return { N, C, H, W, Co, Cg, Cog: Co / p.groups, KH, KW, OH: o[2]!, OW: o[3]!, G: p.groups };
}

function view(buffer: CpuBuffer, dtype: DType, shape: number[], strides: number[], offset = 0): TensorView {
  return { buffer, dtype, shape, strides, offset };
}

/** cols[k, n*L + l] for group `gi` (k = (c*KH + kh)*KW + kw). */
function im2col(X: CpuBuffer, xOff: number, g: Geo, p: Conv2dParams, gi: number, cols: CpuBuffer): void {
  const { N, C, H, W, Cg, KH, KW, OH, OW } = g;
  const L = OH * OW;
  const NL = N * L;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  for (let c = 0; c < Cg; c++)
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++) {
        const row = ((c * KH + kh) * KW + kw) * NL;
        for (let n = 0; n < N; n++) {
          const plane = xOff + (n * C + gi * Cg + c) * H * W;
          let q = row + n * L;
          for (let oh = 0; oh < OH; oh++) {
            const h = oh * sh - ph + kh * dh;
            if (h < 0 || h >= H) {
              for (let ow = 0; ow < OW; ow++) cols[q++] = 0;
              continue;
            }
            const rowOff = plane + h * W;
            for (let ow = 0; ow < OW; ow++) {
              const w = ow * sw - pw + kw * dw;
              cols[q++] = w >= 0 && w < W ? X[rowOff + w]! : 0;
            }
          }
        }
      }
}

/** gradIn (zeroed) += col2im(cols) for group `gi`. */
function col2im(cols: CpuBuffer, g: Geo, p: Conv2dParams, gi: number, GI: CpuBuffer, gOff: number): void {
  const { N, C, H, W, Cg, KH, KW, OH, OW } = g;
  const L = OH * OW;
  const NL = N * L;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  for (let c = 0; c < Cg; c++)
    for (let kh = 0; kh < KH; kh++)
      for (let kw = 0; kw < KW; kw++) {
        const row = ((c * KH + kh) * KW + kw) * NL;
        for (let n = 0; n < N; n++) {
          const plane = gOff + (n * C + gi * Cg + c) * H * W;
          let q = row + n * L;
          for (let oh = 0; oh < OH; oh++) {
            const h = oh * sh - ph + kh * dh;
            if (h < 0 || h >= H) {
              q += OW;
              continue;
            }
            const rowOff = plane + h * W;
            for (let ow = 0; ow < OW; ow++, q++) {
              const w = ow * sw - pw + kw * dw;
              if (w >= 0 && w < W) GI[rowOff + w] = GI[rowOff + w]! + cols[q]!;
            }
          }
        }
      }
}

/** out [N, Co, OH, OW] = conv(x, w) + bias. */
export function conv2d(env: ConvEnv, x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void {
  const g = geo(x.shape, w.shape, out.shape, p);
  const { N, Co, Cog, Cg, KH, KW, OH, OW, G } = g;
  const K = Cg * KH * KW;
  const L = OH * OW;
  const dt = x.dtype;
  const cols = env.allocate(dt, K * N * L);
  const tmp = env.allocate(dt, Cog * N * L);
  const O = out.buffer as CpuBuffer;
  try {
    for (let gi = 0; gi < G; gi++) {
      im2col(x.buffer as CpuBuffer, x.offset, g, p, gi, cols);
      env.matmul(
        view(w.buffer as CpuBuffer, dt, [1, Cog, K], [0, K, 1], w.offset + gi * Cog * K),
        view(cols, dt, [1, K, N * L], [0, N * L, 1]),
        view(tmp, dt, [1, Cog, N * L], [0, N * L, 1]),
      );
      // tmp [Cog, N, L] → out [N, Co, L]
      for (let co = 0; co < Cog; co++) {
        const b = bias ? (bias.buffer as CpuBuffer)[bias.offset + (gi * Cog + co) * bias.strides[0]!]! : 0;
        for (let n = 0; n < N; n++) {
          const src = (co * N + n) * L;
          const dst = out.offset + (n * Co + gi * Cog + co) * L;
          for (let l = 0; l < L; l++) O[dst + l] = tmp[src + l]! + b;
        }
      }
    }
  } finally {
    env.free(cols, dt);
    env.free(tmp, dt);
  }
}

/** gradIn [N, C, H, W] from gradOut [N, Co, OH, OW] and w. */
export function conv2dBackwardInput(env: ConvEnv, gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): void {
  const g = geo(gradIn.shape, w.shape, gradOut.shape, p);
  const { N, Co, Cog, Cg, KH, KW, OH, OW, G } = g;
  const K = Cg * KH * KW;
  const L = OH * OW;
  const dt = gradOut.dtype;
  const GI = gradIn.buffer as CpuBuffer;
  GI.fill(0, gradIn.offset, gradIn.offset + N * g.C * g.H * g.W);
  const cols = env.allocate(dt, K * N * L);
  const gg = env.allocate(dt, Cog * N * L);
  const GO = gradOut.buffer as CpuBuffer;
  try {
    for (let gi = 0; gi < G; gi++) {
      // gg [Cog, N*L] from gradOut [N, Co, L]
      for (let co = 0; co < Cog; co++)
        for (let n = 0; n < N; n++) {
          const src = gradOut.offset + (n * Co + gi * Cog + co) * L;
          const dst = (co * N + n) * L;
          for (let l = 0; l < L; l++) gg[dst + l] = GO[src + l]!;
        }
      env.matmul(
        view(w.buffer as CpuBuffer, dt, [1, K, Cog], [0, 1, K], w.offset + gi * Cog * K),
        view(gg, dt, [1, Cog, N * L], [0, N * L, 1]),
        view(cols, dt, [1, K, N * L], [0, N * L, 1]),
      );
      col2im(cols, g, p, gi, GI, gradIn.offset);
    }
  } finally {
    env.free(cols, dt);
    env.free(gg, dt);
  }
}

/** gradW [Co, Cg, KH, KW] from gradOut and x. */
export function conv2dBackwardWeight(env: ConvEnv, gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): void {
  const g = geo(x.shape, gradW.shape, gradOut.shape, p);
  const { N, Co, Cog, Cg, KH, KW, OH, OW, G } = g;
  const K = Cg * KH * KW;
  const L = OH * OW;
  const dt = x.dtype;
  const cols = env.allocate(dt, K * N * L);
  const gg = env.allocate(dt, Cog * N * L);
  const GO = gradOut.buffer as CpuBuffer;
  try {
    for (let gi = 0; gi < G; gi++) {
      im2col(x.buffer as CpuBuffer, x.offset, g, p, gi, cols);
      for (let co = 0; co < Cog; co++)
        for (let n = 0; n < N; n++) {
          const src = gradOut.offset + (n * Co + gi * Cog + co) * L;
          const dst = (co * N + n) * L;
          for (let l = 0; l < L; l++) gg[dst + l] = GO[src + l]!;
        }
      env.matmul(
        view(gg, dt, [1, Cog, N * L], [0, N * L, 1]),
        view(cols, dt, [1, N * L, K], [0, 1, N * L]),
        view(gradW.buffer as CpuBuffer, dt, [1, Cog, K], [0, K, 1], gradW.offset + gi * Cog * K),
      );
    }
  } finally {
    env.free(cols, dt);
    env.free(gg, dt);
  }
}

function poolOut(_p: Pool2dParams, out: TensorView) {
  return { OH: out.shape[2]!, OW: out.shape[3]! };
}

/** Max pooling with flat per-plane indices (first maximum wins; NaN is the maximum, the last NaN its index). */
export function maxPool2d(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const { OH, OW } = poolOut(p, out);
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  const X = x.buffer as CpuBuffer;
  const O = out.buffer as CpuBuffer;
  const I = indices.buffer as CpuBuffer;
  let q = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const plane = x.offset + nc * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, q++) {
        let best = -Infinity;
        let bi = -1;
        for (let kh = 0; kh < KH; kh++) {
          const h = oh * sh - ph + kh * dh;
          if (h < 0 || h >= H) continue;
          for (let kw = 0; kw < KW; kw++) {
            const w = ow * sw - pw + kw * dw;
            if (w < 0 || w >= W) continue;
            const v = X[plane + h * W + w]!;
            if (bi < 0) bi = h * W + w;
            // torch's cpu kernel: `val > max || isnan(val)` — the last NaN of the window wins
            if (v > best || Number.isNaN(v)) {
              best = v;
              bi = h * W + w;
            }
          }
        }
        O[out.offset + q] = best;
        I[indices.offset + q] = Math.max(bi, 0);
      }
  }
}

/** Average pooling with PyTorch's divisor rules. */
export function avgPool2d(x: TensorView, out: TensorView, p: Pool2dParams): void {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const { OH, OW } = poolOut(p, out);
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const include = p.countIncludePad ?? true;
  const X = x.buffer as CpuBuffer;
  const O = out.buffer as CpuBuffer;
  const acc = hostArray('float64', 1);
  let q = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const plane = x.offset + nc * H * W;
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++, q++) {
        let hs = oh * sh - ph;
        let ws = ow * sw - pw;
        let he = Math.min(hs + KH, H + ph);
        let we = Math.min(ws + KW, W + pw);
        const poolSize = (he - hs) * (we - ws);
        hs = Math.max(hs, 0);
        ws = Math.max(ws, 0);
        he = Math.min(he, H);
        we = Math.min(we, W);
        acc[0] = 0;
        for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) acc[0] += X[plane + h * W + w]!;
        const n = include ? poolSize : (he - hs) * (we - ws);
        O[out.offset + q] = n > 0 ? acc[0] / n : 0;
      }
  }
}
