/**
 * @dl/demo — the LeNet-5 training demo as a library: what the CLI (`src/main.ts`) uses, and
 * `runLeNetSteps` for benchmarks.
 *
 * @example
 * import { runLeNetSteps } from '@dl/demo';
 * console.log((await runLeNetSteps(50)).stepsPerSecond);
 */
export { runLeNetSteps, trainStep, evaluate, makeOptimizer, type Classifier, type OptimizerName } from './train.js';
export { embeddedMnist, fashionMnist, MNIST_NORM, FASHION_NORM, type Splits } from './data.js';
export { plotHtml, progressLine, type History } from './report.js';
