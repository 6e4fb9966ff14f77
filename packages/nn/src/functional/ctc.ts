import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { checkOnDevice, DEFERRED_NOTE, runScope } from '@dl/tensor/internal';
import { applyReduction } from './loss-reduction.js';
import type { Reduction } from './loss.js';

/** Options of {@link ctcLoss}. */
export interface CTCLossOptions {
  /** The blank class (default 0). */
  blank?: number;
  reduction?: Reduction;
  /** Infinite losses (no alignment fits in the input length) become 0, with gradient 0. */
  zeroInfinity?: boolean;
}

/*
 * Note [CTC as tensor ops]
 * ------------------------
 * The loss is the forward (alpha) recursion of Graves et al. in log space, run over time with
 * tensor ops on [N, 2S+1] extended-label states: every device runs it as it is (no host read of
 * the log-probabilities, so webgpu needs no transfer), and autograd's backward through the
 * recursion is the beta recursion — the gradient `−exp(log αβ − log p − lp)` of the
 * negative log-likelihood. PyTorch's CTC backward returns that plus `exp(lp)` (its formula
 * `exp(lp) − exp(lcab + nll − lp)`, which is the gradient with respect to the logits when the
 * log-probabilities come from log_softmax — and makes no difference after a log_softmax, whose
 * backward removes it); dl adds that term with a zero-valued `e − e.detach()` so that the
 * gradients equal PyTorch's. Two details keep the backward finite: the log-sum-exp of the three
 * predecessor states shifts by a detached maximum (the gradient does not depend on it) and takes
 * the log of a sum only where it is positive, so impossible states (−inf) pass a zero gradient
 * instead of 0/0. Samples with an infinite loss under `zeroInfinity` get 0 and no gradient, as
 * PyTorch; without it, PyTorch's gradient of an infinite loss is NaN, dl's is `exp(lp)`.
 */

type Lengths = Tensor | readonly number[] | number;

function lengthsTensor(op: string, name: string, v: Lengths, N: number, device: string): Tensor {
  let t: Tensor;
  if (v instanceof dl.Tensor) {
    if (!dl.isIntegral(v.dtype)) throw new DTypeError(`${op}: ${name} must be integers, got ${v.dtype}`, { op, hint: 'cast with .long()' });
    t = v.reshape(-1).to('int32');
  } else if (typeof v === 'number') t = dl.tensor([v], { dtype: 'int32' });
  else if (Array.isArray(v)) t = dl.tensor(v as number[], { dtype: 'int32' });
  else throw new ArgumentError(`${op}: ${name} must be a Tensor or an array of lengths`, { op });
  if (t.numel() !== N) throw new ShapeError(`${op}: ${name} must have one length per batch element (${N}), got ${t.numel()}`, { op });
  return t.device === device ? t : t.to(device);
}

/** Host values where they can be read synchronously (cpu), else null (the device checks them). */
function hostValues(t: Tensor): ArrayLike<number> | null {
  return t._backend.readSync ? t.dataSync() : null;
}

function checkRange(op: string, t: Tensor, lo: number, hi: number, what: string): void {
  const host = hostValues(t);
  const error = (v: number, deferred: boolean) => new IndexError(`${op}: Expected ${what} to be in [${lo}, ${hi}], but got value ${v}`, { op, hint: deferred ? DEFERRED_NOTE : undefined });
  if (!host) {
    checkOnDevice(op, t, { lo, hi, key: `${op}:${what}:${lo}:${hi}`, error: (v) => error(v, true) });
    return;
  }
  for (let i = 0; i < host.length; i++) if (host[i]! < lo || host[i]! > hi) throw error(host[i]!, false);
}

/** `where(cond, a, -inf)` with a NaN-free backward. */
const NEG_INF = -Infinity;

/** log(exp(a) + exp(b) + exp(c)) elementwise, finite-gradient where everything is −inf. */
function lse3(a: Tensor, b: Tensor, c: Tensor): Tensor {
  const m = dl.maximum(dl.maximum(a, b), c).detach();
  const ms = dl.where(m.isfinite(), m, 0);
  const s = a.sub(ms).exp().add(b.sub(ms).exp()).add(c.sub(ms).exp());
  const pos = s.gt(0);
  return dl.where(pos, dl.where(pos, s, 1).log().add(ms), NEG_INF);
}

/**
 * Connectionist temporal classification loss of log-probabilities `logProbs` [T, N, C] (or [T, C]
 * unbatched) against `targets` — padded [N, S] or the concatenated 1-D labels — with per-sample
 * `inputLengths` and `targetLengths` (arrays or integer tensors), as torch 1.13's F.ctc_loss:
 * `'mean'` divides each loss by its target length, then averages over the batch. Gradients equal
 * PyTorch's (Note [CTC as tensor ops]).
 *
 * @example
 * const lp = dl.randn(50, 16, 20).logSoftmax(2);
 * F.ctcLoss(lp, targets, Array(16).fill(50), targetLengths, { blank: 0 });
 */
export function ctcLoss(logProbs: Tensor, targets: Tensor, inputLengths: Lengths, targetLengths: Lengths, opts: CTCLossOptions = {}): Tensor {
  return runScope('F.ctcLoss', () => {
    const op = 'ctcLoss';
    if (!(logProbs instanceof dl.Tensor) || !(targets instanceof dl.Tensor)) throw new ArgumentError(`${op}: logProbs and targets must be Tensors`, { op });
    if (!dl.isFloating(logProbs.dtype)) throw new DTypeError(`${op}: expected floating log-probabilities, got ${logProbs.dtype}`, { op, hint: 'pass x.logSoftmax(2)' });
    if (!dl.isIntegral(targets.dtype)) throw new DTypeError(`${op}: expected integer targets, got ${targets.dtype} ${fmtShape(targets.shape)}`, { op, hint: 'cast with .long()' });
    const unbatched = logProbs.dim() === 2;
    if (logProbs.dim() !== 3 && !unbatched) throw new ShapeError(`${op}: expected log_probs of shape [T, N, C] or [T, C], got ${fmtShape(logProbs.shape)}`, { op });
    const lp = unbatched ? logProbs.unsqueeze(1) : logProbs;
    const [T, N, C] = lp.shape as [number, number, number];
    const blank = opts.blank ?? 0;
    if (!Number.isInteger(blank) || blank < 0 || blank >= C) throw new IndexError(`${op}: blank must be in label range (blank ${blank}, ${C} classes)`, { op });
    applyReduction(op, dl.zeros([0]), opts.reduction); // the reduction's check, before any work
    const device = lp.device;
    const il = lengthsTensor(op, 'input_lengths', inputLengths, N, device);
    const tl = lengthsTensor(op, 'target_lengths', targetLengths, N, device);
    checkRange(op, il, 0, T, 'input_lengths');
    // targets as [N, Smax], padded
    let tgt: Tensor;
    const tgtDev = targets.to('int32').to(device);
    if (!unbatched && targets.dim() === 2) {
      tgt = tgtDev;
    } else if (targets.dim() === 1) {
      // concatenated (an unbatched input's targets are too, as torch): sample n's labels start at
      // the sum of the lengths before it, and the lengths add up to the number of labels
      const Smax = targets.numel();
      const tlHost = hostValues(tl);
      const total = tlHost ? Array.from(tlHost).reduce((a, b) => a + b, 0) : Smax;
      if (total !== Smax) {
        throw new ShapeError(`${op}: Expected tensor to have size ${total} at dimension 0, but got size ${Smax} for argument #2 'targets'`, {
          op,
          hint: 'concatenated targets hold exactly sum(targetLengths) labels; pass padded [N, S] targets otherwise',
        });
      }
      const offsets = tl.cumsum(0).sub(tl);
      const pos = offsets.unsqueeze(1).add(dl.arange(Smax, { dtype: 'int32', device }).unsqueeze(0)); // [N, Smax]
      const inRange = pos.lt(Math.max(Smax, 1));
      tgt = Smax === 0 ? dl.zeros([N, 0], { dtype: 'int32', device }) : tgtDev.gather(0, dl.where(inRange, pos, 0).reshape(-1)).reshape(N, Smax);
    } else {
      throw new ShapeError(`${op}: targets must be [N, S] (padded) or 1-D (concatenated), got ${fmtShape(targets.shape)} for log_probs ${fmtShape(logProbs.shape)}`, { op });
    }
    if (tgt.shape[0] !== N) throw new ShapeError(`${op}: targets have ${tgt.shape[0]} rows for a batch of ${N}`, { op });
    const Smax = tgt.shape[1]!;
    checkRange(op, tl, 0, targets.dim() === 1 ? targets.numel() : Smax, 'target_lengths');
    const S2 = 2 * Smax + 1;
    const sIdx = dl.arange(Smax, { dtype: 'int32', device }).unsqueeze(0);
    const validLabel = sIdx.lt(tl.unsqueeze(1)); // [N, Smax]
    const labels = dl.where(validLabel, tgt, blank);
    checkRange(op, dl.where(validLabel, tgt, 0), 0, C - 1, 'targets');
    // extended labels l' = [blank, y1, blank, y2, …, blank]: [N, S2]
    const ext = dl.stack([dl.full([N, Smax], blank, { dtype: 'int32', device }), labels], 2).reshape(N, 2 * Smax);
    const lext = dl.cat([ext, dl.full([N, 1], blank, { dtype: 'int32', device })], 1);
    const stateIdx = dl.arange(S2, { dtype: 'int32', device }).unsqueeze(0);
    const validState = stateIdx.lt(tl.mul(2).add(1).unsqueeze(1)); // [N, S2]
    // the skip s-2 -> s: a label (odd s >= 3) different from the label two states before
    const prev2 = dl.cat([dl.full([N, 2], blank, { dtype: 'int32', device }), lext.narrow(1, 0, Math.max(S2 - 2, 0))], 1).narrow(1, 0, S2);
    const skip = stateIdx.remainder(2).eq(1).logicalAnd(stateIdx.ge(3)).logicalAnd(lext.ne(prev2));
    // emissions: lp[t, n, l'(s)] -> [T, N, S2]
    const emit = lp.gather(2, lext.unsqueeze(0).expand(T, N, S2));
    const ninf = dl.full([N, 1], NEG_INF, { dtype: lp.dtype, device });
    const first = stateIdx.lt(2).logicalAnd(validState);
    let alpha = T === 0 ? dl.full([N, S2], NEG_INF, { dtype: lp.dtype, device }) : dl.where(first, emit.select(0, 0), NEG_INF);
    for (let t = 1; t < T; t++) {
      const a1 = dl.cat([ninf, alpha.narrow(1, 0, S2 - 1)], 1);
      const a2 = dl.where(skip, dl.cat([ninf, ninf, alpha.narrow(1, 0, Math.max(S2 - 2, 0))], 1).narrow(1, 0, S2), NEG_INF);
      const next = dl.where(validState, lse3(alpha, a1, a2).add(emit.select(0, t)), NEG_INF);
      alpha = dl.where(il.gt(t).unsqueeze(1), next, alpha); // frozen past the sample's input length
    }
    if (T > 0) alpha = dl.where(il.gt(0).unsqueeze(1), alpha, NEG_INF);
    const last = tl.mul(2).unsqueeze(1); // the final blank
    const endBlank = alpha.gather(1, last).reshape(N);
    const endLabel = dl.where(tl.gt(0), alpha.gather(1, dl.where(tl.gt(0), tl.mul(2).sub(1), 0).unsqueeze(1)).reshape(N), NEG_INF);
    let nll = lse3(endBlank, endLabel, dl.full([N], NEG_INF, { dtype: lp.dtype, device })).neg();
    // PyTorch's gradient adds exp(lp) for t < input length (Note [CTC as tensor ops])
    let counted = dl.arange(T, { dtype: 'int32', device }).unsqueeze(1).lt(il.unsqueeze(0)); // [T, N]
    if (opts.zeroInfinity) {
      const inf = nll.isinf();
      nll = dl.where(inf, 0, nll);
      counted = counted.logicalAnd(inf.logicalNot().unsqueeze(0));
    }
    const e = lp.exp();
    const extra = dl.where(counted.unsqueeze(2), e.sub(e.detach()), 0).sum([0, 2]);
    let loss = nll.add(extra);
    const reduction = opts.reduction ?? 'mean';
    if (reduction === 'mean') return loss.div(tl.clamp(1, null).to(loss.dtype)).mean();
    if (unbatched && reduction === 'none') loss = loss.reshape([]);
    return applyReduction(op, loss, reduction);
  });
}
