/**
 * Fused layer normalisation over the trailing `normalizedSize` elements of contiguous float
 * tensors (float32, float64), forward and backward, as torch's CPU LayerNormKernel.
 *
 * Note [Fused layer norm]
 * Each row of D = `normalizedSize` values: the mean, then Σ (x − mean)² in float64 (two passes:
 * no cancellation, no float32 overflow of the variance — the composite scales instead, Note
 * [Normalisation without overflow] in @dl/tensor's ops/normalization.ts), `rstd = 1/√(var + eps)`,
 * and `y = (x − mean) · rstd · w + b` written in one pass. The backward, per row, with
 * `xhat = (x − mean) · rstd` and `gxhat = g · w`:
 *   gradIn = (gxhat − mean(gxhat) − xhat · mean(gxhat · xhat)) · rstd,
 * and over all rows `gradWeight = Σ g · xhat`, `gradBias = Σ g` (float64 accumulators), from the
 * forward's saved `mean` / `rstd` (one value per row). A NaN or inf in a row makes it NaN, as torch.
 *
 * @example
 * layerNormForward(x, w, b, mean, rstd, out, { normalizedSize: 64, eps: 1e-5 });
 */
import type { LayerNormParams, TensorView } from '@dl/tensor/backend';
import type { CpuBuffer } from '../buffer.js';

type F = Float32Array | Float64Array;

function buf(op: string, v: TensorView): F {
  const b = v.buffer as CpuBuffer;
  if (!(b instanceof Float32Array || b instanceof Float64Array)) throw new TypeError(`${op}: expected a float tensor, got ${v.dtype}`);
  return b;
}

function rowsOf(x: TensorView, D: number): number {
  let n = 1;
  for (const s of x.shape) n *= s;
  return D === 0 ? 0 : n / D;
}

/**
 * Layer norm forward (Note [Fused layer norm]): writes `out`, and `mean` / `rstd` (one per row).
 *
 * @example
 * layerNormForward(x, null, null, mean, rstd, out, { normalizedSize: 64, eps: 1e-5 });
 */
export function layerNormForward(
  x: TensorView,
  weight: TensorView | null,
  bias: TensorView | null,
  mean: TensorView,
  rstd: TensorView,
  out: TensorView,
  p: LayerNormParams,
): void {
  const op = 'layerNorm';
  const xs = buf(op, x);
  const os = buf(op, out);
  const ms = buf(op, mean);
  const rs = buf(op, rstd);
  const ws = weight ? buf(op, weight) : null;
  const bs = bias ? buf(op, bias) : null;
  const wo = weight?.offset ?? 0;
  const bo = bias?.offset ?? 0;
  const D = p.normalizedSize;
  const R = rowsOf(x, D);
  const f32 = xs instanceof Float32Array;
  for (let r = 0; r < R; r++) {
    const xo = x.offset + r * D;
    const oo = out.offset + r * D;
    let s = 0;
    for (let i = 0; i < D; i++) s += xs[xo + i]!;
    // a float32 row sum past the float32 range is inf in torch (its row moments accumulate in float): the row is NaN
    const m = (f32 ? Math.fround(s) : s) / D;
    let q = 0;
    for (let i = 0; i < D; i++) {
      const d = xs[xo + i]! - m;
      q += d * d;
    }
    const rr = 1 / Math.sqrt(q / D + p.eps);
    ms[mean.offset + r] = m;
    rs[rstd.offset + r] = rr;
    if (ws && bs) for (let i = 0; i < D; i++) os[oo + i] = (xs[xo + i]! - m) * rr * ws[wo + i]! + bs[bo + i]!;
    else if (ws) for (let i = 0; i < D; i++) os[oo + i] = (xs[xo + i]! - m) * rr * ws[wo + i]!;
    else if (bs) for (let i = 0; i < D; i++) os[oo + i] = (xs[xo + i]! - m) * rr + bs[bo + i]!;
    else for (let i = 0; i < D; i++) os[oo + i] = (xs[xo + i]! - m) * rr;
  }
}

let acc = new Float64Array(64);

/**
 * Layer norm backward (Note [Fused layer norm]): `gradIn`, `gradWeight`, `gradBias` where not null.
 *
 * @example
 * layerNormBackwardKernel(g, x, w, mean, rstd, gx, gw, gb, { normalizedSize: 64, eps: 1e-5 });
 */
export function layerNormBackwardKernel(
  g: TensorView,
  x: TensorView,
  weight: TensorView | null,
  mean: TensorView,
  rstd: TensorView,
  gradIn: TensorView | null,
  gradWeight: TensorView | null,
  gradBias: TensorView | null,
  p: LayerNormParams,
): void {
  const op = 'layerNormBackward';
  const gs = buf(op, g);
  const xs = buf(op, x);
  const ms = buf(op, mean);
  const rs = buf(op, rstd);
  const ws = weight ? buf(op, weight) : null;
  const wo = weight?.offset ?? 0;
  const gis = gradIn ? buf(op, gradIn) : null;
  const D = p.normalizedSize;
  const R = rowsOf(x, D);
  if (acc.length < 2 * D) acc = new Float64Array(2 * D);
  const a = acc; // [0, D): Σ g·xhat, [D, 2D): Σ g
  a.fill(0, 0, 2 * D);
  const needW = gradWeight !== null;
  const needB = gradBias !== null;
  for (let r = 0; r < R; r++) {
    const xo = x.offset + r * D;
    const go = g.offset + r * D;
    const m = ms[mean.offset + r]!;
    const rr = rs[rstd.offset + r]!;
    if (needW || needB)
      for (let i = 0; i < D; i++) {
        const gv = gs[go + i]!;
        a[i]! += gv * (xs[xo + i]! - m) * rr;
        a[D + i]! += gv;
      }
    if (!gis) continue;
    let s1 = 0;
    let s2 = 0;
    for (let i = 0; i < D; i++) {
      const gh = ws ? gs[go + i]! * ws[wo + i]! : gs[go + i]!;
      s1 += gh;
      s2 += gh * (xs[xo + i]! - m) * rr;
    }
    const m1 = s1 / D;
    const m2 = s2 / D;
    const oo = gradIn!.offset + r * D;
    if (ws) for (let i = 0; i < D; i++) gis[oo + i] = (gs[go + i]! * ws[wo + i]! - m1 - (xs[xo + i]! - m) * rr * m2) * rr;
    else for (let i = 0; i < D; i++) gis[oo + i] = (gs[go + i]! - m1 - (xs[xo + i]! - m) * rr * m2) * rr;
  }
  if (gradWeight) {
    const gw = buf(op, gradWeight);
    for (let i = 0; i < D; i++) gw[gradWeight.offset + i] = a[i]!;
  }
  if (gradBias) {
    const gb = buf(op, gradBias);
    for (let i = 0; i < D; i++) gb[gradBias.offset + i] = a[D + i]!;
  }
}
