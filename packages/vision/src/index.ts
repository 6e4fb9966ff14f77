/**
 * @dl/vision — datasets, transforms, models and image utils, as torchvision.
 *
 * @packageDocumentation
 *
 * @example
 * import { datasets, transforms, models, utils } from '@dl/vision';
 * const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]);
 * const ds = new datasets.FashionMNIST({ root: '/usr/share/datasets/fashion-mnist', transform: tf });
 * const net = models.lenet5();
 */
export * as datasets from './datasets/index.js';
export * as transforms from './transforms/index.js';
export * as models from './models/index.js';
export * as utils from './utils/index.js';
export { type RawImage, isRawImage } from './image.js';
