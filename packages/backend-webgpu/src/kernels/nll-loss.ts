/**
 * Fused negative log-likelihood on WebGPU (`FusedKernels.nllLoss`, `nllLossBackward`) over rows
 * [M, C] (class dim last, contiguous float32) at int32 targets [M]: one dispatch each, instead of
 * the composite's ne / where / cast / gather / mul / neg / sum (/ div) forward and its scatter
 * backward.
 *
 * Note [Fused nll loss on WebGPU]
 * The semantics are the cpu backend's Note [Fused nll loss] (torch's nll_loss): `l[i] = −w[t_i] ·
 * x[i, t_i]`, 0 at the ignore index; `totalWeight = Σ w[t_i]` over the counted rows; 'mean'
 * divides by it (0 / 0 = NaN when every target is ignored). The forward is one workgroup whose
 * threads take every 256th row and meet in a shared-memory tree (float32 sums; the cpu backend
 * sums in float64), writing the per-row losses too for 'none'. The backward is one thread per
 * element of gradIn: `−w[t_i] · g_i` at the target's column, 0 elsewhere (no separate fill), g_i
 * the row's gradient ('none'), the scalar ('sum') or the scalar / totalWeight ('mean').
 * The targets were checked by the op layer (in [0, C) or the ignore index).
 *
 * @example
 * nllLoss(rt, rows, target, null, out, totalWeight, { ignoreIndex: -100, reduction: 'mean' });
 */
import type { NllLossParams, TensorView } from '@dl/tensor/backend';
import { bind, type BindReq, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE } from '../wgsl.js';

const NLL_WG = 256;

/** [M, C] of rows laid out class-last. */
function rowsOf(x: TensorView): [number, number] {
  const C = x.shape[x.shape.length - 1] ?? 1;
  const n = x.shape.reduce((a, b) => a * b, 1);
  return [C === 0 ? 0 : n / C, C];
}

function check(op: string, floats: (TensorView | null)[], target: TensorView): void {
  for (const v of floats) if (v && v.dtype !== 'float32') throw new TypeError(`webgpu ${op}: expected float32 views, got ${v.dtype}`);
  if (target.dtype !== 'int32') throw new TypeError(`webgpu ${op}: expected int32 targets, got ${target.dtype}`);
}

/**
 * nll loss forward (Note [Fused nll loss on WebGPU]): `out` (the per-row losses or the reduced
 * scalar) and `totalWeight` (0-d).
 *
 * @example
 * nllLoss(rt, rows, target, weight, out, totalWeight, { ignoreIndex: -1, reduction: 'sum' });
 */
export function nllLoss(
  rt: Runtime,
  input: TensorView,
  target: TensorView,
  weight: TensorView | null,
  out: TensorView,
  totalWeight: TensorView,
  p: NllLossParams,
): void {
  check('nllLoss', [input, weight, out, totalWeight], target);
  const [M, C] = rowsOf(input);
  const reqs: BindReq[] = [
    { buf: input.buffer as GpuBuf },
    { buf: target.buffer as GpuBuf },
    { buf: out.buffer as GpuBuf, write: true },
    { buf: totalWeight.buffer as GpuBuf, write: true },
  ];
  if (weight) reqs.push({ buf: weight.buffer as GpuBuf });
  const b = bind(reqs);
  const [X, T, O, TW, W] = b.names as [string, string, string, string, string?];
  const wv = W ? `bitcast<f32>(${W}[P[5] + u32(t)])` : '1.0';
  const none = p.reduction === 'none';
  const result = p.reduction === 'mean' ? 'fdiv(RS[0], RW[0])' : 'RS[0]';
  rt.run(
    `nllLoss:${p.reduction}:${W ? 'w' : ''}:${b.key}`,
    () => `${PRELUDE}${b.decl}
var<workgroup> RS: array<f32, ${NLL_WG}>;
var<workgroup> RW: array<f32, ${NLL_WG}>;
@compute @workgroup_size(${NLL_WG})
fn main(@builtin(local_invocation_index) lid: u32) {
  let M = P[0]; let C = P[1]; let ign = bitcast<i32>(P[2]);
  var ls = 0.0;
  var lw = 0.0;
  for (var i = lid; i < M; i += ${NLL_WG}u) {
    let t = bitcast<i32>(${T}[P[4] + i]);
    var l = 0.0;
    if (t != ign) {
      let w = ${wv};
      l = -w * bitcast<f32>(${X}[P[3] + i * C + u32(t)]);
      ls += l;
      lw += w;
    }
    ${none ? `${O}[P[6] + i] = bitcast<u32>(l);` : ''}
  }
  RS[lid] = ls;
  RW[lid] = lw;
  workgroupBarrier();
  for (var s = ${NLL_WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { RS[lid] = RS[lid] + RS[lid + s]; RW[lid] = RW[lid] + RW[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) {
    ${TW}[P[7]] = bitcast<u32>(RW[0]);
    ${none ? '' : `${O}[P[6]] = bitcast<u32>(${result});`}
  }
}`,
    b,
    [M, C, p.ignoreIndex | 0, input.offset, target.offset, weight?.offset ?? 0, out.offset, totalWeight.offset],
    { groups: [1, 1, 1] },
  );
}

/**
 * nll loss backward (Note [Fused nll loss on WebGPU]): `gradIn` [M, C] from the incoming gradient
 * (0-d, or [M] for 'none') and the forward's `totalWeight`.
 *
 * @example
 * nllLossBackward(rt, g, target, null, totalWeight, gradIn, { ignoreIndex: -100, reduction: 'mean' });
 */
export function nllLossBackward(
  rt: Runtime,
  grad: TensorView,
  target: TensorView,
  weight: TensorView | null,
  totalWeight: TensorView,
  gradIn: TensorView,
  p: NllLossParams,
): void {
  check('nllLossBackward', [grad, weight, totalWeight, gradIn], target);
  const [M, C] = rowsOf(gradIn);
  if (M * C === 0) return;
  const reqs: BindReq[] = [
    { buf: grad.buffer as GpuBuf },
    { buf: target.buffer as GpuBuf },
    { buf: totalWeight.buffer as GpuBuf },
    { buf: gradIn.buffer as GpuBuf, write: true },
  ];
  if (weight) reqs.push({ buf: weight.buffer as GpuBuf });
  const b = bind(reqs);
  const [G, T, TW, O, W] = b.names as [string, string, string, string, string?];
  const wv = W ? `bitcast<f32>(${W}[P[5] + u32(t)])` : '1.0';
  const gv =
    p.reduction === 'none'
      ? `bitcast<f32>(${G}[P[3] + i])`
      : p.reduction === 'mean'
        ? `fdiv(bitcast<f32>(${G}[P[3]]), bitcast<f32>(${TW}[P[6]]))`
        : `bitcast<f32>(${G}[P[3]])`;
  rt.run(
    `nllLossBackward:${p.reduction}:${W ? 'w' : ''}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d(256)}
  let C = P[1];
  if (gid >= P[0] * C) { return; }
  let i = gid / C;
  let t = bitcast<i32>(${T}[P[4] + i]);
  var v = 0.0;
  if (t != bitcast<i32>(P[2]) && u32(t) == gid % C) {
    v = -${wv} * ${gv};
  }
  ${O}[P[7] + gid] = bitcast<u32>(v);
}`,
    b,
    [M, C, p.ignoreIndex | 0, grad.offset, target.offset, weight?.offset ?? 0, totalWeight.offset, gradIn.offset],
    { threads: M * C, wg: 256 },
  );
}
