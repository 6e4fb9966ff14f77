/**
 * `torch.nn.functional` in camelCase: activations, linear/conv/pooling, normalisation,
 * dropout, embedding, padding and every loss.
 *
 * @example
 * import { F } from '@dl/nn';
 * F.softmax(F.linear(x, w, b), 1);
 */
export * from './activation.js';
export * from './conv.js';
export * from './pad.js';
export * from './pool1d.js';
export * from './interpolate.js';
export * from './fold.js';
export * from './pixel-shuffle.js';
export * from './embedding-bag.js';
export * from './unpool.js';
export * from './norm.js';
export * from './loss.js';
export * from './distance.js';
export * from './loss-extra.js';
export * from './ctc.js';
export { scaledDotProductAttention, type ScaledDotProductAttentionOptions } from './attention.js';
export { multiHeadAttentionForward, type MultiHeadAttentionForwardOptions } from './multi-head-attention.js';
