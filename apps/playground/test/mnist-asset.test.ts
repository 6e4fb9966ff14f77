import { describe, expect, it } from 'vitest';
import { encodeDigits, readMnistPackage } from '../scripts/mnist-asset.js';
import { decodeDigits, MNIST_NORM } from '../src/data.js';

describe('mnist-digits.bin', () => {
  const digits = readMnistPackage();
  const bin = encodeDigits(digits);

  it('holds all 10,000 digits, one byte a pixel, and loses nothing (the package stores k/255 to 3 decimals)', () => {
    const counts = digits.map((d) => d.length / 784);
    expect(counts.every(Number.isInteger)).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(bin.byteLength).toBe(40 + 10_000 * 784);
    let k = 40;
    let worst = 0;
    for (const d of digits) for (const v of d) worst = Math.max(worst, Math.abs(Math.round((bin[k++]! * 1000) / 255) / 1000 - v));
    expect(worst).toBe(0);
  });

  it('decodes to normalised images and the right labels', () => {
    const { images, labels } = decodeDigits(bin);
    expect(labels.length).toBe(10_000);
    for (let d = 0; d < 10; d++) expect(labels.filter((l) => l === d).length).toBe(digits[d]!.length / 784);
    // the first image of digit 3, pixel by pixel
    const start = digits.slice(0, 3).reduce((a, d) => a + d.length, 0);
    const i = labels.indexOf(3);
    expect(i * 784).toBe(start);
    for (let p = 0; p < 784; p++) expect(images[start + p]!).toBeCloseTo((digits[3]![p]! - MNIST_NORM.mean) / MNIST_NORM.std, 2);
  });

  it('rejects a truncated file', () => {
    expect(() => decodeDigits(bin.subarray(0, 1000))).toThrow(/expected 7840040 bytes/);
  });
});
