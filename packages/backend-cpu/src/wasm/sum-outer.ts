/**
 * `sum` over leading and trailing axes around kept middle ones, of a contiguous float32 tensor
 * in the wasm heap (Note [Wasm heap]): conv bias gradients, `[N, C, H, W] -> [C]` over axes
 * `[0, 2, 3]`, which neither `sumWasm` (trailing axes, long rows) nor `sumLeadingWasm` (leading
 * axes) takes, so the reference reduce walked them with an offset table. Here each `[n, c, :]`
 * row is summed by a wasm loop into float64 (two f64x2 accumulators: every float is added in
 * float64, only the order differs from the reference's sequential float64 sum), and the rows of
 * a channel are added in `n` order. Declines (false) for anything else.
 *
 * @example
 * if (!sumOuterWasm('sum', gradOut, [0, 2, 3], gradBias)) reduce('sum', gradOut, [0, 2, 3], gradBias);
 */
import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { ModuleBuilder, ValType } from './assembler.js';
import { EW_PAGES } from './elementwise-kernel.js';
import { getHeap, heapPtr } from './heap.js';

/** Fewest elements summed for the wasm path; shortest trailing row it takes. */
const MIN_ELEMENTS = 2048;
const MIN_ROW = 16;

let rowsum: ((ptr: number, n4: number) => number) | null | undefined;

/** `rowsum(a, n4) -> f64`: the sum of `n4 * 4` floats at `a`, each promoted to f64. */
function getRowsum(): ((ptr: number, n4: number) => number) | null {
  if (rowsum !== undefined) return rowsum;
  rowsum = null;
  try {
    const h = getHeap(EW_PAGES);
    if (!h) return rowsum;
    const { i32, f64, v128 } = ValType;
    const m = new ModuleBuilder();
    m.importMemory('env', 'memory', EW_PAGES, h.maxPages, true);
    // locals: 2 x, 3 lo accumulator, 4 hi accumulator
    const f = m.addFunction([i32, i32], [f64], [v128, v128, v128], (b) => {
      b.v128Const().localSet(3).v128Const().localSet(4);
      b.block().loop();
      b.localGet(1).op(0x45).brIf(1); // i32.eqz
      b.localGet(0).v128Load().localSet(2);
      b.localGet(3).localGet(2).simd(0x5f).simd(0xf0).localSet(3); // lo += promote_low(x)
      b.localGet(4).localGet(2).localGet(2).simd(0x0d).op(8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
      b.simd(0x5f).simd(0xf0).localSet(4); // hi += promote_low(x's high half)
      b.localGet(0).i32Const(16).op(0x6a).localSet(0);
      b.localGet(1).i32Const(1).op(0x6b).localSet(1);
      b.br(0);
      b.end().end();
      b.localGet(3).localGet(4).simd(0xf0).localSet(3);
      b.localGet(3).simd(0x21).op(0).localGet(3).simd(0x21).op(1).op(0xa0); // lane 0 + lane 1
    });
    m.exportFunction('rowsum', f);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes()), { env: { memory: h.memory } });
    rowsum = inst.exports.rowsum as (ptr: number, n4: number) => number;
  } catch {
    rowsum = null;
  }
  return rowsum;
}

/** `CpuBackend.reduce` fast path: float32 `sum` over leading + trailing axes (kept middle) of a contiguous heap tensor. */
export function sumOuterWasm(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): boolean {
  if (op !== 'sum' || x.dtype !== 'float32' || out.dtype !== 'float32') return false;
  const r = x.shape.length;
  // axes = [0, k) ∪ [t, r) with k < t < r: a (possibly empty) prefix and a non-empty suffix
  let k = 0;
  while (axes.includes(k)) k++;
  let t = r;
  while (t > k && axes.includes(t - 1)) t--;
  if (t === r || t === k || axes.length !== k + (r - t)) return false;
  let stride = 1;
  for (let d = r - 1; d >= 0; d--) {
    if (x.shape[d] !== 1 && x.strides[d] !== stride) return false;
    stride *= x.shape[d]!;
  }
  let N = 1;
  let C = 1;
  let S = 1;
  for (let d = 0; d < k; d++) N *= x.shape[d]!;
  for (let d = k; d < t; d++) C *= x.shape[d]!;
  for (let d = t; d < r; d++) S *= x.shape[d]!;
  if (S < MIN_ROW || N * C * S < MIN_ELEMENTS) return false;
  const a = (x.buffer as { data?: unknown }).data ?? x.buffer;
  const o = (out.buffer as { data?: unknown }).data ?? out.buffer;
  if (!(a instanceof Float32Array) || !(o instanceof Float32Array)) return false;
  const pa = heapPtr(a);
  if (pa < 0) return false;
  const f = getRowsum();
  if (!f) return false;
  const main = S & ~3;
  for (let c = 0; c < C; c++) {
    let acc = 0;
    for (let n = 0; n < N; n++) {
      const base = x.offset + (n * C + c) * S;
      acc += f(pa + base * 4, main >> 2);
      for (let j = main; j < S; j++) acc += a[base + j]!;
    }
    o[out.offset + c] = acc;
  }
  return true;
}
