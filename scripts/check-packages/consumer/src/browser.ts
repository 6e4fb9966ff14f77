/**
 * The page script: runs {@link run}, then (in a cross-origin isolated page) checks the cpu
 * backend's GEMM worker threads, and leaves the report (or the error) in `window.__dlResult`,
 * where the headless browser reads it.
 */
import * as dl from '@dl/tensor';
import { gemmInfo, getNumThreads, setNumThreads, warmupThreads } from '@dl/backend-cpu';
import { run, type RunReport } from './mlp.js';

/** The wasm GEMM's worker pool: started from its module file, and agreeing with one thread. */
export interface ThreadReport {
  crossOriginIsolated: boolean;
  hardwareConcurrency: number;
  threads: number;
  /** did `warmupThreads` resolve in time, and how many workers are up */
  workersWarm: boolean;
  workersReady: number;
  /** max |threaded − single-threaded| of a 256×256 matmul */
  maxAbsDiff: number;
}

type PageResult = { ok: true; report: RunReport; threads: ThreadReport } | { ok: false; error: string };

async function threadCheck(): Promise<ThreadReport> {
  const workersWarm = await warmupThreads(20_000);
  const threads = getNumThreads();
  const workersReady = gemmInfo().workersReady;
  const g = new dl.Generator(1);
  const a = dl.randn([256, 256], { generator: g });
  const b = dl.randn([256, 256], { generator: g });
  const many = await dl.matmul(a, b).data();
  setNumThreads(1);
  const one = await dl.matmul(a, b).data();
  setNumThreads(threads);
  let maxAbsDiff = 0;
  for (let i = 0; i < one.length; i++) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(Number(many[i]) - Number(one[i])));
  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    hardwareConcurrency: navigator.hardwareConcurrency,
    threads,
    workersWarm,
    workersReady,
    maxAbsDiff,
  };
}

const done = (r: PageResult): void => {
  (globalThis as { __dlResult?: PageResult }).__dlResult = r;
  const out = document.getElementById('result');
  if (out) out.textContent = JSON.stringify(r, null, 2);
};

(async () => {
  const report = await run();
  const threads = await threadCheck();
  return { report, threads };
})().then(
  ({ report, threads }) => done({ ok: true, report, threads }),
  (e: unknown) => done({ ok: false, error: e instanceof Error ? `${e.name}: ${e.message}\n${e.stack ?? ''}` : String(e) }),
);
