/**
 * Parameter initialisation, as `torch.nn.init`. Every function fills its tensor in place
 * without recording gradients and returns it.
 */
import * as dl from '@dl/tensor';
import { ArgumentError, ShapeError, type Generator, type Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';

export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'conv_transpose2d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leaky_relu'
  | 'selu';
export type FanMode = 'fanIn' | 'fanOut';

function inPlace(t: Tensor, fn: (d: Tensor) => void): Tensor {
  noGrad(() => fn(t.detach()));
  return t;
}
const gen = (g?: Generator) => (g ? { generator: g } : {});

/**
 * Recommended gain for a nonlinearity (`torch.nn.init.calculate_gain`).
 *
 * @example
 * init.calculateGain('leaky_relu', 0.2);
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  switch (nonlinearity) {
    case 'linear':
    case 'conv1d':
    case 'conv2d':
    case 'conv3d':
    case 'conv_transpose2d':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leaky_relu': {
      const a = param ?? 0.01;
      return Math.sqrt(2 / (1 + a * a));
    }
    case 'selu':
      return 3 / 4;
    default:
      throw new ArgumentError(`calculateGain: unsupported nonlinearity ${String(nonlinearity)}`, { op: 'calculateGain' });
  }
}

/**
 * Fan-in and fan-out of a weight (dims ≥ 2): size(1)·receptive and size(0)·receptive.
 *
 * @example
 * init.calculateFanInAndFanOut(dl.empty(8, 4, 3, 3)); // → { fanIn: 36, fanOut: 72 }; 1-D is a ShapeError
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.dim() < 2) {
    throw new ShapeError(
      `calculateFanInAndFanOut: fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape [${t.shape.join(', ')}])`,
      { op: 'init' },
    );
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

/** Uniform in [a, b). @example init.uniform_(w, -0.1, 0.1) */
export function uniform_(t: Tensor, a = 0, b = 1, opts: { generator?: Generator } = {}): Tensor {
  return inPlace(t, (d) => d.uniform_(a, b, gen(opts.generator)));
}
/**
 * Normal(mean, std).
 *
 * @example
 * const w = dl.empty(3, 5);
 * init.normal_(w, 0, 0.02); // in place, as torch.nn.init.normal_(w, 0, 0.02)
 */
export function normal_(t: Tensor, mean = 0, std = 1, opts: { generator?: Generator } = {}): Tensor {
  return inPlace(t, (d) => d.normal_(mean, std, gen(opts.generator)));
}
/**
 * Fill with `value`.
 *
 * @example
 * init.constant_(dl.empty(2, 2), 0.3); // → all 0.3, as torch.nn.init.constant_
 */
export function constant_(t: Tensor, value: number): Tensor {
  return inPlace(t, (d) => d.fill_(value));
}
/**
 * Fill with zeros, in place, as `torch.nn.init.zeros_`.
 *
 * @example
 * init.zeros_(dl.empty(2, 3)); // → all 0
 */
export const zeros_ = (t: Tensor): Tensor => constant_(t, 0);
/**
 * Fill with ones, in place, as `torch.nn.init.ones_`.
 *
 * @example
 * init.ones_(dl.empty(2, 3)); // → all 1
 */
export const ones_ = (t: Tensor): Tensor => constant_(t, 1);

/**
 * Glorot uniform: U(-a, a), a = gain·√(6 / (fanIn + fanOut)).
 *
 * @example
 * const fc = new nn.Linear(64, 32);
 * init.xavierUniform_(fc.weight, init.calculateGain('relu'));
 */
export function xavierUniform_(t: Tensor, gain = 1, opts: { generator?: Generator } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const a = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -a, a, opts);
}
/**
 * Glorot normal: N(0, gain²·2 / (fanIn + fanOut)).
 *
 * @example
 * init.xavierNormal_(dl.empty(3, 5)); // std √(2 / 8) = 0.5
 */
export function xavierNormal_(t: Tensor, gain = 1, opts: { generator?: Generator } = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  return normal_(t, 0, gain * Math.sqrt(2 / (fanIn + fanOut)), opts);
}

/** Options of the Kaiming initialisers. */
export interface KaimingOptions {
  /** Negative slope of the rectifier after this layer (leaky_relu). */
  a?: number;
  mode?: FanMode;
  nonlinearity?: Nonlinearity;
  generator?: Generator;
}

function kaimingStd(t: Tensor, o: KaimingOptions): number {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (o.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  return calculateGain(o.nonlinearity ?? 'leaky_relu', o.a ?? 0) / Math.sqrt(fan);
}
/**
 * He uniform: U(-b, b), b = gain·√(3 / fan). Layers use `{ a: √5 }` by default, as PyTorch.
 *
 * @example
 * init.kaimingUniform_(w, { a: Math.sqrt(5) });
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const b = Math.sqrt(3) * kaimingStd(t, opts);
  return uniform_(t, -b, b, opts);
}
/**
 * He normal: N(0, gain² / fan).
 *
 * @example
 * const conv = new nn.Conv2d(3, 16, 3);
 * init.kaimingNormal_(conv.weight, { mode: 'fanOut', nonlinearity: 'relu' });
 */
export function kaimingNormal_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  return normal_(t, 0, kaimingStd(t, opts), opts);
}

/**
 * A (semi-)orthogonal matrix (rows × prod(rest)) from the QR decomposition of a normal
 * sample, with PyTorch's sign correction, times `gain`.
 *
 * @example
 * init.orthogonal_(w);
 */
export function orthogonal_(t: Tensor, gain = 1, opts: { generator?: Generator } = {}): Tensor {
  if (t.dim() < 2) throw new ShapeError('orthogonal_: only tensors with 2 or more dimensions are supported', { op: 'orthogonal_' });
  const rows = t.shape[0]!;
  const cols = t.numel() / rows;
  // Work on the tall matrix A [m, n] (m >= n), as torch (transposing when rows < cols).
  const transposed = rows < cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  const sample = dl.randn([m, n], { device: 'cpu', dtype: 'float64', ...gen(opts.generator) });
  const A = Float64Array.from(sample.dataSync());
  sample.dispose();
  // Modified Gram–Schmidt: Q [m, n], R diag signs.
  const Q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < m; i++) Q[i * n + j] = A[i * n + j]!;
    for (let k = 0; k < j; k++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += Q[i * n + k]! * Q[i * n + j]!;
      for (let i = 0; i < m; i++) Q[i * n + j] = Q[i * n + j]! - dot * Q[i * n + k]!;
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += Q[i * n + j]! ** 2;
    norm = Math.sqrt(norm) || 1;
    // R[j,j] = norm > 0, so the sign correction of torch (Q * sign(diag R)) is the identity here.
    for (let i = 0; i < m; i++) Q[i * n + j] = Q[i * n + j]! / norm;
  }
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[r * cols + c] = gain * (transposed ? Q[c * n + r]! : Q[r * n + c]!);
  const src = dl.tensor(Array.from(out), { dtype: t.dtype, device: 'cpu' }).reshape([...t.shape]);
  inPlace(t, (d) => d.copy_(src));
  src.dispose();
  return t;
}
