/**
 * Note [Packed linalg outputs]
 * An autograd node has one output here, and `eigh`, `svd`, `qr` and `slogdet` have several. Each
 * records one packed tensor (eigh: `[..., n + 1, n]`, eigenvalues in row 0 and eigenvectors below;
 * svd and qr: the factors flattened one after the other; slogdet: `[..., 2]`) and returns views
 * of it, so the gradients of all results meet in the packed tensor and its rule unpacks them.
 * `Q.gradFn` is therefore a view's node (its next function is `LinalgQrBackward0`).
 */
import { defineOp, recordOp, willRecord } from '../dispatch.js';
import { ArgumentError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { empty, fromHost } from '../ops/creation.js';
import { LinAlgError } from './errors.js';
import {
  cholesky as cholHost,
  householderQr,
  identity,
  jacobiEigh,
  jacobiSvd,
  luDet,
  luFactor,
  luSolve,
  lowerInverse,
  transpose,
} from './host.js';
import { batchPrefix, checkMatrix, readMatrices, readMatricesAsync, type HostMatrices } from './matrices.js';
import { checkOptionsArg } from '../ops/options-arg.js';

type Named<T extends Tensor[], K extends string> = T & Record<K, Tensor>;

function named<T extends Tensor[], K extends string>(ts: T, names: readonly K[]): Named<T, K> {
  const out = ts as Named<T, K>;
  names.forEach((n, i) => Object.defineProperty(out, n, { value: ts[i], enumerable: false }));
  return out;
}

const upload = (v: ArrayLike<number>, shape: readonly number[], like: Tensor, op: string): Tensor =>
  fromHost(v, shape, like.dtype, like.device, op);

function singular(op: string, a: Tensor, i: number, zeroAt: number): LinAlgError {
  return new LinAlgError(
    `${op}: ${batchPrefix(a, i)}The diagonal element ${zeroAt} is zero, the inversion could not be completed because the input matrix is singular.`,
    {
      op,
      hint: 'the matrix has no inverse; dl.linalg.det(A) is 0 (a pseudo-inverse or a regularised A + eps·I may help)',
    },
  );
}

// ---- inv ---------------------------------------------------------------------------------
function invImpl(a: Tensor, h: HostMatrices): Tensor {
  const op = 'linalg.inv';
  const n = h.rows;
  const out = new Float64Array(h.data.length);
  for (let b = 0; b < h.count; b++) {
    const f = luFactor(h.data.subarray(b * n * n, (b + 1) * n * n), n);
    if (f.zeroAt) throw singular(op, a, b, f.zeroAt);
    out.set(luSolve(f, n, identity(n), n), b * n * n);
  }
  const y = upload(out, a.shape, a, op);
  recordOp('linalgInv', [a], y, {});
  return y;
}

/**
 * Inverse of square matrices `A` [..., n, n] (`torch.linalg.inv`); a singular matrix raises a
 * LinAlgError naming the zero pivot, as torch. Runs on the host (use `invAsync` on webgpu).
 *
 * @example
 * dl.linalg.inv(dl.tensor([[2, 0], [0, 4]])); // [[0.5, 0], [0, 0.25]]
 */
export const inv = defineOp('linalg.inv', (A: Tensor): Tensor => {
  checkMatrix('linalg.inv', A, true);
  return invImpl(A, readMatrices('linalg.inv', A, 'linalg.invAsync'));
});
/** `linalg.inv` on any device (awaits the read; Note [linalg on devices without sync reads]). @example await dl.linalg.invAsync(A) */
export async function invAsync(A: Tensor): Promise<Tensor> {
  checkMatrix('linalg.inv', A, true);
  return invImpl(A, await readMatricesAsync(A));
}

// ---- det, slogdet ------------------------------------------------------------------------
function detImpl(a: Tensor, h: HostMatrices): Tensor {
  const op = 'linalg.det';
  const n = h.rows;
  const dets = new Float64Array(h.count);
  const grad = willRecord([a]);
  const cof = grad ? new Float64Array(h.data.length) : null;
  for (let b = 0; b < h.count; b++) {
    const f = luFactor(h.data.subarray(b * n * n, (b + 1) * n * n), n);
    const d = luDet(f, n);
    dets[b] = d;
    // ∂det/∂A = det · A⁻ᵀ; torch 1.13 gives 0 at an exactly singular A (its LU solve scales by det = 0)
    if (cof && !f.zeroAt) {
      const inv = luSolve(f, n, identity(n), n);
      const t = transpose(inv, n, n);
      for (let i = 0; i < n * n; i++) cof[b * n * n + i] = d * t[i]!;
    }
  }
  const y = upload(dets, h.batch, a, op);
  if (cof) recordOp('linalgDet', [a], y, { cof: upload(cof, a.shape, a, op) });
  return y;
}

/**
 * Determinant of square matrices [..., n, n] (`torch.linalg.det`), by LU with partial pivoting;
 * 0 for a singular matrix.
 *
 * @example
 * dl.linalg.det(dl.tensor([[1, 2], [3, 4]])); // -2
 */
export const det = defineOp('linalg.det', (A: Tensor): Tensor => {
  checkMatrix('linalg.det', A, true);
  return detImpl(A, readMatrices('linalg.det', A, 'linalg.detAsync'));
});
/** `linalg.det` on any device. @example await dl.linalg.detAsync(A) */
export async function detAsync(A: Tensor): Promise<Tensor> {
  checkMatrix('linalg.det', A, true);
  return detImpl(A, await readMatricesAsync(A));
}

/** `[sign, logabsdet]` of `linalg.slogdet`, also by name. */
export type SlogdetResult = Named<[Tensor, Tensor], 'sign' | 'logabsdet'>;

function slogdetImpl(a: Tensor, h: HostMatrices): SlogdetResult {
  const op = 'linalg.slogdet';
  const n = h.rows;
  const packed = new Float64Array(h.count * 2);
  const grad = willRecord([a]);
  const invT = grad ? new Float64Array(h.data.length) : null;
  for (let b = 0; b < h.count; b++) {
    const f = luFactor(h.data.subarray(b * n * n, (b + 1) * n * n), n);
    let sign = f.sign;
    let logabs = 0;
    for (let i = 0; i < n; i++) {
      const u = f.lu[i * n + i]!;
      sign *= Math.sign(u);
      logabs += Math.log(Math.abs(u));
    }
    if (f.zeroAt) {
      sign = 0;
      logabs = -Infinity;
    }
    packed[b * 2] = sign;
    packed[b * 2 + 1] = logabs;
    // A⁻ᵀ by the LU solve, as torch: at a singular A the zero pivot gives ±inf and NaN, as LAPACK's getrs
    if (invT) invT.set(transpose(luSolve(f, n, identity(n), n), n, n), b * n * n);
  }
  const p = upload(packed, [...h.batch, 2], a, op);
  if (invT) recordOp('linalgSlogdet', [a], p, { invT: upload(invT, a.shape, a, op) });
  return named([p.select(-1, 0), p.select(-1, 1)] as [Tensor, Tensor], ['sign', 'logabsdet'] as const);
}

/**
 * Sign and log of the absolute determinant (`torch.linalg.slogdet`): `[sign, logabsdet]`, also
 * as `.sign` / `.logabsdet`; a singular matrix gives `[0, -inf]`. Only logabsdet has a gradient.
 *
 * @example
 * const { sign, logabsdet } = dl.linalg.slogdet(A);
 */
export const slogdet = defineOp('linalg.slogdet', (A: Tensor): SlogdetResult => {
  checkMatrix('linalg.slogdet', A, true);
  return slogdetImpl(A, readMatrices('linalg.slogdet', A, 'linalg.slogdetAsync'));
});
/** `linalg.slogdet` on any device. @example await dl.linalg.slogdetAsync(A) */
export async function slogdetAsync(A: Tensor): Promise<SlogdetResult> {
  checkMatrix('linalg.slogdet', A, true);
  return slogdetImpl(A, await readMatricesAsync(A));
}

// ---- solve -------------------------------------------------------------------------------
interface SolvePlan {
  A: Tensor;
  B: Tensor;
  vector: boolean;
  n: number;
  k: number;
}

function solvePlan(A: Tensor, B: Tensor): SolvePlan {
  const op = 'linalg.solve';
  checkMatrix(op, A, true);
  if (B.dtype !== A.dtype)
    throw new ArgumentError(
      `${op}: Expected A and B to have the same dtype, but found A of type ${A.dtype} and B of type ${B.dtype} instead`,
      { op, hint: 'cast B with .to(A.dtype)' },
    );
  const n = A.shape[A.dim() - 1]!;
  // torch: B is a (batch of) vector(s) when 1-D, or when its shape is A's without the last dim
  const vector = B.dim() === 1 || (B.dim() === A.dim() - 1 && B.shape.every((s, i) => s === A.shape[i]));
  const Bm = vector ? B.unsqueeze(-1) : B;
  if (Bm.dim() < 2 || Bm.shape[Bm.dim() - 2] !== n) {
    throw new ShapeError(`${op}: Incompatible shapes of A and B for the equation AX = B (${fmtShape(A.shape)} and ${fmtShape(B.shape)})`, {
      op,
      hint: 'B is [..., n] or [..., n, k] for A [..., n, n]',
    });
  }
  const k = Bm.shape[Bm.dim() - 1]!;
  const batch = broadcastShapes(op, A.shape.slice(0, -2), Bm.shape.slice(0, -2));
  return { A: A.expand([...batch, n, n]), B: Bm.expand([...batch, n, k]), vector, n, k };
}

function solveImpl(A: Tensor, B: Tensor, p: SolvePlan, ha: HostMatrices, hb: HostMatrices): Tensor {
  const op = 'linalg.solve';
  const { n, k } = p;
  const x = new Float64Array(ha.count * n * k);
  const grad = willRecord([A, B]);
  const inv = grad ? new Float64Array(ha.count * n * n) : null;
  for (let b = 0; b < ha.count; b++) {
    const f = luFactor(ha.data.subarray(b * n * n, (b + 1) * n * n), n);
    if (f.zeroAt)
      throw new LinAlgError(`torch.linalg.solve: ${batchPrefix(p.A, b)}The solver failed because the input matrix is singular.`, {
        op,
        hint: 'A has no inverse (dl.linalg.det(A) is 0)',
      });
    x.set(luSolve(f, n, hb.data.subarray(b * n * k, (b + 1) * n * k), k), b * n * k);
    if (inv) inv.set(luSolve(f, n, identity(n), n), b * n * n);
  }
  const shape = [...ha.batch, n, k];
  const X = upload(x, shape, A, op);
  const out = p.vector ? X.squeeze(-1) : X;
  if (inv) {
    // the node's output is X in B's (vector or matrix) form; its rule works on the matrix form
    recordOp('linalgSolve', [A, B], out, { inv: upload(inv, [...ha.batch, n, n], A, op), vector: p.vector });
  }
  return out;
}

/** `X A = B` as `Aᵀ Xᵀ = Bᵀ` (torch's `left=False`: B is [..., k, n], never a vector). */
function solveRight<R extends Tensor | Promise<Tensor>>(A: Tensor, B: Tensor, left: (a: Tensor, b: Tensor) => R): R {
  const op = 'linalg.solve';
  checkMatrix(op, A, true);
  const n = A.shape[A.dim() - 1]!;
  if (B.dim() !== 1 && B.dim() === A.dim() - 1 && B.shape.every((s, i) => s === A.shape[i])) {
    throw new ShapeError(
      `${op}: Vector broadcasting of the left hand side is not supported for left=False. In this case linalg.solve is equivalent to B / A.squeeze(-1)`,
      { op, hint: 'B is [..., k, n] for XA = B' },
    );
  }
  if (B.dim() < 2 || B.shape[B.dim() - 1] !== n) {
    const bm = B.dim() < 2 ? `${B.shape[0] ?? 1}x1` : `${B.shape[B.dim() - 2]}x${B.shape[B.dim() - 1]}`;
    throw new ShapeError(`${op}: Incompatible shapes of A and B for the equation XA = B (${n}x${n} and ${bm})`, {
      op,
      hint: 'B is [..., k, n] for XA = B',
    });
  }
  const r = left(A.mT, B.mT);
  return (r instanceof Promise ? r.then((x) => x.mT) : (r as Tensor).mT) as R;
}

/**
 * Solve `A X = B` for square `A` [..., n, n] and `B` [..., n, k] or [..., n] (`torch.linalg.solve`,
 * batch dims broadcast; `{ left: false }` solves `X A = B`); a singular `A` raises a LinAlgError.
 *
 * @example
 * dl.linalg.solve(dl.tensor([[3, 1], [1, 2]]), dl.tensor([9, 8])); // [2, 3]
 */
export const solve = defineOp('linalg.solve', (A: Tensor, B: Tensor, opts: { left?: boolean } = {}): Tensor => {
  checkOptionsArg('linalg.solve', opts, 'dl.linalg.solve(A, B, { left: false })');
  if (opts.left === false) return solveRight(A, B, (a, b) => solve(a, b));
  const p = solvePlan(A, B);
  return solveImpl(A, B, p, readMatrices('linalg.solve', p.A, 'linalg.solveAsync'), readMatrices('linalg.solve', p.B, 'linalg.solveAsync'));
});
/** `linalg.solve` on any device. @example await dl.linalg.solveAsync(A, b) */
export async function solveAsync(A: Tensor, B: Tensor, opts: { left?: boolean } = {}): Promise<Tensor> {
  checkOptionsArg('linalg.solve', opts, 'dl.linalg.solveAsync(A, B, { left: false })');
  if (opts.left === false) return solveRight(A, B, (a, b) => solveAsync(a, b));
  const p = solvePlan(A, B);
  return solveImpl(A, B, p, await readMatricesAsync(p.A), await readMatricesAsync(p.B));
}

// ---- cholesky ----------------------------------------------------------------------------
function choleskyImpl(a: Tensor, upper: boolean, h: HostMatrices): Tensor {
  const op = 'linalg.cholesky';
  const n = h.rows;
  const out = new Float64Array(h.data.length);
  const grad = willRecord([a]);
  const linv = grad ? new Float64Array(h.data.length) : null;
  for (let b = 0; b < h.count; b++) {
    const src = h.data.subarray(b * n * n, (b + 1) * n * n);
    // the triangle torch reads: the lower one, or the upper one (as its transpose) when upper
    const m = upper ? transpose(src, n, n) : src;
    const { l, failedAt } = cholHost(m, n);
    if (failedAt) {
      throw new LinAlgError(
        `${op}: ${batchPrefix(a, b)}The factorization could not be completed because the input is not positive-definite (the leading minor of order ${failedAt} is not positive-definite).`,
        {
          op,
          hint: 'the input must be symmetric positive-definite (A + eps·I often is when A is semi-definite)',
        },
      );
    }
    out.set(upper ? transpose(l, n, n) : l, b * n * n);
    if (linv) linv.set(lowerInverse(l, n), b * n * n);
  }
  const y = upload(out, a.shape, a, op);
  if (linv) recordOp('linalgCholesky', [a], y, { upper, linv: upload(linv, a.shape, a, op) });
  return y;
}

/**
 * Cholesky factor of symmetric positive-definite matrices (`torch.linalg.cholesky`): lower `L`
 * with `A = L Lᵀ` (read from A's lower triangle), or upper `U = Lᵀ` with `{ upper: true }` (from
 * the upper triangle). A matrix that is not positive-definite raises a LinAlgError naming the
 * leading minor.
 *
 * @example
 * dl.linalg.cholesky(dl.tensor([[4, 2], [2, 3]])); // [[2, 0], [1, 1.4142]]
 */
export const cholesky = defineOp('linalg.cholesky', (A: Tensor, opts: { upper?: boolean } = {}): Tensor => {
  checkOptionsArg('linalg.cholesky', opts, 'dl.linalg.cholesky(A, { upper: true })');
  checkMatrix('linalg.cholesky', A, true);
  return choleskyImpl(A, opts.upper ?? false, readMatrices('linalg.cholesky', A, 'linalg.choleskyAsync'));
});
/** `linalg.cholesky` on any device. @example await dl.linalg.choleskyAsync(A) */
export async function choleskyAsync(A: Tensor, opts: { upper?: boolean } = {}): Promise<Tensor> {
  checkOptionsArg('linalg.cholesky', opts, 'dl.linalg.choleskyAsync(A, { upper: true })');
  checkMatrix('linalg.cholesky', A, true);
  return choleskyImpl(A, opts.upper ?? false, await readMatricesAsync(A));
}

// ---- qr ----------------------------------------------------------------------------------
/** `linalg.qr`'s modes: reduced Q [m, k] R [k, n]; complete Q [m, m] R [m, n]; r: R only (Q empty). */
export type QrMode = 'reduced' | 'complete' | 'r';
/** `[Q, R]`, also as `.Q` / `.R`. */
export type QrResult = Named<[Tensor, Tensor], 'Q' | 'R'>;

function qrImpl(a: Tensor, mode: QrMode, h: HostMatrices): QrResult {
  const op = 'linalg.qr';
  const { rows: m, cols: n } = h;
  const k = Math.min(m, n);
  const kq = mode === 'complete' ? m : k;
  const per = m * kq + kq * n;
  const packed = new Float64Array(h.count * per);
  const grad = willRecord([a]);
  const rinv = grad ? new Float64Array(h.count * k * k) : null;
  for (let b = 0; b < h.count; b++) {
    const { q, r } = householderQr(h.data.subarray(b * m * n, (b + 1) * m * n), m, n, mode === 'complete');
    packed.set(q, b * per);
    packed.set(r, b * per + m * kq);
    if (rinv) {
      // R's leading k × k block is upper triangular: its inverse is the transpose of a lower one's
      const lt = new Float64Array(k * k);
      for (let i = 0; i < k; i++) for (let j = 0; j <= i; j++) lt[i * k + j] = r[j * n + i]!;
      rinv.set(transpose(lowerInverse(lt, k), k, k), b * k * k);
    }
  }
  const p = upload(packed, [...h.batch, per], a, op);
  if (rinv) recordOp('linalgQr', [a], p, { mode, m, n, kq, rinv: upload(rinv, [...h.batch, k, k], a, op) });
  const R = p.narrow(-1, m * kq, kq * n).unflatten(-1, [kq, n]);
  const Q = mode === 'r' ? empty([0], { dtype: a.dtype, device: a.device }) : p.narrow(-1, 0, m * kq).unflatten(-1, [m, kq]);
  return named([Q, R] as [Tensor, Tensor], ['Q', 'R'] as const);
}

function qrMode(mode: QrMode | undefined): QrMode {
  const m = mode ?? 'reduced';
  if (m !== 'reduced' && m !== 'complete' && m !== 'r') {
    throw new ArgumentError(`qr received unrecognized mode '${String(m)}' but expected one of 'reduced' (default), 'r', or 'complete'`, {
      op: 'linalg.qr',
      hint: "mode: 'reduced' | 'complete' | 'r'",
    });
  }
  return m;
}

/**
 * QR decomposition `A = Q R` (`torch.linalg.qr`) by Householder reflections with LAPACK's signs,
 * so Q and R match torch's. Returns `[Q, R]` (also `.Q`, `.R`).
 *
 * @example
 * const [Q, R] = dl.linalg.qr(A);                 // reduced
 * const { R } = dl.linalg.qr(A, { mode: 'r' });  // R only
 */
export const qr = defineOp('linalg.qr', (A: Tensor, opts: { mode?: QrMode } = {}): QrResult => {
  checkOptionsArg('linalg.qr', opts, "dl.linalg.qr(A, { mode: 'r' })");
  checkMatrix('linalg.qr', A, false);
  return qrImpl(A, qrMode(opts.mode), readMatrices('linalg.qr', A, 'linalg.qrAsync'));
});
/** `linalg.qr` on any device. @example await dl.linalg.qrAsync(A) */
export async function qrAsync(A: Tensor, opts: { mode?: QrMode } = {}): Promise<QrResult> {
  checkOptionsArg('linalg.qr', opts, "dl.linalg.qrAsync(A, { mode: 'r' })");
  checkMatrix('linalg.qr', A, false);
  return qrImpl(A, qrMode(opts.mode), await readMatricesAsync(A));
}

// ---- eigh --------------------------------------------------------------------------------
/** `[eigenvalues, eigenvectors]`, also by name. */
export type EighResult = Named<[Tensor, Tensor], 'eigenvalues' | 'eigenvectors'>;

function uplo(op: string, u: 'L' | 'U' | undefined): 'L' | 'U' {
  const v = u ?? 'L';
  if (v !== 'L' && v !== 'U')
    throw new ArgumentError(`${op}: Expected UPLO argument to be 'L' or 'U', but got ${String(v)}`, {
      op,
      hint: "UPLO: 'L' (default) or 'U'",
    });
  return v;
}

function eighImpl(a: Tensor, UPLO: 'L' | 'U', h: HostMatrices): EighResult {
  const op = 'linalg.eigh';
  const n = h.rows;
  const per = (n + 1) * n;
  const packed = new Float64Array(h.count * per);
  for (let b = 0; b < h.count; b++) {
    const src = h.data.subarray(b * n * n, (b + 1) * n * n);
    const s = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const lower = i >= j;
        s[i * n + j] = lower === (UPLO === 'L') || i === j ? src[i * n + j]! : src[j * n + i]!;
      }
    }
    const { w, v } = jacobiEigh(s, n);
    packed.set(w, b * per);
    packed.set(v, b * per + n);
  }
  const p = upload(packed, [...h.batch, n + 1, n], a, op);
  recordOp('linalgEigh', [a], p, { n });
  return named([p.select(-2, 0), p.narrow(-2, 1, n)] as [Tensor, Tensor], ['eigenvalues', 'eigenvectors'] as const);
}

/**
 * Eigenvalues (ascending) and eigenvectors (columns) of symmetric matrices
 * (`torch.linalg.eigh`), reading the lower triangle (or the upper with `{ UPLO: 'U' }`), by
 * Jacobi rotations in float64. Eigenvectors are unique up to sign: each is scaled so its
 * largest-magnitude entry is positive, which may differ from LAPACK's choice (Note [Host linear
 * algebra in float64]).
 *
 * @example
 * const [L, Q] = dl.linalg.eigh(A); // A ≈ Q diag(L) Qᵀ
 */
export const eigh = defineOp('linalg.eigh', (A: Tensor, opts: { UPLO?: 'L' | 'U' } = {}): EighResult => {
  checkOptionsArg('linalg.eigh', opts, "dl.linalg.eigh(A, { UPLO: 'U' })");
  checkMatrix('linalg.eigh', A, true);
  return eighImpl(A, uplo('linalg.eigh', opts.UPLO), readMatrices('linalg.eigh', A, 'linalg.eighAsync'));
});
/** `linalg.eigh` on any device. @example await dl.linalg.eighAsync(A) */
export async function eighAsync(A: Tensor, opts: { UPLO?: 'L' | 'U' } = {}): Promise<EighResult> {
  checkOptionsArg('linalg.eigh', opts, "dl.linalg.eighAsync(A, { UPLO: 'U' })");
  checkMatrix('linalg.eigh', A, true);
  return eighImpl(A, uplo('linalg.eigh', opts.UPLO), await readMatricesAsync(A));
}

/**
 * Eigenvalues of symmetric matrices, ascending (`torch.linalg.eigvalsh`).
 *
 * @example
 * dl.linalg.eigvalsh(dl.tensor([[2, 1], [1, 2]])); // [1, 3]
 */
export const eigvalsh = defineOp('linalg.eigvalsh', (A: Tensor, opts: { UPLO?: 'L' | 'U' } = {}): Tensor => eigh(A, opts)[0]);
/** `linalg.eigvalsh` on any device. @example await dl.linalg.eigvalshAsync(A) */
export async function eigvalshAsync(A: Tensor, opts: { UPLO?: 'L' | 'U' } = {}): Promise<Tensor> {
  return (await eighAsync(A, opts))[0];
}

// ---- svd ---------------------------------------------------------------------------------
/** `[U, S, Vh]`, also by name. */
export type SvdResult = Named<[Tensor, Tensor, Tensor], 'U' | 'S' | 'Vh'>;

function svdImpl(a: Tensor, full: boolean, h: HostMatrices): SvdResult {
  const op = 'linalg.svd';
  const { rows: m, cols: n } = h;
  const k = Math.min(m, n);
  const ku = full ? m : k;
  const kv = full ? n : k;
  const per = m * ku + k + kv * n;
  const packed = new Float64Array(h.count * per);
  if (!h.data.every(Number.isFinite)) {
    throw new LinAlgError(`${op}: The algorithm failed to converge because the input matrix contained non-finite values.`, {
      op,
      hint: 'the input holds NaN or ±inf (check the values that produced it)',
    });
  }
  for (let b = 0; b < h.count; b++) {
    const r = jacobiSvd(h.data.subarray(b * m * n, (b + 1) * m * n), m, n, full);
    packed.set(r.u, b * per);
    packed.set(r.s, b * per + m * ku);
    packed.set(r.vh, b * per + m * ku + k);
  }
  const p = upload(packed, [...h.batch, per], a, op);
  recordOp('linalgSvd', [a], p, { m, n, ku, kv });
  const U = p.narrow(-1, 0, m * ku).unflatten(-1, [m, ku]);
  const S = p.narrow(-1, m * ku, k);
  const Vh = p.narrow(-1, m * ku + k, kv * n).unflatten(-1, [kv, n]);
  return named([U, S, Vh] as [Tensor, Tensor, Tensor], ['U', 'S', 'Vh'] as const);
}

/**
 * Singular value decomposition `A = U diag(S) Vh` (`torch.linalg.svd`; `fullMatrices` true by
 * default, as torch), S descending, by one-sided Jacobi in float64. Singular vectors are unique
 * up to sign (Note [Host linear algebra in float64]): compare reconstructions, not raw vectors.
 *
 * @example
 * const [U, S, Vh] = dl.linalg.svd(A, { fullMatrices: false });
 */
export const svd = defineOp('linalg.svd', (A: Tensor, opts: { fullMatrices?: boolean } = {}): SvdResult => {
  checkOptionsArg('linalg.svd', opts, 'dl.linalg.svd(A, { fullMatrices: false })');
  checkMatrix('linalg.svd', A, false);
  return svdImpl(A, opts.fullMatrices ?? true, readMatrices('linalg.svd', A, 'linalg.svdAsync'));
});
/** `linalg.svd` on any device. @example await dl.linalg.svdAsync(A) */
export async function svdAsync(A: Tensor, opts: { fullMatrices?: boolean } = {}): Promise<SvdResult> {
  checkOptionsArg('linalg.svd', opts, 'dl.linalg.svdAsync(A, { fullMatrices: false })');
  checkMatrix('linalg.svd', A, false);
  return svdImpl(A, opts.fullMatrices ?? true, await readMatricesAsync(A));
}

/**
 * Singular values, descending (`torch.linalg.svdvals`).
 *
 * @example
 * dl.linalg.svdvals(dl.tensor([[3, 0], [0, -4]])); // [4, 3]
 */
export const svdvals = defineOp('linalg.svdvals', (A: Tensor): Tensor => {
  checkMatrix('linalg.svdvals', A, false);
  return svdImpl(A, false, readMatrices('linalg.svdvals', A, 'linalg.svdvalsAsync'))[1];
});
/** `linalg.svdvals` on any device. @example await dl.linalg.svdvalsAsync(A) */
export async function svdvalsAsync(A: Tensor): Promise<Tensor> {
  checkMatrix('linalg.svdvals', A, false);
  return svdImpl(A, false, await readMatricesAsync(A))[1];
}
