/**
 * 2-D convolution and its two adjoints (gradient w.r.t. the input and w.r.t. the weight).
 *
 * Note [Conv fast path and fallback]
 * Each op checks its arguments, then runs the backend's optional fused kernel
 * (`backend.conv2d`, `conv2dBackwardInput`, `conv2dBackwardWeight`) when there is one, and
 * otherwise a composite of primitives: im2col is a strided *view* of the zero-padded input
 * (no gather), so conv2d is one batched matmul; col2im is a scatter-add into the input plane
 * (positions that fall into the padding go to a dummy slot that is cut off afterwards).
 * The composite runs on detached tensors so that autograd records exactly one node per op
 * (its rule lives in @dl/autograd and is written with these same three ops, so higher-order
 * gradients work):
 *   conv2d(x, w)                → gx = conv2dBackwardInput(g, w), gw = conv2dBackwardWeight(g, x)
 *   conv2dBackwardInput(g, w)   is the adjoint of x ↦ conv2d(x, w)
 *   conv2dBackwardWeight(g, x)  is the adjoint of w ↦ conv2d(x, w)
 * Rows/columns of the input that no window reaches (when (H + 2p − d(K−1) − 1) is not a
 * multiple of the stride) get zero gradient, as in PyTorch.
 */
import type { Conv2dParams } from '../backend.js';
import { defineOp, deviceCan, recordOp, runKernel } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import { Tensor } from '../tensor.js';
import { checkIntPairs, commonDevice, contiguousRaw, emptyTensor } from './core.js';
import { fromHost } from './creation.js';
import { binary } from './elementwise.js';
import { scatterAdd } from './indexing.js';
import { bmm, matmul } from './linalg.js';

const fmtP = (p: Conv2dParams) =>
  `stride=${fmtShape(p.stride)}, padding=${fmtShape(p.padding)}, dilation=${fmtShape(p.dilation)}, groups=${p.groups}`;

/** Output extent of a convolution along one axis. */
export function convOutSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

function checkParams(op: string, p: Conv2dParams): void {
  const pairs: Array<[string, readonly number[], number]> = [
    ['stride', p.stride, 1],
    ['padding', p.padding, 0],
    ['dilation', p.dilation, 1],
  ];
  checkIntPairs(op, pairs);
  if (!Number.isInteger(p.groups) || p.groups < 1)
    throw new ArgumentError(`${op}: groups must be a positive integer, got ${p.groups}`, { op });
}

function checkFloat(op: string, ...ts: Tensor[]): void {
  const d = ts[0]!.dtype;
  for (const t of ts) {
    if (!isFloating(t.dtype) || t.dtype !== d) {
      throw new DTypeError(
        `${op}: expected floating tensors of one dtype, got ${ts.map((u) => `${u.dtype} ${fmtShape(u.shape)}`).join(', ')}`,
        {
          op,
          hint: 'cast with .float() (or .double() for all of them)',
        },
      );
    }
  }
}

interface Geometry {
  N: number;
  C: number;
  H: number;
  W: number;
  Co: number;
  Cg: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  G: number;
}

/** Check shapes of x [N,C,H,W] and w [Co,C/g,KH,KW] (given as shapes) and compute the output size. */
function geometry(op: string, xs: readonly number[], ws: readonly number[], p: Conv2dParams): Geometry {
  checkParams(op, p);
  if (xs.length !== 4 || ws.length !== 4) {
    throw new ShapeError(
      `${op}: expected a 4-D input [N, C, H, W] and a 4-D weight [Cout, Cin/groups, KH, KW], got input ${fmtShape(xs)} and weight ${fmtShape(ws)}`,
      {
        op,
        hint: 'add a batch dim with unsqueeze(0) for a single image',
      },
    );
  }
  const [N, C, H, W] = xs as [number, number, number, number];
  const [Co, Cg, KH, KW] = ws as [number, number, number, number];
  const G = p.groups;
  if (Cg * G !== C) {
    throw new ShapeError(
      `${op}: expected input ${fmtShape(xs)} to have ${Cg * G} channels (weight ${fmtShape(ws)} with groups=${G}), but got ${C} channels`,
      {
        op,
        hint: 'weight.shape[1] * groups must equal the input channels',
      },
    );
  }
  if (Co % G !== 0) throw new ShapeError(`${op}: out channels ${Co} of weight ${fmtShape(ws)} must be divisible by groups=${G}`, { op });
  const OH = convOutSize(H, KH, p.stride[0], p.padding[0], p.dilation[0]);
  const OW = convOutSize(W, KW, p.stride[1], p.padding[1], p.dilation[1]);
  if (OH < 1 || OW < 1) {
    throw new ShapeError(
      `${op}: calculated output size [${N}, ${Co}, ${OH}, ${OW}] is too small for input ${fmtShape(xs)} and weight ${fmtShape(ws)} (${fmtP(p)})`,
      { op, hint: 'the (dilated) kernel must fit into the padded input' },
    );
  }
  return { N, C, H, W, Co, Cg, KH, KW, OH, OW, G };
}

/** @internal Zero-padded contiguous copy of x [N,C,H,W] (no autograd). */
export function padRaw(x: Tensor, top: number, bottom: number, left: number, right: number, value: number): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  if (top === 0 && bottom === 0 && left === 0 && right === 0) return contiguousRaw(x);
  const Hp = H + top + bottom;
  const Wp = W + left + right;
  const out = emptyTensor([N, C, Hp, Wp], x.dtype, x.device, 'pad');
  runKernel('pad', 'fill', out, value);
  runKernel('pad', 'copy', x, { of: out, shape: x.shape, strides: out._strides, offset: top * Wp + left });
  return out;
}

/** @internal im2col as a view: [N, G, Cg*KH*KW, OH*OW] (contiguous copy). */
function im2col(x: Tensor, g: Geometry, p: Conv2dParams): Tensor {
  const Hp = g.H + 2 * p.padding[0];
  const Wp = g.W + 2 * p.padding[1];
  const padded = padRaw(x, p.padding[0], p.padding[0], p.padding[1], p.padding[1], 0);
  const plane = Hp * Wp;
  const v = new Tensor(
    padded._storage,
    [g.N, g.G, g.Cg, g.KH, g.KW, g.OH, g.OW],
    [g.C * plane, g.Cg * plane, plane, p.dilation[0] * Wp, p.dilation[1], p.stride[0] * Wp, p.stride[1]],
    padded._offset,
  );
  const cols = v.reshape(g.N, g.G, g.Cg * g.KH * g.KW, g.OH * g.OW);
  if (padded !== x) padded.dispose();
  return cols;
}

/**
 * Flat position in the [Cg, H, W] input block of a group for each (cg, kh, kw, oh, ow) of
 * im2col; positions in the padding map to the dummy slot Cg*H*W.
 */
function col2imIndex(g: Geometry, p: Conv2dParams, device: string): Tensor {
  const K = g.Cg * g.KH * g.KW;
  const L = g.OH * g.OW;
  const idx = new Int32Array(K * L);
  const dummy = g.Cg * g.H * g.W;
  let q = 0;
  for (let c = 0; c < g.Cg; c++)
    for (let kh = 0; kh < g.KH; kh++)
      for (let kw = 0; kw < g.KW; kw++)
        for (let oh = 0; oh < g.OH; oh++) {
          const h = oh * p.stride[0] - p.padding[0] + kh * p.dilation[0];
          for (let ow = 0; ow < g.OW; ow++) {
            const w = ow * p.stride[1] - p.padding[1] + kw * p.dilation[1];
            idx[q++] = h < 0 || h >= g.H || w < 0 || w >= g.W ? dummy : (c * g.H + h) * g.W + w;
          }
        }
  return fromHost(idx, [1, 1, K * L], 'int32', device, 'col2im');
}

function fusedInputs(...ts: Array<Tensor | null>): Tensor[] {
  return ts.filter((t): t is Tensor => t !== null).map((t) => contiguousRaw(t));
}
function releaseInputs(orig: Array<Tensor | null>, made: Tensor[]): void {
  made.forEach((m) => {
    if (!orig.includes(m)) m.dispose();
  });
}

/**
 * 2-D convolution (cross-correlation, as `torch.nn.functional.conv2d`): x [N,C,H,W],
 * w [Cout, C/groups, KH, KW], optional bias [Cout] → [N, Cout, OH, OW].
 *
 * @example
 * const y = dl.conv2d(x, w, b, { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 });
 */
export const conv2d = defineOp('conv2d', (x: Tensor, w: Tensor, bias: Tensor | null, p: Conv2dParams): Tensor => {
  const op = 'conv2d';
  const g = geometry(op, x.shape, w.shape, p);
  checkFloat(op, ...(bias ? [x, w, bias] : [x, w]));
  const device = commonDevice(op, x, w, bias);
  if (bias && (bias.dim() !== 1 || bias.shape[0] !== g.Co)) {
    throw new ShapeError(`${op}: expected bias of shape [${g.Co}] for weight ${fmtShape(w.shape)}, got ${fmtShape(bias.shape)}`, { op });
  }
  const outShape = [g.N, g.Co, g.OH, g.OW];
  let out: Tensor;
  if (deviceCan(x, 'conv2d')) {
    out = emptyTensor(outShape, x.dtype, device, op);
    const made = fusedInputs(x, w, bias);
    runKernel(op, 'conv2d', made[0]!, made[1]!, bias ? made[2]! : null, out, p);
    releaseInputs([x, w, bias], made);
  } else {
    out = tidy(() => {
      const xd = x.detach();
      const wd = w.detach();
      const cols = im2col(xd, g, p); // [N, G, K, L]
      const wm = wd.reshape(1, g.G, g.Co / g.G, g.Cg * g.KH * g.KW);
      let y = matmul(wm, cols).reshape(outShape);
      if (bias) y = binary('add', y, bias.detach().reshape(1, g.Co, 1, 1));
      return contiguousRaw(y);
    });
  }
  recordOp('conv2d', [x, w, bias], out, { ...p, hasBias: bias !== null });
  return out;
});

/**
 * Gradient of conv2d with respect to its input (the adjoint of `x ↦ conv2d(x, w)`; also the
 * forward of a transposed convolution): g [N,Cout,OH,OW], w → [N, C, H, W] = `inShape`.
 *
 * @example
 * const gx = dl.conv2dBackwardInput(g, w, x.shape, p);
 */
export const conv2dBackwardInput = defineOp(
  'conv2dBackwardInput',
  (g: Tensor, w: Tensor, inShape: readonly number[], p: Conv2dParams): Tensor => {
    const op = 'conv2dBackwardInput';
    const geo = geometry(op, inShape, w.shape, p);
    checkFloat(op, g, w);
    const device = commonDevice(op, g, w);
    const want = [geo.N, geo.Co, geo.OH, geo.OW];
    if (g.dim() !== 4 || g.shape.some((s, i) => s !== want[i])) {
      throw new ShapeError(
        `${op}: expected grad_output of shape ${fmtShape(want)} for input ${fmtShape(inShape)} and weight ${fmtShape(w.shape)} (${fmtP(p)}), got ${fmtShape(g.shape)}`,
        { op },
      );
    }
    let out: Tensor;
    if (deviceCan(g, 'conv2dBackwardInput')) {
      out = emptyTensor(inShape, g.dtype, device, op);
      const made = fusedInputs(g, w);
      runKernel(op, 'conv2dBackwardInput', made[0]!, made[1]!, out, p);
      releaseInputs([g, w], made);
    } else {
      out = tidy(() => {
        const { N, G, Cg, KH, KW, OH, OW, H, W } = geo;
        const Cog = geo.Co / G;
        const K = Cg * KH * KW;
        const L = OH * OW;
        const wT = w.detach().reshape(1, G, Cog, K).transpose(2, 3); // [1, G, K, Cog]
        const gm = g.detach().reshape(N, G, Cog, L);
        const cols = matmul(wT, gm).reshape(N, G, K * L);
        const index = col2imIndex(geo, p, device).expand(N, G, K * L);
        const acc = emptyTensor([N, G, Cg * H * W + 1], g.dtype, device, op);
        runKernel(op, 'fill', acc, 0);
        const r = scatterAdd(acc, 2, index, cols);
        return contiguousRaw(r.narrow(2, 0, Cg * H * W)).reshape([...inShape]);
      });
    }
    recordOp('conv2dBackwardInput', [g, w], out, { ...p, inShape: [...inShape] });
    return out;
  },
);

/**
 * Gradient of conv2d with respect to its weight (the adjoint of `w ↦ conv2d(x, w)`):
 * g [N,Cout,OH,OW], x [N,C,H,W] → [Cout, C/groups, KH, KW] = `wShape`.
 *
 * @example
 * const gw = dl.conv2dBackwardWeight(g, x, w.shape, p);
 */
export const conv2dBackwardWeight = defineOp(
  'conv2dBackwardWeight',
  (g: Tensor, x: Tensor, wShape: readonly number[], p: Conv2dParams): Tensor => {
    const op = 'conv2dBackwardWeight';
    const geo = geometry(op, x.shape, wShape, p);
    checkFloat(op, g, x);
    const device = commonDevice(op, g, x);
    const want = [geo.N, geo.Co, geo.OH, geo.OW];
    if (g.dim() !== 4 || g.shape.some((s, i) => s !== want[i])) {
      throw new ShapeError(
        `${op}: expected grad_output of shape ${fmtShape(want)} for input ${fmtShape(x.shape)} and weight ${fmtShape(wShape)} (${fmtP(p)}), got ${fmtShape(g.shape)}`,
        { op },
      );
    }
    let out: Tensor;
    if (deviceCan(g, 'conv2dBackwardWeight')) {
      out = emptyTensor(wShape, g.dtype, device, op);
      const made = fusedInputs(g, x);
      runKernel(op, 'conv2dBackwardWeight', made[0]!, made[1]!, out, p);
      releaseInputs([g, x], made);
    } else {
      out = tidy(() => {
        const { N, G, Cg, KH, KW, OH, OW } = geo;
        const Cog = geo.Co / G;
        const K = Cg * KH * KW;
        const L = OH * OW;
        const cols = im2col(x.detach(), geo, p); // [N, G, K, L]
        const colsT = cols.permute(1, 0, 3, 2).reshape(G, N * L, K);
        const gm = g
          .detach()
          .reshape(N, G, Cog, L)
          .permute(1, 2, 0, 3)
          .reshape(G, Cog, N * L);
        return contiguousRaw(bmm(gm, colsT)).reshape([...wShape]);
      });
    }
    recordOp('conv2dBackwardWeight', [g, x], out, { ...p, wShape: [...wShape] });
    return out;
  },
);
