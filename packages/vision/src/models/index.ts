export { LeNet5, lenet5, mlp } from './lenet.js';
export { ResNet, BasicBlock, Bottleneck, resnet18, resnet34, resnet50, resnet101, resnet152, PretrainedWeightsError, type ResNetOptions, type ResNetFactoryOptions } from './resnet.js';
