import * as dl from '@dl/tensor';
import { ArgumentError, type Tensor } from '@dl/tensor';
import { Module } from '../module.js';
import * as init from '../init.js';
import { mhaForward } from '../functional/multi-head-attention.js';
import { Linear, checkFeatures, param, type FactoryOptions } from './basic.js';
import { checkMaskOption, torchArgs, type TorchTail } from './torch-args.js';

/**
 * `nn.Linear` under the name torch gives MultiheadAttention's output projection
 * (`torch.nn.modules.linear.NonDynamicallyQuantizableLinear`), so the repr prints as torch's.
 *
 * @example
 * const mha = new nn.MultiheadAttention(16, 4);
 * String(mha.outProj); // → 'NonDynamicallyQuantizableLinear(in_features=16, out_features=16, bias=True)'
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
 * (torch 1.13's `multi_head_attention_forward`, `F.multiHeadAttentionForward` here; seq-first unless `batchFirst`, unbatched 2-D
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

  constructor(
    readonly embedDim: number,
    readonly numHeads: number,
    ...args: TorchTail<
      [
        dropout: number,
        bias: boolean,
        addBiasKv: boolean,
        addZeroAttn: boolean,
        kdim: number | null,
        vdim: number | null,
        batchFirst: boolean,
      ],
      MultiheadAttentionOptions
    >
  ) {
    super();
    const op = 'MultiheadAttention';
    // torch's positional order (Note [Torch's positional arguments] in torch-args.ts)
    const opts = torchArgs<MultiheadAttentionOptions>(
      op,
      [
        ['dropout', 'dropout', 'number'],
        ['bias', 'bias', 'boolean'],
        ['addBiasKv', 'add_bias_kv', 'boolean'],
        ['addZeroAttn', 'add_zero_attn', 'boolean'],
        ['kdim', 'kdim', 'int', true],
        ['vdim', 'vdim', 'int', true],
        ['batchFirst', 'batch_first', 'boolean'],
      ],
      args,
      'new nn.MultiheadAttention(64, 8, 0.1) or new nn.MultiheadAttention(64, 8, { dropout: 0.1, batchFirst: true })',
    );
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
      throw new ArgumentError(`${op}: embed_dim must be divisible by num_heads (got embed_dim=${embedDim}, num_heads=${numHeads})`, {
        op,
        hint: 'pick numHeads dividing embedDim, e.g. new nn.MultiheadAttention(64, 8)',
      });
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

  /**
   * torch's `_reset_parameters`: xavier-uniform projections, zero biases, xavier-normal `bias_k`/`bias_v`.
   *
   * @example
   * const mha = new nn.MultiheadAttention(16, 4);
   * mha.resetParameters(); // mha.inProjBias → zeros
   */
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
   * mha(q, kv, kv, pad, false); // torch's positional key_padding_mask, need_weights, attn_mask, average_attn_weights
   */
  forward(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    ...args: TorchTail<
      [keyPaddingMask: Tensor | null, needWeights: boolean, attnMask: Tensor | null, averageAttnWeights: boolean],
      MultiheadAttentionForwardOptions
    >
  ): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention';
    const forms =
      'mha(q, k, v, keyPaddingMask?, needWeights?, attnMask?, averageAttnWeights?) or mha(q, k, v, { keyPaddingMask, needWeights, attnMask, averageAttnWeights })';
    const opts = torchArgs<MultiheadAttentionForwardOptions>(
      op,
      [
        ['keyPaddingMask', 'key_padding_mask', 'tensor', true],
        ['needWeights', 'need_weights', 'boolean'],
        ['attnMask', 'attn_mask', 'tensor', true],
        ['averageAttnWeights', 'average_attn_weights', 'boolean'],
      ],
      args,
      forms,
      ['keyPaddingMask', 'needWeights', 'attnMask', 'averageAttnWeights'],
    );
    checkMaskOption(op, 'key_padding_mask', opts.keyPaddingMask, forms);
    checkMaskOption(op, 'attn_mask', opts.attnMask, forms);
    for (const [name, t] of [
      ['query', query],
      ['key', key],
      ['value', value],
    ] as const) {
      if (!(t instanceof dl.Tensor))
        throw new ArgumentError(`${op}: ${name} must be a Tensor, got ${t === null ? 'null' : typeof t}`, {
          op,
          hint: 'mha(query, key, value, { attnMask })',
        });
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
    const [out, w] = mhaForward(
      'MultiheadAttention',
      {
        embedDim: this.embedDim,
        numHeads: this.numHeads,
        inProjWeight: this.inProjWeight,
        inProjBias: this.inProjBias,
        qProjWeight: this.qProjWeight,
        kProjWeight: this.kProjWeight,
        vProjWeight: this.vProjWeight,
        biasK: this.biasK,
        biasV: this.biasV,
        addZeroAttn: this.addZeroAttn,
        dropoutP: this.dropout,
        outProjWeight: this.outProj.weight,
        outProjBias: this.outProj.bias,
      },
      query,
      key,
      value,
      { ...opts, training: this.training },
    );
    return [this.batchFirst && batched ? out.transpose(1, 0) : out, w];
  }
}
