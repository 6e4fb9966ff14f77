import type { ReduceOp } from '../backend.js';
import { defineOp, deviceCan, readHostSync, recordOp, runKernel } from '../dispatch.js';
import { isFloating, toDTypeOpt, type DType, type DTypeName } from '../dtype.js';
import { ArgumentError, DTypeError, IndexError, fmtShape } from '../errors.js';
import { normDim, normDims } from '../shape.js';
import { Tensor } from '../tensor.js';
import { getBackend } from '../registry.js';
import { broadcastOperand, castRaw, emptyTensor, scalarTensor } from './core.js';
import { binary, clamp, unary, where } from './elementwise.js';
import { runDetached } from './composite.js';

/** Options of reductions. */
export interface ReduceOptions {
  /** Keep reduced dims with size 1. */
  keepdim?: boolean;
  /** Accumulate and return in this dtype (sum, prod, mean). */
  dtype?: DTypeName;
}

/** `max(x, dim)` / `min(x, dim)` / `sort` results: a `[values, indices]` pair with names. */
export type ValuesIndices = [Tensor, Tensor] & { values: Tensor; indices: Tensor };

export function valuesIndices(values: Tensor, indices: Tensor): ValuesIndices {
  return Object.assign([values, indices] as [Tensor, Tensor], { values, indices });
}

function keptShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.map((s, i) => (axes.includes(i) ? 1 : s));
}
function droppedShape(shape: readonly number[], axes: readonly number[]): number[] {
  return shape.filter((_, i) => !axes.includes(i));
}

/** @internal Run a reduce kernel: output in keepdim or dropped form, no autograd. */
export function reduceRaw(op: ReduceOp, x: Tensor, axes: number[], keepdim: boolean, outDtype: DType): Tensor {
  axes = axes.filter((a) => a < x.dim()); // a 0-d tensor reduced over dim 0 / -1 is itself
  const full = keptShape(x.shape, axes);
  if (op === 'max' || op === 'min' || op === 'argmax' || op === 'argmin') {
    // No identity: only a reduction over an empty dim fails; [0, 3] over dim 1 gives [0] (as torch).
    const empty = axes.find((a) => x.shape[a] === 0);
    if (empty !== undefined) {
      throw new IndexError(`${op}: expected reduction dim ${empty} to have non-zero size (input shape ${fmtShape(x.shape)})`, {
        op,
        hint: `${op} has no value over no elements; reduce over a non-empty dim or check the input is not empty`,
      });
    }
  }
  const out = emptyTensor(full, outDtype, x.device, op);
  runKernel(op, 'reduce', op, x, axes, out);
  if (keepdim) return out;
  const dropped = droppedShape(x.shape, axes);
  const v = new Tensor(out._storage, dropped);
  out.dispose();
  return v;
}

function dimsOf(x: Tensor, dim: number | readonly number[] | undefined | null, op: string): number[] {
  if (x.dim() === 0) {
    normDims(Array.isArray(dim) && dim.length === 0 ? undefined : (dim as number | number[] | undefined), 0, op); // range check
    return [];
  }
  if (Array.isArray(dim) && dim.length === 0) return normDims(undefined, x.dim(), op);
  return normDims(dim as number | number[] | undefined, x.dim(), op);
}

function accDtype(x: Tensor, dtype: DTypeName | undefined, op: string): DType {
  if (dtype) return toDTypeOpt(dtype, op)!;
  return x.dtype === 'bool' || x.dtype === 'uint8' ? 'int32' : x.dtype;
}

/**
 * @internal Integer `sum`/`prod`/`cumsum` on a device with sync reads: torch accumulates int32 into
 * int64; dl has no int64 (Note [int64 is int32]), so it accumulates in float64 (exact for sums
 * up to 2^53) and raises when a result leaves int32 instead of wrapping.
 */
function int32Checked(op: 'sum' | 'prod' | 'cumsum', x: Tensor, wide: Tensor): Tensor {
  const vals = readHostSync(wide, op);
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (v > 2147483647 || v < -2147483648) {
      throw new DTypeError(
        `${op}: the ${op === 'prod' ? 'product' : 'sum'} of the ${x.dtype} tensor of shape ${fmtShape(x.shape)} reaches ${v}, which overflows int32 (torch returns int64 here; dl stores int64 as int32)`,
        {
          op,
          hint: `accumulate in floating point: x.${op}(dim, { dtype: 'float64' }) (or 'float32')`,
        },
      );
    }
  }
  const out = castRaw(wide, 'int32');
  wide.dispose();
  return out;
}

function reduceInt32Checked(op: 'sum' | 'prod', x: Tensor, axes: number[], keepdim: boolean): Tensor {
  const src = castRaw(x, 'float64');
  const wide = reduceRaw(op, src, axes, keepdim, 'float64');
  if (src !== x) src.dispose();
  const out = int32Checked(op, x, wide);
  recordOp(op, [x], out, { axes, keepdim });
  return out;
}

/**
 * @internal The int32 sum of a bool or uint8 tensor where no slice can overflow (at most 255·n),
 * without {@link int32Checked}'s float64 pass and host read; null where one could. Up to 2^24 the
 * sum runs in float32, which is exact there (every partial sum is an integer <= 2^24, in any
 * order) and faster than the int32 kernel.
 */
function smallIntSum(x: Tensor, axes: number[], keepdim: boolean): Tensor | null {
  if (x.dtype !== 'bool' && x.dtype !== 'uint8') return null;
  const bound = (x.dtype === 'bool' ? 1 : 255) * axes.reduce((a, d) => a * x.shape[d]!, 1);
  if (bound > 2147483647) return null;
  const wt = bound <= 2 ** 24 ? 'float32' : 'int32';
  const src = castRaw(x, wt);
  let out = reduceRaw('sum', src, axes, keepdim, wt);
  src.dispose();
  if (wt === 'float32') {
    const wide = out;
    out = castRaw(wide, 'int32');
    wide.dispose();
  }
  recordOp('sum', [x], out, { axes, keepdim });
  return out;
}

/**
 * Sum over all elements or along `dim` (a number or list).
 *
 * @example
 * x.sum(); x.sum(1); x.sum([0, 1], { keepdim: true });
 */
export const sum = defineOp('sum', (x: Tensor, dim?: number | readonly number[] | null, opts: ReduceOptions = {}): Tensor => {
  const axes = dimsOf(x, dim, 'sum');
  const keepdim = opts.keepdim ?? false;
  const dt = accDtype(x, opts.dtype, 'sum');
  if (opts.dtype === undefined && dt === 'int32' && deviceCan(x, 'readSync'))
    return smallIntSum(x, axes, keepdim) ?? reduceInt32Checked('sum', x, axes, keepdim);
  const src = castRaw(x, dt);
  const out = reduceRaw('sum', src, axes, keepdim, dt);
  if (src !== x) src.dispose();
  recordOp('sum', [x], out, { axes, keepdim });
  return out;
});

/** Mean over all elements or along `dim` (floating dtypes only, as PyTorch). */
export const mean = defineOp('mean', (x: Tensor, dim?: number | readonly number[] | null, opts: ReduceOptions = {}): Tensor => {
  const dt = toDTypeOpt(opts.dtype, 'mean') ?? x.dtype;
  if (!isFloating(dt)) {
    throw new DTypeError(
      `mean: could not infer output dtype. Input dtype must be either a floating point or complex dtype. Got: ${x.dtype}`,
      {
        op: 'mean',
        hint: 'cast first with .float() or pass { dtype: "float32" }',
      },
    );
  }
  const axes = dimsOf(x, dim, 'mean');
  const keepdim = opts.keepdim ?? false;
  const src = castRaw(x, dt);
  const s = reduceRaw('sum', src, axes, keepdim, dt);
  if (src !== x) src.dispose();
  const n = axes.reduce((a, d) => a * x.shape[d]!, 1);
  const divisor = scalarTensor(n, s.dtype, s.device);
  runKernel('mean', 'binary', 'div', s, broadcastOperand(divisor, s.shape), s);
  divisor.dispose();
  recordOp('mean', [x], s, { axes, keepdim });
  return s;
});

/** Product over all elements or along `dim`. */
export const prod = defineOp('prod', (x: Tensor, dim?: number | null, opts: ReduceOptions = {}): Tensor => {
  const axes = dimsOf(x, dim, 'prod');
  const keepdim = opts.keepdim ?? false;
  const dt = accDtype(x, opts.dtype, 'prod');
  if (opts.dtype === undefined && dt === 'int32' && deviceCan(x, 'readSync')) return reduceInt32Checked('prod', x, axes, keepdim);
  const src = castRaw(x, dt);
  const out = reduceRaw('prod', src, axes, keepdim, dt);
  if (src !== x) src.dispose();
  recordOp('prod', [x], out, { axes, keepdim });
  return out;
});

function extremeAll(
  op: 'max' | 'min',
  x: Tensor,
  dim: number | readonly number[] | undefined | null,
  keepdim: boolean,
  whole = false,
): Tensor {
  const name = op === 'max' ? 'amax' : 'amin';
  const axes = dimsOf(x, dim, whole ? op : name);
  if (whole && x.numel() === 0) {
    throw new IndexError(`${op}: expected reduction dim to be specified for input.numel() == 0 (input shape ${fmtShape(x.shape)})`, {
      op,
      hint: `${op}() of an empty tensor has no value; specify the reduction dim with ${op}(dim) or check the input is not empty`,
    });
  }
  const out = reduceRaw(op, x, axes, keepdim, x.dtype);
  // `whole`: x.max() / x.min() (torch's MaxBackward1: NaN-aware, Note [max() at NaN] in rules.ts)
  recordOp(name, [x], out, whole ? { axes, keepdim, whole } : { axes, keepdim });
  return out;
}

function extremeDim(op: 'max' | 'min', x: Tensor, dim: number, keepdim: boolean): ValuesIndices {
  const d = normDim(dim, x.dim(), op);
  if (x.dim() === 0) {
    // torch.max(0-d, 0): the value and index 0; the gradient is the identity (recorded as amax over no axes).
    const v = reduceRaw(op, x, [], keepdim, x.dtype);
    recordOp(op === 'max' ? 'amax' : 'amin', [x], v, { axes: [], keepdim });
    return valuesIndices(v, reduceRaw(op === 'max' ? 'argmax' : 'argmin', x, [], keepdim, 'int32'));
  }
  const values = reduceRaw(op, x, [d], keepdim, x.dtype);
  const indices = reduceRaw(op === 'max' ? 'argmax' : 'argmin', x, [d], keepdim, 'int32');
  recordOp(op === 'max' ? 'maxDim' : 'minDim', [x], values, { dim: d, keepdim, indices });
  return valuesIndices(values, indices);
}

const extreme = defineOp(
  (op) => op,
  (op: 'max' | 'min', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor | ValuesIndices =>
    dim === undefined ? extremeAll(op, x, undefined, false, true) : extremeDim(op, x, dim, keepdim),
);

/**
 * Maximum of all elements (a 0-d tensor), or along `dim` giving `[values, indices]`.
 *
 * @example
 * x.max(); const [v, i] = x.max(1);
 */
export function max(x: Tensor): Tensor;
export function max(x: Tensor, dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
export function max(x: Tensor, dim?: number, opts: { keepdim?: boolean } = {}): Tensor | ValuesIndices {
  return extreme('max', x, dim, opts.keepdim ?? false);
}

/** Minimum of all elements, or along `dim` giving `[values, indices]`. */
export function min(x: Tensor): Tensor;
export function min(x: Tensor, dim: number, opts?: { keepdim?: boolean }): ValuesIndices;
export function min(x: Tensor, dim?: number, opts: { keepdim?: boolean } = {}): Tensor | ValuesIndices {
  return extreme('min', x, dim, opts.keepdim ?? false);
}

/** Max over one or more dims, values only (`torch.amax`). */
export const amax = defineOp('amax', (x: Tensor, dim?: number | readonly number[], opts: { keepdim?: boolean } = {}): Tensor => {
  return extremeAll('max', x, dim, opts.keepdim ?? false);
});
/** Min over one or more dims, values only (`torch.amin`). */
export const amin = defineOp('amin', (x: Tensor, dim?: number | readonly number[], opts: { keepdim?: boolean } = {}): Tensor => {
  return extremeAll('min', x, dim, opts.keepdim ?? false);
});

function argExtreme(op: 'argmax' | 'argmin', x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (dim === undefined) {
    if (x.numel() === 0) {
      throw new IndexError(`${op}: expected reduction dim to be specified for input.numel() == 0 (input shape ${fmtShape(x.shape)})`, {
        op,
        hint: `${op}() of an empty tensor has no value; specify the reduction dim with ${op}(dim) or check the input is not empty`,
      });
    }
    const flat = x.isContiguous() ? new Tensor(x._storage, [x.numel()], [1], x._offset) : x.contiguous().reshape(-1);
    const r = reduceRaw(op, flat, [0], false, 'int32');
    return keepdim ? r.reshape(x.shape.map(() => 1)) : r;
  }
  return reduceRaw(op, x, [normDim(dim, x.dim(), op)], keepdim, 'int32');
}

/** Index of the maximum (of the flattened tensor, or along `dim`), int32. */
export const argmax = defineOp('argmax', (x: Tensor, dim?: number, opts: { keepdim?: boolean } = {}): Tensor => {
  return argExtreme('argmax', x, dim, opts.keepdim ?? false);
});
/** Index of the minimum (of the flattened tensor, or along `dim`), int32. */
export const argmin = defineOp('argmin', (x: Tensor, dim?: number, opts: { keepdim?: boolean } = {}): Tensor => {
  return argExtreme('argmin', x, dim, opts.keepdim ?? false);
});

/** Options of `std`/`var`: `correction` 1 (Bessel, default) or 0, or `unbiased`. */
export interface VarOptions {
  keepdim?: boolean;
  correction?: number;
  unbiased?: boolean;
}

/**
 * Variance (Bessel-corrected by default, as PyTorch).
 *
 * @example
 * x.var(); x.var(1, { correction: 0, keepdim: true });
 */
export const variance = defineOp('var', (x: Tensor, dim?: number | readonly number[] | null, opts: VarOptions = {}): Tensor => {
  const p = varParams('var', x, dim, opts);
  const out = runDetached([x], (xd) => fusedVarMean(xd, p, false)?.[0] ?? varianceForward(xd, p, false));
  recordOp('var', [x], out, p);
  return out;
});

/** Standard deviation (Bessel-corrected by default); its gradient at 0 is 0, as torch. */
export const std = defineOp('std', (x: Tensor, dim?: number | readonly number[] | null, opts: VarOptions = {}): Tensor => {
  const p = varParams('std', x, dim, opts);
  const out = runDetached([x], (xd) => fusedVarMean(xd, p, true)?.[0] ?? varianceForward(xd, p, true));
  recordOp('std', [x], out, p);
  return out;
});

/** What the `var`/`std` nodes record (their rules in @dl/autograd are torch's var_backward/std_backward). */
interface VarParams {
  axes: number[];
  keepdim: boolean;
  correction: number;
}

function varParams(op: string, x: Tensor, dim: number | readonly number[] | null | undefined, opts: VarOptions): VarParams {
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`${op}: std and var only support floating point dtypes, got ${x.dtype} ${fmtShape(x.shape)}`, {
      op,
      hint: 'cast first with .float()',
    });
  }
  return { axes: dimsOf(x, dim, op), keepdim: opts.keepdim ?? false, correction: opts.correction ?? (opts.unbiased === false ? 0 : 1) };
}

/**
 * @internal `[var or std (root), mean]` of `x` by the device's fused `varMean` kernel (Note [Fused
 * variance]), recording `var`/`std` and `mean` nodes; null where the device has none or the call
 * takes the composite path (see {@link fusedVarMean}).
 */
export function fusedVarMeanOp(
  op: 'var' | 'std',
  x: Tensor,
  dim: number | readonly number[] | null | undefined,
  opts: VarOptions,
): [Tensor, Tensor] | null {
  if (!deviceCan(x, 'varMean')) return null;
  const p = varParams(op, x, dim, opts);
  const r = runDetached([x], (xd) => fusedVarMean(xd, p, op === 'std'));
  if (r === null) return null;
  recordOp(op, [x], r[0], p);
  recordOp('mean', [x], r[1], { axes: p.axes, keepdim: p.keepdim });
  return r;
}

/**
 * Note [Fused variance]
 * Where the device has the fused `varMean` kernel (webgpu: one dispatch per pass, Note [Fused
 * variance on WebGPU] in @dl/backend-webgpu), var/std/varMean/stdMean of a contiguous float32
 * tensor whose reduced dims are adjacent (x seen as [outer, size, inner]) run on it: it computes
 * the value of Note [Variance without overflow] (power-of-two scaling, two passes) in one go,
 * so devices without sync reads no longer take the ~25-kernel safe composite. Empty reductions,
 * other dtypes, non-contiguous views and reduced dims that are not adjacent take the composite.
 */
function fusedVarMean(x: Tensor, p: VarParams, root: boolean): [Tensor, Tensor] | null {
  if (x.dtype !== 'float32' || !deviceCan(x, 'varMean') || !x.isContiguous()) return null;
  const axes = [...p.axes].sort((a, b) => a - b);
  if (axes.some((a, i) => i > 0 && a !== axes[i - 1]! + 1)) return null;
  const lo = axes.length === 0 ? 0 : axes[0]!;
  const hi = axes.length === 0 ? 0 : axes[axes.length - 1]! + 1;
  const prod = (a: number, b: number) => x.shape.slice(a, b).reduce((q, s) => q * s, 1);
  const size = prod(lo, hi);
  const outer = prod(0, lo);
  const inner = prod(hi, x.dim());
  if (size === 0 || outer * inner === 0) return null;
  const shape = p.keepdim ? keptShape(x.shape, axes) : droppedShape(x.shape, axes);
  const v = emptyTensor(shape, x.dtype, x.device, root ? 'std' : 'var');
  const m = emptyTensor(shape, x.dtype, x.device, root ? 'std' : 'var');
  runKernel(root ? 'std' : 'var', 'varMean', x, v, m, { outer, size, inner, correction: p.correction, root });
  return [v, m];
}

/**
 * Note [Variance fast path]
 * The safe computation of Note [Variance without overflow] (a max |x| per slice, and float64 on
 * devices that have it) costs many times the plain two-pass variance in x's dtype, and is needed
 * only where that plain value went wrong: a square or a sum overflowed (the result is then inf or
 * NaN), or squares underflowed (`std([1e-30, -1e-30])` would be 0). So on devices with sync reads
 * the plain value is computed first and kept for each slice whose sum of squared deviations S is
 * finite and at least n·2^(emin + mantissa bits) (2^-102 for float32, 2^-969 for float64): squares
 * under the smallest normal number can then change S by at most a rounding. A slice must also
 * have |mean| <= 16·sqrt(S/n): the plain value's error is about n·(error of the mean)², which
 * relative to S is about (eps·|mean|)²·n/S, so with a large mean against a small spread (float32's
 * mean of [1e7 + 1, 1e7 + 2, 1e7 + 4, 1e7 + 8] is off by 0.25, std's by 0.4%) the widened mean is
 * used (and constant slices give 0, where torch's float32 can give 7e-9). If every slice passes
 * (one read of one bool) the plain value is the result; otherwise the safe value is computed and
 * taken for the slices that failed (NaN/inf inputs, n <= correction, constant slices, tiny or
 * huge values). Devices without sync reads always take the safe path.
 */
function varianceForward(x: Tensor, p: VarParams, root: boolean): Tensor {
  const finish = (v: Tensor) => (root ? unary('sqrt', v) : v);
  if (!deviceCan(x, 'readSync')) return safeVariance(x, p, root);
  const { axes, keepdim, correction } = p;
  const n = axes.reduce((a, d) => a * x.shape[d]!, 1);
  const mu = mean(x, axes, { keepdim: true });
  const dev = binary('sub', x, mu);
  const s = sum(binary('mul', dev, dev), axes, { keepdim });
  const plain = binary('div', s, Math.max(n - correction, 0));
  const floor = n * 2 ** (x.dtype === 'float64' ? -969 : -102);
  const mu2 = binary('mul', binary('mul', mu, mu), n).reshape([...s.shape]);
  // finite (inf·0 and NaN·0 are NaN), no underflow, and |mean| <= 16·(population std)
  const ok = binary('mul', plain, 0)
    .eq(0)
    .logicalAnd(s.ge(floor))
    .logicalAnd(binary('mul', s, 256).ge(mu2));
  if (
    readHostSync(
      reduceRaw(
        'all',
        ok,
        ok.shape.map((_, d) => d),
        false,
        'bool',
      ),
      'var',
    )[0]
  )
    return finish(plain);
  return where(ok, finish(plain), safeVariance(x, p, root));
}

/** var (or std with `root`) by Note [Variance without overflow], in x's dtype. */
function safeVariance(x: Tensor, p: VarParams, root: boolean): Tensor {
  const { scaled, scale } = scaledVariance(x, p);
  const r = root ? binary('mul', unary('sqrt', scaled), scale) : binary('mul', binary('mul', scaled, scale), scale);
  return narrowTo(r, x.dtype);
}

/**
 * Note [Variance without overflow]
 * `var` is two-pass (mean, then the mean squared deviation) over `x / s`, where `s` is a power
 * of two near the largest |x| of each reduced slice, and is scaled back by s² (std by s). Dividing
 * by a power of two is exact, so the result is the plain two-pass value wherever that does not
 * overflow, and `std([3e38, -3e38])`'s squares or `std([1e20, -1e20])`'s (1e40 > float32 max) no
 * longer overflow: the intermediate values stay below 16·n. torch computes the same on the cpu by
 * accumulating in float64; dl does too where the device has float64 (float32 inputs are widened
 * and the result narrowed, so the mean of equal values is exact), and the scaling alone keeps
 * devices without float64 from overflowing. Slices whose max |x| is 0, ±inf or NaN use s = 1
 * (their result is 0, inf or NaN as before). The forward runs detached and records one node,
 * `VarBackward0` / `StdBackward0` as in torch, whose rules are torch's formulas
 * (2·g·(x - mean)/(n - correction); std's masked to 0 where std is 0).
 */
function scaledVariance(x: Tensor, p: VarParams): { scaled: Tensor; scale: Tensor } {
  const { axes, keepdim, correction } = p;
  const n = axes.reduce((a, d) => a * x.shape[d]!, 1);
  if (x.dtype === 'float32' && getBackend(x.device, 'var').dtypes.includes('float64')) x = x.to('float64');
  const scaleKeep = n === 0 ? reduceRaw('sum', x, axes, true, x.dtype).add(1) : powerOfTwoScale(x, axes);
  const y = binary('div', x, scaleKeep);
  const mu = mean(y, axes, { keepdim: true });
  const dev = binary('sub', y, mu);
  const sq = binary('mul', dev, dev);
  const s = sum(sq, axes, { keepdim });
  const scaled = binary('div', s, Math.max(n - correction, 0));
  const scale = keepdim || axes.length === 0 ? scaleKeep : scaleKeep.squeeze(axes);
  return { scaled, scale };
}

/** The result in the input's dtype (std/var of float32 are computed in float64 where possible). */
function narrowTo(r: Tensor, dtype: DType): Tensor {
  return r.dtype === dtype ? r : r.to(dtype);
}

/** Per reduced slice, 2^floor(log2(max |x|)) (1 where that max is 0 or not finite); no autograd. */
function powerOfTwoScale(x: Tensor, axes: number[]): Tensor {
  const m = reduceRaw('max', unary('abs', x.detach()), axes, true, x.dtype);
  const ok = binary('mul', m, 0).eq(0).logicalAnd(m.gt(0)); // finite and positive (inf·0 and NaN·0 are NaN)
  const k = unary('floor', binary('div', unary('log', where(ok, m, 1)), Math.LN2));
  // Normal, finite powers of two only (log's rounding could step past either end).
  const [lo, hi] = x.dtype === 'float64' ? [-1022, 1023] : [-126, 127];
  return where(ok, binary('pow', 2, clamp(k, lo, hi)), 1);
}

/**
 * `a ** p` for a >= 0 whose gradient at a = 0 is 0 instead of 0·inf = NaN (torch's std and norm
 * backward mask the zeros the same way); `p` > 0, so the value at 0 is 0.
 */
function safePow(a: Tensor, p: number): Tensor {
  const zero = a.eq(0);
  const r = p === 0.5 ? unary('sqrt', where(zero, 1, a)) : binary('pow', where(zero, 1, a), p);
  return where(zero, 0, r);
}

/**
 * `log(sum(exp(x), dim))`, computed stably.
 *
 * @example
 * logits.logsumexp(1);
 */
export const logsumexp = defineOp('logsumexp', (x: Tensor, dim: number | readonly number[], opts: { keepdim?: boolean } = {}): Tensor => {
  const axes = dimsOf(x, dim, 'logsumexp');
  const src = isFloating(x.dtype) ? x : castRaw(x, 'float32');
  // The shift is a constant (no gradient needed through it); over no elements it is 0 and the
  // result log(0) = -inf, as torch.
  const n = axes.reduce((a, d) => a * x.shape[d]!, 1);
  const m = n === 0 ? reduceRaw('sum', src, axes, true, src.dtype) : reduceRaw('max', src, axes, true, src.dtype);
  const mSafe = where(unary('isinf', m), 0, m);
  const s = sum(unary('exp', binary('sub', src, mSafe)), axes, { keepdim: true });
  const r = binary('add', unary('log', s), mSafe);
  if (opts.keepdim) return r;
  return r.squeeze(axes);
});

function boolReduce(op: 'all' | 'any', x: Tensor, dim?: number | null, keepdim = false): Tensor {
  const src = castRaw(x, 'bool');
  const r = reduceRaw(op, src, dimsOf(x, dim, op), keepdim, 'bool');
  if (src !== x) src.dispose();
  return r;
}

/** True where all elements (along `dim`) are non-zero. */
export const all = defineOp('all', (x: Tensor, dim?: number | null, opts: { keepdim?: boolean } = {}): Tensor => {
  return boolReduce('all', x, dim, opts.keepdim);
});
/** True where any element (along `dim`) is non-zero. */
export const any = defineOp('any', (x: Tensor, dim?: number | null, opts: { keepdim?: boolean } = {}): Tensor => {
  return boolReduce('any', x, dim, opts.keepdim);
});

/**
 * Cumulative sum along `dim`.
 *
 * @example
 * dl.tensor([1, 2, 3]).cumsum(0); // [1, 3, 6]
 */
export const cumsum = defineOp('cumsum', (x: Tensor, dim: number, opts: { dtype?: DTypeName } = {}): Tensor => {
  const d = normDim(dim, x.dim(), 'cumsum');
  const dt = accDtype(x, opts.dtype, 'cumsum');
  const checked = opts.dtype === undefined && dt === 'int32' && deviceCan(x, 'readSync'); // see int32Checked
  const wt = checked ? 'float64' : dt;
  const src = castRaw(x, wt);
  let out = emptyTensor(x.shape, wt, x.device, 'cumsum');
  if (x.dim() === 0) runKernel('cumsum', 'copy', src, out);
  else runKernel('cumsum', 'cumsum', src, d, out);
  if (src !== x) src.dispose();
  if (checked) out = int32Checked('cumsum', x, out);
  if (x.dim() === 0)
    recordOp('clone', [x], out, {}); // cumsum of a 0-d tensor is a copy
  else recordOp('cumsum', [x], out, { dim: d });
  return out;
});

/**
 * p-norm over all elements or `dim` (p = 2 by default; `Infinity` for the max-norm).
 *
 * @example
 * x.norm(); x.norm(1, 0);
 */
export const norm = defineOp(
  'norm',
  (x: Tensor, p: number = 2, dim?: number | readonly number[] | null, opts: { keepdim?: boolean } = {}): Tensor => {
    if (!(p > 0)) throw new ArgumentError(`norm: p must be positive, got ${p}`, { op: 'norm' });
    const a = unary('abs', x);
    if (p === Infinity) {
      // the max-norm of no elements is 0, as torch (amax of nothing would raise)
      const n = dimsOf(x, dim, 'norm').reduce((acc, d) => acc * x.shape[d]!, 1);
      return n === 0 ? sum(a, dim, opts) : amax(a, dim ?? undefined, opts);
    }
    if (p === 1) return sum(a, dim, opts);
    // Gradients at a zero norm (and at zero elements for p < 1) are 0, as torch (safePow).
    if (p === 2) return safePow(sum(binary('mul', x, x), dim, opts), 0.5);
    return safePow(sum(p < 1 ? safePow(a, p) : binary('pow', a, p), dim, opts), 1 / p);
  },
);
