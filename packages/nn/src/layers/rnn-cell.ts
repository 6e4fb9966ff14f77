/**
 * One time step of the recurrent layers (the update rules shared with `nn.RNN`/`LSTM`/`GRU`) and
 * the single-step modules `nn.RNNCell`, `nn.LSTMCell`, `nn.GRUCell`, as torch.nn.
 */
import * as dl from '@dl/tensor';
import { ArgumentError, DeviceError, DTypeError, ShapeError, type Tensor } from '@dl/tensor';
import { addmm } from '@dl/tensor/internal';
import { Module } from '../module.js';
import * as init from '../init.js';
import * as Fc from '../functional/conv.js';
import { checkFeatures, param, type FactoryOptions } from './basic.js';
import { torchArgs, type TorchTail } from './torch-args.js';

/**
 * Note [Recurrent steps]
 * Every recurrent update is written with differentiable tensor ops, so autograd and every backend
 * run it unchanged. The input's contribution `x Wᵢₕᵀ + bᵢₕ` does not depend on the state, so the
 * layers compute it for all time steps in one GEMM before the loop (`gx`, folding `bₕₕ` in too
 * where the update allows); a step then costs one hidden GEMM, `addmm(gx_t, h, Wₕₕᵀ)`, and a few
 * elementwise ops. Gates are in torch's order and layout (rows of the weight matrices): LSTM
 * i, f, g, o; GRU r, z, n, where GRU's n gate keeps `bₕₙ` inside the reset product,
 * `n = tanh(Wᵢₙ x + bᵢₙ + r ⊙ (Wₕₙ h + bₕₙ))`, so its `bₕₕ` cannot be folded into `gx`.
 */
export type RecurrentMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Gates per mode (rows of Wᵢₕ per hidden unit). */
export function gateCount(mode: RecurrentMode): number {
  return mode === 'LSTM' ? 4 : mode === 'GRU' ? 3 : 1;
}

/** @internal Weights of one layer and direction, Wₕₕ already transposed. */
export interface StepWeights {
  whhT: Tensor;
  /** Only for GRU: `bₕₕ` (the other modes fold it into gx). */
  bhh: Tensor | null;
  /** LSTM projection Wₕᵣᵀ (projSize), or null. */
  whrT: Tensor | null;
}

/**
 * @internal One step (Note [Recurrent steps]): `gx` [B, G·H] is the input's contribution (with
 * `bₕₕ` for RNN/LSTM), `h` [B, Hout], `c` [B, H] (LSTM) — the new `[h, c]`.
 */
export function recurrentStep(mode: RecurrentMode, gx: Tensor, h: Tensor, c: Tensor | null, w: StepWeights): [Tensor, Tensor | null] {
  switch (mode) {
    case 'RNN_TANH':
      return [addmm(gx, h, w.whhT).tanh(), null];
    case 'RNN_RELU':
      return [addmm(gx, h, w.whhT).relu(), null];
    case 'LSTM': {
      const [i, f, g, o] = addmm(gx, h, w.whhT).chunk(4, 1) as [Tensor, Tensor, Tensor, Tensor];
      const c2 = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
      const h2 = o.sigmoid().mul(c2.tanh());
      return [w.whrT ? h2.matmul(w.whrT) : h2, c2];
    }
    case 'GRU': {
      const H = h.shape[1]!;
      const hh = w.bhh ? addmm(w.bhh, h, w.whhT) : h.matmul(w.whhT);
      const [r, z] = gx
        .narrow(1, 0, 2 * H)
        .add(hh.narrow(1, 0, 2 * H))
        .sigmoid()
        .chunk(2, 1) as [Tensor, Tensor];
      const n = gx
        .narrow(1, 2 * H, H)
        .add(r.mul(hh.narrow(1, 2 * H, H)))
        .tanh();
      return [n.add(z.mul(h.sub(n))), null]; // (1 - z) ⊙ n + z ⊙ h
    }
  }
}

/** @internal The input checks every recurrent module makes: a float tensor of the weights' dtype and device. */
export function checkRecurrentInput(op: string, x: Tensor, weight: Tensor): void {
  if (!(x instanceof dl.Tensor)) throw new ArgumentError(`${op}: expected a Tensor input, got ${x === null ? 'null' : typeof x}`, { op });
  if (x.dtype !== weight.dtype) {
    throw new DTypeError(`${op}: expected input of the weights' dtype ${weight.dtype}, got ${x.dtype}`, {
      op,
      hint: x.dtype.startsWith('float') ? `cast it: x.to('${weight.dtype}')` : 'recurrent layers take float inputs: x.float()',
    });
  }
  if (x.device !== weight.device) {
    throw new DeviceError(`${op}: input is on ${x.device} but the weights are on ${weight.device}`, {
      op,
      hint: `move one of them: x.to('${weight.device}') or module.to('${x.device}')`,
    });
  }
}

/** @internal Check a state tensor's shape against torch's expected size. */
export function checkStateShape(op: string, what: string, t: Tensor, expected: number[]): void {
  if (!(t instanceof dl.Tensor)) throw new ArgumentError(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}`, { op });
  if (t.dim() !== expected.length || t.shape.some((s, i) => s !== expected[i])) {
    throw new ShapeError(`${op}: Expected ${what} size (${expected.join(', ')}), got [${t.shape.join(', ')}]`, {
      op,
      hint: 'the state is [numLayers * numDirections, batch, hidden] (without the batch dim for unbatched input)',
    });
  }
  if (t.dtype !== 'float32' && t.dtype !== 'float64') throw new DTypeError(`${op}: ${what} must be a float tensor, got ${t.dtype}`, { op });
}

/** Shared parts of the cells: torch's RNNCellBase. */
abstract class RNNCellBase extends Module {
  weightIh: Tensor;
  weightHh: Tensor;
  biasIh: Tensor | null;
  biasHh: Tensor | null;
  constructor(
    readonly mode: RecurrentMode,
    readonly inputSize: number,
    readonly hiddenSize: number,
    readonly bias: boolean,
    opts: FactoryOptions,
  ) {
    super();
    const name = cellName(mode);
    checkFeatures(name, { input_size: inputSize, hidden_size: hiddenSize }, `new nn.${name}(10, 20)`);
    const G = gateCount(mode);
    this.weightIh = param([G * hiddenSize, inputSize], opts);
    this.weightHh = param([G * hiddenSize, hiddenSize], opts);
    this.biasIh = bias ? param([G * hiddenSize], opts) : null;
    this.biasHh = bias ? param([G * hiddenSize], opts) : null;
    this.resetParameters();
  }
  /**
   * torch's init: every weight U(-1/√hidden, 1/√hidden).
   *
   * @example
   * const cell = new nn.GRUCell(10, 20);
   * cell.resetParameters(); // weights redrawn from U(-1/√20, 1/√20)
   */
  resetParameters(): void {
    const k = this.hiddenSize > 0 ? 1 / Math.sqrt(this.hiddenSize) : 0;
    for (const p of this.parameters()) init.uniform_(p, -k, k);
  }
  /** @internal Checks, the unbatched → batched view, the zero state; runs one step. */
  protected _step(x: Tensor, hx: Tensor | null, cx: Tensor | null): [Tensor, Tensor | null] {
    const op = cellName(this.mode);
    checkRecurrentInput(op, x, this.weightIh);
    if (x.dim() !== 1 && x.dim() !== 2) {
      throw new ShapeError(`${op}: Expected input to be 1-D or 2-D but received ${x.dim()}-D tensor`, {
        op,
        hint: 'a cell takes one time step: [batch, inputSize] or [inputSize]',
      });
    }
    if (x.shape[x.dim() - 1] !== this.inputSize) {
      throw new ShapeError(`${op}: input has inconsistent input_size: got ${x.shape[x.dim() - 1]} expected ${this.inputSize}`, {
        op,
        hint: `the last dim of the input must be inputSize (${this.inputSize})`,
      });
    }
    const batched = x.dim() === 2;
    const xb = batched ? x : x.unsqueeze(0);
    const B = xb.shape[0]!;
    const state = (t: Tensor | null, what: string): Tensor => {
      if (t === null || t === undefined) return dl.zeros([B, this.hiddenSize], { dtype: x.dtype, device: x.device });
      checkStateShape(op, what, t, batched ? [B, this.hiddenSize] : [this.hiddenSize]);
      return batched ? t : t.unsqueeze(0);
    };
    const h = state(hx, 'hidden');
    const c = this.mode === 'LSTM' ? state(cx, 'cell state') : null;
    const gx = Fc.linear(xb, this.weightIh, this.biasIh);
    const w: StepWeights = { whhT: this.weightHh.t(), bhh: this.mode === 'GRU' ? this.biasHh : null, whrT: null };
    const gxAll = this.mode !== 'GRU' && this.biasHh ? gx.add(this.biasHh) : gx;
    const [h2, c2] = recurrentStep(this.mode, gxAll, h, c, w);
    return batched ? [h2, c2] : [h2.squeeze(0), c2 ? c2.squeeze(0) : null];
  }
  /**
   * The arguments shown inside the module's repr, as PyTorch's `extra_repr()`.
   *
   * @example
   * new nn.RNNCell(10, 20, { nonlinearity: 'relu' }).extraRepr(); // → '10, 20, nonlinearity=relu'
   */
  override extraRepr(): string {
    let s = `${this.inputSize}, ${this.hiddenSize}`;
    if (!this.bias) s += ', bias=False';
    if (this.mode === 'RNN_RELU') s += ', nonlinearity=relu';
    return s;
  }
}

function cellName(mode: RecurrentMode): string {
  return mode === 'LSTM' ? 'LSTMCell' : mode === 'GRU' ? 'GRUCell' : 'RNNCell';
}

/**
 * An Elman RNN cell, `h' = tanh(x Wᵢₕᵀ + bᵢₕ + h Wₕₕᵀ + bₕₕ)` (or relu), as `torch.nn.RNNCell`.
 * Input [batch, inputSize] or unbatched [inputSize]; `hx` defaults to zeros.
 *
 * @example
 * const cell = new nn.RNNCell(10, 20);
 * let h = dl.zeros(3, 20);
 * for (const x of dl.randn(6, 3, 10).unbind(0)) h = cell(x, h);
 */
export class RNNCell extends RNNCellBase {
  static {
    Object.defineProperty(this, 'name', { value: 'RNNCell' });
  }
  readonly nonlinearity: 'tanh' | 'relu';
  constructor(
    inputSize: number,
    hiddenSize: number,
    ...args: TorchTail<[bias: boolean, nonlinearity: 'tanh' | 'relu'], { bias?: boolean; nonlinearity?: 'tanh' | 'relu' } & FactoryOptions>
  ) {
    const opts = torchArgs<{ bias?: boolean; nonlinearity?: 'tanh' | 'relu' } & FactoryOptions>(
      'RNNCell',
      [
        ['bias', 'bias', 'boolean'],
        ['nonlinearity', 'nonlinearity', 'string'],
      ],
      args,
      "new nn.RNNCell(10, 20, true, 'relu') or new nn.RNNCell(10, 20, { nonlinearity: 'relu' })",
    );
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu')
      throw new ArgumentError(`RNNCell: Unknown nonlinearity '${String(nl)}'`, { op: 'RNNCell', hint: "nonlinearity is 'tanh' or 'relu'" });
    super(nl === 'relu' ? 'RNN_RELU' : 'RNN_TANH', inputSize, hiddenSize, opts.bias ?? true, opts);
    this.nonlinearity = nl;
  }
  /**
   * One step: `input` [N, inputSize] (or [inputSize]) and `hx` [N, hiddenSize] (zeros by default) give the next hidden state [N,
   * hiddenSize]; `cell(x, h)` calls it.
   *
   * @example
   * const cell = new nn.RNNCell(10, 20);
   * let h = cell(dl.randn(3, 10)); h = cell(dl.randn(3, 10), h); // h [3, 20]
   */
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this._step(input, hx, null)[0];
  }
}

/**
 * A long short-term memory cell (gates i, f, g, o), as `torch.nn.LSTMCell`; returns `[h, c]`.
 * Input [batch, inputSize] or unbatched [inputSize]; `hx` (`[h, c]`) defaults to zeros.
 *
 * @example
 * const cell = new nn.LSTMCell(10, 20);
 * let [h, c] = cell(dl.randn(3, 10));
 * [h, c] = cell(dl.randn(3, 10), [h, c]);
 */
export class LSTMCell extends RNNCellBase {
  static {
    Object.defineProperty(this, 'name', { value: 'LSTMCell' });
  }
  constructor(inputSize: number, hiddenSize: number, ...args: TorchTail<[bias: boolean], { bias?: boolean } & FactoryOptions>) {
    const opts = torchArgs<{ bias?: boolean } & FactoryOptions>(
      'LSTMCell',
      [['bias', 'bias', 'boolean']],
      args,
      'new nn.LSTMCell(10, 20, false) or new nn.LSTMCell(10, 20, { bias: false })',
    );
    super('LSTM', inputSize, hiddenSize, opts.bias ?? true, opts);
  }
  /**
   * One step: `input` [N, inputSize] (or [inputSize]) and `[h, c]` (zeros by default) give the next `[h, c]`, each [N, hiddenSize];
   * `cell(x, [h, c])` calls it.
   *
   * @example
   * const cell = new nn.LSTMCell(10, 20);
   * const [h, c] = cell(dl.randn(3, 10)); // h, c [3, 20]
   */
  forward(input: Tensor, hx: readonly [Tensor, Tensor] | null = null): [Tensor, Tensor] {
    if (hx !== null && hx !== undefined && (!Array.isArray(hx) || hx.length !== 2)) {
      throw new ArgumentError('LSTMCell: hx must be a pair [h, c]', { op: 'LSTMCell', hint: 'cell(x, [h, c])' });
    }
    const [h, c] = this._step(input, hx ? hx[0] : null, hx ? hx[1] : null);
    return [h, c!];
  }
}

/**
 * A gated recurrent unit cell (gates r, z, n), as `torch.nn.GRUCell`.
 * Input [batch, inputSize] or unbatched [inputSize]; `hx` defaults to zeros.
 *
 * @example
 * const cell = new nn.GRUCell(10, 20);
 * const h = cell(dl.randn(3, 10));
 */
export class GRUCell extends RNNCellBase {
  static {
    Object.defineProperty(this, 'name', { value: 'GRUCell' });
  }
  constructor(inputSize: number, hiddenSize: number, ...args: TorchTail<[bias: boolean], { bias?: boolean } & FactoryOptions>) {
    const opts = torchArgs<{ bias?: boolean } & FactoryOptions>(
      'GRUCell',
      [['bias', 'bias', 'boolean']],
      args,
      'new nn.GRUCell(10, 20, false) or new nn.GRUCell(10, 20, { bias: false })',
    );
    super('GRU', inputSize, hiddenSize, opts.bias ?? true, opts);
  }
  /**
   * One step: `input` [N, inputSize] (or [inputSize]) and `hx` [N, hiddenSize] (zeros by default) give the next hidden state; `cell(x, h)`
   * calls it.
   *
   * @example
   * const cell = new nn.GRUCell(10, 20);
   * cell(dl.randn(3, 10)).shape; // → [3, 20]
   */
  forward(input: Tensor, hx: Tensor | null = null): Tensor {
    return this._step(input, hx, null)[0];
  }
}
