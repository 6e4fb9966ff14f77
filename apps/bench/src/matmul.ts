/**
 * Matmul throughput (GFLOP/s) of dl's wasm SGEMM against tfjs (cpu, wasm) and PyTorch,
 * in one run on one machine. Prints a table with ratios and writes JSON to
 * `bench-results/`.
 *
 *   pnpm --filter @dl/bench bench            # 256, 512, 1024, 2048
 *   pnpm --filter @dl/bench bench -- --sizes=256,1024 --budget=500
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadWasmKernels } from './dl-wasm.js';
import { randomArray, timeMs } from './timing.js';

const args = new Map(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k!, v ?? 'true'] as const;
    }),
);
const sizes = (args.get('sizes') ?? '256,512,1024,2048').split(',').map(Number);
const budgetMs = Number(args.get('budget') ?? 1000);
/** tfjs's plain-JS backend needs ~30 s per 2048 product here; skip it above this size. */
const tfjsCpuMax = Number(args.get('tfjs-cpu-max') ?? 1024);
const here = dirname(fileURLToPath(import.meta.url));

type Row = Record<string, number | undefined>;
const results: Record<number, Row> = {};
const gflops = (n: number, ms: number): number => (2 * n ** 3) / (ms * 1e6);

function record(n: number, name: string, ms: number | undefined): void {
  (results[n] ??= {})[name] = ms === undefined ? undefined : gflops(n, ms);
  if (ms !== undefined)
    console.error(`  ${name.padEnd(14)} ${String(n).padStart(5)}: ${gflops(n, ms).toFixed(1)} GFLOP/s (${ms.toFixed(2)} ms)`);
}

// --- dl wasm sgemm ---------------------------------------------------------------------
const dl = await loadWasmKernels();
for (const threads of [1, 2]) {
  dl.setNumThreads(threads);
  await dl.warmupThreads();
  for (const n of sizes) {
    const a = randomArray(n * n, 1);
    const b = randomArray(n * n, 2);
    const c = new Float32Array(n * n);
    const ms = await timeMs(() => dl.sgemm(n, n, n, a, 0, n, 1, b, 0, n, 1, c, 0, n, false), { budgetMs });
    record(n, `dl-wasm-${threads}t`, ms);
  }
}
const info = dl.gemmInfo();

// --- tfjs ------------------------------------------------------------------------------
const tf = await import('@tensorflow/tfjs-core');
await import('@tensorflow/tfjs-backend-cpu');
const tfWasm = await import('@tensorflow/tfjs-backend-wasm');
for (const backend of ['wasm', 'cpu'] as const) {
  const ok = await tf.setBackend(backend).catch(() => false);
  if (!ok) {
    console.error(`tfjs backend ${backend} unavailable`);
    continue;
  }
  await tf.ready();
  for (const n of sizes) {
    if (backend === 'cpu' && n > tfjsCpuMax) {
      record(n, 'tfjs-cpu', undefined);
      continue;
    }
    const a = tf.tensor2d(randomArray(n * n, 1), [n, n]);
    const b = tf.tensor2d(randomArray(n * n, 2), [n, n]);
    const ms = await timeMs(
      () => {
        const c = tf.matMul(a, b);
        c.dataSync();
        c.dispose();
      },
      { budgetMs, minRuns: backend === 'cpu' && n >= 1024 ? 1 : 3 },
    );
    record(n, `tfjs-${backend}`, ms);
    a.dispose();
    b.dispose();
  }
}
const tfjsWasmThreads = (tfWasm as { getThreadsCount?: () => number }).getThreadsCount?.();

// --- PyTorch ---------------------------------------------------------------------------
let torchVersion: string | undefined;
const probe = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' });
if (probe.status === 0) {
  for (const threads of [1, 2]) {
    const r = spawnSync('/usr/bin/python3', [join(here, '../python/torch_matmul.py'), String(threads), ...sizes.map(String)], {
      encoding: 'utf8',
      timeout: 600_000,
    });
    if (r.status !== 0) {
      console.error(`torch run failed: ${r.stderr}`);
      continue;
    }
    const out = JSON.parse(r.stdout) as { version: string; seconds: Record<string, number> };
    torchVersion = out.version;
    for (const n of sizes) record(n, `torch-${threads}t`, out.seconds[String(n)]! * 1000);
  }
} else {
  console.error('PyTorch not available (/usr/bin/python3 -c "import torch" failed): skipped');
}

// --- report ----------------------------------------------------------------------------
const cols = ['dl-wasm-1t', 'dl-wasm-2t', 'tfjs-cpu', 'tfjs-wasm', 'torch-1t', 'torch-2t'];
const ratio = (x: number | undefined, y: number | undefined): string =>
  x !== undefined && y !== undefined ? `${(x / y).toFixed(2)}x` : '-';
const fmt = (x: number | undefined): string => (x === undefined ? '-' : x.toFixed(1));
const header = ['n', ...cols, 'dl2t/tfjs-wasm', 'dl1t/tfjs-wasm', 'dl2t/torch2t'];
const lines = [header];
for (const n of sizes) {
  const r = results[n] ?? {};
  lines.push([
    String(n),
    ...cols.map((c) => fmt(r[c])),
    ratio(r['dl-wasm-2t'], r['tfjs-wasm']),
    ratio(r['dl-wasm-1t'], r['tfjs-wasm']),
    ratio(r['dl-wasm-2t'], r['torch-2t']),
  ]);
}
const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i]!.length)));
console.log(`\nmatmul n x n x n, float32, GFLOP/s (median)  [${cpus()[0]?.model ?? '?'}, ${availableParallelism()} threads]`);
for (const l of lines) console.log(l.map((s, i) => s.padStart(widths[i]!)).join('  '));
console.log(
  `dl: relaxed-simd=${info.relaxedSimd} shared-memory=${info.sharedMemory} tile=${info.tile.join('x')}; ` +
    `tfjs-wasm threads=${tfjsWasmThreads ?? '?'}; torch=${torchVersion ?? 'n/a'}`,
);

const outDir = join(here, '../bench-results');
mkdirSync(outDir, { recursive: true });
const payload = {
  benchmark: 'matmul',
  date: new Date().toISOString(),
  node: process.version,
  cpu: cpus()[0]?.model,
  threads: availableParallelism(),
  dl: info,
  tfjsWasmThreads,
  torchVersion,
  unit: 'GFLOP/s',
  results,
};
const file = join(outDir, `matmul-${payload.date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(payload, null, 2));
writeFileSync(join(outDir, 'matmul-latest.json'), JSON.stringify(payload, null, 2));
console.log(`wrote ${file}`);
