/**
 * Fused negative log-likelihood over rows [M, C] (class dim last, contiguous float32/float64) with
 * int32 class targets [M], forward and backward, as torch's nll_loss (ignore_index, per-class
 * weights, reductions).
 *
 * Note [Fused nll loss]
 * Forward, one pass over the targets: `l[i] = −w[t_i] · x[i, t_i]` (0 where t_i is the ignore
 * index), `totalWeight = Σ w[t_i]` over the counted rows (float64 accumulation), and `out` the
 * per-row losses ('none'), their sum, or the sum / totalWeight ('mean': NaN when every target is
 * ignored, 0 / 0, as torch). Backward: gradIn is zero except `gradIn[i, t_i] = −w[t_i] · g_i`, with
 * g_i the incoming gradient's row ('none'), the scalar ('sum'), or the scalar / totalWeight
 * ('mean'; nothing is written for ignored rows, so an all-ignored mean has gradient 0, as torch).
 * The targets were checked by the op layer (in [0, C) or the ignore index).
 *
 * @example
 * nllLossForward(rows, target, null, out, totalWeight, { ignoreIndex: -100, reduction: 'mean' });
 */
import type { NllLossParams, TensorView } from '@dl/tensor/backend';
import type { CpuBuffer } from '../buffer.js';

type F = Float32Array | Float64Array;

function buf(op: string, v: TensorView): F {
  const b = v.buffer as CpuBuffer;
  if (!(b instanceof Float32Array || b instanceof Float64Array)) throw new TypeError(`${op}: expected a float tensor, got ${v.dtype}`);
  return b;
}

function targets(op: string, v: TensorView): Int32Array {
  const b = v.buffer as CpuBuffer;
  if (!(b instanceof Int32Array)) throw new TypeError(`${op}: expected int32 targets, got ${v.dtype}`);
  return b;
}

/** [M, C] of rows laid out class-last. */
function rowsOf(x: TensorView): [number, number] {
  const C = x.shape[x.shape.length - 1] ?? 1;
  let n = 1;
  for (const s of x.shape) n *= s;
  return [C === 0 ? 0 : n / C, C];
}

/**
 * nll loss forward (Note [Fused nll loss]): writes `out` (the per-row losses or the reduced
 * scalar) and `totalWeight` (0-d).
 *
 * @example
 * nllLossForward(rows, target, weight, out, totalWeight, { ignoreIndex: -1, reduction: 'sum' });
 */
export function nllLossForward(
  input: TensorView,
  target: TensorView,
  weight: TensorView | null,
  out: TensorView,
  totalWeight: TensorView,
  p: NllLossParams,
): void {
  const op = 'nllLoss';
  const xs = buf(op, input);
  const ts = targets(op, target);
  const ws = weight ? buf(op, weight) : null;
  const wo = weight?.offset ?? 0;
  const os = buf(op, out);
  const tw = buf(op, totalWeight);
  const [M, C] = rowsOf(input);
  const none = p.reduction === 'none';
  let sum = 0;
  let wsum = 0;
  for (let i = 0; i < M; i++) {
    const t = ts[target.offset + i]!;
    let l = 0;
    if (t !== p.ignoreIndex) {
      const w = ws ? ws[wo + t]! : 1;
      l = -w * xs[input.offset + i * C + t]!;
      wsum += w;
      sum += l;
    }
    if (none) os[out.offset + i] = l;
  }
  tw[totalWeight.offset] = wsum;
  if (!none) os[out.offset] = p.reduction === 'mean' ? sum / wsum : sum;
}

/**
 * nll loss backward (Note [Fused nll loss]): `gradIn` [M, C] from the incoming gradient (0-d, or
 * [M] for 'none') and the forward's `totalWeight`.
 *
 * @example
 * nllLossBackwardKernel(g, target, null, totalWeight, gradIn, { ignoreIndex: -100, reduction: 'mean' });
 */
export function nllLossBackwardKernel(
  grad: TensorView,
  target: TensorView,
  weight: TensorView | null,
  totalWeight: TensorView,
  gradIn: TensorView,
  p: NllLossParams,
): void {
  const op = 'nllLossBackward';
  const gs = buf(op, grad);
  const ts = targets(op, target);
  const ws = weight ? buf(op, weight) : null;
  const wo = weight?.offset ?? 0;
  const tw = buf(op, totalWeight);
  const os = buf(op, gradIn);
  const [M, C] = rowsOf(gradIn);
  os.fill(0, gradIn.offset, gradIn.offset + M * C);
  const none = p.reduction === 'none';
  const scalar = none ? 0 : p.reduction === 'mean' ? gs[grad.offset]! / tw[totalWeight.offset]! : gs[grad.offset]!;
  for (let i = 0; i < M; i++) {
    const t = ts[target.offset + i]!;
    if (t === p.ignoreIndex) continue;
    const w = ws ? ws[wo + t]! : 1;
    os[gradIn.offset + i * C + t] = -w * (none ? gs[grad.offset + i]! : scalar);
  }
}
