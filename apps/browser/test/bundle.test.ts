/**
 * The page bundle (what a browser gets) pulls in no Node built-in and no test-only module.
 * Runs the same esbuild step as `pnpm --filter @dl/browser-check build`, in memory.
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { appDir, assertBrowserClean, buildPage, testOnlyInputs } from '../src/build.js';

describe('browser bundle', () => {
  it('bundles the page with conditions=[source], platform=browser and no Node built-ins', async () => {
    const r = await buildPage();
    expect(r.errors).toEqual([]);
    expect(r.builtins).toEqual([]);
    expect(testOnlyInputs(r)).toEqual([]);
    expect(() => assertBrowserClean(r)).not.toThrow();
    // the sources of every package the page uses, not their dist
    for (const pkg of ['tensor', 'autograd', 'backend-cpu', 'backend-webgpu', 'nn', 'optim']) {
      expect(r.inputs.some((f) => f.startsWith(`packages/${pkg}/src/`))).toBe(true);
    }
    expect(r.inputs.some((f) => f.includes('/dist/'))).toBe(false);
    expect(r.code).toBeDefined();
    expect(r.code!).not.toMatch(/\brequire\(/);
  });

  it('the check catches static and dynamic Node built-in imports', async () => {
    const r = await buildPage({ entry: join(appDir, 'test/fixtures/uses-node.ts') });
    expect(r.builtins.map((b) => `${b.path} ${b.kind}`).sort()).toEqual(['node:fs import-statement', 'worker_threads dynamic-import']);
    expect(() => assertBrowserClean(r)).toThrow(/imports Node built-in "node:fs"/);
  });
});
