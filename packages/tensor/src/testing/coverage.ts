import { PRIMITIVES, type Primitive } from '../primitives.js';
import { profileAsync } from '../profiler.js';
import { caseDTypes, loadFixtures, unsupportedDTypes, type FixtureCase } from './fixtures.js';

/** What running a primitive's fixture cases showed. */
export interface Coverage {
  /**
   * 'covered': a listed case ran the primitive; 'gradient': only the gradients of its cases can
   * (a backward op: the gradient suite runs them); 'exempt': the row says why it has no fixture;
   * 'unsupported': every listed case needs a dtype the device lacks; 'uncovered': none runs it.
   */
  status: 'covered' | 'gradient' | 'exempt' | 'unsupported' | 'uncovered';
  /** Case names the row lists that ops.json lacks (run `pnpm fixtures`). */
  missing: string[];
  /** Listed cases that ran without dispatching the primitive (and have no gradients to run it). */
  notRunning: string[];
}

/**
 * Check one primitive against the fixture cases its row names (Note [One table per primitive]):
 * each must exist in ops.json, and running them on `device` under the profiler must dispatch the
 * primitive (a kernel of that name or an autograd record). `run` executes a case (forward, or
 * forward and backward); with `gradients` false a case that does not run it but has gradients
 * counts as 'gradient' (left to the gradient suite).
 *
 * @example
 * const c = await checkCoverage('exp', 'cpu', (c) => runFixtureCase(c, 'cpu'), false);
 */
export async function checkCoverage(
  name: Primitive,
  device: string,
  run: (c: FixtureCase) => Promise<unknown>,
  gradients: boolean,
): Promise<Coverage> {
  const refs = PRIMITIVES[name].fixtures;
  if (!Array.isArray(refs)) return { status: 'exempt', missing: [], notRunning: [] };
  const byName = casesByName();
  const ids = refs as readonly string[];
  const missing = ids.filter((id) => !byName.has(id));
  const notRunning: string[] = [];
  let ran = 0;
  let viaGradient = false;
  for (const id of ids) {
    const c = byName.get(id);
    if (!c || unsupportedDTypes(caseDTypes(c), device)) continue;
    ran++;
    const prof = await profileAsync(() => run(c));
    if (prof.primitives.has(name)) return { status: 'covered', missing, notRunning };
    if (!gradients && c.grads?.some((g) => g)) viaGradient = true;
    else notRunning.push(id);
  }
  if (viaGradient) return { status: 'gradient', missing, notRunning };
  return { status: ran === 0 ? 'unsupported' : 'uncovered', missing, notRunning };
}

let index: Map<string, FixtureCase> | null = null;
function casesByName(): Map<string, FixtureCase> {
  index ??= new Map(loadFixtures().cases.map((c) => [c.name, c]));
  return index;
}
