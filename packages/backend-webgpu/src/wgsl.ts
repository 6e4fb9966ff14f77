import type { DType } from '@dl/tensor';

/**
 * Note [Storage layout]
 * Every dl buffer on the GPU is an `array<u32>` of 4-byte words, one element per word:
 * float32 as its bits, int32 as its two's-complement bits, uint8 and bool as a u32 value
 * (0..255, 0/1). Kernels load with `bitcast`, so two views of one buffer never need two
 * WGSL types and any buffer can be bound as atomics (scatter-add on floats).
 */

/** WGSL value type a dtype computes in. */
export type WType = 'f32' | 'i32' | 'u32';

export function wtype(d: DType): WType {
  return d === 'float32' ? 'f32' : d === 'int32' ? 'i32' : 'u32';
}

export function isFloatD(d: DType): boolean {
  return d === 'float32';
}

/** Expression reading word `idx` of binding `b` as a value of dtype `d`. */
export function load(b: string, idx: string, d: DType): string {
  const raw = `${b}[${idx}]`;
  const t = wtype(d);
  return t === 'u32' ? raw : `bitcast<${t}>(${raw})`;
}

/** Expression reading the stored word `raw` (a u32 expression) as a value of dtype `d`. */
export function fromWord(raw: string, d: DType): string {
  const t = wtype(d);
  return t === 'u32' ? raw : `bitcast<${t}>(${raw})`;
}

/** Expression turning a value of dtype `d` (already in its wtype) into its stored word. */
export function toWord(v: string, d: DType): string {
  if (d === 'uint8') return `((${v}) & 0xffu)`;
  if (d === 'bool') return `select(0u, 1u, (${v}) != 0u)`;
  return wtype(d) === 'u32' ? v : `bitcast<u32>(${v})`;
}

/** Cast an expression of dtype `from` (in its wtype) to dtype `to` (in its wtype). */
export function cast(v: string, from: DType, to: DType): string {
  if (from === to) return v;
  const ft = wtype(from);
  switch (to) {
    case 'float32':
      return `f32(${v})`;
    case 'int32':
      return ft === 'f32' ? `f2i(${v})` : ft === 'u32' ? `i32(${v})` : v;
    case 'uint8':
      return ft === 'f32' ? `(bitcast<u32>(f2i(${v})) & 0xffu)` : ft === 'i32' ? `(bitcast<u32>(${v}) & 0xffu)` : `((${v}) & 0xffu)`;
    case 'bool':
      return ft === 'f32'
        ? `select(0u, 1u, (${v}) != 0.0 || isnan_f(${v}))`
        : ft === 'i32'
          ? `select(0u, 1u, (${v}) != 0i)`
          : `select(0u, 1u, (${v}) != 0u)`;
    default:
      throw new Error(`webgpu: no WGSL cast to ${to}`);
  }
}

/** Cast to the i32 "integer compute" type. */
export function toI32(v: string, from: DType): string {
  return cast(v, from, 'int32');
}

/**
 * Helpers shared by every kernel. NaN/Inf constants come from private variables:
 * WGSL forbids NaN and Inf in constant expressions (Note [NaN in WGSL]).
 *
 * Note [NaN in WGSL]
 * WGSL leaves min/max/clamp/comparisons with NaN and several builtins outside their
 * domain (log of a negative, pow of a negative base, x/0) indeterminate. Every kernel
 * tests NaN on the bits and handles the special cases itself, as PyTorch defines them.
 */
export const PRELUDE = /* wgsl */ `
var<private> BITS_INF: u32 = 0x7f800000u;
var<private> BITS_NAN: u32 = 0x7fc00000u;
fn f_inf() -> f32 { return bitcast<f32>(BITS_INF); }
fn f_nan() -> f32 { return bitcast<f32>(BITS_NAN); }
fn isnan_f(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn isinf_f(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn f2i(x: f32) -> i32 {
  if (isnan_f(x)) { return bitcast<i32>(0x80000000u); }
  if (x >= 2147483647.0) { return 2147483647i; }
  if (x <= -2147483648.0) { return bitcast<i32>(0x80000000u); }
  return i32(x);
}
fn fmax_nan(a: f32, b: f32) -> f32 {
  if (isnan_f(a) || isnan_f(b)) { return f_nan(); }
  return select(b, a, a > b);
}
fn fmin_nan(a: f32, b: f32) -> f32 {
  if (isnan_f(a) || isnan_f(b)) { return f_nan(); }
  return select(b, a, a < b);
}
fn fdiv(a: f32, b: f32) -> f32 {
  if (b == 0.0 && !isnan_f(b)) {
    if (a == 0.0 || isnan_f(a)) { return f_nan(); }
    let neg = ((bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u) != 0u;
    return select(f_inf(), -f_inf(), neg);
  }
  return a / b;
}
`;

/** Workgroup size of the 1-D elementwise-style kernels. */
export const WG = 256;

/**
 * Entry point header of a 1-D kernel over `n` threads dispatched as a 2-D grid
 * (x up to 65535 groups): defines \`gid\`.
 */
export function entry1d(wg = WG): string {
  return `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let gid = (wid.y * nwg.x + wid.x) * ${wg}u + lid;`;
}

/** Binding declarations: params at 0, buffers at 1.. (`B0`, `B1`, …). */
export function declBindings(n: number, writable: readonly boolean[], atomic: readonly boolean[] = []): string {
  let s = '@group(0) @binding(0) var<storage, read> P: array<u32>;\n';
  for (let i = 0; i < n; i++) {
    const w = writable[i] ?? false;
    const elem = atomic[i] ? 'atomic<u32>' : 'u32';
    s += `@group(0) @binding(${i + 1}) var<storage, ${w ? 'read_write' : 'read'}> B${i}: array<${elem}>;\n`;
  }
  return s;
}
