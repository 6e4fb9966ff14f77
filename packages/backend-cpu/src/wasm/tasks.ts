/**
 * The task loop shared by the calling thread and the workers (gemm-worker-main.ts).
 *
 * Note [Job protocol]
 * Word 0 of the header (CTR) holds `gen << 16 | next`: the job generation and the
 * next task to hand out; `next === 0xffff` means the job is closed. The caller writes
 * the job's parameters, then publishes `gen << 16 | 0` and notifies. Every thread
 * (caller included) takes tasks with a compare-exchange on CTR, runs them, and bumps
 * DONE; the thread that completes the last task notifies DONE. The caller waits for
 * DONE === NTASKS, then closes the job. Parameters are rewritten only after the job
 * is closed, so a compare-exchange that succeeds proves the parameters the thread read
 * belong to the task it won; a thread that read stale parameters fails the exchange.
 *
 * This file and gemm-worker-main.ts are also transpiled, together, into the worker's plain-JS
 * module gemm-worker.js (Note [Plain-JS worker module]): they import nothing else.
 */

/** Header slots (Int32 words at the header's byte offset in the wasm memory: `WorkerStart.header`). */
export const Hdr = {
  CTR: 0,
  DONE: 1,
  NTASKS: 2,
  K: 3,
  KC: 4,
  MP: 5,
  NP: 6,
  MB: 7, // A panels per M block
  NB: 8, // B panels per N chunk
  NMBLOCKS: 9,
  MPANELS: 10,
  NPANELS: 11,
  ABASE: 12,
  BBASE: 13,
  CBASE: 14,
  STOP: 15,
  /** row stride of C in floats (Np for the engine's own C block, the tensor's for a direct C) */
  LDC: 16,
  /** 1: the first K block adds to C instead of overwriting it (a direct C with accumulate) */
  ACC: 19,
  /** 1: each task packs its own B panels (Note [Tasks pack B]); then B's source: */
  PACKB: 20,
  /** byte pointer of B(0, 0) and its row and column strides in bytes */
  BSRC: 21,
  BRS: 22,
  BCS: 23,
  /** columns of B */
  N: 24,
  /** first of the per-worker ready flags (to the end of the header) */
  READY: 32,
  MR: 17,
  NR: 18,
  /** bytes reserved for the header */
  BYTES: 256,
} as const;

export type KernelFn = (a: number, b: number, c: number, ldc: number, mPanels: number, nPanels: number, kc: number, first: number) => void;

/** What a task calls: the micro-kernel and the B panel packers of the engine's module (pointers and strides in bytes). */
export interface TaskFns {
  kernel: KernelFn;
  pack8(src: number, rs: number, cs: number, dst: number, n: number): void;
  pack8r(src: number, rs: number, dst: number, n: number): void;
  pack8t(src: number, cs: number, dst: number, n: number): void;
  packEdge(src: number, rs: number, cs: number, dst: number, n: number, live: number, w: number): void;
}

/**
 * Note [Tasks pack B]
 * When the job has one M block (small M: an MLP's batch), every N chunk of B is read by exactly
 * one task, so that task packs the chunk's panels itself (all K blocks, as packBWasm does) just
 * before using them: B's packing is spread over the threads instead of running on the caller
 * while the workers wait. NR is 8 there; the header carries B's source (BSRC, BRS, BCS, N),
 * which is in the engine's memory (a heap operand in place, or the caller's staging copy).
 */
function packOwnB(H: Int32Array, f: TaskFns, np0: number, npn: number): void {
  const K = H[Hdr.K]!;
  const KC = H[Hdr.KC]!;
  const Np = H[Hdr.NP]!;
  const N = H[Hdr.N]!;
  const src0 = H[Hdr.BSRC]!;
  const rs = H[Hdr.BRS]!;
  const cs = H[Hdr.BCS]!;
  const bBase = H[Hdr.BBASE]!;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    for (let q = np0; q < np0 + npn; q++) {
      const j0 = 8 * q;
      const d = bBase + 4 * (k0 * Np + j0 * kc);
      const src = src0 + k0 * rs + j0 * cs;
      if (j0 + 8 <= N) {
        if (cs === 4) f.pack8r(src, rs, d, kc);
        else if (rs === 4) f.pack8t(src, cs, d, kc);
        else f.pack8(src, rs, cs, d, kc);
      } else f.packEdge(src, cs, rs, d, kc, N - j0, 8);
    }
  }
}

/**
 * Run task `idx` of the current job: one (M block, N chunk) of C over all of K.
 *
 * @example
 * for (let i = 0; i < H[Hdr.NTASKS]!; i++) runTask(H, fns, i); // the whole job on one thread
 */
export function runTask(H: Int32Array, fns: TaskFns, idx: number): void {
  const nmb = H[Hdr.NMBLOCKS]!;
  const mb = idx % nmb;
  const nc = (idx - mb) / nmb;
  const MR = H[Hdr.MR]!;
  const NR = H[Hdr.NR]!;
  const mp0 = mb * H[Hdr.MB]!;
  const mpn = Math.min(H[Hdr.MB]!, H[Hdr.MPANELS]! - mp0);
  const np0 = nc * H[Hdr.NB]!;
  const npn = Math.min(H[Hdr.NB]!, H[Hdr.NPANELS]! - np0);
  const K = H[Hdr.K]!;
  const KC = H[Hdr.KC]!;
  const Mp = H[Hdr.MP]!;
  const Np = H[Hdr.NP]!;
  const aBase = H[Hdr.ABASE]!;
  const bBase = H[Hdr.BBASE]!;
  const ldc = H[Hdr.LDC]!;
  const first = H[Hdr.ACC]! === 0 ? 1 : 0;
  const cPtr = H[Hdr.CBASE]! + (mp0 * MR * ldc + np0 * NR) * 4;
  if (H[Hdr.PACKB] === 1) packOwnB(H, fns, np0, npn);
  const kernel = fns.kernel;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    kernel(aBase + (k0 * Mp + mp0 * MR * kc) * 4, bBase + (k0 * Np + np0 * NR * kc) * 4, cPtr, ldc * 4, mpn, npn, kc, k0 === 0 ? first : 0);
  }
}

/**
 * Take and run tasks of the open job until none is left; returns the CTR value last
 * seen (a worker waits on it). `run` is `runTask`.
 *
 * @example
 * const v = drainTasks(H, fns, runTask);
 * Atomics.wait(H, Hdr.CTR, v, 1000); // a worker sleeps until the next job is published
 */
export function drainTasks(H: Int32Array, fns: TaskFns, run: (H: Int32Array, fns: TaskFns, idx: number) => void): number {
  for (;;) {
    const v = Atomics.load(H, Hdr.CTR);
    const idx = v & 0xffff;
    if (idx === 0xffff || idx >= H[Hdr.NTASKS]!) return v;
    if (Atomics.compareExchange(H, Hdr.CTR, v, v + 1) !== v) continue;
    run(H, fns, idx);
    if (Atomics.add(H, Hdr.DONE, 1) + 1 === H[Hdr.NTASKS]) Atomics.notify(H, Hdr.DONE);
  }
}
