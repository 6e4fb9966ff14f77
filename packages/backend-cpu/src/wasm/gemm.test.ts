import { afterAll, describe, expect, it } from 'vitest';
import { gemmInfo, gemmPacking, setNumThreads, sgemm, sgemmBatched, warmupThreads } from './gemm.js';

/** Seeded uniform [-1, 1) values. */
function rand(n: number, seed: number): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

interface Mat {
  data: Float32Array;
  off: number;
  rs: number;
  cs: number;
}

/** A rows x cols matrix laid out in a bigger buffer: row-major, transposed, or padded/strided. */
function makeMat(rows: number, cols: number, layout: 'row' | 'col' | 'strided', seed: number): Mat {
  if (layout === 'row') return { data: rand(rows * cols, seed), off: 0, rs: cols, cs: 1 };
  if (layout === 'col') return { data: rand(rows * cols, seed), off: 0, rs: 1, cs: rows };
  const rs = 2 * cols + 3;
  const off = 5;
  return { data: rand(off + rows * rs + 1, seed), off, rs, cs: 2 };
}

function at(m: Mat, i: number, j: number): number {
  return m.data[m.off + i * m.rs + j * m.cs]!;
}

function naive(M: number, N: number, K: number, a: Mat, b: Mat): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += at(a, i, k) * at(b, k, j);
      c[i * N + j] = s;
    }
  }
  return c;
}

function expectClose(M: number, N: number, K: number, got: (i: number, j: number) => number, want: (i: number, j: number) => number): void {
  const tol = 1e-5 * Math.max(1, K);
  let worst = 0;
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) worst = Math.max(worst, Math.abs(got(i, j) - want(i, j)));
  }
  expect(worst).toBeLessThanOrEqual(tol);
}

const layouts = ['row', 'col', 'strided'] as const;

afterAll(() => setNumThreads(2));

describe('sgemm', () => {
  it('computes a tiny product exactly', () => {
    const a = Float32Array.from([1, 2, 3, 4, 5, 6]); // [2,3]
    const b = Float32Array.from([7, 8, 9, 10, 11, 12]); // [3,2]
    const c = new Float32Array(4);
    sgemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, false);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
    // accumulate
    sgemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, true);
    expect(Array.from(c)).toEqual([116, 128, 278, 308]);
    // b transposed view: b^T is [2,3] row-major -> read with swapped strides
    const bt = Float32Array.from([7, 9, 11, 8, 10, 12]);
    sgemm(2, 2, 3, a, 0, 3, 1, bt, 0, 1, 3, c, 0, 2, false);
    expect(Array.from(c)).toEqual([58, 64, 139, 154]);
  });

  it('matches a naive triple loop on random sizes, layouts and accumulate', () => {
    const sizes: [number, number, number][] = [
      [1, 1, 1],
      [1, 9, 1],
      [7, 1, 5],
      [3, 5, 7],
      [4, 8, 16],
      [13, 17, 19],
      [31, 33, 257],
      [65, 9, 300],
      [100, 70, 513],
      [5, 130, 2],
    ];
    let seed = 1;
    for (const [M, N, K] of sizes) {
      for (const la of layouts) {
        for (const lb of layouts) {
          const a = makeMat(M, K, la, seed++);
          const b = makeMat(K, N, lb, seed++);
          const want = naive(M, N, K, a, b);
          const accumulate = (seed & 2) !== 0;
          // C inside a bigger buffer with a row stride and an offset
          const cOff = 3;
          const crs = N + 2;
          const c = rand(cOff + M * crs, seed++);
          const c0 = c.slice();
          sgemm(M, N, K, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, c, cOff, crs, accumulate);
          expectClose(
            M,
            N,
            K,
            (i, j) => c[cOff + i * crs + j]!,
            (i, j) => want[i * N + j]! + (accumulate ? c0[cOff + i * crs + j]! : 0),
          );
          // elements outside C are untouched
          expect(c[0]).toBe(c0[0]);
          if (N + 2 <= crs && M > 0) expect(c[cOff + N]).toBe(c0[cOff + N]);
        }
      }
    }
  });

  it('packs the same panels with the transposing/edge packers as with the scalar ones (bit-identical C)', () => {
    const sizes: [number, number, number][] = [
      [6, 25, 1027], // conv backward-weight shape: edge panels of A (2 live rows) and B (1 live column)
      [13, 17, 19],
      [64, 40, 259],
      [3, 9, 3],
    ];
    let seed = 100;
    for (const [M, N, K] of sizes)
      for (const la of layouts)
        for (const lb of layouts) {
          const a = makeMat(M, K, la, seed++);
          const b = makeMat(K, N, lb, seed++);
          const out = { on: new Float32Array(M * N), off: new Float32Array(M * N) };
          for (const mode of ['on', 'off'] as const) {
            gemmPacking.transposing = mode === 'on';
            try {
              sgemm(M, N, K, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, out[mode], 0, N, false);
            } finally {
              gemmPacking.transposing = true;
            }
          }
          expect(out.on).toEqual(out.off);
          const want = naive(M, N, K, a, b);
          expectClose(
            M,
            N,
            K,
            (i, j) => out.on[i * N + j]!,
            (i, j) => want[i * N + j]!,
          );
        }
  });

  it('supports a column stride for C and K = 0', () => {
    const M = 6,
      N = 5,
      K = 4;
    const a = makeMat(M, K, 'row', 11);
    const b = makeMat(K, N, 'col', 12);
    const c = new Float32Array(M * N);
    sgemm(M, N, K, a.data, 0, a.rs, a.cs, b.data, 0, b.rs, b.cs, c, 0, 1, false, M); // C column-major
    const want = naive(M, N, K, a, b);
    expectClose(
      M,
      N,
      K,
      (i, j) => c[i + j * M]!,
      (i, j) => want[i * N + j]!,
    );
    const z = Float32Array.from([1, 2, 3, 4]);
    sgemm(2, 2, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 2, 1, z, 0, 2, true);
    expect(Array.from(z)).toEqual([1, 2, 3, 4]);
    sgemm(2, 2, 0, new Float32Array(0), 0, 0, 1, new Float32Array(0), 0, 2, 1, z, 0, 2, false);
    expect(Array.from(z)).toEqual([0, 0, 0, 0]);
  });

  it('rejects out-of-bounds views with a message naming the operand', () => {
    const a = new Float32Array(6);
    const b = new Float32Array(6);
    const c = new Float32Array(3);
    expect(() => sgemm(2, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, false)).toThrow(/c \[2x2\]/);
    expect(() => sgemm(2, 2, 3, a, 1, 3, 1, b, 0, 2, 1, new Float32Array(4), 0, 2, false)).toThrow(/a \[2x3\]/);
    expect(() => sgemm(-1, 2, 3, a, 0, 3, 1, b, 0, 2, 1, c, 0, 2, false)).toThrow(RangeError);
  });

  it('handles matrices larger than the initial wasm memory', () => {
    const M = 700,
      N = 650,
      K = 900;
    const a = makeMat(M, K, 'row', 21);
    const b = makeMat(K, N, 'row', 22);
    const c = new Float32Array(M * N);
    sgemm(M, N, K, a.data, 0, a.rs, a.cs, b.data, 0, b.rs, b.cs, c, 0, N, false);
    // spot-check rows against the naive product
    for (const i of [0, 1, 333, 699]) {
      for (const j of [0, 7, 8, 649]) {
        let s = 0;
        for (let k = 0; k < K; k++) s += at(a, i, k) * at(b, k, j);
        expect(Math.abs(c[i * N + j]! - s)).toBeLessThan(1e-3);
      }
    }
  });
});

describe('sgemmBatched', () => {
  it('loops over batch strides, including a broadcast (stride 0) operand', () => {
    const batch = 3,
      M = 5,
      N = 6,
      K = 7;
    const a = rand(batch * M * K, 31);
    const b = rand(batch * K * N, 32);
    for (const bStride of [K * N, 0]) {
      for (const bT of [false, true]) {
        const c = new Float32Array(batch * M * N);
        // b[p] is [K,N] row-major, or read as the transpose of a row-major [N,K]
        const [brs, bcs] = bT ? [1, K] : [N, 1];
        sgemmBatched(batch, M, N, K, a, 0, M * K, K, 1, b, 0, bStride, brs, bcs, c, 0, M * N, N, false);
        for (let p = 0; p < batch; p++) {
          const am: Mat = { data: a, off: p * M * K, rs: K, cs: 1 };
          const bm: Mat = { data: b, off: p * bStride, rs: brs, cs: bcs };
          const want = naive(M, N, K, am, bm);
          expectClose(
            M,
            N,
            K,
            (i, j) => c[p * M * N + i * N + j]!,
            (i, j) => want[i * N + j]!,
          );
        }
      }
    }
  });
});

describe('thread pool', () => {
  it('gives the same result with 1 and 2 threads', async () => {
    setNumThreads(2);
    const ready = await warmupThreads();
    const info = gemmInfo();
    if (info.sharedMemory) {
      expect(ready).toBe(true);
      expect(info.workersReady).toBe(1);
    }
    for (const [M, N, K] of [
      [200, 300, 150],
      [37, 1000, 129],
      [513, 65, 77],
    ] as const) {
      const a = makeMat(M, K, 'row', M);
      const b = makeMat(K, N, 'col', N);
      const c1 = new Float32Array(M * N);
      const c2 = new Float32Array(M * N);
      setNumThreads(1);
      sgemm(M, N, K, a.data, 0, a.rs, a.cs, b.data, 0, b.rs, b.cs, c1, 0, N, false);
      setNumThreads(2);
      sgemm(M, N, K, a.data, 0, a.rs, a.cs, b.data, 0, b.rs, b.cs, c2, 0, N, false);
      // same blocking over K in both, so bitwise equal
      expect(c2).toEqual(c1);
      const want = naive(M, N, K, a, b);
      expectClose(
        M,
        N,
        K,
        (i, j) => c2[i * N + j]!,
        (i, j) => want[i * N + j]!,
      );
    }
  });

  it('lets the process exit with the pool alive', async () => {
    const { spawnSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const here = fileURLToPath(new URL('.', import.meta.url));
    const tsx = fileURLToPath(new URL('../../../../node_modules/.bin/tsx', import.meta.url));
    const fs = await import('node:fs');
    // tsx is a dev tool of apps/bench; skip where it is not installed
    const tsxPath = [tsx, fileURLToPath(new URL('../../../../apps/bench/node_modules/.bin/tsx', import.meta.url))].find((p) =>
      fs.existsSync(p),
    );
    const script = `
      import { sgemm, setNumThreads, warmupThreads, gemmInfo } from ${JSON.stringify(here + 'gemm.ts')};
      setNumThreads(2);
      await warmupThreads();
      const n = 256, a = new Float32Array(n * n).fill(1), c = new Float32Array(n * n);
      sgemm(n, n, n, a, 0, n, 1, a, 0, n, 1, c, 0, n, false);
      console.log(JSON.stringify({ c0: c[0], workers: gemmInfo().workersReady }));
    `;
    const cmd = tsxPath ? ([tsxPath, ['--input-type=module', '-e', script]] as const) : undefined;
    if (!cmd) return;
    const t0 = Date.now();
    const r = spawnSync(cmd[0], [...cmd[1]], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('"c0":256');
    expect(r.stdout).toContain('"workers":1');
    expect(Date.now() - t0).toBeLessThan(30_000);
  });
});
