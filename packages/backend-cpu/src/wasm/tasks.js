// @ts-check
/**
 * The task loop shared by the calling thread and the workers (gemm-worker.js).
 *
 * Note [Plain-JS worker modules]
 * This file and gemm-worker.js are plain JavaScript (typed with JSDoc, checked by tsc through
 * `allowJs`/`checkJs`, and emitted to dist beside the rest), because a worker thread starts
 * from a module file (Note [Worker module] in pool.ts) and Node must be able to load that
 * file, and what it imports, as it is: from dist, and from the source tree under vitest or
 * tsx, whose TypeScript hooks a worker thread does not inherit. Nothing else in the worker
 * is imported, so no loader and no build step is needed to start one.
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
 */

/** Header slots (Int32 words at byte 0 of the wasm memory). */
export const Hdr = Object.freeze({
  CTR: 0,
  DONE: 1,
  NTASKS: 2,
  K: 3,
  KC: 4,
  MP: 5,
  NP: 6,
  /** A panels per M block */
  MB: 7,
  /** B panels per N chunk */
  NB: 8,
  NMBLOCKS: 9,
  MPANELS: 10,
  NPANELS: 11,
  ABASE: 12,
  BBASE: 13,
  CBASE: 14,
  STOP: 15,
  MR: 17,
  NR: 18,
  /** first of the per-worker ready flags (to the end of the header) */
  READY: 24,
  /** bytes reserved for the header */
  BYTES: 256,
});

/**
 * The wasm micro-kernel export: C block (+)= A panels x B panels over `kc`.
 * @typedef {(a: number, b: number, c: number, ldc: number, mPanels: number, nPanels: number, kc: number, first: number) => void} KernelFn
 */

/**
 * Run task `idx` of the current job: one (M block, N chunk) of C over all of K.
 * @param {Int32Array} H the header
 * @param {KernelFn} kernel
 * @param {number} idx
 * @returns {void}
 * @example
 * for (let i = 0; i < H[Hdr.NTASKS]; i++) runTask(H, kernel, i); // the whole job on one thread
 */
export function runTask(H, kernel, idx) {
  const nmb = /** @type {number} */ (H[Hdr.NMBLOCKS]);
  const mb = idx % nmb;
  const nc = (idx - mb) / nmb;
  const MR = /** @type {number} */ (H[Hdr.MR]);
  const NR = /** @type {number} */ (H[Hdr.NR]);
  const MB = /** @type {number} */ (H[Hdr.MB]);
  const NB = /** @type {number} */ (H[Hdr.NB]);
  const mp0 = mb * MB;
  const mpn = Math.min(MB, /** @type {number} */ (H[Hdr.MPANELS]) - mp0);
  const np0 = nc * NB;
  const npn = Math.min(NB, /** @type {number} */ (H[Hdr.NPANELS]) - np0);
  const K = /** @type {number} */ (H[Hdr.K]);
  const KC = /** @type {number} */ (H[Hdr.KC]);
  const Mp = /** @type {number} */ (H[Hdr.MP]);
  const Np = /** @type {number} */ (H[Hdr.NP]);
  const aBase = /** @type {number} */ (H[Hdr.ABASE]);
  const bBase = /** @type {number} */ (H[Hdr.BBASE]);
  const cPtr = /** @type {number} */ (H[Hdr.CBASE]) + (mp0 * MR * Np + np0 * NR) * 4;
  for (let k0 = 0; k0 < K; k0 += KC) {
    const kc = Math.min(KC, K - k0);
    kernel(
      aBase + (k0 * Mp + mp0 * MR * kc) * 4,
      bBase + (k0 * Np + np0 * NR * kc) * 4,
      cPtr,
      Np * 4,
      mpn,
      npn,
      kc,
      k0 === 0 ? 1 : 0,
    );
  }
}

/**
 * Take and run tasks of the open job until none is left; returns the CTR value last
 * seen (a worker waits on it). `run` is the task runner (`runTask`).
 * @param {Int32Array} H the header
 * @param {KernelFn} kernel
 * @param {(H: Int32Array, kernel: KernelFn, idx: number) => void} run
 * @returns {number}
 * @example
 * const v = drainTasks(H, kernel, runTask);
 * Atomics.wait(H, Hdr.CTR, v, 1000); // a worker sleeps until the next job is published
 */
export function drainTasks(H, kernel, run) {
  for (;;) {
    const v = Atomics.load(H, Hdr.CTR);
    const idx = v & 0xffff;
    if (idx === 0xffff || idx >= /** @type {number} */ (H[Hdr.NTASKS])) return v;
    if (Atomics.compareExchange(H, Hdr.CTR, v, v + 1) !== v) continue;
    run(H, kernel, idx);
    if (Atomics.add(H, Hdr.DONE, 1) + 1 === H[Hdr.NTASKS]) Atomics.notify(H, Hdr.DONE);
  }
}
