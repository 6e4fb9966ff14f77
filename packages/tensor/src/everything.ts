/** @internal The root, backend and internal surfaces together (the shared test suites use all three). */
export * from './index.js';
export * from './backend-api.js';
export * from './internal.js';
