/**
 * Fused batch normalisation over dim 1 of contiguous float tensors [N, C, *] (float32, float64),
 * forward (training and eval) and backward, as torch's CPU kernels (batch_norm_cpu_*):
 *
 * Note [Fused batch norm]
 * Statistics accumulate in float64 (torch's CPU acc_type of float is double), two passes:
 * the mean, then Σ (x − mean)², so no cancellation and no float32 overflow of the variance
 * (Note [Normalisation without overflow] in @dl/tensor's ops/normalization.ts is the composite's
 * answer to the same problem). `invstd = 1 / √(var + eps)` in float64. The output is one
 * per-channel scale and shift, `y = x · α + β` with `α = invstd · w`, `β = b − mean · α`
 * (torch's batch_norm_cpu_transform_input), which `planeAffine` may run in wasm SIMD. The
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
 * `out[o + i] = x[xo + i] · a + b` for i < n; returns false to decline (the JS loop runs). The
 * wasm backend plugs its SIMD loop in here (`installWasmKernels`).
 */
export type PlaneAffine = (x: F, xo: number, out: F, oo: number, n: number, a: number, b: number) => boolean;

/** The fast per-plane affine, when installed (see {@link PlaneAffine}). */
export const batchNormFast: { planeAffine: PlaneAffine | null } = { planeAffine: null };

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
  const fast = batchNormFast.planeAffine;
  for (let c = 0; c < C; c++) {
    let m: number;
    let v: number;
    if (p.training) {
      let s = 0;
      for (let n = 0; n < N; n++) {
        const o = x.offset + (n * C + c) * HW;
        for (let i = 0; i < HW; i++) s += xs[o + i]!;
      }
      m = s / M;
      let q = 0;
      for (let n = 0; n < N; n++) {
        const o = x.offset + (n * C + c) * HW;
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
    const beta = b - m * alpha;
    for (let n = 0; n < N; n++) {
      const xo = x.offset + (n * C + c) * HW;
      const oo = out.offset + (n * C + c) * HW;
      if (fast?.(xs, xo, os, oo, HW, alpha, beta)) continue;
      for (let i = 0; i < HW; i++) os[oo + i] = xs[xo + i]! * alpha + beta;
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
  for (let c = 0; c < C; c++) {
    const m = ms[mean.offset + c]!;
    const r = is[invstd.offset + c]!;
    let sg = 0;
    let dot = 0;
    if (needSums) {
      for (let n = 0; n < N; n++) {
        const go = g.offset + (n * C + c) * HW;
        const xo = x.offset + (n * C + c) * HW;
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
        for (let i = 0; i < HW; i++) gis[oo + i] = (gs[go + i]! - mg - (xs[xo + i]! - m) * k) * wr;
      }
    } else {
      for (let n = 0; n < N; n++) {
        const go = g.offset + (n * C + c) * HW;
        const oo = gradIn!.offset + (n * C + c) * HW;
        for (let i = 0; i < HW; i++) gis[oo + i] = gs[go + i]! * wr;
      }
    }
  }
}
