import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { version } from './version.js';

describe('version', () => {
  it("equals package.json's version (after `changeset version`, run `pnpm --filter @dl/tensor sync-version`)", () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    expect(version, 'src/version.ts is stale: run `pnpm --filter @dl/tensor sync-version`').toBe(pkg.version);
    expect(dl.version).toBe(pkg.version);
  });
});
