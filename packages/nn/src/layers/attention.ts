import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { Module } from '../module.js';
import * as init from '../init.js';
import * as Fc from '../functional/conv.js';
import { dropout } from '../functional/norm.js';
import { maskedOutBias } from '../functional/attention.js';
import { Linear, checkFeatures, param, type FactoryOptions } from './basic.js';

/**
 * `nn.Linear` under the name torch gives MultiheadAttention's output projection
 * (`torch.nn.modules.linear.NonDynamicallyQuantizableLinear`), so the repr prints as torch's.
 */
export class NonDynamicallyQuantizableLinear extends Linear {
  static {
    Object.defineProperty(this, 'name', { value: 'NonDynamicallyQuantizableLinear' });
  }
}

/** Options of {@link MultiheadAttention} (torch's keywords, camelCase). */
export interface MultiheadAttentionOptions extends FactoryOptions {
  /** Dropout on the attention weights while training (default 0). */
  dropout?: number;
  /** Biases of the input and output projections (default true). */
  bias?: boolean;
  /** Learned key/value biases appended to the key and value sequences (default false). */
  addBiasKv?: boolean;
  /** Append a zero key/value to the sequences (default false). */
  addZeroAttn?: boolean;
  /** Features of `key` (default `embedDim`). */
  kdim?: number | null;
  /** Features of `value` (default `embedDim`). */
  vdim?: number | null;
  /** Inputs and output are [batch, seq, feature] (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
}

/** Options of {@link MultiheadAttention.forward} (torch's keywords, camelCase). */
export interface MultiheadAttentionForwardOptions {
  /** [N, S] (or [S] unbatched): true (or a float -inf/bias) marks keys to ignore. */
  keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  needWeights?: boolean;
  /** [L, S] or [N·numHeads, L, S]: bool true = not allowed to attend; a float mask is added. */
  attnMask?: Tensor | null;
  /** Average the returned weights over heads (default true), else [N, numHeads, L, S]. */
  averageAttnWeights?: boolean;
}

/**
 * Multi-head attention (`torch.nn.MultiheadAttention`): torch's parameters and state-dict keys
 * (`in_proj_weight` — or `q_proj_weight`/`k_proj_weight`/`v_proj_weight` when `kdim`/`vdim`
 * differ from `embedDim` — `in_proj_bias`, `bias_k`, `bias_v`, `out_proj.weight`,
 * `out_proj.bias`), torch's init (xavier-uniform projections, zero biases) and its forward
 * (torch 1.13's `multi_head_attention_forward`, seq-first unless `batchFirst`, unbatched 2-D
 * inputs too). Returns `[output, weights | null]`.
 *
 * @example
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const x = dl.randn(2, 5, 16);
 * const [y, w] = mha(x, x, x, { attnMask: nn.Transformer.generateSquareSubsequentMask(5) });
 * y.shape; // [2, 5, 16]; w!.shape: [2, 5, 5]
 */
export class MultiheadAttention extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'MultiheadAttention' }); // the repr's name, minified or not
  }
  // declared in torch's registration order: the state dict lists them so
  inProjWeight: Tensor | null;
  qProjWeight: Tensor | null;
  kProjWeight: Tensor | null;
  vProjWeight: Tensor | null;
  inProjBias: Tensor | null;
  outProj: NonDynamicallyQuantizableLinear;
  biasK: Tensor | null;
  biasV: Tensor | null;
  readonly kdim: number;
  readonly vdim: number;
  readonly headDim: number;
  readonly dropout: number;
  readonly batchFirst: boolean;
  readonly addZeroAttn: boolean;
  /** `kdim === vdim === embedDim`: one packed `in_proj_weight`. */
  readonly qkvSameEmbedDim: boolean;

  constructor(readonly embedDim: number, readonly numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    const op = 'MultiheadAttention';
    checkFeatures(op, { embed_dim: embedDim, num_heads: numHeads }, 'new nn.MultiheadAttention(64, 8, { batchFirst: true })');
    this.kdim = opts.kdim ?? embedDim;
    this.vdim = opts.vdim ?? embedDim;
    checkFeatures(op, { kdim: this.kdim, vdim: this.vdim }, 'new nn.MultiheadAttention(64, 8, { kdim: 32, vdim: 48 })');
    this.qkvSameEmbedDim = this.kdim === embedDim && this.vdim === embedDim;
    this.dropout = opts.dropout ?? 0;
    if (typeof this.dropout !== 'number' || !(this.dropout >= 0 && this.dropout <= 1)) {
      throw new ArgumentError(`${op}: dropout probability has to be between 0 and 1, but got ${String(this.dropout)}`, { op });
    }
    this.batchFirst = opts.batchFirst ?? false;
    this.addZeroAttn = opts.addZeroAttn ?? false;
    this.headDim = numHeads > 0 ? Math.floor(embedDim / numHeads) : 0;
    if (numHeads <= 0 || this.headDim * numHeads !== embedDim) {
      throw new ArgumentError(`${op}: embed_dim must be divisible by num_heads (got embed_dim=${embedDim}, num_heads=${numHeads})`, { op, hint: 'pick numHeads dividing embedDim, e.g. new nn.MultiheadAttention(64, 8)' });
    }
    if (this.qkvSameEmbedDim) {
      this.inProjWeight = param([3 * embedDim, embedDim], opts);
      this.qProjWeight = this.kProjWeight = this.vProjWeight = null;
    } else {
      this.inProjWeight = null;
      this.qProjWeight = param([embedDim, embedDim], opts);
      this.kProjWeight = param([embedDim, this.kdim], opts);
      this.vProjWeight = param([embedDim, this.vdim], opts);
    }
    const bias = opts.bias ?? true;
    this.inProjBias = bias ? param([3 * embedDim], opts) : null;
    this.outProj = new NonDynamicallyQuantizableLinear(embedDim, embedDim, { bias, ...opts });
    this.biasK = opts.addBiasKv ? param([1, 1, embedDim], opts) : null;
    this.biasV = opts.addBiasKv ? param([1, 1, embedDim], opts) : null;
    this.resetParameters();
  }

  /** torch's `_reset_parameters`: xavier-uniform projections, zero biases, xavier-normal `bias_k`/`bias_v`. */
  resetParameters(): void {
    if (this.inProjWeight) init.xavierUniform_(this.inProjWeight);
    else for (const w of [this.qProjWeight, this.kProjWeight, this.vProjWeight]) init.xavierUniform_(w!);
    if (this.inProjBias) {
      init.constant_(this.inProjBias, 0);
      init.constant_(this.outProj.bias!, 0);
    }
    if (this.biasK) init.xavierNormal_(this.biasK);
    if (this.biasV) init.xavierNormal_(this.biasV);
  }

  /**
   * Attend from `query` to `key`/`value`: [L, N, E] / [S, N, kdim] / [S, N, vdim] ([N, L, E] …
   * with `batchFirst`; [L, E] … unbatched). Returns `[output, weights]`: output shaped as the
   * query, weights [N, L, S] (averaged over heads) or [N, numHeads, L, S], or null when
   * `needWeights` is false.
   *
   * @example
   * const [out] = mha(q, kv, kv, { keyPaddingMask: pad, needWeights: false });
   */
  forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention';
    for (const [name, t] of [['query', query], ['key', key], ['value', value]] as const) {
      if (!(t instanceof dl.Tensor)) throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`, { op, hint: 'mha(query, key, value, { attnMask })' });
    }
    const batched = query.dim() === 3;
    if (this.batchFirst && batched) {
      // torch keeps `query is key is value` through the transpose: the packed projection runs once
      if (key === value) {
        if (query === key) query = key = value = query.transpose(1, 0);
        else {
          query = query.transpose(1, 0);
          key = value = key.transpose(1, 0);
        }
      } else [query, key, value] = [query.transpose(1, 0), key.transpose(1, 0), value.transpose(1, 0)];
    }
    const [out, w] = multiHeadAttentionForward(this, query, key, value, opts);
    return [this.batchFirst && batched ? out.transpose(1, 0) : out, w];
  }

}

/** What the forward reads of the module. */
type MhaParams = Pick<MultiheadAttention, 'embedDim' | 'numHeads' | 'headDim' | 'inProjWeight' | 'qProjWeight' | 'kProjWeight' | 'vProjWeight' | 'inProjBias' | 'biasK' | 'biasV' | 'addZeroAttn' | 'dropout' | 'outProj' | 'training' | 'kdim' | 'vdim'>;

/** torch's `_mha_shape_check`: is the input batched, with every shape error named. */
function shapeCheck(m: MhaParams, q: Tensor, k: Tensor, v: Tensor, kpm: Tensor | null, mask: Tensor | null): boolean {
  const op = 'MultiheadAttention';
  const shapes = `query ${fmtShape(q.shape)}, key ${fmtShape(k.shape)}, value ${fmtShape(v.shape)}`;
  const batched = q.dim() === 3;
  if (q.dim() !== 2 && !batched) throw new ShapeError(`${op}: query should be unbatched 2D or batched 3D tensor but received ${q.dim()}-D query tensor`, { op, hint: 'query is [L, N, E] ([N, L, E] with batchFirst) or [L, E]' });
  if (k.dim() !== q.dim() || v.dim() !== q.dim()) {
    throw new ShapeError(`${op}: for ${batched ? 'batched (3-D)' : 'unbatched (2-D)'} query, expected key and value to be ${q.dim()}-D but found ${k.dim()}-D and ${v.dim()}-D tensors (${shapes})`, { op });
  }
  if (kpm && kpm.dim() !== (batched ? 2 : 1)) {
    throw new ShapeError(`${op}: for ${batched ? 'batched (3-D)' : 'unbatched (2-D)'} query, expected keyPaddingMask to be null or ${batched ? 2 : 1}-D but found ${fmtShape(kpm.shape)}`, { op, hint: 'keyPaddingMask is [N, S] ([S] unbatched)' });
  }
  if (mask && mask.dim() !== 2 && mask.dim() !== 3) throw new ShapeError(`${op}: expected attnMask to be null, 2-D or 3-D but found ${fmtShape(mask.shape)}`, { op, hint: 'attnMask is [L, S] or [N*numHeads, L, S]' });
  const e = q.shape[q.dim() - 1]!;
  if (e !== m.embedDim) throw new ShapeError(`${op}: was expecting embedding dimension of ${m.embedDim}, but got ${e} (${shapes})`, { op });
  if (k.shape[k.dim() - 1] !== m.kdim || v.shape[v.dim() - 1] !== m.vdim) {
    throw new ShapeError(`${op}: expected key with ${m.kdim} and value with ${m.vdim} features (kdim, vdim), got ${shapes}`, { op, hint: 'pass { kdim, vdim } to the constructor for other sizes' });
  }
  const kb = k.shape.slice(0, -1).join(',');
  if (kb !== v.shape.slice(0, -1).join(',') || (batched && k.shape[1] !== q.shape[1])) {
    throw new ShapeError(`${op}: key and value must have the same sequence and batch dims, and the batch must match the query's (${shapes})`, { op });
  }
  for (const [name, t] of [['key', k], ['value', v]] as const) {
    if (t.dtype !== q.dtype) throw new DTypeError(`${op}: expected query, key and value of one dtype, got query ${q.dtype} and ${name} ${t.dtype}`, { op, hint: 'cast them with .float()' });
  }
  if (!dl.isFloating(q.dtype)) throw new DTypeError(`${op}: expected floating inputs, got ${q.dtype}`, { op, hint: 'cast them with .float()' });
  return batched;
}

/** Append a zero column to a mask (torch's `pad(mask, (0, 1))`). */
function padLast(mask: Tensor): Tensor {
  return dl.cat([mask, dl.zeros([...mask.shape.slice(0, -1), 1], { dtype: mask.dtype, device: mask.device })], -1);
}

/**
 * torch 1.13's `F.multi_head_attention_forward` on seq-first inputs [L, N, E] (or unbatched
 * [L, E]): in-projection (one packed linear when `query === key === value`), masks merged into
 * one float bias [1 or N·H, L, S] (Note [Attention masks as a float bias] in
 * functional/attention.ts), scaled scores, softmax, dropout, weighted sum, out-projection.
 */
function multiHeadAttentionForward(m: MhaParams, query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions): [Tensor, Tensor | null] {
  const op = 'MultiheadAttention';
  let kpm = opts.keyPaddingMask ?? null;
  let mask = opts.attnMask ?? null;
  const batched = shapeCheck(m, query, key, value, kpm, mask);
  if (!batched) {
    // identities kept (torch's unsqueeze loses them; the packed projection computes the same values)
    const kv = key === value;
    const qk = query === key;
    query = query.unsqueeze(1);
    key = qk ? query : key.unsqueeze(1);
    value = kv ? key : value.unsqueeze(1);
    if (kpm) kpm = kpm.unsqueeze(0);
  }
  const [L, N, E] = query.shape as [number, number, number];
  const H = m.numHeads;
  const hd = m.headDim;
  for (const [name, t] of [['keyPaddingMask', kpm], ['attnMask', mask]] as const) {
    if (t && t.dtype !== 'bool' && !dl.isFloating(t.dtype)) {
      throw new DTypeError(`${op}: only bool and floating types of ${name} are supported, got ${t.dtype}`, { op, hint: 'a bool mask is true where attention is not allowed' });
    }
  }
  // ---- in-projection (torch's _in_projection_packed / _in_projection)
  let q: Tensor, k: Tensor, v: Tensor;
  const b = m.inProjBias;
  if (m.inProjWeight) {
    const w = m.inProjWeight;
    if (key === value) {
      if (query === key) [q, k, v] = Fc.linear(query, w, b).chunk(3, -1) as [Tensor, Tensor, Tensor];
      else {
        const [wq, wkv] = w.split([E, 2 * E]) as [Tensor, Tensor];
        const [bq, bkv] = b ? (b.split([E, 2 * E]) as [Tensor, Tensor]) : [null, null];
        q = Fc.linear(query, wq, bq);
        [k, v] = Fc.linear(key, wkv, bkv).chunk(2, -1) as [Tensor, Tensor];
      }
    } else {
      const [wq, wk, wv] = w.chunk(3) as [Tensor, Tensor, Tensor];
      const [bq, bk, bv] = b ? (b.chunk(3) as [Tensor, Tensor, Tensor]) : [null, null, null];
      [q, k, v] = [Fc.linear(query, wq, bq), Fc.linear(key, wk, bk), Fc.linear(value, wv, bv)];
    }
  } else {
    const [bq, bk, bv] = b ? (b.chunk(3) as [Tensor, Tensor, Tensor]) : [null, null, null];
    [q, k, v] = [Fc.linear(query, m.qProjWeight!, bq), Fc.linear(key, m.kProjWeight!, bk), Fc.linear(value, m.vProjWeight!, bv)];
  }
  // ---- attention mask
  let S = key.shape[0]!;
  if (mask) {
    if (mask.dim() === 2) {
      if (mask.shape[0] !== L || mask.shape[1] !== S) throw new ShapeError(`${op}: the shape of the 2D attnMask is ${fmtShape(mask.shape)}, but should be [${L}, ${S}] (target and source lengths)`, { op });
      mask = mask.unsqueeze(0);
    } else if (mask.shape[0] !== N * H || mask.shape[1] !== L || mask.shape[2] !== S) {
      throw new ShapeError(`${op}: the shape of the 3D attnMask is ${fmtShape(mask.shape)}, but should be [${N * H}, ${L}, ${S}] (batch · numHeads, target and source lengths)`, { op });
    }
  }
  // ---- bias_k / bias_v
  if (m.biasK && m.biasV) {
    k = dl.cat([k, m.biasK.repeat(1, N, 1)]);
    v = dl.cat([v, m.biasV.repeat(1, N, 1)]);
    if (mask) mask = padLast(mask);
    if (kpm) kpm = padLast(kpm);
  }
  // ---- heads: [L, N, E] -> [N·H, L, hd]
  q = q.contiguous().view(L, N * H, hd).transpose(0, 1);
  k = k.contiguous().view(k.shape[0]!, N * H, hd).transpose(0, 1);
  v = v.contiguous().view(v.shape[0]!, N * H, hd).transpose(0, 1);
  if (m.addZeroAttn) {
    const z = dl.zeros([N * H, 1, hd], { dtype: k.dtype, device: k.device });
    k = dl.cat([k, z], 1);
    v = dl.cat([v, z], 1);
    if (mask) mask = padLast(mask);
    if (kpm) kpm = padLast(kpm);
  }
  S = k.shape[1]!;
  // ---- merge the key padding mask, then one float bias
  if (kpm) {
    if (kpm.shape[0] !== N || kpm.shape[1] !== S) throw new ShapeError(`${op}: expecting keyPaddingMask shape of [${N}, ${S}], but got ${fmtShape(kpm.shape)}`, { op, hint: 'keyPaddingMask is [batch, source length]' });
    const kp = kpm.view(N, 1, 1, S).expand(-1, H, -1, -1).reshape(N * H, 1, S);
    if (!mask) mask = kp;
    else if (mask.dtype === 'bool') mask = mask.logicalOr(kp.dtype === 'bool' ? kp : kp.ne(0)); // torch's logical_or: a non-zero float masks
    else mask = toBias(mask, q.dtype).add(toBias(kp, q.dtype)); // two float masks add (torch 1.13 raises; 2.x adds)
  }
  const bias = mask ? toBias(mask, q.dtype) : null;
  // ---- attention
  let scores = q.div(Math.sqrt(hd)).bmm(k.transpose(-2, -1));
  if (bias) scores = scores.add(bias);
  let weights = scores.softmax(-1);
  if (m.training && m.dropout > 0) weights = dropout(weights, m.dropout, { training: true });
  let out = weights.bmm(v);
  out = out.transpose(0, 1).contiguous().view(L * N, E);
  out = Fc.linear(out, m.outProj.weight, m.outProj.bias).view(L, N, E);
  if (!batched) out = out.squeeze(1);
  if (!(opts.needWeights ?? true)) return [out, null];
  let w = weights.view(N, H, L, S);
  if (opts.averageAttnWeights ?? true) w = w.sum(1).div(H);
  if (!batched) w = w.squeeze(0);
  return [out, w];
}

/** A mask as a float bias: bool true → -inf (masked out), floats as given. */
function toBias(mask: Tensor, dtype: dl.DType): Tensor {
  return mask.dtype === 'bool' ? maskedOutBias(mask, dtype) : mask;
}
