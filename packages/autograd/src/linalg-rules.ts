import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { AutogradError } from '@dl/tensor';
import { getBackend } from '@dl/tensor/backend';
import { isGradEnabled } from './grad-mode.js';
import type { Rule } from './rules.js';

/**
 * Under createGraph on a device that reads synchronously, the inverse a rule needs is recomputed
 * with `dl.linalg.inv` (itself differentiable) instead of the forward's constant, so second
 * derivatives see its dependence on A; otherwise (first order, or webgpu) the forward's value is
 * used. A singular matrix keeps the forward's value (inv would raise).
 */
function inverseOf(m: Tensor, saved: Tensor): Tensor {
  if (!isGradEnabled() || typeof getBackend(m.device).readSync !== 'function') return saved;
  try {
    return dl.linalg.inv(m);
  } catch (e) {
    if (dl.linalg.LinAlgError.isInstance(e)) return saved;
    throw e;
  }
}

/**
 * Derivative rules of `dl.linalg`'s factorisations, with torch 1.13's node names and formulas
 * (FunctionsManual.cpp: linalg_det_backward, inv, linalg_solve, cholesky_backward,
 * linalg_qr_backward, linalg_eig_backward for hermitian input, svd_backward). The forwards run on
 * the host; whatever a formula needs beyond the outputs (A⁻¹, L⁻¹, R⁻¹) the forward computed and
 * put in the params (Note [linalg on devices without sync reads] in @dl/tensor), so these are
 * matmuls and elementwise ops on the input's device. Multi-output ops arrive packed (Note [Packed
 * linalg outputs]): each rule unpacks its gradient the same way.
 *
 * Higher-order gradients: the rules differentiate again through the saved outputs, and under
 * createGraph they recompute the host-computed inverses (det's cofactors, slogdet's A⁻ᵀ, solve's
 * A⁻¹, cholesky's L⁻¹, qr's R⁻¹, solveTriangular's T⁻¹) differentiably with `inverseOf` on
 * devices that read synchronously; on webgpu those stay constants, so second derivatives there
 * miss that dependence (first derivatives are exact everywhere).
 */

/** The identity broadcast to the last two dims of a square [..., n, n]. */
function eyeLike(t: Tensor, n: number): Tensor {
  return dl.eye(n, n, { dtype: t.dtype, device: t.device });
}

/** `X` with its diagonal replaced by `d` [..., n]. */
function withDiagonal(x: Tensor, d: Tensor | null, n: number): Tensor {
  const I = eyeLike(x, n);
  const off = x.mul(I.neg().add(1));
  return d ? off.add(I.mul(d.unsqueeze(-2))) : off;
}

/** torch's QR backward for m >= n (Q [m, n], R [n, n]): (gQ + Q copyltu(M)) R⁻ᴴ, M = R gRᴴ - gQᴴ Q. */
function qrBackwardTall(Q: Tensor, R: Tensor, gQ: Tensor, gR: Tensor, rinv: Tensor): Tensor {
  const n = R.shape[R.dim() - 1]!;
  const M = R.matmul(gR.mT).sub(gQ.mT.matmul(Q));
  const lower = M.tril();
  const sym = lower.add(lower.mT).sub(M.mul(eyeLike(M, n)));
  return gQ.add(Q.matmul(sym)).matmul(rinv.mT);
}

export const linalgRules = {
  linalgInv: {
    name: 'LinalgInvExBackward0',
    saves: { output: true },
    // d(A⁻¹) = -A⁻¹ dA A⁻¹  =>  gA = -A⁻ᵀ g A⁻ᵀ
    backward: (g, c) => {
      const y = c.output();
      return [y.mT.matmul(g).matmul(y.mT).neg()];
    },
  } satisfies Rule<'linalgInv'>,
  linalgDet: {
    name: 'LinalgDetBackward0',
    saves: { inputs: [0], output: true },
    // ∂det/∂A = det · A⁻ᵀ (the forward's cofactors; 0 at an exactly singular A, as torch 1.13)
    backward: (g, c) => {
      let cof = c.params.cof;
      if (isGradEnabled()) {
        const inv = inverseOf(c.input(0), cof);
        if (inv !== cof) cof = c.output().unsqueeze(-1).unsqueeze(-1).mul(inv.mT);
      }
      return [g.unsqueeze(-1).unsqueeze(-1).mul(cof)];
    },
  } satisfies Rule<'linalgDet'>,
  linalgSlogdet: {
    name: 'LinalgSlogdetBackward0',
    saves: { inputs: [0] },
    // only logabsdet is differentiable: ∂ log|det| / ∂A = A⁻ᵀ
    backward: (g, c) => {
      let invT = c.params.invT;
      if (isGradEnabled()) {
        const inv = inverseOf(c.input(0), invT);
        if (inv !== invT) invT = inv.mT;
      }
      return [g.select(-1, 1).unsqueeze(-1).unsqueeze(-1).mul(invT)];
    },
  } satisfies Rule<'linalgSlogdet'>,
  linalgSolve: {
    name: 'LinalgSolveExBackward0',
    saves: { inputs: [0], output: true },
    // X = A⁻¹ B: gB = A⁻ᵀ g, gA = -gB Xᵀ
    backward: (g, c) => {
      const { vector } = c.params;
      const inv = isGradEnabled() ? inverseOf(c.input(0), c.params.inv) : c.params.inv;
      const gm = vector ? g.unsqueeze(-1) : g;
      const x = vector ? c.output().unsqueeze(-1) : c.output();
      const gB = inv.mT.matmul(gm);
      const gA = c.needs[0] ? gB.matmul(x.mT).neg() : null;
      return [gA, c.needs[1] ? (vector ? gB.squeeze(-1) : gB) : null];
    },
  } satisfies Rule<'linalgSolve'>,
  linalgSolveTriangular: {
    name: 'LinalgSolveTriangularBackward0',
    saves: { inputs: [0], output: true },
    // torch's linalg_solve_triangular backward: gB = T⁻ᵀ g (left) or g T⁻ᵀ (right);
    // gA = -gB Xᵀ (left) or -Xᵀ gB (right), kept to the triangle the forward read
    backward: (g, c) => {
      const { upper, left, unitriangular } = c.params;
      const X = c.output();
      let tinv = c.params.tinv;
      if (isGradEnabled()) {
        const a = c.input(0);
        const n = a.shape[a.dim() - 1]!;
        const I = eyeLike(a, n);
        const tri = unitriangular ? (upper ? a.triu(1) : a.tril(-1)).add(I) : upper ? a.triu() : a.tril();
        tinv = inverseOf(tri, tinv);
      }
      const gB = left ? tinv.mT.matmul(g) : g.matmul(tinv.mT);
      let gA: Tensor | null = null;
      if (c.needs[0]) {
        const full = (left ? gB.matmul(X.mT) : X.mT.matmul(gB)).neg();
        gA = upper ? full.triu(unitriangular ? 1 : 0) : full.tril(unitriangular ? -1 : 0);
      }
      return [gA, c.needs[1] ? gB : null];
    },
  } satisfies Rule<'linalgSolveTriangular'>,
  linalgCholesky: {
    name: 'LinalgCholeskyExBackward0',
    saves: { output: true },
    // gA = sym(L⁻ᴴ Φ(Lᴴ gL) L⁻¹), Φ: the lower triangle with the diagonal halved
    backward: (g, c) => {
      const { upper } = c.params;
      const L = upper ? c.output().mT : c.output();
      const linv = isGradEnabled() ? inverseOf(L, c.params.linv) : c.params.linv;
      const gL = upper ? g.mT : g;
      const n = L.shape[L.dim() - 1]!;
      const M = L.mT.matmul(gL);
      const phi = M.tril().sub(M.mul(eyeLike(M, n)).mul(0.5));
      const gA = linv.mT.matmul(phi).matmul(linv);
      return [gA.add(gA.mT).mul(0.5)];
    },
  } satisfies Rule<'linalgCholesky'>,
  linalgQr: {
    name: 'LinalgQrBackward0',
    saves: { output: true },
    backward: (g, c) => {
      const { mode, m, n, kq } = c.params;
      if (mode === 'r') {
        throw new AutogradError(
          "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr.",
          { op: 'linalg.qr', hint: "use mode 'reduced'" },
        );
      }
      if (mode === 'complete' && m > n) {
        throw new AutogradError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.", {
          op: 'linalg.qr',
          hint: "use mode 'reduced'",
        });
      }
      const p = c.output();
      const Q = p.narrow(-1, 0, m * kq).unflatten(-1, [m, kq]);
      const R = p.narrow(-1, m * kq, kq * n).unflatten(-1, [kq, n]);
      const gQ = g.narrow(-1, 0, m * kq).unflatten(-1, [m, kq]);
      const gR = g.narrow(-1, m * kq, kq * n).unflatten(-1, [kq, n]);
      const k = Math.min(m, n);
      const rinv = isGradEnabled() ? inverseOf(R.narrow(-2, 0, k).narrow(-1, 0, k), c.params.rinv) : c.params.rinv;
      if (m >= n) return [qrBackwardTall(Q, R, gQ, gR, rinv)];
      // wide: A = Q [U V]; X = A[:, :m] gets the tall rule with gQ + Y gVᵀ (Y = Q V), Y gets Q gV
      const U = R.narrow(-1, 0, m);
      const V = R.narrow(-1, m, n - m);
      const gU = gR.narrow(-1, 0, m);
      const gV = gR.narrow(-1, m, n - m);
      const Y = Q.matmul(V);
      const gX = qrBackwardTall(Q, U, gQ.add(Y.matmul(gV.mT)), gU, rinv);
      return [dl.cat([gX, Q.matmul(gV)], -1)];
    },
  } satisfies Rule<'linalgQr'>,
  linalgEigh: {
    name: 'LinalgEighBackward0',
    saves: { output: true },
    // gA = V (diag(gL) + skew(Vᴴ gV) / E) Vᴴ, E_ij = λ_j - λ_i (torch's linalg_eig_backward, hermitian)
    backward: (g, c) => {
      const { n } = c.params;
      const p = c.output();
      const L = p.select(-2, 0);
      const V = p.narrow(-2, 1, n);
      const gL = g.select(-2, 0);
      const gV = g.narrow(-2, 1, n);
      const VhgV = V.mT.matmul(gV);
      const skew = VhgV.sub(VhgV.mT).mul(0.5);
      const E = L.unsqueeze(-2).sub(L.unsqueeze(-1)).add(eyeLike(L, n));
      const inner = withDiagonal(skew.div(E), gL, n);
      return [V.matmul(inner).matmul(V.mT)];
    },
  } satisfies Rule<'linalgEigh'>,
  linalgSvd: {
    name: 'LinalgSvdBackward0',
    saves: { output: true },
    // torch's svd_backward (real): with k = min(m, n), U and Vh narrowed to k columns / rows
    backward: (g, c) => {
      const { m, n, ku, kv } = c.params;
      const k = Math.min(m, n);
      const p = c.output();
      const U = p
        .narrow(-1, 0, m * ku)
        .unflatten(-1, [m, ku])
        .narrow(-1, 0, k);
      const S = p.narrow(-1, m * ku, k);
      const Vh = p
        .narrow(-1, m * ku + k, kv * n)
        .unflatten(-1, [kv, n])
        .narrow(-2, 0, k);
      const gU = g
        .narrow(-1, 0, m * ku)
        .unflatten(-1, [m, ku])
        .narrow(-1, 0, k);
      const gS = g.narrow(-1, m * ku, k);
      const gVh = g
        .narrow(-1, m * ku + k, kv * n)
        .unflatten(-1, [kv, n])
        .narrow(-2, 0, k);
      const skew = (x: Tensor) => x.sub(x.mT);
      const UhgU = skew(U.mT.matmul(gU));
      const VhgV = skew(Vh.matmul(gVh.mT));
      const S2 = S.square();
      const E = S2.unsqueeze(-2).sub(S2.unsqueeze(-1)).add(eyeLike(S, k));
      let gA = withDiagonal(
        UhgU.mul(S.unsqueeze(-2))
          .add(VhgV.mul(S.unsqueeze(-1)))
          .div(E),
        gS,
        k,
      );
      // a zero gradient over a zero singular value stays 0 (torch skips an undefined gU / gVh)
      const over = (x: Tensor, s: Tensor) => dl.where(x.eq(0), 0, x.div(s));
      if (m > k) {
        gA = U.matmul(gA);
        const gUSinv = over(gU, S.unsqueeze(-2));
        gA = gA.add(gUSinv).sub(U.matmul(U.mT.matmul(gUSinv)));
        gA = gA.matmul(Vh);
      } else if (n > k) {
        gA = gA.matmul(Vh);
        const SinvgVh = over(gVh, S.unsqueeze(-1));
        gA = gA.add(SinvgVh).sub(SinvgVh.matmul(Vh.mT).matmul(Vh));
        gA = U.matmul(gA);
      } else {
        gA = U.matmul(gA).matmul(Vh);
      }
      return [gA];
    },
  } satisfies Rule<'linalgSvd'>,
};
