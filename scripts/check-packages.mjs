#!/usr/bin/env node
// `pnpm check:packages`: the packages as users install them (issue 16). Builds and packs every
// published package, lints the tarballs (contents, publint, are-the-types-wrong), installs them
// with npm into a scratch project outside the monorepo that already has vitest 3 and fast-check
// 3, trains an MLP there with plain `node`, runs `@dl/tensor/testing` under that vitest 3,
// type-checks a TypeScript consumer (moduleResolution node16 and bundler), bundles it minified
// with esbuild and trains it in headless Chromium under `script-src 'self' 'wasm-unsafe-eval'`,
// plain and cross-origin isolated (the cpu backend's GEMM worker threads).
// Prints a summary; exits 1 if any check failed. See CONTRIBUTING.md ("Checking the packages").
//
//   pnpm check:packages                  # everything (CI's last step)
//   pnpm check:packages --skip-build     # reuse packages/*/dist as they are
//   pnpm check:packages --keep           # keep the scratch directory and print its path
//
// Needs: pnpm, npm with access to the npm registry (or its cache), tar, and Chromium
// (`apt-get install -y chromium`, or CHROMIUM_BIN=/path/to/chrome).
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { exec, mapLimit, tail } from './check-packages/exec.mjs';
import { CheckFailure, Report } from './check-packages/report.mjs';
import { attwTarball, inspectTarball, pack, publintTarball, publishedPackages } from './check-packages/tarballs.mjs';
import {
  copyConsumer,
  createProject,
  installTarballs,
  judgeRun,
  trainInNode,
  typecheck,
  vitestWithTesting,
} from './check-packages/consumer.mjs';
import { CSP, findChromium, ISOLATION, runPage, serve } from './check-packages/browser.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(join(root, 'package.json'));
const args = new Set(process.argv.slice(2));
for (const a of args) {
  if (!['--skip-build', '--keep'].includes(a)) {
    console.error(`check-packages: unknown option ${a} (options: --skip-build, --keep)`);
    process.exit(2);
  }
}

const t0 = performance.now();
const report = new Report();
const work = await mkdtemp(join(tmpdir(), 'dl-check-packages-'));
const tarDir = join(work, 'tarballs');
const project = join(work, 'project');
await mkdir(tarDir);
const packages = await publishedPackages(root);
const tarballs = new Map();
const jobs = Math.max(1, Math.min(4, availableParallelism()));

/** Run `fn` on every package; fail with every package's failure, or pass with each one's note. */
async function perPackage(fn) {
  const results = await mapLimit(packages, jobs, async (pkg) => {
    try {
      return { pkg, ok: true, note: await fn(pkg, tarballs.get(pkg.name)) };
    } catch (e) {
      return { pkg, ok: false, note: e.message, details: e instanceof CheckFailure ? e.details : e.stack };
    }
  });
  const bad = results.filter((r) => !r.ok);
  for (const r of results.filter((x) => x.ok)) process.stdout.write(`    ${r.pkg.name}: ${r.note}\n`);
  if (bad.length)
    throw new CheckFailure(
      `${bad.length} of ${packages.length} failed: ${bad.map((r) => r.pkg.name).join(', ')}`,
      bad.map((r) => `  ${r.note}\n${r.details ?? ''}`).join('\n'),
    );
  const notes = new Set(results.map((r) => r.note));
  return `${packages.length} packages${notes.size === 1 ? `: ${[...notes][0]}` : ''}`;
}

if (!args.has('--skip-build')) {
  await report.check('build', async () => {
    const r = await exec('pnpm', ['-r', '--filter', './packages/*', 'run', 'build'], { cwd: root, timeoutMs: 600_000 });
    if (r.code !== 0) throw new CheckFailure(`pnpm -r build exited ${r.code}`, tail(r.out, 60));
    return `${packages.length} packages (tsc -p tsconfig.build.json)`;
  });
}

await report.check(
  'pack',
  async () => {
    const missing = [];
    for (const pkg of packages) if (!(await stat(join(pkg.dir, 'dist')).catch(() => null))) missing.push(pkg.name);
    if (missing.length) throw new CheckFailure(`no dist/ in ${missing.join(', ')}: build first (or drop --skip-build)`);
    for (const pkg of packages) tarballs.set(pkg.name, await pack(pkg, tarDir));
    return `${packages.length} tarballs (pnpm pack): ${packages.map((p) => p.name).join(' ')}`;
  },
  { needs: args.has('--skip-build') ? [] : ['build'] },
);

await report.check('tarball contents', () => perPackage(inspectTarball), { needs: ['pack'] });
await report.check('publint', () => perPackage(publintTarball), { needs: ['pack'] });
const attwBin = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist', 'index.js');
await report.check('attw (are the types wrong)', () => perPackage((pkg, tgz) => attwTarball(pkg, tgz, attwBin)), { needs: ['pack'] });

await report.check('npm project with vitest 3 + fast-check 3', () => createProject(project));
await report.check('npm install of the tarballs', () => installTarballs(project, [...tarballs.values()]), {
  needs: ['pack', 'npm project with vitest 3 + fast-check 3'],
});
await copyConsumer(project);
await report.check('node: train an MLP (plain node, cpu)', () => trainInNode(project), { needs: ['npm install of the tarballs'] });
await report.check('vitest 3: @dl/tensor/testing', () => vitestWithTesting(project), { needs: ['npm install of the tarballs'] });
const tscBin = require.resolve('typescript/bin/tsc');
for (const resolution of ['node16', 'bundler']) {
  await report.check(`tsc: moduleResolution ${resolution}`, () => typecheck(project, resolution, tscBin), {
    needs: ['npm install of the tarballs'],
  });
}

const www = join(project, 'www');
await report.check(
  'esbuild: minified browser bundle',
  async () => {
    const esbuild = await import('esbuild');
    await mkdir(www, { recursive: true });
    const result = await esbuild
      .build({
        absWorkingDir: project,
        // the cpu backend's GEMM worker is its own module file, started by
        // new URL('./gemm-worker.js', import.meta.url): esbuild needs it as a second entry point
        entryPoints: { main: join(project, 'src', 'browser.ts'), 'gemm-worker': '@dl/backend-cpu/gemm-worker' },
        outdir: www,
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        metafile: true,
        logLevel: 'silent',
      })
      .catch((e) => {
        throw new CheckFailure(
          `esbuild failed: ${e.errors?.[0]?.text ?? e.message}`,
          (e.errors ?? []).map((x) => `    ${x.location?.file ?? ''}:${x.location?.line ?? ''} ${x.text}`).join('\n'),
        );
      });
    const external = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.external).map((i) => i.path));
    if (external.length) throw new CheckFailure(`the bundle imports ${external.join(', ')} (a browser has none of these)`);
    await copyFile(join(project, 'index.html'), join(www, 'index.html'));
    const kib = async (f) => ((await stat(join(www, f))).size / 1024).toFixed(0);
    const inputs = Object.keys(result.metafile.inputs).filter((p) => p.includes('node_modules/@dl/')).length;
    return `main.js ${await kib('main.js')} KiB + gemm-worker.js ${await kib('gemm-worker.js')} KiB from ${inputs} @dl modules (dist), no Node built-ins`;
  },
  { needs: ['npm install of the tarballs'] },
);

/** One page load in Chromium under the CSP; `isolated` adds COOP/COEP (worker threads). */
async function browserRun(isolated) {
  const bin = findChromium();
  if (!bin) throw new CheckFailure('no Chromium: apt-get install -y chromium (Debian), or set CHROMIUM_BIN');
  const srv = await serve(www, CSP, isolated ? ISOLATION : {});
  let run;
  try {
    run = await runPage(bin, srv.url);
  } finally {
    await srv.close();
  }
  const context = [
    `    browser: Chromium ${run.version} (${bin}); served with Content-Security-Policy: ${run.csp}${isolated ? ' + COOP/COEP' : ''}`,
    ...run.violations.map((v) => `    CSP violation: ${v}`),
    ...run.console.slice(-15).map((l) => `    console ${l}`),
  ].join('\n');
  if (run.csp !== CSP) throw new CheckFailure(`the page was not served with the CSP (got ${run.csp})`, context);
  if (run.timedOut) throw new CheckFailure('the page reported nothing within 180 s', context);
  if (!run.result.ok)
    throw new CheckFailure(`the page failed: ${run.result.error.split('\n')[0]}`, `${tail(run.result.error, 20)}\n${context}`);
  const { report: r, threads: t } = run.result;
  const problems = judgeRun(r);
  if (run.violations.length) problems.push(`${run.violations.length} CSP violation(s): ${run.violations[0]}`);
  if (t.crossOriginIsolated !== isolated) problems.push(`crossOriginIsolated is ${t.crossOriginIsolated}, expected ${isolated}`);
  if (!(t.maxAbsDiff < 1e-3)) problems.push(`a 256x256 matmul on ${t.threads} thread(s) differs from one thread by ${t.maxAbsDiff}`);
  if (isolated && t.hardwareConcurrency > 1 && !(t.threads > 1 && t.workersWarm && t.workersReady === t.threads - 1)) {
    problems.push(`GEMM worker threads did not start from gemm-worker.js: ${JSON.stringify(t)}`);
  }
  if (problems.length) throw new CheckFailure(problems[0].split('\n')[0], `${problems.map((p) => `    ${p}`).join('\n')}\n${context}`);
  process.stdout.write(`${context}\n    threads: ${JSON.stringify(t)}\n    printed model:\n${r.repr.replace(/^/gm, '      ')}\n`);
  const threads = isolated ? `; ${t.threads} GEMM threads (${t.workersReady} workers from gemm-worker.js)` : '';
  return `Chromium ${run.version}: loss ${r.losses[0].toFixed(4)} → ${r.losses.at(-1).toFixed(4)} in ${r.ms} ms${threads}; minified names right (Sequential, Linear, ShapeError, Adam)`;
}

await report.check(`chromium: train under CSP "${CSP}"`, () => browserRun(false), { needs: ['esbuild: minified browser bundle'] });
await report.check('chromium: the same, cross-origin isolated (worker threads)', () => browserRun(true), {
  needs: ['esbuild: minified browser bundle'],
});

const code = report.summary(performance.now() - t0);
if (args.has('--keep')) console.log(`scratch project kept: ${project}`);
else await rm(work, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 }).catch(() => {});
process.exit(code);
