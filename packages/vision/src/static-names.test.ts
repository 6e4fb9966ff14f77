import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Minifiers rename classes, so `constructor.name` (used in reprs and messages) and `err.name` come
// out as 'Qr' unless each exported class names itself statically.
describe('exported classes name themselves statically (minify-safe)', () => {
  const root = new URL('./', import.meta.url);
  for (const dir of ['datasets', 'models']) {
    const base = new URL(`${dir}/`, root);
    for (const file of readdirSync(base).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
      const src = readFileSync(new URL(file, base), 'utf8');
      for (const [, name] of src.matchAll(/^export (?:abstract )?class (\w+)/gm)) {
        it(`${dir}/${file}: ${name}`, () => {
          expect(src, `add: static { Object.defineProperty(this, 'name', { value: '${name}' }); }`).toContain(
            `Object.defineProperty(this, 'name', { value: '${name}' })`,
          );
        });
      }
    }
  }
});
