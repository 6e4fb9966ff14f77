/**
 * Generates the WebAssembly SIMD elementwise and sum loops with the assembler of this folder.
 *
 * Note [Elementwise chunks]
 * Buffers outside the wasm heap (Note [Wasm heap] in heap.ts: arrays wrapped by `fromArray`,
 * buffers allocated with the heap off) are ordinary typed arrays, outside wasm memory, so a
 * wasm loop needs such operands copied in and its result copied out; heap buffers are passed
 * by pointer instead. `TypedArray.set` is a memcpy
 * (~25x faster per element than a JS arithmetic loop here), so copy-in + f32x4 loop +
 * copy-out beats the JS loop by several times on large arrays (see the bench). Work goes
 * in chunks of `CHUNK` floats so that the three staging areas (A, B, O: 64 KiB each) stay
 * in L2 between the copy and the loop. Loops run on whole multiples of 16 floats; the
 * lanes past the chunk's end compute garbage that is never copied out.
 *
 * Exports, all pointers in bytes, `n16` = number of 16-float groups:
 *   `b_<op>_<mode>(a, b, o, n16)`  o = a op b, mode `vv` (both arrays), `vs` (b is one float
 *                                  at `b`, splatted), `sv` (a is one float at `a`)
 *   `u_<op>(a, o, n16)`            o = op(a)
 *   `sum(a, n64) -> f64`           sum of 64-float blocks: f32x4 partials of 16 values per
 *                                  lane, added into f64x2 accumulators (NaN propagates)
 */
import type { KernelTable } from '@dl/tensor/backend';
import { ModuleBuilder, ValType, type CodeBuilder } from './assembler.js';

/** f32x4 SIMD sub-opcodes of the binary ops the module exports. */
export const EW_BINARY = { add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, minimum: 0xe8, maximum: 0xe9 } as const satisfies Partial<
  KernelTable<'binary', number>
>;
/** f32x4 SIMD sub-opcodes of the unary ops (relu is max(x, 0)). */
export const EW_UNARY = { abs: 0xe0, neg: 0xe1, sqrt: 0xe3, relu: 0xe9 } as const satisfies Partial<KernelTable<'unary', number>>;
export type EwBinaryOp = keyof typeof EW_BINARY;
export type EwUnaryOp = keyof typeof EW_UNARY;
export type EwMode = 'vv' | 'vs' | 'sv';

/** Floats per chunk (each staging area is CHUNK * 4 bytes). */
export const CHUNK = 16384;
export const A_PTR = 0;
export const B_PTR = CHUNK * 4;
export const O_PTR = 2 * CHUNK * 4;
/** One float for a splatted scalar. */
export const S_PTR = 3 * CHUNK * 4;
/** Memory pages (64 KiB) the module defines. */
export const EW_PAGES = 4;

const { i32, f64, v128 } = ValType;
const UNROLL = 4; // v128 per loop iteration (16 floats)

/** `block loop (exit when n == 0) body; n -= 1; br loop end end` */
function countedLoop(b: CodeBuilder, n: number, body: () => void): void {
  b.block().loop();
  b.localGet(n).op(0x45).brIf(1); // i32.eqz
  body();
  b.localGet(n).i32Const(1).op(0x6b).localSet(n);
  b.br(0);
  b.end().end();
}

function bump(b: CodeBuilder, local: number, bytes: number): void {
  b.localGet(local).i32Const(bytes).op(0x6a).localSet(local);
}

/**
 * Build the module binary; it imports memory `env.memory` of `EW_PAGES` pages, shared when
 * `shared` (copies out of a non-shared wasm memory run ~10x slower than out of a shared one
 * in Node 20 / V8 11: measured 1.46 ms vs 0.22 ms per 4 MB).
 */
export function buildElementwiseModule(shared: boolean, maxPages = EW_PAGES): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', EW_PAGES, maxPages, shared);

  for (const [name, code] of Object.entries(EW_BINARY)) {
    for (const mode of ['vv', 'vs', 'sv'] as const) {
      // params a, b, o, n; local 4 = splat
      const f = m.addFunction([i32, i32, i32, i32], [], [v128], (b) => {
        if (mode === 'vs') b.localGet(1).v128Load32Splat().localSet(4);
        if (mode === 'sv') b.localGet(0).v128Load32Splat().localSet(4);
        countedLoop(b, 3, () => {
          for (let u = 0; u < UNROLL; u++) {
            b.localGet(2);
            if (mode === 'sv') b.localGet(4);
            else b.localGet(0).v128Load(16 * u);
            if (mode === 'vs') b.localGet(4);
            else b.localGet(1).v128Load(16 * u);
            b.simd(code).v128Store(16 * u);
          }
          if (mode !== 'sv') bump(b, 0, 16 * UNROLL);
          if (mode !== 'vs') bump(b, 1, 16 * UNROLL);
          bump(b, 2, 16 * UNROLL);
        });
      });
      m.exportFunction(`b_${name}_${mode}`, f);
    }
  }

  for (const [name, code] of Object.entries(EW_UNARY)) {
    // params a, o, n
    const f = m.addFunction([i32, i32, i32], [], [], (b) => {
      countedLoop(b, 2, () => {
        for (let u = 0; u < UNROLL; u++) {
          b.localGet(1)
            .localGet(0)
            .v128Load(16 * u);
          if (name === 'relu') b.v128Const();
          b.simd(code).v128Store(16 * u);
        }
        bump(b, 0, 16 * UNROLL);
        bump(b, 1, 16 * UNROLL);
      });
    });
    m.exportFunction(`u_${name}`, f);
  }

  // sum(a, n64) -> f64; locals: 2..5 f32x4 partials, 6 t, 7 f64x2 total
  const sum = m.addFunction([i32, i32], [f64], [v128, v128, v128, v128, v128, v128], (b) => {
    const T = 6,
      D = 7;
    b.v128Const().localSet(D);
    countedLoop(b, 1, () => {
      for (let j = 0; j < 4; j++)
        b.localGet(0)
          .v128Load(16 * j)
          .localSet(2 + j);
      for (let u = 1; u < 4; u++) {
        for (let j = 0; j < 4; j++)
          b.localGet(2 + j)
            .localGet(0)
            .v128Load(16 * (4 * u + j))
            .simd(0xe4)
            .localSet(2 + j);
      }
      b.localGet(2).localGet(3).simd(0xe4).localGet(4).localGet(5).simd(0xe4).simd(0xe4).localSet(T);
      // D += promote(low(t)) + promote(high(t))
      b.localGet(D).localGet(T).simd(0x5f).simd(0xf0).localSet(D); // f64x2.promote_low_f32x4, f64x2.add
      b.localGet(D).localGet(T).localGet(T).simd(0x0d).op(8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15); // i8x16.shuffle
      b.simd(0x5f).simd(0xf0).localSet(D);
      bump(b, 0, 256);
    });
    b.localGet(D).simd(0x21).op(0).localGet(D).simd(0x21).op(1).op(0xa0); // extract lanes, f64.add
  });
  m.exportFunction('sum', sum);
  return m.toBytes();
}
