#!/usr/bin/env node
// Sum vitest's per-package "Tests  N passed | M skipped | K failed" lines from a turbo log (stdin)
// and print one plain closing line: "tests: N passed, K failed, M skipped".
import { readFileSync } from 'node:fs';

const log = readFileSync(0, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
let passed = 0;
let failed = 0;
let skipped = 0;
let files = 0;
for (const line of log.split('\n')) {
  const m = line.match(/^\S*:?\s*Tests\s+(.*)\(\d+\)\s*$/);
  if (!m) continue;
  files++;
  for (const [, n, what] of m[1].matchAll(/(\d+) (passed|failed|skipped)/g)) {
    if (what === 'passed') passed += Number(n);
    else if (what === 'failed') failed += Number(n);
    else skipped += Number(n);
  }
}
if (files === 0) {
  console.log('tests: 0 passed, 1 failed (no vitest summary found in the log)');
  process.exit(1);
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
