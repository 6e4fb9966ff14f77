// The tarball half of check-packages: find the published packages, pack them as pnpm publishes
// them, and lint what a user would download (contents, publint, are-the-types-wrong).
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CheckFailure } from './report.mjs';
import { exec, tail } from './exec.mjs';

/**
 * The published packages: every `packages/<name>/package.json` that is not private.
 * @example await publishedPackages('/work/main'); // [{ name: '@dl/tensor', dir: '…/packages/tensor', … }, …]
 */
export async function publishedPackages(root) {
  const out = [];
  for (const d of (await readdir(join(root, 'packages'), { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const dir = join(root, 'packages', d.name);
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8').catch(() => '{"private":true}'));
    if (!manifest.private) out.push({ name: manifest.name, version: manifest.version, dir });
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** `pnpm pack` one package into `dest` (workspace: ranges become real ones, as on publish); the tarball's path. */
export async function pack(pkg, dest) {
  const r = await exec('pnpm', ['pack', '--pack-destination', dest, '--json'], { cwd: pkg.dir });
  if (r.code !== 0) throw new CheckFailure(`pnpm pack ${pkg.name} exited ${r.code}`, tail(r.out));
  const json = JSON.parse(r.out.slice(r.out.indexOf('{')));
  return json.filename;
}

async function tarList(tgz) {
  const r = await exec('tar', ['-tzf', tgz]);
  if (r.code !== 0) throw new CheckFailure(`tar -tzf ${tgz} exited ${r.code}`, tail(r.out));
  return r.out
    .split('\n')
    .filter(Boolean)
    .map((p) => p.replace(/^package\//, ''));
}

async function tarManifest(tgz) {
  const r = await exec('tar', ['-xzOf', tgz, 'package/package.json']);
  if (r.code !== 0) throw new CheckFailure(`no package/package.json in ${tgz}`, tail(r.out));
  return JSON.parse(r.out);
}

const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies'];

/**
 * What a user downloads: dist, types, README and LICENSE; no tests; no `workspace:` ranges; and
 * the metadata npm shows. Returns a one-line summary, throws a CheckFailure listing every problem.
 */
export async function inspectTarball(pkg, tgz) {
  const files = await tarList(tgz);
  const manifest = await tarManifest(tgz);
  const problems = [];
  for (const f of ['package.json', 'README.md', 'LICENSE']) if (!files.includes(f)) problems.push(`missing ${f}`);
  if (!files.some((f) => f.startsWith('dist/') && f.endsWith('.js'))) problems.push('no dist/*.js');
  if (!files.some((f) => f.startsWith('dist/') && f.endsWith('.d.ts'))) problems.push('no dist/*.d.ts');
  const tests = files.filter((f) => /\.(test|spec)\.[cm]?[jt]sx?$/.test(f) || /(^|\/)__tests__\//.test(f));
  if (tests.length) problems.push(`ships ${tests.length} test file(s): ${tests.slice(0, 3).join(', ')}${tests.length > 3 ? ', …' : ''}`);
  for (const field of DEP_FIELDS) {
    for (const [dep, range] of Object.entries(manifest[field] ?? {})) {
      if (String(range).startsWith('workspace:')) problems.push(`${field}.${dep} is '${range}'`);
    }
  }
  for (const field of ['license', 'description', 'repository', 'exports', 'types'])
    if (!manifest[field]) problems.push(`package.json has no "${field}"`);
  if (problems.length) throw new CheckFailure(`${pkg.name}: ${problems.length} problem(s)`, problems.map((p) => `    ${p}`).join('\n'));
  const deps = DEP_FIELDS.flatMap((f) =>
    Object.entries(manifest[f] ?? {})
      .filter(([d]) => d.startsWith('@dl/'))
      .map(([d, r]) => `${f === 'dependencies' ? '' : 'peer '}${d}@${r}`),
  );
  return `${files.length} files${deps.length ? `; ${deps.join(', ')}` : ''}`;
}

/** publint on the tarball: fails on errors, reports warnings and suggestions. */
export async function publintTarball(pkg, tgz) {
  const { publint } = await import('publint');
  const { formatMessage } = await import('publint/utils');
  const buf = await readFile(tgz);
  const { messages, pkg: manifest } = await publint({
    pack: { tarball: buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) },
    level: 'suggestion',
  });
  const count = (t) => messages.filter((m) => m.type === t).length;
  const lines = messages.map((m) => `    ${m.type}: ${formatMessage(m, manifest) ?? m.code}`).join('\n');
  if (count('error') > 0) throw new CheckFailure(`${pkg.name}: publint found ${count('error')} error(s)`, lines);
  if (lines) process.stdout.write(`${lines}\n`);
  return messages.length === 0 ? 'all good' : `${count('warning')} warning(s), ${count('suggestion')} suggestion(s)`;
}

/**
 * are-the-types-wrong on the tarball, profile `esm-only`: the packages are ESM-only by design, so
 * `require()` from CommonJS and node10 resolution are out of scope; node16 (ESM) and bundler
 * resolution of every entry point must find the types and they must match the JavaScript.
 */
export async function attwTarball(pkg, tgz, attwBin) {
  const r = await exec(process.execPath, [attwBin, tgz, '--profile', 'esm-only', '--format', 'ascii'], { timeoutMs: 180_000 });
  if (r.code !== 0) throw new CheckFailure(`${pkg.name}: attw exited ${r.code}`, tail(r.out, 60));
  const entries = (r.out.match(/^"[^"]+"$/gm) ?? []).length;
  return `no problems${entries ? ` in ${entries} entry points` : ''} (node16-ESM, bundler)`;
}
