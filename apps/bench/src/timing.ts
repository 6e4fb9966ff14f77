/**
 * Wall time (ms) of `fn` after one warm-up, within a time budget: the median of the runs, or
 * their mean with `stat: 'mean'`. The median shrugs off other processes on a shared machine;
 * the mean counts the garbage collector's pauses, which the median of a loop that leaves its
 * memory to the GC would hide (Note [mean rows] in workloads.ts).
 */
export async function timeMs(
  fn: () => unknown | Promise<unknown>,
  {
    budgetMs = 1000,
    minRuns = 3,
    maxRuns = 50,
    stat = 'median',
  }: { budgetMs?: number; minRuns?: number; maxRuns?: number; stat?: 'median' | 'mean' } = {},
): Promise<number> {
  await fn();
  const times: number[] = [];
  const end = performance.now() + budgetMs;
  while (times.length < minRuns || (performance.now() < end && times.length < maxRuns)) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  if (stat === 'mean') return times.reduce((a, b) => a + b, 0) / times.length;
  times.sort((x, y) => x - y);
  return times[Math.floor(times.length / 2)]!;
}

/** Seeded uniform [0, 1) values. */
export function randomArray(n: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}
