/**
 * Note [Histograms on the device]
 * `histc` has a size known before the data (`bins`): the bin of each element is computed on the
 * device as torch's `(x - min) / (max - min) · bins` truncated (x = max goes to the last bin,
 * values outside [min, max] and NaN are dropped) and counted with `scatterAdd`, so it runs on
 * webgpu unchanged. Its automatic range (`min = max`, the data's min and max) is read on devices
 * with sync reads to raise torch's error for a non-finite range; elsewhere the range stays on the
 * device and a device check raises that error at the next read. `bincount`'s length is `max(x) + 1`, which
 * depends on the data: as `unique`, it reads synchronously (cpu), and `bincountAsync` awaits the
 * read on any device (Note [Data-dependent shapes]).
 */
import { defineOp, deviceCan, readHostSync } from '../dispatch.js';
import { isFloating, isIntegral, type DType } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, StateError, fmtShape } from '../errors.js';
import { getBackend } from '../registry.js';
import type { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { zeros } from './creation.js';
import { where } from './elementwise.js';
import { cat, scatterAdd } from './indexing.js';
import { DEFERRED_NOTE, checkOnDevice } from './device-check.js';
import { checkOptionsArg } from './options-arg.js';

/** Options of {@link histc}: torch's arguments. */
export interface HistcOptions {
  /** Number of bins (default 100). */
  bins?: number;
  /** Lower end of the range (with `max`; both 0, the default, take the data's min and max). */
  min?: number;
  /** Upper end of the range. */
  max?: number;
}

/**
 * Histogram of the elements in `bins` equal-width bins over [min, max] (`torch.histc`); elements
 * outside the range are ignored; `min = max` takes the data's range. Float inputs; the counts
 * have the input's dtype. No gradient (as torch). NaN elements are not counted with an explicit
 * range (torch 1.13's cpu kernel counts them in the first bin: its NaN → int cast is undefined
 * behaviour, not a rule to copy), and an automatic range over data with a NaN raises, as torch.
 *
 * @example
 * dl.histc(dl.tensor([1, 2, 1]), { bins: 4, min: 0, max: 3 }); // tensor([0., 2., 1., 0.])
 * x.histc(10);
 */
export const histc = defineOp('histc', (x: Tensor, binsOrOpts: number | HistcOptions = {}, min?: number, max?: number): Tensor => {
  const o: HistcOptions = typeof binsOrOpts === 'number' ? { bins: binsOrOpts, min, max } : binsOrOpts;
  const bins = o.bins ?? 100;
  let lo = o.min ?? 0;
  let hi = o.max ?? 0;
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`histc: expected a floating point input, got ${x.dtype} ${fmtShape(x.shape)}`, {
      op: 'histc',
      hint: 'cast first with .float()',
    });
  }
  if (!Number.isInteger(bins) || bins <= 0) throw new ArgumentError(`histc: bins must be a positive integer, got ${bins}`, { op: 'histc' });
  const xd = x.detach().reshape([-1]);
  let loT: Tensor | number = lo;
  let hiT: Tensor | number = hi;
  if (lo === hi && xd.numel() > 0) {
    const mn = xd.min();
    const mx = xd.max();
    if (deviceCan(x, 'readSync')) {
      lo = readHostSync(mn, 'histc')[0]!;
      hi = readHostSync(mx, 'histc')[0]!;
      loT = lo;
      hiT = hi;
    } else {
      const same = mn.eq(mx);
      loT = where(same, mn.sub(1), mn);
      hiT = where(same, mx.add(1), mx);
      // torch's error for a non-finite range (NaN or inf in the data), raised at the next read
      const FMAX = 3.4028234663852886e38;
      checkOnDevice('histc', cat([loT.reshape([1]), hiT.reshape([1])]), {
        lo: -FMAX,
        hi: FMAX,
        key: 'histc:range',
        error: (v) =>
          new ArgumentError(`histc: range of the data is not finite (it reaches ${v})`, {
            op: 'histc',
            hint: `drop NaN/inf values or pass a finite min and max. ${DEFERRED_NOTE}`,
          }),
      });
    }
  }
  if (typeof loT === 'number' && lo === hi) {
    loT = lo - 1;
    hiT = hi + 1;
    lo -= 1;
    hi += 1;
  }
  if (typeof loT === 'number') {
    if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
      throw new ArgumentError(`histc: range of [${lo}, ${hi}] is not finite`, {
        op: 'histc',
        hint: 'drop NaN/inf values or pass a finite min and max',
      });
    }
    if (!(lo < hi)) throw new ArgumentError(`histc: max (${hi}) must be larger than min (${lo})`, { op: 'histc' });
  }
  // torch's order of operations, in x's dtype: (x - min) / (max - min) * bins
  const rnd = (v: number) => (x.dtype === 'float32' ? Math.fround(v) : v);
  const loX = typeof loT === 'number' ? rnd(loT) : loT;
  const width = typeof loT === 'number' && typeof hiT === 'number' ? rnd(rnd(hiT) - rnd(loT)) : (hiT as Tensor).sub(loT);
  const inRange = xd.ge(loT).logicalAnd(xd.le(hiT));
  const raw = xd
    .sub(loX)
    .div(width)
    .mul(bins)
    .floor()
    .clamp(0, bins - 1);
  const pos = where(inRange, raw, 0).to('int32');
  const ones = inRange.to(x.dtype);
  return scatterAdd(zeros([bins], { dtype: x.dtype, device: x.device }), 0, pos, ones);
});

/** Options of {@link bincount}. */
export interface BincountOptions {
  /** A weight per element (1-D, same length): the bins sum weights instead of counting. */
  weights?: Tensor | null;
  /** The smallest output length (default 0). */
  minlength?: number;
}

function bincountChecks(x: Tensor, o: BincountOptions): void {
  const bad = x.dim() !== 1 ? ShapeError : !isIntegral(x.dtype) || x.dtype === 'bool' ? DTypeError : null;
  if (bad) {
    throw new bad(`bincount: only supports 1-d non-negative integral inputs, got ${x.dtype} ${fmtShape(x.shape)}`, {
      op: 'bincount',
      hint: 'pass a 1-D int32 (or uint8) tensor of non-negative values (x.flatten().int() for a float tensor of whole numbers)',
    });
  }
  const m = o.minlength ?? 0;
  if (!Number.isInteger(m) || m < 0)
    throw new ArgumentError(`bincount: minlength must be a non-negative integer, got ${m}`, { op: 'bincount' });
  const w = o.weights;
  if (w && (w.dim() !== 1 || w.shape[0] !== x.shape[0])) {
    throw new ShapeError(
      `bincount: weights should be 1-d and have the same length as input, got ${fmtShape(w.shape)} for input ${fmtShape(x.shape)}`,
      { op: 'bincount' },
    );
  }
}

function bincountFrom(x: Tensor, data: ArrayLike<number>, o: BincountOptions): Tensor {
  let top = -1;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v < 0) {
      throw new ArgumentError(`bincount: only supports non-negative values, got ${v} at position ${i}`, {
        op: 'bincount',
        hint: 'shift the values first',
      });
    }
    if (v > top) top = v;
  }
  const len = Math.max(top + 1, o.minlength ?? 0);
  const w = o.weights;
  if (data.length === 0) return zeros([len], { dtype: 'int32', device: x.device }); // torch: int64 zeros, weights or not
  let dt: DType = 'int32';
  if (w) dt = isFloating(w.dtype) ? w.dtype : getBackend(x.device, 'bincount').dtypes.includes('float64') ? 'float64' : 'float32';
  const src = w ? w.detach().to(dt) : x.mul(0).add(1).to('int32');
  return scatterAdd(zeros([len], { dtype: dt, device: x.device }), 0, x.to('int32'), src);
}

/**
 * Count of each value 0, 1, …, max(x) in a 1-D non-negative integer tensor (`torch.bincount`):
 * int32 counts, or the sums of `weights` (float64 for integer weights where the device has it,
 * as torch). The length depends on the data: sync read (cpu); use {@link bincountAsync} on webgpu.
 *
 * @example
 * dl.bincount(dl.tensor([0, 1, 1, 3], { dtype: 'int32' }));            // tensor([1, 2, 0, 1])
 * dl.bincount(labels, { weights: w, minlength: 10 });
 */
export const bincount = defineOp('bincount', (x: Tensor, opts: BincountOptions = {}): Tensor => {
  checkOptionsArg('bincount', opts, 'dl.bincount(x, { weights: w, minlength: 10 })');
  bincountChecks(x, opts);
  if (!deviceCan(x, 'readSync')) {
    throw new StateError(`bincount: the output size depends on the data, which device '${x.device}' cannot read synchronously`, {
      op: 'bincount',
      hint: 'use `await dl.bincountAsync(x)` (see Note [Data-dependent shapes])',
    });
  }
  return bincountFrom(x, x.numel() === 0 ? [] : readHostSync(x.contiguous(), 'bincount'), opts);
});

/**
 * {@link bincount} on any device (awaits the read of `x`).
 *
 * @example
 * const counts = await dl.bincountAsync(labels, { minlength: 10 });
 */
export async function bincountAsync(x: Tensor, opts: BincountOptions = {}): Promise<Tensor> {
  checkOptionsArg('bincount', opts, 'dl.bincountAsync(x, { weights: w, minlength: 10 })');
  bincountChecks(x, opts);
  const data = x.numel() === 0 ? [] : await x.contiguous().data();
  return bincountFrom(x, data, opts);
}

declare module '../tensor.js' {
  interface Tensor {
    /**
     * A histogram in `bins` (default 100) equal-width bins over [min, max] (the data's range when both are 0), elements
     * outside ignored, as `torch.Tensor.histc`. Floating tensors only.
     *
     * @example
     * dl.tensor([0.1, 0.4, 0.45, 0.9]).histc(2, 0, 1); // → tensor([3., 1.])
     */
    histc(bins?: number | HistcOptions, min?: number, max?: number): Tensor;
    /**
     * How often each non-negative integer occurs in a 1-D integer tensor (with `{ weights }` the summed weights;
     * `{ minlength }` pads), as `torch.Tensor.bincount`. Reads the values synchronously (cpu; `dl.bincountAsync`
     * elsewhere).
     *
     * @example
     * dl.tensor([0, 2, 2, 3], { dtype: 'int64' }).bincount({ minlength: 5 }); // → tensor([1, 0, 2, 1, 0])
     */
    bincount(opts?: BincountOptions): Tensor;
  }
}

/** The histogram ops as Tensor methods (Note [Tensor methods from op families]). */
export const histogramMethods = {
  histc(this: Tensor, bins?: number | HistcOptions, min?: number, max?: number) {
    return histc(this, bins, min, max);
  },
  bincount(this: Tensor, opts?: BincountOptions) {
    return bincount(this, opts);
  },
} satisfies TensorMethods;
