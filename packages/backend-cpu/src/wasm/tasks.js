/**
 * The task loop shared by the calling thread and the workers.
 *
 * Note [Self-contained task functions]
 * `runTask` and `drainTasks` are also shipped to the workers as source text
 * (`fn.toString()`, see pool.ts), so they must not reference anything outside their
 * own bodies: header slots are written as numeric literals, named in `Hdr` below.
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
  /** first of the per-worker ready flags (to the end of the header) */
  READY: 24,
  MR: 17,
  NR: 18,
  /** bytes reserved for the header */
  BYTES: 256,
} as const;

export type KernelFn = (
  a: number, b: number, c: number, ldc: number, mPanels: number, nPanels: number, kc: number, first: number,
) => void;

/** Run task `idx` of the current job: one (M block, N chunk) of C over all of K. */
export function runTask(H: Int32Array, kernel: KernelFn, idx: number): void {
  const nmb = H[9]!;
  const mb = idx % nmb;
  const nc = (idx - mb) / nmb;
  const MR = H[17]!;
  const NR = H[18]!;
  const mp0 = mb * H[7]!;
  const mpn = Math.min(H[7]!, H[10]! - mp0);
  const np0 = nc * H[8]!;
  const npn = Math.min(H[8]!, H[11]! - np0);
  const K = H[3]!;
  const KC = H[4]!;
  const Mp = H[5]!;
  const Np = H[6]!;
  const aBase = H[12]!;
  const bBase = H[13]!;
  const cPtr = H[14]! + (mp0 * MR * Np + np0 * NR) * 4;
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
 * seen (a worker waits on it). `run` is `runTask` (passed so that this function
 * stays self-contained).
 */
export function drainTasks(
  H: Int32Array,
  kernel: KernelFn,
  run: (H: Int32Array, kernel: KernelFn, idx: number) => void,
): number {
  for (;;) {
    const v = Atomics.load(H, 0);
    const idx = v & 0xffff;
    if (idx === 0xffff || idx >= H[2]!) return v;
    if (Atomics.compareExchange(H, 0, v, v + 1) !== v) continue;
    run(H, kernel, idx);
    if (Atomics.add(H, 1, 1) + 1 === H[2]!) Atomics.notify(H, 1);
  }
}
