import type { TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, WG } from '../wgsl.js';

/**
 * Note [float16 on webgpu]
 * A float16 buffer packs two IEEE halves per 4-byte word, element `i` in the low (`i` even) or
 * high half of word `i >> 1` (Note [Storage layout] otherwise holds one element per word), so a
 * float16 tensor takes 2 bytes per element (rounded up to whole words). The conversions are
 * integer code on the bits, exact and the same on every adapter: `h2f` widens (subnormals
 * kept), `f2h` rounds to nearest-even with overflow to ±inf, as `c10::Half(float)`. They need
 * no `shader-f16` (WGSL's own f16 leaves rounding and subnormals to the implementation), so
 * float16 works on every adapter. Kernels compute in float32 (half-kernels.ts).
 */
export const HALF_FNS = /* wgsl */ `
fn h2f(h: u32) -> f32 {
  let s = (h & 0x8000u) << 16u;
  let e = (h >> 10u) & 0x1fu;
  let m = h & 0x3ffu;
  if (e == 0u) { return bitcast<f32>(bitcast<u32>(f32(m) * 5.9604644775390625e-8) | s); }
  if (e == 31u) { return bitcast<f32>(s | 0x7f800000u | (m << 13u)); }
  return bitcast<f32>(s | ((e + 112u) << 23u) | (m << 13u));
}
fn f2h(v: f32) -> u32 {
  let x = bitcast<u32>(v);
  let sign = (x >> 16u) & 0x8000u;
  let ex = (x >> 23u) & 0xffu;
  let mant = x & 0x7fffffu;
  if (ex == 255u) {
    if (mant != 0u) { return sign | 0x7e00u | (mant >> 13u); }
    return sign | 0x7c00u;
  }
  let e = i32(ex) - 112;
  if (e >= 31) { return sign | 0x7c00u; }
  if (e <= 0) {
    let shift = u32(14 - e);
    if (shift > 24u) { return sign; }
    let m = mant | 0x800000u;
    var h = m >> shift;
    let rem = m & ((1u << shift) - 1u);
    let hw = 1u << (shift - 1u);
    if (rem > hw || (rem == hw && (h & 1u) == 1u)) { h = h + 1u; }
    return sign | h;
  }
  var h = (u32(e) << 10u) | (mant >> 13u);
  let rem = mant & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u) == 1u)) { h = h + 1u; }
  return sign | h;
}
`;

/** WGSL computing `at`, the storage index of flat element `gid` of the view in params P[2..] (offset, rank, shape, strides). */
const AT = `  let rank = P[2];
  var rem = gid;
  var at = P[1];
  for (var d = i32(rank) - 1; d >= 0; d = d - 1) {
    let sz = P[3u + u32(d)];
    at = at + (rem % sz) * P[3u + rank + u32(d)];
    rem = rem / sz;
  }`;

function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

function viewParams(v: TensorView): number[] {
  return [numelOf(v.shape), v.offset, v.shape.length, ...v.shape, ...v.strides];
}

function isContiguous(v: TensorView): boolean {
  let acc = 1;
  for (let d = v.shape.length - 1; d >= 0; d--) {
    if (v.shape[d]! !== 1 && v.strides[d]! !== acc) return false;
    acc *= v.shape[d]!;
  }
  return true;
}

/**
 * `dst` (a contiguous float32 view from element 0) = the float16 view `src`, exactly.
 *
 * @example
 * widenHalf(rt, x16, tmp32); // tmp32 holds x16's values as float32
 */
export function widenHalf(rt: Runtime, src: TensorView, dst: TensorView): void {
  const b = bind([
    { buf: src.buffer as GpuBuf, write: false },
    { buf: dst.buffer as GpuBuf, write: true },
  ]);
  const [s, o] = b.names;
  rt.run(
    `half:widen:${b.key}`,
    () => `${HALF_FNS}${b.decl}${entry1d()}
  if (gid >= P[0]) { return; }
${AT}
  let h = (${s}[at >> 1u] >> ((at & 1u) * 16u)) & 0xffffu;
  ${o}[gid] = bitcast<u32>(h2f(h));
}`,
    b,
    viewParams(src),
    { threads: numelOf(src.shape), wg: WG },
  );
}

/**
 * The float16 view `dst` = the contiguous float32 view `src` (from element 0) rounded to half, or
 * `value` rounded when `src` is null (fill). A contiguous `dst` at an even offset is written a
 * word (two elements) per thread; any other view through atomics on its halves.
 *
 * @example
 * narrowHalf(rt, tmp32, out16, 0);
 */
export function narrowHalf(rt: Runtime, src: TensorView | null, dst: TensorView, value = 0): void {
  const n = numelOf(dst.shape);
  if (n === 0) return;
  const out = dst.buffer as GpuBuf;
  const read = src === null ? '' : `${src.buffer === dst.buffer ? '' : 'S'}`;
  if (isContiguous(dst) && dst.offset % 2 === 0) {
    const b =
      src === null
        ? bind([{ buf: out, write: true }])
        : bind([
            { buf: out, write: true },
            { buf: src.buffer as GpuBuf, write: false },
          ]);
    const [o, s] = b.names;
    const val = (i: string): string => (src === null ? `bitcast<f32>(P[3])` : `bitcast<f32>(${s}[${i}])`);
    rt.run(
      `half:narrowc:${read}${b.key}`,
      () => `${HALF_FNS}${b.decl}${entry1d()}
  let w = gid;
  let i = 2u * w;
  if (i >= P[0]) { return; }
  let lo = f2h(${val('i')});
  let word = P[1] / 2u + w;
  if (i + 1u < P[0]) {
    ${o}[word] = lo | (f2h(${val('i + 1u')}) << 16u);
  } else {
    ${o}[word] = (${o}[word] & 0xffff0000u) | lo;
  }
}`,
      b,
      [n, dst.offset, 0, src === null ? f32bits(value) : 0],
      { threads: Math.ceil(n / 2), wg: WG },
    );
    return;
  }
  const b =
    src === null
      ? bind([{ buf: out, write: true, atomic: true }])
      : bind([
          { buf: out, write: true, atomic: true },
          { buf: src.buffer as GpuBuf, write: false },
        ]);
  const [o, s] = b.names;
  const r = dst.shape.length;
  rt.run(
    `half:narrows:${read}${b.key}`,
    () => `${HALF_FNS}${b.decl}${entry1d()}
  if (gid >= P[0]) { return; }
${AT}
  let v = ${src === null ? `bitcast<f32>(P[3u + 2u * rank])` : `bitcast<f32>(${s}[gid])`};
  let sh = (at & 1u) * 16u;
  atomicAnd(&${o}[at >> 1u], ~(0xffffu << sh));
  atomicOr(&${o}[at >> 1u], f2h(v) << sh);
}`,
    b,
    [...viewParams(dst), ...(src === null ? [f32bits(value)] : []), ...(r === 0 ? [0] : [])],
    { threads: n, wg: WG },
  );
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);
function f32bits(v: number): number {
  F32[0] = v;
  return U32[0]!;
}
