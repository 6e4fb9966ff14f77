import { describe, expect, it } from 'vitest';
import { readMnistPackage } from '../scripts/mnist-asset.js';
import { toMnist } from './preprocess.js';

/** Nearest-neighbour upscale of a 28×28 image by `k` (a drawing of an MNIST digit, k× larger). */
function upscale(img: ArrayLike<number>, k: number): Float32Array {
  const s = 28 * k;
  const out = new Float32Array(s * s);
  for (let y = 0; y < s; y++) for (let x = 0; x < s; x++) out[y * s + x] = img[Math.floor(y / k) * 28 + Math.floor(x / k)]!;
  return out;
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]! / n;
    mb += b[i]! / n;
  }
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < n; i++) {
    ab += (a[i]! - ma) * (b[i]! - mb);
    aa += (a[i]! - ma) ** 2;
    bb += (b[i]! - mb) ** 2;
  }
  return ab / Math.sqrt(aa * bb);
}

describe('toMnist', () => {
  it('gives back real MNIST digits drawn 10× larger and shifted (they are already boxed and centred)', () => {
    const digits = readMnistPackage();
    const corrs: number[] = [];
    for (let d = 0; d < 10; d++) {
      for (let j = 0; j < 5; j++) {
        const img = digits[d]!.slice(j * 784, (j + 1) * 784);
        // a 300×300 pad with the 280×280 drawing placed off-centre
        const big = upscale(img, 10);
        const pad = new Float32Array(300 * 300);
        for (let y = 0; y < 280; y++) pad.set(big.subarray(y * 280, (y + 1) * 280), (y + 17) * 300 + 3);
        corrs.push(correlation(toMnist(pad, 300, 300), img));
      }
    }
    corrs.sort((a, b) => a - b);
    expect(corrs[Math.floor(corrs.length / 2)]!).toBeGreaterThan(0.98); // median
    expect(corrs[0]!).toBeGreaterThan(0.95);
  });

  it('fits the ink into a 20×20 box centred by mass', () => {
    // a tall bar, 40×160, in the top-left corner of a 280×280 pad
    const pad = new Float32Array(280 * 280);
    for (let y = 5; y < 165; y++) pad.fill(1, y * 280 + 10, y * 280 + 50);
    const out = toMnist(pad, 280, 280);
    const rows = [...Array(28).keys()].filter((y) => out.subarray(y * 28, y * 28 + 28).some((v) => v > 0));
    const cols = [...Array(28).keys()].filter((x) => rows.some((y) => out[y * 28 + x]! > 0));
    expect(rows.length).toBe(20);
    expect(cols.length).toBe(5);
    expect(Math.abs((rows[0]! + rows.at(-1)!) / 2 - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs((cols[0]! + cols.at(-1)!) / 2 - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...out)).toBeLessThanOrEqual(1);
  });

  it('is all zeros for an empty pad', () => {
    expect(toMnist(new Float32Array(100 * 100), 100, 100).every((v) => v === 0)).toBe(true);
  });
});
