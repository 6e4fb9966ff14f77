/**
 * relu's backward (torch's `threshold_backward`) on WebAssembly SIMD, in place on wasm-heap
 * buffers (Note [Wasm heap] in heap.ts): `out = output <= t ? 0 : grad` as
 * `v128.andnot(grad, f32x4.le(output, splat(t)))`: the mask is all ones where
 * `output <= t` and all zeros where it is greater or NaN, so a NaN output passes the gradient
 * (Note [ReLU backward as one kernel] in @dl/tensor). Float32 operands outside the heap,
 * strided or small views and float64 decline (the JS kernel runs).
 *
 * @example
 * if (!thresholdBackwardWasm(g, y, out, 0)) kernels.thresholdBackward(g, y, out, 0);
 */
import type { TensorView } from '@dl/tensor/backend';
import { ModuleBuilder, ValType } from './assembler.js';
import { getHeap, heapPtr } from './heap.js';

const { i32, f32, v128 } = ValType;
const UNROLL = 4; // v128 per iteration: 16 floats
const F32X4_LE = 0x45;
const V128_ANDNOT = 0x4f;

/** Smallest element count sent to wasm (below it the call costs more than the JS loop). */
export const thresholdBackwardMinElements = 1024;

/** `thr_bwd(g, y, o, n16, t)`: byte pointers, `n16` groups of 16 floats. */
export function buildThresholdBackwardModule(maxPages: number): Uint8Array<ArrayBuffer> {
  const m = new ModuleBuilder();
  m.importMemory('env', 'memory', 1, maxPages, true);
  // params g, y, o, n, t; local 5: splat(t)
  const f = m.addFunction([i32, i32, i32, i32, f32], [], [v128], (b) => {
    b.localGet(4).f32x4Splat().localSet(5);
    b.block().loop();
    b.localGet(3).op(0x45).brIf(1); // i32.eqz n → exit
    for (let u = 0; u < UNROLL; u++) {
      b.localGet(2);
      b.localGet(0).v128Load(16 * u);
      b.localGet(1)
        .v128Load(16 * u)
        .localGet(5)
        .simd(F32X4_LE);
      b.simd(V128_ANDNOT).v128Store(16 * u);
    }
    for (const p of [0, 1, 2])
      b.localGet(p)
        .i32Const(16 * UNROLL)
        .op(0x6a)
        .localSet(p); // i32.add
    b.localGet(3).i32Const(1).op(0x6b).localSet(3); // i32.sub
    b.br(0);
    b.end().end();
  });
  m.exportFunction('thr_bwd', f);
  return m.toBytes();
}

type ThrFn = (g: number, y: number, o: number, n16: number, t: number) => void;
let kernel: ThrFn | null | undefined;

function engine(): ThrFn | null {
  if (kernel !== undefined) return kernel;
  kernel = null;
  try {
    const h = getHeap();
    if (h) {
      const inst = new WebAssembly.Instance(new WebAssembly.Module(buildThresholdBackwardModule(h.maxPages)), {
        env: { memory: h.memory },
      });
      kernel = inst.exports.thr_bwd as ThrFn;
    }
  } catch {
    kernel = null; // no SIMD here: the JS kernel runs
  }
  return kernel;
}

function contiguous(v: TensorView): boolean {
  let s = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d]! !== 1 && v.strides[d]! !== s) return false;
    s *= v.shape[d]!;
  }
  return true;
}

/** `FastPaths.thresholdBackward`: float32, contiguous, all three in the wasm heap; else false. */
export function thresholdBackwardWasm(grad: TensorView, output: TensorView, out: TensorView, threshold: number): boolean {
  if (grad.dtype !== 'float32' || output.dtype !== 'float32' || out.dtype !== 'float32') return false;
  let n = 1;
  for (const s of out.shape) n *= s;
  if (n < thresholdBackwardMinElements || !contiguous(grad) || !contiguous(output) || !contiguous(out)) return false;
  const G = grad.buffer as Float32Array;
  const Y = output.buffer as Float32Array;
  const O = out.buffer as Float32Array;
  const pg = heapPtr(G);
  const py = heapPtr(Y);
  const po = heapPtr(O);
  if (pg < 0 || py < 0 || po < 0) return false;
  const fn = engine();
  if (!fn) return false;
  const t = Math.fround(threshold);
  const main = n & ~15;
  fn(pg + grad.offset * 4, py + output.offset * 4, po + out.offset * 4, main >> 4, t);
  for (let i = main; i < n; i++) O[out.offset + i] = Y[output.offset + i]! <= t ? 0 : G[grad.offset + i]!;
  return true;
}
