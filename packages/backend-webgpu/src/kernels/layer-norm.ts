/**
 * Fused layer normalisation on WebGPU (`FusedKernels.layerNorm`, `layerNormBackward`) over rows of
 * the trailing `normalizedSize` elements of contiguous float32 tensors.
 *
 * Note [Fused layer norm on WebGPU]
 * The semantics are the cpu backend's Note [Fused layer norm] (torch's LayerNormKernel). The
 * forward is one dispatch of the row kernels (Note [Row kernels]): per row of D values the mean,
 * then Σ (x − mean)² (two passes: no cancellation), `rstd = 1/√(var + eps)`, and `y = (x − mean) ·
 * rstd · w + b` written in a third pass; the row's mean and rstd are saved. The backward is one
 * row dispatch for gradIn, with `xhat = (x − mean) · rstd` and `gxhat = g · w`:
 *   gradIn = (gxhat − mean(gxhat) − xhat · mean(gxhat · xhat)) · rstd,
 * and one column dispatch (a thread per element of the row, walking every row) for
 * `gradWeight = Σ g · xhat` and `gradBias = Σ g`. Sums are float32 (the cpu backend's float64):
 * results agree to float32 rounding of the sums. A NaN or inf in a row makes it NaN, as torch.
 *
 * @example
 * layerNorm(rt, x, w, b, mean, rstd, out, { normalizedSize: 64, eps: 1e-5 });
 */
import type { LayerNormParams, TensorView } from '@dl/tensor/backend';
import { bind, f32bits, type BindReq, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE } from '../wgsl.js';
import { rowForm, rowGrid, rowHead } from './row-kernels.js';

function floatOnly(op: string, ...vs: (TensorView | null)[]): void {
  for (const v of vs) if (v && v.dtype !== 'float32') throw new TypeError(`webgpu ${op}: expected float32 views, got ${v.dtype}`);
}

function rowsOf(x: TensorView, D: number): number {
  const n = x.shape.reduce((a, b) => a * b, 1);
  return D === 0 ? 0 : n / D;
}

/**
 * Layer norm forward (Note [Fused layer norm on WebGPU]): writes `out`, and `mean` / `rstd` (one per row).
 *
 * @example
 * layerNorm(rt, x, null, null, mean, rstd, out, { normalizedSize: 64, eps: 1e-5 });
 */
export function layerNorm(
  rt: Runtime,
  x: TensorView,
  weight: TensorView | null,
  bias: TensorView | null,
  mean: TensorView,
  rstd: TensorView,
  out: TensorView,
  p: LayerNormParams,
): void {
  floatOnly('layerNorm', x, weight, bias, mean, rstd, out);
  const D = p.normalizedSize;
  const R = rowsOf(x, D);
  if (R === 0) return;
  const form = rowForm(D);
  const reqs: BindReq[] = [
    { buf: x.buffer as GpuBuf },
    { buf: out.buffer as GpuBuf, write: true },
    { buf: mean.buffer as GpuBuf, write: true },
    { buf: rstd.buffer as GpuBuf, write: true },
  ];
  if (weight) reqs.push({ buf: weight.buffer as GpuBuf });
  if (bias) reqs.push({ buf: bias.buffer as GpuBuf });
  const b = bind(reqs);
  const [X, O, MS, RS] = b.names as [string, string, string, string];
  const W = weight ? b.names[4] : undefined;
  const B = bias ? b.names[weight ? 5 : 4] : undefined;
  let y = '(xv - m) * rr';
  if (W) y += ` * bitcast<f32>(${W}[P[7] + j])`;
  if (B) y += ` + bitcast<f32>(${B}[P[8] + j])`;
  rt.run(
    `layerNorm:${W ? 'w' : ''}${B ? 'b' : ''}:${form}:${b.key}`,
    () => `${rowHead(form, b.decl)}
  let D = P[1];
  let xb = P[3] + row * D;
  let ob = P[4] + row * D;
  var acc = 0.0;
  for (var j = T0; j < D; j += TS) { acc += bitcast<f32>(${X}[xb + j]); }
  let m = wsum(acc) / f32(D);
  var q = 0.0;
  for (var j = T0; j < D; j += TS) { let d = bitcast<f32>(${X}[xb + j]) - m; q += d * d; }
  let rr = 1.0 / sqrt(wsum(q) / f32(D) + bitcast<f32>(P[2]));
  if (T0 == 0u) {
    ${MS}[P[5] + row] = bitcast<u32>(m);
    ${RS}[P[6] + row] = bitcast<u32>(rr);
  }
  for (var j = T0; j < D; j += TS) {
    let xv = bitcast<f32>(${X}[xb + j]);
    ${O}[ob + j] = bitcast<u32>(${y});
  }
}`,
    b,
    [R, D, f32bits(p.eps), x.offset, out.offset, mean.offset, rstd.offset, weight?.offset ?? 0, bias?.offset ?? 0],
    rowGrid(form, R),
  );
}

/**
 * Layer norm backward (Note [Fused layer norm on WebGPU]): `gradIn`, `gradWeight`, `gradBias` where not null.
 *
 * @example
 * layerNormBackward(rt, g, x, w, mean, rstd, gx, gw, gb, { normalizedSize: 64, eps: 1e-5 });
 */
export function layerNormBackward(
  rt: Runtime,
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
  floatOnly('layerNormBackward', g, x, weight, mean, rstd, gradIn, gradWeight, gradBias);
  const D = p.normalizedSize;
  const R = rowsOf(x, D);
  if (D === 0) return;
  const base: BindReq[] = [
    { buf: g.buffer as GpuBuf },
    { buf: x.buffer as GpuBuf },
    { buf: mean.buffer as GpuBuf },
    { buf: rstd.buffer as GpuBuf },
  ];
  const offs = [g.offset, x.offset, mean.offset, rstd.offset];
  if (gradIn && R > 0) {
    const form = rowForm(D);
    const reqs = [...base, { buf: gradIn.buffer as GpuBuf, write: true }];
    if (weight) reqs.push({ buf: weight.buffer as GpuBuf });
    const b = bind(reqs);
    const [G, X, MS, RS, O, W] = b.names as [string, string, string, string, string, string?];
    const gh = W ? `bitcast<f32>(${G}[gb + j]) * bitcast<f32>(${W}[P[8] + j])` : `bitcast<f32>(${G}[gb + j])`;
    rt.run(
      `layerNormBackward:${W ? 'w' : ''}:${form}:${b.key}`,
      () => `${rowHead(form, b.decl)}
  let D = P[1];
  let gb = P[2] + row * D;
  let xb = P[3] + row * D;
  let m = bitcast<f32>(${MS}[P[4] + row]);
  let rr = bitcast<f32>(${RS}[P[5] + row]);
  var s1 = 0.0;
  var s2 = 0.0;
  for (var j = T0; j < D; j += TS) {
    let h = ${gh};
    s1 += h;
    s2 += h * (bitcast<f32>(${X}[xb + j]) - m) * rr;
  }
  let m1 = wsum(s1) / f32(D);
  let m2 = wsum(s2) / f32(D);
  for (var j = T0; j < D; j += TS) {
    let h = ${gh};
    ${O}[P[6] + row * D + j] = bitcast<u32>((h - m1 - (bitcast<f32>(${X}[xb + j]) - m) * rr * m2) * rr);
  }
}`,
      b,
      [R, D, ...offs, gradIn.offset, 0, weight?.offset ?? 0],
      rowGrid(form, R),
    );
  }
  if (!gradWeight && !gradBias) return;
  const reqs = [...base];
  if (gradWeight) reqs.push({ buf: gradWeight.buffer as GpuBuf, write: true });
  if (gradBias) reqs.push({ buf: gradBias.buffer as GpuBuf, write: true });
  const b = bind(reqs);
  const [G, X, MS, RS] = b.names as [string, string, string, string];
  const GW = gradWeight ? b.names[4] : undefined;
  const GB = gradBias ? b.names[gradWeight ? 5 : 4] : undefined;
  rt.run(
    `layerNormBackwardWB:${GW ? 'w' : ''}${GB ? 'b' : ''}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d(64)}
  let D = P[1];
  if (gid >= D) { return; }
  var aw = 0.0;
  var ab = 0.0;
  for (var r = 0u; r < P[0]; r++) {
    let gv = bitcast<f32>(${G}[P[2] + r * D + gid]);
    ${GW ? `aw += gv * (bitcast<f32>(${X}[P[3] + r * D + gid]) - bitcast<f32>(${MS}[P[4] + r])) * bitcast<f32>(${RS}[P[5] + r]);` : ''}
    ab += gv;
  }
  ${GW ? `${GW}[P[6] + gid] = bitcast<u32>(aw);` : ''}
  ${GB ? `${GB}[P[7] + gid] = bitcast<u32>(ab);` : ''}
}`,
    b,
    [R, D, ...offs, gradWeight?.offset ?? 0, gradBias?.offset ?? 0],
    { threads: D, wg: 64 },
  );
}
