import type { Tensor } from '@dl/tensor';
import { Module } from '../module.js';
import * as Fd from '../functional/distance.js';

/**
 * Cosine similarity along `dim` (1) with `eps` (1e-8), as PyTorch's nn.CosineSimilarity.
 *
 * @example
 * new nn.CosineSimilarity({ dim: 1 })(a, b)
 */
export class CosineSimilarity extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'CosineSimilarity' }); // the repr's name, minified or not
  }
  readonly dim: number;
  readonly eps: number;
  /** `new nn.CosineSimilarity(1, 1e-8)` or `new nn.CosineSimilarity({ dim: 1, eps: 1e-8 })`. */
  constructor(dim: number | { dim?: number; eps?: number } = 1, eps = 1e-8) {
    super();
    const kw = typeof dim === 'object' && dim !== null ? dim : null;
    this.dim = kw ? (kw.dim ?? 1) : (dim as number);
    this.eps = kw ? (kw.eps ?? 1e-8) : eps;
  }
  /**
   * Cosine similarity of `x1` and `x2` (broadcast) along the constructor's `dim`, which drops; `m(x1, x2)` calls it.
   *
   * @example
   * new nn.CosineSimilarity()(dl.tensor([[1, 0]]), dl.tensor([[1, 0]])); // → tensor([1.])
   */
  forward(x1: Tensor, x2: Tensor): Tensor {
    return Fd.cosineSimilarity(x1, x2, { dim: this.dim, eps: this.eps });
  }
}

/**
 * `‖x1 − x2 + eps‖_p` over the last dim, as PyTorch's nn.PairwiseDistance.
 *
 * @example
 * new nn.PairwiseDistance({ p: 1 })(a, b)
 */
export class PairwiseDistance extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'PairwiseDistance' }); // the repr's name, minified or not
  }
  readonly norm: number;
  readonly eps: number;
  readonly keepdim: boolean;
  /** `new nn.PairwiseDistance(2, 1e-6, false)` or `new nn.PairwiseDistance({ p: 2, eps: 1e-6, keepdim: false })`. */
  constructor(p: number | { p?: number; eps?: number; keepdim?: boolean } = 2, eps = 1e-6, keepdim = false) {
    super();
    const kw = typeof p === 'object' && p !== null ? p : null;
    this.norm = kw ? (kw.p ?? 2) : (p as number);
    this.eps = kw ? (kw.eps ?? 1e-6) : eps;
    this.keepdim = kw ? !!kw.keepdim : keepdim;
  }
  /**
   * The p-norm of `x1 - x2 + eps` along the last dim ([N, D] → [N], or kept with `keepdim`); `m(x1, x2)` calls it.
   *
   * @example
   * new nn.PairwiseDistance()(dl.tensor([[3, 4]]), dl.tensor([[0, 0]])); // → tensor([5.0000]) (eps 1e-6 included)
   */
  forward(x1: Tensor, x2: Tensor): Tensor {
    return Fd.pairwiseDistance(x1, x2, { p: this.norm, eps: this.eps, keepdim: this.keepdim });
  }
}
