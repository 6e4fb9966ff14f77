import { ArgumentError, type Tensor, fromArray } from '@dl/tensor';
import { PNG } from 'pngjs';
import { writeFileAtomic } from '../datasets/io.js';

/** Options of {@link makeGrid} (torchvision's `make_grid` keywords). */
export interface MakeGridOptions {
  /** Images per row (default 8). */
  nrow?: number;
  /** Pixels between images and around the border (default 2). */
  padding?: number;
  /** Shift the values to [0, 1] by the min and max (or `valueRange`). */
  normalize?: boolean;
  valueRange?: [number, number];
  /** Normalise each image by its own min and max. */
  scaleEach?: boolean;
  padValue?: number;
}

/**
 * Tile a batch of images (B×C×H×W, C = 1 or 3) into one 3×H'×W' image, as torchvision's
 * `make_grid` (gray batches are repeated to 3 channels).
 *
 * @example
 * const grid = utils.makeGrid(xb, { nrow: 8, normalize: true });
 */
export function makeGrid(batch: Tensor | readonly Tensor[], opts: MakeGridOptions = {}): Tensor {
  let t = Array.isArray(batch) ? null : (batch as Tensor);
  if (!t) {
    const list = batch as readonly Tensor[];
    const host = list.map((x) => x.contiguous().float().dataSync() as Float32Array);
    const n = host[0]!.length;
    const all = new Float32Array(n * list.length);
    host.forEach((h, i) => all.set(h, i * n));
    t = fromArray(all, [list.length, ...list[0]!.shape]);
  }
  if (t.dim() === 2) t = t.unsqueeze(0);
  if (t.dim() === 3) t = t.shape[0] === 1 || t.shape[0] === 3 ? t.unsqueeze(0) : t.unsqueeze(1);
  if (t.dim() !== 4) throw new ArgumentError(`makeGrid: expected B×C×H×W images, got shape [${t.shape.join(', ')}]`, { op: 'makeGrid' });
  const [b, c0, h, w] = t.shape as [number, number, number, number];
  if (c0 !== 1 && c0 !== 3) throw new ArgumentError(`makeGrid: expected 1 or 3 channels, got ${c0}`, { op: 'makeGrid' });
  const src = Float32Array.from(t.contiguous().float().dataSync() as Float32Array);
  if (opts.normalize) {
    const norm = (from: number, to: number) => {
      let lo = opts.valueRange?.[0];
      let hi = opts.valueRange?.[1];
      if (lo === undefined || hi === undefined) {
        lo = Infinity;
        hi = -Infinity;
        for (let i = from; i < to; i++) {
          lo = Math.min(lo, src[i]!);
          hi = Math.max(hi, src[i]!);
        }
      }
      for (let i = from; i < to; i++) src[i] = Math.min(Math.max((src[i]! - lo) / Math.max(hi - lo, 1e-5), 0), 1);
    };
    if (opts.scaleEach) for (let k = 0; k < b; k++) norm(k * c0 * h * w, (k + 1) * c0 * h * w);
    else norm(0, src.length);
  }
  const nrow = opts.nrow ?? 8;
  const pad = opts.padding ?? 2;
  const xmaps = Math.min(nrow, b);
  const ymaps = Math.ceil(b / xmaps);
  const H = ymaps * (h + pad) + pad;
  const W = xmaps * (w + pad) + pad;
  const out = new Float32Array(3 * H * W).fill(opts.padValue ?? 0);
  for (let k = 0; k < b; k++) {
    const oy = Math.floor(k / xmaps) * (h + pad) + pad;
    const ox = (k % xmaps) * (w + pad) + pad;
    for (let ch = 0; ch < 3; ch++) {
      const sc = c0 === 1 ? 0 : ch;
      for (let y = 0; y < h; y++)
        for (let x = 0; x < w; x++) out[ch * H * W + (oy + y) * W + ox + x] = src[((k * c0 + sc) * h + y) * w + x]!;
    }
  }
  return fromArray(out, [3, H, W]);
}

/**
 * Encode a CHW float image in [0, 1] (or a batch, tiled with {@link makeGrid}) as PNG bytes:
 * `round(x * 255)` clamped, as torchvision's `save_image`.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('samples.png', utils.encodePng(dl.rand(16, 3, 32, 32), { nrow: 4 })); // as save_image(x, 'samples.png', nrow=4)
 */
export function encodePng(img: Tensor, opts: MakeGridOptions = {}): Uint8Array {
  const grid = img.dim() === 4 || opts.normalize ? makeGrid(img, opts) : img.dim() === 2 ? img.unsqueeze(0) : img;
  const [c, h, w] = grid.shape as [number, number, number];
  if (c !== 1 && c !== 3) throw new ArgumentError(`saveImage: expected 1 or 3 channels, got ${c}`, { op: 'saveImage' });
  const v = grid.contiguous().float().dataSync() as Float32Array;
  const png = new PNG({ width: w, height: h });
  for (let p = 0; p < h * w; p++) {
    for (let k = 0; k < 3; k++) {
      const x = v[(c === 1 ? 0 : k) * h * w + p]!;
      png.data[p * 4 + k] = Math.min(255, Math.max(0, Math.floor(x * 255 + 0.5)));
    }
    png.data[p * 4 + 3] = 255;
  }
  return new Uint8Array(PNG.sync.write(png));
}

/**
 * Save a tensor image or batch as a PNG file, written atomically (temp file in the same folder,
 * fsync, rename: a kill leaves the old file or the new one, never half of it).
 *
 * @example
 * utils.saveImage(xb, 'grid.png', { nrow: 8, normalize: true });
 */
export function saveImage(img: Tensor, file: string, opts: MakeGridOptions = {}): void {
  writeFileAtomic(file, encodePng(img, opts));
}
