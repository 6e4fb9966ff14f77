import { ArgumentError } from '@dl/tensor';
import { LimitExceededError } from './errors.js';

/**
 * Caps every file reader in `@dl/vision` respects, so that a hostile or damaged file (a
 * decompression bomb, a PNG declaring 30000×30000 pixels, a tar with a million entries) fails
 * with a {@link LimitExceededError} instead of exhausting memory.
 */
export interface ReaderLimits {
  /**
   * Most bytes one read may allocate: a file read whole, a decompressed stream, a decoded
   * image (default 1 GiB).
   */
  maxBytes: number;
  /** Most pixels in one decoded image (default 89,478,485, PIL's `Image.MAX_IMAGE_PIXELS`). */
  maxImagePixels: number;
  /** Most entries (files, folders, extended headers) in one tar archive (default 100,000). */
  maxTarEntries: number;
}

/** The defaults of {@link ReaderLimits}. */
export const DEFAULT_READER_LIMITS: Readonly<ReaderLimits> = Object.freeze({
  maxBytes: 2 ** 30,
  maxImagePixels: 89_478_485,
  maxTarEntries: 100_000,
});

/** The largest buffer Node can allocate (zlib's `maxOutputLength` must stay below it). */
const HARD_MAX_BYTES = 2 ** 32;

let current: ReaderLimits = { ...DEFAULT_READER_LIMITS };

function validate(l: Partial<ReaderLimits>, op: string): void {
  for (const [k, v] of Object.entries(l)) {
    if (!(k in DEFAULT_READER_LIMITS))
      throw new ArgumentError(`${op}: unknown limit '${k}'`, {
        op,
        hint: `the limits are ${Object.keys(DEFAULT_READER_LIMITS).join(', ')}`,
      });
    if (v === undefined) continue;
    const max = k === 'maxBytes' ? HARD_MAX_BYTES : Number.MAX_SAFE_INTEGER;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > max) {
      throw new ArgumentError(`${op}: ${k} must be an integer in 1..${max}, got ${String(v)}`, { op });
    }
  }
}

/**
 * Set the process-wide reader caps (those not given keep their value). Returns the previous
 * caps, so a caller can restore them. A dataset's own `limits` option overrides these.
 *
 * @example
 * const before = datasets.setReaderLimits({ maxImagePixels: 200_000_000 }); // trusted huge scans
 * // ... read ...
 * datasets.setReaderLimits(before);
 */
export function setReaderLimits(limits: Partial<ReaderLimits>): ReaderLimits {
  validate(limits, 'setReaderLimits');
  const before = { ...current };
  current = { ...current, ...Object.fromEntries(Object.entries(limits).filter(([, v]) => v !== undefined)) };
  return before;
}

/**
 * The process-wide reader caps now in force.
 *
 * @example
 * console.log(datasets.getReaderLimits().maxBytes); // 1073741824
 */
export function getReaderLimits(): Readonly<ReaderLimits> {
  return { ...current };
}

/** The process-wide caps with `overrides` (a reader's or dataset's `limits` option) applied. */
export function resolveLimits(overrides?: Partial<ReaderLimits>): ReaderLimits {
  if (!overrides) return { ...current };
  validate(overrides, 'limits');
  return { ...current, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) };
}

/** `1073741824` → `1,073,741,824`. */
export function fmtInt(n: number): string {
  return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : String(n);
}

/**
 * Throw a {@link LimitExceededError} when `amount` exceeds the cap `key`.
 * `what` says what was measured ("a 30000×30000 RGB image"), `file` which file (or entry).
 */
export function checkLimit(limits: ReaderLimits, key: keyof ReaderLimits, amount: number, op: string, file: string, what: string): void {
  const cap = limits[key];
  if (amount <= cap) return;
  const unit = key === 'maxBytes' ? ' bytes' : key === 'maxImagePixels' ? ' pixels' : ' entries';
  const suggest = Math.min(key === 'maxBytes' ? HARD_MAX_BYTES : Number.MAX_SAFE_INTEGER, Math.ceil(amount));
  throw new LimitExceededError(`${op}: ${file}: ${what} needs ${fmtInt(amount)}${unit}, over the limit of ${fmtInt(cap)}${unit} (${key})`, {
    op,
    hint:
      `if the file is trusted, raise the cap: datasets.setReaderLimits({ ${key}: ${suggest} }) or a dataset's { limits: { ${key}: ${suggest} } }` +
      (key === 'maxBytes' && amount > HARD_MAX_BYTES ? ' (no Node buffer holds more than 4 GiB: this file cannot be read whole)' : ''),
  });
}
