/**
 * The GEMM on the wasm heap (Note [GEMM on the heap] in gemm.ts): heap operands packed in place
 * and a heap C written by the micro-kernel directly must give the values of the staged path
 * (gemmDirect off) and of a float64 reference, for every layout, with offsets, accumulate,
 * edge sizes that decline the direct C, and one or two threads.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { gemmDirect, gemmInfo, gemmTuning, setNumThreads, sgemm, warmupThreads } from './gemm.js';
import { heapAlloc, heapF32, heapPtr } from './heap.js';

/** A heap view of `n` seeded uniform [-1, 1) floats. */
function heapRand(n: number, seed: number): Float32Array {
  const p = heapAlloc(4 * n);
  expect(p).toBeGreaterThanOrEqual(0);
  const out = heapF32(p, n);
  let s = seed >>> 0 || 1;
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

function makeMat(rows: number, cols: number, layout: 'row' | 'col' | 'strided', seed: number, heap: boolean): Mat {
  const n = layout === 'strided' ? 5 + rows * (2 * cols + 3) + 1 : rows * cols + 7;
  const data = heap ? heapRand(n, seed) : heapRand(n, seed).slice();
  if (layout === 'row') return { data, off: 7, rs: cols, cs: 1 };
  if (layout === 'col') return { data, off: 7, rs: 1, cs: rows };
  return { data, off: 5, rs: 2 * cols + 3, cs: 2 };
}

const at = (m: Mat, i: number, j: number): number => m.data[m.off + i * m.rs + j * m.cs]!;

function naive(M: number, N: number, K: number, a: Mat, b: Mat): Float64Array {
  const c = new Float64Array(M * N);
  for (let i = 0; i < M; i++)
    for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += at(a, i, k) * at(b, k, j);
      c[i * N + j] = s;
    }
  return c;
}

function worst(M: number, N: number, c: Mat, want: (i: number, j: number) => number): number {
  let w = 0;
  for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) w = Math.max(w, Math.abs(at(c, i, j) - want(i, j)));
  return w;
}

/** C as a heap matrix with a padded row stride (cs 1, so the direct path can take it) or a column-major one. */
function makeC(M: number, N: number, heap: boolean, colMajor: boolean, seed: number): Mat {
  if (colMajor) return makeMat(M, N, 'col', seed, heap);
  const rs = N + 8;
  const data = heap ? heapRand(3 + M * rs, seed) : heapRand(3 + M * rs, seed).slice();
  return { data, off: 3, rs, cs: 1 };
}

function run(M: number, N: number, K: number, a: Mat, b: Mat, c: Mat, acc: boolean): void {
  sgemm(M, N, K, a.data, a.off, a.rs, a.cs, b.data, b.off, b.rs, b.cs, c.data, c.off, c.rs, acc, c.cs);
}

afterAll(() => {
  gemmDirect.enabled = true;
  gemmTuning.taskPackB = true;
  setNumThreads(2);
});

describe('sgemm on the wasm heap', () => {
  it('runs on the heap memory where shared memory exists', () => {
    expect(gemmInfo().heap).toBe(typeof SharedArrayBuffer !== 'undefined');
  });

  // 64x512x96 and 32x16x200: the direct C (M % 4 = N % 8 = 0); 30x10x70: C through the engine's block
  const sizes: Array<[number, number, number]> = [
    [64, 512, 96],
    [32, 16, 300],
    [30, 10, 70],
  ];
  for (const threads of [1, 2]) {
    for (const [M, N, K] of sizes) {
      for (const layout of ['row', 'col', 'strided'] as const) {
        it(`${M}x${N}x${K}, ${layout} heap operands, ${threads} thread(s): same as staged and float64`, async () => {
          setNumThreads(threads);
          if (threads > 1) await warmupThreads();
          const a = makeMat(M, K, layout, 11 + M, true);
          const b = makeMat(K, N, layout === 'col' ? 'row' : layout, 23 + N, true);
          expect(heapPtr(a.data)).toBeGreaterThanOrEqual(0);
          const want = naive(M, N, K, a, b);
          for (const colMajor of [false, true]) {
            for (const acc of [false, true]) {
              const cDirect = makeC(M, N, true, colMajor, 5);
              const cStaged = makeC(M, N, false, colMajor, 5);
              const base = makeC(M, N, false, colMajor, 5);
              gemmDirect.enabled = true;
              run(M, N, K, a, b, cDirect, acc);
              gemmDirect.enabled = false;
              run(M, N, K, a, b, cStaged, acc);
              gemmDirect.enabled = true;
              const tol = 1e-5 * K;
              expect(worst(M, N, cDirect, (i, j) => at(cStaged, i, j))).toBeLessThanOrEqual(tol);
              expect(worst(M, N, cDirect, (i, j) => want[i * N + j]! + (acc ? at(base, i, j) : 0))).toBeLessThanOrEqual(tol);
              // the padding between C's rows is untouched
              if (!colMajor)
                for (let i = 0; i < M; i++)
                  for (let j = N; j < cDirect.rs; j++)
                    expect(cDirect.data[cDirect.off + i * cDirect.rs + j]).toBe(base.data[base.off + i * base.rs + j]);
            }
          }
        });
      }
    }
  }

  // one M block split over N chunks: the tasks pack their own B panels (Note [Tasks pack B]),
  // an edge panel included (N = 100); B in the heap or staged, every layout
  for (const layout of ['row', 'col', 'strided'] as const) {
    for (const heapB of [true, false]) {
      it(`tasks packing their own B (${layout}, ${heapB ? 'heap' : 'staged'} B) match the caller packing it`, async () => {
        setNumThreads(2);
        await warmupThreads();
        const M = 40,
          N = 100,
          K = 300;
        const a = makeMat(M, K, 'row', 41, true);
        const b = makeMat(K, N, layout, 42, heapB);
        const want = naive(M, N, K, a, b);
        const cTasks = makeC(M, N, true, false, 2);
        const cCaller = makeC(M, N, true, false, 2);
        // the caller packs another B first, so no panel of `b` is left over in the workspace
        gemmTuning.taskPackB = false;
        run(M, N, K, a, makeMat(K, N, layout, 43, heapB), makeC(M, N, true, false, 3), false);
        gemmTuning.taskPackB = true;
        run(M, N, K, a, b, cTasks, false);
        gemmTuning.taskPackB = false;
        run(M, N, K, a, b, cCaller, false);
        gemmTuning.taskPackB = true;
        expect(worst(M, N, cTasks, (i, j) => at(cCaller, i, j))).toBe(0);
        expect(worst(M, N, cTasks, (i, j) => want[i * N + j]!)).toBeLessThanOrEqual(1e-5 * K);
      });
    }
  }

  it('mixes heap and ordinary operands, and lets C alias A', () => {
    setNumThreads(1);
    const M = 16,
      N = 16,
      K = 16;
    const a = makeMat(M, K, 'row', 3, true);
    const b = makeMat(K, N, 'row', 4, false);
    const want = naive(M, N, K, a, b);
    const c = makeC(M, N, true, false, 9);
    run(M, N, K, a, b, c, false);
    expect(worst(M, N, c, (i, j) => want[i * N + j]!)).toBeLessThanOrEqual(1e-4);
    // C = A @ B written over A itself: the operands are packed before the kernel writes C
    run(M, N, K, a, b, a, false);
    expect(worst(M, N, a, (i, j) => want[i * N + j]!)).toBeLessThanOrEqual(1e-4);
  });

  it('grows its workspace for a large product after small ones', () => {
    setNumThreads(2);
    const M = 8,
      N = 1024,
      K = 2100; // B alone is 8.6 MB, above the first workspace
    const a = makeMat(M, K, 'row', 31, true);
    const b = makeMat(K, N, 'col', 32, true);
    const want = naive(M, N, K, a, b);
    const c = makeC(M, N, true, false, 1);
    run(M, N, K, a, b, c, false);
    expect(worst(M, N, c, (i, j) => want[i * N + j]!)).toBeLessThanOrEqual(1e-5 * K);
  });
});
