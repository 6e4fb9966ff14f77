/**
 * The margin, embedding and likelihood losses of torch.nn.functional (torch 1.13's formulas and
 * argument checks), composed of tensor ops: autograd differentiates them on every device.
 */
import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { broadcastShapesFor, checkOnDevice, DEFERRED_NOTE, logsigmoid, runScope } from '@dl/tensor/internal';
import { pairwiseDistance } from './distance.js';
import type { Reduction } from './loss.js';
import { applyReduction, checkReduction } from './loss-reduction.js';

function isTensor(op: string, name: string, t: unknown): asserts t is Tensor {
  if (!(t instanceof dl.Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`, { op });
}

function floating(op: string, ...ts: Tensor[]): void {
  for (const t of ts) {
    if (!dl.isFloating(t.dtype))
      throw new DTypeError(`${op}: expected floating inputs, got ${t.dtype} ${fmtShape(t.shape)}`, { op, hint: 'cast with .float()' });
  }
}

function broadcastOrThrow(op: string, shapes: Record<string, readonly number[]>): number[] {
  let out: number[] = [];
  try {
    for (const s of Object.values(shapes)) out = broadcastShapesFor(op, out, s);
  } catch {
    const desc = Object.entries(shapes)
      .map(([k, s]) => `${k} ${fmtShape(s)}`)
      .join(', ');
    throw new ShapeError(`${op}: the shapes cannot be broadcast together: ${desc}`, {
      op,
      hint: 'sizes must match or be 1 in each trailing dim',
    });
  }
  return out;
}

/** Options of the losses with a margin. */
export interface MarginOptions {
  margin?: number;
  reduction?: Reduction;
}

/**
 * `max(0, −target · (input1 − input2) + margin)`, target ±1; inputs of one rank (broadcast).
 *
 * @example
 * F.marginRankingLoss(a, b, dl.tensor([1, -1, 1]), { margin: 0.5 })
 */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  return runScope('F.marginRankingLoss', () => {
    const op = 'marginRankingLoss';
    isTensor(op, 'input1', input1);
    isTensor(op, 'input2', input2);
    isTensor(op, 'target', target);
    if (input1.dim() !== input2.dim() || input1.dim() !== target.dim()) {
      throw new ShapeError(
        `${op}: All input tensors should have same dimension but got sizes: input1: ${fmtShape(input1.shape)}, input2: ${fmtShape(input2.shape)}, target: ${fmtShape(target.shape)}`,
        { op, hint: 'reshape so the three tensors have one rank' },
      );
    }
    checkReduction(op, opts.reduction);
    broadcastOrThrow(op, { input1: input1.shape, input2: input2.shape, target: target.shape });
    const l = target
      .neg()
      .mul(input1.sub(input2))
      .add(opts.margin ?? 0)
      .clamp(0, null);
    return applyReduction(op, l, opts.reduction);
  });
}

/**
 * `x` where target is 1, `max(0, margin − x)` where it is −1 (torch's where-based formula: other
 * targets give both terms).
 *
 * @example
 * F.hingeEmbeddingLoss(d, dl.tensor([1, -1]), { margin: 1 })
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  return runScope('F.hingeEmbeddingLoss', () => {
    const op = 'hingeEmbeddingLoss';
    isTensor(op, 'input', input);
    isTensor(op, 'target', target);
    checkReduction(op, opts.reduction);
    broadcastOrThrow(op, { input: input.shape, target: target.shape });
    const marginClamp = input
      .neg()
      .add(opts.margin ?? 1)
      .clamp(0, null);
    const outMargin = dl.where(target.ne(1), marginClamp, 0);
    const outSelf = dl.where(target.ne(-1), input, 0);
    return applyReduction(op, outMargin.add(outSelf), opts.reduction);
  });
}

/**
 * `log(1 + exp(−target · input))`, target ±1 broadcast to the input's shape.
 *
 * @example
 * F.softMarginLoss(scores, dl.tensor([1, -1, 1]))
 */
export function softMarginLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  return runScope('F.softMarginLoss', () => {
    const op = 'softMarginLoss';
    isTensor(op, 'input', input);
    isTensor(op, 'target', target);
    checkReduction(op, opts.reduction);
    const shape = broadcastOrThrow(op, { input: input.shape, target: target.shape });
    if (shape.length !== input.dim() || shape.some((s, i) => s !== input.shape[i])) {
      throw new ShapeError(`${op}: output with shape ${fmtShape(input.shape)} doesn't match the broadcast shape ${fmtShape(shape)}`, {
        op,
        hint: 'the target must broadcast to the input shape',
      });
    }
    return applyReduction(op, input.neg().mul(target).exp().log1p(), opts.reduction);
  });
}

/**
 * `−(y log σ(x) + (1 − y) log σ(−x))` averaged over the classes (last dim), optionally weighted.
 *
 * @example
 * F.multilabelSoftMarginLoss(logits, multiHot)
 */
export function multilabelSoftMarginLoss(
  input: Tensor,
  target: Tensor,
  opts: { weight?: Tensor | null; reduction?: Reduction } = {},
): Tensor {
  return runScope('F.multilabelSoftMarginLoss', () => {
    const op = 'multilabelSoftMarginLoss';
    isTensor(op, 'input', input);
    isTensor(op, 'target', target);
    checkReduction(op, opts.reduction);
    floating(op, input);
    broadcastOrThrow(op, { input: input.shape, target: target.shape, ...(opts.weight ? { weight: opts.weight.shape } : {}) });
    let l = target
      .mul(logsigmoid(input))
      .add(target.neg().add(1).mul(logsigmoid(input.neg())))
      .neg();
    if (opts.weight) l = l.mul(opts.weight);
    const classDim = input.dim() - 1;
    const C = input.dim() === 0 ? 1 : input.shape[classDim]!;
    l = input.dim() === 0 ? l : l.sum(classDim).div(C);
    return applyReduction(op, l, opts.reduction);
  });
}

/** Class-index targets in [lo, C) (sync on cpu, a device check elsewhere). */
function checkIndexRange(op: string, target: Tensor, lo: number, C: number, what: string): void {
  if (target.numel() === 0) return;
  const error = (v: number, deferred: boolean) =>
    new IndexError(`${op}: target out of range (${what} ${v}; the input has ${C} classes)`, {
      op,
      hint: `class indices must be in [${lo === -1 ? '-1' : '0'}, ${C - 1}]` + (deferred ? `. ${DEFERRED_NOTE}` : ''),
    });
  if (!target._backend.readSync) {
    checkOnDevice(op, target, { lo, hi: C - 1, key: `${op}:${lo}:${C}`, error: (v) => error(v, true) });
    return;
  }
  const t = target.dataSync();
  for (let i = 0; i < t.length; i++) if (t[i]! < lo || t[i]! >= C) throw error(t[i]!, false);
}

/** Options of {@link multiMarginLoss}. */
export interface MultiMarginOptions extends MarginOptions {
  p?: 1 | 2;
  weight?: Tensor | null;
}

/**
 * Multi-class hinge loss of scores [N, C] (or [C]) at class indices [N]:
 * `Σ_{i≠y} w[y] max(0, margin − x[y] + x[i])^p / C`, p 1 or 2.
 *
 * @example
 * F.multiMarginLoss(scores, labels, { p: 1, margin: 1 })
 */
export function multiMarginLoss(input: Tensor, target: Tensor, opts: MultiMarginOptions = {}): Tensor {
  return runScope('F.multiMarginLoss', () => {
    const op = 'multiMarginLoss';
    isTensor(op, 'input', input);
    isTensor(op, 'target', target);
    const p = opts.p ?? 1;
    if (p !== 1 && p !== 2) throw new ArgumentError(`${op}: only p == 1 and p == 2 supported (got ${String(p)})`, { op });
    checkReduction(op, opts.reduction);
    floating(op, input);
    const nonEmpty = (input.dim() === 1 && input.shape[0]! > 0) || (input.dim() === 2 && input.shape[1]! > 0) || input.dim() === 0;
    if (input.dim() > 2 || !nonEmpty) {
      throw new ShapeError(`${op}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: ${fmtShape(input.shape)}`, {
        op,
      });
    }
    if (!dl.isIntegral(target.dtype))
      throw new DTypeError(`${op}: expected integer class indices, got ${target.dtype} ${fmtShape(target.shape)}`, {
        op,
        hint: 'cast with .long()',
      });
    const x = input.dim() === 2 ? input : input.reshape(1, -1);
    const [N, C] = x.shape as [number, number];
    if (target.numel() !== N || target.dim() > 1) {
      throw new ShapeError(`${op}: inconsistent target size: ${fmtShape(target.shape)} for input of size: ${fmtShape(input.shape)}`, {
        op,
        hint: 'one class index per row',
      });
    }
    const w = opts.weight ?? null;
    if (w && (w.dim() !== 1 || w.numel() !== C))
      throw new ShapeError(`${op}: inconsistent weight size, expected ${C} but got ${fmtShape(w.shape)}`, { op });
    checkIndexRange(op, target, 0, C, 'target');
    const t = target.reshape(N, 1).to('int32');
    const xy = x.gather(1, t);
    const z = xy
      .neg()
      .add(x)
      .add(opts.margin ?? 1);
    let h = dl.where(z.gt(0), z, 0); // torch's `if (z > 0)`: NaN terms count 0
    if (p === 2) h = h.square();
    if (w) h = h.mul(w.indexSelect(0, t.reshape(-1)).reshape(N, 1));
    const notTarget = dl.arange(C, { device: x.device }).reshape(1, C).ne(t);
    let l = dl.where(notTarget, h, 0).sum(1).div(C);
    if (input.dim() <= 1 && (opts.reduction ?? 'mean') === 'none') l = target.dim() === 0 ? l.reshape([]) : l;
    return applyReduction(op, l, opts.reduction);
  });
}

/**
 * Multi-class multi-label hinge loss: for each row, the class indices in `target` up to the
 * first −1 are the targets; `Σ_j Σ_{i not a target} max(0, 1 − (x[y_j] − x[i])) / C`.
 *
 * @example
 * F.multilabelMarginLoss(dl.tensor([[0.1, 0.2, 0.4, 0.8]]), dl.tensor([[3, 0, -1, 1]]).long())
 */
export function multilabelMarginLoss(input: Tensor, target: Tensor, opts: { reduction?: Reduction } = {}): Tensor {
  return runScope('F.multilabelMarginLoss', () => {
    const op = 'multilabelMarginLoss';
    isTensor(op, 'input', input);
    isTensor(op, 'target', target);
    checkReduction(op, opts.reduction);
    floating(op, input);
    if (!dl.isIntegral(target.dtype))
      throw new DTypeError(`${op}: expected integer class indices, got ${target.dtype} ${fmtShape(target.shape)}`, {
        op,
        hint: 'cast with .long()',
      });
    const nonEmpty = (input.dim() === 1 && input.shape[0]! > 0) || (input.dim() === 2 && input.shape[1]! > 0) || input.dim() === 0;
    if (input.dim() > 2 || !nonEmpty)
      throw new ShapeError(`${op}: Expected non-empty vector or matrix with optional 0-dim batch size, but got: ${fmtShape(input.shape)}`, {
        op,
      });
    const sameShape = target.dim() === input.dim() && target.shape.every((s, i) => s === input.shape[i]);
    if (!sameShape)
      throw new ShapeError(`${op}: inconsistent target size: ${fmtShape(target.shape)} for input of size: ${fmtShape(input.shape)}`, {
        op,
        hint: 'the target has the input shape, padded with -1',
      });
    const x = input.dim() === 2 ? input : input.reshape(1, -1);
    const [N, C] = x.shape as [number, number];
    checkIndexRange(op, target, -1, C, 'target');
    const t = target.reshape(N, C).to('int32');
    // targets count up to the first -1 of the row
    const valid = t.eq(-1).to('int32').cumsum(1).eq(0); // [N, S]
    const safe = dl.where(valid, t, 0);
    const isTarget = dl.oneHot(safe, C).mul(valid.unsqueeze(2).to('int32')).sum(1).gt(0); // [N, C]
    const xy = x.gather(1, safe); // [N, S]
    const z = xy.unsqueeze(2).neg().add(x.unsqueeze(1)).add(1); // [N, S, C]
    // torch's `if (z > 0)`: NaN terms count 0
    const mask = valid.unsqueeze(2).logicalAnd(isTarget.logicalNot().unsqueeze(1)).logicalAnd(z.gt(0));
    let l = dl.where(mask, z, 0).sum([1, 2]).div(C);
    if (input.dim() <= 1) l = l.reshape([]);
    return applyReduction(op, l, opts.reduction);
  });
}

/**
 * `1 − cos(x1, x2)` where target is 1, `max(0, cos − margin)` where it is −1; [N, D] inputs with
 * [N] targets, or [D] with a 0-d target.
 *
 * @example
 * F.cosineEmbeddingLoss(a, b, dl.tensor([1, -1]), { margin: 0.2 })
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  return runScope('F.cosineEmbeddingLoss', () => {
    const op = 'cosineEmbeddingLoss';
    isTensor(op, 'input1', input1);
    isTensor(op, 'input2', input2);
    isTensor(op, 'target', target);
    const td = target.dim();
    if (td !== 0 && td !== 1)
      throw new ShapeError(`${op}: 0D or 1D target tensor expected, multi-target not supported (target ${fmtShape(target.shape)})`, { op });
    const want = td === 1 ? 2 : 1;
    if (input1.dim() !== want || input2.dim() !== want) {
      throw new ShapeError(
        `${op}: ${td}D target tensor expects ${want}D input tensors, but found inputs with sizes ${fmtShape(input1.shape)} and ${fmtShape(input2.shape)}.`,
        { op },
      );
    }
    checkReduction(op, opts.reduction);
    const EPSILON = 1e-12;
    const prodSum = input1.mul(input2).sum(td);
    const mag1 = input1.mul(input1).sum(td).add(EPSILON);
    const mag2 = input2.mul(input2).sum(td).add(EPSILON);
    const cos = prodSum.div(mag1.mul(mag2).sqrt());
    const pos = cos.neg().add(1);
    const neg = cos.sub(opts.margin ?? 0).clamp(0, null);
    const out = dl.where(target.eq(1), pos, 0).add(dl.where(target.eq(-1), neg, 0));
    return applyReduction(op, out, opts.reduction);
  });
}

/** Options of {@link tripletMarginLoss}. */
export interface TripletMarginOptions extends MarginOptions {
  p?: number;
  eps?: number;
  swap?: boolean;
}

function sameRank(op: string, a: Tensor, p: Tensor, n: Tensor): void {
  isTensor(op, 'anchor', a);
  isTensor(op, 'positive', p);
  isTensor(op, 'negative', n);
  if (a.dim() !== p.dim() || p.dim() !== n.dim()) {
    throw new ShapeError(`${op}: All inputs should have same dimension but got ${a.dim()}D, ${p.dim()}D and ${n.dim()}D inputs.`, {
      op,
      hint: `anchor ${fmtShape(a.shape)}, positive ${fmtShape(p.shape)}, negative ${fmtShape(n.shape)}`,
    });
  }
}

/**
 * `max(d(a, p) − d(a, n) + margin, 0)` with the pairwise p-norm distance (`swap`: the smaller of
 * d(a, n) and d(p, n)).
 *
 * @example
 * F.tripletMarginLoss(anchor, pos, neg, { margin: 1, p: 2 })
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts: TripletMarginOptions = {}): Tensor {
  return runScope('F.tripletMarginLoss', () => {
    const op = 'tripletMarginLoss';
    sameRank(op, anchor, positive, negative);
    checkReduction(op, opts.reduction);
    const o = { p: opts.p ?? 2, eps: opts.eps ?? 1e-6 };
    const dPos = pairwiseDistance(anchor, positive, o);
    let dNeg = pairwiseDistance(anchor, negative, o);
    if (opts.swap) dNeg = dl.minimum(dNeg, pairwiseDistance(positive, negative, o));
    return applyReduction(
      op,
      dPos
        .sub(dNeg)
        .add(opts.margin ?? 1)
        .clamp(0, null),
      opts.reduction,
    );
  });
}

/** Options of {@link tripletMarginWithDistanceLoss}. */
export interface TripletDistanceOptions extends MarginOptions {
  /** `(x1, x2) => distances` (default: `F.pairwiseDistance`). */
  distanceFunction?: ((x1: Tensor, x2: Tensor) => Tensor) | null;
  swap?: boolean;
}

/**
 * Triplet loss with any distance function (default the pairwise Euclidean distance).
 *
 * @example
 * F.tripletMarginWithDistanceLoss(a, p, n, { distanceFunction: (x, y) => F.cosineSimilarity(x, y).neg().add(1) })
 */
export function tripletMarginWithDistanceLoss(
  anchor: Tensor,
  positive: Tensor,
  negative: Tensor,
  opts: TripletDistanceOptions = {},
): Tensor {
  return runScope('F.tripletMarginWithDistanceLoss', () => {
    const op = 'tripletMarginWithDistanceLoss';
    sameRank(op, anchor, positive, negative);
    checkReduction(op, opts.reduction);
    const dist = opts.distanceFunction ?? ((x1: Tensor, x2: Tensor) => pairwiseDistance(x1, x2));
    const dPos = dist(anchor, positive);
    let dNeg = dist(anchor, negative);
    if (opts.swap) dNeg = dl.minimum(dNeg, dist(positive, negative));
    return applyReduction(
      op,
      dPos
        .sub(dNeg)
        .add(opts.margin ?? 1)
        .clamp(0, null),
      opts.reduction,
    );
  });
}

/** Options of {@link poissonNllLoss}. */
export interface PoissonNLLOptions {
  logInput?: boolean;
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

/**
 * Poisson negative log-likelihood: `exp(x) − y x` (logInput, default) or `x − y log(x + eps)`,
 * plus Stirling's `y log y − y + ½ log(2π y)` where y > 1 when `full`.
 *
 * @example
 * F.poissonNllLoss(logRate, counts, { full: true })
 */
export function poissonNllLoss(input: Tensor, target: Tensor, opts: PoissonNLLOptions = {}): Tensor {
  return runScope('F.poissonNllLoss', () => {
    const op = 'poissonNllLoss';
    isTensor(op, 'input', input);
    isTensor(op, 'target', target);
    checkReduction(op, opts.reduction);
    broadcastOrThrow(op, { input: input.shape, target: target.shape });
    let l = (opts.logInput ?? true) ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(opts.eps ?? 1e-8).log()));
    if (opts.full) {
      const stirling = target
        .mul(target.log())
        .sub(target)
        .add(
          target
            .mul(2 * Math.PI)
            .log()
            .mul(0.5),
        );
      l = l.add(stirling.maskedFill(target.le(1), 0));
    }
    return applyReduction(op, l, opts.reduction);
  });
}

/** Options of {@link gaussianNllLoss}. */
export interface GaussianNLLOptions {
  full?: boolean;
  eps?: number;
  reduction?: Reduction;
}

/**
 * Gaussian negative log-likelihood `½ (log var + (x − y)² / var)` (+ `½ log 2π` when `full`), var
 * clamped at `eps` as torch 1.13 (no gradient through the clamp). `var` has the input's shape, or
 * one dim less, or a last dim of 1 (homoscedastic).
 *
 * @example
 * F.gaussianNllLoss(mu, y, sigma2)
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, opts: GaussianNLLOptions = {}): Tensor {
  return runScope('F.gaussianNllLoss', () => {
    const op = 'gaussianNllLoss';
    isTensor(op, 'input', input);
    isTensor(op, 'target', target);
    isTensor(op, 'var', variance);
    let v = variance;
    const same = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((s, i) => s === b[i]);
    if (!same(v.shape, input.shape)) {
      const lead = input.shape.slice(0, -1);
      if (input.dim() > 0 && same(lead, v.shape)) v = v.unsqueeze(-1);
      else if (input.dim() > 0 && v.dim() > 0 && same(lead, v.shape.slice(0, -1)) && v.shape[v.dim() - 1] === 1) {
        // homoscedastic with a trailing 1
      } else {
        throw new ShapeError(`${op}: var is of incorrect size (var ${fmtShape(variance.shape)}, input ${fmtShape(input.shape)})`, {
          op,
          hint: "var has the input's shape, or the input's shape without its last dim, or with a last dim of 1",
        });
      }
    }
    const r = opts.reduction ?? 'mean';
    if (r !== 'none' && r !== 'mean' && r !== 'sum')
      throw new ArgumentError(`${op}: ${String(r)} is not valid`, { op, hint: "use 'mean', 'sum' or 'none'" });
    checkNonNegative(op, v);
    const eps = opts.eps ?? 1e-6;
    // torch: var.clone() then clamp_(min=eps) under no_grad: the value is clamped, the gradient passes as if not
    const vc = dl.where(v.lt(eps), v.sub(v.detach()).add(eps), v);
    let l = vc.log().add(input.sub(target).square().div(vc)).mul(0.5);
    if (opts.full) l = l.add(0.5 * Math.log(2 * Math.PI));
    return applyReduction(op, l, r);
  });
}

function checkNonNegative(op: string, v: Tensor): void {
  if (v.numel() === 0) return;
  const error = (deferred: boolean) =>
    new ArgumentError(`${op}: var has negative entry/entries`, {
      op,
      hint: 'variances must be >= 0' + (deferred ? `. ${DEFERRED_NOTE}` : ''),
    });
  if (!v._backend.readSync) {
    checkOnDevice(op, dl.where(v.detach().isnan(), 0, v.detach()), { lo: 0, hi: Infinity, key: `${op}:var`, error: () => error(true) });
    return;
  }
  if (v.detach().lt(0).any().itemSync()) throw error(false);
}
