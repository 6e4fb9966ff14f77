// Every guide in docs/guides (and the site's landing page) runs as written, prints what it shows,
// and typechecks (Note [Guides run as tests] in run-guide.ts).
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guideMissing } from './guide-setup.js';
import { guideBlocks, guideRunDir, writeGuideModule } from './run-guide.js';

const docsDir = fileURLToPath(new URL('..', import.meta.url));
const guidesDir = join(docsDir, 'guides');
/** Pages outside docs/guides whose code blocks run too. */
const extraPages = ['index.md'].map((f) => join(docsDir, f)).filter((f) => existsSync(f));
const guides = [
  ...readdirSync(guidesDir)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => join(guidesDir, f)),
  ...extraPages,
].filter((f) => guideBlocks(readFileSync(f, 'utf8')).length > 0);

const cli = fileURLToPath(new URL('./run-guide-cli.ts', import.meta.url));

/** Run run-guide-cli.ts in a child process (tsx, the @dl/source condition) and read its result. */
async function inChild(arg: string): Promise<{ printed?: string[]; error?: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'dl-guide-result-'));
  const out = join(dir, 'result.json');
  try {
    await promisify(execFile)(process.execPath, ['--conditions=@dl/source', '--import', 'tsx', cli, arg, out], {
      cwd: docsDir,
      maxBuffer: 64 << 20,
    });
    return JSON.parse(readFileSync(out, 'utf8')) as { printed?: string[]; error?: string };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let probed: Promise<string | null> | undefined;
const probeWebgpu = () => (probed ??= inChild('--probe-webgpu').then((r) => r.error?.split('\n')[0] ?? null));
const missingFor = new Map<string, string | null>();
for (const f of guides) missingFor.set(f, await guideMissing(basename(f), readFileSync(f, 'utf8'), probeWebgpu));

/** Run the guide `file` in its own process and expect every block with shown output to print exactly that. */
async function expectGuideRuns(file: string): Promise<void> {
  const blocks = guideBlocks(readFileSync(file, 'utf8'));
  expect(blocks.length, `${file} has no ts block`).toBeGreaterThan(0);
  const r = await inChild(file);
  if (r.error !== undefined) throw new Error(r.error);
  blocks.forEach((b, i) => {
    if (b.expected !== null) expect(r.printed![i], `block at line ${b.line}`).toBe(b.expected);
  });
}

describe('guides', () => {
  it('finds the guides', () => {
    expect(guides.length).toBeGreaterThan(3);
  });
  for (const file of guides) {
    const name = file.slice(docsDir.length);
    const missing = missingFor.get(file) ?? null;
    if (missing) console.warn(`skipping ${name}: ${missing}`);
    it.skipIf(missing !== null)(`${name}: every block runs and prints what the guide shows`, () => expectGuideRuns(file), 300_000);
  }

  it('every guide typechecks (strict, as a user compiles it)', () => {
    const tag = 'tsc';
    const mods = guides.map((f) => writeGuideModule(f, guideBlocks(readFileSync(f, 'utf8')), tag));
    const config = join(guideRunDir, 'tsconfig.json');
    writeFileSync(
      config,
      JSON.stringify({
        extends: '../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, noUnusedLocals: false, noUnusedParameters: false, types: ['node'] },
        files: mods.map((m) => m.slice(guideRunDir.length + 1)),
      }),
    );
    try {
      const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
      const r = spawnSync(process.execPath, [tsc, '-p', config], { encoding: 'utf8' });
      expect(r.stdout + r.stderr, 'tsc on the guides').toBe('');
      expect(r.status).toBe(0);
    } finally {
      for (const m of mods) rmSync(m, { force: true });
      rmSync(config, { force: true });
    }
  }, 300_000);
});
