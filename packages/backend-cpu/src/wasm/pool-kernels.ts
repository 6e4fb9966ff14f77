/**
 * Max pooling forward (2x2, stride 2) and backward on WebAssembly, in place on wasm-heap
 * buffers (Note [Wasm heap] in heap.ts).
 *
 * Note [Max pooling in wasm]
 * JS loops over heap arrays (views of a growable shared memory) run several times slower than
 * over plain typed arrays; these kernels do the work inside the memory instead.
 *  - `mp2(x, o, ix, NC, H, W, OH, OW, G4)`: 2x2 stride-2 windows (no padding, every window
 *    inside the input), four outputs per step: the two input rows are loaded 8 floats at a time
 *    and split into even and odd columns (`i8x16.shuffle`), giving the window's four values
 *    a, b, c, d for four outputs; torch's rule `v > max || isnan(v)` (in window order a, b, c,
 *    d) is `f32x4.gt | f32x4.ne(v, v)` and `v128.bitselect` of the value and of the index
 *    offset (0, 1, W, W + 1). When OW is not a multiple of 4, one more group ends at the last
 *    column, overlapping the previous one by `back` outputs (rewritten with the same values).
 *  - `mpb(g, ix, o, NC, HW, L) -> i32`: zero each input plane (`memory.fill`), then add every
 *    grad value at its index; returns the flat position of the first index outside the plane
 *    (the caller raises), or -1.
 * Indices are int32 arrays outside the heap: they are staged through a scratch block.
 */
import type { Pool2dParams, TensorView } from '@dl/tensor/backend';
import { IndexError } from '@dl/tensor';
import { ModuleBuilder, ValType, type CodeBuilder } from './assembler.js';
import { getHeap, heapAlloc, heapF32, heapFree, heapPtr } from './heap.js';

const { i32, f32, v128 } = ValType;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;
const I32_GE_S = 0x4e;
const I32_GE_U = 0x4f;
const F32_ADD = 0x92;
const F32_NE = 0x5c;
const SELECT = 0x1b;
const F32_GT = 0x5e;
const SHUFFLE = 0x0d;
const I32X4_SPLAT = 0x11;
const I32X4_ADD = 0xae;
const I32X4_SUB = 0xb1;
const F32X4_NE = 0x42;
const F32X4_GT = 0x44;
const V128_OR = 0x50;
const V128_BITSELECT = 0x52;
const EVEN = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD = EVEN.map((x) => x + 4);

/** `for (i = 0; i < n; i++) body` over i32 locals. */
function forLoop(b: CodeBuilder, i: number, n: number, body: () => void): void {
  b.i32Const(0).localSet(i);
  b.block().loop();
  b.localGet(i).localGet(n).op(I32_GE_S).brIf(1);
  body();
  b.localGet(i).i32Const(1).op(I32_ADD).localSet(i);
  b.br(0);
  b.end().end();
}
function addTo(b: CodeBuilder, local: number, bytes: number): void {
  b.localGet(local).i32Const(bytes).op(I32_ADD).localSet(local);
}
function i32x4(values: readonly number[]): Uint8Array {
  return new Uint8Array(new Int32Array(values).buffer);
}

/** The module: `mp2` and `mpb` (see the Note) over the heap's memory. */
export function buildPoolModule(maxPages: number): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', 1, maxPages, true);

  // mp2: params x0 o1 ix2 NC3 H4 W5 OH6 OW7 G4_8 back9; i32 locals nc10 oh11 j12 r0_13 op14 ip15 wb16;
  // v128 locals base17 best18 offs19 k1_20 kW21 kW1_22 v23 m24 A25 B26
  const mp2 = m.addFunction(
    [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32],
    [],
    [i32, i32, i32, i32, i32, i32, i32, v128, v128, v128, v128, v128, v128, v128, v128, v128, v128],
    (b) => {
      const [x, o, ix, NC, H, W, OH, OW, G4, back] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
      const [nc, oh, j, r0, op, ip, wb] = [10, 11, 12, 13, 14, 15, 16];
      const [base, best, offs, k1, kW, kW1, v, mask, A, B] = [17, 18, 19, 20, 21, 22, 23, 24, 25, 26];
      b.localGet(W).i32Const(2).op(I32_SHL).localSet(wb);
      b.i32Const(1).simd(I32X4_SPLAT).localSet(k1);
      b.localGet(W).simd(I32X4_SPLAT).localSet(kW);
      b.localGet(W).i32Const(1).op(I32_ADD).simd(I32X4_SPLAT).localSet(kW1);
      const step = (load: () => void, k: number) => {
        load();
        b.localSet(v);
        b.localGet(v).localGet(best).simd(F32X4_GT).localGet(v).localGet(v).simd(F32X4_NE).simd(V128_OR).localSet(mask);
        b.localGet(v).localGet(best).localGet(mask).simd(V128_BITSELECT).localSet(best);
        b.localGet(k).localGet(offs).localGet(mask).simd(V128_BITSELECT).localSet(offs);
      };
      forLoop(b, nc, NC, () => {
        forLoop(b, oh, OH, () => {
          // r0 = x + ((nc * H + 2 * oh) * W) * 4; op/ip = base + ((nc * OH + oh) * OW) * 4
          b.localGet(nc).localGet(H).op(I32_MUL).localGet(oh).i32Const(1).op(I32_SHL).op(I32_ADD).localGet(wb).op(I32_MUL);
          b.localGet(x).op(I32_ADD).localSet(r0);
          b.localGet(nc).localGet(OH).op(I32_MUL).localGet(oh).op(I32_ADD).localGet(OW).op(I32_MUL).i32Const(2).op(I32_SHL);
          b.localTee(op).localGet(ix).op(I32_ADD).localSet(ip);
          b.localGet(op).localGet(o).op(I32_ADD).localSet(op);
          // base = splat(2 * oh * W) + (0, 2, 4, 6)
          b.localGet(oh).i32Const(1).op(I32_SHL).localGet(W).op(I32_MUL).simd(I32X4_SPLAT);
          b.v128Const(i32x4([0, 2, 4, 6]))
            .simd(I32X4_ADD)
            .localSet(base);
          const group = () => {
            b.localGet(r0).v128Load(0).localSet(A);
            b.localGet(r0).v128Load(16).localSet(B);
            b.localGet(A)
              .localGet(B)
              .simd(SHUFFLE)
              .op(...EVEN)
              .localSet(best);
            b.v128Const().localSet(offs);
            step(
              () =>
                b
                  .localGet(A)
                  .localGet(B)
                  .simd(SHUFFLE)
                  .op(...ODD),
              k1,
            );
            b.localGet(r0).localGet(wb).op(I32_ADD).v128Load(0).localSet(A);
            b.localGet(r0).localGet(wb).op(I32_ADD).v128Load(16).localSet(B);
            step(
              () =>
                b
                  .localGet(A)
                  .localGet(B)
                  .simd(SHUFFLE)
                  .op(...EVEN),
              kW,
            );
            step(
              () =>
                b
                  .localGet(A)
                  .localGet(B)
                  .simd(SHUFFLE)
                  .op(...ODD),
              kW1,
            );
            b.localGet(op).localGet(best).v128Store(0);
            b.localGet(ip).localGet(base).localGet(offs).simd(I32X4_ADD).v128Store(0);
            b.localGet(base)
              .v128Const(i32x4([8, 8, 8, 8]))
              .simd(I32X4_ADD)
              .localSet(base);
            addTo(b, r0, 32);
            addTo(b, op, 16);
            addTo(b, ip, 16);
          };
          forLoop(b, j, G4, group);
          // OW % 4 columns left: one more group ending at the row's last column (it recomputes
          // `back` outputs of the previous group, with the same values)
          b.localGet(back).if();
          b.localGet(r0).localGet(back).i32Const(3).op(I32_SHL).op(I32_SUB).localSet(r0);
          b.localGet(op).localGet(back).i32Const(2).op(I32_SHL).op(I32_SUB).localSet(op);
          b.localGet(ip).localGet(back).i32Const(2).op(I32_SHL).op(I32_SUB).localSet(ip);
          b.localGet(base).localGet(back).i32Const(1).op(I32_SHL).simd(I32X4_SPLAT).simd(I32X4_SUB).localSet(base);
          group();
          b.end();
        });
      });
    },
  );
  m.exportFunction('mp2', mp2);

  // mpb: params g0 ix1 o2 NC3 HW4 L5 -> i32; locals nc6 l7 pb8 k9 q10 addr11
  const mpb = m.addFunction([i32, i32, i32, i32, i32, i32], [i32], [i32, i32, i32, i32, i32, i32], (b) => {
    const [g, ix, o, NC, HW, L] = [0, 1, 2, 3, 4, 5];
    const [nc, l, pb, k, q, addr] = [6, 7, 8, 9, 10, 11];
    b.i32Const(0).localSet(q);
    forLoop(b, nc, NC, () => {
      b.localGet(nc).localGet(HW).op(I32_MUL).i32Const(2).op(I32_SHL).localGet(o).op(I32_ADD).localSet(pb);
      b.localGet(pb).i32Const(0).localGet(HW).i32Const(2).op(I32_SHL).op(0xfc, 0x0b, 0x00); // memory.fill
      forLoop(b, l, L, () => {
        b.localGet(ix).i32Load(0).localTee(k).localGet(HW).op(I32_GE_U).if();
        b.localGet(q).op(0x0f); // return q
        b.end();
        b.localGet(k).i32Const(2).op(I32_SHL).localGet(pb).op(I32_ADD).localTee(addr);
        b.localGet(addr).f32Load(0).localGet(g).f32Load(0).op(F32_ADD).f32Store(0);
        addTo(b, g, 4);
        addTo(b, ix, 4);
        addTo(b, q, 1);
      });
    });
    b.i32Const(-1);
  });
  m.exportFunction('mpb', mpb);

  // mpg: any window. params x0 o1 ix2 NC3 H4 W5 OH6 OW7 rt8 ct9 dh10 dw11 (rt/ct: [start, count] int32 pairs per
  // output row / column, the taps inside the input); i32 locals nc12 oh13 ow14 plane15 hs16 hc17 ws18 wc19 a20 c21
  // rp22 p23 bi24 row25 el26 op27 ip28 dhb29 dwb30; f32 locals best31 v32; i32 cnd33
  const mpg = m.addFunction(
    [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32],
    [],
    [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, i32],
    (b) => {
      const [x, o, ix, NC, H, W, OH, OW, rt, ct, dh, dw] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
      const [nc, oh, ow, plane, hs, hc, ws, wc, a, c, rp, p, bi, row, el, op, ip, dhb, dwb] = [
        12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
      ];
      const [best, v, cnd] = [31, 32, 33];
      b.localGet(dh).localGet(W).op(I32_MUL).i32Const(2).op(I32_SHL).localSet(dhb);
      b.localGet(dw).i32Const(2).op(I32_SHL).localSet(dwb);
      b.localGet(o).localSet(op);
      b.localGet(ix).localSet(ip);
      forLoop(b, nc, NC, () => {
        b.localGet(nc).localGet(H).op(I32_MUL).localGet(W).op(I32_MUL).i32Const(2).op(I32_SHL).localGet(x).op(I32_ADD).localSet(plane);
        forLoop(b, oh, OH, () => {
          b.localGet(oh).i32Const(3).op(I32_SHL).localGet(rt).op(I32_ADD).localTee(p).i32Load(0).localSet(hs);
          b.localGet(p).i32Load(4).localSet(hc);
          forLoop(b, ow, OW, () => {
            b.localGet(ow).i32Const(3).op(I32_SHL).localGet(ct).op(I32_ADD).localTee(p).i32Load(0).localSet(ws);
            b.localGet(p).i32Load(4).localSet(wc);
            b.f32Const(Number.NEGATIVE_INFINITY).localSet(best);
            // torch's first index: the first tap inside the input (0 for a window with none)
            b.localGet(hs).localGet(W).op(I32_MUL).localGet(ws).op(I32_ADD).localTee(row).localSet(bi);
            b.localGet(hc).i32Const(0).op(0x4c).localGet(wc).i32Const(0).op(0x4c).op(0x72).if(); // hc <= 0 | wc <= 0
            b.i32Const(0).localSet(bi);
            b.end();
            b.localGet(row).i32Const(2).op(I32_SHL).localGet(plane).op(I32_ADD).localSet(rp);
            forLoop(b, a, hc, () => {
              b.localGet(rp).localSet(p);
              b.localGet(row).localSet(el);
              forLoop(b, c, wc, () => {
                // branch-free (random data mispredicts): cnd = v > best | v != v; best, bi = select(…)
                b.localGet(p).f32Load(0).localTee(v).localGet(best).op(F32_GT).localGet(v).localGet(v).op(F32_NE).op(0x72).localSet(cnd);
                b.localGet(v).localGet(best).localGet(cnd).op(SELECT).localSet(best);
                b.localGet(el).localGet(bi).localGet(cnd).op(SELECT).localSet(bi);
                b.localGet(p).localGet(dwb).op(I32_ADD).localSet(p);
                b.localGet(el).localGet(dw).op(I32_ADD).localSet(el);
              });
              b.localGet(rp).localGet(dhb).op(I32_ADD).localSet(rp);
              b.localGet(row).localGet(dh).localGet(W).op(I32_MUL).op(I32_ADD).localSet(row);
            });
            b.localGet(op).localGet(best).f32Store(0);
            b.localGet(ip).localGet(bi).i32Store(0);
            addTo(b, op, 4);
            addTo(b, ip, 4);
          });
        });
      });
    },
  );
  m.exportFunction('mpg', mpg);
  return m.toBytes();
}

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
  ) => void;
}
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

/** Heap blocks for staging int32 data (indices, window tables), one per slot, kept between calls and grown as needed. */
const scratch = [
  { ptr: -1, bytes: 0 },
  { ptr: -1, bytes: 0 },
];
function scratchInt32(n: number, slot = 0): { ptr: number; view: Int32Array } | null {
  const bytes = Math.max(n, 1) * 4;
  const s = scratch[slot]!;
  if (s.bytes < bytes) {
    if (s.ptr >= 0) heapFree(s.ptr, s.bytes);
    const size = Math.max(bytes, 2 * s.bytes);
    const ptr = heapAlloc(size);
    s.ptr = ptr >= 0 ? ptr : -1;
    s.bytes = ptr >= 0 ? size : 0;
    if (ptr < 0) return null;
  }
  const f = heapF32(s.ptr, n);
  return { ptr: s.ptr, view: new Int32Array(f.buffer, f.byteOffset, n) };
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
  const e = getEngine();
  const s = e && scratchInt32(n, 0);
  const t = e && scratchInt32(2 * (OH + OW), 1);
  if (!e || !s || !t) return false;
  tapTable(t.view, 0, OH, H, p.kernelSize[0], p.stride[0], p.padding[0], p.dilation[0]);
  tapTable(t.view, 2 * OH, OW, W, p.kernelSize[1], p.stride[1], p.padding[1], p.dilation[1]);
  e.mpg(px, po, s.ptr, N * C, H, W, OH, OW, t.ptr, t.ptr + 8 * OH, p.dilation[0], p.dilation[1]);
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
