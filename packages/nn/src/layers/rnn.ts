/**
 * Multi-layer recurrent layers `nn.RNN`, `nn.LSTM`, `nn.GRU`, as torch.nn: numLayers,
 * bidirectional, batchFirst, dropout between layers, bias, initial states, unbatched input and
 * `PackedSequence` input.
 */
import * as dl from '@dl/tensor';
import { ArgumentError, ShapeError, type Tensor } from '@dl/tensor';
import { Module, pyFloat } from '../module.js';
import * as init from '../init.js';
import * as Fc from '../functional/conv.js';
import * as Fn from '../functional/norm.js';
import { PackedSequence } from '../rnn-utils.js';
import { checkFeatures, param, type FactoryOptions } from './basic.js';
import { torchArgs, type ArgRow, type TorchTail } from './torch-args.js';
import { checkRecurrentInput, checkStateShape, gateCount, recurrentStep, type RecurrentMode, type StepWeights } from './rnn-cell.js';

/** PyTorch's constructor keywords of the recurrent layers, camelCase. */
export interface RNNOptions extends FactoryOptions {
  numLayers?: number;
  bias?: boolean;
  batchFirst?: boolean;
  dropout?: number;
  bidirectional?: boolean;
}

/**
 * Note [Recurrent layers over packed steps]
 * One code path serves padded and packed input: a padded [T, B, I] input is the packed batch whose
 * batch sizes are all B. Per layer and direction the input projection of every step is one GEMM
 * over the packed rows (Note [Recurrent steps] in rnn-cell.ts); the loop then takes rows
 * `offset_t .. offset_t + batchSizes[t]` of it. Going forward, when the batch shrinks at step t
 * the finished sequences' states `h[batchSizes[t]:]` are set aside — each is that sequence's
 * state at its own last step — and the rest continues; the final state is the running state
 * followed by the set-aside pieces, latest first. Going backward (bidirectional) the batch grows
 * instead: a sequence joins, from its initial state, at its own last step. The per-step outputs
 * concatenated in time order are again packed rows, the next layer's input.
 */
/** torch's positional parameters after `input_size, hidden_size` (Note [Torch's positional arguments] in torch-args.ts). */
const RNN_ROWS: readonly ArgRow[] = [
  ['numLayers', 'num_layers', 'int'],
  ['bias', 'bias', 'boolean'],
  ['batchFirst', 'batch_first', 'boolean'],
  ['dropout', 'dropout', 'number'],
  ['bidirectional', 'bidirectional', 'boolean'],
];
const RNN_KEYS = ['numLayers', 'bias', 'batchFirst', 'dropout', 'bidirectional', 'projSize', 'dtype', 'device']; // projSize: RNN/GRU raise torch's own error for it
/** `new nn.GRU(inputSize, hiddenSize, numLayers?, bias?, batchFirst?, dropout?, bidirectional?, opts?)` (torch's order). */
export type RNNArgs<O> = TorchTail<[numLayers: number, bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean], O>;

abstract class RNNBase extends Module {
  /** torch's parameters by name: `lstm.weight_ih_l0`, `gru.bias_hh_l1_reverse`, `lstm.weight_hr_l0`. */
  [name: `weight_${string}` | `bias_${string}`]: Tensor;
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bias: boolean;
  readonly batchFirst: boolean;
  readonly dropout: number;
  readonly bidirectional: boolean;
  readonly projSize: number;
  /** @internal */ readonly _mode: RecurrentMode;

  constructor(mode: RecurrentMode, inputSize: number, hiddenSize: number, opts: RNNOptions & { projSize?: number }) {
    super();
    const op = layerName(mode);
    checkFeatures(op, { input_size: inputSize, hidden_size: hiddenSize }, `new nn.${op}(10, 20, { numLayers: 2 })`);
    const numLayers = opts.numLayers ?? 1;
    if (!Number.isInteger(numLayers) || numLayers < 1)
      throw new ArgumentError(`${op}: numLayers must be a positive integer, got ${String(numLayers)}`, {
        op,
        hint: `new nn.${op}(10, 20, { numLayers: 2 })`,
      });
    const dropout = opts.dropout ?? 0;
    if (typeof dropout !== 'number' || !(dropout >= 0 && dropout <= 1)) {
      throw new ArgumentError(
        `${op}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${String(dropout)}`,
        { op },
      );
    }
    const projSize = opts.projSize ?? 0;
    if (projSize !== 0 && mode !== 'LSTM')
      throw new ArgumentError(`${op}: projSize argument is only supported for LSTM, not RNN or GRU`, { op });
    if (!Number.isInteger(projSize) || projSize < 0)
      throw new ArgumentError(`${op}: projSize should be a positive integer or zero to disable projections, got ${projSize}`, { op });
    if (projSize >= hiddenSize && projSize !== 0)
      throw new ArgumentError(`${op}: projSize has to be smaller than hiddenSize (${projSize} >= ${hiddenSize})`, { op });
    this._mode = mode;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    this.numLayers = numLayers;
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = dropout;
    this.bidirectional = opts.bidirectional ?? false;
    this.projSize = projSize;
    const G = gateCount(mode) * hiddenSize;
    const out = projSize || hiddenSize;
    const D = this.bidirectional ? 2 : 1;
    // torch's _flat_weights_names order: per layer, per direction: w_ih, w_hh, b_ih, b_hh, w_hr
    for (let l = 0; l < numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        this.registerParameter(`weight_ih${sfx}`, param([G, l === 0 ? inputSize : out * D], opts));
        this.registerParameter(`weight_hh${sfx}`, param([G, out], opts));
        if (this.bias) {
          this.registerParameter(`bias_ih${sfx}`, param([G], opts));
          this.registerParameter(`bias_hh${sfx}`, param([G], opts));
        }
        if (projSize > 0) this.registerParameter(`weight_hr${sfx}`, param([projSize, hiddenSize], opts));
      }
    }
    this.resetParameters();
  }

  /**
   * torch's init: every weight U(-1/√hidden, 1/√hidden).
   *
   * @example
   * const gru = new nn.GRU(10, 20);
   * gru.resetParameters(); // every weight and bias redrawn from U(-1/√20, 1/√20)
   */
  resetParameters(): void {
    const k = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const p of this.parameters()) init.uniform_(p, -k, k);
  }

  /**
   * Nothing to do: torch packs the weights into one buffer for cuDNN here; dl keeps no such
   * buffer. Present so that ported code (`self.lstm.flatten_parameters()`) runs unchanged.
   *
   * @example
   * lstm.flattenParameters();
   */
  flattenParameters(): void {}

  /**
   * The parameters per layer and direction, as torch's `all_weights`:
   * `[[weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0], …]`.
   */
  get allWeights(): Tensor[][] {
    const D = this.bidirectional ? 2 : 1;
    const own = this as unknown as Record<string, Tensor>;
    const out: Tensor[][] = [];
    for (let l = 0; l < this.numLayers; l++) {
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const names = ['weight_ih', 'weight_hh', ...(this.bias ? ['bias_ih', 'bias_hh'] : []), ...(this.projSize ? ['weight_hr'] : [])];
        out.push(names.map((n) => own[`${n}${sfx}`]!));
      }
    }
    return out;
  }

  /**
   * @internal The whole layer stack (Note [Recurrent layers over packed steps]): checks, layout,
   * states in the caller's batch order; returns the output (same kind as the input) and the final
   * states [numLayers·D, B, ·] (without B for unbatched input).
   */
  protected _run(
    input: Tensor | PackedSequence,
    hx: Tensor | null,
    cx: Tensor | null,
  ): { output: Tensor | PackedSequence; h: Tensor; c: Tensor | null } {
    const op = layerName(this._mode);
    const lstm = this._mode === 'LSTM';
    const D = this.bidirectional ? 2 : 1;
    const L = this.numLayers;
    const hOut = this.projSize || this.hiddenSize;
    const w0 = (this as unknown as Record<string, Tensor>)['weight_ih_l0']!;
    const packed = input instanceof PackedSequence;
    let data: Tensor;
    let sizes: number[];
    let batched = true;
    let T = 0;
    let B: number;
    if (packed) {
      data = input.data;
      checkRecurrentInput(op, data, w0);
      if (data.dim() !== 2) throw new ShapeError(`${op}: packed input data must have 2 dimensions, got ${data.dim()}`, { op });
      sizes = input.sizes();
      B = sizes[0] ?? 0;
    } else {
      checkRecurrentInput(op, input, w0);
      if (input.dim() !== 2 && input.dim() !== 3) {
        throw new ShapeError(
          `${op}: Expected input to be 2-D or 3-D but received ${input.dim()}-D tensor of shape [${input.shape.join(', ')}]`,
          {
            op,
            hint: `the input is [T, B, inputSize]${this.batchFirst ? ' ([B, T, inputSize] with batchFirst)' : ' ([B, T, inputSize] with batchFirst: true)'} or unbatched [T, inputSize]`,
          },
        );
      }
      batched = input.dim() === 3;
      const x3 = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
      T = x3.shape[0]!;
      B = x3.shape[1]!;
      data = x3.reshape(T * B, x3.shape[2]!);
      sizes = new Array<number>(T).fill(B);
    }
    if (data.shape[1] !== this.inputSize) {
      throw new ShapeError(`${op}: input.size(-1) must be equal to input_size. Expected ${this.inputSize}, got ${data.shape[1]}`, {
        op,
        hint: `the last dim of the input must be inputSize (${this.inputSize})`,
      });
    }
    // initial states as [L·D, B, ·] in the (sorted) batch order the steps run in
    const initial = (t: Tensor | null, size: number, what: string): Tensor => {
      if (t === null || t === undefined) return dl.zeros([L * D, B, size], { dtype: data.dtype, device: data.device });
      if (!packed && batched && t instanceof dl.Tensor && t.dim() !== 3) {
        throw new ShapeError(`${op}: For batched 3-D input, hx should also be 3-D but got ${t.dim()}-D tensor`, {
          op,
          hint: 'the state is [numLayers * numDirections, batch, hidden]',
        });
      }
      if (!packed && !batched && t instanceof dl.Tensor && t.dim() !== 2) {
        throw new ShapeError(`${op}: For unbatched 2-D input, hx should also be 2-D but got ${t.dim()}-D tensor`, {
          op,
          hint: 'the state is [numLayers * numDirections, hidden] for unbatched input',
        });
      }
      checkStateShape(op, what, t, batched ? [L * D, B, size] : [L * D, size]);
      const t3 = batched ? t : t.unsqueeze(1);
      return packed && input.sortedIndices ? t3.indexSelect(1, input.sortedIndices) : t3;
    };
    const h0 = initial(hx, hOut, lstm ? 'hidden[0]' : 'hidden');
    const c0 = lstm ? initial(cx, this.hiddenSize, 'hidden[1]') : null;

    const own = this as unknown as Record<string, Tensor | undefined>;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    let layerIn = data;
    for (let l = 0; l < L; l++) {
      if (l > 0 && this.dropout > 0 && this.training) layerIn = Fn.dropout(layerIn, this.dropout, { training: true });
      const outs: Tensor[] = [];
      for (let d = 0; d < D; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const k = l * D + d;
        const r = runDirection(this._mode, layerIn, sizes, d === 1, h0.select(0, k), c0 ? c0.select(0, k) : null, {
          wih: own[`weight_ih${sfx}`]!,
          whh: own[`weight_hh${sfx}`]!,
          bih: own[`bias_ih${sfx}`] ?? null,
          bhh: own[`bias_hh${sfx}`] ?? null,
          whr: own[`weight_hr${sfx}`] ?? null,
        });
        outs.push(r.out);
        hs.push(r.h);
        if (r.c) cs.push(r.c);
      }
      layerIn = D === 1 ? outs[0]! : dl.cat(outs, 1);
    }
    let h = dl.stack(hs, 0);
    let c = lstm ? dl.stack(cs, 0) : null;
    if (packed) {
      if (input.unsortedIndices) {
        h = h.indexSelect(1, input.unsortedIndices);
        c = c ? c.indexSelect(1, input.unsortedIndices) : null;
      }
      const output = new PackedSequence(layerIn, input.batchSizes, input.sortedIndices, input.unsortedIndices);
      output._order = input.order();
      return { output, h, c };
    }
    let output = layerIn.reshape(T, B, D * hOut);
    if (!batched) return { output: output.squeeze(1), h: h.squeeze(1), c: c ? c.squeeze(1) : null };
    if (this.batchFirst) output = output.transpose(0, 1);
    return { output, h, c };
  }

  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.GRU(10, 20, { numLayers: 2, batchFirst: true }).extraRepr(); // → '10, 20, num_layers=2, batch_first=True'
   */
  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (this.projSize !== 0) s += `, proj_size=${this.projSize}`;
    if (this.numLayers !== 1) s += `, num_layers=${this.numLayers}`;
    if (!this.bias) s += ', bias=False';
    if (this.batchFirst) s += ', batch_first=True';
    if (this.dropout !== 0) s += `, dropout=${pyFloat(this.dropout)}`;
    if (this.bidirectional) s += ', bidirectional=True';
    return s;
  }
}

function layerName(mode: RecurrentMode): string {
  return mode === 'LSTM' ? 'LSTM' : mode === 'GRU' ? 'GRU' : 'RNN';
}

interface DirectionWeights {
  wih: Tensor;
  whh: Tensor;
  bih: Tensor | null;
  bhh: Tensor | null;
  whr: Tensor | null;
}

/**
 * Note [Step rows from one split]
 * The rows of every step come out of the [N, G·H] input projection by one `split(sizes, 0)`: one
 * autograd node with all T parts as outputs (torch's own loop uses one UnbindBackward0 the same
 * way; Note [Multi-output splits] in @dl/tensor), whose backward concatenates the T step
 * gradients once — O(N · G·H) in all. Sliced one step at a time, each step's backward would build
 * a zero gradient of the full projection's size: O(T · N · G·H), quadratic in the sequence length.
 */

/** One layer, one direction over packed rows `x` [N, I] (Note [Recurrent layers over packed steps]). */
function runDirection(
  mode: RecurrentMode,
  x: Tensor,
  sizes: number[],
  reverse: boolean,
  h0: Tensor,
  c0: Tensor | null,
  w: DirectionWeights,
): { out: Tensor; h: Tensor; c: Tensor | null } {
  const T = sizes.length;
  // the input's contribution for every step at once; bₕₕ folded in except for GRU's n gate
  const foldBhh = mode !== 'GRU' && w.bhh !== null;
  const gx = Fc.linear(x, w.wih, foldBhh && w.bih ? w.bih.add(w.bhh!) : foldBhh ? w.bhh : w.bih);
  const sw: StepWeights = { whhT: w.whh.t(), bhh: mode === 'GRU' ? w.bhh : null, whrT: w.whr ? w.whr.t() : null };
  // Note [Step rows from one split]
  const steps = T === 0 ? [] : T === 1 ? [gx] : gx.split(sizes, 0);
  const stepRows = (t: number): Tensor => steps[t]!;
  const outs = new Array<Tensor>(T);
  let h: Tensor;
  let c: Tensor | null;
  if (!reverse) {
    h = h0;
    c = c0;
    const doneH: Tensor[] = [];
    const doneC: Tensor[] = [];
    for (let t = 0; t < T; t++) {
      const bs = sizes[t]!;
      const cur = h.shape[0]!;
      if (bs < cur) {
        doneH.push(h.narrow(0, bs, cur - bs));
        h = h.narrow(0, 0, bs);
        if (c) {
          doneC.push(c.narrow(0, bs, cur - bs));
          c = c.narrow(0, 0, bs);
        }
      }
      [h, c] = recurrentStep(mode, stepRows(t), h, c, sw);
      outs[t] = h;
    }
    if (doneH.length) {
      h = dl.cat([h, ...doneH.reverse()], 0);
      if (c) c = dl.cat([c, ...doneC.reverse()], 0);
    }
  } else {
    const last = T > 0 ? sizes[T - 1]! : h0.shape[0]!;
    h = last === h0.shape[0] ? h0 : h0.narrow(0, 0, last);
    c = c0 === null ? null : last === c0.shape[0] ? c0 : c0.narrow(0, 0, last);
    for (let t = T - 1; t >= 0; t--) {
      const bs = sizes[t]!;
      const cur = h.shape[0]!;
      if (bs > cur) {
        h = dl.cat([h, h0.narrow(0, cur, bs - cur)], 0);
        if (c) c = dl.cat([c, c0!.narrow(0, cur, bs - cur)], 0);
      }
      [h, c] = recurrentStep(mode, stepRows(t), h, c, sw);
      outs[t] = h;
    }
  }
  const out = T === 0 ? dl.zeros([0, h0.shape[1]!], { dtype: x.dtype, device: x.device }) : T === 1 ? outs[0]! : dl.cat(outs, 0);
  return { out, h, c };
}

/**
 * A multi-layer Elman RNN, `hₜ = tanh(xₜ Wᵢₕᵀ + bᵢₕ + hₜ₋₁ Wₕₕᵀ + bₕₕ)` (or relu), as `torch.nn.RNN`.
 * Input [T, B, inputSize] ([B, T, inputSize] with `batchFirst`), unbatched [T, inputSize], or a
 * `PackedSequence`; returns `[output, hN]` with output [T, B, D·hiddenSize] and hN
 * [numLayers·D, B, hiddenSize].
 *
 * @example
 * const rnn = new nn.RNN(10, 20, { numLayers: 2 });
 * const [output, hn] = rnn(dl.randn(5, 3, 10), dl.randn(2, 3, 20));
 */
export class RNN extends RNNBase {
  static {
    Object.defineProperty(this, 'name', { value: 'RNN' });
  }
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(inputSize: number, hiddenSize: number, ...args: RNNArgs<RNNOptions & { nonlinearity?: 'tanh' | 'relu' }>) {
    const opts = torchArgs<RNNOptions & { nonlinearity?: 'tanh' | 'relu' }>(
      'RNN',
      RNN_ROWS,
      args,
      "new nn.RNN(10, 20, 2) or new nn.RNN(10, 20, { numLayers: 2, nonlinearity: 'relu' })",
      [...RNN_KEYS, 'nonlinearity'],
    );
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new ArgumentError(`RNN: Unknown nonlinearity '${String(nl)}'`, { op: 'RNN', hint: "nonlinearity is 'tanh' or 'relu'" });
    super(nl === 'relu' ? 'RNN_RELU' : 'RNN_TANH', inputSize, hiddenSize, opts);
    this.nonlinearity = nl;
  }
  /**
   * Runs the sequence `input` [L, N, inputSize] ([N, L, …] with `batchFirst`, unbatched [L, inputSize], or a PackedSequence) from `hx`
   * [numLayers·dirs, N, hiddenSize] (zeros by default) and returns `[output, hN]`; `rnn(x, h0)` calls it.
   *
   * @example
   * const rnn = new nn.RNN(10, 20, 2);
   * const [output, hn] = rnn(dl.randn(5, 3, 10), dl.randn(2, 3, 20)); // output [5, 3, 20], hn [2, 3, 20]
   */
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const r = this._run(input, hx, null);
    return [r.output, r.h];
  }
}

/**
 * A multi-layer long short-term memory (gates i, f, g, o; optional projection `projSize`), as
 * `torch.nn.LSTM`. Input as `nn.RNN`; `hx` is `[h0, c0]`; returns `[output, [hN, cN]]`.
 *
 * @example
 * const lstm = new nn.LSTM(10, 20, { numLayers: 2, batchFirst: true });
 * const [output, [hn, cn]] = lstm(dl.randn(3, 5, 10));
 */
export class LSTM extends RNNBase {
  static {
    Object.defineProperty(this, 'name', { value: 'LSTM' });
  }
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...args: TorchTail<
      [numLayers: number, bias: boolean, batchFirst: boolean, dropout: number, bidirectional: boolean, projSize: number],
      RNNOptions & { projSize?: number }
    >
  ) {
    super(
      'LSTM',
      inputSize,
      hiddenSize,
      torchArgs<RNNOptions & { projSize?: number }>(
        'LSTM',
        [...RNN_ROWS, ['projSize', 'proj_size', 'int']],
        args,
        'new nn.LSTM(10, 20, 2) or new nn.LSTM(10, 20, { numLayers: 2, batchFirst: true })',
        [...RNN_KEYS, 'projSize'],
      ),
    );
  }
  /**
   * Runs the sequence `input` [L, N, inputSize] ([N, L, …] with `batchFirst`, unbatched, or a PackedSequence) from `[h0, c0]` (zeros by
   * default) and returns `[output, [hN, cN]]`; `lstm(x, [h0, c0])` calls it.
   *
   * @example
   * const lstm = new nn.LSTM(10, 20, 2);
   * const [output, [hn, cn]] = lstm(dl.randn(5, 3, 10)); // output [5, 3, 20], hn and cn [2, 3, 20]
   */
  forward(input: PackedSequence, hx?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
  forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]];
  forward(input: Tensor | PackedSequence, hx: readonly [Tensor, Tensor] | null = null): [Tensor | PackedSequence, [Tensor, Tensor]] {
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new ArgumentError('LSTM: hx must be a pair [h0, c0]', { op: 'LSTM', hint: 'lstm(x, [h0, c0])' });
    }
    const r = this._run(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [r.output, [r.h, r.c!]];
  }
}

/**
 * A multi-layer gated recurrent unit (gates r, z, n), as `torch.nn.GRU`. Input and result as
 * `nn.RNN`.
 *
 * @example
 * const gru = new nn.GRU(10, 20, { bidirectional: true });
 * const [output, hn] = gru(dl.randn(5, 3, 10)); // output [5, 3, 40], hn [2, 3, 20]
 */
export class GRU extends RNNBase {
  static {
    Object.defineProperty(this, 'name', { value: 'GRU' });
  }
  constructor(inputSize: number, hiddenSize: number, ...args: RNNArgs<RNNOptions>) {
    super(
      'GRU',
      inputSize,
      hiddenSize,
      torchArgs<RNNOptions>(
        'GRU',
        RNN_ROWS,
        args,
        'new nn.GRU(10, 20, 2) or new nn.GRU(10, 20, { numLayers: 2, bidirectional: true })',
        RNN_KEYS,
      ),
    );
  }
  /**
   * Runs the sequence `input` [L, N, inputSize] ([N, L, …] with `batchFirst`, unbatched, or a PackedSequence) from `hx` (zeros by default)
   * and returns `[output, hN]`; `gru(x, h0)` calls it.
   *
   * @example
   * const gru = new nn.GRU(10, 20, { bidirectional: true });
   * const [output, hn] = gru(dl.randn(5, 3, 10)); // output [5, 3, 40], hn [2, 3, 20]
   */
  forward(input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
  forward(input: Tensor, hx?: Tensor | null): [Tensor, Tensor];
  forward(input: Tensor | PackedSequence, hx: Tensor | null = null): [Tensor | PackedSequence, Tensor] {
    const r = this._run(input, hx, null);
    return [r.output, r.h];
  }
}

/** Packed input gives packed output (the callable's overloads; `forward` has the same). */
export interface RNN {
  (input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
}
export interface LSTM {
  (input: PackedSequence, hx?: readonly [Tensor, Tensor] | null): [PackedSequence, [Tensor, Tensor]];
}
export interface GRU {
  (input: PackedSequence, hx?: Tensor | null): [PackedSequence, Tensor];
}
