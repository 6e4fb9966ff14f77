/**
 * The randomized differential test against PyTorch 1.13 on `cpu`: every public Tensor method,
 * `dl.*` function and `F.*` function (tools/fixtures/differential.py), forward, errors and
 * gradients. It runs here because the `F.*` cases need `@dl/nn` and the gradients `@dl/autograd`,
 * which @dl/backend-cpu cannot depend on (they depend on it). webgpu: backend-webgpu/src/differential.test.ts.
 */
import '@dl/backend-cpu';
import { runDifferentialSuite } from '@dl/tensor/testing';
import { F } from './index.js';

runDifferentialSuite({ device: 'cpu', functional: F });
