import * as dl from '@dl/tensor';
import type { Generator, Tensor } from '@dl/tensor';
import { Module, Parameter, pyFloat, pyTuple } from '../module.js';
import * as init from '../init.js';
import * as Fc from '../functional/conv.js';
import * as Fn from '../functional/norm.js';
import { torchArgs, type TorchTail } from './torch-args.js';

/** Options for creating a layer's parameters. */
export interface FactoryOptions {
  dtype?: dl.DType;
  device?: string;
}

/** @internal An uninitialised parameter of `shape`. */
export function param(shape: number[], f: FactoryOptions): Tensor {
  return Parameter(dl.empty(shape, { dtype: f.dtype ?? 'float32', ...(f.device ? { device: f.device } : {}) }));
}

/** @internal PyTorch's default init of a weight + bias pair (kaiming_uniform a=√5, bias U(±1/√fanIn)). */
export function resetLinearLike(weight: Tensor, bias: Tensor | null, fanIn?: number): void {
  init.kaimingUniform_(weight, { a: Math.sqrt(5) });
  if (bias) {
    const fi = fanIn ?? init.calculateFanInAndFanOut(weight).fanIn;
    const b = fi > 0 ? 1 / Math.sqrt(fi) : 0;
    init.uniform_(bias, -b, b);
  }
}

/**
 * @internal Sizes given positionally as non-negative integers, else an ArgumentError naming the
 * argument (`nn.Linear(in_features=784, out_features=20)` ported as `new nn.Linear({ … })`
 * would otherwise fail deep in `empty` with "size undefined at dimension 0").
 */
export function checkFeatures(op: string, sizes: Record<string, unknown>, example: string): void {
  for (const [name, v] of Object.entries(sizes)) {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0) continue;
    const got =
      v === null
        ? 'null'
        : Array.isArray(v)
          ? 'an array'
          : typeof v === 'object'
            ? 'an object'
            : typeof v === 'number'
              ? String(v)
              : typeof v;
    throw new dl.ArgumentError(`${op}: ${name} must be a non-negative integer, got ${got}`, {
      op,
      hint: `sizes are positional (PyTorch's keywords in order): ${example}`,
    });
  }
}

/** @internal Dims given as integers (negative allowed), else an ArgumentError naming the argument. */
function checkDims(op: string, dims: Record<string, unknown>, example: string): void {
  for (const [name, v] of Object.entries(dims)) {
    if (typeof v === 'number' && Number.isInteger(v)) continue;
    throw new dl.ArgumentError(
      `${op}: ${name} must be an integer, got ${typeof v === 'object' ? (v === null ? 'null' : 'an object') : typeof v === 'number' ? String(v) : typeof v}`,
      { op, hint: example },
    );
  }
}

/**
 * `y = x Wᵀ + b` (PyTorch's nn.Linear, same default init).
 *
 * @example
 * const fc = new nn.Linear(20, 13); fc.forward(x); fc.weight.shape; // [13, 20]
 */
export class Linear extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Linear' }); // the repr's name, minified or not
  }
  weight: Tensor;
  bias: Tensor | null;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    ...args: TorchTail<[bias: boolean], { bias?: boolean } & FactoryOptions>
  ) {
    super();
    const opts = torchArgs<{ bias?: boolean } & FactoryOptions>(
      'Linear',
      [['bias', 'bias', 'boolean']],
      args,
      'new nn.Linear(784, 20, false) or new nn.Linear(784, 20, { bias: false })',
    );
    checkFeatures('Linear', { in_features: inFeatures, out_features: outFeatures }, 'new nn.Linear(784, 20)');
    this.weight = param([outFeatures, inFeatures], opts);
    this.bias = opts.bias === false ? null : param([outFeatures], opts);
    this.resetParameters();
  }
  /**
   * Re-draws weight and bias with PyTorch's default init (kaiming-uniform a=√5, bias U(±1/√inFeatures)), as torch's `reset_parameters()`.
   *
   * @example
   * const fc = new nn.Linear(4, 2);
   * fc.resetParameters(); // fresh weights from the global generator
   */
  resetParameters(): void {
    resetLinearLike(this.weight, this.bias);
  }
  /**
   * `x @ weight.T + bias` over the last dim: [*, inFeatures] in, [*, outFeatures] out; `fc(x)` calls it.
   *
   * @example
   * const fc = new nn.Linear(20, 30);
   * fc(dl.randn(128, 20)).shape; // → [128, 30]
   */
  forward(x: Tensor): Tensor {
    return Fc.linear(x, this.weight, this.bias);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Linear(4, 2).extraRepr(); // → 'in_features=4, out_features=2, bias=True'
   */
  override extraRepr(): string {
    return `in_features=${this.inFeatures}, out_features=${this.outFeatures}, bias=${this.bias ? 'True' : 'False'}`;
  }
}

/**
 * Returns its input.
 *
 * @example
 * const id = new nn.Identity(); // as torch.nn.Identity()
 * const x = dl.randn(2, 3); id(x) === x; // → true
 */
export class Identity extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Identity' }); // the repr's name, minified or not
  }
  /**
   * Returns `x` itself; `m(x)` calls it.
   *
   * @example
   * new nn.Identity()(dl.tensor([1, 2])); // → tensor([1., 2.])
   */
  forward(x: Tensor): Tensor {
    return x;
  }
}

/**
 * Flatten dims `startDim..endDim` (default 1..-1).
 *
 * @example
 * const flatten = new nn.Flatten(); // as torch.nn.Flatten(start_dim=1, end_dim=-1)
 * flatten(dl.randn(32, 1, 5, 5)).shape; // → [32, 25]
 */
export class Flatten extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Flatten' }); // the repr's name, minified or not
  }
  readonly startDim: number;
  readonly endDim: number;
  /**
   * Dims positionally or as PyTorch's keywords: `new nn.Flatten(0)`, `new nn.Flatten({ startDim: 0, endDim: -1 })`
   * (`nn.Flatten(start_dim=0)`).
   */
  constructor(startDim: number | { startDim?: number; endDim?: number } = 1, endDim = -1) {
    super();
    const kw = typeof startDim === 'object' && startDim !== null ? startDim : null;
    this.startDim = kw ? (kw.startDim ?? 1) : (startDim as number);
    this.endDim = kw ? (kw.endDim ?? -1) : endDim;
    checkDims('Flatten', { start_dim: this.startDim, end_dim: this.endDim }, 'new nn.Flatten(1, -1) or new nn.Flatten({ startDim: 1 })');
  }
  /**
   * Flattens dims `startDim..endDim` of `x` into one; `m(x)` calls it.
   *
   * @example
   * new nn.Flatten(0)(dl.randn(2, 3, 4)).shape; // → [24]
   */
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Flatten().extraRepr(); // → 'start_dim=1, end_dim=-1'
   */
  override extraRepr(): string {
    return `start_dim=${this.startDim}, end_dim=${this.endDim}`;
  }
}

/**
 * Split dim `dim` into `sizes`.
 *
 * @example
 * const unflatten = new nn.Unflatten(1, [2, 5]); // as torch.nn.Unflatten(1, (2, 5))
 * unflatten(dl.randn(2, 10)).shape; // → [2, 2, 5]
 */
export class Unflatten extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Unflatten' }); // the repr's name, minified or not
  }
  constructor(
    readonly dim: number,
    readonly unflattenedSize: readonly number[],
  ) {
    super();
  }
  /**
   * Splits dim `dim` of `x` into `sizes` (their product must equal that dim); `m(x)` calls it.
   *
   * @example
   * new nn.Unflatten(1, [2, 3])(dl.randn(4, 6)).shape; // → [4, 2, 3]
   */
  forward(x: Tensor): Tensor {
    return x.unflatten(this.dim, this.unflattenedSize);
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Unflatten(1, [2, 3]).extraRepr(); // → 'dim=1, unflattened_size=(2, 3)'
   */
  override extraRepr(): string {
    return `dim=${this.dim}, unflattened_size=${pyTuple(this.unflattenedSize)}`;
  }
}

/**
 * Zero elements with probability `p` while training (seeded by the tensor generator, or
 * the `generator` given).
 *
 * @example
 * const drop = new nn.Dropout(0.2); // as torch.nn.Dropout(p=0.2)
 * drop(dl.ones(4, 5)); // zeros with p = 0.2, the rest 1.25; drop.eval() makes it the identity
 */
export class Dropout extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Dropout' }); // the repr's name, minified or not
  }
  readonly opts: { inplace?: boolean; generator?: Generator };
  /** `new nn.Dropout(0.2)`, torch's positional `inplace` (`new nn.Dropout(0.2, true)`) or `{ inplace, generator }`. */
  constructor(
    readonly p = 0.5,
    ...args: TorchTail<[inplace: boolean], { inplace?: boolean; generator?: Generator }>
  ) {
    super();
    this.opts = torchArgs(
      'Dropout',
      [['inplace', 'inplace', 'boolean']],
      args,
      'new nn.Dropout(0.5, false) or new nn.Dropout(0.5, { generator })',
    );
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      // torch raises at construction: "dropout probability has to be between 0 and 1, but got 1.5"
      throw new dl.ArgumentError(`Dropout: dropout probability has to be between 0 and 1, but got ${String(p)}`, {
        op: 'Dropout',
        hint: 'new nn.Dropout(0.5)',
      });
    }
  }
  /**
   * In training mode zeroes each element with probability `p` and scales the rest by `1/(1-p)`; in eval mode returns `x`; `drop(x)` calls
   * it.
   *
   * @example
   * const drop = new nn.Dropout(0.5);
   * drop.eval(); drop(dl.ones(3)); // → tensor([1., 1., 1.])
   */
  forward(x: Tensor): Tensor {
    return Fn.dropout(x, this.p, { training: this.training, ...(this.opts.generator ? { generator: this.opts.generator } : {}) });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Dropout(0.5).extraRepr(); // → 'p=0.5, inplace=False'
   */
  override extraRepr(): string {
    return `p=${pyFloat(this.p)}, inplace=${this.opts.inplace ? 'True' : 'False'}`;
  }
}

/** Options of `nn.Embedding` (torch's keywords). */
export interface EmbeddingOptions extends FactoryOptions {
  /** Rows at this index get no gradient (and start at zero). */
  paddingIdx?: number | null;
  /** Looked-up rows whose norm exceeds this are renormalised in place at each forward. */
  maxNorm?: number | null;
  /** The p of the max-norm (default 2). */
  normType?: number;
  /** Divide each row's gradient by its index's frequency in the mini-batch. */
  scaleGradByFreq?: boolean;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim` (N(0, 1) init, the
 * `paddingIdx` row zero), as torch's `nn.Embedding`; `maxNorm` renormalises the rows it looks
 * up in place, as torch.
 *
 * @example
 * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
 * emb(dl.tensor([[1, 2, 4, 5]], { dtype: 'int32' })).shape; // [1, 4, 3]
 */
export class Embedding extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Embedding' }); // the repr's name, minified or not
  }
  weight: Tensor;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;
  readonly scaleGradByFreq: boolean;
  constructor(
    readonly numEmbeddings: number,
    readonly embeddingDim: number,
    ...args: TorchTail<
      [
        paddingIdx: number | null,
        maxNorm: number | null,
        normType: number,
        scaleGradByFreq: boolean,
        sparse: boolean,
        _weight: Tensor | null,
      ],
      EmbeddingOptions & { _weight?: Tensor }
    >
  ) {
    super();
    const opts = torchArgs<EmbeddingOptions & { _weight?: Tensor }>(
      'Embedding',
      [
        ['paddingIdx', 'padding_idx', 'int', true],
        ['maxNorm', 'max_norm', 'number', true],
        ['normType', 'norm_type', 'number'],
        ['scaleGradByFreq', 'scale_grad_by_freq', 'boolean'],
        ['sparse', 'sparse', 'boolean'],
        ['_weight', '_weight', 'tensor', true],
      ],
      args,
      "new nn.Embedding(10, 3, 0) (padding_idx, … in torch's order) or new nn.Embedding(10, 3, { paddingIdx: 0 })",
    );
    if ((opts as { sparse?: boolean }).sparse)
      throw new dl.ArgumentError('Embedding: sparse gradients are not supported', {
        op: 'Embedding',
        hint: 'drop sparse=True: the gradient is dense and optimizers treat it as torch does a dense one',
      });
    const pi = opts.paddingIdx ?? null;
    if (pi !== null && !(Number.isInteger(pi) && pi < numEmbeddings && pi >= -numEmbeddings)) {
      throw new dl.ArgumentError(`Embedding: paddingIdx must be within num_embeddings (got ${pi} for ${numEmbeddings})`, {
        op: 'Embedding',
      });
    }
    this.paddingIdx = pi === null ? null : pi < 0 ? pi + numEmbeddings : pi;
    this.maxNorm = opts.maxNorm ?? null;
    this.normType = opts.normType ?? 2;
    this.scaleGradByFreq = opts.scaleGradByFreq ?? false;
    if (opts._weight) {
      if (opts._weight.dim() !== 2 || opts._weight.shape[0] !== numEmbeddings || opts._weight.shape[1] !== embeddingDim) {
        throw new dl.ShapeError(
          `Embedding: shape of weight ${dl.fmtShape(opts._weight.shape)} does not match num_embeddings and embedding_dim [${numEmbeddings}, ${embeddingDim}]`,
          { op: 'Embedding' },
        );
      }
      this.weight = Parameter(opts._weight);
    } else {
      this.weight = param([numEmbeddings, embeddingDim], opts);
      this.resetParameters();
    }
  }
  /**
   * An Embedding holding `embeddings` [numEmbeddings, dim] as its weight (not trained unless
   * `freeze: false`), as torch's `nn.Embedding.from_pretrained`; the padding row is kept as given.
   *
   * @example
   * const emb = nn.Embedding.fromPretrained(dl.tensor([[1, 2.3, 3], [4, 5.1, 6.3]]));
   */
  static fromPretrained(embeddings: Tensor, opts: { freeze?: boolean } & Omit<EmbeddingOptions, keyof FactoryOptions> = {}): Embedding {
    if (embeddings.dim() !== 2)
      throw new dl.ShapeError(
        `Embedding.fromPretrained: embeddings parameter is expected to be 2-dimensional, got ${dl.fmtShape(embeddings.shape)}`,
        { op: 'Embedding.fromPretrained' },
      );
    const e = new Embedding(embeddings.shape[0]!, embeddings.shape[1]!, { ...opts, _weight: embeddings });
    e.weight.requiresGrad_(!(opts.freeze ?? true));
    return e;
  }
  /**
   * Re-draws the weight from N(0, 1) and zeroes the `paddingIdx` row, as torch's `reset_parameters()`.
   *
   * @example
   * const emb = new nn.Embedding(10, 3, { paddingIdx: 0 });
   * emb.resetParameters(); // row 0 is zeros again
   */
  resetParameters(): void {
    init.normal_(this.weight);
    if (this.paddingIdx !== null) init.zeros_(this.weight.at(this.paddingIdx));
  }
  /**
   * Looks up rows of `weight` for integer `indices` of any shape: [*] in, [*, embeddingDim] out; `emb(idx)` calls it.
   *
   * @example
   * const emb = new nn.Embedding(10, 3);
   * emb(dl.tensor([[1, 2, 4, 5], [4, 3, 2, 9]], { dtype: 'int64' })).shape; // → [2, 4, 3]
   */
  forward(indices: Tensor): Tensor {
    return Fn.embedding(indices, this.weight, {
      paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm,
      normType: this.normType,
      scaleGradByFreq: this.scaleGradByFreq,
    });
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.Embedding(10, 3).extraRepr(); // → '10, 3'
   */
  override extraRepr(): string {
    let s = `${this.numEmbeddings}, ${this.embeddingDim}`;
    if (this.paddingIdx !== null) s += `, padding_idx=${this.paddingIdx}`;
    if (this.maxNorm !== null) s += `, max_norm=${pyFloat(this.maxNorm)}`;
    if (this.normType !== 2) s += `, norm_type=${pyFloat(this.normType)}`;
    if (this.scaleGradByFreq) s += ', scale_grad_by_freq=True';
    return s;
  }
}
