/** @internal The root, backend and internal surfaces together (the shared test suites use all three). */
export * from './index.js';
export * from './backend-api.js';
export * from './internal.js';
// the public dl.addmm (beta/alpha) over internal's one-node addmm of the same name (it calls it)
export { addmm } from './index.js';
