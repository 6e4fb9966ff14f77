/**
 * `pnpm bench`: every workload of workloads.ts on dl (cpu backend), tfjs-cpu, tfjs-wasm
 * and, when Debian's python3-torch is installed, PyTorch (2 threads), in one run on one
 * machine. Prints times (median ms; the mean for the training and op-overhead rows, Note [mean
 * rows] in workloads.ts) and ratios, checks the targets of the "fast cpu backend" issue and of
 * issue 10, and writes `bench-results/bench-<date>.json` and `bench-latest.json`.
 *
 *   pnpm bench                                   # everything (~5 min)
 *   pnpm --filter @dl/bench bench -- --only=matmul,mlp-train --skip=tfjs-cpu
 *   pnpm --filter @dl/bench bench -- --readme    # also rewrite the table in packages/backend-cpu/README.md
 *   pnpm --filter @dl/bench bench -- --profile=mlp-train-plain   # dl.profile's per-op table, nothing else
 *   pnpm bench -- --profile=mlp-train-plain      # at the root: mind the `--` (Note [--profile at the root])
 *
 * Flags: --only=ID|PREFIX,… --skip=dl,tfjs-cpu,tfjs-wasm,torch,webgpu --budget=MS (per workload and
 * framework, default 1000) --torch-threads=N (default 2) --readme --profile=ID [--profile-steps=N].
 *
 * The model rows are the plain PyTorch loop (`-plain`), with the same step in `dl.tidy` beside
 * it (`-tidy`); the peers run that program once (`Workload.peer`) and both rows compare to it.
 * `op-overhead[-autograd]` time a chain of 1000 adds: their ms per run is µs per op.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type * as TFCore from '@tensorflow/tfjs-core';
import { timeMs } from './timing.js';
import { parseWebgpuArgs } from './webgpu-vs-tfjs-format.js';
import { MEAN_MIN_RUNS, peerId, workloads, type Step, type Workload } from './workloads.js';

const args = new Map(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => {
      const [k, v] = a.slice(2).split('=');
      return [k!, v ?? 'true'] as const;
    }),
);
const only = args.get('only')?.split(',');
const skip = new Set(args.get('skip')?.split(',') ?? []);
const budgetMs = Number(args.get('budget') ?? 1000);
const torchThreads = Number(args.get('torch-threads') ?? 2);
const here = dirname(fileURLToPath(import.meta.url));
const selected = workloads.filter((w) => !only || only.some((o) => w.id === o || w.id.startsWith(o)));

// `pnpm bench --device webgpu` (or `--device=webgpu`): dl's webgpu backend against tfjs-webgpu on one
// adapter, src/webgpu-vs-tfjs.ts; `--device cpu` (the default) is this file's bench.
const device = parseWebgpuArgs(process.argv.slice(2)).device;
if (device !== null && device !== 'cpu') {
  if (device !== 'webgpu') {
    console.error(`bench: --device=${device} is not a device this bench knows (cpu, the default, or webgpu)`);
    process.exit(2);
  }
  const { runWebgpuBench } = await import('./webgpu-vs-tfjs.js');
  process.exit(await runWebgpuBench(process.argv.slice(2)));
}

// Note [--profile at the root]: at the repository root `pnpm bench --profile=ID` is taken by
// turbo, whose own --profile writes a trace file named ID and runs the whole bench; write
// `pnpm bench -- --profile=ID` there (or `pnpm --filter @dl/bench bench -- --profile=ID`).
if (args.has('profile')) {
  // `--profile ID` as well as `--profile=ID`
  const argv = process.argv.slice(2);
  const next = argv[argv.indexOf('--profile') + 1];
  const id = args.get('profile') === 'true' && argv.includes('--profile') && next && !next.startsWith('--') ? next : args.get('profile')!;
  const { printProfile } = await import('./op-profile.js');
  const status =
    id === 'true'
      ? (console.error('--profile=ID: name a workload, e.g. --profile=mlp-train-plain'), 2)
      : await printProfile(id, Number(args.get('profile-steps') ?? 20));
  process.exit(status);
}

/** One row per program the peers run: dl's -plain and -tidy rows share one (Workload.peer). */
const peerRows: Workload[] = [];
for (const w of selected) if (!peerRows.some((p) => p.id === peerId(w))) peerRows.push({ ...w, id: peerId(w) });

const FRAMEWORKS = ['dl', 'tfjs-cpu', 'tfjs-wasm', 'torch', 'torch-1t'] as const;
type Framework = (typeof FRAMEWORKS)[number];
const ms: Record<string, Partial<Record<Framework, number>>> = {};
const notes: string[] = [];
const t0 = performance.now();

function record(w: Workload, fw: Framework, t: number | undefined, extra = ''): void {
  if (t !== undefined) (ms[w.id] ??= {})[fw] = t;
  const gf = t !== undefined && w.flops ? `  ${(w.flops / (t * 1e6)).toFixed(1)} GFLOP/s` : '';
  console.error(`  ${fw.padEnd(10)} ${w.id.padEnd(22)} ${t === undefined ? '         -' : t.toFixed(2).padStart(10)} ms${gf}${extra}`);
}

async function timeStep(
  w: Workload,
  fw: Framework,
  make: () => Promise<Step | undefined> | Step | undefined,
  once = false,
  after?: () => string,
): Promise<void> {
  let step: Step | undefined;
  try {
    step = await make();
    if (!step) return record(w, fw, undefined, '  (not implemented)');
    const s = step;
    if (once) {
      const a = performance.now();
      s.run();
      record(w, fw, performance.now() - a, '  (1 run, no warm-up)');
    } else {
      const slow = (w.flops ?? 0) > 5e9;
      // dl's mean rows get enough runs to include the GC pauses they cause (Note [mean rows])
      const minRuns = w.stat === 'mean' && fw === 'dl' ? MEAN_MIN_RUNS : slow ? 2 : 3;
      const t = await timeMs(() => s.run(), { budgetMs, minRuns, maxRuns: w.stat === 'mean' ? 1000 : 50, stat: w.stat ?? 'median' });
      record(w, fw, t, after?.() ?? '');
    }
  } catch (e) {
    record(w, fw, undefined, `  FAILED: ${(e as Error).message.split('\n')[0]}`);
    notes.push(`${fw} ${w.id} failed: ${(e as Error).message.split('\n')[0]}`);
  } finally {
    step?.dispose?.();
  }
}

// --- dl --------------------------------------------------------------------------------
let dlInfo: Record<string, unknown> = {};
/** dl's live tensors and cpu bytes before building each row and after timing it. */
const dlMemory: Record<string, { before: { tensors: number; bytes: number }; after: { tensors: number; bytes: number } }> = {};
if (!skip.has('dl')) {
  const dl = await import('@dl/tensor');
  const { dlWorkload } = await import('./dl-workloads.js');
  const cpu = (await import('@dl/backend-cpu')) as unknown as {
    gemmInfo: () => Record<string, unknown>;
    warmupThreads?: () => Promise<boolean>;
  };
  await cpu.warmupThreads?.();
  const mem = () => {
    const m = dl.memory();
    return { tensors: m.tensors, bytes: m.devices.cpu?.bytes ?? 0 };
  };
  // Collect what the previous row left to the GC (and let finalizers run) before the next row,
  // so one row's garbage is not timed in the next.
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 2; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  // Note [interleaved pairs]: a -plain row and its -tidy twin are timed in alternating blocks
  // (median of the blocks' means), so drift on this noisy VM hits both alike; timed one after the
  // other they scattered from 0.7x to 1.4x of each other between runs.
  const twinOf = (id: string): string | null => {
    const m = /^(.*)-(plain|tidy)$/.exec(id);
    return m ? `${m[1]}-${m[2] === 'plain' ? 'tidy' : 'plain'}` : null;
  };
  const paired = new Set<string>();
  for (const w of selected) {
    if (paired.has(w.id)) continue;
    const twin = selected.find((x) => x.id === twinOf(w.id));
    if (twin) {
      await settle();
      const before = mem();
      const [a, b] = w.id.endsWith('-plain') ? [w, twin] : [twin, w];
      try {
        const sa = await dlWorkload(a.id);
        const sb = await dlWorkload(b.id);
        if (!sa || !sb) throw new Error('not implemented');
        sa.run();
        sb.run();
        const ta: number[] = [];
        const tb: number[] = [];
        const rounds = 5;
        for (let r = 0; r < rounds; r++) {
          ta.push(await timeMs(() => sa.run(), { budgetMs: budgetMs / rounds, minRuns: 3, maxRuns: 1000, stat: 'mean' }));
          tb.push(await timeMs(() => sb.run(), { budgetMs: budgetMs / rounds, minRuns: 3, maxRuns: 1000, stat: 'mean' }));
        }
        const med = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)]!;
        const a2 = mem();
        for (const [row, t] of [
          [a, med(ta)],
          [b, med(tb)],
        ] as const) {
          dlMemory[row.id] = { before, after: a2 };
          record(row, 'dl', t, `  interleaved with ${row === a ? b.id : a.id}; live tensors ${before.tensors} -> ${a2.tensors}`);
        }
        sa.dispose?.();
        sb.dispose?.();
      } catch (e) {
        for (const row of [a, b]) record(row, 'dl', undefined, `  FAILED: ${(e as Error).message.split('\n')[0]}`);
      }
      paired.add(a.id).add(b.id);
      continue;
    }
    await settle();
    const before = mem();
    // the plain rows leave memory to the library: say what is still alive after the timed runs
    const after = (): string => {
      const a = mem();
      dlMemory[w.id] = { before, after: a };
      return `  live tensors ${before.tensors} -> ${a.tensors}, cpu ${(before.bytes / 2 ** 20).toFixed(1)} -> ${(a.bytes / 2 ** 20).toFixed(1)} MB`;
    };
    await timeStep(w, 'dl', () => dlWorkload(w.id), false, w.group === 'model' || w.group === 'overhead' ? after : undefined);
  }
  dlInfo = cpu.gemmInfo();
}

// --- tfjs ------------------------------------------------------------------------------
let tfjsWasmThreads: number | undefined;
let tfjsVersion: string | undefined;
if (!skip.has('tfjs-wasm') || !skip.has('tfjs-cpu')) {
  // the union package registers every gradient (tfjs-core's node bundle alone has none)
  const tf = (await import('@tensorflow/tfjs')) as unknown as typeof TFCore;
  await import('@tensorflow/tfjs-backend-cpu');
  const tfWasm = await import('@tensorflow/tfjs-backend-wasm');
  const { tfjsWorkload } = await import('./tfjs-workloads.js');
  tfjsVersion = tf.version_core;
  for (const backend of ['wasm', 'cpu'] as const) {
    const fw: Framework = `tfjs-${backend}`;
    if (skip.has(fw)) continue;
    const ok = await tf.setBackend(backend).catch(() => false);
    if (!ok) {
      notes.push(`${fw} unavailable`);
      continue;
    }
    await tf.ready();
    if (backend === 'wasm') tfjsWasmThreads = (tfWasm as { getThreadsCount?: () => number }).getThreadsCount?.();
    for (const w of peerRows) {
      if (backend === 'cpu' && w.tfjsCpu === 'skip') {
        record(w, fw, undefined, '  (skipped: minutes per run)');
        continue;
      }
      await timeStep(w, fw, () => tfjsWorkload(tf, w.id), backend === 'cpu' && w.tfjsCpu === 'once');
    }
  }
}

// --- PyTorch ---------------------------------------------------------------------------
let torchInfo: { version: string; threads: number; blas: string } | undefined;
if (!skip.has('torch')) {
  const py = '/usr/bin/python3';
  const probe = spawnSync(py, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status === 0) {
    // Note [torch threads]: OpenMP's 2-thread runs collapse (x10-x50, in multiples of the 4 ms
    // scheduler tick) whenever another process holds one of the 2 cores, so torch also runs with
    // 1 thread, and ratios and targets use the faster of the two: the conservative choice for dl.
    // op-overhead is compared against torch on 1 thread only (4-element adds do not use threads)
    for (const [threads, fw] of [
      [torchThreads, 'torch'],
      [1, 'torch-1t'],
    ] as const) {
      if (fw === 'torch-1t' && torchThreads === 1) continue;
      const ids = peerRows.filter((w) => threads === 1 || w.group !== 'overhead').map((w) => w.id);
      if (!ids.length) continue;
      const r = spawnSync(py, [join(here, '../python/torch_bench.py'), String(threads), String(budgetMs), ...ids], {
        encoding: 'utf8',
        timeout: 600_000,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (r.status === 0) {
        const out = JSON.parse(r.stdout) as { version: string; threads: number; blas: string; ms: Record<string, number> };
        if (fw === 'torch' || !torchInfo) torchInfo = { version: out.version, threads: out.threads, blas: out.blas };
        for (const [id, t] of Object.entries(out.ms)) (ms[id] ??= {})[fw] = t;
      } else notes.push(`torch (${threads} threads) run failed (status ${r.status})`);
    }
  } else notes.push('PyTorch not available (/usr/bin/python3 -c "import torch" failed): skipped');
}

// --- report ----------------------------------------------------------------------------
/** The faster torch time (Note [torch threads]) of the program row `id` is compared with. */
const torchBest = (id: string): number | undefined => {
  const w = workloads.find((x) => x.id === id);
  const r = ms[w ? peerId(w) : id] ?? {};
  const ts = [r.torch, r['torch-1t']].filter((t): t is number => t !== undefined);
  return ts.length ? Math.min(...ts) : undefined;
};
/** Time of framework `fw` on row `id`: dl's own row, the peers' shared program (Workload.peer). */
const timeOf = (id: string, fw: Framework): number | undefined => {
  if (fw === 'dl') return ms[id]?.dl;
  if (fw === 'torch') return torchBest(id);
  const w = workloads.find((x) => x.id === id);
  return ms[w ? peerId(w) : id]?.[fw];
};
/** peer time / dl time: > 1 means dl is faster. */
const speedup = (id: string, peer: Framework): number | undefined => {
  const d = timeOf(id, 'dl'),
    p = timeOf(id, peer);
  return d !== undefined && p !== undefined ? p / d : undefined;
};
/** plain-loop time / tidy time of a `-plain` row (issue 10: at most 1.15). */
const plainOverTidy = (plainId: string): number | undefined => {
  const p = ms[plainId]?.dl,
    t = ms[plainId.replace(/-plain$/, '-tidy')]?.dl;
  return p !== undefined && t !== undefined ? p / t : undefined;
};
const inv = (x: number | undefined): number | undefined => (x === undefined ? undefined : 1 / x);
const f2 = (x: number | undefined, d = 2): string => (x === undefined ? '-' : x >= 1000 ? x.toFixed(0) : x.toFixed(d));
const fx = (x: number | undefined): string => (x === undefined ? '-' : `${x >= 100 ? x.toFixed(0) : x.toFixed(2)}x`);

const header = [
  'workload',
  'dl ms',
  'tfjs-cpu ms',
  'tfjs-wasm ms',
  `torch ${torchThreads}t ms`,
  'torch 1t ms',
  'dl GFLOP/s',
  'vs tfjs-cpu',
  'vs tfjs-wasm',
  'vs torch',
];
const rows = selected.map((w) => {
  const r = { ...ms[peerId(w)], dl: ms[w.id]?.dl };
  return [
    w.id,
    f2(r.dl),
    f2(r['tfjs-cpu']),
    f2(r['tfjs-wasm']),
    f2(r.torch),
    f2(r['torch-1t']),
    w.flops && r.dl ? (w.flops / (r.dl * 1e6)).toFixed(1) : '-',
    fx(speedup(w.id, 'tfjs-cpu')),
    fx(speedup(w.id, 'tfjs-wasm')),
    fx(speedup(w.id, 'torch')),
  ];
});

interface Target {
  what: string;
  value: number | undefined;
  min: number;
}
const tidyRow = (id: string) => id.replace(/-plain$/, '-tidy');
const targets: Target[] = [
  { what: 'matmul-1024: >= 2x tfjs-wasm', value: speedup('matmul-1024', 'tfjs-wasm'), min: 2 },
  { what: 'matmul-1024: >= 0.25x PyTorch', value: speedup('matmul-1024', 'torch'), min: 0.25 },
  // issue 15's targets: the plain training steps within 3x of PyTorch, the 64->64 conv within 1.5x,
  // ResNet-18 forward 1.5x faster than tfjs-wasm
  { what: 'mlp-train-plain: within 3x of PyTorch', value: speedup('mlp-train-plain', 'torch'), min: 1 / 3 },
  { what: 'lenet-train-plain: within 3x of PyTorch', value: speedup('lenet-train-plain', 'torch'), min: 1 / 3 },
  { what: 'conv-64x64k3-fwdbwd: within 1.5x of PyTorch', value: speedup('conv-64x64k3-fwdbwd', 'torch'), min: 1 / 1.5 },
  { what: 'resnet18-fwd: >= 1.5x tfjs-wasm', value: speedup('resnet18-fwd', 'tfjs-wasm'), min: 1.5 },
  // value = tidy / plain, so "met" reads as for the others (plain at most 1.15x the tidy time)
  ...['mlp-train-plain', 'lenet-train-plain']
    .filter((id) => selected.some((w) => w.id === tidyRow(id)))
    .map((id) => {
      const r = plainOverTidy(id);
      return { what: `${id}: within 1.15x of ${tidyRow(id)}`, value: r && 1 / r, min: 1 / 1.15 };
    }),
  { what: 'op-overhead: within 2x of PyTorch', value: speedup('op-overhead', 'torch'), min: 0.5 },
  { what: 'op-overhead-autograd: within 2x of PyTorch', value: speedup('op-overhead-autograd', 'torch'), min: 0.5 },
  ...['addrelu-1M', 'addrelu-16M', 'sum-1M', 'sum-16M'].map((id) => ({
    what: `${id}: within 2x of PyTorch`,
    value: speedup(id, 'torch'),
    min: 0.5,
  })),
  ...selected
    .filter((w) => w.group !== 'overhead')
    .map((w) => ({ what: `${w.id}: >= 20x tfjs-cpu`, value: speedup(w.id, 'tfjs-cpu'), min: 20 })),
].filter((t) => selected.some((w) => t.what.startsWith(`${w.id}:`)));

/** The plain-vs-tidy and per-op sections, as lines (console and README). */
function extraLines(): string[] {
  const out: string[] = [];
  const plain = selected.filter((w) => w.id.endsWith('-plain') && selected.some((x) => x.id === tidyRow(w.id)));
  if (plain.length) {
    out.push('plain loop vs the same step in dl.tidy (plain ms / tidy ms; issue 10 target: <= 1.15):');
    for (const w of plain) {
      out.push(
        `  ${w.id.replace(/-plain$/, '').padEnd(12)} plain ${f2(ms[w.id]?.dl).padStart(7)} ms   tidy ${f2(ms[tidyRow(w.id)]?.dl).padStart(7)} ms   plain/tidy ${fx(plainOverTidy(w.id))}` +
          `   dl/torch: plain ${fx(inv(speedup(w.id, 'torch')))}, tidy ${fx(inv(speedup(tidyRow(w.id), 'torch')))}`,
      );
    }
  }
  const over = selected.filter((w) => w.group === 'overhead');
  if (over.length) {
    out.push(`per-op overhead, µs per op (a chain of ${over[0]!.ops} adds on 4-element float32; torch on 1 thread):`);
    for (const w of over) {
      out.push(
        `  ${w.id.padEnd(22)} dl ${f2(timeOf(w.id, 'dl')).padStart(6)}   torch ${f2(timeOf(w.id, 'torch')).padStart(6)}` +
          `   tfjs-wasm ${f2(timeOf(w.id, 'tfjs-wasm')).padStart(6)}   tfjs-cpu ${f2(timeOf(w.id, 'tfjs-cpu')).padStart(6)}   dl/torch ${fx(inv(speedup(w.id, 'torch')))}`,
      );
    }
  }
  return out;
}

const machine = `${cpus()[0]?.model ?? '?'}, ${availableParallelism()} threads, Node ${process.version}`;
const date = new Date().toISOString();
const versions =
  `tfjs ${tfjsVersion ?? '-'} (wasm threads: ${tfjsWasmThreads ?? '?'}); ` +
  `torch ${torchInfo ? `${torchInfo.version}, ${torchInfo.threads} threads, ${torchInfo.blas}` : 'n/a'}; ` +
  `dl: relaxed-simd=${String(dlInfo.relaxedSimd)}, threads=${String(dlInfo.threads)}`;

function markdown(): string {
  const md = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const r of rows) md.push(`| ${r.join(' | ')} |`);
  const lines = [
    `Run of ${date.slice(0, 10)} on ${machine}, load average at start ${loadavg()[0]!.toFixed(2)}. ${versions}.`,
    'Times are medians in ms (means for the training and op-overhead rows, which count GC pauses); "vs X" is',
    'X\'s time / dl\'s time (above 1: dl is faster); "vs torch" uses the',
    "faster of torch's 2-thread and 1-thread times (2-thread OpenMP runs collapse when another process holds a core).",
    'tfjs-cpu: `once` workloads (matmul-1024, conv-64x64k3-fwd) are one run without warm-up; matmul-2048,',
    'conv-64x64k3-fwdbwd and resnet18-fwd are skipped on tfjs-cpu (minutes per run). tfjs convs run NHWC.',
    '`-plain` rows are the plain PyTorch loop (no tidy/dispose), `-tidy` the same step in `dl.tidy`; the peers run one',
    'program for both (their columns repeat). op-overhead rows: ms per chain of 1000 adds, i.e. µs per op.',
    '',
    ...md,
    '',
    ...(extraLines().length ? ['```', ...extraLines(), '```', ''] : []),
    '| target | value | met |',
    '| --- | ---: | :---: |',
    ...targets.map((t) => `| ${t.what} | ${fx(t.value)} | ${t.value === undefined ? '-' : t.value >= t.min ? 'yes' : 'no'} |`),
  ];
  return lines.join('\n');
}

const widths = header.map((_, i) => Math.max(...[header, ...rows].map((l) => l[i]!.length)));
console.log(`\ndl vs peers, ms (median; mean for training and op-overhead rows)  [${machine}]\n${versions}`);
for (const l of [header, ...rows]) console.log(l.map((s, i) => (i === 0 ? s.padEnd(widths[i]!) : s.padStart(widths[i]!))).join('  '));
console.log(
  '\n"vs X" = X time / dl time (> 1: dl faster); vs torch: the faster of torch 2t/1t. tfjs-cpu: matmul-1024 and conv-64x64k3-fwd one run; matmul-2048, conv-64x64k3-fwdbwd, resnet18-fwd skipped.',
);
console.log('-plain/-tidy rows: one program on the peers (their columns repeat); op-overhead rows: ms per 1000-add chain = µs per op.');
const extra = extraLines();
if (extra.length) console.log(`\n${extra.join('\n')}`);
console.log('\ntargets:');
for (const t of targets)
  console.log(`  ${t.value === undefined ? '  -  ' : t.value >= t.min ? ' met ' : 'MISSED'}  ${t.what.padEnd(40)} ${fx(t.value)}`);
for (const n of notes) console.log(`note: ${n}`);

const outDir = join(here, '../bench-results');
mkdirSync(outDir, { recursive: true });
const payload = {
  benchmark: 'all',
  date,
  machine,
  cpu: cpus()[0]?.model,
  threads: availableParallelism(),
  node: process.version,
  loadavgAtEnd: loadavg(),
  dl: dlInfo,
  tfjsVersion,
  tfjsWasmThreads,
  torch: torchInfo,
  unit: 'ms (median)',
  workloads: selected,
  ms,
  dlMemory,
  targets,
  notes,
  seconds: (performance.now() - t0) / 1000,
};
const file = join(outDir, `bench-${date.replace(/[:.]/g, '-')}.json`);
writeFileSync(file, JSON.stringify(payload, null, 2));
writeFileSync(join(outDir, 'bench-latest.json'), JSON.stringify(payload, null, 2));
console.log(`wrote ${file} (${payload.seconds.toFixed(0)} s)`);

if (args.has('readme')) {
  const readme = join(here, '../../../packages/backend-cpu/README.md');
  const text = readFileSync(readme, 'utf8');
  const start = '<!-- bench:start -->',
    end = '<!-- bench:end -->';
  const block = `${start}\n${markdown()}\n${end}`;
  const i = text.indexOf(start),
    j = text.indexOf(end);
  writeFileSync(
    readme,
    i >= 0 && j > i ? text.slice(0, i) + block + text.slice(j + end.length) : `${text.trimEnd()}\n\n## Benchmarks\n\n${block}\n`,
  );
  console.log(`updated ${readme}`);
}

// webgpu next to cpu (matmul, conv, a LeNet step); skipped with a reason when no adapter exists.
if (!skip.has('webgpu') && !only) {
  console.log('');
  await import('./webgpu.js');
}
