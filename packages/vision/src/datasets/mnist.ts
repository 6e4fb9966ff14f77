import { IndexError, type Tensor, fromArray } from '@dl/tensor';
import type { RawImage } from '../image.js';
import { CorruptDatasetError, DatasetNotFoundError } from './errors.js';
import { readIdxFile } from './idx.js';
import { downloadFile, firstExisting } from './io.js';
import { node } from './node-builtins.js';
import { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';

/** One file of a dataset's download: its name and checksum. */
export interface Resource {
  file: string;
  md5: string;
}

/**
 * MNIST handwritten digits (IDX files, gzipped or not). Finds the four files
 * (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`, `t10k-images-idx3-ubyte`,
 * `t10k-labels-idx1-ubyte`, each optionally `.gz`) in `root/MNIST/raw/` (torchvision's
 * layout), `root/MNIST/`, `root/raw/` or `root/` itself. Items are `[image, label]` with the
 * image a 28×28×1 {@link RawImage} until a transform changes it. `data` (uint8 N×28×28) and
 * `targets` (int32 N) hold everything as tensors.
 *
 * @example
 * const ds = new datasets.MNIST({ root: './data', train: true, transform: transforms.ToTensor() });
 * const ds2 = await datasets.MNIST.create({ root: './data', download: true });
 */
export class MNIST<X = RawImage, Y = number> extends VisionDataset<X, Y> {
  static {
    Object.defineProperty(this, 'name', { value: 'MNIST' }); // the name in messages and reprs, minified or not
  }
  static readonly mirrors: readonly string[] = ['https://ossci-datasets.s3.amazonaws.com/mnist/', 'http://yann.lecun.com/exdb/mnist/'];
  static readonly resources: readonly Resource[] = [
    { file: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
    { file: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
    { file: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
    { file: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
  ];
  static readonly classes: readonly string[] = [
    '0 - zero',
    '1 - one',
    '2 - two',
    '3 - three',
    '4 - four',
    '5 - five',
    '6 - six',
    '7 - seven',
    '8 - eight',
    '9 - nine',
  ];

  /** uint8 pixels, N×H×W (all images at once). */
  readonly images: Uint8Array;
  /** Class index per image. */
  readonly labels: Uint8Array;
  readonly height: number;
  readonly width: number;
  private _data: Tensor | undefined;
  private _targets: Tensor | undefined;

  /** Reads the files already on disk (throws {@link DatasetNotFoundError} saying what to put where). */
  constructor(opts: VisionDatasetOptions<X, Y>) {
    super(opts);
    const ctor = this.constructor as typeof MNIST;
    const split = this.train ? 'train' : 't10k';
    const imgPath = ctor.locate(opts.root, `${split}-images-idx3-ubyte`);
    const lblPath = ctor.locate(opts.root, `${split}-labels-idx1-ubyte`);
    if (!imgPath || !lblPath) throw ctor.notFound(opts.root, split, opts.download === true);
    const img = readIdxFile(imgPath, 3, opts.limits, ctor.name);
    const lbl = readIdxFile(lblPath, 1, opts.limits, ctor.name);
    if (img.dims[0] !== lbl.dims[0]) {
      throw new CorruptDatasetError(`${ctor.name}: ${imgPath} has ${img.dims[0]} images but ${lblPath} has ${lbl.dims[0]} labels`, {
        hint: 'the two files belong to different splits or one is damaged',
      });
    }
    const bad = lbl.data.findIndex((v) => v >= ctor.classes.length);
    if (bad >= 0)
      throw new CorruptDatasetError(
        `${ctor.name}: ${lblPath}: label ${lbl.data[bad]} at index ${bad} is out of range 0..${ctor.classes.length - 1}`,
      );
    this.images = img.data;
    this.labels = lbl.data;
    this.height = img.dims[1]!;
    this.width = img.dims[2]!;
  }

  /**
   * Download missing files when `download` is set (checksummed, atomic), then construct.
   *
   * @example
   * const train = await datasets.MNIST.create({ root: './data', download: true, transform: transforms.ToTensor() });
   */
  static async create<X = RawImage, Y = number>(
    this: new (
      o: VisionDatasetOptions<X, Y>,
    ) => MNIST<X, Y>,
    opts: VisionDatasetOptions<X, Y>,
  ): Promise<MNIST<X, Y>> {
    const ctor = this as unknown as typeof MNIST;
    if (opts.download) await ctor.download(opts.root, opts.timeoutMs);
    return new this(opts);
  }

  /**
   * Fetch the four files into `root/<Name>/raw/` unless present (tries each mirror).
   *
   * @example
   * await datasets.MNIST.download('./data'); // then new datasets.MNIST({ root: './data' })
   */
  static async download(root: string, timeoutMs?: number): Promise<void> {
    const { path } = node();
    const raw = path.join(root, this.name, 'raw');
    for (const r of this.resources) {
      if (this.locate(root, r.file.replace(/\.gz$/, ''))) continue;
      const errors: string[] = [];
      for (const m of this.mirrors) {
        try {
          await downloadFile(m + r.file, path.join(raw, r.file), { md5: r.md5, ...(timeoutMs ? { timeoutMs } : {}) });
          errors.length = 0;
          break;
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
      if (errors.length)
        throw new DatasetNotFoundError(`${this.name}: could not download ${r.file}:\n  ${errors.join('\n  ')}`, {
          hint: this.placeHint(root),
        });
    }
  }

  /**
   * Where a file may be: `root/<Name>/raw`, `root/<Name>`, `root/raw`, `root`; plain or `.gz`.
   *
   * @example
   * datasets.MNIST.locate('./data', 'train-images-idx3-ubyte'); // → 'data/MNIST/raw/train-images-idx3-ubyte.gz' (plain or .gz) or undefined
   */
  static locate(root: string, base: string): string | undefined {
    const { path } = node();
    const dirs = [path.join(root, this.name, 'raw'), path.join(root, this.name), path.join(root, 'raw'), root];
    return firstExisting(dirs.flatMap((d) => [path.join(d, base), path.join(d, `${base}.gz`)]));
  }

  private static placeHint(root: string): string {
    const { path } = node();
    return `put ${this.resources.map((r) => r.file).join(', ')} (gzipped or not) in ${path.join(root, this.name, 'raw')} or in ${root}; they are at ${this.mirrors[0]}`;
  }

  private static notFound(root: string, split: string, wantedDownload: boolean): DatasetNotFoundError {
    return new DatasetNotFoundError(
      `${this.name}: ${split}-images-idx3-ubyte[.gz] / ${split}-labels-idx1-ubyte[.gz] not found under ${root}` +
        (wantedDownload ? ` (the constructor does not download: use \`await datasets.${this.name}.create({ ..., download: true })\`)` : ''),
      { hint: this.placeHint(root) },
    );
  }

  get classes(): readonly string[] {
    return (this.constructor as typeof MNIST).classes;
  }
  get length(): number {
    return this.labels.length;
  }
  /**
   * The untransformed 28×28×1 image and label at `i`; an IndexError out of range.
   *
   * @example
   * const mnist = new datasets.MNIST({ root: './data', train: false });
   * const [img, label] = mnist.getRaw(0); // img.height → 28, img.channels → 1
   */
  getRaw(i: number): [RawImage, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new IndexError(`${this.constructor.name}: index ${i} is out of range for ${this.length} images`);
    const n = this.height * this.width;
    return [{ data: this.images.slice(i * n, (i + 1) * n), height: this.height, width: this.width, channels: 1 }, this.labels[i]!];
  }
  /** All images as a uint8 tensor N×H×W (cpu, sharing memory). */
  get data(): Tensor {
    return (this._data ??= fromArray(this.images, [this.length, this.height, this.width], { device: 'cpu' }));
  }
  /** All labels as an int32 tensor. */
  get targets(): Tensor {
    return (this._targets ??= fromArray(Int32Array.from(this.labels), [this.length], { device: 'cpu' }));
  }
}

/**
 * Fashion-MNIST (Zalando): the MNIST format and layout, ten clothing classes. Also reads
 * Debian's `dataset-fashion-mnist` package as is: `root: '/usr/share/datasets/fashion-mnist'`.
 *
 * @example
 * const ds = new datasets.FashionMNIST({ root: '/usr/share/datasets/fashion-mnist', train: false });
 */
export class FashionMNIST<X = RawImage, Y = number> extends MNIST<X, Y> {
  static {
    Object.defineProperty(this, 'name', { value: 'FashionMNIST' }); // the name in messages and reprs, minified or not
  }
  static override readonly mirrors: readonly string[] = ['http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/'];
  static override readonly resources: readonly Resource[] = [
    { file: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
    { file: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
    { file: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
    { file: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
  ];
  static override readonly classes: readonly string[] = [
    'T-shirt/top',
    'Trouser',
    'Pullover',
    'Dress',
    'Coat',
    'Sandal',
    'Shirt',
    'Sneaker',
    'Bag',
    'Ankle boot',
  ];
}
