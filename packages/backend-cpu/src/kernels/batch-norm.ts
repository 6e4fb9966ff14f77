/**
 * Fused batch normalisation over dim 1 of contiguous float tensors [N, C, *] (float32, float64),
 * forward (training and eval) and backward, as torch's CPU kernels (batch_norm_cpu_*):
 *
 * Note [Fused batch norm]
 * Statistics accumulate in float64 (torch's CPU acc_type of float is double), two passes:
 * the mean, then Σ (x − mean)², so no cancellation and no float32 overflow of the variance
 * (Note [Normalisation without overflow] in @dl/tensor's ops/normalization.ts is the composite's
 * answer to the same problem). `invstd = 1 / √(var + eps)` in float64. The output is one
 * per-channel scale and shift, `y = (x − mean) · α + b` with `α = invstd · w` (torch's
 * batch_norm_cpu_transform_input writes `x · α + (b − mean · α)`, which loses the low bits of
 * a channel far from zero in float32). Every pass is a loop over contiguous planes, which
 * wasm SIMD runs where installed ({@link PlaneKernels}: float32 products and squares, float64 sums). The
 * backward is torch's batch_norm_backward_cpu: per channel `Σ g` and `Σ (x − mean) · g`, then
 * `gradIn = (g − Σg/M − (x − mean) · invstd² · Σ(x − mean)g / M) · invstd · w` in training,
 * `g · invstd · w` in eval; `gradWeight = Σ(x − mean)g · invstd`, `gradBias = Σ g`.
 * A NaN or inf in a channel makes its statistics (and so its outputs) NaN, as torch.
 *
 * @example
 * batchNormForward(x, w, b, mean, variance, invstd, out, { training: true, eps: 1e-5 });
 */
import type { BatchNormParams, TensorView } from '@dl/tensor/backend';
import type { CpuBuffer } from '../buffer.js';

type F = Float32Array | Float64Array;

/**
 * Loops over one contiguous plane that a faster engine may run (the wasm SIMD ones of
 * wasm/norm-kernels.ts, installed by `installWasmKernels`); the JS loops below are the reference.
 * Offsets and lengths count elements; sums come back in float64.
 */
export interface PlaneKernels {
  /** Can the methods read and write all these arrays? (Else the JS loops run.) */
  accepts(...arrays: F[]): boolean;
  /** Σ x */
  sum(x: F, xo: number, n: number): number;
  /** Σ (x − m)² */
  sqdev(x: F, xo: number, n: number, m: number): number;
  /** Σ (x − m) · g */
  dot(g: F, go: number, x: F, xo: number, n: number, m: number): number;
  /** o = (x − m) · a + b */
  affine(x: F, xo: number, o: F, oo: number, n: number, m: number, a: number, b: number): void;
  /** o = (g − mg − (x − m) · k) · wr */
  backward(g: F, go: number, x: F, xo: number, o: F, oo: number, n: number, m: number, k: number, mg: number, wr: number): void;
}

/** The installed fast plane loops, if any (see {@link PlaneKernels}). */
export const batchNormFast: { planes: PlaneKernels | null } = { planes: null };

/** Planes of at least this many elements go to the fast loops (smaller ones stay in JS: no call overhead). */
const MIN_PLANE = 16;

function buf(op: string, v: TensorView): F {
  const b = v.buffer as CpuBuffer;
  if (!(b instanceof Float32Array || b instanceof Float64Array)) throw new TypeError(`${op}: expected a float tensor, got ${v.dtype}`);
  return b;
}

/** [N, C, plane size] of a [N, C, *] shape. */
function dims(shape: readonly number[]): [number, number, number] {
  let hw = 1;
  for (let i = 2; i < shape.length; i++) hw *= shape[i]!;
  return [shape[0]!, shape[1]!, hw];
}

/**
 * Batch norm forward (Note [Fused batch norm]): in training writes the batch mean and biased
 * variance into `mean`/`variance`, else reads them; writes `invstd` and `out`.
 *
 * @example
 * batchNormForward(x, null, null, mean, variance, invstd, out, { training: false, eps: 1e-5 });
 */
export function batchNormForward(
  x: TensorView,
  weight: TensorView | null,
  bias: TensorView | null,
  mean: TensorView,
  variance: TensorView,
  invstd: TensorView,
  out: TensorView,
  p: BatchNormParams,
): void {
  const op = 'batchNorm';
  const xs = buf(op, x);
  const os = buf(op, out);
  const ms = buf(op, mean);
  const vs = buf(op, variance);
  const is = buf(op, invstd);
  const ws = weight ? buf(op, weight) : null;
  const bs = bias ? buf(op, bias) : null;
  const [N, C, HW] = dims(x.shape);
  const M = N * HW;
  const f = batchNormFast.planes;
  const fast = f !== null && HW >= MIN_PLANE && f.accepts(xs, os) ? f : null;
  for (let c = 0; c < C; c++) {
    let m: number;
    let v: number;
    if (p.training) {
      let s = 0;
      for (let n = 0; n < N; n++) {
        const o = x.offset + (n * C + c) * HW;
        if (fast) s += fast.sum(xs, o, HW);
        else for (let i = 0; i < HW; i++) s += xs[o + i]!;
      }
      m = s / M;
      let q = 0;
      for (let n = 0; n < N; n++) {
        const o = x.offset + (n * C + c) * HW;
        if (fast) q += fast.sqdev(xs, o, HW, m);
        else
          for (let i = 0; i < HW; i++) {
            const d = xs[o + i]! - m;
            q += d * d;
          }
      }
      v = q / M;
      ms[mean.offset + c] = m;
      vs[variance.offset + c] = v;
    } else {
      m = ms[mean.offset + c]!;
      v = vs[variance.offset + c]!;
    }
    const r = 1 / Math.sqrt(v + p.eps);
    is[invstd.offset + c] = r;
    const w = ws ? ws[weight!.offset + c]! : 1;
    const b = bs ? bs[bias!.offset + c]! : 0;
    const alpha = r * w;
    for (let n = 0; n < N; n++) {
      const xo = x.offset + (n * C + c) * HW;
      const oo = out.offset + (n * C + c) * HW;
      if (fast) fast.affine(xs, xo, os, oo, HW, m, alpha, b);
      else for (let i = 0; i < HW; i++) os[oo + i] = (xs[xo + i]! - m) * alpha + b;
    }
  }
}

/**
 * Batch norm backward (Note [Fused batch norm]): `gradIn`, `gradWeight`, `gradBias` where not null.
 *
 * @example
 * batchNormBackwardKernel(g, x, w, mean, invstd, gx, gw, gb, { training: true, eps: 1e-5 });
 */
export function batchNormBackwardKernel(
  g: TensorView,
  x: TensorView,
  weight: TensorView | null,
  mean: TensorView,
  invstd: TensorView,
  gradIn: TensorView | null,
  gradWeight: TensorView | null,
  gradBias: TensorView | null,
  p: BatchNormParams,
): void {
  const op = 'batchNormBackward';
  const gs = buf(op, g);
  const xs = buf(op, x);
  const ms = buf(op, mean);
  const is = buf(op, invstd);
  const ws = weight ? buf(op, weight) : null;
  const gis = gradIn ? buf(op, gradIn) : null;
  const gws = gradWeight ? buf(op, gradWeight) : null;
  const gbs = gradBias ? buf(op, gradBias) : null;
  const [N, C, HW] = dims(x.shape);
  const M = N * HW;
  const needSums = gws !== null || gbs !== null || (gis !== null && p.training);
  const f = batchNormFast.planes;
  const fast = f !== null && HW >= MIN_PLANE && (gis ? f.accepts(gs, xs, gis) : f.accepts(gs, xs)) ? f : null;
  for (let c = 0; c < C; c++) {
    const m = ms[mean.offset + c]!;
    const r = is[invstd.offset + c]!;
    let sg = 0;
    let dot = 0;
    if (needSums) {
      for (let n = 0; n < N; n++) {
        const go = g.offset + (n * C + c) * HW;
        const xo = x.offset + (n * C + c) * HW;
        if (fast) {
          sg += fast.sum(gs, go, HW);
          dot += fast.dot(gs, go, xs, xo, HW, m);
        } else
          for (let i = 0; i < HW; i++) {
            const gv = gs[go + i]!;
            sg += gv;
            dot += (xs[xo + i]! - m) * gv;
          }
      }
    }
    if (gws) gws[gradWeight!.offset + c] = dot * r;
    if (gbs) gbs[gradBias!.offset + c] = sg;
    if (!gis) continue;
    const wr = (ws ? ws[weight!.offset + c]! : 1) * r;
    if (p.training) {
      const k = (dot * r * r) / M;
      const mg = sg / M;
      for (let n = 0; n < N; n++) {
        const go = g.offset + (n * C + c) * HW;
        const xo = x.offset + (n * C + c) * HW;
        const oo = gradIn!.offset + (n * C + c) * HW;
        if (fast) fast.backward(gs, go, xs, xo, gis, oo, HW, m, k, mg, wr);
        else for (let i = 0; i < HW; i++) gis[oo + i] = (gs[go + i]! - mg - (xs[xo + i]! - m) * k) * wr;
      }
    } else {
      for (let n = 0; n < N; n++) {
        const go = g.offset + (n * C + c) * HW;
        const oo = gradIn!.offset + (n * C + c) * HW;
        if (fast) fast.affine(gs, go, gis, oo, HW, 0, wr, 0);
        else for (let i = 0; i < HW; i++) gis[oo + i] = gs[go + i]! * wr;
      }
    }
  }
}
