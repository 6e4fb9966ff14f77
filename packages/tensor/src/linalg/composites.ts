/**
 * The `torch.linalg` functions built on the factorisations and on matmul: `matrixPower`,
 * `multiDot`, `pinv`, `matrixRank`, `vecdot`. Composites: their gradients come from the nodes
 * they are made of.
 */
import { defineOp, deviceCan } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError, StateError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { empty, eye } from '../ops/creation.js';
import { where } from '../ops/elementwise.js';
import { matmul } from '../ops/linalg.js';
import { eigh, inv, slogdet, svd, svdvals } from './decompositions.js';
import { matrixNorm, type NormOrd } from './norms.js';
import { checkMatrix } from './matrices.js';
import { checkOptionsArg } from '../ops/options-arg.js';

/** Machine epsilon of a float dtype (torch.finfo(dtype).eps). */
const EPS = { float32: 2 ** -23, float64: 2 ** -52 } as const;

/**
 * `A` to the integer power `n` (`torch.linalg.matrix_power`): the identity for 0, repeated
 * squaring for n > 0, the inverse's power for n < 0.
 *
 * @example
 * dl.linalg.matrixPower(A, 3); // A @ A @ A
 */
export const matrixPower = defineOp('linalg.matrixPower', (A: Tensor, n: number): Tensor => {
  const op = 'linalg.matrix_power';
  if (!Number.isInteger(n)) throw new ArgumentError(`${op}: n must be an integer, got ${n}`, { op });
  if (A.dim() < 2 || A.shape[A.dim() - 1] !== A.shape[A.dim() - 2]) {
    throw new ShapeError(`${op}: expected a tensor of square matrices, but got ${fmtShape(A.shape)}`, {
      op,
      hint: 'the last two dims must be equal',
    });
  }
  const k = A.shape[A.dim() - 1]!;
  // n = 0: the identity, still a function of A for autograd (a zero gradient, as torch's copy)
  if (n === 0) return eye(k, k, { dtype: A.dtype, device: A.device }).add(where(A.isfinite(), A, 0).mul(0));
  let base = n < 0 ? inv(A) : A;
  let e = Math.abs(n);
  let acc: Tensor | null = null;
  for (;;) {
    if (e & 1) acc = acc === null ? base : matmul(acc, base);
    e >>= 1;
    if (!e) break;
    base = matmul(base, base);
  }
  return acc!;
});

/**
 * Product of a chain of matrices (`torch.linalg.multi_dot`): the first may be 1-D (a row vector)
 * and the last 1-D (a column vector); the others 2-D.
 *
 * @example
 * dl.linalg.multiDot([a, b, c]); // a @ b @ c
 */
export const multiDot = defineOp('linalg.multiDot', (tensors: readonly Tensor[]): Tensor => {
  const op = 'linalg.multi_dot';
  const n = tensors.length;
  if (n < 2) throw new ArgumentError(`${op}(): expected at least 2 tensors but got ${n}`, { op, hint: 'use matmul for one product' });
  tensors.forEach((t, i) => {
    const ok = i === 0 || i === n - 1 ? t.dim() === 1 || t.dim() === 2 : t.dim() === 2;
    if (!ok) {
      throw new ShapeError(
        `${op}(): tensor ${i} must be ${i === 0 ? 'the first: 1D or 2D' : i === n - 1 ? 'the last: 1D or 2D' : '2D'} but got ${t.dim()}D`,
        { op, hint: 'only the first and last may be vectors' },
      );
    }
  });
  let acc = tensors[0]!.dim() === 1 ? tensors[0]!.unsqueeze(0) : tensors[0]!;
  for (let i = 1; i < n; i++) {
    const t = tensors[i]!;
    acc = matmul(acc, i === n - 1 && t.dim() === 1 ? t.unsqueeze(1) : t);
  }
  if (tensors[0]!.dim() === 1) acc = acc.squeeze(0);
  if (tensors[n - 1]!.dim() === 1) acc = acc.squeeze(-1);
  return acc;
});

/** Tolerances of `matrixRank` and `pinv`: absolute and relative (torch's `atol`/`rtol`). */
export interface TolOptions {
  atol?: number;
  rtol?: number;
  hermitian?: boolean;
}

/** torch's cut-off: max(atol, rtol · σ_max), rtol defaulting to eps · max(m, n) when neither is given. */
function cutoff(A: Tensor, S: Tensor, opts: TolOptions): Tensor {
  const m = A.shape[A.dim() - 2]!;
  const n = A.shape[A.dim() - 1]!;
  const atol = opts.atol ?? 0;
  const rtol = opts.rtol ?? (opts.atol !== undefined && opts.atol > 0 ? 0 : EPS[A.dtype as 'float32' | 'float64'] * Math.max(m, n));
  const smax = S.shape[S.dim() - 1] ? S.amax(-1, { keepdim: true }) : S.sum(-1, { keepdim: true });
  return smax.mul(rtol).clamp(atol, null).detach();
}

/**
 * Moore-Penrose pseudo-inverse (`torch.linalg.pinv`), from the SVD (or, with `hermitian`, from
 * `eigh` of the lower triangle): singular values at or below `max(atol, rtol · σ_max)` count as
 * zero.
 *
 * @example
 * dl.linalg.pinv(dl.tensor([[1, 2], [2, 4], [3, 6]])); // least-squares inverse of a rank-1 matrix
 */
export const pinv = defineOp('linalg.pinv', (A: Tensor, opts: TolOptions = {}): Tensor => {
  checkOptionsArg('linalg.pinv', opts, 'dl.linalg.pinv(A, { rtol: 1e-5 })');
  checkMatrix('linalg.pinv', A, opts.hermitian === true);
  if (opts.hermitian) {
    // from the eigen-decomposition of the lower triangle, as torch: |λ| above the cut-off inverted
    const [L, Q] = eigh(A);
    const keepH = L.abs().gt(cutoff(A, L.abs(), opts));
    const linv = where(keepH, where(keepH, L, 1).reciprocal(), 0);
    return Q.mul(linv.unsqueeze(-2)).matmul(Q.mT);
  }
  const [U, S, Vh] = svd(A, { fullMatrices: false });
  const keep = S.gt(cutoff(A, S, opts));
  const sinv = where(keep, where(keep, S, 1).reciprocal(), 0);
  return Vh.mT.mul(sinv.unsqueeze(-2)).matmul(U.mT);
});

/**
 * Numerical rank (`torch.linalg.matrix_rank`): the number of singular values above
 * `max(atol, rtol · σ_max)`, as int32 (torch's int64, Note [int64 is int32]).
 *
 * @example
 * dl.linalg.matrixRank(dl.tensor([[1, 2], [2, 4]])); // 1
 */
export const matrixRank = defineOp('linalg.matrixRank', (A: Tensor, opts: TolOptions = {}): Tensor => {
  checkOptionsArg('linalg.matrix_rank', opts, 'dl.linalg.matrixRank(A, { hermitian: true })');
  checkMatrix('linalg.matrix_rank', A, opts.hermitian === true);
  const S = opts.hermitian ? eigh(A.detach())[0].abs() : svd(A.detach(), { fullMatrices: false })[1];
  return S.gt(cutoff(A, S, opts))
    .sum(-1)
    .to('int32');
});

/**
 * Dot product of vectors along `dim` (`torch.linalg.vecdot`, real inputs), broadcasting.
 *
 * @example
 * dl.linalg.vecdot(x, y); // (x * y).sum(-1)
 */
export const vecdot = defineOp(
  'linalg.vecdot',
  (x: Tensor, y: Tensor, opts: { dim?: number } = {}): Tensor => x.mul(y).sum(opts.dim ?? -1),
);

/** `[solution, residuals, rank, singularValues]` of `linalg.lstsq`, also by name. */
export type LstsqResult = Tensor[] & { solution: Tensor; residuals: Tensor; rank: Tensor; singularValues: Tensor };

/**
 * Least-squares solution of `A X = B` (`torch.linalg.lstsq` with its cpu default driver
 * 'gelsy'): the minimum-norm solution, here from the pseudo-inverse with torch's cut-off
 * (`rcond`, default eps · max(m, n)); `rank` as int32; `residuals` and `singularValues` empty, as
 * gelsy leaves them. Batched; a vector B as in `solve`. Reads the host (cpu).
 *
 * @example
 * const { solution } = dl.linalg.lstsq(X, y); // linear regression weights
 */
export const lstsq = defineOp(
  'linalg.lstsq',
  (A: Tensor, B: Tensor, opts: { rcond?: number | null; driver?: 'gelsy' } = {}): LstsqResult => {
    checkOptionsArg('linalg.lstsq', opts, 'dl.linalg.lstsq(A, B, { rcond: 1e-6 })');
    const op = 'linalg.lstsq';
    checkMatrix(op, A, false);
    if (opts.driver !== undefined && opts.driver !== 'gelsy') {
      throw new ArgumentError(`${op}: driver '${String(opts.driver)}' is not supported; dl computes gelsy's result (the cpu default)`, {
        op,
        hint: "leave driver unset (or 'gelsy')",
      });
    }
    if (B.dtype !== A.dtype)
      throw new DTypeError(
        `${op}: Expected input and other to have the same dtype, but got input's dtype ${A.dtype} and other's dtype ${B.dtype}`,
        { op, hint: 'cast B with .to(A.dtype)' },
      );
    if (!deviceCan(A, 'readSync')) {
      throw new StateError(`${op}: device '${A.device}' cannot be read synchronously, and the pseudo-inverse runs on the host`, {
        op,
        hint: "move A and B to cpu (await A.toAsync('cpu')), or build the pseudo-inverse from await dl.linalg.svdAsync(A)",
      });
    }
    const m = A.shape[A.dim() - 2]!;
    const vector = B.dim() === 1 || (B.dim() === A.dim() - 1 && B.shape.every((s, i) => s === A.shape[i]));
    const Bm = vector ? B.unsqueeze(-1) : B;
    if (Bm.dim() < 2 || Bm.shape[Bm.dim() - 2] !== m) {
      throw new ShapeError(`${op}: input.size(-2) should match other.size(-2) (${fmtShape(A.shape)} and ${fmtShape(B.shape)})`, {
        op,
        hint: 'B is [..., m] or [..., m, k] for A [..., m, n]',
      });
    }
    const rcond = opts.rcond ?? undefined;
    const tol = rcond === undefined ? {} : { rtol: rcond };
    const X = pinv(A, tol).matmul(Bm);
    const dtypeOpts = { dtype: A.dtype, device: A.device };
    const out = [vector ? X.squeeze(-1) : X, empty([0], dtypeOpts), matrixRank(A, tol), empty([0], dtypeOpts)] as LstsqResult;
    (['solution', 'residuals', 'rank', 'singularValues'] as const).forEach((n, i) =>
      Object.defineProperty(out, n, { value: out[i], enumerable: false }),
    );
    return out;
  },
);

/**
 * Condition number (`torch.linalg.cond`): σ_max / σ_min for `p` 2 or unset (any shape), σ_min /
 * σ_max for -2, and `norm(A, p) · norm(A⁻¹, p)` for square A otherwise ('fro' and 'nuc' from the
 * singular values, as torch; 1 and ±inf from the inverse, infinite where A is singular).
 *
 * @example
 * dl.linalg.cond(dl.tensor([[1, 2], [3, 4]]));        // 14.933
 * dl.linalg.cond(dl.tensor([[1, 2], [3, 4]]), 'fro'); // 15
 */
export const cond = defineOp('linalg.cond', (A: Tensor, p: NormOrd | null = null): Tensor => {
  const op = 'linalg.cond';
  checkMatrix(op, A, false);
  if (p === null || p === 2 || p === -2) {
    const S = svdvals(A);
    const k = S.shape[S.dim() - 1]!;
    const hi = S.narrow(-1, 0, 1).squeeze(-1);
    const lo = S.narrow(-1, k - 1, 1).squeeze(-1);
    return p === -2 ? lo.div(hi) : hi.div(lo);
  }
  checkMatrix(`${op}(ord=${String(p)})`, A, true);
  if (p === 'fro' || p === 'nuc') {
    // as torch: from the singular values, ‖A‖·‖A⁻¹‖ = f(S)·f(1/S)
    const S = svdvals(A);
    const r = S.reciprocal();
    return p === 'fro' ? S.square().sum(-1).sqrt().mul(r.square().sum(-1).sqrt()) : S.sum(-1).mul(r.sum(-1));
  }
  // singular matrices give inf: invert the identity in their place, then overwrite
  const singular = slogdet(A.detach())[0].eq(0);
  const n = A.shape[A.dim() - 1]!;
  const safe = where(singular.unsqueeze(-1).unsqueeze(-1), eye(n, n, { dtype: A.dtype, device: A.device }), A);
  const c = matrixNorm(A, p).mul(matrixNorm(inv(safe), p));
  return where(singular, Infinity, c);
});
