/**
 * WebAssembly SIMD im2col / col2im loops for conv2d (conv2d.ts), assembled at run time on the
 * GEMM engine's memory (gemm.ts `gemmWorkspace`), so the columns they write are packed by the
 * GEMM's wasm packers where they lie, and the GEMM's C is read back in place.
 *
 * Note [Conv columns in wasm]
 * im2col of narrow rows (LeNet's 10- and 28-wide planes) in JS was the top of the LeNet
 * training profile: a typed-array loop per output row, `fill` calls for the borders. These
 * loops do the whole [Cg*KH*KW, OH*OW] matrix in one call per sample and group: per (c, kh, kw)
 * row and output row `oh`, the input row `ih = oh*sh - ph + kh*dh` is either outside the plane
 * (zeros) or copied over the precomputed column range [lo, hi) of that `kw` (f32x4 loads and
 * stores when the stride is 1; zeros outside it). col2im is the adjoint: the same walk, adding
 * the columns into the input plane (f32x4 when the stride is 1; within one row the targets are
 * distinct, so the vector add is exact and in the same order as the scalar loop).
 *
 * Exports (pointers and `ld` in bytes; `ranges` holds, per kw, the i32 triple
 * (lo, hi, iw0 = lo*sw - pw + kw*dw)):
 *   `im2col(src, Cg, H, W, KH, KW, sh, sw, ph, dh, OH, OW, ranges, dst, ld)`
 *       dst[row, oh*OW + ow] = src[c, ih, iw] (0 outside), src a dense [Cg, H, W] block
 *   `col2im(src, Cg, H, W, KH, KW, sh, sw, ph, dh, OH, OW, ranges, dst, ld)`
 *       dst[c, ih, iw] += src[row, oh*OW + ow], dst a dense [Cg, H, W] block
 *   `rowBias(c, ldc, bias, M, N)`   c[i, j] += bias[i]
 *
 * @example
 * const k = buildIm2colModule(true, 64, 32768); // then instantiate with { env: { memory } }
 */
import { type CodeBuilder, ModuleBuilder, ValType } from './assembler.js';

const { i32, v128 } = ValType;
const ADD = 0x6a,
  SUB = 0x6b,
  MUL = 0x6c,
  EQZ = 0x45,
  GE_U = 0x4f,
  LT_S = 0x48,
  GE_S = 0x4e,
  EQ = 0x46;

/** The exports of {@link buildIm2colModule}. */
export interface Im2colFns {
  im2col(...args: number[]): void;
  col2im(...args: number[]): void;
  rowBias(c: number, ldc: number, bias: number, M: number, N: number): void;
}

/** `local += by` (by a local). */
function addLocal(b: CodeBuilder, local: number, by: number): void {
  b.localGet(local).localGet(by).op(ADD).localSet(local);
}
function addConst(b: CodeBuilder, local: number, n: number): void {
  b.localGet(local).i32Const(n).op(ADD).localSet(local);
}
/** `while (n >= step) body` with `n -= step` (n a local). */
function whileAtLeast(b: CodeBuilder, n: number, step: number, body: () => void): void {
  b.block().loop();
  b.localGet(n).i32Const(step).op(LT_S).brIf(1);
  body();
  b.localGet(n).i32Const(step).op(SUB).localSet(n);
  b.br(0);
  b.end().end();
}

/** Zero `n` floats at byte pointer `p` (both locals, consumed). */
function zero(b: CodeBuilder, p: number, n: number): void {
  whileAtLeast(b, n, 4, () => {
    b.localGet(p).v128Const().v128Store();
    addConst(b, p, 16);
  });
  whileAtLeast(b, n, 1, () => {
    b.localGet(p).f32Const(0).f32Store();
    addConst(b, p, 4);
  });
}

function buildWalk(m: ModuleBuilder, mode: 'im2col' | 'col2im'): number {
  // params
  const SRC = 0,
    CG = 1,
    H = 2,
    W = 3,
    KH = 4,
    KW = 5,
    SH = 6,
    SW = 7,
    PH = 8,
    DH = 9,
    OH = 10,
    OW = 11,
    RANGES = 12,
    DST = 13,
    LD = 14;
  // locals
  const C = 15,
    kh = 16,
    kw = 17,
    PLANE = 18,
    D = 19,
    DP = 20,
    IH = 21,
    oh = 22,
    LO = 23,
    HI = 24,
    IW0 = 25,
    Q = 26,
    P = 27,
    N = 28,
    RP = 29,
    PLANEB = 30,
    SWB = 31,
    ROWB = 32,
    T = 33;
  const params = new Array<ValType>(15).fill(i32);
  const locals = new Array<ValType>(19).fill(i32);
  return m.addFunction(params, [], locals, (b) => {
    b.localGet(H).localGet(W).op(MUL).i32Const(4).op(MUL).localSet(PLANEB);
    b.localGet(SW).i32Const(4).op(MUL).localSet(SWB);
    b.localGet(OW).i32Const(4).op(MUL).localSet(ROWB);
    // the plane walked is src for im2col, dst for col2im; the column matrix the other one
    b.localGet(mode === 'im2col' ? SRC : DST).localSet(PLANE);
    b.localGet(mode === 'im2col' ? DST : SRC).localSet(D);
    b.localGet(CG).localSet(C);
    b.block().loop(); // c
    b.localGet(C).op(EQZ).brIf(1);
    b.i32Const(0).localSet(kh);
    b.block().loop(); // kh
    b.localGet(kh).localGet(KH).op(EQ).brIf(1);
    b.localGet(RANGES).localSet(RP);
    b.localGet(KW).localSet(kw);
    b.block().loop(); // kw
    b.localGet(kw).op(EQZ).brIf(1);
    b.localGet(RP).i32Load(0).localSet(LO);
    b.localGet(RP).i32Load(4).localSet(HI);
    b.localGet(RP).i32Load(8).localSet(IW0);
    b.localGet(D).localSet(DP);
    b.localGet(kh).localGet(DH).op(MUL).localGet(PH).op(SUB).localSet(IH);
    b.localGet(OH).localSet(oh);
    b.block().loop(); // oh
    b.localGet(oh).op(EQZ).brIf(1);
    b.localGet(IH).localGet(H).op(GE_U);
    b.if();
    if (mode === 'im2col') {
      b.localGet(DP).localSet(P);
      b.localGet(OW).localSet(N);
      zero(b, P, N);
    }
    b.else();
    if (mode === 'im2col') {
      b.localGet(DP).localSet(P);
      b.localGet(LO).localSet(N);
      zero(b, P, N);
    }
    // q: the plane at (ih, iw0); p: the column row at lo
    b.localGet(PLANE).localGet(IH).localGet(W).op(MUL).localGet(IW0).op(ADD).i32Const(4).op(MUL).op(ADD).localSet(Q);
    b.localGet(DP).localGet(LO).i32Const(4).op(MUL).op(ADD).localSet(P);
    b.localGet(HI).localGet(LO).op(SUB).localSet(N);
    b.localGet(SW).i32Const(1).op(EQ);
    b.if();
    if (mode === 'im2col') {
      // runs of 4+: f32x4 copies, the last 1..3 floats as one f32x4 copy of the run's last 4
      // (rewriting up to 3 floats with the same values); shorter runs take the scalar loop
      b.localGet(N).i32Const(4).op(GE_S);
      b.if();
      whileAtLeast(b, N, 4, () => {
        b.localGet(P).localGet(Q).v128Load().v128Store();
        addConst(b, P, 16);
        addConst(b, Q, 16);
      });
      b.localGet(N).op(EQZ).op(EQZ);
      b.if();
      b.localGet(N).i32Const(4).op(MUL).i32Const(16).op(SUB).localSet(T); // -(bytes backed up)
      b.localGet(P).localGet(T).op(ADD).localGet(Q).localGet(T).op(ADD).v128Load().v128Store();
      b.i32Const(0).localSet(N);
      b.end();
      b.end();
    } else {
      whileAtLeast(b, N, 4, () => {
        b.localGet(Q).localGet(Q).v128Load().localGet(P).v128Load().f32x4Add().v128Store();
        addConst(b, P, 16);
        addConst(b, Q, 16);
      });
    }
    b.end();
    whileAtLeast(b, N, 1, () => {
      if (mode === 'im2col') b.localGet(P).localGet(Q).f32Load().f32Store();
      else b.localGet(Q).localGet(Q).f32Load().localGet(P).f32Load().op(0x92).f32Store();
      addConst(b, P, 4);
      addLocal(b, Q, SWB);
    });
    if (mode === 'im2col') {
      b.localGet(DP).localGet(HI).i32Const(4).op(MUL).op(ADD).localSet(P);
      b.localGet(OW).localGet(HI).op(SUB).localSet(N);
      zero(b, P, N);
    }
    b.end(); // if ih outside
    addLocal(b, DP, ROWB);
    addLocal(b, IH, SH);
    b.localGet(oh).i32Const(1).op(SUB).localSet(oh);
    b.br(0);
    b.end().end(); // oh
    addLocal(b, D, LD);
    addConst(b, RP, 12);
    b.localGet(kw).i32Const(1).op(SUB).localSet(kw);
    b.br(0);
    b.end().end(); // kw
    addConst(b, kh, 1);
    b.br(0);
    b.end().end(); // kh
    addLocal(b, PLANE, PLANEB);
    b.localGet(C).i32Const(1).op(SUB).localSet(C);
    b.br(0);
    b.end().end(); // c
  });
}

/** Build the module binary; it imports memory `env.memory` (the GEMM engine's). */
export function buildIm2colModule(shared: boolean, minPages: number, maxPages: number): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', minPages, maxPages, shared);
  m.exportFunction('im2col', buildWalk(m, 'im2col'));
  m.exportFunction('col2im', buildWalk(m, 'col2im'));
  // rowBias(c 0, ldc 1, bias 2, M 3, N 4); locals: row 5, p 6, n 7, splat 8
  const rowBias = m.addFunction([i32, i32, i32, i32, i32], [], [i32, i32, i32, v128], (b) => {
    b.localGet(0).localSet(5);
    b.block().loop();
    b.localGet(3).op(EQZ).brIf(1);
    b.localGet(2).v128Load32Splat().localSet(8);
    b.localGet(5).localSet(6);
    b.localGet(4).localSet(7);
    whileAtLeast(b, 7, 4, () => {
      b.localGet(6).localGet(6).v128Load().localGet(8).f32x4Add().v128Store();
      addConst(b, 6, 16);
    });
    whileAtLeast(b, 7, 1, () => {
      b.localGet(6).localGet(6).f32Load().localGet(2).f32Load().op(0x92).f32Store();
      addConst(b, 6, 4);
    });
    addLocal(b, 5, 1);
    addConst(b, 2, 4);
    b.localGet(3).i32Const(1).op(SUB).localSet(3);
    b.br(0);
    b.end().end();
  });
  m.exportFunction('rowBias', rowBias);
  return m.toBytes();
}
