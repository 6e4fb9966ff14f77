/**
 * `dl.linalg`: PyTorch's `torch.linalg` — norms, determinants, inverses, solves and the
 * factorisations (Cholesky, QR, eigh, SVD), batched over leading dims, with gradients.
 *
 * @example
 * const x = dl.linalg.solve(A, b);
 * const [L, Q] = dl.linalg.eigh(S);
 * dl.linalg.norm(A, 'fro');
 */
export { vectorNorm, matrixNorm, norm, type NormOrd } from './norms.js';
export {
  det,
  detAsync,
  slogdet,
  slogdetAsync,
  inv,
  invAsync,
  solve,
  solveAsync,
  cholesky,
  choleskyAsync,
  qr,
  qrAsync,
  eigh,
  eighAsync,
  eigvalsh,
  eigvalshAsync,
  svd,
  svdAsync,
  svdvals,
  svdvalsAsync,
  type SlogdetResult,
  type QrMode,
  type QrResult,
  type EighResult,
  type SvdResult,
} from './decompositions.js';
export { cross } from './cross.js';
export { matrixPower, multiDot, pinv, matrixRank, vecdot, lstsq, cond, type LstsqResult, type TolOptions } from './composites.js';
export { solveTriangular, solveTriangularAsync, type SolveTriangularOptions } from './triangular.js';
export { LinAlgError } from './errors.js';
