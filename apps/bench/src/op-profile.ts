/**
 * `pnpm bench --profile=ID [--profile-steps=N]`: run dl workload ID a few times to warm up,
 * then N more inside `dl.profile(fn)` (torch.profiler's per-op table: calls, total and self
 * time, bytes, device) and print the profiler's table.
 *
 * The profiler is being added to `@dl/tensor` (issue 10, part 4); until `dl.profile` exists
 * this says so and exits with status 2, so a script that expects a table fails visibly.
 */
import * as dl from '@dl/tensor';
import { dlWorkload } from './dl-workloads.js';
import { workloads } from './workloads.js';

/** What the bench expects of `dl.profile`'s result: a printable per-op table. */
interface ProfileResult {
  table(): string | void;
  /** waits for device timings still in flight (webgpu timestamp queries) */
  settled?(): Promise<unknown>;
}
type ProfileFn = (fn: () => unknown) => ProfileResult | Promise<ProfileResult>;

/**
 * Profile `steps` runs of dl workload `id` and print the table; resolves to an exit status.
 * `profile` is `dl.profile` (a parameter so that a stand-in can exercise this path).
 */
export async function printProfile(
  id: string,
  steps: number,
  profile: unknown = (dl as unknown as { profile?: unknown }).profile,
): Promise<number> {
  if (!workloads.some((w) => w.id === id)) {
    console.error(`--profile: unknown workload '${id}'; ids: ${workloads.map((w) => w.id).join(', ')}`);
    return 2;
  }
  if (typeof profile !== 'function') {
    console.error(
      `--profile=${id}: @dl/tensor has no profile() yet (dl.profile(fn) with .table() is being added, issue 10 part 4); nothing to print.`,
    );
    return 2;
  }
  const step = await dlWorkload(id);
  if (!step) {
    console.error(`--profile: workload '${id}' has no dl implementation`);
    return 2;
  }
  try {
    for (let i = 0; i < 3; i++) step.run(); // warm-up: wasm compilation, buffer pools, first-touch pages
    const result = await (profile as ProfileFn)(() => {
      for (let i = 0; i < steps; i++) step.run();
    });
    await result.settled?.();
    console.log(`dl.profile of ${id}, ${steps} runs after 3 warm-up runs:\n`);
    const table = result.table();
    if (typeof table === 'string') console.log(table);
    return 0;
  } finally {
    step.dispose?.();
  }
}
