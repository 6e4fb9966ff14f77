/**
 * Generates the WebAssembly SGEMM macro-kernel with the assembler of this folder.
 *
 * Note [Packed layout]
 * A is packed per K block into row panels of MR rows: panel `p` of the block that
 * starts at `k0` (length `kc`) lives at `k0*Mp + p*MR*kc` floats, element (r, k) at
 * `+ k*MR + r`. B is packed the same way into column panels of NR = 4*NV columns
 * (`k0*Np + q*NR*kc`, element (k, c) at `+ k*NR + c`). Mp, Np are M, N rounded up to
 * MR, NR with zero padding, so the micro-kernel never sees an edge. C is a dense
 * Mp x Np row-major block in linear memory.
 *
 * `kernel(aPtr, bPtr, cPtr, ldcBytes, mPanels, nPanels, kc, first)` computes, for
 * every B panel (outer) and A panel (inner), the MR x NR tile
 * `C (first ? = : +=) Apanel @ Bpanel` with the tile in v128 locals (MR*NV of them),
 * one `load32_splat` of A per row and NV loads of B per k step, and
 * `f32x4.relaxed_madd` (an FMA on x86 with FMA3) or mul+add.
 */
import { ModuleBuilder, ValType, type CodeBuilder } from './assembler.js';

export interface KernelShape {
  /** rows of the register tile */
  mr: number;
  /** v128 columns of the register tile (NR = 4 * nv) */
  nv: number;
  /** k steps per loop iteration; `kc` must be a multiple of it */
  unroll: number;
}

export interface KernelOptions extends KernelShape {
  relaxed: boolean;
  shared: boolean;
  /** memory limits in 64 KiB pages */
  minPages: number;
  maxPages: number;
}

/** Build the module binary; it imports memory `env.memory` and exports `kernel`. */
export function buildGemmModule(o: KernelOptions): Uint8Array<ArrayBuffer> {
  const { mr: MR, nv: NV, relaxed, unroll: U } = o;
  const NR = 4 * NV;
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', o.minPages, o.maxPages, o.shared);
  const i32 = ValType.i32;
  const v128 = ValType.v128;
  // params
  const A = 0,
    B = 1,
    C = 2,
    LDC = 3,
    MP = 4,
    NP = 5,
    KC = 6,
    FIRST = 7;
  // scalar locals
  const BP = 8,
    CCOL = 9,
    NLEFT = 10,
    PA = 11,
    CROW = 12,
    MLEFT = 13,
    PB = 14,
    KLEFT = 15,
    T = 16;
  const nScalar = 9;
  const ACC0 = 8 + nScalar;
  const acc = (r: number, v: number): number => ACC0 + r * NV + v;
  const BV0 = ACC0 + MR * NV;
  const AV = BV0 + NV;
  const locals: ValType[] = [...new Array<ValType>(nScalar).fill(i32), ...new Array<ValType>(MR * NV + NV + 1).fill(v128)];

  const fmaInto = (b: CodeBuilder, r: number, v: number): void => {
    if (relaxed) {
      b.localGet(AV)
        .localGet(BV0 + v)
        .localGet(acc(r, v))
        .f32x4RelaxedMadd()
        .localSet(acc(r, v));
    } else {
      b.localGet(acc(r, v))
        .localGet(AV)
        .localGet(BV0 + v)
        .f32x4Mul()
        .f32x4Add()
        .localSet(acc(r, v));
    }
  };

  const kernel = m.addFunction([i32, i32, i32, i32, i32, i32, i32, i32], [], locals, (b) => {
    b.localGet(B).localSet(BP);
    b.localGet(C).localSet(CCOL);
    b.localGet(NP).localSet(NLEFT);
    b.block().loop(); // Lj
    b.localGet(NLEFT).op(0x45).brIf(1); // i32.eqz -> exit
    b.localGet(A).localSet(PA);
    b.localGet(CCOL).localSet(CROW);
    b.localGet(MP).localSet(MLEFT);
    b.block().loop(); // Li
    b.localGet(MLEFT).op(0x45).brIf(1);
    // init accumulators
    b.localGet(FIRST).if();
    for (let r = 0; r < MR; r++) for (let v = 0; v < NV; v++) b.v128Const().localSet(acc(r, v));
    b.else();
    b.localGet(CROW).localSet(T);
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < NV; v++)
        b.localGet(T)
          .v128Load(v * 16)
          .localSet(acc(r, v));
      if (r + 1 < MR) b.localGet(T).localGet(LDC).op(0x6a).localSet(T);
    }
    b.end();
    // k loop (kc >= 1)
    b.localGet(BP).localSet(PB);
    b.localGet(KC).localSet(KLEFT);
    b.loop();
    for (let u = 0; u < U; u++) {
      for (let v = 0; v < NV; v++)
        b.localGet(PB)
          .v128Load(u * NR * 4 + v * 16)
          .localSet(BV0 + v);
      for (let r = 0; r < MR; r++) {
        b.localGet(PA)
          .v128Load32Splat(u * MR * 4 + r * 4)
          .localSet(AV);
        for (let v = 0; v < NV; v++) fmaInto(b, r, v);
      }
    }
    b.localGet(PA)
      .i32Const(U * MR * 4)
      .op(0x6a)
      .localSet(PA);
    b.localGet(PB)
      .i32Const(U * NR * 4)
      .op(0x6a)
      .localSet(PB);
    b.localGet(KLEFT).i32Const(U).op(0x6b).localTee(KLEFT).brIf(0);
    b.end();
    // store the tile
    b.localGet(CROW).localSet(T);
    for (let r = 0; r < MR; r++) {
      for (let v = 0; v < NV; v++)
        b.localGet(T)
          .localGet(acc(r, v))
          .v128Store(v * 16);
      if (r + 1 < MR) b.localGet(T).localGet(LDC).op(0x6a).localSet(T);
    }
    b.localGet(CROW).localGet(LDC).i32Const(MR).op(0x6c).op(0x6a).localSet(CROW);
    b.localGet(MLEFT).i32Const(1).op(0x6b).localSet(MLEFT);
    b.br(0);
    b.end().end();
    b.localGet(BP)
      .localGet(KC)
      .i32Const(NR * 4)
      .op(0x6c)
      .op(0x6a)
      .localSet(BP);
    b.localGet(CCOL)
      .i32Const(NR * 4)
      .op(0x6a)
      .localSet(CCOL);
    b.localGet(NLEFT).i32Const(1).op(0x6b).localSet(NLEFT);
    b.br(0);
    b.end().end();
  });
  m.exportFunction('kernel', kernel);
  addPackFunctions(m);
  return m.toBytes();
}

/**
 * Note [Packing in wasm]
 * Packing A and B into panels (Note [Packed layout]) in JS cost about as much as the
 * multiply for skinny products (an MLP's M = 64) and for im2col'd convolutions. Instead the
 * operand's span is copied into linear memory with `TypedArray.set` (a memcpy) and packed
 * by these loops, one full panel per call (`n` = k steps; pointers and strides in bytes):
 *   `pack4(src, rs, cs, dst, n)`  dst[4k + r] = src[r*rs + k*cs], r < 4   (A panels, MR = 4)
 *   `pack4c(src, cs, dst, n)`     the same when rs = 4 bytes: one v128 per k
 *   `pack8(src, rs, cs, dst, n)`  dst[8k + c] = src[k*rs + c*cs], c < 8   (B panels, NR = 8)
 *   `pack8r(src, rs, dst, n)`     the same when cs = 4 bytes: two v128 per k
 *   `pack4t(src, rs, dst, n)`     pack4 when cs = 4 bytes (row-major A: weights, activations):
 *                                 four v128 rows of 4 k steps, transposed by shuffles
 *   `pack8t(src, cs, dst, n)`     pack8 when rs = 4 bytes (B^T views, conv's cols^T): the same
 *                                 4x4 transposes over 8 columns
 *   `packEdge(src, rs, cs, dst, n, live, w)`  an edge panel of width w (4 or 8) with `live`
 *                                 rows/columns read (src[r*rs + k*cs]) and the rest zero
 * The transposing packers move 4 k steps per iteration (a scalar tail for the rest). Edge
 * panels were a JS loop over every k: for conv's backward weight (K = N*OH*OW, M = 6 output
 * channels: half of A is its edge panel) that loop cost as much as the product.
 */
function addPackFunctions(m: ModuleBuilder): void {
  const i32 = ValType.i32;
  const add = (b: CodeBuilder, local: number, by: number): void => {
    b.localGet(local).localGet(by).op(0x6a).localSet(local);
  };
  const addConst = (b: CodeBuilder, local: number, n: number): void => {
    b.localGet(local).i32Const(n).op(0x6a).localSet(local);
  };
  const loop = (b: CodeBuilder, n: number, body: () => void): void => {
    b.block().loop();
    b.localGet(n).op(0x45).brIf(1);
    body();
    b.localGet(n).i32Const(1).op(0x6b).localSet(n);
    b.br(0);
    b.end().end();
  };
  // pack4(src 0, rs 1, cs 2, dst 3, n 4); locals s1 5, s2 6, s3 7
  const pack4 = m.addFunction([i32, i32, i32, i32, i32], [], [i32, i32, i32], (b) => {
    b.localGet(0).localGet(1).op(0x6a).localSet(5);
    b.localGet(5).localGet(1).op(0x6a).localSet(6);
    b.localGet(6).localGet(1).op(0x6a).localSet(7);
    loop(b, 4, () => {
      const src = [0, 5, 6, 7];
      for (let r = 0; r < 4; r++)
        b.localGet(3)
          .localGet(src[r]!)
          .f32Load()
          .f32Store(4 * r);
      for (const l of src) add(b, l, 2);
      addConst(b, 3, 16);
    });
  });
  m.exportFunction('pack4', pack4);
  // pack4c(src 0, cs 1, dst 2, n 3)
  const pack4c = m.addFunction([i32, i32, i32, i32], [], [], (b) => {
    loop(b, 3, () => {
      b.localGet(2).localGet(0).v128Load().v128Store();
      add(b, 0, 1);
      addConst(b, 2, 16);
    });
  });
  m.exportFunction('pack4c', pack4c);
  // pack8(src 0, rs 1, cs 2, dst 3, n 4); local p 5
  const pack8 = m.addFunction([i32, i32, i32, i32, i32], [], [i32], (b) => {
    loop(b, 4, () => {
      b.localGet(0).localSet(5);
      for (let c = 0; c < 8; c++) {
        b.localGet(3)
          .localGet(5)
          .f32Load()
          .f32Store(4 * c);
        if (c < 7) add(b, 5, 2);
      }
      add(b, 0, 1);
      addConst(b, 3, 32);
    });
  });
  m.exportFunction('pack8', pack8);
  // pack8r(src 0, rs 1, dst 2, n 3)
  const pack8r = m.addFunction([i32, i32, i32, i32], [], [], (b) => {
    loop(b, 3, () => {
      b.localGet(2).localGet(0).v128Load().v128Store();
      b.localGet(2).localGet(0).v128Load(16).v128Store(16);
      add(b, 0, 1);
      addConst(b, 2, 32);
    });
  });
  m.exportFunction('pack8r', pack8r);

  // 4x4 transposes: rows r0..r3 (locals) -> columns, by i8x16.shuffle on i32 lanes
  const shuffle = (b: CodeBuilder, x: number, y: number, lanes: [number, number, number, number]): void => {
    b.localGet(x).localGet(y).simd(0x0d);
    for (const l of lanes) b.op(4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3);
  };
  /** Transpose v128 locals r[0..3] into t[0..3] (scratch s[0..3]): t[j] lane i = r[i] lane j. */
  const transpose = (b: CodeBuilder, r: number[], s: number[], t: number[]): void => {
    shuffle(b, r[0]!, r[1]!, [0, 4, 1, 5]);
    b.localSet(s[0]!);
    shuffle(b, r[0]!, r[1]!, [2, 6, 3, 7]);
    b.localSet(s[1]!);
    shuffle(b, r[2]!, r[3]!, [0, 4, 1, 5]);
    b.localSet(s[2]!);
    shuffle(b, r[2]!, r[3]!, [2, 6, 3, 7]);
    b.localSet(s[3]!);
    shuffle(b, s[0]!, s[2]!, [0, 1, 4, 5]);
    b.localSet(t[0]!);
    shuffle(b, s[0]!, s[2]!, [2, 3, 6, 7]);
    b.localSet(t[1]!);
    shuffle(b, s[1]!, s[3]!, [0, 1, 4, 5]);
    b.localSet(t[2]!);
    shuffle(b, s[1]!, s[3]!, [2, 3, 6, 7]);
    b.localSet(t[3]!);
  };
  const v128 = ValType.v128;
  // pack4t(src 0, rs 1, dst 2, n 3); i32 locals: row pointers 4..7; v128 locals: rows 8..11, scratch 12..15, out 16..19
  const pack4t = m.addFunction([i32, i32, i32, i32], [], [i32, i32, i32, i32, ...new Array<ValType>(12).fill(v128)], (b) => {
    const P = [4, 5, 6, 7];
    b.localGet(0).localSet(4);
    for (let r = 1; r < 4; r++)
      b.localGet(P[r - 1]!)
        .localGet(1)
        .op(0x6a)
        .localSet(P[r]!);
    b.block().loop();
    b.localGet(3).i32Const(4).op(0x48).brIf(1); // n < 4
    for (let r = 0; r < 4; r++)
      b.localGet(P[r]!)
        .v128Load()
        .localSet(8 + r);
    transpose(b, [8, 9, 10, 11], [12, 13, 14, 15], [16, 17, 18, 19]);
    for (let k = 0; k < 4; k++)
      b.localGet(2)
        .localGet(16 + k)
        .v128Store(16 * k);
    for (const l of P) addConst(b, l, 16);
    addConst(b, 2, 64);
    b.localGet(3).i32Const(4).op(0x6b).localSet(3);
    b.br(0);
    b.end().end();
    loop(b, 3, () => {
      for (let r = 0; r < 4; r++)
        b.localGet(2)
          .localGet(P[r]!)
          .f32Load()
          .f32Store(4 * r);
      for (const l of P) addConst(b, l, 4);
      addConst(b, 2, 16);
    });
  });
  m.exportFunction('pack4t', pack4t);
  // pack8t(src 0, cs 1, dst 2, n 3); i32 locals: column pointers 4..11; v128: columns 12..19, scratch 20..23, out 24..31
  const pack8t = m.addFunction(
    [i32, i32, i32, i32],
    [],
    [...new Array<ValType>(8).fill(i32), ...new Array<ValType>(20).fill(v128)],
    (b) => {
      const P = [4, 5, 6, 7, 8, 9, 10, 11];
      b.localGet(0).localSet(4);
      for (let c = 1; c < 8; c++)
        b.localGet(P[c - 1]!)
          .localGet(1)
          .op(0x6a)
          .localSet(P[c]!);
      b.block().loop();
      b.localGet(3).i32Const(4).op(0x48).brIf(1); // n < 4
      for (let c = 0; c < 8; c++)
        b.localGet(P[c]!)
          .v128Load()
          .localSet(12 + c);
      for (let h = 0; h < 2; h++) {
        transpose(b, [12 + 4 * h, 13 + 4 * h, 14 + 4 * h, 15 + 4 * h], [20, 21, 22, 23], [24, 25, 26, 27]);
        for (let k = 0; k < 4; k++)
          b.localGet(2)
            .localGet(24 + k)
            .v128Store(32 * k + 16 * h);
      }
      for (const l of P) addConst(b, l, 16);
      addConst(b, 2, 128);
      b.localGet(3).i32Const(4).op(0x6b).localSet(3);
      b.br(0);
      b.end().end();
      loop(b, 3, () => {
        for (let c = 0; c < 8; c++)
          b.localGet(2)
            .localGet(P[c]!)
            .f32Load()
            .f32Store(4 * c);
        for (const l of P) addConst(b, l, 4);
        addConst(b, 2, 32);
      });
    },
  );
  m.exportFunction('pack8t', pack8t);
  // packEdge(src 0, rs 1, cs 2, dst 3, n 4, live 5, w 6); locals: p 7, d 8, k 9, wb 10
  // the panel (n * w floats, w = 4 or 8) zeroed with f32x4 stores, then each live row/column
  // copied along k with a stride of w floats
  const packEdge = m.addFunction([i32, i32, i32, i32, i32, i32, i32], [], [i32, i32, i32, i32], (b) => {
    b.localGet(6).i32Const(4).op(0x6c).localSet(10); // wb = 4 * w
    b.localGet(3).localSet(8);
    b.localGet(4).localGet(6).op(0x6c).i32Const(2).op(0x76).localSet(9); // (n * w) >> 2 vectors
    loop(b, 9, () => {
      b.localGet(8).v128Const().v128Store();
      addConst(b, 8, 16);
    });
    loop(b, 5, () => {
      b.localGet(0).localSet(7);
      b.localGet(3).localSet(8);
      b.localGet(4).localSet(9);
      loop(b, 9, () => {
        b.localGet(8).localGet(7).f32Load().f32Store();
        add(b, 7, 2);
        add(b, 8, 10);
      });
      add(b, 0, 1);
      addConst(b, 3, 4);
    });
  });
  m.exportFunction('packEdge', packEdge);
}
