// node --test scripts/doc-coverage.test.mjs: the coverage script's counting, on a tiny TypeDoc project.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { collectProject, convertWithTypedoc, report, tally } from './doc-coverage.mjs';

const fixture = fileURLToPath(new URL('./doc-coverage-fixture/', import.meta.url));

test('counts public functions, classes, methods and object members once each, with comments and examples', {
  timeout: 120_000,
}, async () => {
  const project = await convertWithTypedoc(fixture);
  const byPkg = collectProject(project);
  const items = Object.values(byPkg)[0];
  // A member inherited from the unexported Base counts once, under the first subclass that shows it.
  const inherited = items.filter((i) => i.name.endsWith('.inherited'));
  assert.deepEqual(
    inherited.map((i) => [i.category, i.comment, i.example]),
    [['method', true, false]],
  );
  const got = Object.fromEntries(
    items.map((i) => [
      i.name.endsWith('.inherited') ? '*.inherited' : i.name,
      `${i.category}:${i.comment ? 'c' : '-'}${i.example ? 'e' : '-'}`,
    ]),
  );
  assert.deepEqual(got, {
    Thing: 'class:ce',
    'Thing.over': 'method:ce',
    'Thing.undocumented': 'method:--',
    'Thing.mapped': 'method:ce',
    'Thing.bare': 'method:--',
    '*.inherited': 'method:c-',
    documented: 'function:c-',
    bare: 'function:--',
    arrow: 'function:ce',
    'ns.member': 'callable:ce',
    'ns.other': 'callable:--',
    Other: 'class:ce',
  });
  const t = tally(items);
  assert.equal(t.total, 12);
  assert.equal(t.comment, 8);
  assert.equal(t.example, 6);
  const { text } = report(byPkg);
  const missing = text.slice(text.indexOf('no doc comment (4):'), text.indexOf('comment but no @example'));
  for (const name of ['Thing.undocumented', 'Thing.bare', 'bare', 'ns.other'])
    assert.ok(missing.includes(name), `${name} listed as undocumented`);
  assert.match(text, /comment but no @example \(2\):\n.*(\w+\.inherited.*documented|documented.*\w+\.inherited)/);
});
