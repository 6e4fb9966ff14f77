/**
 * dl.linalg on `webgpu` against PyTorch 1.13 (the eigh / svd / qr cases of
 * tools/fixtures/linalg_fixtures.py, read from @dl/nn's fixture file): the `…Async` twins move the
 * matrix to the host and the factors back (Note [linalg on devices without sync reads]), the
 * gradients run on webgpu. The sync forms raise a StateError naming the twin. The runner is a copy
 * of @dl/nn's src/linalg.test.ts (a package never imports another's src/). Without a WebGPU
 * adapter it is skipped with a printed reason, unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/autograd';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

interface LinalgCase {
  name: string;
  op: 'eigh' | 'svd' | 'qr';
  shape: number[];
  a: number[];
  grad: number[];
  [k: string]: unknown;
}
const fx = JSON.parse(readFileSync(new URL('../../nn/src/fixtures/linalg.json', import.meta.url), 'utf8')) as { cases: LinalgCase[] };

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

const be = await setupGpu(webgpu);

describe.runIf(be)('dl.linalg on webgpu matches PyTorch 1.13', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });
  it.each(fx.cases.map((c) => [c.name, c] as const))('%s (async twin, float32)', async (_n, c) => checkCase(c, 'webgpu', 'float32', true));
  it('the sync forms name their async twin', () => {
    const A = dl.eye(3, 3, { device: 'webgpu' });
    expect(() => dl.linalg.inv(A)).toThrow(/linalg\.invAsync/);
    expect(() => dl.linalg.inv(A)).toThrow(dl.StateError);
  });
  it('solve, det and inv through the async twins, with gradients on webgpu', async () => {
    const A = dl.tensor(
      [
        [4, 1, 0],
        [1, 3, 1],
        [0, 1, 2],
      ],
      { device: 'webgpu' },
    );
    A.requiresGrad = true;
    const b = dl.tensor([1, 2, 3], { device: 'webgpu' });
    const x = await dl.linalg.solveAsync(A, b);
    await close(A.detach().matmul(x.detach()), [1, 2, 3], 1e-4, 'A x = b');
    const d = await dl.linalg.detAsync(A);
    await close(d, [18], 1e-4, 'det');
    d.add(x.sum()).backward();
    const inv = await dl.linalg.invAsync(A.detach());
    const want = Array.from(await inv.mT.mul(18).data());
    const xs = Array.from(await x.data());
    // d det/dA = det A⁻ᵀ; d Σx/dA = -(A⁻ᵀ 1) xᵀ
    const u = Array.from(await inv.mT.matmul(dl.ones(3, { device: 'webgpu' })).data());
    await close(
      A.grad!,
      want.map((v, i) => v - u[Math.floor(i / 3)]! * xs[i % 3]!),
      1e-3,
      'gradient',
    );
  });
  it('einsum, cdist and the norms run on webgpu as composites', async () => {
    const a = dl.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device: 'webgpu' },
    );
    await close(dl.einsum('ij,jk->ik', a, a), [7, 10, 15, 22], 1e-5, 'einsum');
    await close(dl.cdist(a, a), [0, Math.sqrt(8), Math.sqrt(8), 0], 1e-5, 'cdist');
    await close(dl.linalg.vectorNorm(a), [Math.sqrt(30)], 1e-5, 'vectorNorm');
  });
});

if (!be) it.skip('dl.linalg on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
