import { LimitError } from './errors.js';

/**
 * Caps on what reading a file may allocate or walk. Files are hostile (DESIGN.md): every reader
 * checks declared sizes against these before allocating anything.
 */
export interface ReadLimits {
  /**
   * Most bytes of tensor data (after dtype conversion) and inflated zip entries one load may
   * allocate. Default 4 GiB.
   */
  maxBytes?: number;
  /** Largest safetensors JSON header or PyTorch `data.pkl`. Default 100 MB (as safetensors). */
  maxHeaderBytes?: number;
  /** Most zip entries or safetensors tensors. Default 1,000,000. */
  maxEntries?: number;
  /** Deepest nesting of lists, dicts and tuples (pickle or JSON metadata). Default 1,000. */
  maxDepth?: number;
  /**
   * Most a deflated zip entry may inflate, as a multiple of its compressed size (at least 1 MiB
   * is always allowed). Default 100: `torch.save` never compresses, and a deflate bomb reaches
   * ×1000. See Note [Deflate bombs].
   */
  maxInflateRatio?: number;
  /**
   * Most values a pickle may push (each opcode pushes at most one) or arrays and objects a JSON
   * header may hold. Default 10,000,000: a real checkpoint needs ~20 per tensor, and each costs
   * JS heap that no byte cap sees.
   */
  maxObjects?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<ReadLimits>> = Object.freeze({
  maxBytes: 4 * 2 ** 30,
  maxHeaderBytes: 100_000_000,
  maxEntries: 1_000_000,
  maxDepth: 1_000,
  maxInflateRatio: 100,
  maxObjects: 10_000_000,
});

/**
 * @internal The limits with defaults filled in.
 *
 * @example
 * resolveLimits({ maxBytes: 2 ** 20 }).maxHeaderBytes; // 100_000_000
 */
export function resolveLimits(opts: ReadLimits = {}): Required<ReadLimits> {
  const out = { ...DEFAULT_LIMITS };
  for (const k of Object.keys(DEFAULT_LIMITS) as (keyof ReadLimits)[]) {
    const v = opts[k];
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/**
 * Format a byte count for messages (`1.5 GiB`, `300 B`).
 *
 * @example
 * fmtBytes(3 * 2 ** 30); // '3 GiB'
 */
export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${+v.toFixed(1)} ${units[i]}`;
}

/**
 * @internal A running total of the bytes one load allocates, checked against `maxBytes` before
 * each allocation.
 *
 * @example
 * const budget = new ByteBudget(2 ** 20, 'load'); budget.take(4096, 'tensor w');
 */
export class ByteBudget {
  used = 0;
  constructor(
    readonly max: number,
    readonly op: string,
  ) {}
  /** Reserve `n` bytes for `what` or throw a {@link LimitError} naming the option to raise. */
  take(n: number, what: string, key?: string): void {
    if (!Number.isFinite(n) || n < 0 || this.used + n > this.max) {
      throw new LimitError(
        `${this.op}: ${what} needs ${Number.isFinite(n) ? fmtBytes(n) : String(n)} more, past maxBytes (${fmtBytes(this.max)}; ${fmtBytes(this.used)} used)`,
        {
          op: this.op,
          key,
          limit: 'maxBytes',
          hint: `if the file is trusted and this big, raise the cap: dl.load(f, { maxBytes: ${Math.max(this.max * 2, 2 ** Math.ceil(Math.log2(Math.max(1, this.used + (Number.isFinite(n) ? n : 0)))))} })`,
        },
      );
    }
    this.used += n;
  }
}

/**
 * @internal Throw a {@link LimitError} when `n` exceeds the cap `limit` of `limits`.
 *
 * @example
 * checkCap('load', entries, limits, 'maxEntries', 'the number of zip entries');
 */
export function checkCap(
  op: string,
  n: number,
  limits: Required<ReadLimits>,
  limit: Exclude<keyof ReadLimits, 'maxBytes' | 'maxInflateRatio'>,
  what: string,
  key?: string,
): void {
  const max = limits[limit];
  if (n > max) {
    throw new LimitError(`${op}: ${what} is ${n}${limit === 'maxHeaderBytes' ? ' bytes' : ''}, past ${limit} (${max})`, {
      op,
      key,
      limit,
      hint: `if the file is trusted, raise the cap: dl.load(f, { ${limit}: ${Math.max(n, max * 2)} })`,
    });
  }
}
