/** The `nn` namespace: `nn.Module`, `nn.Linear`, `nn.Parameter`, `nn.init`, `nn.utils`, … */
export {
  Module,
  Parameter,
  isParameter,
  type RemovableHandle,
  type ForwardHook,
  type ForwardPreHook,
  type LoadStateDictOptions,
  type IncompatibleKeys,
} from './module.js';
export { Linear, Identity, Flatten, Unflatten, Dropout, Embedding, type FactoryOptions, type EmbeddingOptions } from './layers/basic.js';
export { Conv1d, Conv2d, ConvTranspose1d, ConvTranspose2d, type ConvOptions } from './layers/conv.js';
export {
  MaxPool2d,
  AvgPool2d,
  AdaptiveAvgPool2d,
  MaxPool1d,
  AvgPool1d,
  AdaptiveAvgPool1d,
  AdaptiveMaxPool1d,
  AdaptiveMaxPool2d,
  MaxUnpool1d,
  MaxUnpool2d,
  type Pooled,
} from './layers/pool.js';
export { EmbeddingBag, type EmbeddingBagLayerOptions } from './layers/embedding-bag.js';
export {
  Upsample,
  UpsamplingNearest2d,
  UpsamplingBilinear2d,
  PixelShuffle,
  PixelUnshuffle,
  type UpsampleOptions,
} from './layers/upsample.js';
export { Fold, Unfold } from './layers/fold.js';
export {
  ZeroPad2d,
  ConstantPad1d,
  ConstantPad2d,
  ReflectionPad1d,
  ReflectionPad2d,
  ReplicationPad1d,
  ReplicationPad2d,
  ConstantPad3d,
  ReflectionPad3d,
  ReplicationPad3d,
  type PadSize,
} from './layers/padding.js';
export {
  BatchNorm1d,
  BatchNorm2d,
  LayerNorm,
  GroupNorm,
  InstanceNorm1d,
  InstanceNorm2d,
  InstanceNorm3d,
  type BatchNormOptions,
  type InstanceNormOptions,
} from './layers/norm.js';
export { ReLU, ReLU6, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Hardtanh, Softplus, Softmax, LogSoftmax } from './layers/activation.js';
export {
  Mish,
  Hardswish,
  Hardsigmoid,
  SELU,
  CELU,
  PReLU,
  GLU,
  LogSigmoid,
  Softmin,
  Softsign,
  Tanhshrink,
  Threshold,
  Hardshrink,
  Softshrink,
  type PReLUOptions,
  type InplaceArg,
} from './layers/activation-extra.js';
export {
  Sequential,
  ModuleList,
  ModuleDict,
  type SequentialConstructor,
  type ModuleDictConstructor,
  type ModuleChildren,
  type ChildAt,
  type ChildNamed,
} from './layers/container.js';
export type { ChildUnion, NamedChildProps } from './layers/container-children.js';
export {
  MSELoss,
  L1Loss,
  SmoothL1Loss,
  HuberLoss,
  BCELoss,
  BCEWithLogitsLoss,
  CrossEntropyLoss,
  NLLLoss,
  KLDivLoss,
} from './layers/loss.js';
export { CosineSimilarity, PairwiseDistance } from './layers/distance.js';
export {
  MarginRankingLoss,
  HingeEmbeddingLoss,
  SoftMarginLoss,
  MultiLabelSoftMarginLoss,
  MultiMarginLoss,
  MultiLabelMarginLoss,
  CosineEmbeddingLoss,
  TripletMarginLoss,
  TripletMarginWithDistanceLoss,
  PoissonNLLLoss,
  GaussianNLLLoss,
  CTCLoss,
} from './layers/loss-extra.js';
export { RNN, LSTM, GRU, type RNNOptions } from './layers/rnn.js';
export { RNNCell, LSTMCell, GRUCell, type RecurrentMode } from './layers/rnn-cell.js';
export {
  MultiheadAttention,
  NonDynamicallyQuantizableLinear,
  type MultiheadAttentionOptions,
  type MultiheadAttentionForwardOptions,
} from './layers/attention.js';
export {
  TransformerEncoderLayer,
  TransformerDecoderLayer,
  TransformerEncoder,
  TransformerDecoder,
  Transformer,
  type TransformerLayerOptions,
  type TransformerOptions,
  type TransformerActivation,
  type EncoderLayerMasks,
  type DecoderMasks,
} from './layers/transformer.js';
export * as init from './init.js';
export * as utils from './utils.js';
export * as functional from './functional/index.js';
