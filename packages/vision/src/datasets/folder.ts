import { IndexError } from '@dl/tensor';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import type { RawImage } from '../image.js';
import { CorruptDatasetError, DatasetNotFoundError } from './errors.js';
import { node } from './io.js';
import { VisionDataset } from './vision-dataset.js';

/** File extensions ImageFolder reads by default. */
export const IMG_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/**
 * Decode PNG or JPEG bytes (by signature) to an RGB {@link RawImage}, as PIL's
 * `Image.open(f).convert('RGB')` (alpha dropped, gray replicated).
 */
export function decodeImage(bytes: Uint8Array, name = 'image'): RawImage {
  let rgba: Uint8Array;
  let width: number;
  let height: number;
  try {
    if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      ({ width, height } = png);
      rgba = png.data;
    } else if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 512 });
      ({ width, height } = img);
      rgba = img.data;
    } else throw new Error('not a PNG or JPEG file (unknown signature)');
  } catch (e) {
    throw new CorruptDatasetError(`decodeImage: cannot decode ${name}: ${(e as Error).message}`);
  }
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    data[p * 3] = rgba[p * 4]!;
    data[p * 3 + 1] = rgba[p * 4 + 1]!;
    data[p * 3 + 2] = rgba[p * 4 + 2]!;
  }
  return { data, height, width, channels: 3 };
}

/**
 * A generic image dataset laid out one folder per class (`root/dog/xxx.png`,
 * `root/cat/123.jpg`, …), as torchvision's `ImageFolder`. Classes are the sorted folder names;
 * `samples` lists `[path, classIndex]`. PNG and JPEG are decoded with pngjs and jpeg-js.
 *
 * @example
 * const ds = new datasets.ImageFolder({ root: './pets', transform: transforms.Compose([transforms.Resize(64), transforms.ToTensor()]) });
 */
export class ImageFolder<X = RawImage, Y = number> extends VisionDataset<X, Y> {
  readonly classes: string[];
  readonly classToIdx: Record<string, number>;
  readonly samples: [string, number][];
  constructor(opts: { root: string; transform?: (img: RawImage) => X; targetTransform?: (t: number) => Y; extensions?: readonly string[] }) {
    super(opts);
    const { fs, path } = node();
    const exts = (opts.extensions ?? IMG_EXTENSIONS).map((e) => e.toLowerCase());
    let entries: import('node:fs').Dirent[];
    try {
      entries = fs.readdirSync(opts.root, { withFileTypes: true });
    } catch {
      throw new DatasetNotFoundError(`ImageFolder: folder ${opts.root} not found`, { hint: 'root must hold one sub-folder per class, each with image files' });
    }
    this.classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
    if (this.classes.length === 0) throw new DatasetNotFoundError(`ImageFolder: couldn't find any class folder in ${opts.root}`, { hint: 'put images in root/<class name>/' });
    this.classToIdx = Object.fromEntries(this.classes.map((c, i) => [c, i]));
    this.samples = [];
    const walk = (dir: string, cls: number) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p, cls);
        else if (exts.includes(path.extname(e.name).toLowerCase())) this.samples.push([p, cls]);
      }
    };
    this.classes.forEach((c, i) => walk(path.join(opts.root, c), i));
    const empty = this.classes.filter((_, i) => !this.samples.some((s) => s[1] === i));
    if (empty.length) throw new DatasetNotFoundError(`ImageFolder: found no valid file for the classes ${empty.join(', ')}. Supported extensions are: ${exts.join(', ')}`);
  }
  get length(): number {
    return this.samples.length;
  }
  /** Class index of every sample. */
  get targets(): number[] {
    return this.samples.map((s) => s[1]);
  }
  getRaw(i: number): [RawImage, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length) throw new IndexError(`ImageFolder: index ${i} is out of range for ${this.length} images`);
    const [p, cls] = this.samples[i]!;
    return [decodeImage(new Uint8Array(node().fs.readFileSync(p)), p), cls];
  }
}
