import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { transforms as T, type RawImage } from '../index.js';

const F = T.functional;
interface Enc {
  shape: number[];
  dtype: 'float32' | 'uint8';
  data: number[];
}
const fx = JSON.parse(readFileSync(new URL('../__fixtures__/transforms.json', import.meta.url), 'utf8')) as {
  mean: number[];
  std: number[];
  cases: Record<string, Enc>;
};
const c = (k: string) => fx.cases[k]!;
const tensorOf = (e: Enc) =>
  dl.fromArray(e.dtype === 'uint8' ? Uint8Array.from(e.data) : Float32Array.from(e.data), e.shape, { dtype: e.dtype });

function close(got: unknown, want: Enc, atol = 1e-5) {
  const t = got as dl.Tensor;
  expect(t.shape).toEqual(want.shape);
  expect(t.dtype).toBe(want.dtype);
  const g = t.dataSync();
  let worst = 0;
  want.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(g[i]! - v))));
  expect(worst).toBeLessThanOrEqual(atol);
}

const hwc = c('hwc_uint8');
const raw: RawImage = { data: Uint8Array.from(hwc.data), height: 7, width: 9, channels: 3 };
const x = tensorOf(c('to_tensor'));

describe('transforms against PyTorch fixtures (torchvision definitions, see tools/fixtures/vision_fixtures.py)', () => {
  it('ToTensor accepts RawImage and HWC uint8 tensors', () => {
    close(T.ToTensor()(raw), c('to_tensor'), 1e-7);
    close(T.ToTensor()(tensorOf(hwc)), c('to_tensor'), 1e-7);
  });
  it('Normalize', () => close(T.Normalize(fx.mean, fx.std)(x), c('normalize'), 1e-5));
  it('Resize (bilinear, antialias=False tensor path)', () => {
    close(T.Resize([5, 4])(x), c('resize_5x4'));
    close(T.Resize([12, 15])(x), c('resize_12x15'));
    close(T.Resize(4)(x), c('resize_int4'));
    close(T.Resize([5, 6])(tensorOf(c('to_tensor')).mul(255).round().to('uint8')), c('resize_uint8_5x6'), 0);
  });
  it('CenterCrop (with padding when too small) and hflip', () => {
    close(T.CenterCrop([4, 5])(x), c('center_crop_4x5'), 1e-7);
    close(T.CenterCrop([10, 12])(x), c('center_crop_10x12'), 1e-7);
    close(F.hflip(x), c('hflip'), 1e-7);
  });
  it('rotate (nearest, fill 0)', () => {
    close(F.rotate(x, 30), c('rotate_30'), 1e-7);
    close(F.rotate(x, -45), c('rotate_m45'), 1e-7);
    close(F.rotate(x, 90), c('rotate_90'), 1e-7);
  });
  it('brightness, contrast, saturation (float and uint8)', () => {
    close(F.adjustBrightness(x, 0.6), c('brightness_0.6'));
    close(F.adjustBrightness(x, 1.8), c('brightness_1.8'));
    close(F.adjustBrightness(tensorOf(c('to_tensor')).mul(255).round().to('uint8'), 1.3), c('brightness_uint8_1.3'), 0);
    close(F.adjustContrast(x, 0.5), c('contrast_0.5'));
    close(F.adjustContrast(x, 1.6), c('contrast_1.6'));
    close(F.adjustSaturation(x, 0.3), c('saturation_0.3'));
    close(F.adjustSaturation(x, 1.9), c('saturation_1.9'));
  });
});

describe('random transforms', () => {
  it('are seeded by a generator and keep shapes', () => {
    const run = (seed: number) => {
      const g = new dl.Generator(seed);
      const tf = T.Compose([
        T.RandomCrop(7, { padding: 2, generator: g }),
        T.RandomHorizontalFlip(0.5, { generator: g }),
        T.RandomRotation(20, { generator: g }),
        T.ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, generator: g }),
        T.ToTensor(),
        T.Normalize([0.5], [0.5]),
      ]);
      return tf(raw) as dl.Tensor;
    };
    const a = run(1);
    expect(a.shape).toEqual([3, 7, 7]);
    expect(a.toArraySync()).toEqual(run(1).toArraySync());
    expect(a.toArraySync()).not.toEqual(run(2).toArraySync());
  });
  it('RandomCrop with padding reaches the borders; flip p=1 always flips', () => {
    const img = dl.ones([1, 4, 4]);
    const g = new dl.Generator(0);
    const crop = T.RandomCrop(4, { padding: 2, generator: g });
    const sums = new Set(Array.from({ length: 300 }, () => (crop(img) as dl.Tensor).sum().itemSync()));
    expect(Math.min(...sums)).toBeLessThan(16);
    expect(sums.has(16)).toBe(true);
    close(T.RandomHorizontalFlip(1)(x), c('hflip'), 1e-7);
    expect(() => T.RandomCrop(10)(x)).toThrow(/larger than/);
    const flipped = T.RandomHorizontalFlip(1)(raw) as RawImage;
    expect(flipped.data.slice(0, 3)).toEqual(raw.data.slice(8 * 3, 9 * 3));
  });
  it('Lambda and errors', () => {
    expect(T.Lambda((v: number) => v + 1)(1)).toBe(2);
    expect(() => T.Normalize([0.5, 0.5], [0.5, 0.5])(x)).toThrow(/2 values for 3 channels/);
    expect(() => T.Normalize([0], [0])(x)).toThrow(/zero/);
  });
});
