export {
  Compose,
  ToTensor,
  Normalize,
  Resize,
  CenterCrop,
  RandomCrop,
  RandomHorizontalFlip,
  RandomRotation,
  ColorJitter,
  Lambda,
  type Transform,
} from './transforms.js';
export * as functional from './functional.js';
export type { Image } from './planar.js';
export type { RandomOpts } from './transforms.js';
