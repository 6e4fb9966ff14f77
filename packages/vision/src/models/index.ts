export { LeNet5, lenet5, mlp } from './lenet.js';
export {
  ResNet,
  BasicBlock,
  Bottleneck,
  resnet18,
  resnet34,
  resnet50,
  resnet101,
  resnet152,
  type ResNetOptions,
  type ResNetFactoryOptions,
  type BlockCtor,
} from './resnet.js';
export { PretrainedWeightsError, loadWeights, type ModelWeights, type WeightsOptions } from './weights.js';
