/**
 * `@dl/autograd/testing` — gradient conformance: every differentiable fixture case of
 * `@dl/tensor/testing` has its gradients checked against PyTorch's, on any device.
 *
 * @example
 * import { runGradientSuite } from '@dl/autograd/testing';
 * import '@dl/backend-cpu';
 * runGradientSuite({ device: 'cpu' });
 *
 * @packageDocumentation
 */
import { describe, expect, it } from 'vitest';
import type * as dl from '@dl/tensor';
import { PRIMITIVES, type Primitive } from '@dl/tensor/backend';
import {
  caseDTypes,
  checkCoverage,
  compareWithFixture,
  dlAll,
  loadFixtures,
  makeInput,
  opCases,
  runFixtureCase,
  unsupportedDTypes,
  type FixtureCase,
} from '@dl/tensor/testing';
import '../index.js';

/** Options of {@link runGradientSuite}. */
export interface GradientSuiteOptions {
  device: string;
  /** case name → reason it is skipped on this device (printed). */
  skip?: Record<string, string>;
  /** Relative/absolute tolerance for float32 gradients (default 1e-4 / 1e-5). */
  tol?: { rtol?: number; atol?: number };
}

async function gradsOf(c: FixtureCase, device: string): Promise<(dl.Tensor | null)[]> {
  const inputs = c.inputs.map((s) => makeInput(s, device, { requiresGrad: s.dtype === 'float32' || s.dtype === 'float64' }));
  const raw = await opCases[c.op]!(dlAll, inputs, c.kwargs);
  const outs = Array.isArray(raw) ? raw : [raw];
  let loss: dl.Tensor | null = null;
  outs.forEach((o, k) => {
    const w = c.weights?.[k];
    if (!w || !o.requiresGrad) return;
    const term = o.mul(makeInput({ ...w, layout: undefined }, device)).sum();
    loss = loss ? loss.add(term) : term;
  });
  if (!loss) throw new Error(`${c.name}: no differentiable output`);
  (loss as dl.Tensor).backward();
  return inputs.map((t) => t.grad);
}

/** Register vitest tests: gradients of every fixture case with `grads` on `options.device`. */
export function runGradientSuite(options: GradientSuiteOptions): void {
  const { cases } = loadFixtures();
  const withGrads = cases.filter((c) => c.grads && c.grads.some((g) => g));
  describe(`autograd gradients vs PyTorch on ${options.device}`, () => {
    for (const c of withGrads) {
      // Cases with a dtype the backend lacks (float64 on webgpu) are skipped, saying so: now if
      // the device is initialised, else when the test runs.
      let missing: string | null = null;
      try {
        missing = unsupportedDTypes(caseDTypes(c), options.device);
      } catch {
        // device not ready yet
      }
      const reason = options.skip?.[c.name] ?? missing;
      if (reason) {
        it.skip(`${c.name} — skipped: ${reason}`, () => {});
        continue;
      }
      it(c.name, async (t) => {
        const late = unsupportedDTypes(caseDTypes(c), options.device);
        if (late) t.skip(`skipped on ${options.device}: ${late}`);
        const grads = await gradsOf(c, options.device);
        for (let i = 0; i < c.inputs.length; i++) {
          const expected = c.grads![i];
          if (!expected) continue;
          const g = grads[i];
          expect(g, `${c.name}: input ${i} got no gradient`).toBeTruthy();
          const err = await compareWithFixture(g!, expected, { rtol: 1e-4, atol: 1e-5, ...options.tol, ...c.tol });
          expect(err, `${c.name} (${c.op} ${JSON.stringify(c.kwargs)}) grad of input ${i}`).toBeNull();
        }
      });
    }
    it('covers the differentiable fixture cases', () => {
      expect(withGrads.length).toBeGreaterThan(50);
    });
  });
  describe(`primitives run by their fixtures' gradients on ${options.device}`, () => {
    // Backward-only primitives (conv2dBackwardInput, sliceBackward…) are reached through the
    // gradients of the cases their row names (the conformance suite checks the forward ones).
    const run = async (c: FixtureCase) => (c.grads?.some((g) => g) ? gradsOf(c, options.device) : runFixtureCase(c, options.device));
    for (const name of Object.keys(PRIMITIVES) as Primitive[]) {
      it(name, async () => {
        const c = await checkCoverage(name, options.device, run, true);
        expect(c.missing, `cases named by '${name}' missing from ops.json`).toEqual([]);
        expect(c.status, `primitive '${name}' is not run by its fixture cases ${c.notRunning.join(', ')} (nor their gradients)`).not.toBe(
          'uncovered',
        );
      });
    }
  });
}
