import { IndexError } from '@dl/tensor';
import type { RawImage } from '../image.js';
import { decodeImage } from './decode-image.js';
import { DatasetNotFoundError } from './errors.js';
import { readFileBounded } from './io.js';
import { node } from './node-builtins.js';
import type { ReaderLimits } from './limits.js';
import { VisionDataset } from './vision-dataset.js';

export { decodeImage } from './decode-image.js';

/** File extensions ImageFolder reads by default. */
export const IMG_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** Options of {@link ImageFolder}. */
export interface ImageFolderOptions<X, Y> {
  root: string;
  transform?: ((img: RawImage) => X) | undefined;
  targetTransform?: ((t: number) => Y) | undefined;
  extensions?: readonly string[];
  /** Caps on each image's file size and decoded size (default `datasets.getReaderLimits()`). */
  limits?: Partial<ReaderLimits> | undefined;
}

/**
 * A generic image dataset laid out one folder per class (`root/dog/xxx.png`,
 * `root/cat/123.jpg`, …), as torchvision's `ImageFolder`. Classes are the sorted folder names;
 * `samples` lists `[path, classIndex]`: regular files (or symlinks to them) with a listed
 * extension; symlinked folders are not followed. PNG is decoded by dl's own bounded decoder,
 * JPEG by jpeg-js; a bad file fails its `getItem` with a typed error naming it.
 *
 * @example
 * const ds = new datasets.ImageFolder({ root: './pets', transform: transforms.Compose([transforms.Resize(64), transforms.ToTensor()]) });
 */
export class ImageFolder<X = RawImage, Y = number> extends VisionDataset<X, Y> {
  static {
    Object.defineProperty(this, 'name', { value: 'ImageFolder' }); // the name in messages and reprs, minified or not
  }
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly samples: [string, number][];
  constructor(opts: ImageFolderOptions<X, Y>) {
    super(opts);
    const { fs, path } = node();
    const exts = (opts.extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase());
    let entries: import('node:fs').Dirent[];
    try {
      entries = fs.readdirSync(opts.root, { withFileTypes: true });
    } catch {
      throw new DatasetNotFoundError(`ImageFolder: folder ${opts.root} not found`, {
        hint: 'root must hold one sub-folder per class, each with image files',
      });
    }
    this.classes = entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    if (this.classes.length === 0)
      throw new DatasetNotFoundError(`ImageFolder: couldn't find any class folder in ${opts.root}`, {
        hint: 'put images in root/<class name>/',
      });
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = [];
    const isRegularFile = (p: string) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false; // a dangling symlink
      }
    };
    this.classes.forEach((c, cls) => {
      // depth-first, sorted, without recursion (no stack to overflow on deep trees)
      const stack = [path.join(opts.root, c)];
      while (stack.length) {
        const dir = stack.pop()!;
        const list = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
        const subdirs: string[] = [];
        for (const e of list) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) subdirs.push(p);
          else if (exts.includes(path.extname(e.name).toLowerCase()) && (e.isFile() || (e.isSymbolicLink() && isRegularFile(p))))
            this.samples.push([p, cls]);
        }
        stack.push(...subdirs.reverse());
      }
    });
    const empty = this.classes.filter((_, i) => !this.samples.some((s) => s[1] === i));
    if (empty.length)
      throw new DatasetNotFoundError(
        `ImageFolder: found no valid file for the classes ${empty.join(', ')}. Supported extensions are: ${exts.join(', ')}`,
      );
  }
  get length(): number {
    return this.samples.length;
  }
  /** Class index of every sample. */
  get targets(): number[] {
    return this.samples.map((s) => s[1]);
  }
  /**
   * The decoded (PNG or JPEG) image at `i` and its class index (`root/<class>/<file>`, classes sorted), untransformed.
   *
   * @example
   * const folder = new datasets.ImageFolder({ root: './flowers' });
   * const [img, label] = folder.getRaw(0); // folder.classes[label] names its folder
   */
  getRaw(i: number): [RawImage, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new IndexError(`ImageFolder: index ${i} is out of range for ${this.length} images`);
    const [p, cls] = this.samples[i]!;
    return [decodeImage(readFileBounded(p, 'ImageFolder', this.limits), p, this.limits), cls];
  }
}
