/**
 * `pnpm bench --device webgpu`: dl's `webgpu` backend against `@tensorflow/tfjs-backend-webgpu`
 * 4.22 on the same adapter (Dawn from the npm `webgpu` package; lavapipe on a machine without a
 * GPU), in one process. Each row builds both programs, warms each up, then runs them in
 * alternating order (dl, tfjs, then tfjs, dl, …) until its budget is spent, and reports the
 * medians and tfjs time / dl time (above 1: dl is faster). Every run waits for the GPU to finish.
 * dl's dispatches per run come from `webgpu.runtime.dispatchCount`.
 *
 *   pnpm bench --device webgpu                     # at the root (~10 min on lavapipe)
 *   pnpm bench --device webgpu --only=matmul,conv  # ids or id prefixes
 *   pnpm bench --device webgpu --big --resnet-train --peak-gflops=60000
 *   pnpm bench --device webgpu --readme            # also rewrite the table in packages/backend-webgpu/README.md
 *
 * Results go to `bench-results/webgpu-<date>.json` and `webgpu-latest.json` beside the cpu
 * bench's. On a software adapter matmul 4096 (`--big`) and the ResNet-18 training step at batch 32
 * (`--resnet-train`) are off by default (minutes per run); the training step's dispatches are
 * then counted on a batch-2 step, dl only (the count does not depend on the batch).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TF from '@tensorflow/tfjs-core';
import * as dl from '@dl/tensor';
import '@dl/autograd';
import { webgpu } from '@dl/backend-webgpu';
import {
  isSoftwareAdapter,
  markdownTable,
  median,
  parseWebgpuArgs,
  ratio,
  replaceReadmeTable,
  type WebgpuRow,
} from './webgpu-vs-tfjs-format.js';
import { type GpuStep, type GpuWorkload, resnetTrainProbe, webgpuWorkloads } from './webgpu-vs-tfjs-workloads.js';

const here = dirname(fileURLToPath(import.meta.url));
const MAX_REPS = 50;

async function initDl(): Promise<string> {
  await dl.initBackend('webgpu');
  const info = (webgpu.device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
  const name = info ? [info.vendor, info.architecture, info.device, info.description].filter(Boolean).join(' ') : '';
  return name || 'unknown adapter';
}

/** tfjs-webgpu asks `navigator.gpu` for its adapter: give Node one from Dawn (as dl's gpu.ts does). */
async function initTfjs(): Promise<typeof TF> {
  const g = globalThis as { navigator?: { gpu?: unknown } };
  if (!g.navigator?.gpu) {
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    const gpu = create([]);
    if (g.navigator) Object.defineProperty(g.navigator, 'gpu', { value: gpu, configurable: true });
    else g.navigator = { gpu };
  }
  // the full tfjs (as bench.ts): tfjs-core alone has no gradient kernels, so no tf.grads / minimize
  const tf = (await import('@tensorflow/tfjs')) as unknown as typeof TF;
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: setBackend("webgpu") failed');
  return tf;
}

const timed = async (s: GpuStep): Promise<number> => {
  const t0 = performance.now();
  await s.run();
  return performance.now() - t0;
};

/** Build, warm up and time one row, dl and tfjs alternating; frees both sides' memory after. */
async function measure(w: GpuWorkload, tf: typeof TF, budgetMs: number, minReps: number): Promise<WebgpuRow> {
  const row: WebgpuRow = { id: w.id, label: w.label, dlMs: null, tfjsMs: null, reps: 0, dlDispatches: null, flops: w.flops };
  const failures: string[] = [];
  let d: GpuStep | null = null;
  let t: GpuStep | null = null;
  tf.engine().startScope();
  try {
    try {
      d = w.dl();
      await d.run(); // warm-up: pipelines compiled, pool filled
    } catch (e) {
      failures.push(`dl failed: ${(e as Error).message.split('\n')[0]}`);
      d = null;
    }
    try {
      t = w.tfjs(tf);
      await t.run();
    } catch (e) {
      failures.push(`tfjs failed: ${(e as Error).message.split('\n')[0]}`);
      t = null;
    }
    const dt: number[] = [];
    const tt: number[] = [];
    const end = performance.now() + budgetMs;
    for (let i = 0; i < MAX_REPS && (i < minReps || performance.now() < end); i++) {
      // Note [interleaved pairs] in bench.ts: alternate which side goes first, so drift hits both
      const order = i % 2 === 0 ? ([d, t] as const) : ([t, d] as const);
      for (const s of order) {
        if (!s) continue;
        const before = webgpu.runtime.dispatchCount; // counting costs nothing: read in a timed run
        (s === d ? dt : tt).push(await timed(s));
        if (s === d) row.dlDispatches = webgpu.runtime.dispatchCount - before;
      }
      row.reps = i + 1;
    }
    if (dt.length) row.dlMs = median(dt);
    if (tt.length) row.tfjsMs = median(tt);
  } finally {
    d?.dispose?.();
    t?.dispose?.();
    tf.engine().endScope();
    await webgpu.sync();
    webgpu.emptyCache();
  }
  if (failures.length) row.note = failures.join('; ');
  return row;
}

/** Count the dispatches of one dl ResNet-18 training step at a small batch (no timing, no tfjs). */
async function probeResnetDispatches(batch: number): Promise<number> {
  const s = resnetTrainProbe(batch).dl();
  try {
    await s.run();
    const before = webgpu.runtime.dispatchCount;
    await s.run();
    return webgpu.runtime.dispatchCount - before;
  } finally {
    s.dispose?.();
    await webgpu.sync();
    webgpu.emptyCache();
  }
}

const gitCommit = (): string => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: here, encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
};

/**
 * Run the webgpu bench with the command line `argv` (flags as in this file's header); returns
 * the exit status.
 *
 * @example
 * process.exit(await runWebgpuBench(['--device', 'webgpu', '--only=matmul-256']));
 */
export async function runWebgpuBench(argv: readonly string[]): Promise<number> {
  const opts = parseWebgpuArgs(argv);
  if (!process.env.VK_ICD_FILENAMES) {
    const icd = join(here, '../../../.vk/icd.json');
    if (existsSync(icd)) process.env.VK_ICD_FILENAMES = icd;
  }
  let adapter: string;
  let tf: typeof TF;
  try {
    adapter = await initDl();
    tf = await initTfjs();
  } catch (e) {
    console.error(
      `bench --device webgpu: no WebGPU adapter (${(e as Error).message.split('\n')[0]}); run scripts/setup-webgpu.sh for lavapipe`,
    );
    return 1;
  }
  const software = isSoftwareAdapter(adapter);
  const date = new Date().toISOString();
  const commit = gitCommit();
  const big = opts.big || !software;
  const resnetTrain = opts.resnetTrain || !software;
  const all = webgpuWorkloads({ big, resnetTrain });
  const rows = all.filter((w) => !opts.only || opts.only.some((o) => w.id === o || w.id.startsWith(o)));
  console.log(`dl webgpu vs tfjs-webgpu 4.22 — ${date} — commit ${commit}`);
  console.log(`adapter: ${adapter}${software ? '  (software Vulkan: the kernels run on the CPU, not a GPU)' : ''}`);
  console.log(`dl features: ${webgpu.features.join(', ') || 'none'}; median ms of interleaved runs, budget ${opts.budgetMs} ms per row\n`);
  const results: WebgpuRow[] = [];
  const out = join(here, '../bench-results');
  mkdirSync(out, { recursive: true });
  for (const w of rows) {
    const r = await measure(w, tf, opts.budgetMs, opts.minReps);
    const q = ratio(r);
    console.error(
      `  ${w.id.padEnd(22)} dl ${r.dlMs?.toFixed(2).padStart(9) ?? '        -'} ms  tfjs ${r.tfjsMs?.toFixed(2).padStart(9) ?? '        -'} ms  ${q === null ? '' : `${q.toFixed(2)}×`}  ${r.dlDispatches ?? '-'} dispatches  ${r.note ?? ''}`,
    );
    results.push(r);
    // a run cut off later (lavapipe rows take minutes) keeps what it measured
    writeFileSync(join(out, 'webgpu-partial.json'), JSON.stringify({ date, commit, adapter, rows: results }, null, 2));
  }
  const skipped: string[] = [];
  if (!big) skipped.push('matmul 4096 (software adapter: pass --big)');
  if (!resnetTrain && (!opts.only || opts.only.some((o) => 'resnet18-train'.startsWith(o) || o.startsWith('resnet18-train')))) {
    skipped.push('ResNet-18 training step at batch 32 (software adapter: pass --resnet-train)');
    try {
      const n = await probeResnetDispatches(2);
      results.push({
        id: 'resnet18-train-b32',
        label: 'ResNet-18 train step, batch 32',
        dlMs: null,
        tfjsMs: null,
        reps: 0,
        dlDispatches: n,
        note: 'not timed on a software adapter; dispatches of a batch-2 step',
      });
    } catch (e) {
      console.error(`  resnet18 dispatch probe failed: ${(e as Error).message.split('\n')[0]}`);
    }
  }
  console.log(markdownTable(results));
  const resnet = results.find((r) => r.id.startsWith('resnet18-train'));
  if (resnet?.dlDispatches != null) {
    console.log(`\ndispatches per ResNet-18 training step (dl): ${resnet.dlDispatches} (issue 14's target: at most 900)`);
  }
  if (!software) {
    for (const r of results) {
      if (!r.flops || !r.dlMs || !r.id.startsWith('matmul')) continue;
      const g = r.flops / (r.dlMs * 1e6);
      console.log(
        `${r.label}: ${g.toFixed(0)} GFLOP/s${opts.peakGflops ? ` = ${((100 * g) / opts.peakGflops).toFixed(1)}% of the ${opts.peakGflops} GFLOP/s peak` : ' (peak unknown: pass --peak-gflops=N)'}`,
      );
    }
  }
  if (skipped.length) console.log(`\nskipped: ${skipped.join('; ')}`);
  const json = JSON.stringify(
    { date, commit, adapter, software, options: opts, rows: results.map((r) => ({ ...r, ratio: ratio(r) })), skipped },
    null,
    2,
  );
  writeFileSync(join(out, `webgpu-${date.replace(/[:.]/g, '-')}.json`), json);
  writeFileSync(join(out, 'webgpu-latest.json'), json);
  if (opts.readme) {
    const readme = join(here, '../../../packages/backend-webgpu/README.md');
    const head = [
      `Measured ${date.slice(0, 10)} on \`${adapter}\` at commit \`${commit}\` by \`pnpm bench --device webgpu\``,
      `(apps/bench), dl and tfjs-webgpu 4.22 in one process on that adapter, runs interleaved; medians;`,
      `tfjs / dl above 1 means dl is faster.${software ? ' A software adapter (lavapipe) runs the kernels on the CPU: these ratios compare kernel designs, not GPU speed.' : ''}`,
      ...(skipped.length ? [`Skipped: ${skipped.join('; ')}.`] : []),
      '',
    ];
    writeFileSync(readme, replaceReadmeTable(readFileSync(readme, 'utf8'), [...head, markdownTable(results)].join('\n')));
    console.log(`\nwrote the table into ${readme}`);
  }
  await webgpu.sync();
  webgpu.destroy(); // exiting with a pending mapAsync crashes Dawn
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) process.exit(await runWebgpuBench(process.argv.slice(2)));
