/**
 * Fused softmax / logSoftmax forward and backward along one dim of contiguous float tensors
 * (float32 and float64): one pass for the max, one for the sum of exps, one to write; the
 * backward in two passes (a dot product, then the write). Sums accumulate in float64.
 *
 * Note [Fused softmax]
 * The composite (max, sub, exp, sum, div: five kernels and four temporaries) and these loops
 * give the same values up to float32 rounding, and the same NaNs: the max propagates NaN, a row
 * whose max is +inf gives inf − inf = NaN, and a row of −inf gives −inf − −inf = NaN, as torch.
 * A dim that is not the last one is walked as `outer × n × inner` with `inner` running
 * columns kept in float64 scratch rows, so every pass still reads memory in order.
 *
 * @example
 * softmaxForward(xView, outView, { dim: 1, log: false });
 */
import type { SoftmaxParams, TensorView } from '@dl/tensor/backend';
import type { CpuBuffer } from '../buffer.js';

type F = Float32Array | Float64Array;

/** [outer, n, inner] of a shape around `dim`. */
function split(shape: readonly number[], dim: number): [number, number, number] {
  if (shape.length === 0) return [1, 1, 1]; // a 0-d tensor is one row of one
  let outer = 1;
  let inner = 1;
  for (let i = 0; i < dim; i++) outer *= shape[i]!;
  for (let i = dim + 1; i < shape.length; i++) inner *= shape[i]!;
  return [outer, shape[dim]!, inner];
}

function floatBuffer(op: string, v: TensorView): F {
  const b = v.buffer as CpuBuffer;
  if (!(b instanceof Float32Array || b instanceof Float64Array)) throw new TypeError(`${op}: expected a float tensor, got ${v.dtype}`);
  return b;
}

/**
 * Whole rows (the softmax dim is the last one) that a faster engine may run: the wasm SIMD ones of
 * wasm/softmax-kernels.ts, installed by `installWasmKernels`. Each returns false to decline (the
 * JS loops below then run). Offsets count elements; `rows` rows of `n` back to back.
 */
export interface SoftmaxRows {
  forward(x: F, xo: number, out: F, oo: number, rows: number, n: number, log: boolean): boolean;
  backward(y: F, yo: number, g: F, go: number, out: F, oo: number, rows: number, n: number, log: boolean): boolean;
}

/** The installed fast rows, if any (see {@link SoftmaxRows}). */
export const softmaxFast: { rows: SoftmaxRows | null } = { rows: null };

let scratch = new Float64Array(64);
/** Two float64 scratch rows of `n` values each (reused between calls). */
function rows(n: number): Float64Array {
  if (scratch.length < 2 * n) scratch = new Float64Array(2 * n);
  return scratch;
}

/**
 * softmax (or logSoftmax) of contiguous `x` along `p.dim` into contiguous `out`.
 *
 * @example
 * softmaxForward(x, out, { dim: 1, log: true });
 */
export function softmaxForward(x: TensorView, out: TensorView, p: SoftmaxParams): void {
  const xs = floatBuffer('softmax', x);
  const os = floatBuffer('softmax', out);
  const [outer, n, inner] = split(x.shape, p.dim);
  if (n === 0 || outer * inner === 0) return;
  if (inner === 1) {
    if (softmaxFast.rows?.forward(xs, x.offset, os, out.offset, outer, n, p.log)) return;
    for (let r = 0; r < outer; r++) rowForward(xs, x.offset + r * n, os, out.offset + r * n, n, p.log);
    return;
  }
  const s = rows(inner);
  for (let r = 0; r < outer; r++) {
    const xb = x.offset + r * n * inner;
    const ob = out.offset + r * n * inner;
    // s[0..inner) = max, s[inner..2·inner) = sum of exps
    s.fill(-Infinity, 0, inner);
    s.fill(0, inner, 2 * inner);
    for (let j = 0; j < n; j++) {
      const o = xb + j * inner;
      for (let k = 0; k < inner; k++) {
        const v = xs[o + k]!;
        const m = s[k]!;
        if (v > m || v !== v) s[k] = v;
      }
    }
    for (let j = 0; j < n; j++) {
      const o = xb + j * inner;
      for (let k = 0; k < inner; k++) s[inner + k]! += Math.exp(xs[o + k]! - s[k]!);
    }
    if (p.log) {
      for (let k = 0; k < inner; k++) s[inner + k] = Math.log(s[inner + k]!);
      for (let j = 0; j < n; j++) {
        const o = j * inner;
        for (let k = 0; k < inner; k++) os[ob + o + k] = xs[xb + o + k]! - s[k]! - s[inner + k]!;
      }
    } else {
      for (let k = 0; k < inner; k++) s[inner + k] = 1 / s[inner + k]!;
      for (let j = 0; j < n; j++) {
        const o = j * inner;
        for (let k = 0; k < inner; k++) os[ob + o + k] = Math.exp(xs[xb + o + k]! - s[k]!) * s[inner + k]!;
      }
    }
  }
}

function rowForward(xs: F, xo: number, os: F, oo: number, n: number, log: boolean): void {
  let m = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = xs[xo + i]!;
    if (v > m || v !== v) m = v;
  }
  let sum = 0;
  if (log) {
    for (let i = 0; i < n; i++) sum += Math.exp(xs[xo + i]! - m);
    const ls = Math.log(sum);
    // in float64: (x − m) − log Σ, as the composite's two float32 subtractions up to rounding
    for (let i = 0; i < n; i++) os[oo + i] = xs[xo + i]! - m - ls;
    return;
  }
  for (let i = 0; i < n; i++) {
    const e = Math.exp(xs[xo + i]! - m);
    os[oo + i] = e;
    sum += e;
  }
  const r = 1 / sum;
  // re-read the stored exps: for float32 out that is the rounded exp, as the composite's exp kernel writes
  for (let i = 0; i < n; i++) os[oo + i] = os[oo + i]! * r;
}

/**
 * Gradient of softmax (`y·(g − Σ g·y)`) or logSoftmax (`g − exp(y)·Σ g`) along `p.dim`, from the
 * forward's output `y` and the incoming gradient `g` (contiguous, one shape) into `gradIn`.
 *
 * @example
 * softmaxBackwardKernel(y, g, gradIn, { dim: 1, log: false });
 */
export function softmaxBackwardKernel(y: TensorView, g: TensorView, gradIn: TensorView, p: SoftmaxParams): void {
  const ys = floatBuffer('softmaxBackward', y);
  const gs = floatBuffer('softmaxBackward', g);
  const os = floatBuffer('softmaxBackward', gradIn);
  const [outer, n, inner] = split(y.shape, p.dim);
  if (n === 0 || outer * inner === 0) return;
  const log = p.log;
  if (inner === 1) {
    if (softmaxFast.rows?.backward(ys, y.offset, gs, g.offset, os, gradIn.offset, outer, n, log)) return;
    for (let r = 0; r < outer; r++) {
      const yo = y.offset + r * n;
      const go = g.offset + r * n;
      const oo = gradIn.offset + r * n;
      let dot = 0;
      if (log) for (let i = 0; i < n; i++) dot += gs[go + i]!;
      else for (let i = 0; i < n; i++) dot += gs[go + i]! * ys[yo + i]!;
      if (log) for (let i = 0; i < n; i++) os[oo + i] = gs[go + i]! - Math.exp(ys[yo + i]!) * dot;
      else for (let i = 0; i < n; i++) os[oo + i] = ys[yo + i]! * (gs[go + i]! - dot);
    }
    return;
  }
  const s = rows(inner);
  for (let r = 0; r < outer; r++) {
    const yb = y.offset + r * n * inner;
    const gb = g.offset + r * n * inner;
    const ob = gradIn.offset + r * n * inner;
    s.fill(0, 0, inner);
    for (let j = 0; j < n; j++) {
      const o = j * inner;
      if (log) for (let k = 0; k < inner; k++) s[k]! += gs[gb + o + k]!;
      else for (let k = 0; k < inner; k++) s[k]! += gs[gb + o + k]! * ys[yb + o + k]!;
    }
    for (let j = 0; j < n; j++) {
      const o = j * inner;
      if (log) for (let k = 0; k < inner; k++) os[ob + o + k] = gs[gb + o + k]! - Math.exp(ys[yb + o + k]!) * s[k]!;
      else for (let k = 0; k < inner; k++) os[ob + o + k] = ys[yb + o + k]! * (gs[gb + o + k]! - s[k]!);
    }
  }
}
