/**
 * Layers name themselves for the repr with a static `name` (as the containers and the vision
 * models), so `toString()` prints `Linear(...)` even after a minifier renamed the classes.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '@dl/backend-cpu';
import { Module, nn } from '../index.js';

const dir = new URL('.', import.meta.url);
const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));

describe('layer repr names', () => {
  it('every exported layer class declares its name in a static block', () => {
    const missing: string[] = [];
    for (const f of sources) {
      const src = readFileSync(new URL(f, dir), 'utf8');
      for (const m of src.matchAll(
        /^export class (\w+)\b[^\n]*\{\n(?: {2}static \{\n {4}Object\.defineProperty\(this, 'name', \{ value: '(\w+)' \}\))?/gm,
      )) {
        if (m[2] !== m[1]) missing.push(`${f}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('the static name is the exported name and the repr prints it', () => {
    const layers = Object.entries(nn as Record<string, unknown>).filter(
      (e): e is [string, typeof Module] => typeof e[1] === 'function' && e[1].prototype instanceof Module,
    );
    expect(layers.length).toBeGreaterThan(30);
    for (const [key, cls] of layers) expect(cls.name, key).toBe(key);
    expect(new nn.Linear(2, 3).toString()).toBe('Linear(in_features=2, out_features=3, bias=True)');
    expect(new nn.ReLU6().toString()).toBe('ReLU6()');
    expect(new nn.Conv2d(1, 2, 3).toString()).toBe('Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1))');
  });
});
