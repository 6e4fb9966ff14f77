/** Median wall time (ms) of `fn` after one warm-up, within a time budget. */
export async function timeMs(
  fn: () => unknown | Promise<unknown>,
  { budgetMs = 1000, minRuns = 3, maxRuns = 50 } = {},
): Promise<number> {
  await fn();
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < minRuns || (performance.now() < end && times.length < maxRuns)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)]!;
}

/** Seeded uniform [0, 1) values. */
export function randomArray(n: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}
