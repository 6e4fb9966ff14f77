/**
 * Note [Scans as log-step composites]
 * `cumprod`, `cummax`/`cummin` and `logcumsumexp` are inclusive scans with an associative
 * combine. They are composed of existing kernels as a Hillis–Steele scan: ⌈log2 n⌉ steps, where
 * step k combines every element with the one k places before it (`narrow` + `cat`). That runs
 * unchanged on every backend, and autograd differentiates it exactly:
 *  - `cumprod` multiplies only, so its gradient is the product rule, exact with zeros in the input
 *    (torch's cumprod_backward needs a special path for zeros; this gradient has no division).
 *    Floating inputs scan in float64 where the device has it, as torch's CPU kernel accumulates
 *    in double (so `[1e38, 1e38, 1e-38]` gives `[1e38, inf, 1e38]` as torch does). At inf/NaN
 *    inputs torch's formula divides by the input and gives NaN where this gradient is finite.
 *  - `cummax`/`cummin` scan (value, index) pairs on detached values; the values are then
 *    `x.gather(dim, indices)`, whose gradient (scatter-add into the indices) is torch's.
 *  - `logcumsumexp` combines with `m + log(exp(a - m) + exp(b - m))`, `m = max(a, b)` detached
 *    (and 0 where infinite): every exp argument is <= 0, so it is stable for any spread of
 *    values, and its derivative `exp(a - result)` is the softmax weight torch's backward computes.
 */
import { defineOp, deviceCan, readHostSync } from '../dispatch.js';
import { isFloating, toDTypeOpt, type DType, type DTypeName } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { getBackend } from '../registry.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { arange, fromHost } from './creation.js';
import { DEFERRED_NOTE, checkOnDevice } from './device-check.js';
import { where } from './elementwise.js';
import { cat, gather } from './indexing.js';
import { valuesIndices, type ValuesIndices } from './reduce.js';
import { checkOptionsArg } from './options-arg.js';

/** The inclusive scan of `xs` (tensors of one shape) along `d`, combining (earlier, later) pairs. */
function scan(xs: Tensor[], d: number, combine: (earlier: Tensor[], later: Tensor[]) => Tensor[]): Tensor[] {
  const n = xs[0]!.shape[d]!;
  let ys = xs;
  for (let k = 1; k < n; k *= 2) {
    const upd = combine(
      ys.map((y) => y.narrow(d, 0, n - k)),
      ys.map((y) => y.narrow(d, k, n - k)),
    );
    ys = ys.map((y, i) => cat([y.narrow(d, 0, k), upd[i]!], d));
  }
  return ys;
}

function hasFloat64(x: Tensor, op: string): boolean {
  return getBackend(x.device, op).dtypes.includes('float64');
}

/**
 * Cumulative product along `dim` (`torch.cumprod`). Integer and bool inputs give int32 (torch's
 * int64; a product leaving int32 raises on devices with sync reads, Note [int64 is int32]).
 * The gradient is exact with zeros in the input (Note [Scans as log-step composites]).
 *
 * @example
 * dl.tensor([1, 2, 3, 4]).cumprod(0); // tensor([ 1.,  2.,  6., 24.])
 */
export const cumprod = defineOp('cumprod', (x: Tensor, dim: number, opts: { dtype?: DTypeName } = {}): Tensor => {
  checkOptionsArg('cumprod', opts, "x.cumprod(1, { dtype: 'float64' })");
  const d = normDim(dim, x.dim(), 'cumprod');
  const given = toDTypeOpt(opts.dtype, 'cumprod');
  const dt: DType = given ?? (isFloating(x.dtype) ? x.dtype : 'int32');
  if (x.dim() === 0) return x.to(dt).clone();
  const intResult = !isFloating(dt);
  const checked = intResult && given === undefined && deviceCan(x, 'readSync') && hasFloat64(x, 'cumprod');
  // float32 scans in float64 where the device has it (torch's CPU kernel accumulates in double)
  const wt: DType = checked || (dt === 'float32' && hasFloat64(x, 'cumprod')) ? 'float64' : dt;
  const [y] = scan([x.to(wt)], d, ([a], [b]) => [a!.mul(b!)]);
  const overflow = (v: number, hint = '') =>
    new DTypeError(
      `cumprod: the product of the ${x.dtype} tensor of shape ${fmtShape(x.shape)} reaches ${v}, which overflows int32 (torch returns int64 here; dl stores int64 as int32)`,
      {
        op: 'cumprod',
        hint: `accumulate in floating point: x.cumprod(dim, { dtype: 'float64' }) (or 'float32')${hint}`,
      },
    );
  if (checked) {
    const vals = readHostSync(y!.contiguous(), 'cumprod');
    for (let i = 0; i < vals.length; i++) if (vals[i]! > 2147483647 || vals[i]! < -2147483648) throw overflow(vals[i]!);
  } else if (intResult && given === undefined && !deviceCan(x, 'readSync')) {
    // no sync read (webgpu): the products' magnitudes in float32, checked on the device (an int32
    // product would wrap silently); float32 rounding can misjudge only products within 2^7 of 2^31
    const [approx] = scan([x.detach().to('float32')], d, ([a], [b]) => [a!.mul(b!)]);
    checkOnDevice('cumprod', approx!, {
      lo: -2147483648,
      hi: 2147483647,
      key: `cumprod:${x.dtype}`,
      error: (v) => overflow(v, `. ${DEFERRED_NOTE}`),
    });
  }
  return y!.to(dt);
});

/** The indices of the running max (`largest`) or min along `d`, torch's rule: a later equal value or NaN wins. */
function runningExtremeIndices(x: Tensor, d: number, largest: boolean): Tensor {
  if (deviceCan(x, 'readSync')) return runningExtremeIndicesHost(x, d, largest);
  const n = x.shape[d]!;
  const shape = x.shape.map((s, i) => (i === d ? s : 1));
  const idx = arange(n, undefined, 1, { dtype: 'int32', device: x.device })
    .reshape(shape)
    .expand([...x.shape]);
  const v = x.dtype === 'bool' ? x.detach().to('uint8') : x.detach();
  const floating = isFloating(v.dtype);
  const [, i] = scan([v, idx], d, ([va, ia], [vb, ib]) => {
    const better = largest ? vb!.ge(va!) : vb!.le(va!);
    const takeLater = floating ? vb!.isnan().logicalOr(va!.isnan().logicalNot().logicalAnd(better)) : better;
    return [where(takeLater, vb!, va!), where(takeLater, ib!, ia!)];
  });
  return i!.contiguous();
}

/** {@link runningExtremeIndices} in one pass over host data (devices with sync reads). */
function runningExtremeIndicesHost(x: Tensor, d: number, largest: boolean): Tensor {
  const c = x.detach().contiguous();
  const data = c.numel() === 0 ? [] : readHostSync(c, largest ? 'cummax' : 'cummin');
  const n = x.shape[d]!;
  const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const outer = n === 0 ? 0 : x.numel() / (n * inner);
  const out = new Int32Array(x.numel());
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let best = data[base]!;
      let at = 0;
      for (let k = 0; k < n; k++) {
        const v = data[base + k * inner]!;
        // torch's rule: a NaN, or a value at least as large (small), takes over
        if (v !== v || (best === best && (largest ? v >= best : v <= best))) {
          best = v;
          at = k;
        }
        out[base + k * inner] = at;
      }
    }
  }
  return fromHost(out, [...x.shape], 'int32', x.device, largest ? 'cummax' : 'cummin');
}

function cumExtreme(op: 'cummax' | 'cummin', x: Tensor, dim: number): ValuesIndices {
  const d = normDim(dim, x.dim(), op);
  if (x.dim() === 0) return valuesIndices(x.clone(), fromHost([0], [], 'int32', x.device, op));
  const indices = runningExtremeIndices(x, d, op === 'cummax');
  return valuesIndices(gather(x, d, indices), indices);
}

/**
 * Running maximum along `dim` and where it was reached (`torch.cummax`): `[values, indices]`.
 * A later equal value takes the index, and NaN propagates (its index is the latest NaN), as torch.
 *
 * @example
 * const [v, i] = dl.tensor([1, 3, 2, 3]).cummax(0); // v: [1, 3, 3, 3], i: [0, 1, 1, 3]
 */
export const cummax = defineOp('cummax', (x: Tensor, dim: number): ValuesIndices => cumExtreme('cummax', x, dim));

/**
 * Running minimum along `dim` and where it was reached (`torch.cummin`): `[values, indices]`.
 *
 * @example
 * const [v, i] = dl.tensor([3, 1, 2, 1]).cummin(0); // v: [3, 1, 1, 1], i: [0, 1, 1, 3]
 */
export const cummin = defineOp('cummin', (x: Tensor, dim: number): ValuesIndices => cumExtreme('cummin', x, dim));

/**
 * `log(cumsum(exp(x)))` along `dim`, computed stably (`torch.logcumsumexp`); ±inf as torch.
 *
 * @example
 * dl.tensor([0, 0, 0]).logcumsumexp(0); // tensor([0.0000, 0.6931, 1.0986])
 */
export const logcumsumexp = defineOp('logcumsumexp', (x: Tensor, dim: number): Tensor => {
  const d = normDim(dim, x.dim(), 'logcumsumexp');
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`logcumsumexp: expected a floating point input, got ${x.dtype} ${fmtShape(x.shape)}`, {
      op: 'logcumsumexp',
      hint: 'cast first with .float()',
    });
  }
  if (x.dim() === 0) return x.clone();
  // without infinities (one read where the device can) the plain stable combine is exact
  const plain = deviceCan(x, 'readSync') && !readHostSync(x.detach().isinf().any(), 'logcumsumexp')[0];
  const [y] = scan([x], d, ([a], [b]) => [plain ? logAddExpFinite(a!, b!) : logAddExp(a!, b!)]);
  return y!;
});

/** `log(exp(a) + exp(b))` for finite (or NaN) a and b: `m + log(exp(a - m) + exp(b - m))`, m = max(a, b) detached. */
function logAddExpFinite(a: Tensor, b: Tensor): Tensor {
  const m = a.detach().maximum(b.detach());
  return a.sub(m).exp().add(b.sub(m).exp()).log().add(m);
}

/**
 * `log(exp(a) + exp(b))` for the scan (Note [Scans as log-step composites]), with torch's
 * gradients at infinities: where the result is +inf, the +inf argument gets NaN (torch's
 * exp(... + inf - inf)) and the others 0; where both are -inf, both get 0. The finite branch
 * sees only finite shifts, so its unselected gradients stay 0 instead of 0·inf = NaN.
 */
function logAddExp(a: Tensor, b: Tensor): Tensor {
  const m = a.detach().maximum(b.detach());
  const posInf = m.eq(Infinity);
  const negInf = m.eq(-Infinity);
  const special = posInf.logicalOr(negInf);
  const shift = where(special, 0, m);
  const as = where(special, 0, a);
  const bs = where(special, 0, b);
  const finite = as.sub(shift).exp().add(bs.sub(shift).exp()).log().add(shift);
  const aInf = a.detach().eq(Infinity);
  const viaExp = (t: Tensor, isInf: Tensor) => where(isInf, t, 0).exp().log(); // inf, gradient NaN
  const inf = where(aInf, viaExp(a, aInf), viaExp(b, b.detach().eq(Infinity)));
  return where(posInf, inf, where(negInf, m, finite));
}

/** Options of {@link diff}: torch's keywords. */
export interface DiffOptions {
  /** How many times to difference (default 1). */
  n?: number;
  /** The dim (default -1). */
  dim?: number;
  /** Values put before `input` along `dim` first (same shape except along `dim`). */
  prepend?: Tensor;
  /** Values put after `input` along `dim` first. */
  append?: Tensor;
}

/**
 * The n-th forward difference along `dim` (`torch.diff`): `out[i] = x[i + 1] - x[i]`, applied `n`
 * times, after `prepend`/`append` are concatenated. Bool inputs give `x[i + 1] != x[i]` (xor), as torch.
 *
 * @example
 * dl.tensor([1, 3, 6, 10]).diff(); // tensor([2., 3., 4.])
 * dl.diff(x, { n: 2, dim: 0, prepend: dl.zeros([1, 3]) });
 */
export const diff = defineOp('diff', (x: Tensor, opts: DiffOptions = {}): Tensor => {
  checkOptionsArg('diff', opts, 'dl.diff(x, { n: 2, dim: 0 })');
  const n = opts.n ?? 1;
  if (x.dim() === 0) {
    throw new ShapeError(`diff: expects input to be at least one-dimensional, got shape ${fmtShape(x.shape)}`, {
      op: 'diff',
      hint: 'reshape a scalar to [1] first',
    });
  }
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`diff: order must be a non-negative integer, got ${n}`, { op: 'diff' });
  const d = normDim(opts.dim ?? -1, x.dim(), 'diff');
  if (n === 0) return x.clone(); // torch ignores prepend/append for n = 0
  const parts: Tensor[] = [];
  for (const [t, name] of [
    [opts.prepend, 'prepend'],
    [x, 'input'],
    [opts.append, 'append'],
  ] as const) {
    if (!t) continue;
    if (t.dim() !== x.dim() || t.shape.some((s, i) => i !== d && s !== x.shape[i])) {
      throw new ShapeError(
        `diff: ${name} of shape ${fmtShape(t.shape)} must have the input's dims (${fmtShape(x.shape)}) with the same sizes except along dim ${d}`,
        {
          op: 'diff',
          hint: `e.g. prepend of shape ${fmtShape(x.shape.map((s, i) => (i === d ? 1 : s)))}`,
        },
      );
    }
    parts.push(t);
  }
  let y = parts.length === 1 ? x : cat(parts, d);
  for (let k = 0; k < n; k++) {
    const len = y.shape[d]!;
    if (len === 0) break;
    const hi = y.narrow(d, 1, len - 1);
    const lo = y.narrow(d, 0, len - 1);
    y = y.dtype === 'bool' ? hi.ne(lo) : hi.sub(lo);
  }
  return y;
});

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The cumulative product along `dim`, as `torch.Tensor.cumprod` (`dl.cumprod`); `{ dtype }` as torch.
     *
     * @example
     * dl.tensor([1, 2, 3]).cumprod(0); // → tensor([1., 2., 6.])
     */
    cumprod(dim: number, opts?: { dtype?: DTypeName }): Tensor;
    /**
     * The running maximum along `dim` and the index where it was reached: `{ values, indices }` (destructure
     * `[values, indices]`), as `torch.Tensor.cummax`.
     *
     * @example
     * const [values, indices] = dl.tensor([1, 3, 2, 5]).cummax(0);
     * // indices → tensor([0, 1, 1, 3])
     */
    cummax(dim: number): ValuesIndices;
    /**
     * The running minimum along `dim` and the index where it was reached: `{ values, indices }`, as `torch.Tensor.cummin`.
     *
     * @example
     * dl.tensor([3, 1, 2, 0]).cummin(0).values; // → tensor([3., 1., 1., 0.])
     */
    cummin(dim: number): ValuesIndices;
    /**
     * `log(cumsum(exp(x)))` along `dim`, computed stably, as `torch.Tensor.logcumsumexp`.
     *
     * @example
     * dl.tensor([0, 0, 0]).logcumsumexp(0); // → tensor([0.0000, 0.6931, 1.0986])
     */
    logcumsumexp(dim: number): Tensor;
    /**
     * The n-th forward difference along `dim` (default last; `{ n, dim, prepend, append }`), as `torch.Tensor.diff`.
     *
     * @example
     * dl.tensor([1, 4, 9, 16]).diff({ n: 2 }); // → tensor([2., 2.])
     */
    diff(opts?: DiffOptions): Tensor;
  }
}

/** The cumulative ops as Tensor methods (Note [Tensor methods from op families]). */
export const cumulativeMethods = {
  cumprod(this: Tensor, dim: number, opts?: { dtype?: DTypeName }) {
    return cumprod(this, dim, opts);
  },
  cummax(this: Tensor, dim: number) {
    return cummax(this, dim);
  },
  cummin(this: Tensor, dim: number) {
    return cummin(this, dim);
  },
  logcumsumexp(this: Tensor, dim: number) {
    return logcumsumexp(this, dim);
  },
  diff(this: Tensor, opts?: DiffOptions) {
    return diff(this, opts);
  },
} satisfies TensorMethods;
