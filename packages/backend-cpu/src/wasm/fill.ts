/**
 * `CpuBackend.fill` for float32 buffers in the wasm heap (Note [Wasm heap]): zeros with the
 * bulk-memory `memory.fill`, other values with a `f32x4` splat-and-store loop.
 *
 * Note [Filling heap buffers]
 * `Float32Array.prototype.fill` on a view of a `SharedArrayBuffer` runs ~6x slower than on an
 * ordinary array in Node 20 / V8 11 (measured: 109 µs vs 17 µs with `memory.fill` for 401K
 * floats); every float32 buffer of 256+ elements lives in the shared heap, so `zero_` (each
 * optimizer's `zeroGrad`), `zeros`, and the zeroed accumulators of col2im and scatter paid it.
 * The stores give the reference kernel's values bit for bit (`-0`, NaN and infinities included).
 * Declines (false) for other dtypes, arrays outside the heap and non-contiguous views, and the
 * reference kernel runs.
 *
 * @example
 * if (!fillWasm(dst, 0)) ew.fill(dst, 0);
 */
import type { TensorView } from '@dl/tensor/backend';
import { ModuleBuilder, ValType } from './assembler.js';
import { EW_PAGES } from './elementwise-kernel.js';
import { getHeap, heapPtr } from './heap.js';

/** Fewest elements for the wasm fill (below, the JS fill's call is as cheap). */
const MIN_ELEMENTS = 256;

interface Engine {
  /** memory.fill(ptr, 0, bytes) */
  zero: (ptr: number, bytes: number) => void;
  /** n16 groups of 16 floats at ptr set to value */
  splat: (ptr: number, n16: number, value: number) => void;
}
let engine: Engine | null | undefined;

function getEngine(): Engine | null {
  if (engine !== undefined) return engine;
  engine = null;
  try {
    const h = getHeap(EW_PAGES);
    if (!h) return engine;
    const { i32, f32, v128 } = ValType;
    const m = new ModuleBuilder();
    m.importMemory('env', 'memory', EW_PAGES, h.maxPages, true);
    // memory.fill: 0xfc 11, memory index 0
    m.exportFunction(
      'zero',
      m.addFunction([i32, i32], [], [], (b) => b.localGet(0).i32Const(0).localGet(1).op(0xfc, 0x0b, 0x00)),
    );
    m.exportFunction(
      'splat',
      m.addFunction([i32, i32, f32], [], [v128], (b) => {
        b.localGet(2).f32x4Splat().localSet(3);
        b.block().loop();
        b.localGet(1).op(0x45).brIf(1); // i32.eqz
        for (let u = 0; u < 4; u++)
          b.localGet(0)
            .localGet(3)
            .v128Store(16 * u);
        b.localGet(0).i32Const(64).op(0x6a).localSet(0);
        b.localGet(1).i32Const(1).op(0x6b).localSet(1);
        b.br(0);
        b.end().end();
      }),
    );
    const inst = new WebAssembly.Instance(new WebAssembly.Module(m.toBytes()), { env: { memory: h.memory } });
    engine = inst.exports as unknown as Engine;
  } catch {
    engine = null; // no bulk memory or SIMD: the JS fill runs
  }
  return engine;
}

/**
 * `a.fill(value, from, to)` for a float32 array, in wasm when `a` is a heap view and the range is
 * large (Note [Filling heap buffers]); kernels that zero their outputs can call it directly.
 *
 * @example
 * fillRange(gradIn, 0, offset, offset + n); // as gradIn.fill(0, offset, offset + n)
 */
export function fillRange(a: Float32Array, value: number, from: number, to: number): void {
  const n = to - from;
  const p = n >= MIN_ELEMENTS && from >= 0 && to <= a.length ? heapPtr(a) : -1;
  const e = p >= 0 ? getEngine() : null;
  if (!e) {
    a.fill(value, from, to);
    return;
  }
  const start = p + from * 4;
  if (Object.is(value, 0)) {
    e.zero(start, n * 4);
    return;
  }
  const main = n & ~15;
  e.splat(start, main >> 4, value);
  if (main < n) a.fill(value, from + main, to);
}

/** `CpuBackend.fill` fast path: a contiguous float32 view of a heap buffer. */
export function fillWasm(dst: TensorView, value: number): boolean {
  if (dst.dtype !== 'float32') return false;
  const a = (dst.buffer as { data?: unknown }).data ?? dst.buffer;
  if (!(a instanceof Float32Array)) return false;
  let n = 1;
  for (let d = dst.shape.length - 1; d >= 0; d--) {
    if (dst.shape[d] !== 1 && dst.strides[d] !== n) return false;
    n *= dst.shape[d]!;
  }
  if (n < MIN_ELEMENTS || dst.offset + n > a.length) return false;
  if (heapPtr(a) < 0 || !getEngine()) return false;
  fillRange(a, value, dst.offset, dst.offset + n);
  return true;
}
