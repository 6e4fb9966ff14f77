/**
 * Bundles `src/main.ts` (the page script) for the browser with esbuild and checks that
 * the bundle pulls in no Node built-in (`node:*`, `fs`, `worker_threads`, `process`, …).
 *
 * Run as a script (`pnpm --filter @dl/browser-check build`) it writes `dist/` (bundle,
 * `index.html`, `meta.json`) and exits non-zero on an offending import; the vitest test
 * and `run-chromium.ts` call {@link buildPage} directly.
 */
import { builtinModules } from 'node:module';
import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
/** `apps/browser`. */
export const appDir = resolve(here, '..');

const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Is `path` (an import path as esbuild reports it) a Node built-in? */
export function isNodeBuiltin(path: string): boolean {
  if (path.startsWith('node:')) return true;
  return NODE_BUILTINS.has(path) || NODE_BUILTINS.has(path.split('/')[0]!);
}

/** One offending import: who imported what. */
export interface BuiltinImport {
  importer: string;
  path: string;
  kind: string;
}

/** Node built-ins imported anywhere in the bundle (static, dynamic or `require`). */
export function nodeBuiltinImports(meta: esbuild.Metafile): BuiltinImport[] {
  const bad: BuiltinImport[] = [];
  for (const [importer, input] of Object.entries(meta.inputs)) {
    for (const imp of input.imports) {
      if (isNodeBuiltin(imp.path) || imp.external) bad.push({ importer, path: imp.path, kind: imp.kind });
    }
  }
  // the outputs repeat what the inputs import; add only what no input named
  const seen = new Set(bad.map((b) => b.path));
  for (const [file, output] of Object.entries(meta.outputs)) {
    for (const imp of output.imports) {
      if ((isNodeBuiltin(imp.path) || imp.external) && !seen.has(imp.path)) bad.push({ importer: file, path: imp.path, kind: imp.kind });
    }
  }
  return bad;
}

export interface BuildResult {
  meta: esbuild.Metafile;
  /** Node built-ins (or other externals) found in the bundle; empty when the bundle is clean. */
  builtins: BuiltinImport[];
  /** Input files (relative to the repo root) that went into the bundle. */
  inputs: string[];
  errors: string[];
  /** The bundle, when `write` was false. */
  code?: string;
}

/**
 * Bundle the page. With `outdir`, write `main.js`, `index.html` and `meta.json` there;
 * without, bundle in memory (for the test).
 */
export async function buildPage(opts: { outdir?: string; minify?: boolean; entry?: string } = {}): Promise<BuildResult> {
  const outdir = opts.outdir ?? join(appDir, 'dist');
  const result = await esbuild
    .build({
      absWorkingDir: resolve(appDir, '../..'),
      // + the cpu backend's GEMM worker module, beside the page script (src/gemm-worker.ts)
      entryPoints: [opts.entry ?? join(appDir, 'src/main.ts'), join(appDir, 'src/gemm-worker.ts')],
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      conditions: ['@dl/source'],
      outdir,
      write: opts.outdir !== undefined,
      metafile: true,
      minify: opts.minify ?? false,
      sourcemap: opts.outdir !== undefined ? 'linked' : false,
      logLevel: 'silent',
      // Node built-ins stay external so that the metafile names every one and who imports it
      // (instead of the build stopping at the first "could not resolve"); any is a failure.
      external: ['node:*', ...builtinModules],
    })
    .catch((e: { errors?: esbuild.Message[]; message: string }) => {
      if (!e.errors) throw e;
      return { errors: e.errors, metafile: { inputs: {}, outputs: {} } as esbuild.Metafile, outputFiles: undefined };
    });
  const errors = result.errors.map((m) => `${m.location ? `${m.location.file}:${m.location.line}: ` : ''}${m.text}`);
  const meta = result.metafile!;
  const out: BuildResult = { meta, builtins: nodeBuiltinImports(meta), inputs: Object.keys(meta.inputs), errors };
  const js = result.outputFiles?.find((f) => f.path.endsWith('.js') && !f.path.endsWith('gemm-worker.js'));
  if (js) out.code = js.text;
  if (opts.outdir !== undefined && errors.length === 0) {
    await mkdir(outdir, { recursive: true });
    await copyFile(join(appDir, 'public/index.html'), join(outdir, 'index.html'));
    await writeFile(join(outdir, 'meta.json'), JSON.stringify(meta));
  }
  return out;
}

/** Test-only modules (`@dl/tensor/testing`, the webgpu test helpers) that reached the bundle. */
export function testOnlyInputs(r: BuildResult): string[] {
  return r.inputs.filter((f) => /\/src\/testing\/|\/test-gpu\.ts$|\.test\.ts$/.test(f));
}

/** Throw with a readable list when the build failed or pulled in Node built-ins. */
export function assertBrowserClean(r: BuildResult): void {
  const lines: string[] = [];
  for (const e of r.errors) lines.push(`  error: ${e}`);
  for (const b of r.builtins) lines.push(`  ${b.importer} imports Node built-in "${b.path}" (${b.kind})`);
  for (const f of testOnlyInputs(r)) lines.push(`  test-only module bundled: ${f}`);
  if (lines.length) throw new Error(`browser bundle is not browser-clean:\n${lines.join('\n')}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const r = await buildPage({ outdir: join(appDir, 'dist') });
  try {
    assertBrowserClean(r);
  } catch (e) {
    console.error((e as Error).message);
    process.exit(1);
  }
  const bytes = Object.values(r.meta.outputs).reduce((s, o) => s + o.bytes, 0);
  console.log(
    `built apps/browser/dist (${r.inputs.length} inputs, ${(bytes / 1024).toFixed(0)} KiB incl. map) in ${(performance.now() - t0).toFixed(0)} ms; no Node built-ins`,
  );
}
