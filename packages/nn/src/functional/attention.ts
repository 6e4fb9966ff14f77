import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, type Generator, type Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { defineOp } from '@dl/tensor/internal';
import { dropout } from './norm.js';

/** Options of {@link scaledDotProductAttention} (torch 2.x's keywords, camelCase). */
export interface ScaledDotProductAttentionOptions {
  /**
   * Broadcastable to `[..., L, S]`. A bool mask keeps the positions that are **true** (torch
   * 2.x's `scaled_dot_product_attention`; `nn.MultiheadAttention`'s bool masks are the opposite:
   * true there means "masked out"); a float mask is added to the scores.
   */
  attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (applied whenever > 0, as torch). Default 0. */
  dropoutP?: number;
  /** Lower-triangular (causal) masking: query i attends to keys 0..i. Not with `attnMask`. */
  isCausal?: boolean;
  /** Scale of the scores; default `1 / √E` (E = the last dim of `query`). */
  scale?: number | null;
  /** The generator dropout draws from (default: the global one). */
  generator?: Generator;
}

/**
 * Note [Attention masks as a float bias]
 * Every mask becomes one additive float bias before the softmax, as torch does (2.x's reference
 * `attn_bias`, 1.13's `baddbmm(attn_mask, q, kᵀ)` in `multi_head_attention_forward`): a bool
 * "keep" mask is 0 where kept and -inf elsewhere, a causal mask is `triu(full(-inf), 1)`, a float
 * mask is added as given (and gets a gradient, as in torch). Adding -inf rather than filling it
 * keeps torch's values on edge inputs (a NaN score at a masked position stays NaN) and costs one
 * elementwise add. A row with every key masked is all -inf and its softmax is NaN, as in torch.
 */

/** @internal Check that `t` is a floating tensor of `dtype` (the query's). */
function checkFloat(op: string, name: string, t: Tensor, dtype: dl.DType): void {
  if (!dl.isFloating(t.dtype)) {
    throw new DTypeError(`${op}: expected ${name} to be a floating tensor, got ${t.dtype}`, { op, hint: 'cast it with .float()' });
  }
  if (t.dtype !== dtype) {
    throw new DTypeError(
      `${op}: expected query, key and value to have the same dtype, but got query.dtype: ${dtype}, ${name}.dtype: ${t.dtype}`,
      {
        op,
        hint: 'cast them to one dtype, e.g. .float()',
      },
    );
  }
}

/**
 * Attention: `softmax(q kᵀ · scale + mask) v` over the last two dims of `query` [..., L, E],
 * `key` [..., S, E] and `value` [..., S, Ev] (leading dims broadcast), returning [..., L, Ev] —
 * torch 2.x's `F.scaled_dot_product_attention` (its math path; torch 1.13 has it only as a
 * private op). Masks: see {@link ScaledDotProductAttentionOptions} and Note [Attention masks as
 * a float bias].
 *
 * @example
 * const q = dl.randn(2, 4, 5, 8), k = dl.randn(2, 4, 7, 8), v = dl.randn(2, 4, 7, 8);
 * F.scaledDotProductAttention(q, k, v);                    // [2, 4, 5, 8]
 * F.scaledDotProductAttention(q, q, q, { isCausal: true }); // GPT-style self-attention
 */
export const scaledDotProductAttention = defineOp(
  'scaledDotProductAttention',
  (query: Tensor, key: Tensor, value: Tensor, opts: ScaledDotProductAttentionOptions = {}): Tensor => {
    const op = 'scaledDotProductAttention';
    for (const [name, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if (!(t instanceof dl.Tensor))
        throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`, { op });
      if (t.dim() < 2)
        throw new ShapeError(`${op}: expected ${name} with at least 2 dims [..., seq, features], got ${fmtShape(t.shape)}`, {
          op,
          hint: 'add a sequence dim with unsqueeze(0)',
        });
    }
    checkFloat(op, 'query', query, query.dtype);
    checkFloat(op, 'key', key, query.dtype);
    checkFloat(op, 'value', value, query.dtype);
    const L = query.shape[query.dim() - 2]!;
    const E = query.shape[query.dim() - 1]!;
    const S = key.shape[key.dim() - 2]!;
    if (key.shape[key.dim() - 1] !== E) {
      throw new ShapeError(`${op}: query ${fmtShape(query.shape)} and key ${fmtShape(key.shape)} must have the same last dim (E)`, {
        op,
        hint: 'query is [..., L, E], key [..., S, E]',
      });
    }
    if (value.shape[value.dim() - 2] !== S) {
      throw new ShapeError(
        `${op}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same sequence length (dim -2)`,
        { op, hint: 'key is [..., S, E], value [..., S, Ev]' },
      );
    }
    const lead = (t: Tensor) => t.shape.slice(0, -2);
    const batch = [lead(query), lead(key), lead(value)];
    const nb = Math.max(...batch.map((b) => b.length));
    for (let i = 1; i <= nb; i++) {
      const sizes = new Set(batch.map((b) => b[b.length - i] ?? 1).filter((d) => d !== 1));
      if (sizes.size > 1) {
        throw new ShapeError(
          `${op}: the batch dims of query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} cannot be broadcast together`,
          {
            op,
            hint: 'the dims before [seq, features] must be equal or 1',
          },
        );
      }
    }
    const p = opts.dropoutP ?? 0;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1))
      throw new ArgumentError(`${op}: dropoutP has to be between 0 and 1, but got ${String(p)}`, { op });
    const mask = opts.attnMask ?? null;
    if (opts.isCausal && mask) {
      throw new ArgumentError(`${op}: an explicit attnMask should not be set when isCausal is true`, {
        op,
        hint: 'pass one of them: fold the causal mask into attnMask, or drop attnMask',
      });
    }
    if (mask) {
      if (!(mask instanceof dl.Tensor)) throw new ArgumentError(`${op}: attnMask must be a Tensor or null, got ${typeof mask}`, { op });
      if (mask.dtype !== 'bool' && mask.dtype !== query.dtype) {
        throw new DTypeError(`${op}: expected attnMask of dtype bool or ${query.dtype} (the query's), got ${mask.dtype}`, {
          op,
          hint: 'a bool mask keeps the true positions; a float mask is added to the scores',
        });
      }
      // broadcastable to the scores [..., L, S] as in torch: a 1-D [S] or 0-d mask too, and leading dims
      // that broadcast with the inputs' batch dims
      const ms = mask.shape;
      const fits = (d: number, n: number) => d === 1 || d === n;
      const mlead = ms.slice(0, -2);
      const leadFits = mlead.every((d, i) => {
        const j = i - mlead.length;
        return batch.every((b) => fits(d, b[b.length + j] ?? 1) || (b[b.length + j] ?? 1) === 1);
      });
      if ((ms.length >= 2 && !fits(ms[ms.length - 2]!, L)) || (ms.length >= 1 && !fits(ms[ms.length - 1]!, S)) || !leadFits) {
        throw new ShapeError(
          `${op}: attnMask ${fmtShape(ms)} cannot be broadcast to the scores [..., ${L}, ${S}] (query ${fmtShape(query.shape)}, key ${fmtShape(key.shape)})`,
          { op, hint: `give a [${L}, ${S}] mask or one broadcastable to [..., ${L}, ${S}]` },
        );
      }
    }
    const scale = opts.scale ?? 1 / Math.sqrt(E);
    let scores = query.matmul(key.transpose(-2, -1)).mul(scale); // the reference's order: q kᵀ, then the scale
    if (opts.isCausal) scores = scores.add(causalBias(L, S, query.dtype, query.device));
    if (mask) scores = scores.add(mask.dtype === 'bool' ? keepMaskBias(mask, query.dtype) : mask);
    let weights = scores.softmax(-1);
    if (p > 0) weights = dropout(weights, p, { training: true, ...(opts.generator ? { generator: opts.generator } : {}) });
    return weights.matmul(value);
  },
);

/** @internal `[L, S]`: 0 where key j ≤ query i, -inf above (torch's `triu(full(-inf), 1)`). */
export function causalBias(L: number, S: number, dtype: dl.DType, device: string): Tensor {
  return noGrad(() => dl.full([L, S], -Infinity, { dtype, device }).triu(1));
}

/** @internal A float bias from a bool mask that is true where a position is **kept**. */
function keepMaskBias(mask: Tensor, dtype: dl.DType): Tensor {
  return noGrad(() => dl.zeros([...mask.shape], { dtype, device: mask.device }).maskedFill(mask.logicalNot(), -Infinity));
}

/** @internal A float bias from a bool mask that is true where a position is **masked out** (nn.MultiheadAttention's convention). */
export function maskedOutBias(mask: Tensor, dtype: dl.DType): Tensor {
  return noGrad(() => dl.zeros([...mask.shape], { dtype, device: mask.device }).maskedFill(mask, -Infinity));
}
