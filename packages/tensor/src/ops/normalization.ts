/**
 * Batch, layer and group normalisation as one autograd node each (`NativeBatchNormBackward0`,
 * `NativeLayerNormBackward0`, `NativeGroupNormBackward0`; Note [Composite ops as one node] in ops/composite.ts). The node
 * keeps the statistics it normalised with (per channel / per row), as PyTorch's save_mean and
 * save_invstd.
 */
import { defineOp, recordOp } from '../dispatch.js';
import { ShapeError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';

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
    for (const [name, t] of [['weight', weight], ['bias', bias], ['running_mean', opts.runningMean], ['running_var', opts.runningVar]] as const) {
      if (t && (t.dim() !== 1 || t.shape[0] !== C)) {
        throw new ShapeError(`${op}: expected ${name} of shape [${C}] for input ${fmtShape(x.shape)}, got ${fmtShape(t.shape)}`, { op, hint: 'one value per channel (dim 1)' });
      }
    }
    const cs = x.shape.map((s, i) => (i === 1 ? s : 1));
    const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
    const r = runDetached([x, weight, bias, opts.runningMean, opts.runningVar], (xd, w, b, rm, rv) => {
      let mean: Tensor;
      let v: Tensor;
      if (opts.training || !rm || !rv) {
        mean = xd.mean(axes, { keepdim: true });
        v = xd.sub(mean).square().mean(axes, { keepdim: true });
      } else {
        // copies: the node must not see later in-place updates of the running statistics
        mean = rm.reshape(cs).clone();
        v = rv.reshape(cs).clone();
      }
      const invstd = v.add(opts.eps).rsqrt();
      let y = xd.sub(mean).mul(invstd);
      if (w) y = y.mul(w.reshape(cs));
      if (b) y = y.add(b.reshape(cs));
      return { output: y, mean: mean.reshape(C), var: v.reshape(C), invstd: invstd.reshape(C) };
    });
    recordOp('batchNorm', [x, weight, bias], r.output, { training: opts.training, eps: opts.eps, mean: r.mean, invstd: r.invstd });
    return { output: r.output, mean: r.mean, var: r.var };
  },
);

/**
 * Layer normalisation over the trailing `normalizedShape` dims of x, with optional
 * elementwise `weight`/`bias` of that shape.
 *
 * @example
 * layerNorm(x, [64], w, b, 1e-5);
 */
export const layerNorm = defineOp('layerNorm', (x: Tensor, normalizedShape: readonly number[], weight: Tensor | null, bias: Tensor | null, eps: number): Tensor => {
  const k = normalizedShape.length;
  const axes = normalizedShape.map((_, i) => x.dim() - k + i);
  const r = runDetached([x, weight, bias], (xd, w, b) => {
    const mean = xd.mean(axes, { keepdim: true });
    const rstd = xd.sub(mean).square().mean(axes, { keepdim: true }).add(eps).rsqrt();
    let y = xd.sub(mean).mul(rstd);
    if (w) y = y.mul(w);
    if (b) y = y.add(b);
    return { y, mean, rstd };
  });
  recordOp('layerNorm', [x, weight, bias], r.y, { normalizedShape: [...normalizedShape], eps, mean: r.mean, rstd: r.rstd });
  return r.y;
});

/**
 * Group normalisation of x [N, C, *]: the channels split into `numGroups` groups, each
 * normalised over its channels and positions, then the per-channel `weight`/`bias`; one
 * `NativeGroupNormBackward0` node.
 *
 * @example
 * groupNorm(x, 4, w, b, 1e-5);
 */
export const groupNorm = defineOp('groupNorm', (x: Tensor, numGroups: number, weight: Tensor | null, bias: Tensor | null, eps: number): Tensor => {
  const N = x.shape[0]!;
  const cs = x.shape.map((s, i) => (i === 1 ? s : 1));
  const r = runDetached([x, weight, bias], (xd, w, b) => {
    const g = xd.reshape(N, numGroups, -1);
    const mean = g.mean(2, { keepdim: true });
    const rstd = g.sub(mean).square().mean(2, { keepdim: true }).add(eps).rsqrt();
    let y = g.sub(mean).mul(rstd).reshape([...x.shape]);
    if (w) y = y.mul(w.reshape(cs));
    if (b) y = y.add(b.reshape(cs));
    return { y, mean, rstd };
  });
  recordOp('groupNorm', [x, weight, bias], r.y, { numGroups, eps, mean: r.mean, rstd: r.rstd });
  return r.y;
});
