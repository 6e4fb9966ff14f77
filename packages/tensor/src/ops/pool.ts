/**
 * 2-D max and average pooling and their backward ops.
 *
 * Note [Pooling fast path and fallback]
 * `maxPool2d` / `avgPool2d` use the backend's fused kernels when present. The composite
 * fallback pads the input (−∞ for max, 0 for avg; extra rows/cols on the bottom/right when
 * `ceilMode` makes the last window run past the padded input), takes the windows as one
 * strided view [N, C, OH, OW, KH, KW] and reduces the last axes. The backward ops are
 * scatter-adds into the input plane and are, by construction, the exact adjoints:
 *   maxPool2dBackward(g, indices) = Σ g at indices      (adjoint: gather u at indices)
 *   avgPool2dBackward(g)          = avgPool2dᵀ g         (adjoint: avgPool2d u)
 * Indices are flat `h * W + w` per input plane, int32, as PyTorch's max_pool2d_with_indices;
 * ties go to the first maximum in window order, NaN counts as the maximum.
 * Average pooling follows PyTorch's divisor: the window clipped to the padded input when
 * `countIncludePad` (default true), else the number of real input elements.
 *
 * Note [Unbatched pooling]
 * An unbatched [C, H, W] input is pooled as a batch of one, and autograd records one node over
 * the 3-D tensors (`MaxPool2DWithIndicesBackward0` directly over the input, as torch), not an
 * unsqueeze/squeeze pair around it; the backward ops take 3-D shapes the same way.
 */
import type { Pool2dParams } from '../backend.js';
import { defineOp, deviceCan, recordOp, runKernel } from '../dispatch.js';
import { isFloating } from '../dtype.js';
import { ArgumentError, DTypeError, DeviceError, ShapeError, fmtShape } from '../errors.js';
import { tidy } from '../memory.js';
import { Tensor } from '../tensor.js';
import { checkIntPairs, contiguousRaw, emptyTensor } from './core.js';
import { runDetached } from './composite.js';
import { padRaw } from './conv.js';
import { fromHost } from './creation.js';
import { binary } from './elementwise.js';
import { gather, scatterAdd } from './indexing.js';
import { max, sum } from './reduce.js';

/** Output extent of pooling along one axis (PyTorch's pooling_output_shape). */
export function poolOutSize(size: number, k: number, s: number, p: number, d: number, ceil: boolean): number {
  let o = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (o - 1) * s >= size + p) o--;
  return o;
}

interface PoolGeo {
  N: number;
  C: number;
  H: number;
  W: number;
  OH: number;
  OW: number;
  KH: number;
  KW: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  dh: number;
  dw: number;
}

function poolGeometry(op: string, shape: readonly number[], p: Pool2dParams): PoolGeo {
  const pairs: Array<[string, readonly number[], number]> = [
    ['kernelSize', p.kernelSize, 1],
    ['stride', p.stride, 1],
    ['padding', p.padding, 0],
    ['dilation', p.dilation, 1],
  ];
  checkIntPairs(op, pairs);
  if (shape.length !== 4) {
    throw new ShapeError(`${op}: expected a 3-D [C, H, W] or 4-D [N, C, H, W] input, got ${fmtShape(shape)}`, {
      op,
      hint: 'pool images of shape [C, H, W] or batches [N, C, H, W]',
    });
  }
  const [N, C, H, W] = shape as [number, number, number, number];
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  if (ph > KH / 2 || pw > KW / 2) {
    throw new ArgumentError(
      `${op}: pad should be at most half of kernel size, but got padding=${fmtShape(p.padding)} and kernel_size=${fmtShape(p.kernelSize)}`,
      { op },
    );
  }
  const OH = poolOutSize(H, KH, sh, ph, dh, p.ceilMode);
  const OW = poolOutSize(W, KW, sw, pw, dw, p.ceilMode);
  if (OH < 1 || OW < 1) {
    throw new ShapeError(
      `${op}: given input ${fmtShape(shape)}, the calculated output size [${N}, ${C}, ${OH}, ${OW}] is too small (kernel_size=${fmtShape(p.kernelSize)}, stride=${fmtShape(p.stride)}, padding=${fmtShape(p.padding)}, dilation=${fmtShape(p.dilation)})`,
      {
        op,
        hint: 'use a smaller kernel or a larger input',
      },
    );
  }
  return { N, C, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw };
}

function checkInput(op: string, x: Tensor): void {
  if (!isFloating(x.dtype)) {
    throw new DTypeError(`${op}: expected a floating input, got ${x.dtype} ${fmtShape(x.shape)}`, { op, hint: 'cast with .float()' });
  }
}

/** Padded windows of x as a contiguous [N, C, OH, OW, KH*KW] tensor (no autograd). */
function windows(x: Tensor, g: PoolGeo, value: number): Tensor {
  const needH = (g.OH - 1) * g.sh + (g.KH - 1) * g.dh + 1;
  const needW = (g.OW - 1) * g.sw + (g.KW - 1) * g.dw + 1;
  const bottom = Math.max(g.ph, needH - g.H - g.ph);
  const right = Math.max(g.pw, needW - g.W - g.pw);
  const padded = padRaw(x, g.ph, bottom, g.pw, right, value);
  const Hp = g.H + g.ph + bottom;
  const Wp = g.W + g.pw + right;
  const v = new Tensor(
    padded._storage,
    [g.N, g.C, g.OH, g.OW, g.KH, g.KW],
    [g.C * Hp * Wp, Hp * Wp, g.sh * Wp, g.sw, g.dh * Wp, g.dw],
    padded._offset,
  );
  const r = v.reshape(g.N, g.C, g.OH, g.OW, g.KH * g.KW);
  if (padded !== x) padded.dispose();
  return r;
}

/**
 * Flat input index of every window position [OH*OW*KH*KW]; positions in the padding map to
 * `outside` (a number) or, when `outside` is 'first', to the window's first real position.
 */
function windowIndex(g: PoolGeo, outside: number | 'first'): Int32Array {
  const KK = g.KH * g.KW;
  const idx = new Int32Array(g.OH * g.OW * KK);
  let q = 0;
  for (let oh = 0; oh < g.OH; oh++)
    for (let ow = 0; ow < g.OW; ow++) {
      const base = q;
      let first = -1;
      for (let kh = 0; kh < g.KH; kh++) {
        const h = oh * g.sh - g.ph + kh * g.dh;
        for (let kw = 0; kw < g.KW; kw++) {
          const w = ow * g.sw - g.pw + kw * g.dw;
          const inside = h >= 0 && h < g.H && w >= 0 && w < g.W;
          if (inside && first < 0) first = h * g.W + w;
          idx[q++] = inside ? h * g.W + w : -1;
        }
      }
      for (let k = base; k < q; k++) if (idx[k] === -1) idx[k] = outside === 'first' ? Math.max(first, 0) : outside;
    }
  return idx;
}

/** PyTorch's avg-pool divisor for each output position [OH*OW]. */
function avgDivisors(g: PoolGeo, countIncludePad: boolean): Float64Array {
  const div = new Float64Array(g.OH * g.OW);
  for (let oh = 0; oh < g.OH; oh++)
    for (let ow = 0; ow < g.OW; ow++) {
      let hs = oh * g.sh - g.ph;
      let ws = ow * g.sw - g.pw;
      let he = Math.min(hs + g.KH, g.H + g.ph);
      let we = Math.min(ws + g.KW, g.W + g.pw);
      const poolSize = (he - hs) * (we - ws);
      hs = Math.max(hs, 0);
      ws = Math.max(ws, 0);
      he = Math.min(he, g.H);
      we = Math.min(we, g.W);
      const n = countIncludePad ? poolSize : (he - hs) * (we - ws);
      div[oh * g.OW + ow] = n > 0 ? n : 1;
    }
  return div;
}

/**
 * @internal PyTorch's average-pool divisor of each output position of pooling an input of shape
 * `inShape` ([N, C, H, W] or [C, H, W]), as a flat [OH*OW] table: the window's size clipped to the
 * padded input when `countIncludePad`, else the number of real input elements it covers.
 *
 * @example
 * avgPoolDivisors([1, 1, 4, 4], p, false); // Float64Array of OH*OW counts
 */
export function avgPoolDivisors(inShape: readonly number[], p: Pool2dParams, countIncludePad: boolean): Float64Array {
  const shape = inShape.length === 3 ? [1, ...inShape] : inShape;
  return avgDivisors(poolGeometry('avgPool2d', shape, p), countIncludePad);
}

/**
 * 2-D max pooling with PyTorch's indices (flat `h * W + w` per plane, int32).
 *
 * @example
 * const { values, indices } = dl.maxPool2d(x, { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false });
 */
export const maxPool2d = defineOp('maxPool2d', (x: Tensor, p: Pool2dParams): { values: Tensor; indices: Tensor } => {
  const op = 'maxPool2d';
  if (x.dim() === 3) {
    // unbatched [C, H, W]: one node over the 3-D input, as torch (Note [Unbatched pooling])
    const r = runDetached([x], (xd) => {
      const r4 = maxPool2d(xd.unsqueeze(0), p);
      return { values: r4.values.squeeze(0), indices: r4.indices.squeeze(0) };
    });
    recordOp('maxPool2d', [x], r.values, { ...p, indices: r.indices });
    return r;
  }
  const g = poolGeometry(op, x.shape, p);
  checkInput(op, x);
  const outShape = [g.N, g.C, g.OH, g.OW];
  let values: Tensor;
  let indices: Tensor;
  if (deviceCan(x, 'maxPool2d')) {
    values = emptyTensor(outShape, x.dtype, x.device, op);
    indices = emptyTensor(outShape, 'int32', x.device, op);
    const xc = contiguousRaw(x);
    runKernel(op, 'maxPool2d', xc, values, indices, p);
    if (xc !== x) xc.dispose();
  } else {
    [values, indices] = tidy(() => {
      const win = windows(x.detach(), g, -Infinity);
      const [v, k] = max(win, 4, { keepdim: true });
      const KK = g.KH * g.KW;
      const table = fromHost(windowIndex(g, 'first'), [1, 1, g.OH, g.OW, KK], 'int32', x.device, op).expand(g.N, g.C, g.OH, g.OW, KK);
      const idx = gather(table, 4, k);
      return [contiguousRaw(v.reshape(outShape)), contiguousRaw(idx.reshape(outShape))] as [Tensor, Tensor];
    });
  }
  recordOp('maxPool2d', [x], values, { ...p, indices });
  return { values, indices };
});

/**
 * Gradient of max pooling: `g` scattered (added) to the positions `indices` point at.
 *
 * @example
 * const gx = dl.maxPool2dBackward(g, indices, x.shape, p);
 */
export const maxPool2dBackward = defineOp(
  'maxPool2dBackward',
  (g: Tensor, indices: Tensor, inShape: readonly number[], p: Pool2dParams): Tensor => {
    const op = 'maxPool2dBackward';
    if (inShape.length === 3) {
      const out3 = runDetached([g, indices], (gd, id) =>
        maxPool2dBackward(gd.unsqueeze(0), id.unsqueeze(0), [1, ...inShape], p).squeeze(0),
      );
      recordOp('maxPool2dBackward', [g], out3, { ...p, indices, inShape: [...inShape] });
      return out3;
    }
    const geo = poolGeometry(op, inShape, p);
    checkInput(op, g);
    const want = [geo.N, geo.C, geo.OH, geo.OW];
    if (g.dim() !== 4 || g.shape.some((s, i) => s !== want[i]) || indices.dim() !== 4 || indices.shape.some((s, i) => s !== want[i])) {
      throw new ShapeError(
        `${op}: expected grad_output and indices of shape ${fmtShape(want)} for input ${fmtShape(inShape)}, got ${fmtShape(g.shape)} and ${fmtShape(indices.shape)}`,
        { op },
      );
    }
    if (indices.dtype !== 'int32') throw new DTypeError(`${op}: indices must be int32, got ${indices.dtype}`, { op });
    if (indices.device !== g.device) {
      throw new DeviceError(`${op}: grad_output is on ${g.device} but indices are on ${indices.device}`, { op });
    }
    if (deviceCan(g, 'maxPool2dBackward')) {
      // Note [Pooling backward kernels] (cpu): zero the planes, add each grad at its index
      const gradIn = emptyTensor([...inShape], g.dtype, g.device, op);
      const gc = contiguousRaw(g);
      const ic = contiguousRaw(indices);
      runKernel(op, 'maxPool2dBackward', gc, ic, gradIn, p);
      if (gc !== g) gc.dispose();
      if (ic !== indices) ic.dispose();
      recordOp('maxPool2dBackward', [g], gradIn, { ...p, indices, inShape: [...inShape] });
      return gradIn;
    }
    const out = tidy(() => {
      const { N, C, H, W } = geo;
      const L = geo.OH * geo.OW;
      const acc = emptyTensor([N, C, H * W], g.dtype, g.device, op);
      runKernel(op, 'fill', acc, 0);
      const r = scatterAdd(acc, 2, indices.reshape(N, C, L), g.detach().reshape(N, C, L));
      return r.reshape([...inShape]);
    });
    recordOp('maxPool2dBackward', [g], out, { ...p, indices, inShape: [...inShape] });
    return out;
  },
);

function checkAvg(op: string, p: Pool2dParams): void {
  if (p.dilation[0] !== 1 || p.dilation[1] !== 1) {
    throw new ArgumentError(`${op}: average pooling has no dilation (got ${fmtShape(p.dilation)})`, { op, hint: 'pass dilation [1, 1]' });
  }
}

/**
 * 2-D average pooling (PyTorch's divisor rules for padding, `countIncludePad`, `ceilMode`).
 *
 * @example
 * dl.avgPool2d(x, { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false });
 */
export const avgPool2d = defineOp('avgPool2d', (x: Tensor, p: Pool2dParams): Tensor => {
  const op = 'avgPool2d';
  checkAvg(op, p);
  if (x.dim() === 3) {
    const out3 = runDetached([x], (xd) => avgPool2d(xd.unsqueeze(0), p).squeeze(0));
    recordOp('avgPool2d', [x], out3, { ...p });
    return out3;
  }
  const g = poolGeometry(op, x.shape, p);
  checkInput(op, x);
  const outShape = [g.N, g.C, g.OH, g.OW];
  let out: Tensor;
  if (deviceCan(x, 'avgPool2d')) {
    out = emptyTensor(outShape, x.dtype, x.device, op);
    const xc = contiguousRaw(x);
    runKernel(op, 'avgPool2d', xc, out, p);
    if (xc !== x) xc.dispose();
  } else {
    out = tidy(() => {
      const s = sum(windows(x.detach(), g, 0), 4).reshape(outShape);
      const div = fromHost(avgDivisors(g, p.countIncludePad ?? true), [g.OH, g.OW], x.dtype, x.device, op);
      return contiguousRaw(binary('div', s, div));
    });
  }
  recordOp('avgPool2d', [x], out, { ...p });
  return out;
});

/**
 * Gradient of average pooling (its exact transpose): each `g` entry, divided by its window's
 * divisor, is added to every input position of the window.
 *
 * @example
 * const gx = dl.avgPool2dBackward(g, x.shape, p);
 */
export const avgPool2dBackward = defineOp('avgPool2dBackward', (g: Tensor, inShape: readonly number[], p: Pool2dParams): Tensor => {
  const op = 'avgPool2dBackward';
  checkAvg(op, p);
  if (inShape.length === 3) {
    const out3 = runDetached([g], (gd) => avgPool2dBackward(gd.unsqueeze(0), [1, ...inShape], p).squeeze(0));
    recordOp('avgPool2dBackward', [g], out3, { ...p, inShape: [...inShape] });
    return out3;
  }
  const geo = poolGeometry(op, inShape, p);
  checkInput(op, g);
  const want = [geo.N, geo.C, geo.OH, geo.OW];
  if (g.dim() !== 4 || g.shape.some((s, i) => s !== want[i])) {
    throw new ShapeError(
      `${op}: expected grad_output of shape ${fmtShape(want)} for input ${fmtShape(inShape)}, got ${fmtShape(g.shape)}`,
      { op },
    );
  }
  if (deviceCan(g, 'avgPool2dBackward')) {
    const gradIn = emptyTensor([...inShape], g.dtype, g.device, op);
    const gc = contiguousRaw(g);
    runKernel(op, 'avgPool2dBackward', gc, gradIn, p);
    if (gc !== g) gc.dispose();
    recordOp('avgPool2dBackward', [g], gradIn, { ...p, inShape: [...inShape] });
    return gradIn;
  }
  const out = tidy(() => {
    const { N, C, H, W, OH, OW } = geo;
    const KK = geo.KH * geo.KW;
    const L = OH * OW;
    const div = fromHost(avgDivisors(geo, p.countIncludePad ?? true), [OH, OW], g.dtype, g.device, op);
    const src = binary('div', g.detach(), div)
      .reshape(N, C, L, 1)
      .expand(N, C, L, KK)
      .reshape(N, C, L * KK);
    const index = fromHost(windowIndex(geo, H * W), [1, 1, L * KK], 'int32', g.device, op).expand(N, C, L * KK);
    const acc = emptyTensor([N, C, H * W + 1], g.dtype, g.device, op);
    runKernel(op, 'fill', acc, 0);
    const r = scatterAdd(acc, 2, index, src);
    return contiguousRaw(r.narrow(2, 0, H * W)).reshape([...inShape]);
  });
  recordOp('avgPool2dBackward', [g], out, { ...p, inShape: [...inShape] });
  return out;
});
