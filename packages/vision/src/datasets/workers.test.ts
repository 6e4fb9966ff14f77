import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Subset, liveWorkers } from '@dl/data';
import { datasets, transforms } from '../index.js';

const { MNIST, FashionMNIST, CIFAR10, ImageFolder, encodeIdx } = datasets;
const tmp = () => mkdtempSync(join(tmpdir(), 'dl-vision-workers-'));
const arr = (t: unknown) => (t as dl.Tensor).toArraySync();
const batches = (loader: Iterable<unknown>) => [...loader].map((b) => (b as dl.Tensor[]).map(arr));
const waitFor = async (pred: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

function writeMnist(dir: string, split: 'train' | 't10k', n: number) {
  mkdirSync(dir, { recursive: true });
  const imgs = Uint8Array.from({ length: n * 28 * 28 }, (_, i) => (i * 7 + (i >> 9)) % 256);
  writeFileSync(join(dir, `${split}-images-idx3-ubyte`), encodeIdx([n, 28, 28], imgs));
  writeFileSync(
    join(dir, `${split}-labels-idx1-ubyte`),
    encodeIdx(
      [n],
      Uint8Array.from({ length: n }, (_, i) => (i * 3) % 10),
    ),
  );
}

describe('vision datasets with numWorkers > 0', () => {
  it('MNIST and FashionMNIST (with transforms, shuffled, and a Subset) give the same batches as numWorkers 0', async () => {
    const root = tmp();
    writeMnist(root, 'train', 100);
    const tf = transforms.Compose([transforms.ToTensor(), transforms.Normalize([0.1307], [0.3081])]);
    for (const Cls of [MNIST, FashionMNIST]) {
      const ds = new Cls({ root, transform: tf });
      const opts = (w: number) => ({ batchSize: 16, shuffle: true, generator: new dl.Generator(3), numWorkers: w });
      const ref = batches(new DataLoader(ds, opts(0)));
      expect(ref.length).toBe(7);
      expect(batches(new DataLoader(ds, opts(2)))).toEqual(ref);
      const sub = new Subset(ds, [5, 1, 99, 42, 7]);
      expect(batches(new DataLoader(sub, { batchSize: 2, numWorkers: 2 }))).toEqual(batches(new DataLoader(sub, { batchSize: 2 })));
    }
    await waitFor(() => liveWorkers() === 0);
  });

  it('CIFAR10 and ImageFolder (PNG files, Resize + ToTensor) give the same batches as numWorkers 0; their errors are the same classes', async () => {
    const root = tmp();
    mkdirSync(join(root, 'cifar-10-batches-bin'));
    const rec = (n: number, k0: number) =>
      Uint8Array.from({ length: n * 3073 }, (_, i) => (i % 3073 === 0 ? (k0 + i / 3073) % 10 : (i * 13 + k0) % 256));
    for (let k = 1; k <= 5; k++) writeFileSync(join(root, 'cifar-10-batches-bin', `data_batch_${k}.bin`), rec(3, k));
    const cifar = new CIFAR10({ root, transform: transforms.ToTensor() });
    const opts = (w: number) => ({ batchSize: 4, shuffle: true, generator: new dl.Generator(9), numWorkers: w });
    expect(batches(new DataLoader(cifar, opts(2)))).toEqual(batches(new DataLoader(cifar, opts(0))));

    const folder = tmp();
    for (const [c, n] of [
      ['cat', 3],
      ['dog', 4],
    ] as const) {
      mkdirSync(join(folder, c));
      for (let i = 0; i < n; i++) {
        const png = new PNG({ width: 5 + i, height: 4 });
        for (let p = 0; p < png.data.length; p++) png.data[p] = (p * 31 + i * 7 + n) % 256;
        writeFileSync(join(folder, c, `${i}.png`), PNG.sync.write(png));
      }
    }
    writeFileSync(join(folder, 'dog', 'broken.png'), Uint8Array.from([137, 80, 78, 71, 1, 2, 3]));
    const tf = transforms.Compose([transforms.Resize([6, 6]), transforms.ToTensor()]);
    const images = new ImageFolder({ root: folder, transform: tf });
    const good = new Subset(images, [0, 1, 2, 3, 4, 5, 6]);
    expect(batches(new DataLoader(good, { batchSize: 3, numWorkers: 2 }))).toEqual(batches(new DataLoader(good, { batchSize: 3 })));
    // the broken file: the same error class and message as in the main thread
    let main: Error | undefined;
    let worker: Error | undefined;
    try {
      [...new DataLoader(images, { batchSize: 8 })];
    } catch (e) {
      main = e as Error;
    }
    try {
      [...new DataLoader(images, { batchSize: 8, numWorkers: 2 })];
    } catch (e) {
      worker = e as Error;
    }
    expect(main).toBeInstanceOf(datasets.CorruptDatasetError);
    expect(worker).toBeInstanceOf(dl.DLError);
    expect(worker!.name).toBe(main!.name);
    expect(worker!.message).toBe(`Caught ${main!.name} in DataLoader worker 0: ${main!.message}`);
    await waitFor(() => liveWorkers() === 0);
  });

  it('iterate with for…of as Python iterates a dataset (items 0..length-1)', () => {
    const root = tmp();
    writeMnist(root, 't10k', 5);
    const ds = new MNIST({ root, train: false, transform: transforms.ToTensor() });
    const ys: number[] = [];
    for (const [x, y] of ds) {
      expect(x.shape).toEqual([1, 28, 28]);
      ys.push(y);
    }
    expect(ys).toEqual([0, 3, 6, 9, 2]);
  });

  it('a transform that cannot cross to a worker (a plain lambda) is a StateError naming the field, not a silent main-thread fallback', () => {
    const root = tmp();
    writeMnist(root, 't10k', 4);
    const ds = new MNIST({ root, train: false, transform: transforms.Compose([transforms.ToTensor(), (x: dl.Tensor) => x.mul(2)]) });
    expect(() => [...new DataLoader(ds, { batchSize: 2, numWorkers: 2 })]).toThrow(dl.StateError);
    expect(() => [...new DataLoader(ds, { batchSize: 2, numWorkers: 2 })]).toThrow(
      /the dataset \(MNIST\)\.transform\(argument 0\)\[1\] is a function/,
    );
    expect([...new DataLoader(ds, { batchSize: 2 })].length).toBe(2);
  });
});
