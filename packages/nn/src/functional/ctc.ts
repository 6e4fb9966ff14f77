import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, IndexError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { checkOnDevice, DEFERRED_NOTE, runScope } from '@dl/tensor/internal';
import { applyReduction } from './loss-reduction.js';
import { ctcHost } from './ctc-host.js';
import { ctcOnDevice } from './ctc-device.js';
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
 * PyTorch; without it, PyTorch's gradient of an infinite loss is NaN, dl's is 0.
 *
 * That recursion is T steps of a dozen small ops: on devices that read synchronously (cpu) the
 * loss is instead computed by the host recursion of ctc-host.ts (alpha and beta in float64, as
 * torch's ctc_loss_cpu, ~100× faster), and PyTorch's gradient `G` rides on the zero-valued
 * `Σ lp·G − (Σ lp·G).detach()`, so autograd sees one node whose backward is G times the upstream
 * gradient. Both paths are tested against PyTorch (the tensor-op one on cpu too).
 */

/** Sequence lengths for `ctcLoss`: a tensor, an array, or one length for the whole batch. */
export type Lengths = Tensor | readonly number[] | number;

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
  const error = (v: number, deferred: boolean) =>
    new IndexError(`${op}: Expected ${what} to be in [${lo}, ${hi}], but got value ${v}`, {
      op,
      hint: deferred ? DEFERRED_NOTE : undefined,
    });
  if (!host) {
    checkOnDevice(op, t, { lo, hi, key: `${op}:${what}:${lo}:${hi}`, error: (v) => error(v, true) });
    return;
  }
  for (let i = 0; i < host.length; i++) if (host[i]! < lo || host[i]! > hi) throw error(host[i]!, false);
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
export function ctcLoss(
  logProbs: Tensor,
  targets: Tensor,
  inputLengths: Lengths,
  targetLengths: Lengths,
  opts: CTCLossOptions = {},
): Tensor {
  return runScope('F.ctcLoss', () => {
    const op = 'ctcLoss';
    if (!(logProbs instanceof dl.Tensor) || !(targets instanceof dl.Tensor))
      throw new ArgumentError(`${op}: logProbs and targets must be Tensors`, { op });
    if (!dl.isFloating(logProbs.dtype))
      throw new DTypeError(`${op}: expected floating log-probabilities, got ${logProbs.dtype}`, { op, hint: 'pass x.logSoftmax(2)' });
    if (!dl.isIntegral(targets.dtype))
      throw new DTypeError(`${op}: expected integer targets, got ${targets.dtype} ${fmtShape(targets.shape)}`, {
        op,
        hint: 'cast with .long()',
      });
    const unbatched = logProbs.dim() === 2;
    if (logProbs.dim() !== 3 && !unbatched)
      throw new ShapeError(`${op}: expected log_probs of shape [T, N, C] or [T, C], got ${fmtShape(logProbs.shape)}`, { op });
    const lp = unbatched ? logProbs.unsqueeze(1) : logProbs;
    const [T, N, C] = lp.shape as [number, number, number];
    const blank = opts.blank ?? 0;
    if (!Number.isInteger(blank) || blank < 0 || blank >= C)
      throw new IndexError(`${op}: blank must be in label range (blank ${blank}, ${C} classes)`, { op });
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
        throw new ShapeError(
          `${op}: Expected tensor to have size ${total} at dimension 0, but got size ${Smax} for argument #2 'targets'`,
          {
            op,
            hint: 'concatenated targets hold exactly sum(targetLengths) labels; pass padded [N, S] targets otherwise',
          },
        );
      }
      const offsets = tl.cumsum(0).sub(tl);
      const pos = offsets.unsqueeze(1).add(dl.arange(Smax, { dtype: 'int32', device }).unsqueeze(0)); // [N, Smax]
      const inRange = pos.lt(Math.max(Smax, 1));
      tgt =
        Smax === 0
          ? dl.zeros([N, 0], { dtype: 'int32', device })
          : tgtDev.gather(0, dl.where(inRange, pos, 0).reshape(-1)).reshape(N, Smax);
    } else {
      throw new ShapeError(
        `${op}: targets must be [N, S] (padded) or 1-D (concatenated), got ${fmtShape(targets.shape)} for log_probs ${fmtShape(logProbs.shape)}`,
        { op },
      );
    }
    if (tgt.shape[0] !== N) throw new ShapeError(`${op}: targets have ${tgt.shape[0]} rows for a batch of ${N}`, { op });
    const Smax = tgt.shape[1]!;
    checkRange(op, tl, 0, targets.dim() === 1 ? targets.numel() : Smax, 'target_lengths');
    checkRange(
      op,
      dl.where(dl.arange(tgt.shape[1]!, { dtype: 'int32', device }).unsqueeze(0).lt(tl.unsqueeze(1)), tgt, 0),
      0,
      C - 1,
      'targets',
    );
    const loss = lp._backend.readSync
      ? ctcOnHost(lp, tgt, il, tl, blank, !!opts.zeroInfinity)
      : ctcOnDevice(lp, tgt, il, tl, blank, !!opts.zeroInfinity);
    const reduction = opts.reduction ?? 'mean';
    if (reduction === 'mean') return loss.div(tl.clamp(1, null).to(loss.dtype)).mean();
    return applyReduction(op, unbatched && reduction === 'none' ? loss.reshape([]) : loss, reduction);
  });
}

/**
 * @internal The per-sample CTC losses [N] from the host recursion (ctc-host.ts, as torch's
 * ctc_loss_cpu), for devices that read synchronously: one node whose gradient is PyTorch's `G`,
 * carried by the zero-valued `Σ lp·G − (Σ lp·G).detach()` (Note [CTC as tensor ops]).
 */
function ctcOnHost(lp: Tensor, tgt: Tensor, il: Tensor, tl: Tensor, blank: number, zeroInfinity: boolean): Tensor {
  const [T, N, C] = lp.shape as [number, number, number];
  const r = ctcHost(
    lp.detach().contiguous().dataSync(),
    T,
    N,
    C,
    tgt.contiguous().dataSync(),
    tgt.shape[1]!,
    il.dataSync(),
    tl.dataSync(),
    blank,
  );
  for (let i = 0; i < r.grad.length; i++) if (!Number.isFinite(r.grad[i]!)) r.grad[i] = 0; // infinite losses: no gradient
  const nll = dl.tensor(r.nll, { dtype: lp.dtype, device: lp.device });
  const inf = nll.isinf();
  const g = dl.tensor(r.grad, { dtype: lp.dtype, device: lp.device }).reshape(T, N, C);
  const dot = dl.where(lp.isfinite(), lp, 0).mul(g).sum([0, 2]);
  return dl.where(inf, zeroInfinity ? 0 : nll, nll.add(dot.sub(dot.detach())));
}
