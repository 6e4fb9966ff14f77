/**
 * dl.linalg's eigh / svd / qr against PyTorch 1.13 (tools/fixtures/linalg_fixtures.py): values,
 * sign-invariant forms of the vectors, reconstructions and gradients of sign-invariant losses,
 * in float64 and float32; plus the typed errors torch raises. The differential test
 * (differential_linalg.py) covers the other linalg ops and the products.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import { gradcheck, gradgradcheck } from '@dl/autograd';

interface LinalgCase {
  name: string;
  op: 'eigh' | 'svd' | 'qr';
  shape: number[];
  a: number[];
  grad: number[];
  [k: string]: unknown;
}
const fx = JSON.parse(readFileSync(new URL('./fixtures/linalg.json', import.meta.url), 'utf8')) as { cases: LinalgCase[] };

async function close(t: Tensor, want: number[], tol: number, what: string): Promise<void> {
  const got = Array.from(await t.data());
  expect(got.length, `${what}: size`).toBe(want.length);
  const bad = got.findIndex((v, i) => !(Math.abs(v - want[i]!) <= tol + tol * Math.abs(want[i]!)));
  expect(bad, `${what}: element ${bad} is ${got[bad]}, torch ${want[bad]}`).toBe(-1);
}

/** One fixture case on `device` in `dtype` (async factorisations where the device needs them). */
async function checkCase(c: LinalgCase, device: string, dtype: 'float32' | 'float64', useAsync: boolean): Promise<void> {
  const tol = dtype === 'float64' ? 1e-8 : 2e-3;
  const A = dl.tensor(c.a, { dtype, device }).reshape(c.shape);
  A.requiresGrad = true;
  const w = (k: string, shape: readonly number[]) => dl.tensor(c[k] as number[], { dtype, device }).reshape(shape);
  if (c.op === 'eigh') {
    const opts = { UPLO: c.UPLO as 'L' | 'U' };
    const [L, Q] = useAsync ? await dl.linalg.eighAsync(A, opts) : dl.linalg.eigh(A, opts);
    await close(L, c.L as number[], tol, 'eigenvalues');
    await close(Q.abs(), c.absQ as number[], tol * 10, '|Q|');
    // Qᵀ Q = I
    const n = c.shape[c.shape.length - 1]!;
    await close(Q.mT.matmul(Q), Array.from(await dl.eye(n, n, { dtype, device }).expand(Q.shape).contiguous().data()), tol, 'QᵀQ');
    L.mul(w('wl', L.shape))
      .sum()
      .add(Q.mul(Q).mul(w('wq', Q.shape)).sum())
      .backward();
  } else if (c.op === 'svd') {
    const full = c.full as boolean;
    const [U, S, Vh] = useAsync ? await dl.linalg.svdAsync(A, { fullMatrices: full }) : dl.linalg.svd(A, { fullMatrices: full });
    expect(U.shape).toEqual(c.Ushape);
    expect(Vh.shape).toEqual(c.Vhshape);
    const k = S.shape[S.dim() - 1]!;
    const Uk = U.narrow(-1, 0, k);
    const Vk = Vh.narrow(-2, 0, k);
    await close(S, c.S as number[], tol, 'S');
    await close(Uk.abs(), c.absU as number[], tol * 10, '|U|');
    await close(Vk.abs(), c.absVh as number[], tol * 10, '|Vh|');
    await close(Uk.mul(S.unsqueeze(-2)).matmul(Vk), c.a, tol * 10, 'U S Vh');
    if (full) {
      // the completed bases are orthonormal too
      const m = U.shape[U.dim() - 1]!;
      await close(U.mT.matmul(U), Array.from(await dl.eye(m, m, { dtype, device }).data()), tol, 'UᵀU');
    }
    S.mul(w('ws', S.shape))
      .sum()
      .add(Uk.mul(Uk).mul(w('wu', Uk.shape)).sum())
      .add(Vk.mul(Vk).mul(w('wv', Vk.shape)).sum())
      .backward();
  } else {
    const mode = c.mode as 'reduced' | 'complete';
    const [Q, R] = useAsync ? await dl.linalg.qrAsync(A, { mode }) : dl.linalg.qr(A, { mode });
    expect(Q.shape).toEqual(c.Qshape);
    expect(R.shape).toEqual(c.Rshape);
    await close(Q, c.Q as number[], tol * 10, 'Q');
    await close(R, c.R as number[], tol * 10, 'R');
    Q.mul(w('wq', Q.shape))
      .sum()
      .add(R.mul(w('wr', R.shape)).sum())
      .backward();
  }
  await close(A.grad!, c.grad, dtype === 'float64' ? 1e-6 : 1e-2, 'gradient');
}

describe('dl.linalg eigh / svd / qr match PyTorch 1.13 (sign-invariant checks)', () => {
  for (const dtype of ['float64', 'float32'] as const) {
    it.each(fx.cases.map((c) => [c.name, c] as const))(`%s (${dtype})`, async (_n, c) => checkCase(c, 'cpu', dtype, false));
  }
  it.each(fx.cases.map((c) => [c.name, c] as const))('%s (async twin)', async (_n, c) => checkCase(c, 'cpu', 'float64', true));
});

describe('dl.linalg errors as torch raises them', () => {
  it('inv of a singular matrix names the zero pivot (batched: the batch element)', () => {
    const s = dl.tensor([
      [1, 2],
      [2, 4],
    ]);
    expect(() => dl.linalg.inv(s)).toThrow(
      /linalg\.inv: The diagonal element 2 is zero, the inversion could not be completed because the input matrix is singular/,
    );
    expect(() => dl.linalg.inv(dl.stack([dl.eye(2), s]))).toThrow(/\(Batch element 1\): The diagonal element 2 is zero/);
    expect(() => dl.linalg.inv(s)).toThrow(dl.linalg.LinAlgError);
    expect(Math.abs(dl.linalg.det(s).itemSync())).toBe(0);
  });
  it('solve of a singular system and cholesky of a non-positive-definite matrix', () => {
    expect(() =>
      dl.linalg.solve(
        dl.tensor([
          [1, 2],
          [2, 4],
        ]),
        dl.ones(2),
      ),
    ).toThrow(/The solver failed because the input matrix is singular/);
    expect(() =>
      dl.linalg.cholesky(
        dl.tensor([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(/the leading minor of order 2 is not positive-definite/);
    expect(() =>
      dl.linalg.cholesky(
        dl.tensor([
          [1, 2],
          [2, 1],
        ]),
      ),
    ).toThrow(dl.linalg.LinAlgError);
  });
  it('svd of a non-finite matrix raises, as torch', () => {
    expect(() =>
      dl.linalg.svd(
        dl.tensor([
          [1, NaN],
          [2, 3],
        ]),
      ),
    ).toThrow(/linalg\.svd: The algorithm failed to converge because the input matrix contained non-finite values/);
    expect(() =>
      dl.linalg.svdvals(
        dl.tensor([
          [1, Infinity],
          [2, 3],
        ]),
      ),
    ).toThrow(dl.linalg.LinAlgError);
  });
  it('shape and dtype errors are typed', () => {
    expect(() => dl.linalg.inv(dl.ones(2, 3))).toThrow(dl.ShapeError);
    expect(() => dl.linalg.inv(dl.ones([2, 2], { dtype: 'int32' }))).toThrow(dl.DTypeError);
    expect(() => dl.linalg.det(dl.ones(3))).toThrow(dl.ShapeError);
    expect(() => dl.einsum('ij,jk->ik', dl.ones(2, 3), dl.ones(4, 2))).toThrow(dl.ShapeError);
    expect(() => dl.einsum('ij->k', dl.ones(2, 3))).toThrow(dl.ArgumentError);
    expect(() => dl.einsum('ij,jk', dl.ones(2, 3))).toThrow(dl.ArgumentError);
    expect(() => dl.mv(dl.ones(2, 3), dl.ones(2))).toThrow(dl.ShapeError);
    expect(() => dl.cross(dl.ones(2, 4), dl.ones(2, 4))).toThrow(/no dimension of size 3/);
  });
  it('qr mode r has no gradient, as torch', () => {
    const A = dl.randn(3, 2);
    A.requiresGrad = true;
    const { R } = dl.linalg.qr(A, { mode: 'r' });
    expect(() => R.sum().backward()).toThrow(/depends on Q, which is not computed when mode='r'/);
  });
});

describe('dl.linalg as a PyTorch user writes it', () => {
  it('solve, inv and det agree with each other on a batch', async () => {
    const A = dl.randn(4, 5, 5).add(dl.eye(5).mul(4));
    const b = dl.randn(4, 5);
    const x = dl.linalg.solve(A, b);
    expect(x.shape).toEqual([4, 5]);
    await close(A.matmul(x.unsqueeze(-1)).squeeze(-1), Array.from(await b.data()), 1e-4, 'A x = b');
    await close(dl.linalg.inv(A).matmul(A), Array.from(await dl.eye(5).expand(4, 5, 5).contiguous().data()), 1e-4, 'A⁻¹A');
    const { sign, logabsdet } = dl.linalg.slogdet(A);
    await close(sign.mul(logabsdet.exp()), Array.from(await dl.linalg.det(A).data()), 1e-4, 'slogdet');
  });
  it('cholesky then two triangular solves is solve', async () => {
    const B = dl.randn(4, 4, { dtype: 'float64' });
    const S = B.matmul(B.mT).add(dl.eye(4, 4, { dtype: 'float64' }));
    const b = dl.randn(4, 2, { dtype: 'float64' });
    const L = dl.linalg.cholesky(S);
    const y = dl.linalg.solveTriangular(L, b, { upper: false });
    const x = dl.linalg.solveTriangular(L.mT, y, { upper: true });
    await close(x, Array.from(await dl.linalg.solve(S, b).data()), 1e-10, 'L Lᵀ x = b');
    expect(() => dl.linalg.solveTriangular(L, dl.ones(4, { dtype: 'float64' }), { upper: false })).toThrow(
      /must have at least 2 dimensions/,
    );
  });
  it('norms: vector, matrix and the dispatching norm', async () => {
    const A = dl.tensor([
      [1, -2],
      [3, 4],
    ]);
    expect(dl.linalg.norm(A).itemSync()).toBeCloseTo(Math.sqrt(30), 5);
    expect(dl.linalg.matrixNorm(A, 1).itemSync()).toBeCloseTo(6, 5);
    expect(dl.linalg.matrixNorm(A, Infinity).itemSync()).toBeCloseTo(7, 5);
    expect(dl.linalg.vectorNorm(dl.tensor([3, 4])).itemSync()).toBeCloseTo(5, 5);
    expect(dl.linalg.matrixNorm(A, 2).itemSync()).toBeCloseTo(dl.linalg.svdvals(A).max().itemSync(), 5);
  });
  it('einsum covers matmul, trace, diagonal, outer and batched forms', async () => {
    const a = dl.randn(3, 4);
    const b = dl.randn(4, 5);
    await close(dl.einsum('ij,jk->ik', a, b), Array.from(await a.matmul(b).data()), 1e-5, 'matmul');
    const m = dl.randn(4, 4);
    expect(dl.einsum('ii', m).itemSync()).toBeCloseTo(m.mul(dl.eye(4)).sum().itemSync(), 5);
    await close(dl.einsum('ii->i', m), Array.from(await m.mul(dl.eye(4)).sum(1).data()), 1e-6, 'diag');
    expect(dl.einsum('...ij->...ji', dl.randn(2, 3, 4, 5)).shape).toEqual([2, 3, 5, 4]);
    expect(dl.einsum('bn,anm,bm->ba', [dl.randn(2, 3), dl.randn(4, 3, 5), dl.randn(2, 5)]).shape).toEqual([2, 4]);
  });
  it('autograd records one node per factorisation, with torch 1.13 names', () => {
    const A = dl.randn(3, 3).add(dl.eye(3).mul(3));
    A.requiresGrad = true;
    expect(dl.linalg.inv(A).gradFn!.name()).toBe('LinalgInvExBackward0');
    expect(dl.linalg.det(A).gradFn!.name()).toBe('LinalgDetBackward0');
    expect(dl.linalg.solve(A, dl.ones(3)).gradFn!.name()).toBe('LinalgSolveExBackward0');
    expect(dl.linalg.cholesky(A.matmul(A.mT)).gradFn!.name()).toBe('LinalgCholeskyExBackward0');
    // multi-output factorisations return views of one packed node (Note [Packed linalg outputs])
    const chain = (t: Tensor): string[] => {
      const names: string[] = [];
      for (let f = t.gradFn; f; f = f.nextFunctions[0]?.[0] ?? null) names.push(f.name());
      return names;
    };
    expect(chain(dl.linalg.eigh(A)[0])).toContain('LinalgEighBackward0');
    expect(chain(dl.linalg.svd(A)[1])).toContain('LinalgSvdBackward0');
    expect(chain(dl.linalg.qr(A)[0])).toContain('LinalgQrBackward0');
    expect(dl.addmm(dl.ones(3), A, A).gradFn!.name()).toBe('AddmmBackward0');
  });
  it('pinv, matrixRank, matrixPower and multiDot', async () => {
    const r1 = dl.tensor([
      [1, 2],
      [2, 4],
      [3, 6],
    ]);
    expect(dl.linalg.matrixRank(r1).itemSync()).toBe(1);
    const p = dl.linalg.pinv(r1);
    await close(r1.matmul(p).matmul(r1), Array.from(await r1.data()), 1e-4, 'A A⁺ A = A');
    const A = dl.tensor([
      [1, 1],
      [0, 1],
    ]);
    await close(dl.linalg.matrixPower(A, 5), [1, 5, 0, 1], 1e-6, 'A^5');
    await close(dl.linalg.matrixPower(A, -2), [1, -2, 0, 1], 1e-6, 'A^-2');
    await close(dl.linalg.multiDot([dl.tensor([1, 2]), A, dl.tensor([3, 4])]), [1 * 3 + (1 + 2) * 4], 1e-6, 'multiDot');
    expect(
      dl
        .logdet(
          dl.tensor([
            [-1, 0],
            [0, 2],
          ]),
        )
        .isnan()
        .itemSync(),
    ).toBe(1);
  });
  it('first and second derivatives pass gradcheck / gradgradcheck (float64)', () => {
    const f64 = { dtype: 'float64' as const };
    const leaf = (t: Tensor) => {
      const x = t.detach().clone();
      x.requiresGrad = true;
      return x;
    };
    const A = leaf(dl.randn(3, 3, f64).add(dl.eye(3, 3, f64).mul(3)));
    const B = leaf(dl.randn(3, 2, f64));
    const W = leaf(dl.randn(4, 3, f64));
    const cases: [string, (...xs: Tensor[]) => Tensor | Tensor[], Tensor[]][] = [
      ['det', (a) => dl.linalg.det(a), [A]],
      ['slogdet', (a) => dl.linalg.slogdet(a)[1], [A]],
      ['inv', (a) => dl.linalg.inv(a), [A]],
      ['solve', (a, b) => dl.linalg.solve(a, b), [A, B]],
      ['solveTriangular', (a, b) => dl.linalg.solveTriangular(a, b, { upper: true }), [A, B]],
      ['cholesky', (a) => dl.linalg.cholesky(a.matmul(a.mT).add(dl.eye(3, 3, f64))), [A]],
      ['qr', (w) => [...dl.linalg.qr(w)], [W]],
      [
        'eigh',
        (a) => {
          const [L, Q] = dl.linalg.eigh(a.add(a.mT));
          return [L, Q.mul(Q)];
        },
        [A],
      ],
      [
        'svd',
        (w) => {
          const [U, S, Vh] = dl.linalg.svd(w, { fullMatrices: false });
          return [S, U.mul(U), Vh.mul(Vh)];
        },
        [W],
      ],
    ];
    for (const [name, fn, inputs] of cases) {
      expect(gradcheck(fn, inputs, { atol: 1e-5, rtol: 1e-4 }), `gradcheck ${name}`).toBe(true);
      expect(gradgradcheck(fn, inputs, { atol: 1e-4, rtol: 1e-3 }), `gradgradcheck ${name}`).toBe(true);
    }
  });
});
