import { Dataset } from '@dl/data';
import type { RawImage } from '../image.js';
import type { ReaderLimits } from './limits.js';

/** Options every vision dataset takes (as torchvision's keyword arguments). */
export interface VisionDatasetOptions<X = unknown, Y = unknown> {
  /** Folder holding the files (see each dataset for the layouts it finds). */
  root: string;
  /** Training split (default) or test split. */
  train?: boolean;
  /** Applied to each image (a {@link RawImage}) in `getItem`. */
  transform?: ((img: RawImage) => X) | undefined;
  /** Applied to each target (a class index) in `getItem`. */
  targetTransform?: ((target: number) => Y) | undefined;
  /**
   * Download missing files. Downloads are asynchronous, so use `await Dataset.create(opts)`;
   * the constructor only reads files already on disk.
   */
  download?: boolean;
  /** Download timeout per file in milliseconds (default 60 000). */
  timeoutMs?: number;
  /** Caps on what reading this dataset's files may allocate (default: `datasets.getReaderLimits()`). */
  limits?: Partial<ReaderLimits> | undefined;
}

/**
 * Images with class targets, transformed on read.
 *
 * @example
 * class Blank extends datasets.VisionDataset {
 *   get length() { return 10; }
 *   getRaw(i: number): [RawImage, number] { return [{ data: new Uint8Array(4), height: 2, width: 2, channels: 1 }, i % 2]; }
 * }
 * new Blank({ root: '.', transform: transforms.ToTensor() }).getItem(0)[0].shape; // → [1, 2, 2]
 */
export abstract class VisionDataset<X = RawImage, Y = number> extends Dataset<[X, Y]> {
  static {
    Object.defineProperty(this, 'name', { value: 'VisionDataset' }); // the name in messages and reprs, minified or not
  }
  readonly root: string;
  readonly train: boolean;
  readonly transform: ((img: RawImage) => X) | undefined;
  readonly targetTransform: ((target: number) => Y) | undefined;
  /** This dataset's reader caps (overrides of the process-wide `datasets.getReaderLimits()`). */
  readonly limits: Partial<ReaderLimits> | undefined;
  constructor(opts: VisionDatasetOptions<X, Y>) {
    super();
    this.root = opts.root;
    this.train = opts.train ?? true;
    this.transform = opts.transform;
    this.targetTransform = opts.targetTransform;
    this.limits = opts.limits;
  }
  /**
   * The untransformed image and target at `i`.
   *
   * @example
   * const mnist = new datasets.MNIST({ root: './data' });
   * const [img, label] = mnist.getRaw(0); // img: RawImage { height: 28, width: 28, channels: 1, data }
   */
  abstract getRaw(i: number): [RawImage, number];
  /**
   * The sample at `i` with `transform` applied to the image and `targetTransform` to the target, as torchvision's `__getitem__` (`ds.at(i)`
   * and DataLoaders call it).
   *
   * @example
   * const ds = new datasets.MNIST({ root: './data', transform: transforms.ToTensor() });
   * const [x, y] = ds.getItem(0); // x: float32 [1, 28, 28] in [0, 1], y: the label
   */
  getItem(i: number): [X, Y] {
    const [img, target] = this.getRaw(i);
    return [this.transform ? this.transform(img) : (img as X), this.targetTransform ? this.targetTransform(target) : (target as Y)];
  }
}
