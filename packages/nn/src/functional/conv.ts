import * as dl from '@dl/tensor';
import {
  adaptiveAvgPool2d as adaptiveAvgPool2dOp,
  addmm,
  avgPoolDivisors,
  conv1d as conv1dOp,
  convTranspose2d as convTranspose2dOp,
  reshapeTo,
} from '@dl/tensor/internal';
import { ArgumentError, ShapeError, fmtShape, type Tensor, type ValuesIndices } from '@dl/tensor';
import type { Conv2dParams, Pool2dParams } from '@dl/tensor/backend';
import { pair, type Size2 } from './conv-args.js';
import { pad } from './pad.js';
import { pairOf } from './values-indices.js';

export type { Size2 } from './conv-args.js';

/**
 * `x @ weight.T + bias` (PyTorch's `F.linear`).
 *
 * @example
 * F.linear(x, w, b);
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (x.shape[x.dim() - 1] !== weight.shape[weight.dim() - 1]) {
    throw new ShapeError(
      `linear: mat1 and mat2 shapes cannot be multiplied (input ${fmtShape(x.shape)}, weight ${fmtShape(weight.shape)})`,
      {
        op: 'linear',
        hint: `the last dim of the input must equal in_features (${weight.shape[weight.dim() - 1]})`,
      },
    );
  }
  // PyTorch's graph (Note [Composite ops as one node] in @dl/tensor): addmm for a 2-D input with
  // a bias (AddmmBackward0), the 3-D contiguous input folded into rows around it (ViewBackward0);
  // without a bias, matmul's folding (ReshapeAliasBackward0, MmBackward0, UnsafeViewBackward0).
  const wt = weight.t();
  const K = x.shape[x.dim() - 1]!;
  const w2 = weight.dim() === 2;
  if (bias && w2 && x.dim() === 2) return addmm(bias, x, wt);
  if (bias && w2 && x.dim() === 3 && x.isContiguous())
    return addmm(bias, x.view(x.shape[0]! * x.shape[1]!, K), wt).view(x.shape[0]!, x.shape[1]!, weight.shape[0]!); // explicit sizes: an empty input cannot infer -1
  let y: Tensor;
  if (w2 && x.dim() >= 3) {
    const rows = reshapeTo(x, [x.shape.slice(0, -1).reduce((a, b) => a * b, 1), K], 'ReshapeAliasBackward0');
    y = reshapeTo(rows.mm(wt), [...x.shape.slice(0, -1), weight.shape[0]!], 'UnsafeViewBackward0');
  } else if (w2 && x.dim() === 1) {
    // torch's matmul of a vector: mm(x.unsqueeze(0), Wᵀ).squeeze_(0) (UnsqueezeBackward0, MmBackward0, SqueezeBackward3)
    y = reshapeTo(x.unsqueeze(0).mm(wt), [weight.shape[0]!], 'SqueezeBackward3');
  } else y = x.matmul(wt);
  return bias ? y.add(bias) : y;
}

/** Options of `F.conv2d`. */
export interface Conv2dOptions {
  stride?: Size2;
  /** A number, a pair, `'same'` (stride 1 only) or `'valid'` (= 0). */
  padding?: Size2 | 'same' | 'valid';
  dilation?: Size2;
  groups?: number;
}

/** Resolve conv options to kernel params plus any asymmetric 'same' padding [l, r, t, b]. */
function convParams(
  op: string,
  o: Conv2dOptions,
  k: [number, number],
): { p: Conv2dParams; extra: [number, number, number, number] | null } {
  const stride = pair(o.stride ?? 1, 'stride', op);
  const dilation = pair(o.dilation ?? 1, 'dilation', op);
  const groups = o.groups ?? 1;
  let padding: [number, number];
  let extra: [number, number, number, number] | null = null;
  if (o.padding === 'same') {
    if (stride[0] !== 1 || stride[1] !== 1)
      throw new ArgumentError(`${op}: padding='same' is not supported for strided convolutions`, { op });
    const total = [dilation[0] * (k[0] - 1), dilation[1] * (k[1] - 1)] as const;
    padding = [Math.floor(total[0] / 2), Math.floor(total[1] / 2)];
    const rh = total[0] - 2 * padding[0];
    const rw = total[1] - 2 * padding[1];
    if (rh || rw) extra = [0, rw, 0, rh];
  } else if (o.padding === 'valid') padding = [0, 0];
  else padding = pair(o.padding ?? 0, 'padding', op);
  return { p: { stride, padding, dilation, groups }, extra };
}

/**
 * 2-D convolution over [N, C, H, W] (a 3-D input is treated as one unbatched image).
 *
 * @example
 * F.conv2d(x, w, b, { stride: 2, padding: 1 });
 */
export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  if (x.dim() === 3) return conv2d(x.unsqueeze(0), weight, bias, opts).squeeze(0);
  const { p, extra } = convParams('conv2d', opts, [weight.shape[2] ?? 1, weight.shape[3] ?? 1]);
  const xin = extra ? pad(x, extra) : x;
  return dl.conv2d(xin, weight, bias, p);
}

/** Options of `F.conv1d`. */
export interface Conv1dOptions {
  stride?: number;
  padding?: number | 'same' | 'valid';
  dilation?: number;
  groups?: number;
}

/**
 * 1-D convolution over [N, C, L] (as conv2d on a unit height).
 *
 * @example
 * const w = dl.randn(33, 16, 3); // [Cout, Cin/groups, K]
 * F.conv1d(dl.randn(20, 16, 50), w, null, { stride: 2 }).shape; // → [20, 33, 24]
 */
export function conv1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv1dOptions = {}): Tensor {
  if (x.dim() === 2) return conv1d(x.unsqueeze(0), weight, bias, opts).squeeze(0);
  if (x.dim() !== 3 || weight.dim() !== 3) {
    throw new ShapeError(
      `conv1d: expected a 3-D input [N, C, L] and a 3-D weight, got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`,
      { op: 'conv1d' },
    );
  }
  const pd = opts.padding ?? 0;
  const k = weight.shape[2]!;
  const d = opts.dilation ?? 1;
  if (pd !== 'same' || (d * (k - 1)) % 2 === 0) {
    // one ConvolutionBackward0 node over the 3-D tensors, as torch
    const { p } = convParams(
      'conv1d',
      { stride: [1, opts.stride ?? 1], padding: typeof pd === 'number' ? [0, pd] : pd, dilation: [1, d], groups: opts.groups ?? 1 },
      [1, k],
    );
    return conv1dOp(x, weight, bias, p);
  }
  // 'same' with an asymmetric pad: torch pads the input first (ConstantPadNdBackward0), as conv2d does here
  const y = conv2d(x.unsqueeze(2), weight.unsqueeze(2), bias, {
    stride: [1, opts.stride ?? 1],
    padding: typeof pd === 'number' ? [0, pd] : pd,
    dilation: [1, opts.dilation ?? 1],
    groups: opts.groups ?? 1,
  });
  return y.squeeze(2);
}

/** Options of `F.convTranspose2d`. */
export interface ConvTranspose2dOptions {
  stride?: Size2;
  padding?: Size2;
  outputPadding?: Size2;
  groups?: number;
  dilation?: Size2;
}

/**
 * Transposed 2-D convolution (the gradient of conv2d w.r.t. its input): weight
 * [Cin, Cout/groups, KH, KW].
 *
 * @example
 * F.convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 });
 */
export function convTranspose2d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvTranspose2dOptions = {}): Tensor {
  const op = 'convTranspose2d';
  if (x.dim() === 3) return convTranspose2d(x.unsqueeze(0), weight, bias, opts).squeeze(0);
  const stride = pair(opts.stride ?? 1, 'stride', op);
  const padding = pair(opts.padding ?? 0, 'padding', op);
  const dilation = pair(opts.dilation ?? 1, 'dilation', op);
  const outPad = pair(opts.outputPadding ?? 0, 'outputPadding', op);
  const groups = opts.groups ?? 1;
  checkTransposeArgs(op, x, weight, bias, { stride, padding, dilation, outPad, groups }, 2);
  const [, , H, W] = x.shape as [number, number, number, number];
  const [, , KH, KW] = weight.shape as [number, number, number, number];
  const OH = (H - 1) * stride[0] - 2 * padding[0] + dilation[0] * (KH - 1) + outPad[0] + 1;
  const OW = (W - 1) * stride[1] - 2 * padding[1] + dilation[1] * (KW - 1) + outPad[1] + 1;
  if (OH < 1 || OW < 1) {
    throw new ShapeError(
      `${op}: Given input size per channel: (${H} x ${W}). Calculated output size per channel: (${OH} x ${OW}). Output size is too small`,
      {
        op,
        hint: 'reduce padding (or enlarge stride/kernel)',
      },
    );
  }
  // one ConvolutionBackward0 node, as torch (Note [Composite ops as one node] in @dl/tensor)
  return convTranspose2dOp(x, weight, bias, { stride, padding, dilation, groups, outputPadding: outPad });
}

/** Options of `F.convTranspose1d`. */
export interface ConvTranspose1dOptions {
  stride?: number | readonly [number];
  padding?: number | readonly [number];
  outputPadding?: number | readonly [number];
  groups?: number;
  dilation?: number | readonly [number];
}

/**
 * Transposed 1-D convolution of [N, Cin, L] (or [Cin, L]) with weight [Cin, Cout/groups, K], run as
 * a transposed 2-D convolution of unit height (same kernels, same argument checks).
 *
 * @example
 * F.convTranspose1d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 });
 */
export function convTranspose1d(x: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvTranspose1dOptions = {}): Tensor {
  const op = 'convTranspose1d';
  if ((x.dim() !== 2 && x.dim() !== 3) || weight.dim() !== 3) {
    throw new ShapeError(
      `${op}: expected input [N, Cin, L] (or [Cin, L]) and weight [Cin, Cout/groups, K], got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`,
      { op },
    );
  }
  const one = (v: number | readonly number[] | undefined, dflt: number, name: string): number => {
    if (v === undefined) return dflt;
    if (typeof v === 'number') return v;
    if (v.length !== 1) throw new ArgumentError(`${op}: ${name} must be a number or a 1-tuple, got ${JSON.stringify(v)}`, { op });
    return v[0]!;
  };
  const [s, p, op1, d] = [
    one(opts.stride, 1, 'stride'),
    one(opts.padding, 0, 'padding'),
    one(opts.outputPadding, 0, 'outputPadding'),
    one(opts.dilation, 1, 'dilation'),
  ];
  const groups = opts.groups ?? 1;
  const x3 = x.dim() === 2 ? x.unsqueeze(0) : x;
  checkTransposeArgs(op, x3, weight, bias, { stride: [s], padding: [p], dilation: [d], outPad: [op1], groups }, 1);
  const L = x3.shape[2]!;
  const OL = (L - 1) * s - 2 * p + d * (weight.shape[2]! - 1) + op1 + 1;
  if (OL < 1) {
    throw new ShapeError(
      `${op}: Given input size per channel: (${L}). Calculated output size per channel: (${OL}). Output size is too small`,
      { op, hint: 'reduce padding (or enlarge stride/kernel)' },
    );
  }
  const y = convTranspose2d(x.unsqueeze(-2), weight.unsqueeze(2), bias, {
    stride: [1, s],
    padding: [0, p],
    outputPadding: [0, op1],
    dilation: [1, d],
    groups,
  });
  return y.squeeze(-2);
}

/** PyTorch's argument checks of a transposed convolution, as typed errors. */
function checkTransposeArgs(
  op: string,
  x: Tensor,
  weight: Tensor,
  bias: Tensor | null,
  a: { stride: number[]; padding: number[]; dilation: number[]; outPad: number[]; groups: number },
  nd: 1 | 2,
): void {
  if (x.dim() !== nd + 2 || weight.dim() !== nd + 2) {
    const dims =
      nd === 2 ? ['[N, Cin, H, W] (or [Cin, H, W])', '[Cin, Cout/groups, KH, KW]'] : ['[N, Cin, L] (or [Cin, L])', '[Cin, Cout/groups, K]'];
    throw new ShapeError(`${op}: expected input ${dims[0]} and weight ${dims[1]}, got ${fmtShape(x.shape)} and ${fmtShape(weight.shape)}`, {
      op,
    });
  }
  const ints = (v: number[]) => v.every((n) => Number.isInteger(n));
  for (const [name, v] of [
    ['stride', a.stride],
    ['padding', a.padding],
    ['dilation', a.dilation],
    ['outputPadding', a.outPad],
  ] as const) {
    if (!ints(v)) throw new ArgumentError(`${op}: ${name} must be integers, got ${name}=${fmtShape(v)}`, { op });
  }
  if (a.stride.some((s) => s < 1))
    throw new ArgumentError(`${op}: non-positive stride is not supported (got stride=${fmtShape(a.stride)})`, {
      op,
      hint: 'stride must be integers >= 1',
    });
  if (a.padding.some((s) => s < 0))
    throw new ArgumentError(`${op}: negative padding is not supported (got padding=${fmtShape(a.padding)})`, { op });
  if (a.dilation.some((s) => s < 1)) {
    throw new ArgumentError(`${op}: dilation should be greater than zero, but got dilation=${fmtShape(a.dilation)}`, { op });
  }
  if (a.outPad.some((s) => s < 0))
    throw new ArgumentError(`${op}: negative output_padding is not supported (got outputPadding=${fmtShape(a.outPad)})`, { op });
  for (let i = 0; i < nd; i++) {
    if (a.outPad[i]! >= a.stride[i]! && a.outPad[i]! >= a.dilation[i]!) {
      throw new ArgumentError(
        `${op}: output padding must be smaller than either stride or dilation, but got outputPadding=${fmtShape(a.outPad)}, stride=${fmtShape(a.stride)}, dilation=${fmtShape(a.dilation)}`,
        { op, hint: `for a given output size use ConvTranspose${nd}d.forward(x, outputSize)` },
      );
    }
  }
  if (!Number.isInteger(a.groups) || a.groups < 1)
    throw new ArgumentError(`${op}: non-positive groups is not supported (got ${a.groups})`, { op });
  const Cin = weight.shape[0]!;
  if (x.shape[1] !== Cin) {
    throw new ShapeError(
      `${op}: Given transposed=1, weight of size ${fmtShape(weight.shape)}, expected input ${fmtShape(x.shape)} to have ${Cin} channels, but got ${x.shape[1]} channels instead`,
      {
        op,
        hint: `the weight of a transposed convolution is ${nd === 2 ? '[Cin, Cout/groups, KH, KW]' : '[Cin, Cout/groups, K]'}`,
      },
    );
  }
  if (Cin % a.groups !== 0)
    throw new ShapeError(`${op}: in_channels ${Cin} of weight ${fmtShape(weight.shape)} must be divisible by groups=${a.groups}`, { op });
  const Cout = weight.shape[1]! * a.groups;
  if (bias && (bias.dim() !== 1 || bias.shape[0] !== Cout)) {
    throw new ShapeError(
      `${op}: Given transposed=1, weight of size ${fmtShape(weight.shape)}, expected bias to be 1-dimensional with ${Cout} elements, but got bias of size ${fmtShape(bias.shape)} instead`,
      { op },
    );
  }
}

/** Options of `F.maxPool2d` / `F.avgPool2d`. */
export interface Pool2dOptions {
  /** Defaults to kernelSize. */
  stride?: Size2 | null;
  padding?: Size2;
  dilation?: Size2;
  ceilMode?: boolean;
  /** avg pooling: count padding zeros in the divisor (default true). */
  countIncludePad?: boolean;
  /** avg pooling: divide every window's sum by this (a nonzero integer) instead of its size. */
  divisorOverride?: number | null;
}

/** Options of max pooling: {@link Pool2dOptions} and `returnIndices` (PyTorch's `return_indices`). */
export interface MaxPool2dOptions extends Pool2dOptions {
  /** Also return the flat indices of the maxima: `[values, indices]`. */
  returnIndices?: boolean;
}

function poolParams(op: string, kernelSize: Size2, o: Pool2dOptions): Pool2dParams {
  const k = pair(kernelSize, 'kernelSize', op);
  const s =
    o.stride === undefined || o.stride === null || (Array.isArray(o.stride) && o.stride.length === 0) ? k : pair(o.stride, 'stride', op);
  return {
    kernelSize: k,
    stride: s,
    padding: pair(o.padding ?? 0, 'padding', op),
    dilation: pair(o.dilation ?? 1, 'dilation', op),
    ceilMode: o.ceilMode ?? false,
    countIncludePad: o.countIncludePad ?? true,
  };
}

/**
 * 2-D max pooling, as `F.max_pool2d`; with `returnIndices: true` it returns `[values, indices]`
 * (also `.values` / `.indices`), PyTorch's `return_indices=True` tuple.
 *
 * @example
 * F.maxPool2d(x, 2); F.maxPool2d(x, [3, 3], { stride: 2, padding: 1 });
 * const [out, idx] = F.maxPool2d(x, 2, { returnIndices: true });
 */
export function maxPool2d(x: Tensor, kernelSize: Size2, opts: MaxPool2dOptions & { returnIndices: true }): ValuesIndices;
export function maxPool2d(x: Tensor, kernelSize: Size2, opts?: MaxPool2dOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(x: Tensor, kernelSize: Size2, opts?: MaxPool2dOptions): Tensor | ValuesIndices;
export function maxPool2d(x: Tensor, kernelSize: Size2, opts: MaxPool2dOptions = {}): Tensor | ValuesIndices {
  if (opts.returnIndices) return maxPool2dWithIndices(x, kernelSize, opts);
  const p = poolParams('maxPool2d', kernelSize, opts);
  return dl.maxPool2d(x, p).values; // [C, H, W] too: one node over it (Note [Unbatched pooling])
}
/**
 * Max pooling that also returns PyTorch's flat indices (int32): `[values, indices]`, with
 * `.values` and `.indices` too.
 *
 * @example
 * const [values, indices] = F.maxPool2dWithIndices(dl.tensor([[[[1, 2], [4, 3]]]]), 2);
 * values; // → tensor([[[[4.]]]]); indices → [[[[2]]]], as F.max_pool2d(x, 2, return_indices=True)
 */
export function maxPool2dWithIndices(x: Tensor, kernelSize: Size2, opts: Pool2dOptions = {}): ValuesIndices {
  return pairOf(dl.maxPool2d(x, poolParams('maxPool2d', kernelSize, opts)));
}
/**
 * 2-D average pooling; `divisorOverride` divides each window's sum by a fixed integer.
 *
 * @example
 * F.avgPool2d(x, 2); F.avgPool2d(x, 3, { stride: 2, padding: 1, divisorOverride: 4 });
 */
export function avgPool2d(x: Tensor, kernelSize: Size2, opts: Pool2dOptions = {}): Tensor {
  const p = poolParams('avgPool2d', kernelSize, opts);
  const d = opts.divisorOverride;
  if (d === undefined || d === null) return dl.avgPool2d(x, p);
  if (typeof d !== 'number' || !Number.isInteger(d) || d === 0) {
    throw new ArgumentError(`avgPool2d: divisorOverride must be a nonzero integer, got ${String(d)}`, {
      op: 'avgPool2d',
      hint: 'pass e.g. { divisorOverride: 4 }, or leave it out to divide by the window size',
    });
  }
  // the window sums are the averages over the real (unpadded) elements times their count
  const avg = dl.avgPool2d(x, { ...p, countIncludePad: false });
  const [OH, OW] = [avg.shape[avg.dim() - 2]!, avg.shape[avg.dim() - 1]!];
  const scale = avgPoolDivisors(x.shape, p, false).map((n) => n / d);
  return avg.mul(dl.tensor(scale, { dtype: avg.dtype, device: avg.device }).reshape(OH, OW));
}

/**
 * Adaptive average pooling to `outputSize` (null keeps a size), with PyTorch's bins; one
 * `AdaptiveAvgPool2DBackward0` node.
 *
 * @example
 * F.adaptiveAvgPool2d(x, 1); F.adaptiveAvgPool2d(x, [7, 7]);
 */
export function adaptiveAvgPool2d(x: Tensor, outputSize: number | readonly (number | null)[]): Tensor {
  if (x.dim() !== 3 && x.dim() !== 4)
    throw new ShapeError(`adaptiveAvgPool2d: expected a 3-D or 4-D input, got ${fmtShape(x.shape)}`, { op: 'adaptiveAvgPool2d' });
  const H = x.shape[x.dim() - 2]!;
  const W = x.shape[x.dim() - 1]!;
  const os = typeof outputSize === 'number' ? [outputSize, outputSize] : outputSize;
  const OH = os[0] ?? H;
  const OW = (os.length > 1 ? os[1] : os[0]) ?? W;
  // torch's fast path for a 1×1 output: a mean over the plane (MeanBackward1)
  if (OH === 1 && OW === 1) return x.mean([-2, -1], { keepdim: true });
  return adaptiveAvgPool2dOp(x, [OH, OW]);
}
