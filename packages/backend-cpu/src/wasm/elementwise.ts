/**
 * float32 elementwise ops and sums on WebAssembly SIMD, for large contiguous operands
 * (Note [Elementwise chunks] in elementwise-kernel.ts). The `*Wasm` functions take the
 * backend's strided views and return false to decline (other dtypes, small or strided
 * operands), so the caller falls back to the reference kernels.
 *
 * @example
 * if (!binaryWasm('add', a, b, out)) ew.binary('add', a, b, out);
 */
import type { BinaryOp, ReduceOp, TensorView, UnaryOp } from '@dl/tensor/backend';
import { collapse } from '../strided.js';
import {
  A_PTR,
  B_PTR,
  buildElementwiseModule,
  CHUNK,
  EW_BINARY,
  EW_PAGES,
  EW_UNARY,
  O_PTR,
  S_PTR,
  type EwBinaryOp,
  type EwMode,
  type EwUnaryOp,
} from './elementwise-kernel.js';
import { getHeap, heapPtr } from './heap.js';

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
    // The heap's shared memory (Note [Wasm heap]) when there is one: its first EW_PAGES
    // pages are the staging chunks, and heap buffers are read in place.
    const h = getHeap(EW_PAGES);
    let memory: WebAssembly.Memory | undefined = h?.memory;
    let maxPages = h?.maxPages ?? EW_PAGES;
    if (!memory) {
      try {
        if (typeof SharedArrayBuffer !== 'undefined')
          memory = new WebAssembly.Memory({ initial: EW_PAGES, maximum: EW_PAGES, shared: true });
      } catch {
        memory = undefined;
      }
    }
    const shared = memory !== undefined;
    memory ??= new WebAssembly.Memory({ initial: EW_PAGES, maximum: EW_PAGES });
    if (!shared) maxPages = EW_PAGES;
    const inst = new WebAssembly.Instance(new WebAssembly.Module(buildElementwiseModule(shared, maxPages)), { env: { memory } });
    const x = inst.exports as Record<string, unknown>;
    const bin: Record<string, BinFn> = {};
    const un: Record<string, UnFn> = {};
    for (const op of Object.keys(EW_BINARY)) for (const m of ['vv', 'vs', 'sv']) bin[`${op}_${m}`] = x[`b_${op}_${m}`] as BinFn;
    for (const op of Object.keys(EW_UNARY)) un[op] = x[`u_${op}`] as UnFn;
    ew = { f32: new Float32Array(memory.buffer, 0, (EW_PAGES * 65536) / 4), bin, un, sum: x.sum as Ew['sum'] };
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
  op: EwBinaryOp,
  a: Float32Array,
  ao: number,
  as: 0 | 1,
  b: Float32Array,
  bo: number,
  bs: 0 | 1,
  o: Float32Array,
  oo: number,
  n: number,
): void {
  const e = engine()!;
  const mode: EwMode = as === 0 ? 'sv' : bs === 0 ? 'vs' : 'vv';
  const fn = e.bin[`${op}_${mode}`]!;
  const pa = heapPtr(a),
    pb = heapPtr(b),
    po = heapPtr(o);
  if (pa >= 0 && pb >= 0 && po >= 0) {
    // in place (Note [Wasm heap]): whole 16-float groups in wasm, the tail in JS
    const main = n & ~15;
    if (main > 0) fn(pa + ao * 4, pb + bo * 4, po + oo * 4, main >> 4);
    if (main < n) binaryTail(op, a, ao, as, b, bo, bs, o, oo, main, n);
    return;
  }
  // partly in place: heap operands by pointer, the others staged chunk by chunk
  const f = e.f32;
  if (as === 0 && pa < 0) f[S_PTR / 4] = a[ao]!;
  if (bs === 0 && pb < 0) f[S_PTR / 4] = b[bo]!;
  for (let i = 0; i < n; i += CHUNK) {
    const len = Math.min(CHUNK, n - i);
    let ap: number, bp: number;
    if (pa >= 0) ap = pa + (ao + i * as) * 4;
    else if (as) {
      f.set(a.subarray(ao + i, ao + i + len), A_PTR / 4);
      ap = A_PTR;
    } else ap = S_PTR;
    if (pb >= 0) bp = pb + (bo + i * bs) * 4;
    else if (bs) {
      f.set(b.subarray(bo + i, bo + i + len), B_PTR / 4);
      bp = B_PTR;
    } else bp = S_PTR;
    // whole 16-float groups in wasm (never reading past a heap operand), the tail in JS
    const main = pa >= 0 || pb >= 0 || po >= 0 ? len & ~15 : (len + 15) & ~15;
    if (main > 0) {
      if (po >= 0) fn(ap, bp, po + (oo + i) * 4, main >> 4);
      else {
        fn(ap, bp, O_PTR, main >> 4);
        o.set(f.subarray(O_PTR / 4, O_PTR / 4 + Math.min(main, len)), oo + i);
      }
    }
    if (main < len) binaryTail(op, a, ao, as, b, bo, bs, o, oo, i + main, i + len);
  }
}

function binaryTail(
  op: EwBinaryOp,
  a: Float32Array,
  ao: number,
  as: 0 | 1,
  b: Float32Array,
  bo: number,
  bs: 0 | 1,
  o: Float32Array,
  oo: number,
  from: number,
  n: number,
): void {
  for (let i = from; i < n; i++) {
    const x = a[ao + i * as]!,
      y = b[bo + i * bs]!;
    let r: number;
    switch (op) {
      case 'add':
        r = x + y;
        break;
      case 'sub':
        r = x - y;
        break;
      case 'mul':
        r = x * y;
        break;
      case 'div':
        r = x / y;
        break;
      case 'minimum':
        r = x !== x || y !== y ? NaN : Math.min(x, y);
        break;
      default:
        r = x !== x || y !== y ? NaN : Math.max(x, y);
    }
    o[oo + i] = r;
  }
}

/** `o[oo + i] = op(a[ao + i])` for i < n. */
export function unaryRow(op: EwUnaryOp, a: Float32Array, ao: number, o: Float32Array, oo: number, n: number): void {
  const e = engine()!;
  const fn = e.un[op]!;
  const pa = heapPtr(a),
    po = heapPtr(o);
  const f = e.f32;
  const inHeap = pa >= 0 || po >= 0;
  for (let i = 0; i < n; i += CHUNK) {
    const len = pa >= 0 && po >= 0 ? n : Math.min(CHUNK, n - i); // fully in place: one call
    let ap: number;
    if (pa >= 0) ap = pa + (ao + i) * 4;
    else {
      f.set(a.subarray(ao + i, ao + i + len), A_PTR / 4);
      ap = A_PTR;
    }
    const main = inHeap ? len & ~15 : (len + 15) & ~15;
    if (main > 0) {
      if (po >= 0) fn(ap, po + (oo + i) * 4, main >> 4);
      else {
        fn(ap, O_PTR, main >> 4);
        o.set(f.subarray(O_PTR / 4, O_PTR / 4 + Math.min(main, len)), oo + i);
      }
    }
    for (let j = i + main; j < i + len; j++) {
      const x = a[ao + j]!;
      o[oo + j] = op === 'abs' ? Math.abs(x) : op === 'neg' ? -x : op === 'sqrt' ? Math.sqrt(x) : x !== x ? x : Math.max(x, 0);
    }
    if (len === n) break;
  }
}

/** Sum of `a[ao .. ao + n)` (f32 partials of 16 values, f64 accumulation). */
export function sumRow(a: Float32Array, ao: number, n: number): number {
  const e = engine()!;
  const f = e.f32;
  let total = 0;
  const pa = heapPtr(a);
  if (pa >= 0) {
    const main = n & ~63;
    if (main > 0) total = e.sum(pa + ao * 4, main >> 6);
    for (let i = main; i < n; i++) total += a[ao + i]!;
    return total;
  }
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
/** Below `ewTuning.minElements`: the fast paths decline before building anything (small tensors are the per-op overhead path). */
function small(out: TensorView): boolean {
  const shape = out.shape;
  let n = 1;
  for (let d = 0; d < shape.length; d++) n *= shape[d]!;
  return n < ewTuning.minElements;
}

function rows(out: TensorView, ins: readonly TensorView[]): { shape: number[]; strides: number[][] } | undefined {
  if (small(out)) return undefined;
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
  if (small(out) || !(op in EW_BINARY)) return false;
  const A = f32buf(a),
    B = f32buf(b),
    O = f32buf(out);
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
  if (small(out) || !(op in EW_UNARY)) return false;
  const X = f32buf(x),
    O = f32buf(out);
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
  const X = f32buf(x),
    O = f32buf(out);
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
