/**
 * The vec4 matmul core (Note [Matmul vec4 core]) against a float64 host reference: every
 * operand layout (A, Aᵀ, B, Bᵀ), tile-multiple shapes (no bounds checks) and ragged ones,
 * single rows and columns, batches with batch strides, offsets, NaN/inf, and views the core
 * declines (unaligned offsets, int32) that the scalar kernel takes. Skipped without a WebGPU
 * adapter unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { TensorView } from '@dl/tensor/backend';
import { matmulKernelChoice, vec4Plan } from './kernels/matmul-vec4.js';
import { close, download, empty, f32, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());

function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return f32((s / 2147483648) * 4 - 2);
  });
}

/** out[b][i][j] = Σ_k a(b, i, k) b(b, k, j), with element getters. */
function ref(
  B: number,
  M: number,
  K: number,
  N: number,
  a: (b: number, i: number, k: number) => number,
  b: (b: number, k: number, j: number) => number,
) {
  const out: number[] = [];
  for (let z = 0; z < B; z++)
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) s += a(z, i, k) * b(z, k, j);
        out.push(s);
      }
  return out;
}

/**
 * Upload operands in the requested layout (`ta`: A stored as [B, K, M]; `tb`: B stored as
 * [B, N, K]; `off`: leading padding words) and compare the product with the reference.
 */
async function check(
  B: number,
  M: number,
  K: number,
  N: number,
  ta: boolean,
  tb: boolean,
  off = 0,
  poison?: (a: number[], b: number[]) => void,
) {
  const gpu = be!;
  const av = values(off + B * M * K, 3 + M);
  const bv = values(off + B * K * N, 7 + N);
  poison?.(av, bv);
  const abuf = upload(gpu, 'float32', av);
  const bbuf = upload(gpu, 'float32', bv);
  const a: TensorView = { ...abuf, shape: [B, M, K], strides: ta ? [M * K, 1, M] : [M * K, K, 1], offset: off };
  const b: TensorView = { ...bbuf, shape: [B, K, N], strides: tb ? [K * N, 1, K] : [K * N, N, 1], offset: off };
  const out = empty(gpu, 'float32', [B, M, N]);
  gpu.matmul(a, b, out);
  const ga = (z: number, i: number, k: number) => av[off + z * M * K + (ta ? k * M + i : i * K + k)]!;
  const gb = (z: number, k: number, j: number) => bv[off + z * K * N + (tb ? j * K + k : k * N + j)]!;
  const want = ref(B, M, K, N, ga, gb);
  const got = await download(gpu, out);
  return { got, want, plan: vec4Plan(a, b, out) };
}

describe.runIf(be).each(['tiled', 'direct', 'auto'] as const)('matmul vec4 core: %s kernel', (kind) => {
  beforeEach(() => {
    matmulKernelChoice.force = kind;
  });
  afterEach(() => {
    matmulKernelChoice.force = 'auto';
  });
  const shapes: Array<[number, number, number, number]> = [
    [1, 64, 64, 64], // tile multiples: no bounds checks
    [1, 32, 96, 64],
    [1, 36, 20, 44], // ragged in every dimension
    [1, 4, 4, 4],
    [1, 100, 68, 12],
    [3, 40, 12, 36], // batched
    [1, 20, 18, 8], // K % 4 != 0: the direct kernel hands over to the tiled one
    [1, 5, 8, 12], // M not a multiple of 4
  ];
  for (const [B, M, K, N] of shapes)
    for (const ta of [false, true])
      for (const tb of [false, true])
        it(`B=${B} M=${M} K=${K} N=${N} ${ta ? 'Aᵀ' : 'A'} ${tb ? 'Bᵀ' : 'B'}`, async () => {
          const { got, want, plan } = await check(B, M, K, N, ta, tb);
          // A needs K % 4 = 0, Aᵀ M % 4 = 0, Bᵀ K % 4 = 0 (the vec4 runs); else the scalar kernel
          const am = ta ? (M % 4 === 0 ? 't' : null) : K % 4 === 0 ? 'n' : null;
          const bm = tb ? (K % 4 === 0 ? 't' : null) : 'n';
          expect(plan).toEqual(am && bm ? { am, bm } : null);
          expect(close(got, want, 1e-4, 1e-4)).toBeNull();
        });

  it('one row (M = 1) and a 4-aligned offset', async () => {
    const r = await check(2, 1, 12, 8, false, false, 8);
    expect(r.plan).not.toBeNull();
    expect(close(r.got, r.want, 1e-4, 1e-4)).toBeNull();
  });

  it('one column (N = 1) and an unaligned offset take the scalar kernel, same values', async () => {
    const col = await check(1, 9, 12, 1, false, false);
    expect(col.plan).toBeNull();
    expect(close(col.got, col.want, 1e-4, 1e-4)).toBeNull();
    const odd = await check(1, 8, 12, 8, false, true, 3);
    expect(odd.plan).toBeNull();
    expect(close(odd.got, odd.want, 1e-4, 1e-4)).toBeNull();
  });

  it('NaN and inf propagate to their row and column only', async () => {
    const M = 36,
      K = 8,
      N = 40;
    const r = await check(1, M, K, N, false, false, 0, (a, b) => {
      a[5 * K + 3] = Number.NaN; // row 5
      b[2 * N + 7] = Number.POSITIVE_INFINITY; // column 7
    });
    for (let i = 0; i < M; i++)
      for (let j = 0; j < N; j++) {
        const g = r.got[i * N + j]!;
        if (i === 5) expect(g).toBeNaN();
        else if (j === 7) expect(Math.abs(g)).toBe(Number.POSITIVE_INFINITY);
        else expect(Math.abs(g - r.want[i * N + j]!)).toBeLessThan(1e-3);
      }
  });

  it('int32 operands keep the scalar kernel', async () => {
    const gpu = be!;
    const a = upload(gpu, 'int32', [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 4]);
    const b = upload(gpu, 'int32', [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], [1, 4, 4]);
    const out = empty(gpu, 'int32', [1, 2, 4]);
    expect(vec4Plan(a, b, out)).toBeNull();
    gpu.matmul(a, b, out);
    expect(await download(gpu, out)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
