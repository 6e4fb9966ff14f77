import { expect } from 'vitest';
import { PRIMITIVES, type Primitive } from '../primitives.js';
import { checkCoverage } from './coverage.js';
import { runFixtureCase } from './suite-ops.js';
import type { SuiteContext } from './suite.js';

/**
 * One test per primitive of the table: the fixture cases its row names exist and run it on this
 * device (Note [One table per primitive]). Backward-only primitives are left to the gradient
 * suite of `@dl/autograd/testing`, which runs the cases' gradients.
 */
export function registerCoverage(ctx: SuiteContext): void {
  for (const name of Object.keys(PRIMITIVES) as Primitive[]) {
    ctx.test(name, async () => {
      const c = await checkCoverage(name, ctx.device, (fc) => runFixtureCase(fc, ctx.device), false);
      expect(c.missing, `fixture cases named by primitive '${name}' missing from ops.json (run \`pnpm fixtures\`)`).toEqual([]);
      expect(c.status, `primitive '${name}' is not run by its fixture cases ${c.notRunning.join(', ')}`).not.toBe('uncovered');
    });
  }
}
