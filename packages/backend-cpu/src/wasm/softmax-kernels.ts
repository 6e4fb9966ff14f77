/**
 * WebAssembly SIMD softmax / logSoftmax rows, forward and backward, for the fused cpu kernels
 * (Note [Fused softmax] in kernels/softmax.ts), on float32 buffers in the wasm heap (Note [Wasm
 * heap]), rows of a length that is a multiple of 4. Exports (pointers in bytes, `n4` = the row
 * length / 4, `rows` rows back to back):
 *   `softmax(x, o, rows, n4)`          o = exp(x − max) / Σ exp(x − max)
 *   `logsoftmax(x, o, rows, n4)`       o = (x − max) − log Σ exp(x − max)   (log: the imported Math.log)
 *   `softmax_bwd(y, g, o, rows, n4)`   o = y · (g − Σ g·y)
 *   `logsoftmax_bwd(y, g, o, rows, n4)` o = g − exp(y) · Σ g
 * Sums accumulate in f64 (each f32 term promoted).
 *
 * Note [SIMD exp]
 * exp is Cephes' expf on f32x4: n = floor(x·log2e + ½), r = x − n·C1 − n·C2 (C1 + C2 = ln 2 in
 * two parts), a degree-5 polynomial in r, times 2ⁿ built in the exponent bits; within 2 ulp of
 * the correctly rounded float32 exp (tested against Math.exp). Inputs are clamped to
 * [−88, 88.37]: below −88, n = −127 gives the bits of +0, so exp(−inf) = 0 exactly (masked
 * attention scores); wasm's f32x4.min/max propagate NaN, and a NaN input gives NaN.
 *
 * @example
 * const k = softmaxRowKernels(); // null without wasm SIMD or without the heap
 */
import { ModuleBuilder, ValType, type CodeBuilder } from './assembler.js';
import { EW_PAGES } from './elementwise-kernel.js';
import { getHeap, heapPtr } from './heap.js';
import type { SoftmaxRows } from '../kernels/softmax.js';

const { i32, f32, f64, v128 } = ValType;
const S = {
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Floor: 0x68,
  i32x4TruncSatF32x4S: 0xf8,
  i32x4Splat: 0x11,
  i32x4Add: 0xae,
  i32x4Shl: 0xab,
  f64x2PromoteLow: 0x5f,
  f64x2Add: 0xf0,
  f64x2Extract: 0x21,
  i8x16Shuffle: 0x0d,
} as const;
/** the bytes of f64.const 1 */
const F64_ONE = [...new Uint8Array(new Float64Array([1]).buffer)];
const HIGH_TO_LOW = [8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15];
const EXP_CONSTS = [
  -88, // lo clamp
  88.37626, // hi clamp
  Math.LOG2E,
  0.5,
  0.693359375, // C1
  -2.1219444e-4, // C2
  1.98756915e-4, // p0 … p5
  1.3981999507e-3,
  8.3334519073e-3,
  4.1665795894e-2,
  1.6666665459e-1,
  5.0000001201e-1,
  1,
];

/** Locals of every function: params first, then these (indices from `base`). */
class Locals {
  constructor(readonly base: number) {}
  /** the 13 exp constants, v128 */
  c(i: number): number {
    return this.base + i;
  }
  get e127(): number {
    return this.base + 13;
  }
  /** scratch v128: exp's x, fx, y; t; accumulators lo, hi; splat */
  get ex(): number {
    return this.base + 14;
  }
  get fx(): number {
    return this.base + 15;
  }
  get ey(): number {
    return this.base + 16;
  }
  get t(): number {
    return this.base + 17;
  }
  get lo(): number {
    return this.base + 18;
  }
  get hi(): number {
    return this.base + 19;
  }
  get sp(): number {
    return this.base + 20;
  }
  /** i32 counters and pointers, f32 m, f64 s */
  get k(): number {
    return this.base + 21;
  }
  get pa(): number {
    return this.base + 22;
  }
  get pb(): number {
    return this.base + 23;
  }
  get po(): number {
    return this.base + 24;
  }
  get m(): number {
    return this.base + 25;
  }
  get s(): number {
    return this.base + 26;
  }
  static types(): ValType[] {
    return [...Array<ValType>(21).fill(v128), i32, i32, i32, i32, f32, f64];
  }
}

function setConsts(b: CodeBuilder, L: Locals): void {
  EXP_CONSTS.forEach((c, i) => b.f32Const(c).f32x4Splat().localSet(L.c(i)));
  b.i32Const(127).simd(S.i32x4Splat).localSet(L.e127);
}

/** exp of the f32x4 on the stack (Note [SIMD exp]); leaves the result on the stack. */
function emitExp(b: CodeBuilder, L: Locals): void {
  b.localGet(L.c(0)).simd(S.f32x4Max).localGet(L.c(1)).simd(S.f32x4Min).localSet(L.ex);
  b.localGet(L.ex).localGet(L.c(2)).simd(S.f32x4Mul).localGet(L.c(3)).simd(S.f32x4Add).simd(S.f32x4Floor).localSet(L.fx);
  b.localGet(L.ex).localGet(L.fx).localGet(L.c(4)).simd(S.f32x4Mul).simd(S.f32x4Sub);
  b.localGet(L.fx).localGet(L.c(5)).simd(S.f32x4Mul).simd(S.f32x4Sub).localSet(L.ex);
  b.localGet(L.c(6));
  for (let i = 7; i <= 11; i++) b.localGet(L.ex).simd(S.f32x4Mul).localGet(L.c(i)).simd(S.f32x4Add);
  // y · r² + r + 1
  b.localGet(L.ex).localGet(L.ex).simd(S.f32x4Mul).simd(S.f32x4Mul).localGet(L.ex).simd(S.f32x4Add).localGet(L.c(12)).simd(S.f32x4Add);
  // · 2ⁿ: (n + 127) << 23 as float bits
  b.localGet(L.fx).simd(S.i32x4TruncSatF32x4S).localGet(L.e127).simd(S.i32x4Add).i32Const(23).simd(S.i32x4Shl);
  b.simd(S.f32x4Mul);
}

/** `for (k = n4; k; k--) { body; p += 16 for p in ptrs }` */
function rowLoop(b: CodeBuilder, L: Locals, n4: number, ptrs: number[], body: () => void): void {
  b.localGet(n4).localSet(L.k);
  b.block().loop();
  b.localGet(L.k).op(0x45).brIf(1);
  body();
  for (const p of ptrs) b.localGet(p).i32Const(16).op(0x6a).localSet(p);
  b.localGet(L.k).i32Const(1).op(0x6b).localSet(L.k);
  b.br(0);
  b.end().end();
}

/** lo += promote_low(t); hi += promote_low(high half of t) */
function accumulate(b: CodeBuilder, L: Locals): void {
  b.localGet(L.lo).localGet(L.t).simd(S.f64x2PromoteLow).simd(S.f64x2Add).localSet(L.lo);
  b.localGet(L.hi)
    .localGet(L.t)
    .localGet(L.t)
    .simd(S.i8x16Shuffle)
    .op(...HIGH_TO_LOW);
  b.simd(S.f64x2PromoteLow).simd(S.f64x2Add).localSet(L.hi);
}

/** s = the f64 total of lo and hi; lo = hi = 0 first */
function zeroAcc(b: CodeBuilder, L: Locals): void {
  b.v128Const().localSet(L.lo).v128Const().localSet(L.hi);
}
function total(b: CodeBuilder, L: Locals): void {
  b.localGet(L.lo).simd(S.f64x2Extract).op(0).localGet(L.lo).simd(S.f64x2Extract).op(1).op(0xa0);
  b.localGet(L.hi).simd(S.f64x2Extract).op(0).op(0xa0);
  b.localGet(L.hi).simd(S.f64x2Extract).op(1).op(0xa0).localSet(L.s);
}

/** `for (; rows; rows--) { body; advance each pointer param by one row (n4 · 16 bytes) }` */
function rowsLoop(b: CodeBuilder, rows: number, n4: number, ptrParams: number[], body: () => void): void {
  b.block().loop();
  b.localGet(rows).op(0x45).brIf(1);
  body();
  for (const p of ptrParams) b.localGet(p).localGet(n4).i32Const(4).op(0x74).op(0x6a).localSet(p); // p += n4 << 4
  b.localGet(rows).i32Const(1).op(0x6b).localSet(rows);
  b.br(0);
  b.end().end();
}

/** The module binary; imports the heap's memory and `env.log` (f64 → f64). */
export function buildSoftmaxModule(maxPages: number): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  const log = m.importFunction('env', 'log', [f64], [f64]);
  m.importMemory('env', 'memory', EW_PAGES, maxPages, true);

  for (const isLog of [false, true]) {
    // (x, o, rows, n4)
    const L = new Locals(4);
    const f = m.addFunction([i32, i32, i32, i32], [], Locals.types(), (b) => {
      setConsts(b, L);
      rowsLoop(b, 2, 3, [0, 1], () => {
        // max, NaN-propagating
        b.f32Const(-Infinity).f32x4Splat().localSet(L.t);
        b.localGet(0).localSet(L.pa);
        rowLoop(b, L, 3, [L.pa], () => {
          b.localGet(L.t).localGet(L.pa).v128Load().simd(S.f32x4Max).localSet(L.t);
        });
        b.localGet(L.t).f32x4ExtractLane(0).localGet(L.t).f32x4ExtractLane(1).op(0x97); // f32.max
        b.localGet(L.t).f32x4ExtractLane(2).localGet(L.t).f32x4ExtractLane(3).op(0x97).op(0x97).localSet(L.m);
        b.localGet(L.m).f32x4Splat().localSet(L.sp);
        // Σ exp(x − m), storing the exps for softmax
        zeroAcc(b, L);
        b.localGet(0).localSet(L.pa).localGet(1).localSet(L.po);
        rowLoop(b, L, 3, [L.pa, L.po], () => {
          b.localGet(L.pa).v128Load().localGet(L.sp).simd(S.f32x4Sub);
          emitExp(b, L);
          b.localSet(L.t);
          if (!isLog) b.localGet(L.po).localGet(L.t).v128Store();
          accumulate(b, L);
        });
        total(b, L);
        b.localGet(1).localSet(L.po);
        if (!isLog) {
          // o *= 1 / s
          b.op(0x44, ...F64_ONE)
            .localGet(L.s)
            .op(0xa3)
            .op(0xb6)
            .f32x4Splat()
            .localSet(L.t); // f64.div, f32.demote_f64
          rowLoop(b, L, 3, [L.po], () => {
            b.localGet(L.po).localGet(L.po).v128Load().localGet(L.t).simd(S.f32x4Mul).v128Store();
          });
        } else {
          // o = (x − m) − log s
          b.localGet(L.s).call(log).op(0xb6).f32x4Splat().localSet(L.t);
          b.localGet(0).localSet(L.pa);
          rowLoop(b, L, 3, [L.pa, L.po], () => {
            b.localGet(L.po).localGet(L.pa).v128Load().localGet(L.sp).simd(S.f32x4Sub).localGet(L.t).simd(S.f32x4Sub).v128Store();
          });
        }
      });
    });
    m.exportFunction(isLog ? 'logsoftmax' : 'softmax', f);
  }

  for (const isLog of [false, true]) {
    // (y, g, o, rows, n4)
    const L = new Locals(5);
    const f = m.addFunction([i32, i32, i32, i32, i32], [], Locals.types(), (b) => {
      setConsts(b, L);
      rowsLoop(b, 3, 4, [0, 1, 2], () => {
        zeroAcc(b, L);
        b.localGet(0).localSet(L.pa).localGet(1).localSet(L.pb);
        rowLoop(b, L, 4, [L.pa, L.pb], () => {
          if (isLog) b.localGet(L.pb).v128Load().localSet(L.t);
          else b.localGet(L.pa).v128Load().localGet(L.pb).v128Load().simd(S.f32x4Mul).localSet(L.t);
          accumulate(b, L);
        });
        total(b, L);
        b.localGet(L.s).op(0xb6).f32x4Splat().localSet(L.sp);
        b.localGet(0).localSet(L.pa).localGet(1).localSet(L.pb).localGet(2).localSet(L.po);
        rowLoop(b, L, 4, [L.pa, L.pb, L.po], () => {
          b.localGet(L.po);
          if (isLog) {
            // g − exp(y) · s
            b.localGet(L.pb).v128Load();
            b.localGet(L.pa).v128Load();
            emitExp(b, L);
            b.localGet(L.sp).simd(S.f32x4Mul).simd(S.f32x4Sub);
          } else {
            // y · (g − s)
            b.localGet(L.pa).v128Load().localGet(L.pb).v128Load().localGet(L.sp).simd(S.f32x4Sub).simd(S.f32x4Mul);
          }
          b.v128Store();
        });
      });
    });
    m.exportFunction(isLog ? 'logsoftmax_bwd' : 'softmax_bwd', f);
  }
  return m.toBytes();
}

interface SoftmaxExports {
  softmax(x: number, o: number, rows: number, n4: number): void;
  logsoftmax(x: number, o: number, rows: number, n4: number): void;
  softmax_bwd(y: number, g: number, o: number, rows: number, n4: number): void;
  logsoftmax_bwd(y: number, g: number, o: number, rows: number, n4: number): void;
}

let kernels: SoftmaxRows | null | undefined;

/**
 * The wasm rows as the fused softmax kernel's {@link SoftmaxRows}, or null without wasm SIMD or
 * without the heap. They decline (false) non-float32 arrays, arrays outside the heap and rows
 * whose length is not a multiple of 4.
 *
 * @example
 * softmaxFast.rows = softmaxRowKernels();
 */
export function softmaxRowKernels(): SoftmaxRows | null {
  if (kernels !== undefined) return kernels;
  kernels = null;
  try {
    const h = getHeap(EW_PAGES);
    if (!h) return kernels;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(buildSoftmaxModule(h.maxPages)), {
      env: { memory: h.memory, log: Math.log },
    });
    const e = inst.exports as unknown as SoftmaxExports;
    const ptr = (a: Float32Array | Float64Array) => (a instanceof Float32Array ? heapPtr(a) : -1);
    kernels = {
      forward(x, xo, o, oo, rows, n, log) {
        const px = ptr(x);
        const po = ptr(o);
        if (px < 0 || po < 0 || n % 4 !== 0 || n === 0) return false;
        (log ? e.logsoftmax : e.softmax)(px + xo * 4, po + oo * 4, rows, n >> 2);
        return true;
      },
      backward(y, yo, g, go, o, oo, rows, n, log) {
        const py = ptr(y);
        const pg = ptr(g);
        const po = ptr(o);
        if (py < 0 || pg < 0 || po < 0 || n % 4 !== 0 || n === 0) return false;
        (log ? e.logsoftmax_bwd : e.softmax_bwd)(py + yo * 4, pg + go * 4, po + oo * 4, rows, n >> 2);
        return true;
      },
    };
  } catch {
    kernels = null; // no SIMD: the JS loops run
  }
  return kernels;
}
