import { IndexError } from '@dl/tensor';
import type { RawImage } from '../image.js';
import { CorruptDatasetError, DatasetNotFoundError } from './errors.js';
import { downloadFile, firstExisting, node } from './io.js';
import { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';

const RECORD = 1 + 3 * 32 * 32;

/**
 * CIFAR-10 from its binary version: `data_batch_1.bin` … `data_batch_5.bin` and
 * `test_batch.bin`, each 10 000 records of 1 label byte + 3072 pixel bytes (R, G, B planes
 * of 32×32), in `root/cifar-10-batches-bin/` (as the archive unpacks) or `root/`. Items are
 * `[32×32×3 RawImage, label]`.
 *
 * @example
 * const ds = new datasets.CIFAR10({ root: './data', train: true, transform: transforms.ToTensor() });
 */
export class CIFAR10<X = RawImage, Y = number> extends VisionDataset<X, Y> {
  static readonly url = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
  static readonly md5 = 'c32a1d4ab5d03f1284b67883e8d87530';
  static readonly classes: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  /** Records as stored: label then CHW pixels. */
  private readonly records: Uint8Array[];
  private readonly count: number;

  constructor(opts: VisionDatasetOptions<X, Y>) {
    super(opts);
    const files = this.train ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'];
    const { fs } = node();
    this.records = files.map((f) => {
      const p = CIFAR10.locate(opts.root, f);
      if (!p) {
        throw new DatasetNotFoundError(
          `CIFAR10: ${f} not found under ${opts.root}` + (opts.download ? ' (the constructor does not download: use `await datasets.CIFAR10.create({ ..., download: true })`)' : ''),
          { hint: `unpack ${CIFAR10.url} into ${opts.root} (giving ${opts.root}/cifar-10-batches-bin/${files.join(', ')})` },
        );
      }
      const b = new Uint8Array(fs.readFileSync(p));
      if (b.length === 0 || b.length % RECORD !== 0) {
        throw new CorruptDatasetError(`CIFAR10: ${p} has ${b.length} bytes, not a whole number of ${RECORD}-byte records (truncated or not the binary version)`, {
          hint: 'delete it and unpack cifar-10-binary.tar.gz again',
        });
      }
      for (let off = 0; off < b.length; off += RECORD) {
        if (b[off]! > 9) throw new CorruptDatasetError(`CIFAR10: ${p}: label ${b[off]} of record ${off / RECORD} is out of range 0..9`);
      }
      return b;
    });
    this.count = this.records.reduce((a, r) => a + r.length / RECORD, 0);
  }

  static locate(root: string, file: string): string | undefined {
    const { path } = node();
    return firstExisting([path.join(root, 'cifar-10-batches-bin', file), path.join(root, file)]);
  }

  /** Download (checksummed, atomic) and unpack the archive when `download` is set, then construct. */
  static async create<X = RawImage, Y = number>(opts: VisionDatasetOptions<X, Y>): Promise<CIFAR10<X, Y>> {
    if (opts.download && !CIFAR10.locate(opts.root, 'test_batch.bin')) {
      const { fs, path, zlib } = node();
      const archive = path.join(opts.root, 'cifar-10-binary.tar.gz');
      if (!fs.existsSync(archive)) await downloadFile(CIFAR10.url, archive, { md5: CIFAR10.md5, ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}) });
      untar(zlib.gunzipSync(fs.readFileSync(archive)), opts.root);
    }
    return new CIFAR10(opts);
  }

  get classes(): readonly string[] {
    return CIFAR10.classes;
  }
  get length(): number {
    return this.count;
  }
  getRaw(i: number): [RawImage, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.count) throw new IndexError(`CIFAR10: index ${i} is out of range for ${this.count} images`);
    const per = this.records[0]!.length / RECORD;
    const rec = this.records[Math.floor(i / per)]!;
    const off = (i % per) * RECORD;
    const hw = 32 * 32;
    const data = new Uint8Array(hw * 3);
    for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = rec[off + 1 + c * hw + p]!;
    return [{ data, height: 32, width: 32, channels: 3 }, rec[off]!];
  }
}

/** Unpack a (ustar) tar archive's regular files under `dest`, each written atomically. */
export function untar(tar: Uint8Array, dest: string): void {
  const { fs, path } = node();
  const text = (a: number, b: number) => new TextDecoder().decode(tar.subarray(a, b)).replace(/\0.*$/s, '');
  for (let off = 0; off + 512 <= tar.length; ) {
    const name = text(off, off + 100);
    if (!name) break;
    const size = parseInt(text(off + 124, off + 136).trim() || '0', 8);
    const type = String.fromCharCode(tar[off + 156]!);
    const prefix = text(off + 345, off + 500);
    const full = path.join(dest, prefix ? `${prefix}/${name}` : name);
    if (!path.resolve(full).startsWith(path.resolve(dest))) throw new CorruptDatasetError(`untar: entry ${name} escapes ${dest}`);
    if (type === '0' || type === '\0') {
      if (off + 512 + size > tar.length) throw new CorruptDatasetError(`untar: ${name} is truncated`);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(`${full}.part`, tar.subarray(off + 512, off + 512 + size));
      fs.renameSync(`${full}.part`, full);
    } else if (type === '5') fs.mkdirSync(full, { recursive: true });
    off += 512 + Math.ceil(size / 512) * 512;
  }
}
