import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { describe, expect, it } from 'vitest';
import type * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader } from '@dl/data';
import { datasets, transforms, type RawImage } from '../index.js';

const { MNIST, FashionMNIST, CIFAR10, ImageFolder, encodeIdx, CorruptDatasetError, DatasetNotFoundError, DownloadError } = datasets;
const tmp = () => mkdtempSync(join(tmpdir(), 'dl-vision-'));

function writeMnist(dir: string, split: 'train' | 't10k', n: number, gz: boolean) {
  mkdirSync(dir, { recursive: true });
  const imgs = Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (i * 7) % 256);
  const lbls = Uint8Array.from({ length: n }, (_, i) => i % 10);
  const w = (name: string, b: Uint8Array) => writeFileSync(join(dir, gz ? `${name}.gz` : name), gz ? gzipSync(b) : b);
  w(`${split}-images-idx3-ubyte`, encodeIdx([n, 28, 28], imgs));
  w(`${split}-labels-idx1-ubyte`, encodeIdx([n], lbls));
  return { imgs, lbls };
}

describe('MNIST / FashionMNIST', () => {
  it('read IDX files (plain in root/MNIST/raw, gzipped flat in root)', () => {
    const root = tmp();
    const { imgs } = writeMnist(join(root, 'MNIST', 'raw'), 'train', 12, false);
    const ds = new MNIST({ root, train: true });
    expect(ds.length).toBe(12);
    const [img, y] = ds.getItem(3);
    expect(y).toBe(3);
    expect(img.height).toBe(28);
    expect(img.channels).toBe(1);
    expect(Array.from(img.data.slice(0, 4))).toEqual(Array.from(imgs.slice(3 * 784, 3 * 784 + 4)));
    expect(ds.data.shape).toEqual([12, 28, 28]);
    expect(ds.targets.toArraySync()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
    const flat = tmp();
    writeMnist(flat, 't10k', 5, true);
    const test = new FashionMNIST({
      root: flat,
      train: false,
      transform: transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.5], [0.5])]),
    });
    const [x, t] = test.getItem(4);
    expect(x.shape).toEqual([1, 28, 28]);
    expect(t).toBe(4);
    expect(test.classes[0]).toBe('T-shirt/top');
    const [xb, yb] = [...new DataLoader(test, { batchSize: 2 })][0] as dl.Tensor[];
    expect(xb!.shape).toEqual([2, 1, 28, 28]);
    expect(yb!.toArraySync()).toEqual([0, 1]);
  });

  it("reads Debian's dataset-fashion-mnist folder", () => {
    const root = '/usr/share/datasets/fashion-mnist';
    let ds: InstanceType<typeof FashionMNIST>;
    try {
      ds = new FashionMNIST({ root, train: false });
    } catch (e) {
      if (e instanceof DatasetNotFoundError) return; // package not installed on this machine
      throw e;
    }
    expect(ds.length).toBe(10000);
    expect(ds.getItem(0)[1]).toBe(9); // the first test image is an ankle boot
  });

  it('explain missing files, and fail clearly on corrupt and truncated files', async () => {
    const root = tmp();
    expect(() => new MNIST({ root })).toThrow(DatasetNotFoundError);
    expect(() => new MNIST({ root, download: true })).toThrow(/create\(/);
    try {
      new MNIST({ root });
    } catch (e) {
      expect(String(e)).toMatch(/train-images-idx3-ubyte.*put .* in .*MNIST\/raw/s);
    }
    // truncated image file
    const { imgs } = writeMnist(root, 'train', 4, false);
    writeFileSync(join(root, 'train-images-idx3-ubyte'), encodeIdx([4, 28, 28], imgs).subarray(0, 1000));
    expect(() => new MNIST({ root })).toThrow(CorruptDatasetError);
    expect(() => new MNIST({ root })).toThrow(/truncated/);
    // wrong magic
    writeFileSync(join(root, 'train-images-idx3-ubyte'), Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]));
    expect(() => new MNIST({ root })).toThrow(/magic/);
    // corrupt gzip
    const gzRoot = tmp();
    writeMnist(gzRoot, 'train', 4, true);
    const good = gzipSync(encodeIdx([4, 28, 28], imgs));
    writeFileSync(join(gzRoot, 'train-images-idx3-ubyte.gz'), good.subarray(0, good.length - 30));
    expect(() => new MNIST({ root: gzRoot })).toThrow(/gzip data is corrupt or truncated/);
    // label count mismatch
    const mm = tmp();
    writeMnist(mm, 'train', 4, false);
    writeFileSync(join(mm, 'train-labels-idx1-ubyte'), encodeIdx([3], Uint8Array.from([1, 2, 3])));
    expect(() => new MNIST({ root: mm })).toThrow(/4 images but .* 3 labels/);
  });

  it('download offline fails with a typed error, leaves no partial file, and does not hang', async () => {
    const root = tmp();
    const realFetch = globalThis.fetch;
    globalThis.fetch = (async () => {
      throw new TypeError('fetch failed (offline)');
    }) as typeof fetch;
    try {
      await expect(MNIST.create({ root, download: true, timeoutMs: 2000 })).rejects.toThrow(DatasetNotFoundError);
      await expect(MNIST.create({ root, download: true, timeoutMs: 2000 })).rejects.toThrow(/could not download train-images.*offline/s);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(readdirSync(root, { recursive: true }).filter((f) => String(f).endsWith('.gz') || String(f).endsWith('.part'))).toEqual([]);
    // a checksum mismatch is a DownloadError and leaves nothing behind
    globalThis.fetch = (async () => new Response(new Uint8Array([1, 2, 3]))) as typeof fetch;
    try {
      await expect(datasets.downloadFile('http://x/y.gz', join(root, 'y.gz'), { md5: '0'.repeat(32) })).rejects.toThrow(DownloadError);
    } finally {
      globalThis.fetch = realFetch;
    }
    expect(readdirSync(root)).toEqual([]);
    // a server that never answers times out
    globalThis.fetch = ((_u: string, init: RequestInit) =>
      new Promise((_, rej) => init.signal!.addEventListener('abort', () => rej(new Error('aborted'))))) as typeof fetch;
    try {
      await expect(datasets.downloadFile('http://x/z.gz', join(root, 'z.gz'), { timeoutMs: 50 })).rejects.toThrow(/timed out after 50 ms/);
    } finally {
      globalThis.fetch = realFetch;
    }
  });
});

describe('CIFAR10', () => {
  it('reads binary batches and rejects truncated ones', () => {
    const root = tmp();
    const dir = join(root, 'cifar-10-batches-bin');
    mkdirSync(dir);
    const rec = (label: number, v: number) => {
      const b = new Uint8Array(3073);
      b[0] = label;
      b.fill(v, 1, 1025); // R plane
      b.fill(v + 1, 1025, 2049); // G
      b.fill(v + 2, 2049, 3073); // B
      return b;
    };
    const batch = (n: number, off: number) => {
      const out = new Uint8Array(n * 3073);
      for (let i = 0; i < n; i++) out.set(rec((i + off) % 10, i * 3), i * 3073);
      return out;
    };
    writeFileSync(join(dir, 'test_batch.bin'), batch(3, 0));
    for (let k = 1; k <= 5; k++) writeFileSync(join(dir, `data_batch_${k}.bin`), batch(2, k));
    const test = new CIFAR10({ root, train: false });
    expect(test.length).toBe(3);
    const [img, y] = test.getItem(1);
    expect(y).toBe(1);
    expect([img.height, img.width, img.channels]).toEqual([32, 32, 3]);
    expect(Array.from(img.data.slice(0, 3))).toEqual([3, 4, 5]); // HWC
    const train = new CIFAR10({ root, train: true, transform: transforms.ToTensor() });
    expect(train.length).toBe(10);
    expect(train.getItem(2)[1]).toBe(2);
    expect(train.getItem(2)[0].shape).toEqual([3, 32, 32]);
    writeFileSync(join(dir, 'test_batch.bin'), batch(3, 0).subarray(0, 5000));
    expect(() => new CIFAR10({ root, train: false })).toThrow(/not a whole number of 3073-byte records/);
    expect(() => new CIFAR10({ root: tmp(), train: false })).toThrow(DatasetNotFoundError);
  });
});

describe('ImageFolder', () => {
  it('decodes PNG and JPEG per class folder', () => {
    const root = tmp();
    mkdirSync(join(root, 'cat'));
    mkdirSync(join(root, 'dog'));
    const png = new PNG({ width: 4, height: 3 });
    for (let i = 0; i < 12; i++) png.data.set([i * 10, 100, 200, 255], i * 4);
    writeFileSync(join(root, 'cat', 'a.png'), PNG.sync.write(png));
    const rgba = Buffer.alloc(8 * 8 * 4, 128);
    writeFileSync(join(root, 'dog', 'b.jpg'), jpeg.encode({ data: rgba, width: 8, height: 8 }, 95).data);
    writeFileSync(join(root, 'dog', 'notes.txt'), 'ignored');
    const ds = new ImageFolder({ root });
    expect(ds.classes).toEqual(['cat', 'dog']);
    expect(ds.length).toBe(2);
    const [a, ya] = ds.getItem(0) as [RawImage, number];
    expect([a.height, a.width, a.channels, ya]).toEqual([3, 4, 3, 0]);
    expect(Array.from(a.data.slice(3, 6))).toEqual([10, 100, 200]);
    const [b, yb] = ds.getItem(1) as [RawImage, number];
    expect(yb).toBe(1);
    expect(Math.abs(b.data[0]! - 128)).toBeLessThan(3);
    writeFileSync(join(root, 'dog', 'c.png'), Buffer.from('not a png'));
    expect(() => new ImageFolder({ root }).getItem(2)).toThrow(CorruptDatasetError);
    expect(() => new ImageFolder({ root: join(root, 'nope') })).toThrow(DatasetNotFoundError);
  });
});
