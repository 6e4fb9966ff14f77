/**
 * `sum` over the leading axes of a contiguous float32 tensor (bias gradients: `[N, F] -> [F]`)
 * on WebAssembly SIMD, for inputs in the wasm heap (Note [Wasm heap]). Each column is
 * accumulated in float64 in row order, as `sumLeadingFast` (kernels/fast-elementwise.ts) does,
 * so both give the same values bit for bit; the loop converts four floats to two f64x2 pairs
 * and adds them to the column accumulators, instead of a scalar JS loop over a typed array.
 * Declines (false) for anything else, and `sumLeadingFast` or the reference reduce runs.
 *
 * @example
 * if (!sumLeadingWasm('sum', x, [0], out)) sumLeadingFast('sum', x, [0], out);
 */
import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { ModuleBuilder, ValType } from './assembler.js';
import { EW_PAGES } from './elementwise-kernel.js';
import { getHeap, heapAlloc, heapPtr } from './heap.js';

/** Columns the accumulator area holds (f64 each); wider rows decline. */
const MAX_INNER = 16384;
/** Fewest elements summed (rows * inner) for the wasm loop to pay for its call. */
const MIN_ELEMENTS = 2048;

const { i32 } = ValType;

/**
 * `colsum(a, rows, inner4, acc)`: for each of `rows` rows of `inner4 * 4` floats at `a`, add
 * the row into the f64 accumulators at `acc` (zeroed by the caller). Locals: 4 row end / column
 * counter, 5 a cursor, 6 acc cursor, 7 x.
 */
function buildModule(maxPages: number): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', EW_PAGES, maxPages, true);
  const { v128 } = ValType;
  const f = m.addFunction([i32, i32, i32, i32], [], [i32, i32, v128], (b) => {
    const A = 0,
      ROWS = 1,
      N4 = 2,
      ACC = 3,
      J = 4,
      C = 5,
      X = 6;
    b.block().loop(); // rows
    b.localGet(ROWS).op(0x45).brIf(1);
    b.localGet(N4).localSet(J);
    b.localGet(ACC).localSet(C);
    b.block().loop(); // columns, 4 at a time
    b.localGet(J).op(0x45).brIf(1);
    b.localGet(A).v128Load().localSet(X);
    // acc[c..c+1] += promote_low(x); acc[c+2..c+3] += promote_low(x >> 64 bits)
    b.localGet(C).localGet(C).v128Load().localGet(X).simd(0x5f).simd(0xf0).v128Store();
    b.localGet(C)
      .localGet(C)
      .v128Load(16)
      .localGet(X)
      .localGet(X)
      .simd(0x0d)
      .op(8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
    b.simd(0x5f).simd(0xf0).v128Store(16);
    b.localGet(A).i32Const(16).op(0x6a).localSet(A);
    b.localGet(C).i32Const(32).op(0x6a).localSet(C);
    b.localGet(J).i32Const(1).op(0x6b).localSet(J);
    b.br(0);
    b.end().end();
    b.localGet(ROWS).i32Const(1).op(0x6b).localSet(ROWS);
    b.br(0);
    b.end().end();
  });
  m.exportFunction('colsum', f);
  return m.toBytes();
}

interface Engine {
  colsum: (a: number, rows: number, inner4: number, acc: number) => void;
  acc: number;
  f64: Float64Array;
}
let engine: Engine | null | undefined;

function getEngine(): Engine | null {
  if (engine !== undefined) return engine;
  engine = null;
  try {
    const h = getHeap(EW_PAGES);
    if (!h) return engine;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(buildModule(h.maxPages)), { env: { memory: h.memory } });
    const acc = heapAlloc(MAX_INNER * 8);
    if (acc < 0) return engine;
    engine = {
      colsum: inst.exports.colsum as Engine['colsum'],
      acc,
      f64: new Float64Array(h.memory.buffer as ArrayBuffer, acc, MAX_INNER),
    };
  } catch {
    engine = null;
  }
  return engine;
}

/** `CpuBackend.reduce` fast path: float32 `sum` over leading axes of a contiguous heap tensor. */
export function sumLeadingWasm(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): boolean {
  if (op !== 'sum' || x.dtype !== 'float32' || out.dtype !== 'float32') return false;
  const r = x.shape.length;
  const k = axes.length;
  if (k === 0 || k === r) return false;
  for (let i = 0; i < k; i++) if (!axes.includes(i)) return false; // leading axes only
  let stride = 1;
  for (let d = r - 1; d >= 0; d--) {
    if (x.shape[d] !== 1 && x.strides[d] !== stride) return false;
    stride *= x.shape[d]!;
  }
  let inner = 1;
  for (let d = k; d < r; d++) inner *= x.shape[d]!;
  const rows = inner === 0 ? 0 : stride / inner;
  if (rows < 2 || inner < 16 || inner > MAX_INNER || rows * inner < MIN_ELEMENTS) return false;
  const a = (x.buffer as { data?: unknown }).data ?? x.buffer;
  const o = (out.buffer as { data?: unknown }).data ?? out.buffer;
  if (!(a instanceof Float32Array) || !(o instanceof Float32Array)) return false;
  const pa = heapPtr(a);
  if (pa < 0) return false;
  const e = getEngine();
  if (!e) return false;
  const acc = e.f64;
  acc.fill(0, 0, inner);
  const main = inner & ~3;
  if (main === inner) e.colsum(pa + x.offset * 4, rows, main >> 2, e.acc);
  else {
    // rows whose length is not a multiple of 4: the wasm loop per row on its first `main` floats
    for (let i = 0, base = x.offset; i < rows; i++, base += inner) {
      e.colsum(pa + base * 4, 1, main >> 2, e.acc);
      for (let j = main; j < inner; j++) acc[j]! += a[base + j]!;
    }
  }
  for (let j = 0; j < inner; j++) o[out.offset + j] = acc[j]!;
  return true;
}
