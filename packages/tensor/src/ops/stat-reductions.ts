/**
 * Reductions composed of `sum`/`mean`/`var`/`amin`/`amax`: the NaN-ignoring `nansum`/`nanmean`,
 * `countNonzero`, `aminmax` and the paired `varMean`/`stdMean`. Each is built from recorded ops,
 * so its gradient comes from theirs (`nansum`'s is torch's `grad · !isnan(x)`).
 */
import { defineOp } from '../dispatch.js';
import { isFloating, toDTypeOpt } from '../dtype.js';
import { DTypeError, IndexError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { where } from './elementwise.js';
import { amax, amin, fusedVarMeanOp, mean, std, sum, variance, type ReduceOptions, type VarOptions } from './reduce.js';
import { checkOptionsArg } from './options-arg.js';

type Dims = number | readonly number[] | null;

/** x with NaNs replaced by 0 (floating dtypes only; others are returned as they are). */
function zeroNaN(x: Tensor): Tensor {
  return isFloating(x.dtype) ? where(x.isnan(), 0, x) : x;
}

/**
 * Sum treating NaN as 0 (`torch.nansum`), over all elements or `dim` (a number or list).
 *
 * @example
 * dl.tensor([1, NaN, 2]).nansum(); // tensor(3.)
 */
export const nansum = defineOp('nansum', (x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor => {
  checkOptionsArg('nansum', opts, 'x.nansum(1, { keepdim: true })');
  return sum(zeroNaN(x), dim, opts);
});

/**
 * Mean of the non-NaN elements (`torch.nanmean`); NaN where a slice has none. Floating dtypes
 * only, as torch.
 *
 * @example
 * dl.tensor([1, NaN, 2]).nanmean(); // tensor(1.5000)
 */
export const nanmean = defineOp('nanmean', (x: Tensor, dim?: Dims, opts: ReduceOptions = {}): Tensor => {
  checkOptionsArg('nanmean', opts, 'x.nanmean(1, { keepdim: true })');
  const dt = toDTypeOpt(opts.dtype, 'nanmean') ?? x.dtype;
  if (!isFloating(x.dtype) || !isFloating(dt)) {
    throw new DTypeError(`nanmean: expected input to have floating point dtype but got ${x.dtype} ${fmtShape(x.shape)}`, {
      op: 'nanmean',
      hint: 'cast first with .float()',
    });
  }
  const keepdim = opts.keepdim ?? false;
  const countKeep = sum(x.isnan().logicalNot(), dim, { keepdim: true }).to(dt);
  const count = keepdim ? countKeep : sum(x.isnan().logicalNot(), dim).to(dt);
  const r = sum(zeroNaN(x), dim, { keepdim, dtype: dt }).div(count);
  // A slice with no non-NaN value is NaN (0/0); torch's gradient there is NaN too (0 · g/0),
  // which the NaN-multiplied branch gives (it carries gradient 0 · 0 elsewhere).
  const poison = sum(x.to(dt).mul(where(countKeep.eq(0), NaN, countKeep.mul(0))), dim, { keepdim }).add(NaN);
  return where(count.eq(0), poison, r);
});

/**
 * Number of non-zero elements, of all or along `dim` (a number or list), int32 (torch's int64;
 * Note [int64 is int32]). `torch.count_nonzero`.
 *
 * @example
 * dl.countNonzero(dl.tensor([[0, 1], [2, 0]]), 0); // tensor([1, 1])
 */
export const countNonzero = defineOp('countNonzero', (x: Tensor, dim?: Dims): Tensor => {
  return sum(x.ne(0), dim ?? undefined).to('int32');
});

/** `aminmax`'s result: `[min, max]`, also readable by name, as torch's named tuple. */
export type MinMax = [Tensor, Tensor] & { min: Tensor; max: Tensor };

/**
 * Minimum and maximum at once (`torch.aminmax`): of all elements, or along `dim`, as
 * `{ min, max }` (also `[min, max]`). NaN propagates. Unlike torch 1.13 (which has no derivative
 * for it) the result is differentiable, with amin's and amax's gradients.
 *
 * @example
 * const { min, max } = dl.aminmax(x, { dim: 1 });
 */
export const aminmax = defineOp('aminmax', (x: Tensor, opts: { dim?: number | null; keepdim?: boolean } = {}): MinMax => {
  checkOptionsArg('aminmax', opts, 'dl.aminmax(x, { dim: 1, keepdim: true })');
  const dim = opts.dim ?? undefined;
  const keepdim = opts.keepdim ?? false;
  const d = dim === undefined ? undefined : normDim(dim, Math.max(1, x.dim()), 'aminmax');
  if (x.numel() === 0 && (d === undefined || x.shape[d] === 0)) {
    throw new IndexError(
      `aminmax: cannot compute aminmax over an empty ${d === undefined ? 'tensor' : `dimension (dim ${d} of shape ${fmtShape(x.shape)})`} as the operation has no identity`,
      {
        op: 'aminmax',
        hint: 'check that the input is not empty before reducing it, or reduce along a dimension of non-zero size',
      },
    );
  }
  const lo = amin(x, dim, { keepdim });
  const hi = amax(x, dim, { keepdim });
  return Object.assign([lo, hi] as [Tensor, Tensor], { min: lo, max: hi });
});

/**
 * Variance and mean at once (`torch.var_mean`): `[var, mean]`, with `var`'s options (correction
 * 1 by default, or `unbiased`, `keepdim`).
 *
 * @example
 * const [v, m] = dl.varMean(x, 1, { correction: 0 });
 */
export const varMean = defineOp('varMean', (x: Tensor, dim?: Dims, opts: VarOptions = {}): [Tensor, Tensor] => {
  checkOptionsArg('varMean', opts, 'dl.varMean(x, 1, { correction: 0, keepdim: true })');
  return fusedVarMeanOp('var', x, dim, opts) ?? [variance(x, dim, opts), pairedMean(x, dim, opts.keepdim ?? false)];
});

/**
 * The mean beside var/std: `sum(x / n)`, which cannot overflow where `sum(x)` would (torch's
 * var_mean computes it in double, so `var_mean([1e38, 3e38])` has mean 2e38 where `mean` gives inf).
 */
function pairedMean(x: Tensor, dim: Dims | undefined, keepdim: boolean): Tensor {
  const axes =
    dim === undefined || dim === null
      ? x.shape.map((_, i) => i)
      : (typeof dim === 'number' ? [dim] : [...dim]).map((d) => (d < 0 ? d + Math.max(x.dim(), 1) : d));
  const n = axes.reduce((a, d) => a * (x.dim() === 0 ? 1 : (x.shape[d] ?? 1)), 1);
  if (n === 0 || !isFloating(x.dtype)) return mean(x, dim, { keepdim });
  return sum(x.div(n), dim, { keepdim });
}

/**
 * Standard deviation and mean at once (`torch.std_mean`): `[std, mean]`.
 *
 * @example
 * const [s, m] = dl.stdMean(x, 0, { keepdim: true });
 */
export const stdMean = defineOp('stdMean', (x: Tensor, dim?: Dims, opts: VarOptions = {}): [Tensor, Tensor] => {
  checkOptionsArg('stdMean', opts, 'dl.stdMean(x, 1, { correction: 0, keepdim: true })');
  return fusedVarMeanOp('std', x, dim, opts) ?? [std(x, dim, opts), pairedMean(x, dim, opts.keepdim ?? false)];
});

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The sum over `dim` (all when omitted) counting NaN as 0, as `torch.Tensor.nansum`.
     *
     * @example
     * dl.tensor([1, NaN, 2]).nansum(); // → tensor(3.)
     */
    nansum(dim?: Dims, opts?: ReduceOptions): Tensor;
    /**
     * The mean of the non-NaN elements over `dim` (all when omitted), as `torch.Tensor.nanmean`.
     *
     * @example
     * dl.tensor([[1, NaN, 3]]).nanmean(1, { keepdim: true }); // → tensor([[2.]])
     */
    nanmean(dim?: Dims, opts?: ReduceOptions): Tensor;
    /**
     * The number of nonzero elements over `dim` (all when omitted), int64 (stored as int32), as
     * `torch.Tensor.count_nonzero`.
     *
     * @example
     * dl.tensor([[0, 1], [2, 3]]).countNonzero(0); // → tensor([1, 2])
     */
    countNonzero(dim?: Dims): Tensor;
    /**
     * The minimum and maximum at once (over all elements, or `{ dim, keepdim }`): `{ min, max }`, as
     * `torch.Tensor.aminmax`.
     *
     * @example
     * const { min, max } = dl.tensor([3, -1, 2]).aminmax();
     * // [min, max] → [tensor(-1.), tensor(3.)]
     */
    aminmax(opts?: { dim?: number | null; keepdim?: boolean }): MinMax;
  }
}

/** These reductions as Tensor methods (Note [Tensor methods from op families]). */
export const statReductionMethods = {
  nansum(this: Tensor, dim?: Dims, opts?: ReduceOptions) {
    return nansum(this, dim, opts);
  },
  nanmean(this: Tensor, dim?: Dims, opts?: ReduceOptions) {
    return nanmean(this, dim, opts);
  },
  countNonzero(this: Tensor, dim?: Dims) {
    return countNonzero(this, dim);
  },
  aminmax(this: Tensor, opts?: { dim?: number | null; keepdim?: boolean }) {
    return aminmax(this, opts);
  },
} satisfies TensorMethods;
