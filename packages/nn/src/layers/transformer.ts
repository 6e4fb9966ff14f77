import * as dl from '@dl/tensor';
import { ArgumentError, ShapeError, fmtShape, type Tensor } from '@dl/tensor';
import { Module } from '../module.js';
import * as init from '../init.js';
import { gelu, relu } from '../functional/activation.js';
import { Dropout, Linear, checkFeatures, type FactoryOptions } from './basic.js';
import { LayerNorm } from './norm.js';
import { ModuleList } from './container.js';
import { MultiheadAttention } from './attention.js';
import { checkMaskOption, torchArgs, type ArgRow, type TorchTail } from './torch-args.js';

/** The feed-forward activation: torch's strings, a function, or a module (printed as a child, as torch). */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor) | Module;

/** Options of {@link TransformerEncoderLayer} and {@link TransformerDecoderLayer} (torch's keywords, camelCase). */
export interface TransformerLayerOptions extends FactoryOptions {
  /** Hidden size of the feed-forward block (default 2048). */
  dimFeedforward?: number;
  /** Dropout probability everywhere in the layer (default 0.1). */
  dropout?: number;
  /** Default 'relu'. */
  activation?: TransformerActivation;
  /** LayerNorm eps (default 1e-5). */
  layerNormEps?: number;
  /** [batch, seq, feature] inputs (default false: [seq, batch, feature]). */
  batchFirst?: boolean;
  /** Pre-norm (LayerNorm before attention and feed-forward; default false: post-norm). */
  normFirst?: boolean;
}

/** Masks of {@link TransformerEncoderLayer.forward}. */
export interface EncoderLayerMasks {
  /** [S, S] or [N·nhead, S, S]; bool true = not allowed to attend, float = added. */
  srcMask?: Tensor | null;
  /** Shape [N, S]; true marks padding. */
  srcKeyPaddingMask?: Tensor | null;
}

/** Masks of {@link TransformerDecoderLayer.forward} and {@link TransformerDecoder.forward}. */
export interface DecoderMasks {
  tgtMask?: Tensor | null;
  memoryMask?: Tensor | null;
  tgtKeyPaddingMask?: Tensor | null;
  memoryKeyPaddingMask?: Tensor | null;
}

/** torch's positional parameters of the layers after `d_model, nhead` (Note [Torch's positional arguments]). */
const LAYER_ROWS: readonly ArgRow[] = [
  ['dimFeedforward', 'dim_feedforward', 'int'],
  ['dropout', 'dropout', 'number'],
  ['activation', 'activation', 'activation'],
  ['layerNormEps', 'layer_norm_eps', 'number'],
  ['batchFirst', 'batch_first', 'boolean'],
  ['normFirst', 'norm_first', 'boolean'],
];
const LAYER_KEYS = ['dimFeedforward', 'dropout', 'activation', 'layerNormEps', 'batchFirst', 'normFirst', 'dtype', 'device'];
/** `new nn.TransformerEncoderLayer(dModel, nhead, dimFeedforward?, dropout?, activation?, layerNormEps?, batchFirst?, normFirst?, opts?)`. */
export type TransformerLayerArgs = TorchTail<
  [
    dimFeedforward: number,
    dropout: number,
    activation: TransformerActivation,
    layerNormEps: number,
    batchFirst: boolean,
    normFirst: boolean,
  ],
  TransformerLayerOptions
>;
const MASK_ROW = (key: string, torch: string): ArgRow => [key, torch, 'tensor', true];
const DECODER_ROWS: readonly ArgRow[] = [
  MASK_ROW('tgtMask', 'tgt_mask'),
  MASK_ROW('memoryMask', 'memory_mask'),
  MASK_ROW('tgtKeyPaddingMask', 'tgt_key_padding_mask'),
  MASK_ROW('memoryKeyPaddingMask', 'memory_key_padding_mask'),
];
type M = Tensor | null;
/** The masks of a decoder (layer): torch's positional `tgt_mask, memory_mask, tgt_key_padding_mask, memory_key_padding_mask`, or {@link DecoderMasks}. */
export type DecoderMaskArgs = TorchTail<[tgtMask: M, memoryMask: M, tgtKeyPaddingMask: M, memoryKeyPaddingMask: M], DecoderMasks>;

function masksOf<O extends object>(op: string, rows: readonly ArgRow[], args: readonly unknown[], forms: string): O {
  const m = torchArgs<Record<string, unknown>>(
    op,
    rows,
    args,
    forms,
    rows.map((r) => r[0]),
  );
  for (const [key, torch] of rows) checkMaskOption(op, torch, m[key], forms);
  return m as O;
}

function activationFn(op: string, a: TransformerActivation): (x: Tensor) => Tensor {
  if (a === 'relu') return relu;
  if (a === 'gelu') return (x) => gelu(x);
  if (typeof a === 'function') return a as (x: Tensor) => Tensor; // a module is callable too
  throw new ArgumentError(`${op}: activation should be relu/gelu, not ${String(a)}`, {
    op,
    hint: "pass 'relu', 'gelu', a function or a module (new nn.GELU())",
  });
}

function checkDropout(op: string, p: number): number {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1))
    throw new ArgumentError(`${op}: dropout probability has to be between 0 and 1, but got ${String(p)}`, { op });
  return p;
}

/**
 * Note [Cloned layers]
 * torch's TransformerEncoder/Decoder deep-copy the layer they are given `numLayers` times, so
 * every copy starts from the *same* weights, and copying draws no random numbers. A copy here is
 * the same class built from the same arguments (`_copy`), with the default generator's state
 * saved before and restored after (its init draws nothing, net), then the original's state dict
 * and training mode copied in. A module activation is shared by the copies (activations hold no
 * state).
 */
interface Copyable {
  _copy(): Module;
}

function cloneLayer(op: string, layer: Module): Module {
  if (!(layer instanceof Module) || typeof (layer as Partial<Copyable>)._copy !== 'function') {
    throw new ArgumentError(
      `${op}: expected a TransformerEncoderLayer/TransformerDecoderLayer to copy, got ${layer instanceof Module ? layer._getName() : typeof layer}`,
      {
        op,
        hint: `new nn.${op}(new nn.${op}Layer(512, 8), 6)`,
      },
    );
  }
  const saved = dl.defaultGenerator.getState();
  let copy: Module;
  try {
    copy = (layer as unknown as Copyable)._copy();
  } finally {
    dl.defaultGenerator.setState(saved);
  }
  copy.loadStateDict(layer.stateDict());
  copy.train(layer.training);
  return copy;
}

/**
 * A Transformer encoder layer (`torch.nn.TransformerEncoderLayer`): self-attention then a
 * feed-forward block, each with a residual connection and LayerNorm (after, or before with
 * `normFirst`). torch's submodules and state-dict keys (`self_attn.in_proj_weight`, `linear1.weight`,
 * `norm1.weight`, …).
 *
 * @example
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * layer(dl.randn(2, 10, 32)).shape; // [2, 10, 32]
 */
export class TransformerEncoderLayer extends Module implements Copyable {
  static {
    Object.defineProperty(this, 'name', { value: 'TransformerEncoderLayer' }); // the repr's name, minified or not
  }
  // declared in torch's registration order (the state dict and repr list them so)
  selfAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  activation: TransformerActivation;
  readonly #act: (x: Tensor) => Tensor;
  readonly #args: [number, number, TransformerLayerOptions];

  constructor(dModel: number, nhead: number, ...args: TransformerLayerArgs) {
    super();
    const op = 'TransformerEncoderLayer';
    const opts = torchArgs<TransformerLayerOptions>(
      op,
      LAYER_ROWS,
      args,
      'new nn.TransformerEncoderLayer(512, 8, 2048, 0.1) or new nn.TransformerEncoderLayer(512, 8, { dimFeedforward: 2048, dropout: 0.1 })',
      LAYER_KEYS,
    );
    checkFeatures(op, { d_model: dModel, nhead }, 'new nn.TransformerEncoderLayer(512, 8, { dimFeedforward: 2048 })');
    this.#args = [dModel, nhead, opts];
    const p = checkDropout(op, opts.dropout ?? 0.1);
    const ff = opts.dimFeedforward ?? 2048;
    const eps = opts.layerNormEps ?? 1e-5;
    const f = { ...(opts.dtype ? { dtype: opts.dtype } : {}), ...(opts.device ? { device: opts.device } : {}) };
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: opts.batchFirst ?? false, ...f });
    this.linear1 = new Linear(dModel, ff, f);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, f);
    this.normFirst = opts.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, ...f });
    this.norm2 = new LayerNorm(dModel, { eps, ...f });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.activation = opts.activation ?? 'relu';
    this.#act = activationFn(op, this.activation);
  }

  /** @internal A fresh layer of the same configuration (Note [Cloned layers]). */
  _copy(): TransformerEncoderLayer {
    return new TransformerEncoderLayer(...this.#args);
  }

  /**
   * `src` [S, N, E] ([N, S, E] with `batchFirst`, [S, E] unbatched) → same shape.
   *
   * @example
   * layer(src, mask); // torch's positional src_mask, src_key_padding_mask
   * layer(src, { srcKeyPaddingMask: pad });
   */
  forward(src: Tensor, ...args: TorchTail<[srcMask: M, srcKeyPaddingMask: M], EncoderLayerMasks>): Tensor {
    const masks = masksOf<EncoderLayerMasks>(
      'TransformerEncoderLayer',
      [MASK_ROW('srcMask', 'src_mask'), MASK_ROW('srcKeyPaddingMask', 'src_key_padding_mask')],
      args,
      'layer(src, srcMask?, srcKeyPaddingMask?) or layer(src, { srcMask, srcKeyPaddingMask })',
    );
    let x = src;
    const sa = (y: Tensor) =>
      this.dropout1(
        this.selfAttn(y, y, y, { attnMask: masks.srcMask ?? null, keyPaddingMask: masks.srcKeyPaddingMask ?? null, needWeights: false })[0],
      );
    const ffn = (y: Tensor) => this.dropout2(this.linear2(this.dropout(this.#act(this.linear1(y)))));
    if (this.normFirst) {
      x = x.add(sa(this.norm1(x)));
      x = x.add(ffn(this.norm2(x)));
    } else {
      x = this.norm1(x.add(sa(x)));
      x = this.norm2(x.add(ffn(x)));
    }
    return x;
  }
}

/**
 * A Transformer decoder layer (`torch.nn.TransformerDecoderLayer`): self-attention over `tgt`,
 * attention to the encoder's `memory`, then a feed-forward block, each with a residual connection
 * and LayerNorm (after, or before with `normFirst`).
 *
 * @example
 * const layer = new nn.TransformerDecoderLayer(32, 4, { dimFeedforward: 64 });
 * layer(dl.randn(7, 2, 32), dl.randn(10, 2, 32)).shape; // [7, 2, 32]
 */
export class TransformerDecoderLayer extends Module implements Copyable {
  static {
    Object.defineProperty(this, 'name', { value: 'TransformerDecoderLayer' }); // the repr's name, minified or not
  }
  selfAttn: MultiheadAttention;
  multiheadAttn: MultiheadAttention;
  linear1: Linear;
  dropout: Dropout;
  linear2: Linear;
  readonly normFirst: boolean;
  norm1: LayerNorm;
  norm2: LayerNorm;
  norm3: LayerNorm;
  dropout1: Dropout;
  dropout2: Dropout;
  dropout3: Dropout;
  activation: TransformerActivation;
  readonly #act: (x: Tensor) => Tensor;
  readonly #args: [number, number, TransformerLayerOptions];

  constructor(dModel: number, nhead: number, ...args: TransformerLayerArgs) {
    super();
    const op = 'TransformerDecoderLayer';
    const opts = torchArgs<TransformerLayerOptions>(
      op,
      LAYER_ROWS,
      args,
      'new nn.TransformerDecoderLayer(512, 8, 2048, 0.1) or new nn.TransformerDecoderLayer(512, 8, { dimFeedforward: 2048, dropout: 0.1 })',
      LAYER_KEYS,
    );
    checkFeatures(op, { d_model: dModel, nhead }, 'new nn.TransformerDecoderLayer(512, 8, { dimFeedforward: 2048 })');
    this.#args = [dModel, nhead, opts];
    const p = checkDropout(op, opts.dropout ?? 0.1);
    const ff = opts.dimFeedforward ?? 2048;
    const eps = opts.layerNormEps ?? 1e-5;
    const f = { ...(opts.dtype ? { dtype: opts.dtype } : {}), ...(opts.device ? { device: opts.device } : {}) };
    const bf = opts.batchFirst ?? false;
    this.selfAttn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: bf, ...f });
    this.multiheadAttn = new MultiheadAttention(dModel, nhead, { dropout: p, batchFirst: bf, ...f });
    this.linear1 = new Linear(dModel, ff, f);
    this.dropout = new Dropout(p);
    this.linear2 = new Linear(ff, dModel, f);
    this.normFirst = opts.normFirst ?? false;
    this.norm1 = new LayerNorm(dModel, { eps, ...f });
    this.norm2 = new LayerNorm(dModel, { eps, ...f });
    this.norm3 = new LayerNorm(dModel, { eps, ...f });
    this.dropout1 = new Dropout(p);
    this.dropout2 = new Dropout(p);
    this.dropout3 = new Dropout(p);
    this.activation = opts.activation ?? 'relu';
    this.#act = activationFn(op, this.activation);
  }

  /** @internal A fresh layer of the same configuration (Note [Cloned layers]). */
  _copy(): TransformerDecoderLayer {
    return new TransformerDecoderLayer(...this.#args);
  }

  /**
   * `tgt` [T, N, E] and `memory` [S, N, E] ([N, ·, E] with `batchFirst`) → [T, N, E].
   *
   * @example
   * layer(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.shape[0]) });
   * layer(tgt, memory, tgtMask, memoryMask); // torch's positional order
   */
  forward(tgt: Tensor, memory: Tensor, ...args: DecoderMaskArgs): Tensor {
    const masks = masksOf<DecoderMasks>(
      'TransformerDecoderLayer',
      DECODER_ROWS,
      args,
      'layer(tgt, memory, tgtMask?, memoryMask?, tgtKeyPaddingMask?, memoryKeyPaddingMask?) or layer(tgt, memory, { tgtMask, … })',
    );
    let x = tgt;
    const sa = (y: Tensor) =>
      this.dropout1(
        this.selfAttn(y, y, y, { attnMask: masks.tgtMask ?? null, keyPaddingMask: masks.tgtKeyPaddingMask ?? null, needWeights: false })[0],
      );
    const mha = (y: Tensor) =>
      this.dropout2(
        this.multiheadAttn(y, memory, memory, {
          attnMask: masks.memoryMask ?? null,
          keyPaddingMask: masks.memoryKeyPaddingMask ?? null,
          needWeights: false,
        })[0],
      );
    const ffn = (y: Tensor) => this.dropout3(this.linear2(this.dropout(this.#act(this.linear1(y)))));
    if (this.normFirst) {
      x = x.add(sa(this.norm1(x)));
      x = x.add(mha(this.norm2(x)));
      x = x.add(ffn(this.norm3(x)));
    } else {
      x = this.norm1(x.add(sa(x)));
      x = this.norm2(x.add(mha(x)));
      x = this.norm3(x.add(ffn(x)));
    }
    return x;
  }
}

function checkNumLayers(op: string, n: number): void {
  if (!Number.isInteger(n) || n < 0)
    throw new ArgumentError(`${op}: num_layers must be a non-negative integer, got ${String(n)}`, { op, hint: `new nn.${op}(layer, 6)` });
}

/**
 * A stack of `numLayers` copies of `encoderLayer` (`torch.nn.TransformerEncoder`; every copy
 * starts from the layer's weights, Note [Cloned layers]), then the optional `norm`.
 *
 * @example
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4), 2, { norm: new nn.LayerNorm(32) });
 * enc(dl.randn(10, 2, 32), { mask: nn.Transformer.generateSquareSubsequentMask(10) });
 */
export class TransformerEncoder extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'TransformerEncoder' }); // the repr's name, minified or not
  }
  layers: ModuleList;
  norm: Module | null;
  constructor(
    encoderLayer: TransformerEncoderLayer,
    readonly numLayers: number,
    ...args: TorchTail<
      [norm: Module | null, enableNestedTensor: boolean, maskCheck: boolean],
      { norm?: Module | null; enableNestedTensor?: boolean; maskCheck?: boolean }
    >
  ) {
    super();
    const opts = torchArgs<{ norm?: Module | null }>(
      'TransformerEncoder',
      [
        ['norm', 'norm', 'module', true],
        ['enableNestedTensor', 'enable_nested_tensor', 'boolean'],
        ['maskCheck', 'mask_check', 'boolean'],
      ],
      args,
      'new nn.TransformerEncoder(layer, 6, norm?) or new nn.TransformerEncoder(layer, 6, { norm })',
      ['norm', 'enableNestedTensor', 'maskCheck'],
    );
    checkNumLayers('TransformerEncoder', numLayers);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => cloneLayer('TransformerEncoder', encoderLayer)));
    this.norm = opts.norm ?? null;
  }
  /**
   * `src` through every layer with the same masks, then `norm`.
   *
   * @example
   * enc(src, mask); // torch's positional mask, src_key_padding_mask
   * enc(src, { srcKeyPaddingMask: pad });
   */
  forward(
    src: Tensor,
    ...args: TorchTail<[mask: M, srcKeyPaddingMask: M], { mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }>
  ): Tensor {
    const masks = masksOf<{ mask?: Tensor | null; srcKeyPaddingMask?: Tensor | null }>(
      'TransformerEncoder',
      [MASK_ROW('mask', 'mask'), MASK_ROW('srcKeyPaddingMask', 'src_key_padding_mask')],
      args,
      'enc(src, mask?, srcKeyPaddingMask?) or enc(src, { mask, srcKeyPaddingMask })',
    );
    let out = src;
    for (const layer of this.layers)
      out = (layer as TransformerEncoderLayer)(out, { srcMask: masks.mask ?? null, srcKeyPaddingMask: masks.srcKeyPaddingMask ?? null });
    return this.norm ? (this.norm as Module)(out) : out;
  }
}

/**
 * A stack of `numLayers` copies of `decoderLayer` (`torch.nn.TransformerDecoder`, Note [Cloned
 * layers]), then the optional `norm`.
 *
 * @example
 * const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(32, 4), 2);
 * dec(tgt, memory, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.shape[0]) });
 */
export class TransformerDecoder extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'TransformerDecoder' }); // the repr's name, minified or not
  }
  layers: ModuleList;
  norm: Module | null;
  constructor(
    decoderLayer: TransformerDecoderLayer,
    readonly numLayers: number,
    ...args: TorchTail<[norm: Module | null], { norm?: Module | null }>
  ) {
    super();
    const opts = torchArgs<{ norm?: Module | null }>(
      'TransformerDecoder',
      [['norm', 'norm', 'module', true]],
      args,
      'new nn.TransformerDecoder(layer, 6, norm?) or new nn.TransformerDecoder(layer, 6, { norm })',
      ['norm'],
    );
    checkNumLayers('TransformerDecoder', numLayers);
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => cloneLayer('TransformerDecoder', decoderLayer)));
    this.norm = opts.norm ?? null;
  }
  /** `tgt` through every layer (attending to `memory`), then `norm`. @example dec(tgt, memory, { tgtMask }) // or dec(tgt, memory, tgtMask) */
  forward(tgt: Tensor, memory: Tensor, ...args: DecoderMaskArgs): Tensor {
    const masks = masksOf<DecoderMasks>(
      'TransformerDecoder',
      DECODER_ROWS,
      args,
      'dec(tgt, memory, tgtMask?, memoryMask?, tgtKeyPaddingMask?, memoryKeyPaddingMask?) or dec(tgt, memory, { tgtMask, … })',
    );
    let out = tgt;
    for (const layer of this.layers) out = (layer as TransformerDecoderLayer)(out, memory, masks);
    return this.norm ? (this.norm as Module)(out) : out;
  }
}

/** Options of {@link Transformer} (torch's keywords, camelCase, same defaults). */
export interface TransformerOptions extends TransformerLayerOptions {
  /** Default 512. */
  dModel?: number;
  /** Default 8. */
  nhead?: number;
  /** Default 6. */
  numEncoderLayers?: number;
  /** Default 6. */
  numDecoderLayers?: number;
  customEncoder?: Module | null;
  customDecoder?: Module | null;
}

/**
 * The Transformer of "Attention Is All You Need" (`torch.nn.Transformer`): an encoder stack and a
 * decoder stack, each with a final LayerNorm; every weight matrix xavier-uniform initialised, as
 * torch.
 *
 * @example
 * const model = new nn.Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 64 });
 * const src = dl.randn(10, 2, 32), tgt = dl.randn(7, 2, 32);
 * model(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(7) }).shape; // [7, 2, 32]
 */
export class Transformer extends Module {
  static {
    Object.defineProperty(this, 'name', { value: 'Transformer' }); // the repr's name, minified or not
  }
  /** The encoder stack (typed as the default one; a `customEncoder` is whatever module was given). */
  encoder: TransformerEncoder;
  /** The decoder stack (typed as the default one; a `customDecoder` is whatever module was given). */
  decoder: TransformerDecoder;
  readonly dModel: number;
  readonly nhead: number;
  readonly batchFirst: boolean;

  constructor(
    ...args: TorchTail<
      [
        dModel: number,
        nhead: number,
        numEncoderLayers: number,
        numDecoderLayers: number,
        dimFeedforward: number,
        dropout: number,
        activation: TransformerActivation,
        customEncoder: Module | null,
        customDecoder: Module | null,
        layerNormEps: number,
        batchFirst: boolean,
        normFirst: boolean,
      ],
      TransformerOptions
    >
  ) {
    super();
    const opts = torchArgs<TransformerOptions>(
      'Transformer',
      [
        ['dModel', 'd_model', 'int'],
        ['nhead', 'nhead', 'int'],
        ['numEncoderLayers', 'num_encoder_layers', 'int'],
        ['numDecoderLayers', 'num_decoder_layers', 'int'],
        ['dimFeedforward', 'dim_feedforward', 'int'],
        ['dropout', 'dropout', 'number'],
        ['activation', 'activation', 'activation'],
        ['customEncoder', 'custom_encoder', 'module', true],
        ['customDecoder', 'custom_decoder', 'module', true],
        ['layerNormEps', 'layer_norm_eps', 'number'],
        ['batchFirst', 'batch_first', 'boolean'],
        ['normFirst', 'norm_first', 'boolean'],
      ],
      args,
      "new nn.Transformer(512, 8, 6, 6, 2048, 0.1) or new nn.Transformer({ dModel: 512, nhead: 8 }) (torch's keywords)",
      ['dModel', 'nhead', 'numEncoderLayers', 'numDecoderLayers', 'customEncoder', 'customDecoder', ...LAYER_KEYS],
    );
    this.dModel = opts.dModel ?? 512;
    this.nhead = opts.nhead ?? 8;
    this.batchFirst = opts.batchFirst ?? false;
    const f = { ...(opts.dtype ? { dtype: opts.dtype } : {}), ...(opts.device ? { device: opts.device } : {}) };
    const eps = opts.layerNormEps ?? 1e-5;
    const layerOpts: TransformerLayerOptions = {
      dimFeedforward: opts.dimFeedforward ?? 2048,
      dropout: opts.dropout ?? 0.1,
      activation: opts.activation ?? 'relu',
      layerNormEps: eps,
      batchFirst: this.batchFirst,
      normFirst: opts.normFirst ?? false,
      ...f,
    };
    this.encoder =
      (opts.customEncoder as TransformerEncoder | null | undefined) ??
      new TransformerEncoder(new TransformerEncoderLayer(this.dModel, this.nhead, layerOpts), opts.numEncoderLayers ?? 6, {
        norm: new LayerNorm(this.dModel, { eps, ...f }),
      });
    this.decoder =
      (opts.customDecoder as TransformerDecoder | null | undefined) ??
      new TransformerDecoder(new TransformerDecoderLayer(this.dModel, this.nhead, layerOpts), opts.numDecoderLayers ?? 6, {
        norm: new LayerNorm(this.dModel, { eps, ...f }),
      });
    this.resetParameters();
  }

  /**
   * torch's `_reset_parameters`: xavier-uniform on every parameter with more than one dim.
   *
   * @example
   * const model = new nn.Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 1, numDecoderLayers: 1 });
   * model.resetParameters();
   */
  resetParameters(): void {
    for (const p of this.parameters()) if (p.dim() > 1) init.xavierUniform_(p);
  }

  /**
   * `src` [S, N, E] and `tgt` [T, N, E] ([N, ·, E] with `batchFirst`; unbatched [S, E], [T, E])
   * → [T, N, E].
   *
   * @example
   * model(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.shape[0]), srcKeyPaddingMask });
   * model(src, tgt, srcMask, tgtMask); // torch's positional order
   */
  forward(
    src: Tensor,
    tgt: Tensor,
    ...args: TorchTail<
      [srcMask: M, tgtMask: M, memoryMask: M, srcKeyPaddingMask: M, tgtKeyPaddingMask: M, memoryKeyPaddingMask: M],
      { srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null } & DecoderMasks
    >
  ): Tensor {
    const op = 'Transformer';
    const masks = masksOf<{ srcMask?: Tensor | null; srcKeyPaddingMask?: Tensor | null } & DecoderMasks>(
      op,
      [
        MASK_ROW('srcMask', 'src_mask'),
        MASK_ROW('tgtMask', 'tgt_mask'),
        MASK_ROW('memoryMask', 'memory_mask'),
        MASK_ROW('srcKeyPaddingMask', 'src_key_padding_mask'),
        MASK_ROW('tgtKeyPaddingMask', 'tgt_key_padding_mask'),
        MASK_ROW('memoryKeyPaddingMask', 'memory_key_padding_mask'),
      ],
      args,
      'model(src, tgt, srcMask?, tgtMask?, memoryMask?, srcKeyPaddingMask?, tgtKeyPaddingMask?, memoryKeyPaddingMask?) or model(src, tgt, { tgtMask, … })',
    );
    const batched = src.dim() === 3;
    const bd = this.batchFirst ? 0 : 1;
    if (batched && src.shape[bd] !== tgt.shape[bd]) {
      throw new ShapeError(
        `${op}: the batch number of src and tgt must be equal (src ${fmtShape(src.shape)}, tgt ${fmtShape(tgt.shape)}, batchFirst=${this.batchFirst})`,
        { op },
      );
    }
    if (src.shape[src.dim() - 1] !== this.dModel || tgt.shape[tgt.dim() - 1] !== this.dModel) {
      throw new ShapeError(
        `${op}: the feature number of src and tgt must be equal to d_model (${this.dModel}), got src ${fmtShape(src.shape)} and tgt ${fmtShape(tgt.shape)}`,
        { op },
      );
    }
    const memory = this.encoder(src, { mask: masks.srcMask ?? null, srcKeyPaddingMask: masks.srcKeyPaddingMask ?? null });
    return this.decoder(tgt, memory, {
      tgtMask: masks.tgtMask ?? null,
      memoryMask: masks.memoryMask ?? null,
      tgtKeyPaddingMask: masks.tgtKeyPaddingMask ?? null,
      memoryKeyPaddingMask: masks.memoryKeyPaddingMask ?? null,
    });
  }

  /**
   * A float [sz, sz] causal mask: 0 on and below the diagonal, -inf above (torch's
   * `Transformer.generate_square_subsequent_mask`).
   *
   * @example
   * nn.Transformer.generateSquareSubsequentMask(3); // [[0, -inf, -inf], [0, 0, -inf], [0, 0, 0]]
   */
  static generateSquareSubsequentMask(sz: number, opts: { device?: string; dtype?: dl.DType } = {}): Tensor {
    if (!Number.isInteger(sz) || sz < 0)
      throw new ArgumentError(`generateSquareSubsequentMask: sz must be a non-negative integer, got ${String(sz)}`, {
        op: 'generateSquareSubsequentMask',
      });
    return dl.full([sz, sz], -Infinity, { dtype: opts.dtype ?? 'float32', ...(opts.device ? { device: opts.device } : {}) }).triu(1);
  }
}
