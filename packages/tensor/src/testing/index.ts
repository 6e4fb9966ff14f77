/**
 * `@dl/tensor/testing` — the conformance suite every backend runs, the PyTorch fixtures it
 * checks against, and the op table `@dl/autograd` reuses for gradient checks.
 *
 * @example
 * import { runConformanceSuite } from '@dl/tensor/testing';
 * import '@dl/backend-cpu';
 * runConformanceSuite({ device: 'cpu' });
 *
 * @packageDocumentation
 */
export { runConformanceSuite, type ConformanceOptions } from './suite.js';
export { runDifferentialSuite, runDifferentialCase, type DifferentialOptions } from './suite-differential.js';
export { opCases, type OpCase, type DL, type Kwargs } from './op-cases.js';
export {
  loadFixtures,
  makeInput,
  compareWithFixture,
  fixtureData,
  fixtureNumber,
  fixtureValue,
  caseDTypes,
  unsupportedDTypes,
  FLOAT32_TOLERANCE,
  type Fixtures,
  type FixtureCase,
  type FixtureTensor,
  type FixtureNumber,
  type StringCase,
  type PromotionCase,
  type PromotionOperand,
  type Tolerance,
} from './fixtures.js';
export { runFixtureCase } from './suite-ops.js';
export { expectError } from './suite-errors.js';
export { checkCoverage, type Coverage } from './coverage.js';
export { edgeCases, loadEdgeFixtures, type EdgeCase, type EdgeFixture, type EdgeFixtures } from './edge-cases.js';
export {
  loadFastPathFixtures,
  fastPathValues,
  fastPathInput,
  fastPathMismatches,
  watchFastSeams,
  withoutFastSeams,
  type FastPathCase,
  type FastPathInput,
  type FastPathOutput,
  type FastSeams,
} from './fast-path-fixtures.js';
export * as dlAll from '../everything.js';
