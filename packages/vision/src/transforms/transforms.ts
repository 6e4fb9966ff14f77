import { ArgumentError, type Generator, type Tensor, defaultGenerator } from '@dl/tensor';
import { sendable } from '@dl/data';
import type { RawImage } from '../image.js';
import * as F from './functional.js';
import { toPlanar, type Image } from './planar.js';

/**
 * A transform: a function from one value to another (classes below are callable factories).
 * The factories' transforms can be sent to DataLoader worker threads (`sendable`), so a
 * dataset holding them loads with `numWorkers > 0`.
 */
export type Transform<A = any, B = any> = (x: A) => B;

/** Options of the random transforms. */
export interface RandomOpts {
  /** Draws come from this generator (default: dl's default generator, so `dl.manualSeed` applies). */
  generator?: Generator;
}
const u = (g: Generator | undefined) => (g ?? defaultGenerator).uniforms(1)[0]!;
/** The transform `fn` made by factory `name` from `args`, marked so a DataLoader worker can make it again. */
const made = <F extends (x: never) => unknown>(fn: F, name: string, args: IArguments): F =>
  sendable(fn, import.meta.url, name, Array.from(args));

/**
 * Chain transforms (`transforms.Compose`).
 *
 * @example
 * const tf = Compose([ToTensor(), Normalize([0.1307], [0.3081])]);
 */
export function Compose(ts: readonly Transform[]): Transform {
  return made((x) => ts.reduce((v, t) => t(v), x), 'Compose', arguments);
}
/**
 * HWC uint8 image (the datasets' RawImage, or a uint8 tensor) → CHW float32 in [0, 1].
 *
 * @example
 * const toTensor = transforms.ToTensor();
 * toTensor({ data: new Uint8Array([0, 255]), height: 1, width: 2, channels: 1 }); // → tensor([[[0., 1.]]])
 */
export function ToTensor(): Transform<RawImage | Tensor, Tensor> {
  return made((x) => F.toTensor(x), 'ToTensor', arguments);
}
/**
 * Per-channel `(x - mean) / std` of a float tensor image.
 *
 * @example
 * const normalize = transforms.Normalize([0.5], [0.5]);
 * normalize(dl.tensor([[[0, 1]]])); // → tensor([[[-1.,  1.]]])
 */
export function Normalize(mean: readonly number[], std: readonly number[]): Transform<Tensor, Tensor> {
  return made((x) => F.normalize(x, mean, std), 'Normalize', arguments);
}
/**
 * Bilinear resize, as torchvision's tensor path with `antialias=False` (see `F.resize`);
 * an int resizes the smaller edge, keeping the aspect ratio.
 *
 * @example
 * transforms.Resize(16)(dl.rand(3, 32, 64)).shape; // → [3, 16, 32] (smaller edge to 16)
 */
export function Resize(size: number | readonly [number, number], opts: { maxSize?: number } = {}): Transform<Image, Image> {
  return made((x) => F.resize(x, size, opts), 'Resize', arguments);
}
/**
 * Crop the center to `size` (int or [h, w]).
 *
 * @example
 * transforms.CenterCrop(24)(dl.rand(3, 32, 32)).shape; // → [3, 24, 24]
 */
export function CenterCrop(size: number | readonly [number, number]): Transform<Image, Image> {
  return made((x) => F.centerCrop(x, size), 'CenterCrop', arguments);
}
/**
 * Crop a random `size` box, after padding each border by `padding` (int, [lr, tb] or
 * [l, t, r, b]) with `fill`; `padIfNeeded` pads images smaller than `size`.
 *
 * @example
 * RandomCrop(32, { padding: 4, generator: new dl.Generator(0) });
 */
export function RandomCrop(
  size: number | readonly [number, number],
  opts: RandomOpts & { padding?: number | readonly number[]; padIfNeeded?: boolean; fill?: number } = {},
): Transform<Image, Image> {
  const [th, tw] = typeof size === 'number' ? [size, size] : size;
  const pad =
    opts.padding === undefined
      ? [0, 0, 0, 0]
      : typeof opts.padding === 'number'
        ? [opts.padding, opts.padding, opts.padding, opts.padding]
        : opts.padding.length === 2
          ? [opts.padding[0]!, opts.padding[1]!, opts.padding[0]!, opts.padding[1]!]
          : [...opts.padding];
  if (pad.length !== 4) throw new ArgumentError('RandomCrop: padding must be an int or a sequence of 2 or 4 ints', { op: 'RandomCrop' });
  return made(
    (x) => {
      const p = toPlanar(x, 'RandomCrop');
      let [l, t, r, b] = pad as [number, number, number, number];
      let h = p.h + t + b;
      let w = p.w + l + r;
      if (opts.padIfNeeded && h < th) {
        t += th - h;
        b += th - h;
        h += 2 * (th - h);
      }
      if (opts.padIfNeeded && w < tw) {
        l += tw - w;
        r += tw - w;
        w += 2 * (tw - w);
      }
      if (h < th || w < tw)
        throw new ArgumentError(`RandomCrop: required crop size [${th}, ${tw}] is larger than the (padded) input image size [${h}, ${w}]`, {
          op: 'RandomCrop',
        });
      const i = Math.floor(u(opts.generator) * (h - th + 1));
      const j = Math.floor(u(opts.generator) * (w - tw + 1));
      return F.crop(x, i - t, j - l, th, tw, opts.fill ?? 0);
    },
    'RandomCrop',
    arguments,
  );
}
/**
 * Flip left-right with probability `p` (default 0.5).
 *
 * @example
 * const flip = transforms.RandomHorizontalFlip(0.5, { generator: new dl.Generator(0) });
 * flip(dl.rand(3, 8, 8)).shape; // → [3, 8, 8], mirrored half of the time
 */
export function RandomHorizontalFlip(p = 0.5, opts: RandomOpts = {}): Transform<Image, Image> {
  return made((x) => (u(opts.generator) < p ? F.hflip(x) : x), 'RandomHorizontalFlip', arguments);
}
/**
 * Rotate by an angle uniform in [-degrees, degrees] (or [min, max]); nearest, fill outside.
 *
 * @example
 * const rotate = transforms.RandomRotation(15, { fill: 0 });
 * rotate(dl.rand(1, 28, 28)).shape; // → [1, 28, 28]
 */
export function RandomRotation(
  degrees: number | readonly [number, number],
  opts: RandomOpts & { fill?: number } = {},
): Transform<Image, Image> {
  const [lo, hi] = typeof degrees === 'number' ? [-Math.abs(degrees), Math.abs(degrees)] : degrees;
  return made(
    (x) => F.rotate(x, lo + u(opts.generator) * (hi - lo), opts.fill === undefined ? {} : { fill: opts.fill }),
    'RandomRotation',
    arguments,
  );
}
/**
 * Random brightness, contrast and saturation changes, in a random order (as torchvision; hue
 * is not supported). Each factor is uniform in [max(0, 1 - v), 1 + v] (or a given [min, max]).
 *
 * @example
 * const jitter = transforms.ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4 });
 * jitter(dl.rand(3, 32, 32)).shape; // → [3, 32, 32]
 */
export function ColorJitter(
  opts: RandomOpts & {
    brightness?: number | readonly [number, number];
    contrast?: number | readonly [number, number];
    saturation?: number | readonly [number, number];
  } = {},
): Transform<Image, Image> {
  const range = (v: number | readonly [number, number] | undefined): [number, number] | undefined =>
    v === undefined || v === 0 ? undefined : typeof v === 'number' ? [Math.max(0, 1 - v), 1 + v] : [v[0], v[1]];
  const fns: [[number, number] | undefined, (x: Image, f: number) => Image][] = [
    [range(opts.brightness), F.adjustBrightness],
    [range(opts.contrast), F.adjustContrast],
    [range(opts.saturation), F.adjustSaturation],
  ];
  return made(
    (x) => {
      const g = opts.generator ?? defaultGenerator;
      const keys = g.uniforms(fns.length);
      const order = fns.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]!);
      let v = x;
      for (const k of order) {
        const [r, fn] = fns[k]!;
        if (r) v = fn(v, r[0] + u(g) * (r[1] - r[0]));
      }
      return v;
    },
    'ColorJitter',
    arguments,
  );
}
/**
 * Wrap any function as a transform.
 *
 * @example
 * const scale = transforms.Lambda((x: dl.Tensor) => x.mul(255));
 * scale(dl.tensor([0.5])); // → tensor([127.5000])
 */
export function Lambda<A, B>(fn: (x: A) => B): Transform<A, B> {
  return fn;
}
