/**
 * The WebAssembly kernels of max pooling, forward and backward, in place on wasm-heap buffers
 * (Note [Wasm heap] in heap.ts); pool-kernels.ts calls them.
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
 *  - `mps1` / `mps2`: any window with stride 1 or 2 along W, four adjacent outputs per step for
 *    the columns whose windows lie inside the row (stride 2 splits 8 loaded floats as above);
 *    `mpg`: the other columns (a list), one output at a time with branch-free selects. Rows are
 *    clipped through a table of [first tap, tap count] per output row (and column for `mpg`).
 *  - `mpb(g, ix, o, NC, HW, L) -> i32`: zero each input plane (`memory.fill`), then add every
 *    grad value at its index; returns the flat position of the first index outside the plane
 *    (the caller raises), or -1.
 *  - `apg` / `apb`: average pooling forward and backward (scalar; f64 sums, PyTorch's divisor per
 *    output position from a table).
 * Indices are int32 arrays outside the heap: they are staged through a scratch block.
 */
import { ModuleBuilder, ValType, type CodeBuilder } from './assembler.js';

const { i32, f32, f64, v128 } = ValType;
const I32_ADD = 0x6a;
const I32_SUB = 0x6b;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;
const I32_GE_S = 0x4e;
const I32_GE_U = 0x4f;
const F32_ADD = 0x92;
const F64_LOAD = 0x2b;
const F64_ADD = 0xa0;
const F64_DIV = 0xa3;
const F64_PROMOTE_F32 = 0xbb;
const F32_DEMOTE_F64 = 0xb6;
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

/**
 * The module (see the Note): `mp2`, `mpb`, `mpg`, `mps1`, `mps2` over the heap's shared memory,
 * imported as `env.memory`.
 *
 * @example
 * new WebAssembly.Instance(new WebAssembly.Module(buildPoolModule(h.maxPages)), { env: { memory: h.memory } });
 */
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

  // mpg: any window, the output columns listed at cl (ncl of them). params x0 o1 ix2 NC3 H4 W5 OH6 OW7 rt8 ct9 dh10
  // dw11 cl12 ncl13 (rt/ct: [start, count] int32 pairs per output row / column, the taps inside the input); i32 locals
  // nc14 oh15 ow16 plane17 hs18 hc19 ws20 wc21 a22 c23 rp24 p25 bi26 row27 el28 op29 ip30 dhb31 dwb32 k33 orow34;
  // f32 locals best35 v36; i32 cnd37
  const mpg = m.addFunction(
    [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32],
    [],
    [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, f32, f32, i32],
    (b) => {
      const [x, o, ix, NC, H, W, OH, OW, rt, ct, dh, dw, cl, ncl] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13];
      const [nc, oh, ow, plane, hs, hc, ws, wc, a, c, rp, p, bi, row, el, op, ip, dhb, dwb, k, orow] = [
        14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
      ];
      const [best, v, cnd] = [35, 36, 37];
      b.localGet(dh).localGet(W).op(I32_MUL).i32Const(2).op(I32_SHL).localSet(dhb);
      b.localGet(dw).i32Const(2).op(I32_SHL).localSet(dwb);
      forLoop(b, nc, NC, () => {
        b.localGet(nc).localGet(H).op(I32_MUL).localGet(W).op(I32_MUL).i32Const(2).op(I32_SHL).localGet(x).op(I32_ADD).localSet(plane);
        forLoop(b, oh, OH, () => {
          b.localGet(oh).i32Const(3).op(I32_SHL).localGet(rt).op(I32_ADD).localTee(p).i32Load(0).localSet(hs);
          b.localGet(p).i32Load(4).localSet(hc);
          b.localGet(nc).localGet(OH).op(I32_MUL).localGet(oh).op(I32_ADD).localGet(OW).op(I32_MUL).i32Const(2).op(I32_SHL).localSet(orow);
          forLoop(b, k, ncl, () => {
            b.localGet(k).i32Const(2).op(I32_SHL).localGet(cl).op(I32_ADD).i32Load(0).localSet(ow);
            b.localGet(ow).i32Const(2).op(I32_SHL).localGet(orow).op(I32_ADD).localTee(op).localGet(ix).op(I32_ADD).localSet(ip);
            b.localGet(op).localGet(o).op(I32_ADD).localSet(op);
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
          });
        });
      });
    },
  );
  m.exportFunction('mpg', mpg);

  // mps1 / mps2: stride 1 / 2 along W, four adjacent output columns per f32x4 step, over columns c0 ..< c0 + 4 * G
  // whose windows lie inside the row (no clipping along W; rows clipped by rt). params x0 o1 ix2 NC3 H4 W5 OH6 OW7 rt8
  // KW9 pw10 dw11 dh12 c0_13 G14; i32 locals nc15 oh16 j17 a18 kw19 plane20 hs21 hc22 rp23 col24 op25 ip26 h27 ow28;
  // v128 locals best29 bi30 v31 m32 lanes33 A34
  for (const sw of [1, 2]) {
    const f = m.addFunction(
      [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32],
      [],
      [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, v128, v128, v128, v128, v128, v128],
      (b) => {
        const [x, o, ix, NC, H, W, OH, OW, rt, KW, pw, dw, dh, c0, G] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14];
        const [nc, oh, j, a, kw, plane, hs, hc, rp, col, op, ip, h, ow] = [15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28];
        const [best, bi, v, mask, lanes, A] = [29, 30, 31, 32, 33, 34];
        b.v128Const(i32x4([0, sw, 2 * sw, 3 * sw])).localSet(lanes);
        forLoop(b, nc, NC, () => {
          b.localGet(nc).localGet(H).op(I32_MUL).localGet(W).op(I32_MUL).i32Const(2).op(I32_SHL).localGet(x).op(I32_ADD).localSet(plane);
          forLoop(b, oh, OH, () => {
            b.localGet(oh).i32Const(3).op(I32_SHL).localGet(rt).op(I32_ADD).localTee(rp).i32Load(0).localSet(hs);
            b.localGet(rp).i32Load(4).localSet(hc);
            forLoop(b, j, G, () => {
              // ow = c0 + 4j; outputs at ((nc * OH + oh) * OW + ow) * 4
              b.localGet(j).i32Const(2).op(I32_SHL).localGet(c0).op(I32_ADD).localSet(ow);
              b.localGet(nc).localGet(OH).op(I32_MUL).localGet(oh).op(I32_ADD).localGet(OW).op(I32_MUL).localGet(ow).op(I32_ADD);
              b.i32Const(2).op(I32_SHL).localTee(op).localGet(ix).op(I32_ADD).localSet(ip);
              b.localGet(op).localGet(o).op(I32_ADD).localSet(op);
              // best = -inf; bi = first tap of each window: hs * W + ow * sw - pw + lanes
              b.v128Const(new Uint8Array(new Float32Array([-Infinity, -Infinity, -Infinity, -Infinity]).buffer)).localSet(best);
              b.localGet(hs)
                .localGet(W)
                .op(I32_MUL)
                .localGet(ow)
                .i32Const(sw - 1)
                .op(I32_SHL)
                .op(I32_ADD)
                .localGet(pw)
                .op(I32_SUB);
              b.simd(I32X4_SPLAT).localGet(lanes).simd(I32X4_ADD).localSet(bi);
              b.localGet(hs).localSet(h);
              forLoop(b, a, hc, () => {
                // col = ow * sw - pw, stepping by dw
                b.localGet(ow)
                  .i32Const(sw - 1)
                  .op(I32_SHL)
                  .localGet(pw)
                  .op(I32_SUB)
                  .localSet(col);
                forLoop(b, kw, KW, () => {
                  // rp = plane + (h * W + col) * 4
                  b.localGet(h)
                    .localGet(W)
                    .op(I32_MUL)
                    .localGet(col)
                    .op(I32_ADD)
                    .i32Const(2)
                    .op(I32_SHL)
                    .localGet(plane)
                    .op(I32_ADD)
                    .localSet(rp);
                  if (sw === 1) b.localGet(rp).v128Load(0).localSet(v);
                  else {
                    b.localGet(rp).v128Load(0).localSet(A);
                    b.localGet(A)
                      .localGet(rp)
                      .v128Load(16)
                      .simd(SHUFFLE)
                      .op(...EVEN)
                      .localSet(v);
                  }
                  b.localGet(v).localGet(best).simd(F32X4_GT).localGet(v).localGet(v).simd(F32X4_NE).simd(V128_OR).localSet(mask);
                  b.localGet(v).localGet(best).localGet(mask).simd(V128_BITSELECT).localSet(best);
                  b.localGet(h).localGet(W).op(I32_MUL).localGet(col).op(I32_ADD).simd(I32X4_SPLAT).localGet(lanes).simd(I32X4_ADD);
                  b.localGet(bi).localGet(mask).simd(V128_BITSELECT).localSet(bi);
                  b.localGet(col).localGet(dw).op(I32_ADD).localSet(col);
                });
                b.localGet(h).localGet(dh).op(I32_ADD).localSet(h);
              });
              b.localGet(op).localGet(best).v128Store(0);
              b.localGet(ip).localGet(bi).v128Store(0);
            });
          });
        });
      },
    );
    m.exportFunction(`mps${sw}`, f);
  }

  // apg: average pooling forward, any window without dilation. params x0 o1 NC2 H3 W4 OH5 OW6 rt7 ct8 dv9 (rt/ct as
  // mpg's; dv: the f64 divisor of each output position, +inf where no element counts); i32 locals nc10 oh11 ow12
  // plane13 hs14 hc15 ws16 wc17 a18 c19 p20 rp21 op22 q23 wb24; f64 acc25. Sums in f64, as the JS kernels.
  // apb: its backward, params g0 o1 … as apg (o: the input-shaped gradient, zeroed plane by plane); f32 v25 (acc's slot).
  for (const backward of [false, true]) {
    const f = m.addFunction(
      [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32],
      [],
      [i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, i32, backward ? f32 : f64],
      (b) => {
        const [x, o, NC, H, W, OH, OW, rt, ct, dv] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
        const [nc, oh, ow, plane, hs, hc, ws, wc, a, c, p, rp, op, q, wb, acc] = [
          10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25,
        ];
        b.localGet(W).i32Const(2).op(I32_SHL).localSet(wb);
        b.localGet(backward ? x : o).localSet(op); // forward: the output cursor; backward: the grad cursor
        forLoop(b, nc, NC, () => {
          b.localGet(nc)
            .localGet(H)
            .op(I32_MUL)
            .localGet(wb)
            .op(I32_MUL)
            .localGet(backward ? o : x)
            .op(I32_ADD)
            .localSet(plane);
          if (backward) b.localGet(plane).i32Const(0).localGet(H).localGet(wb).op(I32_MUL).op(0xfc, 0x0b, 0x00); // memory.fill
          b.localGet(dv).localSet(q);
          forLoop(b, oh, OH, () => {
            b.localGet(oh).i32Const(3).op(I32_SHL).localGet(rt).op(I32_ADD).localTee(p).i32Load(0).localSet(hs);
            b.localGet(p).i32Load(4).localSet(hc);
            forLoop(b, ow, OW, () => {
              b.localGet(ow).i32Const(3).op(I32_SHL).localGet(ct).op(I32_ADD).localTee(p).i32Load(0).localSet(ws);
              b.localGet(p).i32Load(4).localSet(wc);
              if (backward) {
                // v = f32(g / divisor)
                b.localGet(op).f32Load(0).op(F64_PROMOTE_F32).localGet(q).mem(F64_LOAD, 3, 0).op(F64_DIV).op(F32_DEMOTE_F64).localSet(acc);
              } else {
                b.op(0x44, 0, 0, 0, 0, 0, 0, 0, 0).localSet(acc); // f64.const 0
              }
              b.localGet(hs)
                .localGet(W)
                .op(I32_MUL)
                .localGet(ws)
                .op(I32_ADD)
                .i32Const(2)
                .op(I32_SHL)
                .localGet(plane)
                .op(I32_ADD)
                .localSet(rp);
              forLoop(b, a, hc, () => {
                b.localGet(rp).localSet(p);
                forLoop(b, c, wc, () => {
                  if (backward) b.localGet(p).localGet(p).f32Load(0).localGet(acc).op(F32_ADD).f32Store(0);
                  else b.localGet(acc).localGet(p).f32Load(0).op(F64_PROMOTE_F32).op(F64_ADD).localSet(acc);
                  addTo(b, p, 4);
                });
                b.localGet(rp).localGet(wb).op(I32_ADD).localSet(rp);
              });
              if (!backward) b.localGet(op).localGet(acc).localGet(q).mem(F64_LOAD, 3, 0).op(F64_DIV).op(F32_DEMOTE_F64).f32Store(0);
              addTo(b, op, 4);
              addTo(b, q, 8);
            });
          });
        });
      },
    );
    m.exportFunction(backward ? 'apb' : 'apg', f);
  }
  return m.toBytes();
}
