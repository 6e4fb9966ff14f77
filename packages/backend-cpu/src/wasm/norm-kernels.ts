/**
 * WebAssembly SIMD loops over contiguous float32 planes for the fused batch norm (Note [Fused
 * batch norm] in kernels/batch-norm.ts), on buffers in the wasm heap (Note [Wasm heap]), by
 * pointer. Exports (pointers in bytes, `n4` = number of 4-float groups; the caller does the
 * tail in JS):
 *   `sum(x, n4) -> f64`                Σ x, each float promoted to f64 (two f64x2 accumulators)
 *   `sqdev(x, n4, mh, ml) -> f64`          Σ (x − m)², the f32 square promoted to f64
 *   `dot(g, x, n4, mh, ml) -> f64`         Σ (x − m) · g, the f32 product promoted to f64
 *   `affine(x, o, n4, mh, ml, a, b)`       o = (x − m) · a + b
 *   `bwd(g, x, o, n4, mh, ml, k, mg, wr)`  o = (g − mg − (x − m) · k) · wr
 * with x − m formed as (x − mh) − ml (Note [Split mean]).
 *
 * @example
 * const k = normPlaneKernels(); // null without wasm SIMD or without the heap
 * if (k?.accepts(x, out)) k.affine(x, 0, out, 0, x.length, 0, 2, 1);
 */
import { ModuleBuilder, ValType, type CodeBuilder } from './assembler.js';
import { EW_PAGES } from './elementwise-kernel.js';
import { getHeap, heapPtr } from './heap.js';
import type { PlaneKernels } from '../kernels/batch-norm.js';

const { i32, f32, f64, v128 } = ValType;
const F32X4 = { add: 0xe4, sub: 0xe5, mul: 0xe6 } as const;
const F64X2_PROMOTE_LOW = 0x5f;
const F64X2_ADD = 0xf0;
const F64X2_EXTRACT = 0x21;
const I8X16_SHUFFLE = 0x0d;
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];

/** `block loop (exit when n == 0) body; n -= 1; br loop end end` */
function countedLoop(b: CodeBuilder, n: number, body: () => void): void {
  b.block().loop();
  b.localGet(n).op(0x45).brIf(1); // i32.eqz
  body();
  b.localGet(n).i32Const(1).op(0x6b).localSet(n); // i32.sub
  b.br(0);
  b.end().end();
}

function bump(b: CodeBuilder, local: number): void {
  b.localGet(local).i32Const(16).op(0x6a).localSet(local); // i32.add
}

/** lo += promote_low(t); hi += promote_low(t's high half) */
function accumulate(b: CodeBuilder, t: number, lo: number, hi: number): void {
  b.localGet(lo).localGet(t).simd(F64X2_PROMOTE_LOW).simd(F64X2_ADD).localSet(lo);
  b.localGet(hi)
    .localGet(t)
    .localGet(t)
    .simd(I8X16_SHUFFLE)
    .op(...HIGH_TO_LOW);
  b.simd(F64X2_PROMOTE_LOW).simd(F64X2_ADD).localSet(hi);
}

/** the f64 sum of the four lanes of lo and hi */
function total(b: CodeBuilder, lo: number, hi: number): void {
  b.localGet(lo).simd(F64X2_EXTRACT).op(0).localGet(lo).simd(F64X2_EXTRACT).op(1).op(0xa0); // f64.add
  b.localGet(hi).simd(F64X2_EXTRACT).op(0).op(0xa0);
  b.localGet(hi).simd(F64X2_EXTRACT).op(1).op(0xa0);
}

/** Splat params `from..from+n-1` into locals `to..to+n-1`. */
function splats(b: CodeBuilder, from: number, to: number, n: number): void {
  for (let i = 0; i < n; i++)
    b.localGet(from + i)
      .f32x4Splat()
      .localSet(to + i);
}

/** push (x − mh) − ml for the 4 floats at the pointer in local `p` (the mean as a float32 pair: Note [Split mean]) */
function centered(b: CodeBuilder, p: number, mh: number, ml: number): void {
  b.localGet(p).v128Load().localGet(mh).simd(F32X4.sub).localGet(ml).simd(F32X4.sub);
}

/**
 * Note [Split mean]
 * The loops take the channel mean as two floats, `mh = fround(mean)` and `ml = fround(mean − mh)`,
 * and form `(x − mh) − ml`: `x − mh` is exact for x near the mean (Sterbenz), so a channel far
 * from zero (values about 1000 ± 4, where a float32 ulp is 6e-5) keeps the precision the float64
 * JS loops have, where one float32 mean would shift every centred value by up to half its ulp.
 */

/** The module binary; imports the heap's memory `env.memory` (shared, `maxPages`). */
export function buildNormModule(maxPages: number): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', EW_PAGES, maxPages, true);
  // sum(x, n4): locals 2 t, 3 lo, 4 hi
  const sum = m.addFunction([i32, i32], [f64], [v128, v128, v128], (b) => {
    countedLoop(b, 1, () => {
      b.localGet(0).v128Load().localSet(2);
      accumulate(b, 2, 3, 4);
      bump(b, 0);
    });
    total(b, 3, 4);
  });
  m.exportFunction('sum', sum);
  // sqdev(x, n4, mh, ml): locals 4, 5 splats, 6 t, 7 lo, 8 hi
  const sqdev = m.addFunction([i32, i32, f32, f32], [f64], [v128, v128, v128, v128, v128], (b) => {
    splats(b, 2, 4, 2);
    countedLoop(b, 1, () => {
      centered(b, 0, 4, 5);
      b.localTee(6).localGet(6).simd(F32X4.mul).localSet(6);
      accumulate(b, 6, 7, 8);
      bump(b, 0);
    });
    total(b, 7, 8);
  });
  m.exportFunction('sqdev', sqdev);
  // dot(g, x, n4, mh, ml): locals 5, 6 splats, 7 t, 8 lo, 9 hi
  const dot = m.addFunction([i32, i32, i32, f32, f32], [f64], [v128, v128, v128, v128, v128], (b) => {
    splats(b, 3, 5, 2);
    countedLoop(b, 2, () => {
      centered(b, 1, 5, 6);
      b.localGet(0).v128Load().simd(F32X4.mul).localSet(7);
      accumulate(b, 7, 8, 9);
      bump(b, 0);
      bump(b, 1);
    });
    total(b, 8, 9);
  });
  m.exportFunction('dot', dot);
  // affine(x, o, n4, mh, ml, a, b): locals 7..10 splats
  const affine = m.addFunction([i32, i32, i32, f32, f32, f32, f32], [], [v128, v128, v128, v128], (b) => {
    splats(b, 3, 7, 4);
    countedLoop(b, 2, () => {
      b.localGet(1);
      centered(b, 0, 7, 8);
      b.localGet(9).simd(F32X4.mul).localGet(10).simd(F32X4.add).v128Store();
      bump(b, 0);
      bump(b, 1);
    });
  });
  m.exportFunction('affine', affine);
  // bwd(g, x, o, n4, mh, ml, k, mg, wr): locals 9..13 splats of mh, ml, k, mg, wr
  const bwd = m.addFunction([i32, i32, i32, i32, f32, f32, f32, f32, f32], [], [v128, v128, v128, v128, v128], (b) => {
    splats(b, 4, 9, 5);
    countedLoop(b, 3, () => {
      b.localGet(2);
      b.localGet(0).v128Load().localGet(12).simd(F32X4.sub); // g − mg
      centered(b, 1, 9, 10);
      b.localGet(11).simd(F32X4.mul); // (x − m) · k
      b.simd(F32X4.sub).localGet(13).simd(F32X4.mul).v128Store();
      bump(b, 0);
      bump(b, 1);
      bump(b, 2);
    });
  });
  m.exportFunction('bwd', bwd);
  return m.toBytes();
}

interface NormExports {
  sum(x: number, n4: number): number;
  sqdev(x: number, n4: number, mh: number, ml: number): number;
  dot(g: number, x: number, n4: number, mh: number, ml: number): number;
  affine(x: number, o: number, n4: number, mh: number, ml: number, a: number, b: number): void;
  bwd(g: number, x: number, o: number, n4: number, mh: number, ml: number, k: number, mg: number, wr: number): void;
}

let kernels: PlaneKernels | null | undefined;

/**
 * The wasm plane loops as batch norm's {@link PlaneKernels}, or null where there is no wasm SIMD
 * or no heap (they read and write heap buffers in place only: `accepts` says whether every array is one).
 *
 * @example
 * batchNormFast.planes = normPlaneKernels();
 */
export function normPlaneKernels(): PlaneKernels | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  try {
    const h = getHeap(EW_PAGES);
    if (!h) return kernels;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(buildNormModule(h.maxPages)), { env: { memory: h.memory } });
    const e = inst.exports as unknown as NormExports;
    kernels = {
      accepts: (...arrays) => arrays.every((a) => a instanceof Float32Array && heapPtr(a) >= 0),
      sum(x, xo, n) {
        const main = n & ~3;
        let s = main > 0 ? e.sum(heapPtr(x) + xo * 4, main >> 2) : 0;
        for (let i = main; i < n; i++) s += x[xo + i]!;
        return s;
      },
      sqdev(x, xo, n, m) {
        const main = n & ~3;
        const mh = Math.fround(m);
        let q = main > 0 ? e.sqdev(heapPtr(x) + xo * 4, main >> 2, mh, m - mh) : 0;
        for (let i = main; i < n; i++) q += (x[xo + i]! - m) ** 2;
        return q;
      },
      dot(g, go, x, xo, n, m) {
        const main = n & ~3;
        const mh = Math.fround(m);
        let s = main > 0 ? e.dot(heapPtr(g) + go * 4, heapPtr(x) + xo * 4, main >> 2, mh, m - mh) : 0;
        for (let i = main; i < n; i++) s += (x[xo + i]! - m) * g[go + i]!;
        return s;
      },
      affine(x, xo, o, oo, n, m, a, b) {
        const main = n & ~3;
        const mh = Math.fround(m);
        if (main > 0) e.affine(heapPtr(x) + xo * 4, heapPtr(o) + oo * 4, main >> 2, mh, m - mh, a, b);
        for (let i = main; i < n; i++) o[oo + i] = (x[xo + i]! - m) * a + b;
      },
      backward(g, go, x, xo, o, oo, n, m, k, mg, wr) {
        const main = n & ~3;
        const mh = Math.fround(m);
        if (main > 0) e.bwd(heapPtr(g) + go * 4, heapPtr(x) + xo * 4, heapPtr(o) + oo * 4, main >> 2, mh, m - mh, k, mg, wr);
        for (let i = main; i < n; i++) o[oo + i] = (g[go + i]! - mg - (x[xo + i]! - m) * k) * wr;
      },
    };
  } catch {
    kernels = null; // no SIMD: the JS loops run
  }
  return kernels;
}
