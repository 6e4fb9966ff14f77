import * as dl from '@dl/tensor';
import { DTypeError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { broadcastShapesFor, runScope } from '@dl/tensor/internal';

const where = dl.where;

function floatPair(op: string, x1: Tensor, x2: Tensor): void {
  if (!(x1 instanceof dl.Tensor) || !(x2 instanceof dl.Tensor)) throw new dl.ArgumentError(`${op}: x1 and x2 must be Tensors`, { op });
  const common = dl.resultType([
    { dtype: x1.dtype, dim: x1.dim() },
    { dtype: x2.dtype, dim: x2.dim() },
  ]);
  if (!dl.isFloating(common)) {
    throw new DTypeError(
      `${op}: expected common dtype to be floating point, yet common dtype is ${common} (x1 ${x1.dtype} ${fmtShape(x1.shape)}, x2 ${x2.dtype} ${fmtShape(x2.shape)})`,
      {
        op,
        hint: 'cast with .float()',
      },
    );
  }
}

function commonShape(op: string, x1: Tensor, x2: Tensor): number[] {
  try {
    return broadcastShapesFor(op, x1.shape, x2.shape);
  } catch {
    throw new ShapeError(`${op}: x1 ${fmtShape(x1.shape)} and x2 ${fmtShape(x2.shape)} cannot be broadcast to a common shape`, {
      op,
      hint: 'sizes must match or be 1 in each trailing dim',
    });
  }
}

/**
 * `x / max(‖x‖_p, eps)` along `dim` (default p 2, dim 1, eps 1e-12), as PyTorch's F.normalize.
 *
 * @example
 * F.normalize(dl.randn(4, 3), { dim: 1 }); // unit rows
 */
export function normalize(input: Tensor, opts: { p?: number; dim?: number; eps?: number } = {}): Tensor {
  return runScope('F.normalize', () => {
    const p = opts.p ?? 2;
    const dim = opts.dim ?? 1;
    const eps = opts.eps ?? 1e-12;
    if (!dl.isFloating(input.dtype))
      throw new DTypeError(`normalize: expected a floating input, got ${input.dtype} ${fmtShape(input.shape)}`, {
        op: 'normalize',
        hint: 'cast with .float()',
      });
    return input.div(input.norm(p, dim, { keepdim: true }).clamp(eps, null));
  });
}

/*
 * Note [cosine similarity of torch 1.13]
 * --------------------------------------
 * torch 1.13 computes `Σ (x1 / max(‖x1‖, eps)) (x2 / max(‖x2‖, eps))` along `dim`, clamping each
 * norm in place under no_grad. Autograd therefore still differentiates the norm — with the
 * clamped value in its backward (`d‖x‖/dx = x / max(‖x‖, eps)`), and the clamp itself passes no
 * gradient. `clampedNorm` reproduces that: its value is `c = max(‖x‖, eps)` and its derivative
 * `x / c`. (Older releases divided by `sqrt(max(‖x1‖²‖x2‖², eps²))`; the values differ for
 * near-zero vectors.)
 */
function clampedNorm(x: Tensor, dim: number, eps: number): Tensor {
  const n = x.norm(2, dim, { keepdim: true });
  const c = n.detach().clamp(eps, null);
  // value c (n − n.detach() is 0), derivative (x / n)·(n / c) = x / c; an infinite or NaN norm is
  // not clamped, and is used as it is (n − n.detach() would be NaN)
  const finite = c.isfinite();
  const nf = where(finite, n, 0);
  return where(finite, c.add(nf.sub(nf.detach()).mul(where(finite, n.detach().div(c), 0))), n);
}

/**
 * Cosine similarity of `x1` and `x2` (broadcast to a common shape) along `dim` (default 1), with
 * torch 1.13's formula (Note [cosine similarity of torch 1.13]).
 *
 * @example
 * F.cosineSimilarity(a, b, { dim: 1 }); // [N] for [N, D] inputs
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, opts: { dim?: number; eps?: number } = {}): Tensor {
  return runScope('F.cosineSimilarity', () => {
    const op = 'cosineSimilarity';
    floatPair(op, x1, x2);
    const shape = commonShape(op, x1, x2);
    const common = dl.resultType([
      { dtype: x1.dtype, dim: x1.dim() },
      { dtype: x2.dtype, dim: x2.dim() },
    ]);
    const a = x1.to(common).expand(shape);
    const b = x2.to(common).expand(shape);
    const dim = opts.dim ?? 1;
    const eps = opts.eps ?? 1e-8;
    if (shape.length === 0) {
      // torch treats a 0-d pair as one 1-element vector along dim 0 or −1
      if (dim !== 0 && dim !== -1)
        throw new dl.IndexError(`${op}: Dimension out of range (expected to be in range of [-1, 0], but got ${dim})`, { op });
      return cosineSimilarity(a.reshape(1), b.reshape(1), { dim: 0, eps });
    }
    const d = dim < 0 ? dim + shape.length : dim;
    if (d < 0 || d >= shape.length) {
      throw new dl.IndexError(
        `${op}: Dimension out of range (expected to be in range of [${-shape.length}, ${shape.length - 1}], but got ${dim})`,
        { op, hint: `the common shape is ${fmtShape(shape)}` },
      );
    }
    return a
      .div(clampedNorm(a, d, eps))
      .mul(b.div(clampedNorm(b, d, eps)))
      .sum(d);
  });
}

/**
 * `‖x1 − x2 + eps‖_p` over the last dim (p 2, eps 1e-6), as PyTorch's F.pairwise_distance.
 *
 * @example
 * F.pairwiseDistance(a, b); // [N] for [N, D] inputs
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts: { p?: number; eps?: number; keepdim?: boolean } = {}): Tensor {
  return runScope('F.pairwiseDistance', () => {
    const op = 'pairwiseDistance';
    floatPair(op, x1, x2);
    commonShape(op, x1, x2);
    const diff = x1.sub(x2).add(opts.eps ?? 1e-6);
    const d = diff.dim() === 0 ? diff.reshape(1) : diff;
    const out = d.norm(opts.p ?? 2, -1, { keepdim: opts.keepdim ?? false });
    return diff.dim() === 0 ? out.reshape([]) : out; // torch: a 0-d pair gives a 0-d distance, keepdim or not
  });
}
