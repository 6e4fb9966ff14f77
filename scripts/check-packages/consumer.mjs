// The user's-project half of check-packages: a scratch npm project outside the monorepo that
// already has vitest 3 and fast-check 3, into which the tarballs are installed, and the checks
// that judge what runs there.
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CheckFailure } from './report.mjs';
import { exec, tail } from './exec.mjs';

const here = dirname(fileURLToPath(import.meta.url));

/** The environment for npm in the scratch project, without the `npm_*`/`PNPM_*` variables `pnpm run` sets. */
export function userEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(npm_|pnpm_)/i.test(k)) env[k] = v;
  env.npm_config_update_notifier = 'false';
  env.npm_config_fund = 'false';
  env.npm_config_audit = 'false';
  return env;
}

function npm(dir, args) {
  return exec('npm', args, { cwd: dir, env: userEnv(), timeoutMs: 300_000 });
}

/** Versions of the packages the user's project has installed, by name (top level only). */
export async function installedVersion(dir, name) {
  try {
    return JSON.parse(await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version;
  } catch {
    return null;
  }
}

/** Every copy of `name` anywhere under `dir/node_modules` (nested copies included). */
export async function copiesOf(dir, name) {
  const found = [];
  const walk = async (nm) => {
    let entries;
    try {
      entries = await readdir(nm, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (e.name.startsWith('@')) {
        for (const s of await readdir(join(nm, e.name), { withFileTypes: true }).catch(() => [])) {
          const p = join(nm, e.name, s.name);
          if (`${e.name}/${s.name}` === name) found.push(p);
          await walk(join(p, 'node_modules'));
        }
      } else {
        const p = join(nm, e.name);
        if (e.name === name) found.push(p);
        await walk(join(p, 'node_modules'));
      }
    }
  };
  await walk(join(dir, 'node_modules'));
  return found;
}

/**
 * Make the scratch project: package.json, then `npm install -D vitest@3 fast-check@3
 * @types/node@20` from the registry, as a project that uses them before it adds dl.
 */
export async function createProject(dir) {
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: 'dl-consumer', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  const r = await npm(dir, ['install', '--save-dev', 'vitest@^3', 'fast-check@^3', '@types/node@^20']);
  if (r.code !== 0) throw new CheckFailure(`npm install vitest@3 fast-check@3 exited ${r.code}`, tail(r.out));
  return `vitest ${await installedVersion(dir, 'vitest')}, fast-check ${await installedVersion(dir, 'fast-check')}`;
}

/**
 * `npm install` the tarballs into the project, then check what npm made of them: one copy of
 * @dl/tensor, vitest and fast-check still at 3, and no `webgpu` (Dawn) pulled in.
 */
export async function installTarballs(dir, tarballs) {
  const r = await npm(dir, ['install', ...tarballs]);
  if (r.code !== 0) throw new CheckFailure(`npm install of the ${tarballs.length} tarballs exited ${r.code}`, tail(r.out));
  const problems = [];
  const tensors = await copiesOf(dir, '@dl/tensor');
  if (tensors.length !== 1) problems.push(`${tensors.length} copies of @dl/tensor: ${tensors.join(', ')}`);
  for (const [name, major] of [
    ['vitest', '3'],
    ['fast-check', '3'],
  ]) {
    const v = await installedVersion(dir, name);
    if (!v?.startsWith(`${major}.`)) problems.push(`${name} is ${v} after the install (was ${major}.x)`);
  }
  const dawn = await copiesOf(dir, 'webgpu');
  if (dawn.length) problems.push(`the optional peer 'webgpu' (Dawn binaries) was installed: ${dawn.join(', ')}`);
  if (problems.length) throw new CheckFailure(`npm install succeeded, but: ${problems[0]}`, problems.map((p) => `    ${p}`).join('\n'));
  const warn = r.out.split('\n').filter((l) => /npm (warn|WARN)/.test(l));
  if (warn.length) process.stdout.write(`${tail(warn.join('\n'), 20)}\n`);
  return `one @dl/tensor; vitest ${await installedVersion(dir, 'vitest')}, fast-check ${await installedVersion(dir, 'fast-check')} kept; no webgpu (Dawn)`;
}

/** Copy the consumer sources (scripts/check-packages/consumer) into the project. */
export async function copyConsumer(dir) {
  await cp(join(here, 'consumer'), dir, { recursive: true });
}

const EXPECT_REPR = ['Sequential(', '(0): Linear(in_features=2, out_features=32, bias=True)', '(1): Tanh()'];

/** Problems with a run's report (losses, repr, error names); empty when it is right. */
export function judgeRun(report, { minDrop = 0.5 } = {}) {
  const problems = [];
  const { losses } = report;
  if (!Array.isArray(losses) || losses.length < 2 || !losses.every(Number.isFinite))
    problems.push(`losses are not finite numbers: ${JSON.stringify(losses)}`);
  else if (!(losses.at(-1) < losses[0] * minDrop))
    problems.push(`loss did not fall below ${minDrop} of its start: ${losses.map((l) => l.toFixed(4)).join(' → ')}`);
  for (const s of EXPECT_REPR) if (!String(report.repr).includes(s)) problems.push(`printed model lacks '${s}':\n${report.repr}`);
  const se = report.shapeError;
  if (!se) problems.push('matmul of [2, 3] and [2, 3] did not throw');
  else {
    if (se.name !== 'ShapeError') problems.push(`err.name is '${se.name}', expected 'ShapeError' (${se.message})`);
    if (!se.isInstance) problems.push('dl.DLError.isInstance(err) is false for a ShapeError');
    if (!se.instanceOf) problems.push('err instanceof dl.ShapeError is false');
  }
  if (report.optimError && !/^Adam\b/.test(report.optimError.message))
    problems.push(`Adam's lr error does not name Adam: '${report.optimError.message}'`);
  return problems;
}

/** `node train-node.mjs` in the project: plain Node, the cpu backend, the published dist. */
export async function trainInNode(dir) {
  const r = await exec(process.execPath, ['train-node.mjs'], { cwd: dir, env: userEnv(), timeoutMs: 180_000 });
  if (r.code !== 0) throw new CheckFailure(`node train-node.mjs exited ${r.code}`, tail(r.out));
  const last = r.out.trim().split('\n').at(-1);
  let report;
  try {
    report = JSON.parse(last);
  } catch {
    throw new CheckFailure('node train-node.mjs printed no JSON report', tail(r.out));
  }
  const problems = judgeRun(report);
  if (problems.length) throw new CheckFailure(problems[0].split('\n')[0], problems.map((p) => `    ${p}`).join('\n'));
  return `loss ${report.losses[0].toFixed(4)} → ${report.losses.at(-1).toFixed(4)} in ${report.ms} ms; Sequential/Linear repr, ShapeError`;
}

/**
 * The project's own vitest (3) runs `testing.test.mjs`: the whole conformance suite of
 * `@dl/tensor/testing` on cpu (vitest's `expect`, fast-check's properties) under the peers the
 * user already had.
 */
export async function vitestWithTesting(dir) {
  const bin = join(dir, 'node_modules', 'vitest', 'vitest.mjs');
  const version = await installedVersion(dir, 'vitest');
  const r = await exec(process.execPath, [bin, 'run', 'testing.test.mjs', '--reporter=verbose'], {
    cwd: dir,
    env: userEnv(),
    timeoutMs: 240_000,
  });
  if (r.code !== 0) {
    const failed = r.out.split('\n').filter((l) => /^\s*[×✗]/.test(l));
    throw new CheckFailure(
      `vitest ${version} run testing.test.mjs exited ${r.code}${failed.length ? `: ${failed[0].trim()}` : ''}`,
      tail(r.out, 60),
    );
  }
  // Colours may be on (FORCE_COLOR in CI): read the summary without the escape codes.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping terminal colour codes
  const out = r.out.replace(/\x1b\[[0-9;]*m/g, '');
  const passed = Number(out.match(/Tests\s+(\d+) passed/)?.[1] ?? 0);
  const props = out.split('\n').filter((l) => /✓.*> properties >/.test(l)).length;
  if (passed < 100 || props === 0) {
    throw new CheckFailure(
      `vitest ${version}: the conformance suite did not run (${passed} passed, ${props} fast-check property tests)`,
      tail(r.out),
    );
  }
  return `vitest ${version} + fast-check ${await installedVersion(dir, 'fast-check')}: conformance suite on cpu, ${passed} tests passed (${props} fast-check properties)`;
}

const TSCONFIG_BASE = {
  target: 'es2022',
  lib: ['es2022', 'dom'],
  strict: true,
  skipLibCheck: false,
  noEmit: true,
  forceConsistentCasingInFileNames: true,
};

/**
 * `tsc -p` the consumer with the monorepo's TypeScript as a Node project (`module` and
 * `moduleResolution` node16, with @types/node) or as a browser project (`bundler`, no ambient
 * types at all: a browser user need not install @types/node).
 */
export async function typecheck(dir, resolution, tscBin) {
  const options =
    resolution === 'node16'
      ? { module: 'node16', moduleResolution: 'node16', types: ['node'] }
      : { module: 'esnext', moduleResolution: 'bundler', types: [] };
  const file = `tsconfig.${resolution}.json`;
  await writeFile(join(dir, file), `${JSON.stringify({ compilerOptions: { ...TSCONFIG_BASE, ...options }, include: ['src'] }, null, 2)}\n`);
  const r = await exec(process.execPath, [tscBin, '-p', file, '--pretty', 'false'], { cwd: dir, timeoutMs: 240_000 });
  if (r.code !== 0) {
    const errors = r.out.split('\n').filter((l) => /error TS\d+/.test(l));
    throw new CheckFailure(
      `${errors.length} type error(s) under moduleResolution ${resolution}: ${errors[0] ?? `tsc exited ${r.code}`}`,
      tail(r.out, 40),
    );
  }
  const version = (await exec(process.execPath, [tscBin, '--version'])).out.trim();
  return `${version}, strict, lib es2022+dom, ${resolution === 'node16' ? 'types node' : 'no ambient types'}, skipLibCheck false: no errors`;
}
