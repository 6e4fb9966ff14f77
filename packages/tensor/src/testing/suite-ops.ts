import { expect } from 'vitest';
import * as dl from '../everything.js';
import type { Tensor } from '../tensor.js';
import { caseDTypes, compareWithFixture, fixtureData, loadFixtures, makeInput, type FixtureCase } from './fixtures.js';
import { opCases } from './op-cases.js';
import type { SuiteContext } from './suite.js';

/** Run one fixture case on `device`; returns the outputs as a list. */
export async function runFixtureCase(c: FixtureCase, device: string): Promise<Tensor[]> {
  const fn = opCases[c.op];
  if (!fn) throw new Error(`no opCases entry for op '${c.op}' (case ${c.name})`);
  const inputs = c.inputs.map((s) => makeInput(s, device));
  const out = await fn(dl, inputs, c.kwargs);
  return Array.isArray(out) ? out : [out];
}

export function registerOpCases(ctx: SuiteContext): void {
  const { cases } = loadFixtures();
  for (const c of cases) {
    ctx.test(
      c.name,
      async () => {
        const outs = await runFixtureCase(c, ctx.device);
        expect(outs.length, `${c.name}: number of outputs`).toBe(c.outputs.length);
        for (let i = 0; i < outs.length; i++) {
          expect(outs[i]!.device, `${c.name}: output ${i} device`).toBe(ctx.device);
          const err = await compareWithFixture(outs[i]!, c.outputs[i]!, { ...ctx.tol, ...c.tol });
          expect(err, `${c.name} (${c.op} ${JSON.stringify(c.kwargs)}) output ${i}`).toBeNull();
        }
      },
      { dtypes: caseDTypes(c) },
    );
  }
  ctx.test('every op key has a case function', () => {
    const missing = [...new Set(cases.map((c) => c.op))].filter((op) => !opCases[op]);
    expect(missing).toEqual([]);
  });
}

/** `toString()` against PyTorch's `str(t)` (needs a synchronous read: cpu-style backends). */
export function registerStringCases(ctx: SuiteContext): void {
  const { strings } = loadFixtures();
  for (const s of strings) {
    ctx.test(
      `toString/${s.name}`,
      async () => {
        if (!ctx.syncRead() || ctx.device !== 'cpu') {
          // Other devices print a device suffix; check the async format() shape at least.
          const t = dl.tensor(fixtureData(s.input), { dtype: s.input.dtype, device: ctx.device }).reshape(s.input.shape);
          expect(await t.format()).toContain('tensor(');
          return;
        }
        const t = dl.tensor(fixtureData(s.input), { dtype: s.input.dtype, device: ctx.device }).reshape(s.input.shape);
        if (s.input.requiresGrad) t.requiresGrad = true;
        expect(t.toString()).toBe(s.expected);
        expect(await t.format()).toBe(s.expected);
      },
      { dtypes: caseDTypes(s) },
    );
  }
}
