// Every guide in docs/guides (and the site's landing page) runs as written, prints what it shows,
// and typechecks (Note [Guides run as tests] in run-guide.ts).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { guideMissing } from './guide-setup.js';
import { expectGuideRuns, guideBlocks, guideRunDir, writeGuideModule } from './run-guide.js';

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

const missingFor = new Map<string, string | null>();
for (const f of guides) missingFor.set(f, await guideMissing(basename(f), readFileSync(f, 'utf8')));

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
