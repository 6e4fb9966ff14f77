/**
 * Note [Unfold and fold as one index table]
 * `unfold` (im2col) reads, for every channel, kernel tap k = ki·KW + kj and block l = bh·LW + bw,
 * the position (bh·sh + ki·dh, bw·sw + kj·dw) of the zero-padded plane; laid out as column
 * c·K + k, row l, as torch. dl builds that position table once on the host (K·L entries into the
 * padded plane), so unfold is a constant pad and one `indexSelect` of the flattened plane, and
 * `fold` (col2im) is its adjoint: a `scatterAdd` of the columns into a zero padded plane at the
 * same table, cropped by the padding. Each one's gradient is the other (index_add / gather), as
 * torch's Im2ColBackward0 / Col2ImBackward0, on every backend, and differentiable again.
 */
import * as dl from '@dl/tensor';
import { ArgumentError, DTypeError, ShapeError, fmtShape, isFloating, type Tensor } from '@dl/tensor';
import { defineOp } from '@dl/tensor/internal';
import { pair, type Size2 } from './conv-args.js';
import { pad } from './pad.js';

/** Options of `F.unfold` / `F.fold`. */
export interface FoldOptions {
  dilation?: Size2;
  padding?: Size2;
  stride?: Size2;
}

interface Geo {
  k: [number, number];
  d: [number, number];
  p: [number, number];
  s: [number, number];
}

function geometry(op: string, kernelSize: Size2, o: FoldOptions): Geo {
  const g = {
    k: pair(kernelSize, 'kernelSize', op),
    d: pair(o.dilation ?? 1, 'dilation', op),
    p: pair(o.padding ?? 0, 'padding', op),
    s: pair(o.stride ?? 1, 'stride', op),
  };
  const all = [...g.k, ...g.d, ...g.p, ...g.s];
  if (!all.every((v) => Number.isInteger(v)))
    throw new ArgumentError(`${op}: kernelSize, dilation, padding and stride must be integers, got ${JSON.stringify(g)}`, { op });
  if (g.k.some((v) => v <= 0)) throw new ArgumentError(`${op}: kernel size should be greater than zero, but got ${fmtShape(g.k)}`, { op });
  if (g.s.some((v) => v <= 0)) throw new ArgumentError(`${op}: stride should be greater than zero, but got ${fmtShape(g.s)}`, { op });
  if (g.d.some((v) => v <= 0)) throw new ArgumentError(`${op}: dilation should be greater than zero, but got ${fmtShape(g.d)}`, { op });
  if (g.p.some((v) => v < 0)) throw new ArgumentError(`${op}: padding should be non-negative, but got ${fmtShape(g.p)}`, { op });
  return g;
}

/** The number of sliding blocks along each axis of a plane [H, W]. */
function blocks(g: Geo, H: number, W: number): [number, number] {
  return [0, 1].map((i) => Math.floor(([H, W][i]! + 2 * g.p[i]! - g.d[i]! * (g.k[i]! - 1) - 1) / g.s[i]!) + 1) as [number, number];
}

/** Flat positions in the padded plane of each (tap, block) (Note [Unfold and fold as one index table]). */
function table(g: Geo, Wp: number, LH: number, LW: number): Int32Array {
  const [KH, KW] = g.k;
  const t = new Int32Array(KH * KW * LH * LW);
  let i = 0;
  for (let ki = 0; ki < KH; ki++)
    for (let kj = 0; kj < KW; kj++)
      for (let bh = 0; bh < LH; bh++) for (let bw = 0; bw < LW; bw++) t[i++] = (bh * g.s[0] + ki * g.d[0]) * Wp + bw * g.s[1] + kj * g.d[1];
  return t;
}

const im2col = defineOp('unfold', (x: Tensor, g: Geo): Tensor => {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [LH, LW] = blocks(g, H, W);
  const Hp = H + 2 * g.p[0];
  const Wp = W + 2 * g.p[1];
  const K = g.k[0] * g.k[1];
  const xp = g.p[0] || g.p[1] ? pad(x, [g.p[1], g.p[1], g.p[0], g.p[0]]) : x;
  const idx = dl.fromHost(table(g, Wp, LH, LW), [K * LH * LW], 'int32', x.device, 'unfold');
  return xp
    .reshape(N, C, Hp * Wp)
    .indexSelect(2, idx)
    .reshape(N, C * K, LH * LW);
});

const col2im = defineOp('fold', (x: Tensor, H: number, W: number, g: Geo): Tensor => {
  const [N, CK, L] = x.shape as [number, number, number];
  const K = g.k[0] * g.k[1];
  const C = CK / K;
  const [LH, LW] = blocks(g, H, W);
  const Hp = H + 2 * g.p[0];
  const Wp = W + 2 * g.p[1];
  const idx = dl.fromHost(table(g, Wp, LH, LW), [1, 1, K * L], 'int32', x.device, 'fold').expand(N, C, K * L);
  const plane = dl
    .zeros([N, C, Hp * Wp], { dtype: x.dtype, device: x.device })
    .scatterAdd(2, idx, x.reshape(N, C, K * L))
    .reshape(N, C, Hp, Wp);
  return g.p[0] || g.p[1] ? plane.narrow(2, g.p[0], H).narrow(3, g.p[1], W) : plane;
});

/**
 * Extract sliding local blocks (im2col): [N, C, H, W] (or [C, H, W]) → [N, C·KH·KW, L], as torch's
 * `F.unfold` (Note [Unfold and fold as one index table]).
 *
 * @example
 * F.unfold(img, [3, 3], { padding: 1 }); // [N, C·9, H·W]
 */
export function unfold(x: Tensor, kernelSize: Size2, opts: FoldOptions = {}): Tensor {
  const op = 'unfold';
  if (x.dim() === 3) return unfold(x.unsqueeze(0), kernelSize, opts).squeeze(0);
  if (x.dim() !== 4) throw new ShapeError(`${op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got ${fmtShape(x.shape)}`, { op });
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: not implemented for ${x.dtype}`, { op, hint: 'cast with .float()' });
  const g = geometry(op, kernelSize, opts);
  const [LH, LW] = blocks(g, x.shape[2]!, x.shape[3]!);
  if (LH < 1 || LW < 1 || x.shape[1] === 0) {
    throw new ShapeError(
      `${op}: given input with spatial size ${fmtShape(x.shape.slice(2))}, kernelSize=${fmtShape(g.k)}, dilation=${fmtShape(g.d)}, padding=${fmtShape(g.p)}, calculated shape of the array of sliding blocks as ${fmtShape([LH, LW])}, but its components must be at least one`,
      { op, hint: 'use a smaller kernel or dilation, or more padding' },
    );
  }
  return im2col(x, g);
}

/**
 * Combine sliding local blocks into a tensor (col2im, the adjoint of `unfold`; overlaps add):
 * [N, C·KH·KW, L] (or [C·KH·KW, L]) → [N, C, H, W] for `outputSize` [H, W], as torch's `F.fold`.
 *
 * @example
 * F.fold(cols, [4, 5], [2, 2]);
 */
export function fold(x: Tensor, outputSize: Size2, kernelSize: Size2, opts: FoldOptions = {}): Tensor {
  const op = 'fold';
  if (x.dim() === 2) return fold(x.unsqueeze(0), outputSize, kernelSize, opts).squeeze(0);
  if (x.dim() !== 3)
    throw new ShapeError(`${op}: expected a 2-D [C·KH·KW, L] or 3-D [N, C·KH·KW, L] input, got ${fmtShape(x.shape)}`, { op });
  if (!isFloating(x.dtype)) throw new DTypeError(`${op}: not implemented for ${x.dtype}`, { op, hint: 'cast with .float()' });
  const g = geometry(op, kernelSize, opts);
  const [H, W] = pair(outputSize, 'outputSize', op);
  const K = g.k[0] * g.k[1];
  if (x.shape[1]! % K !== 0 || x.shape[1] === 0) {
    throw new ShapeError(
      `${op}: expected size of input's dimension 1 to be divisible by the product of kernelSize, but got input.size(1)=${x.shape[1]} and kernelSize=${fmtShape(g.k)}`,
      { op },
    );
  }
  const [LH, LW] = blocks(g, H, W);
  if (LH < 1 || LW < 1 || LH * LW !== x.shape[2]) {
    throw new ShapeError(
      `${op}: given outputSize=${fmtShape([H, W])}, kernelSize=${fmtShape(g.k)}, dilation=${fmtShape(g.d)}, padding=${fmtShape(g.p)}, stride=${fmtShape(g.s)}, expected size of input's dimension 2 to match the calculated number of sliding blocks ${LH} * ${LW} = ${LH * LW}, but got input.size(2)=${x.shape[2]}`,
      { op },
    );
  }
  return col2im(x, H, W, g);
}
