/**
 * The pure parts of `pnpm bench --device webgpu` (src/webgpu-vs-tfjs.ts): flag parsing, medians,
 * ratios and the README table. No GPU, no timing: unit-tested in webgpu-vs-tfjs-format.test.ts.
 */

/** Options of the webgpu bench, from the command line. */
export interface WebgpuBenchOptions {
  /** `--device webgpu` or `--device=webgpu`; null when absent (the cpu bench runs). */
  device: string | null;
  /** `--only=ID|PREFIX,…`: rows to run (all when null). */
  only: string[] | null;
  /** `--big`: matmul 4096 even on a software adapter. */
  big: boolean;
  /** `--resnet-train`: the ResNet-18 training row even on a software adapter. */
  resnetTrain: boolean;
  /** `--readme`: write the table into packages/backend-webgpu/README.md. */
  readme: boolean;
  /** `--budget=MS`: time spent per row after warm-up (at least `minReps` repetitions). */
  budgetMs: number;
  /** `--reps=N`: fewest repetitions per row (each runs dl once and tfjs once). */
  minReps: number;
  /** `--peak-gflops=N`: the adapter's f32 peak, for GFLOP/s as a fraction of it. */
  peakGflops: number | null;
}

/**
 * Parse the bench's flags; both `--flag=value` and `--flag value` are accepted (pnpm forwards
 * `pnpm bench --device webgpu` as two words).
 *
 * @example
 * parseWebgpuArgs(['--device', 'webgpu', '--only=matmul']).only; // ['matmul']
 */
export function parseWebgpuArgs(argv: readonly string[]): WebgpuBenchOptions {
  const get = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      if (a.startsWith(`--${name}=`)) return a.slice(name.length + 3);
      if (a === `--${name}`) {
        const next = argv[i + 1];
        return next !== undefined && !next.startsWith('--') ? next : 'true';
      }
    }
    return undefined;
  };
  const num = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0) throw new RangeError(`bench: --${name}=${v} is not a positive number (e.g. --${name}=${dflt})`);
    return n;
  };
  const only = get('only');
  const peak = get('peak-gflops');
  return {
    device: get('device') ?? null,
    only: only && only !== 'true' ? only.split(',').filter(Boolean) : null,
    big: get('big') !== undefined,
    resnetTrain: get('resnet-train') !== undefined,
    readme: get('readme') !== undefined,
    budgetMs: num('budget', 3000),
    minReps: Math.round(num('reps', 3)),
    peakGflops: peak === undefined ? null : num('peak-gflops', 1),
  };
}

/** Median of a non-empty list (the mean of the middle two for an even count). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median: no values');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** One measured row: median ms of each side, the dispatches of one dl run, the flops of one run. */
export interface WebgpuRow {
  id: string;
  label: string;
  dlMs: number | null;
  tfjsMs: number | null;
  reps: number;
  dlDispatches: number | null;
  flops?: number;
  note?: string;
}

/** tfjs time / dl time (above 1: dl is faster); null when a side did not run. */
export function ratio(r: Pick<WebgpuRow, 'dlMs' | 'tfjsMs'>): number | null {
  return r.dlMs && r.tfjsMs ? r.tfjsMs / r.dlMs : null;
}

const ms = (v: number | null): string => (v === null ? '–' : v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0));
const gf = (flops: number | undefined, t: number | null): string => (flops && t ? (flops / (t * 1e6)).toFixed(1) : '–');

/**
 * The rows as a Markdown table (ms are medians; ratio = tfjs / dl, above 1: dl is faster).
 *
 * @example
 * markdownTable([{ id: 'm', label: 'matmul 256', dlMs: 2, tfjsMs: 1, reps: 5, dlDispatches: 1 }]);
 * // | workload | dl ms | tfjs ms | tfjs/dl | … |  …  | matmul 256 | 2.00 | 1.00 | 0.50× | …
 */
export function markdownTable(rows: readonly WebgpuRow[]): string {
  const header = ['workload', 'dl ms', 'tfjs-webgpu ms', 'tfjs / dl', 'dl GFLOP/s', 'tfjs GFLOP/s', 'dl dispatches', 'runs'];
  const body = rows.map((r) => {
    const q = ratio(r);
    return [
      r.label + (r.note ? ` (${r.note})` : ''),
      ms(r.dlMs),
      ms(r.tfjsMs),
      q === null ? '–' : `${q.toFixed(2)}×`,
      gf(r.flops, r.dlMs),
      gf(r.flops, r.tfjsMs),
      r.dlDispatches === null ? '–' : String(r.dlDispatches),
      String(r.reps),
    ];
  });
  // padded as the repository's formatter (Biome) writes Markdown tables, so `pnpm lint` passes after `--readme`
  const widths = header.map((h, i) => Math.max(3, h.length, ...body.map((c) => c[i]!.length)));
  const row = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [row(header), rule, ...body.map(row)].join('\n');
}

export const README_START = '<!-- webgpu-bench:start (written by `pnpm bench --device webgpu --readme`) -->';
export const README_END = '<!-- webgpu-bench:end -->';

/**
 * Put `table` between the bench markers of `readme` (appending a section with the markers when
 * they are missing); everything outside the markers is kept.
 *
 * @example
 * replaceReadmeTable('# x\n', 'T').includes('T'); // true
 */
export function replaceReadmeTable(readme: string, table: string): string {
  const block = `${README_START}\n${table}\n${README_END}`;
  const a = readme.indexOf(README_START);
  const b = readme.indexOf(README_END);
  if (a >= 0 && b > a) return readme.slice(0, a) + block + readme.slice(b + README_END.length);
  if (a >= 0 || b >= 0) throw new Error('bench --readme: the README has only one of the webgpu-bench markers; fix it by hand');
  const sep = readme.endsWith('\n') ? '\n' : '\n\n';
  return `${readme}${sep}## Speed against tfjs-webgpu\n\n${block}\n`;
}

/** Is this adapter a software rasterizer (lavapipe, SwiftShader) rather than a GPU? */
export function isSoftwareAdapter(name: string): boolean {
  return /llvmpipe|lavapipe|swiftshader|software/i.test(name);
}
