/**
 * `@dl/tensor/internal` — plumbing between dl's own packages (autograd's hook and derivative
 * building blocks, the library scopes of the memory model). Not part of the public API and not
 * covered by semver: it changes with the packages that use it.
 *
 * @internal
 * @packageDocumentation
 */
import { claimInstance } from './instance-guard.js';
// Note [One copy of @dl/tensor]: autograd or nn bound to a second copy of @dl/tensor throws here.
claimInstance();
export { setAutogradHook, getAutogradHook, type AutogradHook } from './autograd-hook.js';
export { markParameter, type AutogradMeta } from './tensor-base.js';
export { proxyMisses } from './coercion.js';
export type { DiffOp, DiffOpParams } from './primitives.js';
export { runScope, runEscaping, escape, own, inScope, collectTensors, opBoundary } from './memory.js';
export { defineOp } from './dispatch.js';
export { sliceDims, reshapeTo } from './ops/views.js';
export { broadcastShapes as broadcastShapesFor } from './shape.js';
export { sliceBackward } from './ops/indexing.js';
export { diagonalBackward } from './ops/diagonal.js';
export { conv2dBackwardInput, conv2dBackwardWeight } from './ops/conv.js';
export { maxPool2dBackward, avgPool2dBackward, avgPoolDivisors } from './ops/pool.js';
export { thresholdBackward } from './ops/relu-backward.js';
export { runDetached } from './ops/composite.js';
export { fusedOptimizerStep } from './ops/foreach.js';
export { addmm } from './ops/addmm.js';
export { hardtanh } from './ops/hardtanh.js';
export { gelu, silu, leakyRelu, elu, softplus } from './ops/activations.js';
export {
  mish,
  hardswish,
  hardsigmoid,
  selu,
  celu,
  logsigmoid,
  softsign,
  tanhshrink,
  threshold,
  hardshrink,
  softshrink,
  glu,
  prelu,
  softmin,
} from './ops/activations-extra.js';
export { embedding } from './ops/embedding.js';
export { adaptiveAvgPool2d, adaptiveAvgPool2dBackward } from './ops/adaptive-pool.js';
export { convTranspose2d, type ConvTranspose2dParams } from './ops/conv-transpose.js';
export { conv1d } from './ops/conv1d.js';
export {
  mseLoss,
  smoothL1Loss,
  huberLoss,
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  nllLoss,
  type NllLossOptions,
} from './ops/losses.js';
export {
  batchNorm,
  batchNormBackward,
  layerNorm,
  layerNormBackward,
  groupNorm,
  normStats,
  groupShape,
  type BatchNormOpOptions,
  type NormStats,
} from './ops/normalization.js';
export { softmaxBackward } from './ops/softmax.js';
export { nllLossBackward } from './ops/losses.js';
export type { LossReduction } from './primitives.js';
export { checkOnDevice, DEFERRED_NOTE } from './ops/device-check.js';
export { toDType, toDTypeOpt, isDTypeName, isUnsupportedDTypeName, checkIntRange, intRangeError } from './dtype.js';
