import type { RawImage } from '../image.js';
import { CorruptDatasetError } from './errors.js';
import { decodeJpeg, isJpeg } from './jpeg.js';
import type { ReaderLimits } from './limits.js';
import { decodePng, isPng } from './png.js';

/**
 * Decode PNG or JPEG bytes (by signature) to an RGB {@link RawImage}, as PIL's
 * `Image.open(f).convert('RGB')` (alpha dropped, gray replicated). Hostile input fails with a
 * `CorruptDatasetError` or a `LimitExceededError` naming `name`; nothing it can
 * contain aborts the process or allocates past `limits` (default `datasets.getReaderLimits()`).
 *
 * @example
 * const img = datasets.decodeImage(fs.readFileSync('cat.png'), 'cat.png', { maxImagePixels: 4096 * 4096 });
 */
export function decodeImage(bytes: Uint8Array, name = 'image', limits?: Partial<ReaderLimits>): RawImage {
  if (isPng(bytes)) return decodePng(bytes, name, limits);
  if (isJpeg(bytes)) return decodeJpeg(bytes, name, limits);
  throw new CorruptDatasetError(`decodeImage: cannot decode ${name}: not a PNG or JPEG file (unknown signature)`, {
    op: 'decodeImage',
    hint: 'only PNG and JPEG are read; convert the file or remove it',
  });
}
