import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, type Generator, type Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { embeddingRenorm_ } from './embedding-renorm.js';
import {
  batchNorm as batchNormOp,
  checkOnDevice,
  DEFERRED_NOTE,
  embedding as embeddingOp,
  escape,
  groupNorm as groupNormOp,
  layerNorm as layerNormOp,
} from '@dl/tensor/internal';

/** Options of `F.batchNorm`. */
export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Use batch statistics (and update the running ones) — true in training mode. */
  training?: boolean;
  /** Running-average factor; null = cumulative average (uses `numBatchesTracked`). */
  momentum?: number | null;
  eps?: number;
}

/**
 * Batch normalisation over dim 1 of [N, C, *]: one `NativeBatchNormBackward0` node, as
 * PyTorch. In training it normalises with the batch statistics and updates
 * `runningMean`/`runningVar` in place (unbiased variance), as PyTorch.
 *
 * @example
 * F.batchNorm(x, rm, rv, { weight, bias, training: true, momentum: 0.1 });
 */
export function batchNorm(x: Tensor, runningMean: Tensor | null, runningVar: Tensor | null, opts: BatchNormOptions = {}): Tensor {
  const op = 'batchNorm';
  if (x.dim() < 2) throw new ShapeError(`${op}: expected at least a 2-D input [N, C, …], got ${fmtShape(x.shape)}`, { op });
  const C = x.shape[1]!;
  const eps = opts.eps ?? 1e-5;
  const training = opts.training ?? false;
  const n = x.numel() / C;
  if (training && n <= 1)
    throw new ArgumentError(`${op}: expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}`, { op });
  if (!training && (!runningMean || !runningVar))
    throw new ArgumentError(`${op}: running_mean and running_var must be defined in evaluation mode`, { op });
  const r = batchNormOp(x, opts.weight ?? null, opts.bias ?? null, { training, eps, runningMean, runningVar });
  if (training && runningMean && runningVar) {
    const m = opts.momentum ?? 0.1;
    noGrad(() => {
      runningMean.mul_(1 - m).add_(r.mean, { alpha: m });
      runningVar.mul_(1 - m).add_(r.var.mul(n / (n - 1)), { alpha: m });
    });
  }
  return r.output;
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims: one `NativeLayerNormBackward0`
 * node, as PyTorch.
 *
 * @example
 * F.layerNorm(x, [64], { weight, bias });
 */
export function layerNorm(
  x: Tensor,
  normalizedShape: readonly number[],
  opts: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {},
): Tensor {
  const op = 'layerNorm';
  const k = normalizedShape.length;
  const tail = x.shape.slice(x.dim() - k);
  if (k > x.dim() || tail.some((s, i) => s !== normalizedShape[i])) {
    throw new ShapeError(
      `${op}: given normalized_shape=${fmtShape(normalizedShape)}, expected input with shape [*, ${normalizedShape.join(', ')}], but got input of size ${fmtShape(x.shape)}`,
      { op },
    );
  }
  for (const [name, t] of [
    ['weight', opts.weight],
    ['bias', opts.bias],
  ] as const) {
    if (t && (t.dim() !== k || t.shape.some((s, i) => s !== normalizedShape[i]))) {
      throw new ShapeError(`${op}: expected ${name} of shape ${fmtShape(normalizedShape)} (normalized_shape), got ${fmtShape(t.shape)}`, {
        op,
      });
    }
  }
  return layerNormOp(x, normalizedShape, opts.weight ?? null, opts.bias ?? null, opts.eps ?? 1e-5);
}

/**
 * Note [One value per group]
 * torch 1.13's `F.group_norm` refuses, as batch norm in training does, an input whose
 * `[N · C / G, G, *spatial]` holds one value per "channel": N · (C / G) · spatial = 1, that is one
 * sample whose every group holds a single value (normalised, always 0). It checks the product with
 * the batch size in it, so [2, 1] with one group (one value per group, two samples) passes, as it
 * does here.
 */

/**
 * Group normalisation: channels of [N, C, *] split into `numGroups` groups; one
 * `NativeGroupNormBackward0` node, as PyTorch. The variance does not overflow (Note
 * [Normalisation without overflow] in @dl/tensor).
 *
 * @example
 * F.groupNorm(x, 4, { weight, bias });
 */
export function groupNorm(x: Tensor, numGroups: number, opts: { weight?: Tensor | null; bias?: Tensor | null; eps?: number } = {}): Tensor {
  const op = 'groupNorm';
  const C = x.shape[1] ?? 0;
  if (x.dim() < 2 || !Number.isInteger(numGroups) || numGroups < 1 || C % numGroups !== 0) {
    throw new ShapeError(`${op}: expected input [N, C, *] with C divisible by num_groups=${numGroups}, got ${fmtShape(x.shape)}`, { op });
  }
  for (const [name, t] of [
    ['weight', opts.weight],
    ['bias', opts.bias],
  ] as const) {
    if (t && (t.dim() !== 1 || t.shape[0] !== C))
      throw new ShapeError(`${op}: expected ${name} of shape [${C}], got ${fmtShape(t.shape)}`, { op });
  }
  // torch's F.group_norm: _verify_batch_size([N · C / G, G, *spatial]) (Note [One value per group])
  const size = [x.shape[0]! * (C / numGroups), numGroups, ...x.shape.slice(2)];
  if (size[0]! * size.slice(2).reduce((a, b) => a * b, 1) === 1) {
    throw new ArgumentError(`${op}: expected more than 1 value per channel when training, got input size ${fmtShape(size)}`, {
      op,
      hint: `each of the ${numGroups} groups of input ${fmtShape(x.shape)} holds one value, whose normalised value is always 0: use fewer groups or more values`,
    });
  }
  return groupNormOp(x, numGroups, opts.weight ?? null, opts.bias ?? null, opts.eps ?? 1e-5);
}

/**
 * Zero each element with probability `p` and scale the rest by 1/(1-p) (training only),
 * drawing from the seeded generator.
 *
 * @example
 * F.dropout(x, 0.5, { training: this.training });
 */
export function dropout(x: Tensor, p = 0.5, opts: { training?: boolean; generator?: Generator } = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new ArgumentError(`dropout: probability has to be between 0 and 1, but got ${p}`, { op: 'dropout' });
  if (!(opts.training ?? true) || p === 0 || x.numel() === 0) return x;
  // torch's CPU dropout: x * noise, noise = bernoulli(1 - p) / (1 - p), one MulBackward0 node
  // (Note [Composite ops as one node] in @dl/tensor; CUDA's NativeDropoutBackward0 is a fused kernel).
  if (p === 1) return x.mul(dl.zeros([], { dtype: x.dtype, device: x.device }));
  const noise = noGrad(() => {
    const u = dl.rand([...x.shape], { device: x.device, ...(opts.generator ? { generator: opts.generator } : {}) });
    return u
      .ge(p)
      .to(x.dtype)
      .div(1 - p);
  });
  return x.mul(noise);
}

/**
 * Look up rows of `weight` [numEmbeddings, dim] at integer `indices`; rows at `paddingIdx`
 * get no gradient. One `EmbeddingBackward0` node, as PyTorch. With `maxNorm`, the looked-up rows
 * of `weight` whose `normType`-norm exceeds it are first rescaled in place (Note [Embedding max_norm
 * renormalises in place]); with `scaleGradByFreq`, each row's gradient is divided by how often its
 * index occurs in `indices`, as torch.
 *
 * @example
 * F.embedding(tokens, table);
 */
export function embedding(
  indices: Tensor,
  weight: Tensor,
  opts: { paddingIdx?: number | null; maxNorm?: number | null; normType?: number; scaleGradByFreq?: boolean } = {},
): Tensor {
  const op = 'embedding';
  if (indices.dtype !== 'int32' && indices.dtype !== 'uint8') {
    throw new DTypeError(`${op}: expected indices of an integer dtype (int32), got ${indices.dtype}`, { op, hint: 'cast with .long()' });
  }
  if (weight.dim() !== 2) throw new ShapeError(`${op}: expected a 2-D weight [numEmbeddings, dim], got ${fmtShape(weight.shape)}`, { op });
  const n = weight.shape[0]!;
  if (indices._backend.readSync && indices.numel() > 0) {
    const lo = indices.min().itemSync();
    const hi = indices.max().itemSync();
    if (lo < 0 || hi >= n)
      throw new dl.IndexError(`${op}: index ${lo < 0 ? lo : hi} is out of range for an embedding table of ${n} rows`, { op });
  } else {
    // no sync read: the device checks (the first bad id), and the next read raises
    checkOnDevice(op, indices, {
      lo: 0,
      hi: n - 1,
      key: `${op}:${n}`,
      error: (v) => new dl.IndexError(`${op}: index ${v} is out of range for an embedding table of ${n} rows`, { op, hint: DEFERRED_NOTE }),
    });
  }
  let pi: number | null = null;
  if (opts.paddingIdx !== undefined && opts.paddingIdx !== null) {
    pi = opts.paddingIdx < 0 ? opts.paddingIdx + n : opts.paddingIdx;
    if (!Number.isInteger(pi) || pi < 0 || pi >= n)
      throw new ArgumentError(`${op}: Padding_idx must be within num_embeddings (got paddingIdx=${opts.paddingIdx} for ${n} rows)`, { op });
  }
  const idx = indices.dtype === 'int32' ? indices : indices.to('int32');
  if (opts.maxNorm !== undefined && opts.maxNorm !== null) embeddingRenorm_(weight, idx, opts.maxNorm, opts.normType ?? 2);
  const out = embeddingOp(idx, weight, pi);
  if (!opts.scaleGradByFreq || !out.requiresGrad) return out;
  // torch divides each looked-up row's gradient by how often its index occurs in the batch: a hook
  // on the lookup scales the gradient before EmbeddingBackward0 adds it into the weight; the
  // caller gets a view, so the gradient it sees of its output is the unscaled one
  const flat = idx.reshape(-1);
  const inv = escape(
    noGrad(() =>
      dl
        .zeros([n], { dtype: weight.dtype, device: weight.device })
        .scatterAdd(0, flat, dl.ones([flat.numel()], { dtype: weight.dtype, device: weight.device }))
        .indexSelect(0, flat)
        .reciprocal()
        .reshape([...idx.shape, 1]),
    ),
  ); // held by the hook until backward: not the forward scope's to free
  out.registerHook((g) => g.mul(inv));
  return out.view([...out.shape]);
}

/** Options of `F.instanceNorm`. */
export interface InstanceNormOptions {
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  weight?: Tensor | null;
  bias?: Tensor | null;
  /** Normalise with each instance's statistics (and update the running ones); default true. */
  useInputStats?: boolean;
  momentum?: number;
  eps?: number;
}

/**
 * Instance normalisation: each (sample, channel) plane of [N, C, *] normalised by its own mean and
 * biased variance, then the per-channel affine, as torch's `F.instance_norm` — which is batch
 * normalisation of the input viewed as [1, N·C, *] with the running stats and the affine repeated
 * N times; the running stats are then updated with the mean over the batch of the repeated ones.
 *
 * @example
 * F.instanceNorm(x); // [N, C, H, W], no affine, no running stats
 * F.instanceNorm(x, { runningMean: rm, runningVar: rv, weight, bias });
 */
export function instanceNorm(x: Tensor, opts: InstanceNormOptions = {}): Tensor {
  const op = 'instanceNorm';
  if (x.dim() < 2) throw new ShapeError(`${op}: expected an input [N, C, *] of at least 2 dims, got ${fmtShape(x.shape)}`, { op });
  const [N, C] = x.shape as [number, number];
  const useInputStats = opts.useInputStats ?? true;
  const spatial = x.shape.slice(2).reduce((a, b) => a * b, 1);
  if (useInputStats && spatial <= 1) {
    throw new ArgumentError(`${op}: expected more than 1 spatial element when training, got input size ${fmtShape(x.shape)}`, {
      op,
      hint: 'each (sample, channel) plane needs at least 2 values to have a variance',
    });
  }
  const rm = opts.runningMean ?? null;
  const rv = opts.runningVar ?? null;
  for (const [name, t] of [
    ['weight', opts.weight],
    ['bias', opts.bias],
    ['runningMean', rm],
    ['runningVar', rv],
  ] as const) {
    if (t && (t.dim() !== 1 || t.shape[0] !== C))
      throw new ShapeError(`${op}: expected ${name} of shape [${C}] (the input's channels), got ${fmtShape(t.shape)}`, { op });
  }
  if (!useInputStats && (!rm || !rv))
    throw new ArgumentError(`${op}: expected runningMean and runningVar when useInputStats is false`, { op });
  const rep = (t: Tensor | null | undefined) => (t ? t.repeat(N) : null);
  const rmR = rm ? rm.detach().repeat(N) : null;
  const rvR = rv ? rv.detach().repeat(N) : null;
  const y = batchNorm(x.contiguous().reshape([1, N * C, ...x.shape.slice(2)]), rmR, rvR, {
    weight: rep(opts.weight),
    bias: rep(opts.bias),
    training: useInputStats,
    momentum: opts.momentum ?? 0.1,
    eps: opts.eps ?? 1e-5,
  });
  if (useInputStats && rm && rmR && N > 0) noGrad(() => rm.copy_(rmR.reshape(N, C).mean(0)));
  if (useInputStats && rv && rvR && N > 0) noGrad(() => rv.copy_(rvR.reshape(N, C).mean(0)));
  return y.reshape([...x.shape]);
}

/** One-hot int32 encoding with a trailing class dim. @example F.oneHot(labels, 10) */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  return dl.oneHot(indices, numClasses);
}
