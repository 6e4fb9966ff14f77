import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';

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
 * @internal The per-sample CTC losses [N] as tensor ops on any device (Note [CTC as tensor ops]):
 * `tgt` padded [N, S] int32, `il`/`tl` int32 [N], all on lp's device.
 */
export function ctcOnDevice(lp: Tensor, tgt: Tensor, il: Tensor, tl: Tensor, blank: number, zeroInfinity: boolean): Tensor {
  const [T, N] = lp.shape as [number, number, number];
  const device = lp.device;
  const Smax = tgt.shape[1]!;
  const S2 = 2 * Smax + 1;
  const sIdx = dl.arange(Smax, { dtype: 'int32', device }).unsqueeze(0);
  const validLabel = sIdx.lt(tl.unsqueeze(1)); // [N, Smax]
  const labels = dl.where(validLabel, tgt, blank);
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
  nll = dl.where(il.eq(0).logicalAnd(tl.eq(0)), 0, nll); // nothing to align: probability 1
  // PyTorch's gradient adds exp(lp) for t < input length, for the finite losses (Note [CTC as tensor ops])
  const inf = nll.isinf();
  if (zeroInfinity) nll = dl.where(inf, 0, nll);
  const counted = dl.arange(T, { dtype: 'int32', device }).unsqueeze(1).lt(il.unsqueeze(0)).logicalAnd(inf.logicalNot().unsqueeze(0)); // [T, N]
  const e = lp.exp();
  const extra = dl.where(counted.unsqueeze(2), e.sub(e.detach()), 0).sum([0, 2]);
  return nll.add(extra);
}
