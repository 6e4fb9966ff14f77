import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { Module, Parameter, pyFloat } from '../module.js';
import * as init from '../init.js';
import { embeddingBag, type EmbeddingBagOptions } from '../functional/embedding-bag.js';
import { param, type FactoryOptions } from './basic.js';
import { torchArgs, type TorchTail } from './torch-args.js';

/** Options of `nn.EmbeddingBag` (torch's keywords). */
export interface EmbeddingBagLayerOptions extends FactoryOptions {
  maxNorm?: number | null;
  normType?: number;
  /** 'sum', 'mean' (default) or 'max'. */
  mode?: 'sum' | 'mean' | 'max';
  includeLastOffset?: boolean;
  paddingIdx?: number | null;
}

/**
 * Sums, means or maxes of bags of embeddings, as torch's `nn.EmbeddingBag`: a 2-D input [B, L] is
 * B bags of L indices; a 1-D input needs `offsets` (the start of each bag); `perSampleWeights`
 * weighs each index in mode 'sum' (Note [Embedding bags as scatters]).
 *
 * @example
 * const bag = new nn.EmbeddingBag(10, 3, { mode: 'sum' });
 * bag(dl.tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: 'int32' }), dl.tensor([0, 4], { dtype: 'int32' })).shape; // [2, 3]
 */
export class EmbeddingBag extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'EmbeddingBag' }); // the repr's name, minified or not
  }
  weight: Tensor;
  readonly mode: 'sum' | 'mean' | 'max';
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly includeLastOffset: boolean;
  readonly paddingIdx: number | null;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    ...args: TorchTail<
      [
        maxNorm: number | null,
        normType: number,
        scaleGradByFreq: boolean,
        mode: 'sum' | 'mean' | 'max',
        sparse: boolean,
        _weight: Tensor | null,
        includeLastOffset: boolean,
        paddingIdx: number | null,
      ],
      EmbeddingBagLayerOptions & { _weight?: Tensor }
    >
  ) {
    super();
    // torch's positional order (Note [Torch's positional arguments] in torch-args.ts)
    const opts = torchArgs<EmbeddingBagLayerOptions & { _weight?: Tensor; scaleGradByFreq?: boolean; sparse?: boolean }>(
      'EmbeddingBag',
      [
        ['maxNorm', 'max_norm', 'number', true],
        ['normType', 'norm_type', 'number'],
        ['scaleGradByFreq', 'scale_grad_by_freq', 'boolean'],
        ['mode', 'mode', 'string'],
        ['sparse', 'sparse', 'boolean'],
        ['_weight', '_weight', 'tensor', true],
        ['includeLastOffset', 'include_last_offset', 'boolean'],
        ['paddingIdx', 'padding_idx', 'int', true],
      ],
      args,
      "new nn.EmbeddingBag(10, 3, null, 2, false, 'sum') or new nn.EmbeddingBag(10, 3, { mode: 'sum' })",
    );
    if (opts.scaleGradByFreq || opts.sparse) {
      throw new dl.ArgumentError(`EmbeddingBag: ${opts.sparse ? 'sparse gradients are' : 'scale_grad_by_freq is'} not supported`, {
        op: 'EmbeddingBag',
        hint: 'leave it False (the default)',
      });
    }
    const pi = opts.paddingIdx ?? null;
    if (pi !== null && !(Number.isInteger(pi) && pi < numEmbeddings && pi >= -numEmbeddings)) {
      throw new dl.ArgumentError(`EmbeddingBag: paddingIdx must be within num_embeddings (got ${pi} for ${numEmbeddings})`, {
        op: 'EmbeddingBag',
      });
    }
    this.paddingIdx = pi === null ? null : pi < 0 ? pi + numEmbeddings : pi;
    this.mode = opts.mode ?? 'mean';
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    this.includeLastOffset = opts.includeLastOffset ?? false;
    if (opts._weight) {
      if (opts._weight.dim() !== 2 || opts._weight.shape[0] !== numEmbeddings || opts._weight.shape[1] !== embeddingDim) {
        throw new dl.ShapeError(
          `EmbeddingBag: shape of weight ${dl.fmtShape(opts._weight.shape)} does not match num_embeddings and embedding_dim [${numEmbeddings}, ${embeddingDim}]`,
          { op: 'EmbeddingBag' },
        );
      }
      this.weight = Parameter(opts._weight);
    } else {
      this.weight = param([numEmbeddings, embeddingDim], opts);
      this.resetParameters();
    }
  }
  /**
   * An EmbeddingBag holding `embeddings` as its weight (frozen unless `freeze: false`), as torch's
   * `nn.EmbeddingBag.from_pretrained`.
   *
   * @example
   * nn.EmbeddingBag.fromPretrained(table, { mode: 'max' });
   */
  static fromPretrained(
    embeddings: Tensor,
    opts: { freeze?: boolean } & Omit<EmbeddingBagLayerOptions, keyof FactoryOptions> = {},
  ): EmbeddingBag {
    if (embeddings.dim() !== 2)
      throw new dl.ShapeError(
        `EmbeddingBag.fromPretrained: embeddings parameter is expected to be 2-dimensional, got ${dl.fmtShape(embeddings.shape)}`,
        { op: 'EmbeddingBag.fromPretrained' },
      );
    const e = new EmbeddingBag(embeddings.shape[0]!, embeddings.shape[1]!, { ...opts, _weight: embeddings });
    e.weight.requiresGrad_(!(opts.freeze ?? true));
    return e;
  }
  /**
   * Re-draws the weight from N(0, 1) and zeroes the `paddingIdx` row, as torch's `reset_parameters()`.
   *
   * @example
   * const bag = new nn.EmbeddingBag(10, 3);
   * bag.resetParameters();
   */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) init.zeros_(this.weight.at(this.paddingIdx));
  }
  /**
   * Bags of `input` (2-D, or 1-D with `offsets`), optionally weighted per index (mode 'sum').
   *
   * @example
   * const bag = new nn.EmbeddingBag(10, 3, { mode: 'sum' });
   * const input = dl.tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: 'int64' });
   * bag(input, dl.tensor([0, 4], { dtype: 'int64' })).shape; // → [2, 3]
   */
  forward(input: Tensor, offsets: Tensor | null = null, perSampleWeights: Tensor | null = null): Tensor {
    const o: EmbeddingBagOptions = {
      offsets,
      perSampleWeights,
      mode: this.mode,
      includeLastOffset: this.includeLastOffset,
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
    };
    return embeddingBag(input, this.weight, o);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.EmbeddingBag(10, 3).extraRepr(); // → '10, 3, mode=mean'
   */
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    s += `, mode=${this.mode}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    return s;
  }
}
