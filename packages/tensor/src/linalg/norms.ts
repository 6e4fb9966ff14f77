/**
 * `torch.linalg`'s norms: `vectorNorm`, `matrixNorm` and `norm`, composed of reductions (so
 * autograd and webgpu come with them), except the spectral ones (`'nuc'`, 2, -2), which take the
 * singular values from `svdvals` (host, Note [linalg on devices without sync reads]).
 */
import { defineOp } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { where } from '../ops/elementwise.js';
import { norm as pnorm } from '../ops/reduce.js';
import { svdvals } from './decompositions.js';
import { checkOptionsArg } from '../ops/options-arg.js';

/** A norm order: a number (±Infinity included) or, for matrices, `'fro'` / `'nuc'`. */
export type NormOrd = number | 'fro' | 'nuc';

function checkFloat(op: string, x: Tensor): void {
  if (x.dtype !== 'float32' && x.dtype !== 'float64') {
    throw new DTypeError(`${op}: Expected a floating point or complex tensor as input. Got ${x.dtype}`, { op, hint: 'cast with .float()' });
  }
}

function dimList(op: string, x: Tensor, dim: number | readonly number[] | null | undefined): number[] | null {
  if (dim === null || dim === undefined) return null;
  const ds = (typeof dim === 'number' ? [dim] : [...dim]).map((d) => normDim(d, Math.max(x.dim(), 1), op));
  if (new Set(ds).size !== ds.length)
    throw new ArgumentError(`${op}: dim ${fmtShape(ds)} appears multiple times in the list of dims`, { op });
  return ds;
}

/**
 * Vector p-norm over `dim` (all elements by default), as `torch.linalg.vector_norm`: `ord` 2 by
 * default; `Infinity` / `-Infinity` the max / min of |x|; 0 the count of nonzeros; other values
 * `(Σ|x|^ord)^(1/ord)`. Gradients are 0 where the norm is 0 (as torch).
 *
 * @example
 * dl.linalg.vectorNorm(dl.tensor([3, 4]));                  // 5
 * dl.linalg.vectorNorm(x, Infinity, { dim: 1, keepdim: true });
 */
export const vectorNorm = defineOp(
  'linalg.vectorNorm',
  (x: Tensor, ord: number = 2, opts: { dim?: number | readonly number[] | null; keepdim?: boolean } = {}): Tensor => {
    checkOptionsArg('linalg.vector_norm', opts, 'dl.linalg.vectorNorm(x, 2, { dim: 1, keepdim: true })');
    const op = 'linalg.vector_norm';
    checkFloat(op, x);
    if (typeof ord !== 'number' || Number.isNaN(ord))
      throw new ArgumentError(`${op}: ord must be a number, got ${String(ord)}`, {
        op,
        hint: "use dl.linalg.matrixNorm for 'fro' / 'nuc'",
      });
    const keepdim = opts.keepdim ?? false;
    const dims = dimList(op, x, opts.dim);
    const over = dims ?? x.shape.map((_, i) => i);
    const reduced = over.reduce((p, d) => p * (x.shape[d] ?? 1), 1);
    const a = x.abs();
    const red = (t: Tensor, f: 'sum' | 'amax' | 'amin'): Tensor => {
      if (x.dim() === 0) return f === 'sum' ? t : t; // a 0-d tensor: its own norm
      return f === 'sum' ? t.sum(over, { keepdim }) : f === 'amax' ? t.amax(over, { keepdim }) : t.amin(over, { keepdim });
    };
    if (ord === Infinity || ord === -Infinity) {
      if (reduced === 0) {
        throw new ShapeError(
          `${op}: cannot compute the ${ord > 0 ? 'inf' : '-inf'} norm on an empty tensor because the operation does not have an identity`,
          { op, hint: 'reduce over dims of nonzero size' },
        );
      }
      return red(a, ord > 0 ? 'amax' : 'amin');
    }
    if (ord === 0) {
      const count = red(x.ne(0).to(x.dtype), 'sum');
      const s = red(a, 'sum');
      return count.add(where(s.isfinite(), s, 0).mul(0)); // a count: gradient 0, as torch
    }
    if (ord > 0) {
      if (x.dim() === 0) return a;
      return pnorm(x, ord, over, { keepdim });
    }
    // negative orders: (Σ|x|^ord)^(1/ord)
    return red(a.pow(ord), 'sum').pow(1 / ord);
  },
);

function twoDims(op: string, A: Tensor, dim: readonly number[] | undefined): [number, number] {
  const d = dim ?? [-2, -1];
  if (d.length !== 2)
    throw new ArgumentError(`${op}: dim must be a 2-tuple. Got ${fmtShape(d)}`, {
      op,
      hint: 'the two dims of the matrices, e.g. [-2, -1]',
    });
  if (A.dim() < 2)
    throw new ShapeError(`${op}: The input tensor A must have at least 2 dimensions, got ${fmtShape(A.shape)}`, {
      op,
      hint: 'a matrix is [..., m, n]',
    });
  const r0 = normDim(d[0]!, A.dim(), op);
  const r1 = normDim(d[1]!, A.dim(), op);
  if (r0 === r1) throw new ArgumentError(`${op}: dims must be different. Got (${d[0]}, ${d[1]})`, { op });
  return [r0, r1];
}

/**
 * Matrix norm over the two dims `dim` (last two by default), as `torch.linalg.matrix_norm`:
 * `'fro'` (default), `'nuc'` (sum of singular values), 2 / -2 (largest / smallest singular
 * value), 1 / -1 (max / min column sum of |A|), `Infinity` / `-Infinity` (max / min row sum).
 *
 * @example
 * dl.linalg.matrixNorm(A);            // Frobenius
 * dl.linalg.matrixNorm(A, 'nuc');
 * dl.linalg.matrixNorm(A, Infinity, { keepdim: true });
 */
export const matrixNorm = defineOp(
  'linalg.matrixNorm',
  (A: Tensor, ord: NormOrd = 'fro', opts: { dim?: readonly number[]; keepdim?: boolean } = {}): Tensor => {
    checkOptionsArg('linalg.matrix_norm', opts, "dl.linalg.matrixNorm(A, 'fro', { dim: [0, 1], keepdim: true })");
    const op = 'linalg.matrix_norm';
    checkFloat(op, A);
    const [d0, d1] = twoDims(op, A, opts.dim);
    const keepdim = opts.keepdim ?? false;
    if (ord === 'fro') return vectorNorm(A, 2, { dim: [d0, d1], keepdim });
    if (ord === 'nuc' || ord === 2 || ord === -2) {
      // the matrices to the last two dims, their singular values, then the dims back
      const rest = A.shape.map((_, i) => i).filter((i) => i !== d0 && i !== d1);
      const sv = svdvals(A.permute([...rest, d0, d1]));
      let r = ord === 'nuc' ? sv.sum(-1) : ord === 2 ? sv.amax(-1) : sv.amin(-1);
      if (keepdim) for (const d of [d0, d1].sort((x, y) => x - y)) r = r.unsqueeze(d);
      return r;
    }
    if (ord === 1 || ord === -1 || ord === Infinity || ord === -Infinity) {
      const [sumDim, pickDim] = ord === 1 || ord === -1 ? [d0, d1] : [d1, d0];
      const s = A.abs().sum(sumDim, { keepdim: true });
      let r = ord > 0 ? s.amax(pickDim, { keepdim: true }) : s.amin(pickDim, { keepdim: true });
      if (!keepdim) r = r.squeeze([d0, d1]);
      return r;
    }
    throw new ArgumentError(`${op}: Order ${String(ord)} not supported.`, {
      op,
      hint: "ord: 'fro', 'nuc', 1, -1, 2, -2, Infinity or -Infinity",
    });
  },
);

/**
 * `torch.linalg.norm`: a vector norm when `dim` is one dim (or `ord` is given for a 1-D input),
 * a matrix norm when `dim` has two dims (or `ord` is given for a 2-D input, or is a string), and
 * the 2-norm of all elements when neither `ord` nor `dim` is given.
 *
 * @example
 * dl.linalg.norm(x);                 // sqrt of the sum of squares
 * dl.linalg.norm(A, 'nuc');
 * dl.linalg.norm(x, 1, { dim: 0 });
 */
export const norm = defineOp(
  'linalg.norm',
  (A: Tensor, ord: NormOrd | null = null, opts: { dim?: number | readonly number[] | null; keepdim?: boolean } = {}): Tensor => {
    checkOptionsArg('linalg.norm', opts, 'dl.linalg.norm(A, null, { dim: 1, keepdim: true })');
    const op = 'linalg.norm';
    checkFloat(op, A);
    const keepdim = opts.keepdim ?? false;
    const dim = opts.dim ?? null;
    if (dim !== null) {
      const ds = typeof dim === 'number' ? [dim] : [...dim];
      if (ds.length === 1) {
        if (typeof ord === 'string')
          throw new ArgumentError(`${op}: ord '${ord}' is a matrix norm, but dim ${fmtShape(ds)} names one dim`, {
            op,
            hint: 'give two dims for a matrix norm',
          });
        return vectorNorm(A, ord ?? 2, { dim: ds, keepdim });
      }
      if (ds.length === 2) return matrixNorm(A, ord ?? 'fro', { dim: ds, keepdim });
      throw new ArgumentError(`${op}: If dim is specified, it must be of length 1 or 2. Got ${fmtShape(ds)}`, { op });
    }
    if (ord === null) return vectorNorm(A, 2, { keepdim });
    if (A.dim() === 2 || typeof ord === 'string') {
      if (A.dim() !== 2)
        throw new ShapeError(`${op}: If dim is not specified but ord is, the input must be 1D or 2D. Got ${A.dim()}D.`, {
          op,
          hint: 'pass dim',
        });
      return matrixNorm(A, ord, { keepdim });
    }
    if (A.dim() !== 1)
      throw new ShapeError(`${op}: If dim is not specified but ord is, the input must be 1D or 2D. Got ${A.dim()}D.`, {
        op,
        hint: 'pass dim',
      });
    return vectorNorm(A, ord, { keepdim });
  },
);
