/**
 * Products and distances PyTorch users reach for beside matmul: `kron`, `mv`, the scaled
 * products `addmm`/`addmv`/`baddbmm`/`addbmm` (beta·input + alpha·product), `cross` and `cdist`,
 * all composites of existing ops (autograd and webgpu come with them); and torch's root names
 * for `dl.linalg` functions (`det`, `inverse`, `slogdet`, `logdet`).
 */
import { defineOp } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes, normDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { addmm as addmmNode } from './addmm.js';
import { where } from './elementwise.js';
import { cat } from './indexing.js';
import { bmm, matmul, mm } from './linalg.js';
import { det as linalgDet, inv, slogdet as linalgSlogdet, type SlogdetResult } from '../linalg/decompositions.js';
import { checkOptionsArg } from './options-arg.js';

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The Kronecker product, as `torch.Tensor.kron`.
     *
     * @example
     * dl.eye(2).kron(dl.ones(1, 2)); // → tensor([[1., 1., 0., 0.], [0., 0., 1., 1.]])
     */
    kron(other: Tensor): Tensor;
    /**
     * The matrix-vector product `[n, m] × [m] → [n]`, as `torch.Tensor.mv`.
     *
     * @example
     * dl.tensor([[1, 2], [3, 4]]).mv(dl.tensor([1, 1])); // → tensor([3., 7.])
     */
    mv(vec: Tensor): Tensor;
    /**
     * `beta * self + alpha * (mat1 @ mat2)` (defaults 1 and 1; self broadcasts), as `torch.Tensor.addmm`: a linear layer's
     * `bias.addmm(x, w.t())`.
     *
     * @example
     * dl.tensor([10, 20]).addmm(dl.ones(3, 4), dl.ones(4, 2)); // → tensor([[14., 24.], [14., 24.], [14., 24.]])
     */
    addmm(mat1: Tensor, mat2: Tensor, opts?: ScaleOptions): Tensor;
    /**
     * `beta * self + alpha * (mat @ vec)`, as `torch.Tensor.addmv`.
     *
     * @example
     * dl.tensor([1, 1]).addmv(dl.eye(2), dl.tensor([2, 3]), { alpha: 2 }); // → tensor([5., 7.])
     */
    addmv(mat: Tensor, vec: Tensor, opts?: ScaleOptions): Tensor;
    /**
     * `beta * self + alpha * bmm(batch1, batch2)`, as `torch.Tensor.baddbmm`.
     *
     * @example
     * dl.zeros(4, 2, 5).baddbmm(dl.ones(4, 2, 3), dl.ones(4, 3, 5)).shape; // → [4, 2, 5]
     */
    baddbmm(batch1: Tensor, batch2: Tensor, opts?: ScaleOptions): Tensor;
    /**
     * `beta * self + alpha * Σ_b batch1[b] @ batch2[b]` (the batch summed away), as `torch.Tensor.addbmm`.
     *
     * @example
     * dl.zeros(2, 5).addbmm(dl.ones(4, 2, 3), dl.ones(4, 3, 5)); // → tensor([[12., 12., 12., 12., 12.], [12., 12., 12., 12., 12.]])
     */
    addbmm(batch1: Tensor, batch2: Tensor, opts?: ScaleOptions): Tensor;
    /**
     * The cross product of 3-vectors along `dim` (default the first dim of size 3), broadcasting, as `torch.Tensor.cross`.
     *
     * @example
     * dl.tensor([1, 0, 0]).cross(dl.tensor([0, 1, 0])); // → tensor([0., 0., 1.])
     */
    cross(other: Tensor, dim?: number | null): Tensor;
    /**
     * The determinant of a square matrix (or a batch of them), as `torch.Tensor.det` (`dl.linalg.det`).
     *
     * @example
     * dl.tensor([[1, 2], [3, 4]]).det(); // → tensor(-2.)
     */
    det(): Tensor;
    /**
     * The inverse of a square matrix (or a batch), as `torch.Tensor.inverse` (`dl.linalg.inv`); a singular matrix raises a
     * LinAlgError.
     *
     * @example
     * dl.tensor([[2, 0], [0, 4]]).inverse(); // → tensor([[0.5000, 0.0000], [0.0000, 0.2500]])
     */
    inverse(): Tensor;
    /**
     * `log(det(self))` (NaN for a negative determinant, -inf for zero), as `torch.Tensor.logdet`.
     *
     * @example
     * dl.tensor([[2, 0], [0, 3]]).logdet(); // → tensor(1.7918)
     */
    logdet(): Tensor;
    /**
     * The sign and the log of the absolute determinant, `[sign, logabsdet]`, as `torch.Tensor.slogdet`
     * (`dl.linalg.slogdet`).
     *
     * @example
     * const [sign, logabsdet] = dl.tensor([[0, 1], [1, 0]]).slogdet();
     * // [sign, logabsdet] → [tensor(-1.), tensor(0.)]
     */
    slogdet(): SlogdetResult;
  }
}

/** `beta` scales the added input, `alpha` the product (PyTorch's keywords; both 1 by default). */
export interface ScaleOptions {
  beta?: number;
  alpha?: number;
}

function sameDtype(op: string, ts: Tensor[]): void {
  const d = ts[0]!.dtype;
  if (ts.some((t) => t.dtype !== d) || d === 'bool') {
    throw new DTypeError(
      `${op}: expected all inputs to have one non-bool dtype, got ${ts.map((t) => `${t.dtype} ${fmtShape(t.shape)}`).join(', ')}`,
      {
        op,
        hint: 'cast them to one dtype, e.g. .float()',
      },
    );
  }
}

function scales(op: string, input: Tensor, opts: ScaleOptions): { beta: number; alpha: number } {
  checkOptionsArg(op, opts, `dl.${op}(input, a, b, { beta: 0.5, alpha: 2 })`);
  const beta = opts.beta ?? 1;
  const alpha = opts.alpha ?? 1;
  if ((input.dtype === 'int32' || input.dtype === 'uint8') && (!Number.isInteger(beta) || !Number.isInteger(alpha))) {
    throw new ArgumentError(
      `${op}: for integral input tensors, arguments beta and alpha must not be floating point numbers (got beta=${beta}, alpha=${alpha})`,
      { op, hint: 'pass integers, or cast the inputs with .float()' },
    );
  }
  return { beta, alpha };
}

/** `0 * t` without NaN or infinity leaking in: zeros that carry `t`'s (zero) gradient. */
function zeroLike(t: Tensor): Tensor {
  return where(t.isfinite(), t, 0).mul(0);
}

/** `beta * input + alpha * product`, with torch's rule that beta = 0 ignores input (NaN included). */
function combine(op: string, input: Tensor, product: Tensor, beta: number, alpha: number): Tensor {
  const shape = broadcastShapes(op, input.shape, product.shape);
  if (shape.length !== product.dim() || shape.some((s, i) => s !== product.shape[i])) {
    throw new ShapeError(
      `${op}: the input ${fmtShape(input.shape)} cannot be broadcast to the product's shape ${fmtShape(product.shape)}`,
      { op, hint: `input must broadcast to ${fmtShape(product.shape)}` },
    );
  }
  const p = alpha === 1 ? product : product.mul(alpha);
  if (beta === 0) return p.add(zeroLike(input)); // input's values ignored (NaN too); its gradient is 0, as torch
  return (beta === 1 ? input : input.mul(beta)).add(p);
}

/**
 * `beta * input + alpha * (mat1 @ mat2)` for 2-D `mat1` [n, k], `mat2` [k, m] (`torch.addmm`;
 * with beta = alpha = 1 one `AddmmBackward0` node, as `F.linear`).
 *
 * @example
 * dl.addmm(bias, x, w.t());
 * dl.addmm(c, a, b, { beta: 0.5, alpha: 2 });
 */
export const addmm = defineOp('addmm', (input: Tensor, mat1: Tensor, mat2: Tensor, opts: ScaleOptions = {}): Tensor => {
  const op = 'addmm';
  const { beta, alpha } = scales(op, input, opts);
  if (beta === 1 && alpha === 1) return addmmNode(input, mat1, mat2);
  sameDtype(op, [input, mat1, mat2]);
  return combine(op, input, mm(mat1, mat2), beta, alpha);
});

/**
 * Matrix-vector product of a 2-D `mat` [n, m] and a 1-D `vec` [m] (`torch.mv`).
 *
 * @example
 * dl.mv(dl.eye(3), dl.tensor([1, 2, 3])); // [1, 2, 3]
 */
export const mv = defineOp('mv', (mat: Tensor, vec: Tensor): Tensor => {
  if (mat.dim() !== 2 || vec.dim() !== 1) {
    throw new ShapeError(
      `mv: vector + matrix @ vector expected, got ${mat.dim()}, ${vec.dim()} (shapes ${fmtShape(mat.shape)} and ${fmtShape(vec.shape)})`,
      { op: 'mv', hint: 'mat must be 2-D and vec 1-D' },
    );
  }
  if (mat.shape[1] !== vec.shape[0]) {
    throw new ShapeError(`mv: size mismatch, got input (${mat.shape[0]}), mat (${mat.shape[0]}x${mat.shape[1]}), vec (${vec.shape[0]})`, {
      op: 'mv',
      hint: 'mat [n, m] takes a vec [m]',
    });
  }
  sameDtype('mv', [mat, vec]);
  return matmul(mat, vec);
});

/**
 * `beta * input + alpha * (mat @ vec)` (`torch.addmv`).
 *
 * @example
 * dl.addmv(b, m, v, { alpha: 2 });
 */
export const addmv = defineOp('addmv', (input: Tensor, mat: Tensor, vec: Tensor, opts: ScaleOptions = {}): Tensor => {
  const op = 'addmv';
  const { beta, alpha } = scales(op, input, opts);
  sameDtype(op, [input, mat, vec]);
  return combine(op, input, mv(mat, vec), beta, alpha);
});

function check3d(op: string, b1: Tensor, b2: Tensor): void {
  if (b1.dim() !== 3 || b2.dim() !== 3)
    throw new ShapeError(`${op}: batch1 and batch2 must be 3-D tensors, got ${fmtShape(b1.shape)} and ${fmtShape(b2.shape)}`, {
      op,
      hint: 'shapes [b, n, k] and [b, k, m]',
    });
}

/**
 * `beta * input + alpha * bmm(batch1, batch2)` (`torch.baddbmm`).
 *
 * @example
 * dl.baddbmm(c, a, b, { beta: 0.5 }); // a [B, n, k], b [B, k, m]
 */
export const baddbmm = defineOp('baddbmm', (input: Tensor, batch1: Tensor, batch2: Tensor, opts: ScaleOptions = {}): Tensor => {
  const op = 'baddbmm';
  const { beta, alpha } = scales(op, input, opts);
  check3d(op, batch1, batch2);
  sameDtype(op, [input, batch1, batch2]);
  return combine(op, input, bmm(batch1, batch2), beta, alpha);
});

/**
 * `beta * input + alpha * Σ_b batch1[b] @ batch2[b]` (`torch.addbmm`): the batch of products is
 * summed into one matrix.
 *
 * @example
 * dl.addbmm(c, a, b); // a [B, n, k], b [B, k, m] -> [n, m]
 */
export const addbmm = defineOp('addbmm', (input: Tensor, batch1: Tensor, batch2: Tensor, opts: ScaleOptions = {}): Tensor => {
  const op = 'addbmm';
  const { beta, alpha } = scales(op, input, opts);
  check3d(op, batch1, batch2);
  sameDtype(op, [input, batch1, batch2]);
  if (batch1.shape[0] !== batch2.shape[0] || batch1.shape[2] !== batch2.shape[1]) {
    throw new ShapeError(`${op}: batch1 ${fmtShape(batch1.shape)} and batch2 ${fmtShape(batch2.shape)} cannot be multiplied`, {
      op,
      hint: 'shapes [b, n, k] and [b, k, m] with the same b',
    });
  }
  const [b, n, k] = batch1.shape as [number, number, number];
  const m = batch2.shape[2]!;
  // Σ_b A_b B_b = [A_0 … A_{b-1}] (n × b·k) @ [B_0; …; B_{b-1}] (b·k × m): one matrix product
  const prod = mm(batch1.permute(1, 0, 2).reshape(n, b * k), batch2.reshape(b * k, m));
  return combine(op, input, prod, beta, alpha);
});

/**
 * Kronecker product (`torch.kron`): for inputs of the same rank (the shorter one gets leading
 * 1s), `out[i·B + j] = a[i] * b[j]` along every dim.
 *
 * @example
 * dl.kron(dl.eye(2), dl.tensor([[1, 2], [3, 4]])); // block-diagonal [4, 4]
 */
export const kron = defineOp('kron', (a: Tensor, b: Tensor): Tensor => {
  const r = Math.max(a.dim(), b.dim());
  const sa = [...Array<number>(r - a.dim()).fill(1), ...a.shape];
  const sb = [...Array<number>(r - b.dim()).fill(1), ...b.shape];
  const A = a.reshape(sa.flatMap((s) => [s, 1]));
  const B = b.reshape(sb.flatMap((s) => [1, s]));
  return A.mul(B).reshape(sa.map((s, i) => s * sb[i]!));
});

/**
 * Cross product of 3-vectors along `dim` (`torch.cross`): without `dim`, torch 1.13's default, the
 * first dim of size 3 (`dl.linalg.cross` defaults to the last dim). Inputs broadcast.
 *
 * @example
 * dl.cross(dl.tensor([1, 0, 0]), dl.tensor([0, 1, 0])); // [0, 0, 1]
 */
export const cross = defineOp('cross', (a: Tensor, b: Tensor, dim: number | null = null): Tensor => {
  let d: number;
  if (dim === null || dim === undefined) {
    d = a.shape.indexOf(3);
    if (d < 0)
      throw new ShapeError(`cross: no dimension of size 3 in input ${fmtShape(a.shape)}`, {
        op: 'cross',
        hint: 'pass dim explicitly, or use dl.linalg.cross (last dim)',
      });
  } else d = dim;
  return crossAlong('cross', a, b, d);
});

/** @internal `a × b` along `dim` after broadcasting (shared by `cross` and `linalg.cross`). */
export function crossAlong(op: string, a: Tensor, b: Tensor, dim: number): Tensor {
  if (a.dim() !== b.dim())
    throw new ShapeError(`${op}: inputs must have the same number of dimensions, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, {
      op,
      hint: 'unsqueeze the shorter one',
    });
  const d = normDim(dim, a.dim(), op);
  if (a.shape[d] !== 3 || b.shape[d] !== 3) {
    throw new ShapeError(`${op}: inputs dimension ${dim} must have length 3. Got ${a.shape[d]} and ${b.shape[d]}`, {
      op,
      hint: 'the cross product is of 3-vectors',
    });
  }
  sameDtype(op, [a, b]);
  const shape = broadcastShapes(op, a.shape, b.shape);
  const A = a.expand(shape);
  const B = b.expand(shape);
  const c = (t: Tensor, i: number) => t.narrow(d, i, 1);
  const x = c(A, 1)
    .mul(c(B, 2))
    .sub(c(A, 2).mul(c(B, 1)));
  const y = c(A, 2)
    .mul(c(B, 0))
    .sub(c(A, 0).mul(c(B, 2)));
  const z = c(A, 0)
    .mul(c(B, 1))
    .sub(c(A, 1).mul(c(B, 0)));
  return cat([x, y, z], d);
}

/** How `cdist` computes p = 2 distances (PyTorch's `compute_mode`). */
export type CdistComputeMode = 'use_mm_for_euclid_dist_if_necessary' | 'use_mm_for_euclid_dist' | 'donot_use_mm_for_euclid_dist';

/**
 * Pairwise p-norm distances between the rows of `x1` [..., P, M] and `x2` [..., R, M]
 * (`torch.cdist`), batch dims broadcast. For p = 2 with more than 25 rows on either side (or
 * `computeMode: 'use_mm_for_euclid_dist'`) it uses torch's matrix-product form
 * `sqrt(max(|x|² + |y|² - 2x·y, 1e-30))`; otherwise the exact differences. Gradients are 0 where
 * a distance is 0, as torch's.
 *
 * @example
 * dl.cdist(a, b);              // Euclidean, [P, R]
 * dl.cdist(a, b, { p: 1 });    // Manhattan
 */
export const cdist = defineOp('cdist', (x1: Tensor, x2: Tensor, opts: { p?: number; computeMode?: CdistComputeMode } = {}): Tensor => {
  checkOptionsArg('cdist', opts, 'dl.cdist(x1, x2, { p: 1 })');
  const op = 'cdist';
  const p = opts.p ?? 2;
  const mode = opts.computeMode ?? 'use_mm_for_euclid_dist_if_necessary';
  if (x1.dim() < 2 || x2.dim() < 2)
    throw new ShapeError(`cdist only supports at least 2D tensors, X1 got: ${x1.dim()}D, X2 got: ${x2.dim()}D`, {
      op,
      hint: 'shapes [..., P, M] and [..., R, M]',
    });
  if (x1.shape[x1.dim() - 1] !== x2.shape[x2.dim() - 1]) {
    throw new ShapeError(`X1 and X2 must have the same number of columns. X1: ${x1.shape[x1.dim() - 1]} X2: ${x2.shape[x2.dim() - 1]}`, {
      op,
      hint: 'the last dims (the features) must agree',
    });
  }
  if (!(p >= 0)) throw new ArgumentError(`cdist only supports non-negative p values, got ${p}`, { op });
  if (x1.dtype !== x2.dtype || (x1.dtype !== 'float32' && x1.dtype !== 'float64')) {
    throw new DTypeError(`cdist only supports floating-point dtypes, X1 got: ${x1.dtype}, X2 got: ${x2.dtype}`, {
      op,
      hint: 'cast with .float()',
    });
  }
  const P = x1.shape[x1.dim() - 2]!;
  const R = x2.shape[x2.dim() - 2]!;
  const batch = broadcastShapes(op, x1.shape.slice(0, -2), x2.shape.slice(0, -2));
  const a = x1.expand([...batch, ...x1.shape.slice(-2)]);
  const b = x2.expand([...batch, ...x2.shape.slice(-2)]);
  const useMm = p === 2 && (mode === 'use_mm_for_euclid_dist' || (mode === 'use_mm_for_euclid_dist_if_necessary' && (P > 25 || R > 25)));
  if (useMm) {
    // torch's _euclidean_dist: [-2x, |x|², 1] @ [y, 1, |y|²]ᵀ, clamped at 1e-30, square root
    const an = a.square().sum(-1, { keepdim: true });
    const bn = b.square().sum(-1, { keepdim: true });
    const A = cat([a.mul(-2), an, an.mul(0).add(1)], -1);
    const B = cat([b, bn.mul(0).add(1), bn], -1);
    return A.matmul(B.mT).clamp(1e-30, null).sqrt();
  }
  const diff = a.unsqueeze(-2).sub(b.unsqueeze(-3)); // [..., P, R, M]
  const ad = diff.abs();
  if (p === 0)
    return ad
      .ne(0)
      .to(a.dtype)
      .sum(-1)
      .add(zeroLike(ad.sum(-1))); // a count: gradient 0
  if (p === 1) return ad.sum(-1);
  if (p === Infinity) {
    if (diff.shape[diff.dim() - 1] === 0) return ad.sum(-1);
    // torch's backward gives every tied maximum the full gradient: forward amax, gradient through the mask
    const m = ad.amax(-1);
    const mask = ad.eq(m.unsqueeze(-1)).detach();
    const masked = ad.mul(mask.to(ad.dtype)).sum(-1);
    const f = where(masked.isfinite(), masked, 0);
    return m.detach().add(f.sub(f.detach()));
  }
  // (Σ |d|^p)^(1/p) with 0 gradients at |d| = 0 and at a zero distance (torch's _cdist_backward)
  const zero = ad.eq(0);
  const term = where(zero, 0, where(zero, 1, ad).pow(p));
  const s = term.sum(-1);
  const sz = s.eq(0);
  return where(sz, 0, where(sz, 1, s).pow(1 / p));
});

/**
 * Determinant of square matrices (`torch.det`; `dl.linalg.det`).
 *
 * @example
 * dl.det(dl.tensor([[1, 2], [3, 4]])); // -2
 */
export const det = defineOp('det', (A: Tensor): Tensor => linalgDet(A));

/**
 * Inverse of square matrices (`torch.inverse`; `dl.linalg.inv`).
 *
 * @example
 * dl.inverse(dl.tensor([[2, 0], [0, 4]])); // [[0.5, 0], [0, 0.25]]
 */
export const inverse = defineOp('inverse', (A: Tensor): Tensor => inv(A));

/**
 * `[sign, logabsdet]` of the determinant (`torch.slogdet`; `dl.linalg.slogdet`).
 *
 * @example
 * const [sign, logabsdet] = dl.slogdet(A);
 */
export const slogdet = defineOp('slogdet', (A: Tensor): SlogdetResult => linalgSlogdet(A));

/**
 * Natural log of the determinant (`torch.logdet`): NaN where it is negative, -inf where it is 0.
 *
 * @example
 * dl.logdet(dl.tensor([[2, 0], [0, 3]])); // log 6
 */
export const logdet = defineOp('logdet', (A: Tensor): Tensor => {
  const [sign, logabs] = linalgSlogdet(A);
  return where(sign.lt(0), NaN, logabs);
});

/** Tensor methods of this family (Note [Tensor methods from op families]). */
export const linalgExtraMethods = {
  kron(this: Tensor, other: Tensor) {
    return kron(this, other);
  },
  mv(this: Tensor, vec: Tensor) {
    return mv(this, vec);
  },
  addmm(this: Tensor, mat1: Tensor, mat2: Tensor, opts?: ScaleOptions) {
    return addmm(this, mat1, mat2, opts);
  },
  addmv(this: Tensor, mat: Tensor, vec: Tensor, opts?: ScaleOptions) {
    return addmv(this, mat, vec, opts);
  },
  baddbmm(this: Tensor, batch1: Tensor, batch2: Tensor, opts?: ScaleOptions) {
    return baddbmm(this, batch1, batch2, opts);
  },
  addbmm(this: Tensor, batch1: Tensor, batch2: Tensor, opts?: ScaleOptions) {
    return addbmm(this, batch1, batch2, opts);
  },
  cross(this: Tensor, other: Tensor, dim?: number | null) {
    return cross(this, other, dim ?? null);
  },
  det(this: Tensor) {
    return det(this);
  },
  inverse(this: Tensor) {
    return inverse(this);
  },
  logdet(this: Tensor) {
    return logdet(this);
  },
  slogdet(this: Tensor) {
    return slogdet(this);
  },
} satisfies TensorMethods;
