import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '../everything.js';
import { unsupportedDTypes, type Tolerance } from './fixtures.js';
import type { DType } from '../dtype.js';
import { registerOpCases, registerStringCases } from './suite-ops.js';
import { registerExamples } from './suite-examples.js';
import { registerProperties } from './suite-props.js';
import { registerErrors } from './suite-errors.js';
import { registerEdgeCases } from './suite-edges.js';
import { registerSyncOnly } from './suite-sync.js';
import { registerCoverage } from './suite-coverage.js';
import { registerProfiler } from './suite-profiler.js';
import { registerIndexing } from './suite-indexing.js';

/** Options of {@link runConformanceSuite}. */
export interface ConformanceOptions {
  /** The device under test (registered by importing its backend package). */
  device: string;
  /** Test name → why it is skipped on this device (the reason is printed with the test). */
  skip?: Record<string, string>;
  /** Float32 comparison tolerance (defaults `{ rtol: 1e-5, atol: 1e-5 }`). */
  tolerance?: Tolerance;
  /** A second registered device for device-mismatch tests (default: 'cpu' when testing another device). */
  otherDevice?: string;
  /** Run once before the suite (e.g. `await dl.initBackend('webgpu')`). */
  setup?: () => Promise<void>;
  /** Run once after the suite. */
  teardown?: () => Promise<void>;
}

/** @internal What each section of the suite registers tests with. */
export interface SuiteContext {
  device: string;
  tol: Tolerance;
  otherDevice: string | undefined;
  /**
   * Register a test unless the skip list names it; the name is the skip key. A test that needs
   * `dtypes` the backend lacks (`backend.dtypes`, e.g. float64 on webgpu) is skipped with the reason.
   */
  test(name: string, fn: () => Promise<void> | void, needs?: { dtypes?: readonly DType[] }): void;
  /** Does the backend under test have this dtype (throws before the device is ready)? */
  hasDType(dtype: DType): boolean;
  /** Does the backend under test read synchronously (cpu-style extras)? */
  syncRead(): boolean;
}

/**
 * Register the shared backend conformance tests (vitest `describe`/`it`) for one device: every
 * PyTorch fixture case, the tensor-semantics examples (views, strides, in-place, `out`), random
 * streams, property tests for broadcasting and views, and error classes. Values are read with
 * `await t.data()` so asynchronous backends pass the same tests. Each skip entry names a test
 * (its full name within the suite, as printed) and says why. Cases that need a dtype the backend
 * does not list in `backend.dtypes` (float64 on webgpu) are skipped without an entry, the reason
 * printed in the test's title.
 *
 * @example
 * // packages/backend-x/src/conformance.test.ts
 * import { runConformanceSuite } from '@dl/tensor/testing';
 * import './index.js';
 * runConformanceSuite({ device: 'x', skip: { 'ops/sort_large': 'why it cannot pass on x' } });
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const skip = new Map(Object.entries(options.skip ?? {}));
  const used = new Set<string>();
  const prefix: string[] = [];
  const ctx: SuiteContext = {
    device: options.device,
    tol: options.tolerance ?? {},
    otherDevice: options.otherDevice ?? (options.device !== 'cpu' ? 'cpu' : undefined),
    test(name, fn, needs) {
      const full = [...prefix, name].join('/');
      const reason = skip.get(full);
      if (reason !== undefined) {
        used.add(full);
        it.skip(`${name} [skipped on ${options.device}: ${reason}]`, () => {});
        return;
      }
      const dtypes = needs?.dtypes ?? [];
      const missing = () => (dtypes.length ? unsupportedDTypes(dtypes, options.device) : null);
      // Known now when the device is already initialised: skip with the reason in the title.
      let early: string | null = null;
      try {
        early = missing();
      } catch {
        // not ready yet (initialised in beforeAll): decided when the test runs
      }
      if (early) {
        it.skip(`${name} [skipped on ${options.device}: ${early}]`, () => {});
        return;
      }
      it(name, async (t) => {
        const late = missing();
        if (late) t.skip(`skipped on ${options.device}: ${late}`);
        await fn();
      });
    },
    hasDType: (dtype) => dl.getBackend(options.device).dtypes.includes(dtype),
    syncRead: () => typeof dl.getBackend(options.device).readSync === 'function',
  };
  const section = (name: string, body: () => void) =>
    describe(name, () => {
      prefix.push(name);
      try {
        body();
      } finally {
        prefix.pop();
      }
    });

  describe(`conformance: ${options.device}`, () => {
    beforeAll(async () => {
      await options.setup?.();
      await dl.initBackend(options.device);
    });
    afterAll(async () => {
      await options.teardown?.();
    });
    section('ops', () => registerOpCases(ctx));
    section('examples', () => registerExamples(ctx));
    section('properties', () => registerProperties(ctx));
    section('errors', () => registerErrors(ctx));
    section('edges', () => registerEdgeCases(ctx));
    section('primitives', () => registerCoverage(ctx));
    section('profiler', () => registerProfiler(ctx));
    section('indexing', () => registerIndexing(ctx));
    section('sync', () => {
      registerStringCases(ctx);
      registerSyncOnly(ctx);
    });
    it('skip list names only existing tests', () => {
      const stale = [...skip.keys()].filter((k) => !used.has(k));
      expect(stale, 'skip entries that match no test').toEqual([]);
    });
  });
}
