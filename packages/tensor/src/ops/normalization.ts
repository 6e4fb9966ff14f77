/**
 * Batch, layer and group normalisation as one autograd node each (`NativeBatchNormBackward0`,
 * `NativeLayerNormBackward0`, `NativeGroupNormBackward0`; Note [Composite ops as one node] in ops/composite.ts). The node
 * keeps the statistics it normalised with (per channel / per row), as PyTorch's save_mean and
 * save_invstd.
 */
import { defineOp, deviceCan, recordOp, runKernel } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';
import { contiguousRaw, emptyTensor } from './core.js';

/**
 * Note [Normalisation without overflow]
 * The variance of float32 values beyond ~1.8e19 overflows when written `mean((x - mean)²)`, and
 * then `rsqrt(inf + eps) = 0` collapses every output to the bias, although the standard deviation
 * (and so the normalised values) are representable. torch's CPU batch norm accumulates in float64
 * and stays finite. dl scales instead, which every device can: with d = x - mean and
 * s = max(1, max |d|) over the normalised axes,
 *   var  = s² · mean((d / s)²)
 *   rstd = rsqrt(mean((d / s)²) + eps / s²) / s
 *   xhat = d · rstd = (d / s) · rsqrt(mean((d / s)²) + eps / s²)
 * Nothing overflows (|d / s| <= 1), `eps / s²` only underflows gracefully, and s = 1 for ordinary
 * data (values within ±1 of the mean) leaves the usual formula. A NaN or inf in a group makes s
 * NaN, so the whole group is NaN, as in torch. The autograd rules recompute the statistics with
 * the same function (createGraph), so both directions agree.
 */

/** The moments of {@link normStats}, each with the reduced axes kept (size 1). */
export interface NormStats {
  mean: Tensor;
  /** 1 / sqrt(var + eps) */
  rstd: Tensor;
  /** the biased variance (inf where it overflows the dtype, as torch's float32 result) */
  var: Tensor;
  /** (x - mean) · rstd, computed without forming the variance */
  xhat: Tensor;
}

/**
 * @internal Mean, biased variance, `rsqrt(var + eps)` and the normalised input over `axes` (kept
 * as size-1 dims), without float overflow (Note [Normalisation without overflow]). Tensor ops
 * only: differentiable again under createGraph.
 *
 * @example
 * const { xhat, mean, rstd } = normStats(x, [0, 2, 3], 1e-5);
 */
export function normStats(x: Tensor, axes: number[], eps: number): NormStats {
  const mean = x.mean(axes, { keepdim: true });
  const d = x.sub(mean);
  const s = d.abs().amax(axes, { keepdim: true }).clamp(1, null);
  const ds = d.div(s);
  const vs = ds.square().mean(axes, { keepdim: true });
  const r = vs.add(s.reciprocal().square().mul(eps)).rsqrt();
  return { mean, rstd: r.div(s), var: vs.mul(s.square()), xhat: ds.mul(r) };
}

/** Options of {@link batchNorm}. */
export interface BatchNormOpOptions {
  /** Normalise with the batch statistics (else with `runningMean`/`runningVar`). */
  training: boolean;
  eps: number;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
}

/**
 * Batch normalisation over dim 1 of x [N, C, *]: `(x - mean) * invstd * weight + bias`. In
 * training the statistics are the batch's (biased variance); `mean` and `var` are returned so
 * the caller can update running averages. In eval the running statistics are used.
 *
 * @example
 * const { output } = batchNorm(x, w, b, { training: true, eps: 1e-5, runningMean: null, runningVar: null });
 */
export const batchNorm = defineOp(
  'batchNorm',
  (x: Tensor, weight: Tensor | null, bias: Tensor | null, opts: BatchNormOpOptions): { output: Tensor; mean: Tensor; var: Tensor } => {
    const op = 'batchNorm';
    const C = x.shape[1]!;
    for (const [name, t] of [
      ['weight', weight],
      ['bias', bias],
      ['running_mean', opts.runningMean],
      ['running_var', opts.runningVar],
    ] as const) {
      if (t && (t.dim() !== 1 || t.shape[0] !== C)) {
        throw new ShapeError(`${op}: expected ${name} of shape [${C}] for input ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`, {
          op,
          hint: 'one value per channel (dim 1)',
        });
      }
    }
    const cs = x.shape.map((s, i) => (i === 1 ? s : 1));
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const r =
      fusedBatchNorm(x, weight, bias, opts) ??
      runDetached([x, weight, bias, opts.runningMean, opts.runningVar], (xd, w, b, rm, rv) => {
        let mean: Tensor;
        let v: Tensor;
        let invstd: Tensor;
        let y: Tensor;
        if (opts.training || !rm || !rv) {
          ({ mean, var: v, rstd: invstd, xhat: y } = normStats(xd, axes, opts.eps));
        } else {
          // copies: the node must not see later in-place updates of the running statistics
          mean = rm.reshape(cs).clone();
          v = rv.reshape(cs).clone();
          invstd = v.add(opts.eps).rsqrt();
          y = xd.sub(mean).mul(invstd);
        }
        if (w) y = y.mul(w.reshape(cs));
        if (b) y = y.add(b.reshape(cs));
        return { output: y, mean: mean.reshape(C), var: v.reshape(C), invstd: invstd.reshape(C) };
      });
    recordOp('batchNorm', [x, weight, bias], r.output, { training: opts.training, eps: opts.eps, mean: r.mean, invstd: r.invstd });
    return { output: r.output, mean: r.mean, var: r.var };
  },
);

/** Can the device's fused batch-norm kernels take these (float, one dtype, non-empty)? */
function batchNormFusable(x: Tensor, ...ts: Array<Tensor | null>): boolean {
  if (!isFloating(x.dtype) || x.numel() === 0 || x.dim() < 2 || !deviceCan(x, 'batchNorm')) return false;
  return ts.every((t) => t === null || (t.dtype === x.dtype && t.device === x.device));
}

/** `t` as a contiguous kernel operand (itself when contiguous; no autograd: kernels only). */
function contiguous1d(t: Tensor | null): Tensor | null {
  return t === null ? null : contiguousRaw(t);
}

/** The forward on the device's fused kernel (Note [Fused batch norm] in the cpu backend), or null where it has none. */
function fusedBatchNorm(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  opts: BatchNormOpOptions,
): { output: Tensor; mean: Tensor; var: Tensor; invstd: Tensor } | null {
  const useBatch = opts.training || !opts.runningMean || !opts.runningVar;
  if (!batchNormFusable(x, weight, bias, useBatch ? null : opts.runningMean, useBatch ? null : opts.runningVar)) return null;
  const op = 'batchNorm';
  const C = x.shape[1]!;
  const mean = emptyTensor([C], x.dtype, x.device, op);
  const v = emptyTensor([C], x.dtype, x.device, op);
  if (!useBatch) {
    // copies: the node must not see later in-place updates of the running statistics
    runKernel(op, 'copy', opts.runningMean!, mean);
    runKernel(op, 'copy', opts.runningVar!, v);
  }
  const invstd = emptyTensor([C], x.dtype, x.device, op);
  const output = emptyTensor(x.shape, x.dtype, x.device, op);
  const xc = contiguousRaw(x);
  const w = contiguous1d(weight);
  const b = contiguous1d(bias);
  runKernel(op, 'batchNorm', xc, w, b, mean, v, invstd, output, { training: useBatch, eps: opts.eps });
  for (const [t, orig] of [
    [xc, x],
    [w, weight],
    [b, bias],
  ] as const)
    if (t !== orig) t!.dispose();
  return { output, mean, var: v, invstd };
}

/**
 * @internal Batch norm's gradients (input, weight, bias; null where not `needs`) on the device's
 * fused kernel, from the forward's saved per-channel `mean` and `invstd`; null when the device has
 * no such kernel or the dtypes differ (the autograd rule then uses tensor ops). Not differentiable
 * again: the rule takes this path only with grad mode off.
 *
 * @example
 * const r = batchNormBackward(g, x, w, mean, invstd, true, [true, true, true]);
 */
export function batchNormBackward(
  g: Tensor,
  x: Tensor,
  weight: Tensor | null,
  mean: Tensor,
  invstd: Tensor,
  training: boolean,
  needs: readonly boolean[],
): [Tensor | null, Tensor | null, Tensor | null] | null {
  if (!batchNormFusable(x, g, weight, mean, invstd) || !deviceCan(x, 'batchNormBackward')) return null;
  const op = 'batchNormBackward';
  const C = x.shape[1]!;
  const gx = needs[0] ? emptyTensor(x.shape, x.dtype, x.device, op) : null;
  const gw = needs[1] && weight ? emptyTensor([C], x.dtype, x.device, op) : null;
  const gb = needs[2] ? emptyTensor([C], x.dtype, x.device, op) : null;
  const gc = contiguousRaw(g);
  const xc = contiguousRaw(x);
  const w = contiguous1d(weight);
  const m = contiguousRaw(mean);
  const r = contiguousRaw(invstd);
  runKernel(op, 'batchNormBackward', gc, xc, w, m, r, gx, gw, gb, { training, eps: 0 });
  for (const [t, orig] of [
    [gc, g],
    [xc, x],
    [w, weight],
    [m, mean],
    [r, invstd],
  ] as const)
    if (t !== orig) t!.dispose();
  return [gx, gw, gb];
}

/** The rows of a layer norm over the trailing `k` dims: the kept-dims shape of its statistics and the row size. */
function layerRows(x: Tensor, k: number): { statShape: number[]; size: number } {
  const lead = x.dim() - k;
  return { statShape: x.shape.map((s, i) => (i < lead ? s : 1)), size: x.shape.slice(lead).reduce((a, b) => a * b, 1) };
}

/** The forward on the device's fused kernel (Note [Fused layer norm] in the cpu backend), or null where it has none. */
function fusedLayerNorm(
  x: Tensor,
  k: number,
  weight: Tensor | null,
  bias: Tensor | null,
  eps: number,
): { y: Tensor; mean: Tensor; rstd: Tensor } | null {
  if (!isFloating(x.dtype) || x.numel() === 0 || !deviceCan(x, 'layerNorm')) return null;
  if (![weight, bias].every((t) => t === null || (t.dtype === x.dtype && t.device === x.device))) return null;
  const op = 'layerNorm';
  const { statShape, size } = layerRows(x, k);
  const mean = emptyTensor(statShape, x.dtype, x.device, op);
  const rstd = emptyTensor(statShape, x.dtype, x.device, op);
  const y = emptyTensor(x.shape, x.dtype, x.device, op);
  const xc = contiguousRaw(x);
  const w = contiguous1d(weight);
  const b = contiguous1d(bias);
  runKernel(op, 'layerNorm', xc, w, b, mean, rstd, y, { normalizedSize: size, eps });
  for (const [t, orig] of [
    [xc, x],
    [w, weight],
    [b, bias],
  ] as const)
    if (t !== orig) t!.dispose();
  return { y, mean, rstd };
}

/**
 * @internal Layer norm's gradients (input, weight, bias; null where not `needs`) over the trailing
 * `k` dims on the device's fused kernel, from the forward's saved per-row `mean` and `rstd`; null
 * when the device has no such kernel or the dtypes differ (the autograd rule then uses tensor
 * ops). Not differentiable again: the rule takes this path only with grad mode off.
 *
 * @example
 * const r = layerNormBackward(g, x, 1, w, mean, rstd, [true, true, true]);
 */
export function layerNormBackward(
  g: Tensor,
  x: Tensor,
  k: number,
  weight: Tensor | null,
  mean: Tensor,
  rstd: Tensor,
  needs: readonly boolean[],
): [Tensor | null, Tensor | null, Tensor | null] | null {
  if (!isFloating(x.dtype) || x.numel() === 0 || !deviceCan(x, 'layerNormBackward')) return null;
  if (![g, weight, mean, rstd].every((t) => t === null || (t.dtype === x.dtype && t.device === x.device))) return null;
  const op = 'layerNormBackward';
  const { size } = layerRows(x, k);
  const wShape = x.shape.slice(x.dim() - k);
  const gx = needs[0] ? emptyTensor(x.shape, x.dtype, x.device, op) : null;
  const gw = needs[1] && weight ? emptyTensor(wShape, x.dtype, x.device, op) : null;
  const gb = needs[2] ? emptyTensor(wShape, x.dtype, x.device, op) : null;
  const gc = contiguousRaw(g);
  const xc = contiguousRaw(x);
  const w = contiguous1d(weight);
  const m = contiguousRaw(mean);
  const r = contiguousRaw(rstd);
  runKernel(op, 'layerNormBackward', gc, xc, w, m, r, gx, gw, gb, { normalizedSize: size, eps: 0 });
  for (const [t, orig] of [
    [gc, g],
    [xc, x],
    [w, weight],
    [m, mean],
    [r, rstd],
  ] as const)
    if (t !== orig) t!.dispose();
  return [gx, gw, gb];
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims of x, with optional
 * elementwise `weight`/`bias` of that shape.
 *
 * @example
 * layerNorm(x, [64], w, b, 1e-5);
 */
export const layerNorm = defineOp(
  'layerNorm',
  (x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number): Tensor => {
    const k = normalizedShape.length;
    const axes = normalizedShape.map((_, i) => x.dim() - k + i);
    const r =
      fusedLayerNorm(x, k, weight, bias, eps) ??
      runDetached([x, weight, bias], (xd, w, b) => {
        const { mean, rstd, xhat } = normStats(xd, axes, eps);
        let y = xhat;
        if (w) y = y.mul(w);
        if (b) y = y.add(b);
        return { y, mean, rstd };
      });
    recordOp('layerNorm', [x, weight, bias], r.y, { normalizedShape: [...normalizedShape], eps, mean: r.mean, rstd: r.rstd });
    return r.y;
  },
);

/**
 * @internal The [N, G, C/G · spatial] shape group normalisation reduces over (explicit sizes: an
 * empty input cannot infer a -1).
 *
 * @example
 * groupShape([2, 4, 3], 2); // [2, 2, 6]
 */
export function groupShape(shape: readonly number[], numGroups: number): [number, number, number] {
  return [shape[0]!, numGroups, (shape[1]! / numGroups) * shape.slice(2).reduce((a, b) => a * b, 1)];
}

/**
 * Group normalisation of x [N, C, *]: the channels split into `numGroups` groups, each
 * normalised over its channels and positions, then the per-channel `weight`/`bias`; one
 * `NativeGroupNormBackward0` node.
 *
 * @example
 * groupNorm(x, 4, w, b, 1e-5);
 */
export const groupNorm = defineOp(
  'groupNorm',
  (x: Tensor, numGroups: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor => {
    const cs = x.shape.map((s, i) => (i === 1 ? s : 1));
    const r = runDetached([x, weight, bias], (xd, w, b) => {
      const { mean, rstd, xhat } = normStats(xd.reshape(groupShape(x.shape, numGroups)), [2], eps);
      let y = xhat.reshape([...x.shape]);
      if (w) y = y.mul(w.reshape(cs));
      if (b) y = y.add(b.reshape(cs));
      return { y, mean, rstd };
    });
    recordOp('groupNorm', [x, weight, bias], r.y, { numGroups, eps, mean: r.mean, rstd: r.rstd });
    return r.y;
  },
);
