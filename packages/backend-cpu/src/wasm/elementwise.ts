/**
 * float32 elementwise ops and sums on WebAssembly SIMD, for large contiguous operands
 * (Note [Elementwise chunks] in elementwise-kernel.ts). The `*Wasm` functions take the
 * backend's strided views and return false to decline (other dtypes, small or strided
 * operands), so the caller falls back to the reference kernels.
 *
 * @example
 * if (!binaryWasm('add', a, b, out)) ew.binary('add', a, b, out);
 */
import type { BinaryOp, ReduceOp, TensorView, UnaryOp } from '@dl/tensor';
import { collapse } from '../strided.js';
import {
  A_PTR, B_PTR, buildElementwiseModule, CHUNK, EW_BINARY, EW_PAGES, EW_UNARY, O_PTR, S_PTR,
  type EwBinaryOp, type EwMode, type EwUnaryOp,
} from './elementwise-kernel.js';

type BinFn = (a: number, b: number, o: number, n16: number) => void;
type UnFn = (a: number, o: number, n16: number) => void;

/** Sizes (elements) from which the wasm paths are taken; below them the JS kernels run. */
export const ewTuning = {
  /** total elements of an elementwise op */
  minElements: 16384,
  /** contiguous row length (broadcast ops run row by row) */
  minRow: 512,
  /** elements summed per output */
  minSum: 4096,
};

interface Ew {
  f32: Float32Array;
  bin: Record<string, BinFn>;
  un: Record<string, UnFn>;
  sum: (a: number, n64: number) => number;
}

let ew: Ew | null | undefined;
function engine(): Ew | null {
  if (ew !== undefined) return ew;
  try {
    let memory: WebAssembly.Memory | undefined;
    try {
      if (typeof SharedArrayBuffer !== 'undefined') memory = new WebAssembly.Memory({ initial: EW_PAGES, maximum: EW_PAGES, shared: true });
    } catch {
      memory = undefined;
    }
    const shared = memory !== undefined;
    memory ??= new WebAssembly.Memory({ initial: EW_PAGES, maximum: EW_PAGES });
    const inst = new WebAssembly.Instance(new WebAssembly.Module(buildElementwiseModule(shared)), { env: { memory } });
    const x = inst.exports as Record<string, unknown>;
    const bin: Record<string, BinFn> = {};
    const un: Record<string, UnFn> = {};
    for (const op of Object.keys(EW_BINARY)) for (const m of ['vv', 'vs', 'sv']) bin[`${op}_${m}`] = x[`b_${op}_${m}`] as BinFn;
    for (const op of Object.keys(EW_UNARY)) un[op] = x[`u_${op}`] as UnFn;
    ew = { f32: new Float32Array(memory.buffer), bin, un, sum: x.sum as Ew['sum'] };
  } catch {
    ew = null; // no SIMD: stay on the JS kernels
  }
  return ew;
}

/** Is the wasm SIMD elementwise module usable here? */
export function elementwiseWasmAvailable(): boolean {
  return engine() !== null;
}

function f32buf(v: TensorView): Float32Array | undefined {
  if (v.dtype !== 'float32') return undefined;
  const d = (v.buffer as { data?: unknown }).data ?? v.buffer;
  return d instanceof Float32Array ? d : undefined;
}

/**
 * `o[oo + i] = a[ao + i*as] op b[bo + i*bs]` for i < n, strides 0 or 1 (not both 0).
 * Exported for tests and benchmarks.
 */
export function binaryRow(
  op: EwBinaryOp, a: Float32Array, ao: number, as: 0 | 1, b: Float32Array, bo: number, bs: 0 | 1,
  o: Float32Array, oo: number, n: number,
): void {
  const e = engine()!;
  const mode: EwMode = as === 0 ? 'sv' : bs === 0 ? 'vs' : 'vv';
  const fn = e.bin[`${op}_${mode}`]!;
  const f = e.f32;
  if (as === 0) f[S_PTR / 4] = a[ao]!;
  if (bs === 0) f[S_PTR / 4] = b[bo]!;
  for (let i = 0; i < n; i += CHUNK) {
    const len = Math.min(CHUNK, n - i);
    if (as) f.set(a.subarray(ao + i, ao + i + len), A_PTR / 4);
    if (bs) f.set(b.subarray(bo + i, bo + i + len), B_PTR / 4);
    fn(as ? A_PTR : S_PTR, bs ? B_PTR : S_PTR, O_PTR, (len + 15) >> 4);
    o.set(f.subarray(O_PTR / 4, O_PTR / 4 + len), oo + i);
  }
}

/** `o[oo + i] = op(a[ao + i])` for i < n. */
export function unaryRow(op: EwUnaryOp, a: Float32Array, ao: number, o: Float32Array, oo: number, n: number): void {
  const e = engine()!;
  const fn = e.un[op]!;
  const f = e.f32;
  for (let i = 0; i < n; i += CHUNK) {
    const len = Math.min(CHUNK, n - i);
    f.set(a.subarray(ao + i, ao + i + len), A_PTR / 4);
    fn(A_PTR, O_PTR, (len + 15) >> 4);
    o.set(f.subarray(O_PTR / 4, O_PTR / 4 + len), oo + i);
  }
}

/** Sum of `a[ao .. ao + n)` (f32 partials of 16 values, f64 accumulation). */
export function sumRow(a: Float32Array, ao: number, n: number): number {
  const e = engine()!;
  const f = e.f32;
  let total = 0;
  for (let i = 0; i < n; i += CHUNK) {
    const len = Math.min(CHUNK, n - i);
    f.set(a.subarray(ao + i, ao + i + len), A_PTR / 4);
    const padded = (len + 63) & ~63;
    if (padded > len) f.fill(0, A_PTR / 4 + len, A_PTR / 4 + padded);
    total += e.sum(A_PTR, padded >> 6);
  }
  return total;
}

/** Rows of a collapsed elementwise problem whose inner strides are all 0 or 1 (out: 1). */
function rows(out: TensorView, ins: readonly TensorView[]): { shape: number[]; strides: number[][] } | undefined {
  const n = out.shape.reduce((x, y) => x * y, 1);
  if (n < ewTuning.minElements) return undefined;
  const c = collapse(out.shape, [out.strides, ...ins.map((v) => v.strides)]);
  const rank = c.shape.length;
  if (c.shape[rank - 1]! < ewTuning.minRow) return undefined;
  if (c.strides[0]![rank - 1] !== 1) return undefined;
  for (let k = 1; k < c.strides.length; k++) {
    const s = c.strides[k]![rank - 1];
    if (s !== 0 && s !== 1) return undefined;
  }
  return c;
}

/** Walk the outer dims of a collapsed problem, calling `row(offsets)` per innermost row. */
function eachRow(c: { shape: number[]; strides: number[][] }, base: number[], row: (offs: number[]) => void): void {
  const rank = c.shape.length;
  const outer = c.shape.slice(0, -1);
  const total = outer.reduce((x, y) => x * y, 1);
  const idx = new Array<number>(rank - 1).fill(0);
  const offs = [...base];
  for (let r = 0; r < total; r++) {
    row(offs);
    for (let d = rank - 2; d >= 0; d--) {
      idx[d]!++;
      for (let k = 0; k < offs.length; k++) offs[k]! += c.strides[k]![d]!;
      if (idx[d]! < c.shape[d]!) break;
      for (let k = 0; k < offs.length; k++) offs[k]! -= c.strides[k]![d]! * c.shape[d]!;
      idx[d] = 0;
    }
  }
}

/** `CpuBackend.binary` fast path: float32, large, unit/zero inner strides. */
export function binaryWasm(op: BinaryOp, a: TensorView, b: TensorView, out: TensorView): boolean {
  if (!(op in EW_BINARY)) return false;
  const A = f32buf(a), B = f32buf(b), O = f32buf(out);
  if (!A || !B || !O) return false;
  const c = rows(out, [a, b]);
  if (!c || !engine()) return false;
  const rank = c.shape.length;
  const n = c.shape[rank - 1]!;
  const as = c.strides[1]![rank - 1] as 0 | 1;
  const bs = c.strides[2]![rank - 1] as 0 | 1;
  if (as === 0 && bs === 0) return false;
  eachRow(c, [out.offset, a.offset, b.offset], (o) => binaryRow(op as EwBinaryOp, A, o[1]!, as, B, o[2]!, bs, O, o[0]!, n));
  return true;
}

/** `CpuBackend.unary` fast path: float32, large, unit inner strides. */
export function unaryWasm(op: UnaryOp, x: TensorView, out: TensorView): boolean {
  if (!(op in EW_UNARY)) return false;
  const X = f32buf(x), O = f32buf(out);
  if (!X || !O) return false;
  const c = rows(out, [x]);
  if (!c || !engine()) return false;
  const rank = c.shape.length;
  if (c.strides[1]![rank - 1] !== 1) return false;
  const n = c.shape[rank - 1]!;
  eachRow(c, [out.offset, x.offset], (o) => unaryRow(op as EwUnaryOp, X, o[1]!, O, o[0]!, n));
  return true;
}

/**
 * `CpuBackend.reduce` fast path for `sum` over the trailing axes of a contiguous float32
 * tensor with at least `ewTuning.minSum` elements per output.
 */
export function sumWasm(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): boolean {
  if (op !== 'sum') return false;
  const X = f32buf(x), O = f32buf(out);
  if (!X || !O) return false;
  const r = x.shape.length;
  const sorted = [...axes].sort((p, q) => p - q);
  if (sorted.some((ax, i) => ax !== r - sorted.length + i)) return false; // trailing axes only
  let stride = 1;
  for (let d = r - 1; d >= 0; d--) {
    if (x.shape[d] !== 1 && x.strides[d] !== stride) return false;
    stride *= x.shape[d]!;
  }
  let m = 1;
  for (const ax of sorted) m *= x.shape[ax]!;
  if (m < ewTuning.minSum || !engine()) return false;
  const nOut = m === 0 ? 0 : stride / m;
  for (let i = 0; i < nOut; i++) O[out.offset + i] = sumRow(X, x.offset + i * m, m);
  return true;
}
