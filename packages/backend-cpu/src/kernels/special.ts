import { ArgumentError } from '@dl/tensor';
import { erf, erfcPositive } from './math.js';

/**
 * Note [Special functions in double precision]
 * The cpu kernels of erfc, erfinv, lgamma and digamma compute in float64 (the rows run on every
 * dtype through JS numbers) and round once on the store, so float32 results are correctly
 * rounded or within an ulp of it; torch's float32 kernels compute in float32, within the
 * differential test's float32 tolerance of these. Edge values follow torch 1.13: lgamma is +inf
 * at 0, -0, the negative integers and ±inf; digamma is -inf at +0, +inf at -0, NaN at the
 * negative integers and -inf; erfinv is ±inf at ±1 and NaN beyond.
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.9189385332046728;

/** sin(pi·x) with the argument reduced exactly first (x - 2·round(x / 2) is exact in doubles). */
function sinpi(x: number): number {
  const r = x - 2 * Math.round(x / 2);
  return Math.sin(Math.PI * r);
}

/**
 * log|Γ(x)| (`torch.lgamma`): Lanczos (g = 7) for x >= 0.5, the reflection formula below.
 *
 * @example
 * lgamma(0.5); // 0.5723649429247001 (log √π)
 */
export function lgamma(x: number): number {
  if (x !== x) return x;
  if (x === Infinity || x === -Infinity) return Infinity;
  if (x <= 0 && Math.floor(x) === x) return Infinity; // poles (and ±0)
  if (x < 0.5) return Math.log(Math.PI / Math.abs(sinpi(x))) - lgamma(1 - x);
  if (x === 1 || x === 2) return 0;
  const z = x - 1;
  let s = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) s += LANCZOS[i]! / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(s);
}

/**
 * ψ(x) = d/dx log Γ(x) (`torch.digamma`): reflection below 0, recurrence up to 10, then the
 * asymptotic series.
 *
 * @example
 * digamma(1); // -0.5772156649015329 (-γ)
 */
export function digamma(x: number): number {
  if (x !== x) return x;
  if (x === 0) return Object.is(x, -0) ? Infinity : -Infinity;
  if (x === Infinity) return Infinity;
  if (x === -Infinity) return NaN;
  let result = 0;
  if (x < 0) {
    if (Math.floor(x) === x) return NaN;
    // ψ(x) = ψ(1 - x) - π / tan(πx), tan(πx) from the reduced argument
    const r = x - Math.round(x);
    result = -Math.PI / Math.tan(Math.PI * r);
    x = 1 - x;
  }
  while (x < 10) {
    result -= 1 / x;
    x += 1;
  }
  const x2 = 1 / (x * x);
  const series = x2 * (1 / 12 - x2 * (1 / 120 - x2 * (1 / 252 - x2 * (1 / 240 - x2 * (1 / 132)))));
  return result + Math.log(x) - 0.5 / x - series;
}

/**
 * 1 - erf(x) without the cancellation of computing it so for large x (`torch.erfc`).
 *
 * @example
 * erfc(5); // 1.5374597944280349e-12
 */
export function erfc(x: number): number {
  if (x !== x) return x;
  return x < 0 ? 2 - erfcPositive(-x) : erfcPositive(x); // Note [erf in float64]
}

/**
 * The inverse of erf on (-1, 1) (`torch.erfinv`): Giles' single-precision approximation refined
 * by Newton steps on the double-precision erf (erfc near ±1, where erf's 1 - … cancels).
 *
 * @example
 * erfinv(0.5); // 0.4769362762044699
 */
export function erfinv(y: number): number {
  if (y !== y || y < -1 || y > 1) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  let w = -Math.log((1 - y) * (1 + y));
  let p: number;
  if (w < 5) {
    w -= 2.5;
    p = 2.81022636e-8;
    p = 3.43273939e-7 + p * w;
    p = -3.5233877e-6 + p * w;
    p = -4.39150654e-6 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = Math.sqrt(w) - 3;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  let x = p * y;
  const ay = Math.abs(y);
  for (let i = 0; i < 3; i++) {
    const ax = Math.abs(x);
    // residual erf(x) - y, for |y| near 1 as (1 - |y|) - erfc(|x|), exact where erf rounds to 1
    const r = ay > 0.5 ? (1 - ay - erfc(ax)) * Math.sign(y) : erf(x) - y;
    const d = (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x);
    if (d === 0 || !Number.isFinite(r)) break;
    x -= r / d;
  }
  return x;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
/** 1 when the sign bit of x is set (-0 and negative NaN included), else 0. */
export function signbit(x: number): number {
  f64[0] = x;
  return u32[1]! >>> 31;
}

/** Integer fmod: the remainder with the dividend's sign; a zero divisor raises (torch: ZeroDivisionError). */
export function intFmod(x: number, y: number): number {
  if (y === 0) {
    throw new ArgumentError('fmod: integer division by zero (ZeroDivisionError)', {
      op: 'fmod',
      hint: 'a divisor holds 0; for floating tensors the result would be NaN — cast with .float() if that is what you want',
    });
  }
  return x % y;
}

/** log(exp(x) + exp(y)) without overflow; equal infinities give themselves (inf - inf is NaN). */
export function logaddexp(x: number, y: number): number {
  if (x === y && (x === Infinity || x === -Infinity)) return x;
  return Math.max(x, y) + Math.log1p(Math.exp(-Math.abs(x - y)));
}

/** log2(2^x + 2^y) without overflow. */
export function logaddexp2(x: number, y: number): number {
  if (x === y && (x === Infinity || x === -Infinity)) return x;
  return Math.max(x, y) + Math.log1p(2 ** -Math.abs(x - y)) / Math.LN2;
}

/** The special functions the generated kernels call (one object: Note [Generated inner loops]). */
export const SPECIAL = { lgamma, digamma, erfc, erfinv, signbit, intFmod, logaddexp, logaddexp2 };
