import { IndexError } from '@dl/tensor';
import type { RawImage } from '../image.js';
import { CorruptDatasetError, DatasetNotFoundError } from './errors.js';
import { gunzipBounded } from './gzip.js';
import { downloadFile, firstExisting, md5, readFileBounded } from './io.js';
import { node } from './node-builtins.js';
import { fmtInt, resolveLimits } from './limits.js';
import { untar } from './tar.js';
import { VisionDataset, type VisionDatasetOptions } from './vision-dataset.js';

const RECORD = 1 + 3 * 32 * 32;
/** Records per batch file of the official archive: 10,000 of 3,073 bytes. */
const BATCH_BYTES = 10_000 * RECORD;
/**
 * Most bytes the official archive may decompress to: six batch files, plus 1 MiB for the
 * two small text files, tar headers and padding.
 */
const TAR_MAX = 6 * BATCH_BYTES + (1 << 20);
/** Most bytes the `.tar.gz` itself may have (the official one has 170,052,171). */
const ARCHIVE_MAX = 200 * (1 << 20);

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
  static {
    Object.defineProperty(this, 'name', { value: 'CIFAR10' }); // the name in messages and reprs, minified or not
  }
  static readonly url: string = 'https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz';
  /** MD5 of `cifar-10-binary.tar.gz`, as published on https://www.cs.toronto.edu/~kriz/cifar.html. */
  static readonly md5: string = 'c32a1d4ab5d03f1284b67883e8d87530';
  static readonly archiveName: string = 'cifar-10-binary.tar.gz';
  static readonly classes: readonly string[] = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
  /** Records as stored: label then CHW pixels, one array per batch file. */
  private readonly records: Uint8Array[];
  /** Index of the first record of each batch file, then the total. */
  private readonly starts: number[];

  constructor(opts: VisionDatasetOptions<X, Y>) {
    super(opts);
    const files = CIFAR10.batchFiles(this.train);
    this.records = files.map((f) => {
      const p = CIFAR10.locate(opts.root, f);
      if (!p) {
        throw new DatasetNotFoundError(
          `CIFAR10: ${f} not found under ${opts.root}` +
            (opts.download ? ' (the constructor does not download: use `await datasets.CIFAR10.create({ ..., download: true })`)' : ''),
          { hint: `unpack ${CIFAR10.url} into ${opts.root} (giving ${opts.root}/cifar-10-batches-bin/${files.join(', ')})` },
        );
      }
      const b = readFileBounded(p, 'CIFAR10', opts.limits);
      if (b.length === 0 || b.length % RECORD !== 0) {
        throw new CorruptDatasetError(
          `CIFAR10: ${p} has ${fmtInt(b.length)} bytes, not a whole number of ${RECORD}-byte records (truncated or not the binary version)`,
          {
            op: 'CIFAR10',
            hint: 'delete it and unpack cifar-10-binary.tar.gz again',
          },
        );
      }
      for (let off = 0; off < b.length; off += RECORD) {
        if (b[off]! > 9)
          throw new CorruptDatasetError(`CIFAR10: ${p}: label ${b[off]} of record ${off / RECORD} is out of range 0..9`, {
            op: 'CIFAR10',
            hint: 'delete it and unpack cifar-10-binary.tar.gz again',
          });
      }
      return b;
    });
    this.starts = [0];
    for (const r of this.records) this.starts.push(this.starts[this.starts.length - 1]! + r.length / RECORD);
  }

  /**
   * The batch files of a split.
   *
   * @example
   * CIFAR10.batchFiles(false); // ['test_batch.bin']
   */
  static batchFiles(train: boolean): string[] {
    return train ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'];
  }

  /**
   * Where a batch file is: `root/cifar-10-batches-bin/<file>` or `root/<file>` (undefined if neither).
   *
   * @example
   * datasets.CIFAR10.locate('./data', 'data_batch_1.bin'); // → 'data/cifar-10-batches-bin/data_batch_1.bin' or undefined
   */
  static locate(root: string, file: string): string | undefined {
    const { path } = node();
    return firstExisting([path.join(root, 'cifar-10-batches-bin', file), path.join(root, file)]);
  }

  /**
   * Download the archive when `download` is set and a batch file is missing (checksummed,
   * atomic), verify it against {@link CIFAR10.md5} — also when it was already in `root` — and
   * unpack it (decompressing at most the size of the official archive), then construct.
   *
   * @example
   * const ds = await datasets.CIFAR10.create({ root: './data', train: false, download: true });
   */
  static async create<X = RawImage, Y = number>(this: typeof CIFAR10, opts: VisionDatasetOptions<X, Y>): Promise<CIFAR10<X, Y>> {
    const missing = [...CIFAR10.batchFiles(true), ...CIFAR10.batchFiles(false)].some((f) => !this.locate(opts.root, f));
    if (opts.download && missing) {
      const { fs, path } = node();
      const archive = path.join(opts.root, this.archiveName);
      if (!fs.existsSync(archive))
        await downloadFile(this.url, archive, {
          md5: this.md5,
          maxBytes: ARCHIVE_MAX,
          ...(opts.timeoutMs ? { timeoutMs: opts.timeoutMs } : {}),
        });
      this.extract(archive, opts.root, opts.limits);
    }
    return new this<X, Y>(opts);
  }

  /**
   * Verify `archive` against {@link CIFAR10.md5} before anything else, then gunzip it (bounded
   * by the official archive's size) and untar it into `root`.
   *
   * @example
   * datasets.CIFAR10.extract('./downloads/cifar-10-binary.tar.gz', './data');
   */
  static extract(archive: string, root: string, limits?: VisionDatasetOptions['limits']): void {
    const lim = resolveLimits(limits);
    const corrupt = (why: string) =>
      new CorruptDatasetError(`CIFAR10: ${archive} is corrupt or not the CIFAR-10 binary archive (${why}); nothing was extracted`, {
        op: 'CIFAR10',
        hint: `delete it and run \`await datasets.CIFAR10.create({ root: ${JSON.stringify(root)}, download: true })\` to download it again from ${this.url}`,
      });
    let size = 0;
    try {
      size = node().fs.statSync(archive).size;
    } catch {
      /* readFileBounded says why */
    }
    if (size > ARCHIVE_MAX) throw corrupt(`${fmtInt(size)} bytes; the official archive is about 162 MB`);
    const raw = readFileBounded(archive, 'CIFAR10', limits);
    const got = md5(raw);
    if (got !== this.md5) throw corrupt(`md5 ${got}, expected ${this.md5}`);
    const tar = gunzipBounded(raw, Math.min(lim.maxBytes, TAR_MAX), 'CIFAR10', archive);
    untar(tar, root, { file: archive, ...(limits ? { limits } : {}) });
  }

  get classes(): readonly string[] {
    return CIFAR10.classes;
  }
  get length(): number {
    return this.starts[this.starts.length - 1]!;
  }
  /**
   * The untransformed 32×32×3 image and class index at `i`; an IndexError out of range.
   *
   * @example
   * const cifar = new datasets.CIFAR10({ root: './data' });
   * const [img, label] = cifar.getRaw(0); // img.height → 32, img.channels → 3; datasets.CIFAR10.classes[label]
   */
  getRaw(i: number): [RawImage, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.length)
      throw new IndexError(`CIFAR10: index ${i} is out of range for ${this.length} images`);
    let b = 0;
    while (i >= this.starts[b + 1]!) b++;
    const rec = this.records[b]!;
    const off = (i - this.starts[b]!) * RECORD;
    const hw = 32 * 32;
    const data = new Uint8Array(hw * 3);
    for (let p = 0; p < hw; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = rec[off + 1 + c * hw + p]!;
    return [{ data, height: 32, width: 32, channels: 3 }, rec[off]!];
  }
}
