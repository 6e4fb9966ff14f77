export { MNIST, FashionMNIST } from './mnist.js';
export { CIFAR10, untar } from './cifar.js';
export { ImageFolder, decodeImage, IMG_EXTENSIONS } from './folder.js';
export { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';
export { DatasetNotFoundError, CorruptDatasetError, DownloadError } from './errors.js';
export { parseIdx, encodeIdx, type Idx } from './idx.js';
export { downloadFile } from './io.js';
