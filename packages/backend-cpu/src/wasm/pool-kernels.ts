/**
 * Max pooling forward and backward on the wasm kernels of pool-module.ts (Note [Max pooling in
 * wasm]): each function takes the backend's views and returns false to decline (float64,
 * strided views, buffers outside the wasm heap), so the JS kernels run.
 *
 * @example
 * if (!maxPool2dWasm(x, out, indices, p)) maxPool2dFast(x, out, indices, p);
 */
import type { Pool2dParams, TensorView } from '@dl/tensor/backend';
import { IndexError } from '@dl/tensor';
import { getHeap, heapAlloc, heapF32, heapFree, heapPtr } from './heap.js';
import { buildPoolModule } from './pool-module.js';

interface Engine {
  mp2: (x: number, o: number, ix: number, NC: number, H: number, W: number, OH: number, OW: number, G4: number, back: number) => void;
  mpb: (g: number, ix: number, o: number, NC: number, HW: number, L: number) => number;
  mpg: (
    x: number,
    o: number,
    ix: number,
    NC: number,
    H: number,
    W: number,
    OH: number,
    OW: number,
    rt: number,
    ct: number,
    dh: number,
    dw: number,
    cl: number,
    ncl: number,
  ) => void;
  mps1: PoolSimd;
  mps2: PoolSimd;
  apg: AvgPool;
  apb: AvgPool;
}
type AvgPool = (x: number, o: number, NC: number, H: number, W: number, OH: number, OW: number, rt: number, ct: number, dv: number) => void;
type PoolSimd = (
  ...args: [number, number, number, number, number, number, number, number, number, number, number, number, number, number, number]
) => void;
let engine: Engine | null | undefined;
function getEngine(): Engine | null {
  if (engine !== undefined) return engine;
  engine = null;
  try {
    const h = getHeap();
    if (h) {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(buildPoolModule(h.maxPages)), { env: { memory: h.memory } });
      engine = inst.exports as unknown as Engine;
    }
  } catch {
    engine = null;
  }
  return engine;
}

/** Heap blocks for staging int32 / f64 data (indices, window tables, divisors), one per slot, kept between calls and grown as needed. */
const scratch = [
  { ptr: -1, bytes: 0 },
  { ptr: -1, bytes: 0 },
  { ptr: -1, bytes: 0 },
];
function scratchBlock(bytes: number, slot: number): number {
  const s = scratch[slot]!;
  if (s.bytes < bytes) {
    if (s.ptr >= 0) heapFree(s.ptr, s.bytes);
    const size = Math.max(bytes, 2 * s.bytes, 64);
    const ptr = heapAlloc(size);
    s.ptr = ptr >= 0 ? ptr : -1;
    s.bytes = ptr >= 0 ? size : 0;
  }
  return s.ptr;
}
function scratchInt32(n: number, slot = 0): { ptr: number; view: Int32Array } | null {
  const ptr = scratchBlock(Math.max(n, 1) * 4, slot);
  if (ptr < 0) return null;
  const f = heapF32(ptr, n);
  return { ptr, view: new Int32Array(f.buffer, f.byteOffset, n) };
}
function scratchFloat64(n: number, slot: number): { ptr: number; view: Float64Array } | null {
  const ptr = scratchBlock(Math.max(n, 1) * 8, slot); // heap blocks are 64-byte aligned
  if (ptr < 0) return null;
  const f = heapF32(ptr, 2 * n);
  return { ptr, view: new Float64Array(f.buffer, f.byteOffset, n) };
}

function contiguous(v: TensorView): boolean {
  let s = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d]! !== 1 && v.strides[d]! !== s) return false;
    s *= v.shape[d]!;
  }
  return true;
}
function heapF32Ptr(v: TensorView): number {
  if (v.dtype !== 'float32' || !(v.buffer instanceof Float32Array) || !contiguous(v)) return -1;
  const p = heapPtr(v.buffer);
  return p < 0 ? -1 : p + v.offset * 4;
}

/**
 * 2x2 stride-2 max pooling (no padding or dilation, every window inside the input) on wasm
 * SIMD over heap buffers; false to decline (other windows, non-heap or strided views, float64).
 *
 * @example
 * if (!maxPool2x2Wasm(x, out, indices, p)) maxPool2dFast(x, out, indices, p);
 */
export function maxPool2x2Wasm(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): boolean {
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = out.shape[2]!;
  const OW = out.shape[3]!;
  if (KH !== 2 || KW !== 2 || sh !== 2 || sw !== 2 || p.padding[0] !== 0 || p.padding[1] !== 0) return false;
  if (p.dilation[0] !== 1 || p.dilation[1] !== 1 || 2 * OH > H || 2 * OW > W || OW < 4) return false;
  if (indices.dtype !== 'int32' || !contiguous(indices)) return false;
  const px = heapF32Ptr(x);
  const po = heapF32Ptr(out);
  if (px < 0 || po < 0) return false;
  const e = getEngine();
  const n = N * C * OH * OW;
  const s = e && scratchInt32(n);
  if (!e || !s) return false;
  const G4 = OW >> 2;
  e.mp2(px, po, s.ptr, N * C, H, W, OH, OW, G4, OW & 3 ? 4 - (OW & 3) : 0);
  (indices.buffer as Int32Array).set(s.view, indices.offset);
  return true;
}

/** [start, count] of the taps inside [0, size) for each output position along one axis. */
function tapTable(view: Int32Array, at: number, O: number, size: number, k: number, st: number, pad: number, d: number): void {
  for (let o = 0; o < O; o++) {
    const start = o * st - pad;
    let a = 0;
    while (a < k && start + a * d < 0) a++;
    let b = k;
    while (b > a && start + (b - 1) * d >= size) b--;
    view[at + 2 * o] = b > a ? start + a * d : 0;
    view[at + 2 * o + 1] = b - a;
  }
}

/**
 * Max pooling with any window (kernel, stride, padding, dilation, ceil mode) as a scalar wasm
 * loop over heap buffers, torch's rule and first index as the 2x2 kernel; false to decline.
 *
 * @example
 * if (!maxPool2dWasm(x, out, indices, p)) maxPool2dFast(x, out, indices, p);
 */
export function maxPool2dWasm(x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): boolean {
  if (indices.dtype !== 'int32' || !contiguous(indices)) return false;
  const px = heapF32Ptr(x);
  const po = heapF32Ptr(out);
  if (px < 0 || po < 0) return false;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = out.shape[2]!;
  const OW = out.shape[3]!;
  const n = N * C * OH * OW;
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const [dh, dw] = p.dilation;
  // output columns whose windows lie inside the row go four at a time to mps1 / mps2 (stride 1 or 2; stride 2
  // loads 8 floats, one past its last tap); the others, one at a time, to mpg
  let c0 = 0;
  let G = 0;
  if ((sw === 1 || sw === 2) && OW >= 4) {
    const lo = Math.ceil(pw / sw);
    const hi = Math.min(OW, Math.floor((W - 1 - (sw - 1) + pw - (KW - 1) * dw) / sw) + 1);
    if (hi - lo >= 4) {
      c0 = lo;
      G = (hi - lo) >> 2;
    }
  }
  const e = getEngine();
  const s = e && scratchInt32(n, 0);
  const t = e && scratchInt32(2 * (OH + OW) + OW, 1);
  if (!e || !s || !t) return false;
  tapTable(t.view, 0, OH, H, KH, sh, ph, dh);
  tapTable(t.view, 2 * OH, OW, W, KW, sw, pw, dw);
  const clAt = 2 * (OH + OW);
  let ncl = 0;
  for (let ow = 0; ow < OW; ow++) if (ow < c0 || ow >= c0 + 4 * G) t.view[clAt + ncl++] = ow;
  if (G > 0) (sw === 1 ? e.mps1 : e.mps2)(px, po, s.ptr, N * C, H, W, OH, OW, t.ptr, KW, pw, dw, dh, c0, G);
  if (ncl > 0) e.mpg(px, po, s.ptr, N * C, H, W, OH, OW, t.ptr, t.ptr + 8 * OH, dh, dw, t.ptr + 4 * clAt, ncl);
  (indices.buffer as Int32Array).set(s.view, indices.offset);
  return true;
}

/**
 * Max pooling's backward (zero the planes, add each grad at its index) in wasm over heap
 * buffers; false to decline. Raises an IndexError for an index outside its plane.
 *
 * @example
 * if (!maxPool2dBackwardWasm(g, indices, gradIn)) poolBwd.maxPool2dBackward(g, indices, gradIn, p);
 */
export function maxPool2dBackwardWasm(grad: TensorView, indices: TensorView, gradIn: TensorView): boolean {
  if (indices.dtype !== 'int32' || !contiguous(indices)) return false;
  const pg = heapF32Ptr(grad);
  const po = heapF32Ptr(gradIn);
  if (pg < 0 || po < 0) return false;
  const [N, C, H, W] = gradIn.shape as [number, number, number, number];
  const L = grad.shape[2]! * grad.shape[3]!;
  const n = N * C * L;
  const e = getEngine();
  const s = e && scratchInt32(n);
  if (!e || !s) return false;
  const I = indices.buffer as Int32Array;
  s.view.set(I.subarray(indices.offset, indices.offset + n));
  const bad = e.mpb(pg, s.ptr, po, N * C, H * W, L);
  if (bad >= 0) {
    throw new IndexError(
      `maxPool2dBackward: index ${I[indices.offset + bad]} at position ${bad} is out of bounds for an input plane of ${H}x${W}`,
      {
        op: 'maxPool2dBackward',
      },
    );
  }
  return true;
}

/** Window tables and PyTorch's divisor per output position (+inf where no element counts: the output is 0). */
function avgTables(H: number, W: number, OH: number, OW: number, p: Pool2dParams) {
  const e = getEngine();
  const t = e && scratchInt32(2 * (OH + OW), 1);
  const d = e && scratchFloat64(OH * OW, 2);
  if (!e || !t || !d) return null;
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  tapTable(t.view, 0, OH, H, KH, sh, ph, 1);
  tapTable(t.view, 2 * OH, OW, W, KW, sw, pw, 1);
  const include = p.countIncludePad ?? true;
  for (let oh = 0; oh < OH; oh++) {
    const hs = oh * sh - ph;
    const hpad = Math.min(hs + KH, H + ph) - hs;
    const hreal = t.view[2 * oh + 1]!;
    for (let ow = 0; ow < OW; ow++) {
      const ws = ow * sw - pw;
      const wpad = Math.min(ws + KW, W + pw) - ws;
      const n = include ? hpad * wpad : hreal * t.view[2 * OH + 2 * ow + 1]!;
      d.view[oh * OW + ow] = n > 0 ? n : Number.POSITIVE_INFINITY;
    }
  }
  return { e, rt: t.ptr, ct: t.ptr + 8 * OH, dv: d.ptr };
}

function avgOk(p: Pool2dParams): boolean {
  return p.dilation[0] === 1 && p.dilation[1] === 1;
}

/**
 * Average pooling (PyTorch's divisor rules) in wasm over heap buffers, summing in f64 as the JS
 * kernels; false to decline.
 *
 * @example
 * if (!avgPool2dWasm(x, out, p)) avgPool2dFast(x, out, p);
 */
export function avgPool2dWasm(x: TensorView, out: TensorView, p: Pool2dParams): boolean {
  const px = heapF32Ptr(x);
  const po = heapF32Ptr(out);
  if (px < 0 || po < 0 || !avgOk(p)) return false;
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = out.shape[2]!;
  const OW = out.shape[3]!;
  const t = avgTables(H, W, OH, OW, p);
  if (!t) return false;
  t.e.apg(px, po, N * C, H, W, OH, OW, t.rt, t.ct, t.dv);
  return true;
}

/**
 * Average pooling's backward in wasm over heap buffers (zero the planes, add grad / divisor
 * over each window); false to decline.
 *
 * @example
 * if (!avgPool2dBackwardWasm(g, gradIn, p)) poolBwd.avgPool2dBackward(g, gradIn, p);
 */
export function avgPool2dBackwardWasm(grad: TensorView, gradIn: TensorView, p: Pool2dParams): boolean {
  const pg = heapF32Ptr(grad);
  const po = heapF32Ptr(gradIn);
  if (pg < 0 || po < 0 || !avgOk(p)) return false;
  const [N, C, H, W] = gradIn.shape as [number, number, number, number];
  const OH = grad.shape[2]!;
  const OW = grad.shape[3]!;
  const t = avgTables(H, W, OH, OW, p);
  if (!t) return false;
  t.e.apb(pg, po, N * C, H, W, OH, OW, t.rt, t.ct, t.dv);
  return true;
}
