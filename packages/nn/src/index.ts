/**
 * @dl/nn — modules, layers, losses, `functional` and `init`, as `torch.nn`.
 *
 * @packageDocumentation
 *
 * @example
 * import * as dl from '@dl/tensor';
 * import '@dl/backend-cpu';
 * import { nn, F } from '@dl/nn';
 * const net = new nn.Sequential(new nn.Linear(20, 13), new nn.ReLU(), new nn.Linear(13, 3));
 * F.softmax(net(dl.rand(5, 20)), 1);   // modules are called, as in PyTorch
 * console.log(net); // Sequential(\n  (0): Linear(in_features=20, out_features=13, bias=True) …
 */
export * as nn from './nn.js';
export * as F from './functional/index.js';
export * as init from './init.js';
export { Module, Parameter, isParameter, pyName, type ParameterConstructor } from './module.js';
