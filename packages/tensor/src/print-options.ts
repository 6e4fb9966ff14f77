import { ArgumentError } from './errors.js';

/** How tensors print (`torch.set_printoptions`); see {@link setPrintOptions}. */
export interface PrintOptions {
  /** Digits after the decimal point of floating values (default 4). */
  precision: number;
  /** Tensors with more elements than this are summarized with `...` (default 1000). */
  threshold: number;
  /** Items shown at the beginning and end of each summarized dimension (default 3). */
  edgeitems: number;
  /** Characters per line before a row wraps (default 80). */
  linewidth: number;
  /** `true`/`false` force scientific notation on or off; `null` lets each tensor choose (default). */
  sciMode: boolean | null;
}

/** The argument of {@link setPrintOptions}: any option, and a `profile` applied first. */
export interface SetPrintOptions extends Partial<PrintOptions> {
  /** Preset applied before the other options: `default`, `short` (precision 2, edgeitems 2) or `full` (no summarization). */
  profile?: 'default' | 'short' | 'full';
}

const PROFILES = {
  default: { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 },
  short: { precision: 2, threshold: 1000, edgeitems: 2, linewidth: 80 },
  full: { precision: 4, threshold: Infinity, edgeitems: 3, linewidth: 80 },
} as const;

/** @internal The live options (read by format.ts on every print). */
export const printOptions: PrintOptions = { ...PROFILES.default, sciMode: null };

const KEYS = new Set(['precision', 'threshold', 'edgeitems', 'linewidth', 'sciMode', 'profile']);

function count(name: string, v: unknown, min: number, allowInf = false): number {
  const ok = typeof v === 'number' && v >= min && (Number.isInteger(v) || (allowInf && v === Infinity));
  if (!ok) {
    throw new ArgumentError(`setPrintOptions: ${name} must be an integer >= ${min}${allowInf ? ' (or Infinity)' : ''}, got ${String(v)}`, {
      op: 'setPrintOptions',
      hint: `e.g. dl.setPrintOptions({ ${name}: ${name === 'precision' ? 2 : name === 'threshold' ? 'Infinity' : name === 'linewidth' ? 120 : 2} })`,
    });
  }
  return v as number;
}

/**
 * Set how tensors print (`String(t)`, `console.log(t)`), as `torch.set_printoptions`: `profile`
 * first (`'default'`, `'short'`, `'full'`), then each option given. As in PyTorch, `sciMode` is
 * reset to automatic (`null`) by every call that does not pass it. Unknown keys are an error
 * (PyTorch would raise a TypeError for a misspelt keyword too).
 *
 * @example
 * dl.setPrintOptions({ precision: 2 });
 * String(dl.tensor([1.12345]));         // 'tensor([1.12])'
 * dl.setPrintOptions({ threshold: 5 });
 * String(dl.arange(10));                // 'tensor([0, 1, 2,  ..., 7, 8, 9])'
 * dl.setPrintOptions({ profile: 'default' });
 */
export function setPrintOptions(opts: SetPrintOptions = {}): void {
  if (opts === null || typeof opts !== 'object') {
    throw new ArgumentError(`setPrintOptions: expected an options object, got ${opts === null ? 'null' : typeof opts}`, {
      op: 'setPrintOptions',
      hint: 'e.g. dl.setPrintOptions({ precision: 2, sciMode: false })',
    });
  }
  for (const k of Object.keys(opts)) {
    if (!KEYS.has(k)) {
      throw new ArgumentError(`setPrintOptions: unknown option '${k}'`, {
        op: 'setPrintOptions',
        hint: `the options are ${[...KEYS].join(', ')} (camelCase: sci_mode is sciMode)`,
      });
    }
  }
  // Validate everything before changing anything.
  const next: PrintOptions = { ...printOptions };
  if (opts.profile !== undefined) {
    const p = PROFILES[opts.profile as keyof typeof PROFILES];
    if (!p || !Object.hasOwn(PROFILES, opts.profile)) {
      throw new ArgumentError(`setPrintOptions: unknown profile ${JSON.stringify(opts.profile)}`, {
        op: 'setPrintOptions',
        hint: "use 'default', 'short' or 'full'",
      });
    }
    Object.assign(next, p);
  }
  if (opts.precision !== undefined) next.precision = count('precision', opts.precision, 0);
  if (opts.threshold !== undefined) next.threshold = count('threshold', opts.threshold, 0, true);
  // edgeitems 0 crashes torch 1.13's summarization (an empty stack); dl asks for at least 1
  if (opts.edgeitems !== undefined) next.edgeitems = count('edgeitems', opts.edgeitems, 1);
  if (opts.linewidth !== undefined) next.linewidth = count('linewidth', opts.linewidth, 1);
  const sci = opts.sciMode ?? null;
  if (sci !== null && typeof sci !== 'boolean') {
    throw new ArgumentError(`setPrintOptions: sciMode must be true, false or null, got ${String(sci)}`, {
      op: 'setPrintOptions',
      hint: 'null (the default) lets each tensor choose',
    });
  }
  if (next.precision > 100) {
    throw new ArgumentError(`setPrintOptions: precision must be at most 100, got ${next.precision}`, {
      op: 'setPrintOptions',
      hint: 'a float64 has 17 significant digits',
    });
  }
  next.sciMode = sci;
  Object.assign(printOptions, next);
}

/**
 * The current print options (a copy).
 *
 * @example
 * const saved = dl.getPrintOptions();
 * dl.setPrintOptions({ precision: 8 }); // … print …
 * dl.setPrintOptions(saved);
 */
export function getPrintOptions(): PrintOptions {
  return { ...printOptions };
}
