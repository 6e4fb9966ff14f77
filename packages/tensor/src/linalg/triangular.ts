import { defineOp, recordOp, willRecord } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { fromHost } from '../ops/creation.js';
import { identity, transpose, triangularSolve } from './host.js';
import { checkMatrix, readMatrices, readMatricesAsync, type HostMatrices } from './matrices.js';

/** `solveTriangular`'s keywords: `upper` is required, as torch's. */
export interface SolveTriangularOptions {
  upper: boolean;
  left?: boolean;
  unitriangular?: boolean;
}

interface Plan {
  A: Tensor;
  B: Tensor;
  n: number;
  upper: boolean;
  left: boolean;
  unit: boolean;
}

function plan(A: Tensor, B: Tensor, opts: SolveTriangularOptions): Plan {
  const op = 'linalg.solve_triangular';
  if (typeof opts?.upper !== 'boolean')
    throw new ArgumentError(`${op}: missing the required keyword upper`, { op, hint: 'pass { upper: true } or { upper: false }' });
  checkMatrix(op, A, true);
  if (B.dtype !== A.dtype)
    throw new DTypeError(
      `${op}: Expected A and B to have the same dtype, but found A of type ${A.dtype} and B of type ${B.dtype} instead`,
      { op, hint: 'cast B with .to(A.dtype)' },
    );
  if (B.dim() < 2)
    throw new ShapeError(`${op}: The input tensor B must have at least 2 dimensions.`, { op, hint: 'a vector b is b.unsqueeze(-1)' });
  const n = A.shape[A.dim() - 1]!;
  const left = opts.left ?? true;
  const r = B.shape[B.dim() - 2]!;
  const c = B.shape[B.dim() - 1]!;
  if ((left ? r : c) !== n) {
    throw new ShapeError(`${op}: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${n}x${n} and ${r}x${c})`, {
      op,
      hint: left ? 'B is [..., n, k]' : 'B is [..., k, n]',
    });
  }
  const batch = broadcastShapes(op, A.shape.slice(0, -2), B.shape.slice(0, -2));
  return { A: A.expand([...batch, n, n]), B: B.expand([...batch, r, c]), n, upper: opts.upper, left, unit: opts.unitriangular ?? false };
}

function impl(A: Tensor, B: Tensor, p: Plan, ha: HostMatrices, hb: HostMatrices): Tensor {
  const op = 'linalg.solve_triangular';
  const { n, upper, left, unit } = p;
  const { rows, cols } = hb;
  const k = left ? cols : rows;
  const x = new Float64Array(hb.data.length);
  const grad = willRecord([A, B]);
  const tinv = grad ? new Float64Array(ha.data.length) : null;
  for (let b = 0; b < ha.count; b++) {
    const t = ha.data.subarray(b * n * n, (b + 1) * n * n);
    const rhs = hb.data.subarray(b * rows * cols, (b + 1) * rows * cols);
    if (left) x.set(triangularSolve(t, n, rhs, k, upper, unit), b * rows * cols);
    else x.set(transpose(triangularSolve(transpose(t, n, n), n, transpose(rhs, rows, cols), k, !upper, unit), n, k), b * rows * cols);
    if (tinv) tinv.set(triangularSolve(t, n, identity(n), n, upper, unit), b * n * n);
  }
  const X = fromHost(x, [...ha.batch, rows, cols], A.dtype, A.device, op);
  if (tinv)
    recordOp('linalgSolveTriangular', [A, B], X, {
      upper,
      left,
      unitriangular: unit,
      tinv: fromHost(tinv, [...ha.batch, n, n], A.dtype, A.device, op),
    });
  return X;
}

/**
 * Solve a triangular system (`torch.linalg.solve_triangular`): `A X = B`, or `X A = B` with
 * `{ left: false }`, reading only A's upper or lower triangle (`upper` is required, as torch's),
 * with a unit diagonal when `unitriangular`. A zero on the diagonal gives ±inf / NaN, as torch.
 *
 * @example
 * const L = dl.linalg.cholesky(S);
 * const y = dl.linalg.solveTriangular(L, b.unsqueeze(-1), { upper: false });
 */
export const solveTriangular = defineOp('linalg.solveTriangular', (A: Tensor, B: Tensor, opts: SolveTriangularOptions): Tensor => {
  const p = plan(A, B, opts);
  return impl(
    A,
    B,
    p,
    readMatrices('linalg.solve_triangular', p.A, 'linalg.solveTriangularAsync'),
    readMatrices('linalg.solve_triangular', p.B, 'linalg.solveTriangularAsync'),
  );
});
/** `linalg.solveTriangular` on any device (Note [linalg on devices without sync reads]). @example await dl.linalg.solveTriangularAsync(L, B, { upper: false }) */
export async function solveTriangularAsync(A: Tensor, B: Tensor, opts: SolveTriangularOptions): Promise<Tensor> {
  const p = plan(A, B, opts);
  return impl(A, B, p, await readMatricesAsync(p.A), await readMatricesAsync(p.B));
}
