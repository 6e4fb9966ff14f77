import { ArgumentError, Tensor, fromArray } from '@dl/tensor';
import { isRawImage, type RawImage } from '../image.js';
import { fromPlanar, roundHalfEven, toPlanar, type Image } from './planar.js';

/**
 * HWC uint8 ({@link RawImage} or a uint8 tensor [H, W, C] / [H, W]) → CHW float32 in [0, 1],
 * as torchvision's `to_tensor`. Float tensors pass through unchanged.
 *
 * @example
 * toTensor({ data: new Uint8Array([0, 255]), height: 1, width: 2, channels: 1 }); // [[[0, 1]]]
 */
export function toTensor(img: RawImage | Tensor): Tensor {
  if (isRawImage(img)) {
    const { height: h, width: w, channels: c } = img;
    const out = new Float32Array(c * h * w);
    for (let p = 0; p < h * w; p++) for (let k = 0; k < c; k++) out[k * h * w + p] = img.data[p * c + k]! / 255;
    return fromArray(out, [c, h, w]);
  }
  if (img instanceof Tensor) {
    if (img.dtype === 'float32' || img.dtype === 'float64') return img;
    if (img.dim() === 2) return img.unsqueeze(0).float().div(255);
    if (img.dim() === 3) return img.permute(2, 0, 1).float().div(255);
    throw new ArgumentError(`toTensor: expected an HWC uint8 image, got shape [${img.shape.join(', ')}] ${img.dtype}`, { op: 'toTensor' });
  }
  throw new ArgumentError(`toTensor: expected a RawImage or a Tensor, got ${typeof img}`, { op: 'toTensor' });
}

/**
 * `(x - mean[c]) / std[c]` per channel of a float CHW (or NCHW) tensor.
 *
 * @example
 * normalize(x, [0.1307], [0.3081]);
 */
export function normalize(x: Tensor, mean: readonly number[], std: readonly number[]): Tensor {
  if (!(x instanceof Tensor) || !(x.dtype === 'float32' || x.dtype === 'float64')) {
    throw new ArgumentError('normalize: expected a float tensor (apply ToTensor first)', { op: 'normalize' });
  }
  if (x.dim() < 3)
    throw new ArgumentError(`normalize: expected a tensor image of shape [..., C, H, W], got [${x.shape.join(', ')}]`, { op: 'normalize' });
  const c = x.shape[x.dim() - 3]!;
  const pick = (v: readonly number[], what: string) => {
    if (v.length !== 1 && v.length !== c)
      throw new ArgumentError(`normalize: ${what} has ${v.length} values for ${c} channels`, { op: 'normalize' });
    return Array.from({ length: c }, (_, k) => v[v.length === 1 ? 0 : k]!);
  };
  const s = pick(std, 'std');
  if (s.some((v) => v === 0))
    throw new ArgumentError(`normalize: std evaluated to zero after conversion to float32, leading to division by zero`, {
      op: 'normalize',
    });
  const m = fromArray(Float32Array.from(pick(mean, 'mean')), [c, 1, 1], { device: x.device, dtype: 'float32' });
  const sd = fromArray(Float32Array.from(s), [c, 1, 1], { device: x.device, dtype: 'float32' });
  return x.sub(m).div(sd);
}

/**
 * Output size for `resize(size)`: an int resizes the smaller edge (torchvision's rule).
 *
 * @example
 * transforms.functional.resizeOutputSize(32, 64, 16); // → [16, 32]
 */
export function resizeOutputSize(h: number, w: number, size: number | readonly [number, number], maxSize?: number): [number, number] {
  if (typeof size !== 'number') return [size[0], size[1]];
  const short = Math.min(h, w);
  const long = Math.max(h, w);
  let newShort = size;
  let newLong = Math.floor((size * long) / short);
  if (maxSize !== undefined && newLong > maxSize) {
    newShort = Math.floor((maxSize * newShort) / newLong);
    newLong = maxSize;
  }
  return w <= h ? [newLong, newShort] : [newShort, newLong];
}

/**
 * Bilinear resize, as torchvision's tensor path with `antialias=False` (=
 * `F.interpolate(mode='bilinear', align_corners=False)`; integer images are rounded back).
 * Not PIL's filter, which antialiases when downscaling.
 *
 * @example
 * resize(x, [32, 32]);  resize(x, 64); // smaller edge to 64
 */
export function resize<I extends Image>(img: I, size: number | readonly [number, number], opts: { maxSize?: number } = {}): I {
  const p = toPlanar(img, 'resize');
  const [oh, ow] = resizeOutputSize(p.h, p.w, size, opts.maxSize);
  if (oh === p.h && ow === p.w) return img;
  const out = new Float32Array(p.c * oh * ow);
  const sh = p.h / oh;
  const sw = p.w / ow;
  const src = (dst: number, scale: number) => Math.max(scale * (dst + 0.5) - 0.5, 0);
  for (let y = 0; y < oh; y++) {
    const fy = src(y, sh);
    const y0 = Math.floor(fy);
    const y1 = y0 < p.h - 1 ? y0 + 1 : y0;
    const ly = fy - y0;
    for (let x = 0; x < ow; x++) {
      const fx = src(x, sw);
      const x0 = Math.floor(fx);
      const x1 = x0 < p.w - 1 ? x0 + 1 : x0;
      const lx = fx - x0;
      for (let k = 0; k < p.c; k++) {
        const base = k * p.h * p.w;
        const v =
          (1 - ly) * ((1 - lx) * p.data[base + y0 * p.w + x0]! + lx * p.data[base + y0 * p.w + x1]!) +
          ly * ((1 - lx) * p.data[base + y1 * p.w + x0]! + lx * p.data[base + y1 * p.w + x1]!);
        out[k * oh * ow + y * ow + x] = v;
      }
    }
  }
  return fromPlanar(p, out, p.c, oh, ow) as I;
}

/**
 * Crop the box at (top, left) of size (height, width); parts outside the image are filled
 * with `fill` (torchvision's `crop`).
 *
 * @example
 * transforms.functional.crop(dl.rand(3, 32, 32), 4, 4, 16, 16).shape; // → [3, 16, 16]
 */
export function crop<I extends Image>(img: I, top: number, left: number, height: number, width: number, fill = 0): I {
  const p = toPlanar(img, 'crop');
  const out = new Float32Array(p.c * height * width).fill(fill);
  for (let k = 0; k < p.c; k++)
    for (let y = 0; y < height; y++) {
      const sy = y + top;
      if (sy < 0 || sy >= p.h) continue;
      for (let x = 0; x < width; x++) {
        const sx = x + left;
        if (sx >= 0 && sx < p.w) out[k * height * width + y * width + x] = p.data[k * p.h * p.w + sy * p.w + sx]!;
      }
    }
  return fromPlanar(p, out, p.c, height, width) as I;
}

/**
 * Crop the center (offsets rounded half to even, as Python's round); pads with 0 if too small.
 *
 * @example
 * transforms.functional.centerCrop(dl.rand(3, 32, 32), [16, 20]).shape; // → [3, 16, 20]
 */
export function centerCrop<I extends Image>(img: I, size: number | readonly [number, number]): I {
  const p = toPlanar(img, 'centerCrop');
  const [th, tw] = typeof size === 'number' ? [size, size] : size;
  if (th > p.h || tw > p.w) {
    // torchvision pads (left/top get the floor half) then crops
    const top = -Math.floor(Math.max(th - p.h, 0) / 2);
    const left = -Math.floor(Math.max(tw - p.w, 0) / 2);
    const padded = crop(img, top, left, Math.max(th, p.h), Math.max(tw, p.w));
    return centerCrop(padded, [th, tw]);
  }
  return crop(img, roundHalfEven((p.h - th) / 2), roundHalfEven((p.w - tw) / 2), th, tw);
}

/**
 * Mirror left-right.
 *
 * @example
 * transforms.functional.hflip(dl.tensor([[[1, 2, 3]]])); // → tensor([[[3., 2., 1.]]])
 */
export function hflip<I extends Image>(img: I): I {
  const p = toPlanar(img, 'hflip');
  const out = new Float32Array(p.data.length);
  for (let k = 0; k < p.c; k++)
    for (let y = 0; y < p.h; y++) for (let x = 0; x < p.w; x++) out[(k * p.h + y) * p.w + x] = p.data[(k * p.h + y) * p.w + (p.w - 1 - x)]!;
  return fromPlanar(p, out, p.c, p.h, p.w) as I;
}

/**
 * Rotate by `angle` degrees counter-clockwise about the center, nearest neighbour, outside
 * filled with `fill` (torchvision's tensor `rotate` with NEAREST and expand=False).
 *
 * @example
 * transforms.functional.rotate(dl.rand(1, 28, 28), 90).shape; // → [1, 28, 28]
 */
export function rotate<I extends Image>(img: I, angle: number, opts: { fill?: number } = {}): I {
  const p = toPlanar(img, 'rotate');
  // Note [rotate in float32]: mirror torchvision's grid (float32 theta, rescaled by the half
  // size, then grid_sample's unnormalisation) so that ties round the same way.
  const f = Math.fround;
  const rad = (angle * Math.PI) / 180;
  const cos = f(Math.cos(rad));
  const sin = f(Math.sin(rad));
  const hw = f(0.5 * p.w);
  const hh = f(0.5 * p.h);
  const [r00, r10, r01, r11] = [f(cos / hw), f(-sin / hw), f(sin / hh), f(cos / hh)];
  const fill = opts.fill ?? 0;
  const out = new Float32Array(p.data.length);
  for (let y = 0; y < p.h; y++)
    for (let x = 0; x < p.w; x++) {
      const bx = f(x - (p.w - 1) / 2);
      const by = f(y - (p.h - 1) / 2);
      const gx = f(f(bx * r00) + f(by * r10));
      const gy = f(f(bx * r01) + f(by * r11));
      const sx = roundHalfEven(f(f(f(f(gx + 1) * p.w) - 1) / 2));
      const sy = roundHalfEven(f(f(f(f(gy + 1) * p.h) - 1) / 2));
      const inside = sx >= 0 && sx < p.w && sy >= 0 && sy < p.h;
      for (let k = 0; k < p.c; k++) out[(k * p.h + y) * p.w + x] = inside ? p.data[(k * p.h + sy) * p.w + sx]! : fill;
    }
  return fromPlanar(p, out, p.c, p.h, p.w) as I;
}

/**
 * Note [Colour ops on integer images]
 * As torchvision's tensor path: uint8 images (and RawImages, which are uint8) are blended in
 * float with bound 255 and truncated back to uint8 (`.to(uint8)`), float images with bound 1.
 */
function floatImage(img: Image, op: string): { t: Tensor; bound: number; back: (x: Tensor) => Image } {
  if (isRawImage(img)) {
    const p = toPlanar(img, op);
    const t = fromArray(p.data, [p.c, p.h, p.w]);
    return { t, bound: 255, back: (x) => fromPlanar(p, Float32Array.from(x.dataSync() as Float32Array, Math.trunc), p.c, p.h, p.w) };
  }
  if (img.dtype === 'uint8') return { t: img.float(), bound: 255, back: (x) => x.trunc().to('uint8') };
  return { t: img, bound: 1, back: (x) => x };
}

function blend(a: Tensor, b: Tensor | number, ratio: number, bound: number): Tensor {
  return a
    .mul(ratio)
    .add(typeof b === 'number' ? b * (1 - ratio) : b.mul(1 - ratio))
    .clamp(0, bound);
}

/**
 * Grayscale of a float CHW image, keepdim ([1, H, W]); 1-channel images are returned as is.
 *
 * @example
 * transforms.functional.rgbToGrayscale(dl.rand(3, 8, 8)).shape; // → [1, 8, 8] (0.2989 R + 0.587 G + 0.114 B)
 */
export function rgbToGrayscale(x: Tensor): Tensor {
  const c = x.shape[x.dim() - 3]!;
  if (c === 1) return x;
  if (c !== 3) throw new ArgumentError(`rgbToGrayscale: expected 1 or 3 channels, got ${c}`, { op: 'rgbToGrayscale' });
  const d = x.dim() - 3;
  const [r, g, b] = [0, 1, 2].map((k) => x.select(d, k));
  return r!.mul(0.2989).add(g!.mul(0.587)).add(b!.mul(0.114)).unsqueeze(-3);
}

/**
 * Multiply by `factor`, clamped to [0, 1] (torchvision's `adjust_brightness`).
 *
 * @example
 * transforms.functional.adjustBrightness(dl.tensor([[[0.2, 0.8]]]), 2); // → tensor([[[0.4000, 1.0000]]])
 */
export function adjustBrightness<I extends Image>(img: I, factor: number): I {
  const { t, bound, back } = floatImage(img, 'adjustBrightness');
  return back(blend(t, 0, factor, bound)) as I;
}
/**
 * Blend with the mean of the grayscale image (torchvision's `adjust_contrast`).
 *
 * @example
 * transforms.functional.adjustContrast(dl.rand(3, 8, 8), 0); // every pixel the grayscale mean
 */
export function adjustContrast<I extends Image>(img: I, factor: number): I {
  const { t, bound, back } = floatImage(img, 'adjustContrast');
  const mean = rgbToGrayscale(t).mean([-3, -2, -1], { keepdim: true });
  return back(blend(t, mean, factor, bound)) as I;
}
/**
 * Blend with the grayscale image (torchvision's `adjust_saturation`; no-op on 1 channel).
 *
 * @example
 * transforms.functional.adjustSaturation(dl.rand(3, 8, 8), 0); // grayscale, 3 channels kept
 */
export function adjustSaturation<I extends Image>(img: I, factor: number): I {
  const { t, bound, back } = floatImage(img, 'adjustSaturation');
  if (t.shape[t.dim() - 3] === 1) return img;
  return back(blend(t, rgbToGrayscale(t), factor, bound)) as I;
}
