/**
 * Note [Float32 special functions in WGSL]
 * WGSL's builtins are not accurate enough (or not defined) at the edges torch defines, so the
 * issue-13 unary and binary math primitives have their own float32 forms here, used by
 * elementwise.ts for those ops only (the shader of other ops does not carry them):
 *  - asin/acos through atan2 of exact-ish square roots ((1 - x)(1 + x) keeps precision near ±1);
 *  - sinh/cosh from exp(|x| / 2) squared (finite up to 89.4 where exp(|x|) overflows), sinh
 *    from expm1 below 1 (no cancellation at small x);
 *  - asinh/acosh/atanh through log1p forms (exact near 0 and 1), log(x) + ln 2 beyond 1e18;
 *  - erfc from Numerical Recipes' erfcc (fractional error < 1.2e-7) with x² split in two so its
 *    rounding does not reach the exponent; erfinv from M. Giles' single-precision approximation
 *    ("Approximating the erfinv function", GPU Computing Gems, 2011);
 *  - lgamma by the recurrence to x >= 8 and Stirling's series (x + 1 and log x below 1, the
 *    reflection formula with an exactly reduced sin(πx) below 0); digamma by the recurrence to
 *    x >= 10 and the asymptotic series, reflection with tan(πx) on the reduced argument below 0.
 * Poles and infinities are spelled out as torch 1.13 has them (special.ts in backend-cpu lists
 * them). The differential test runs the same cases on webgpu as on cpu.
 */
export const MATH_EXTRA_FNS = /* wgsl */ `
fn m_asin(x: f32) -> f32 {
  if (abs(x) > 1.0) { return f_nan(); }
  return atan2(x, sqrt((1.0 - x) * (1.0 + x)));
}
fn m_acos(x: f32) -> f32 {
  if (abs(x) > 1.0) { return f_nan(); }
  return 2.0 * atan2(sqrt(1.0 - x), sqrt(1.0 + x));
}
fn m_atan(x: f32) -> f32 {
  if (isinf_f(x)) { return sign(x) * 1.5707963267948966; }
  return atan(x);
}
fn m_sinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a < 1.0) {
    let e = f_expm1(a);
    r = 0.5 * (e + e / (e + 1.0));
  } else {
    let h = f_exp(0.5 * a);
    r = (0.5 * h) * h - 0.5 / (h * h);
  }
  return select(r, -r, x < 0.0);
}
fn m_cosh(x: f32) -> f32 {
  let h = f_exp(0.5 * abs(x));
  return (0.5 * h) * h + 0.5 / (h * h);
}
fn m_asinh(x: f32) -> f32 {
  let a = abs(x);
  var r: f32;
  if (a > 1e18) { r = f_log(a) + 0.6931471805599453; }
  else { r = f_log1p(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
  return select(r, -r, x < 0.0);
}
fn m_acosh(x: f32) -> f32 {
  if (x < 1.0) { return f_nan(); }
  if (x > 1e18) { return f_log(x) + 0.6931471805599453; }
  let t = x - 1.0;
  return f_log1p(t + sqrt(2.0 * t + t * t));
}
fn m_atanh(x: f32) -> f32 {
  let a = abs(x);
  if (a > 1.0) { return f_nan(); }
  if (a == 1.0) { return select(f_inf(), -f_inf(), x < 0.0); }
  let r = 0.5 * f_log1p(2.0 * a / (1.0 - a));
  return select(r, -r, x < 0.0);
}
fn m_log2(x: f32) -> f32 {
  if (x < 0.0) { return f_nan(); }
  if (x == 0.0) { return -f_inf(); }
  if (isinf_f(x)) { return x; }
  return log2_sub(x);
}
fn m_exp2(x: f32) -> f32 {
  if (x >= 128.0) { return f_inf(); }
  if (x < -150.0) { return 0.0; }
  if (x < -126.0) { let h = exp2(0.5 * x); return h * h; }
  return exp2(x);
}
fn m_erfc(x: f32) -> f32 {
  if (x < 0.5) { return 1.0 - f_erf(x); }
  if (x > 10.1) { return 0.0; }
  let t = 1.0 / (1.0 + 0.5 * x);
  let p = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807
    + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  // exp(-x² + p) = exp(-xh²) · exp(p - (x - xh)(x + xh)): xh has 12 significant bits, so xh² is exact
  let xh = bitcast<f32>(bitcast<u32>(x) & 0xfffff000u);
  return t * f_exp(-xh * xh) * f_exp(p - (x - xh) * (x + xh));
}
fn m_erfinv(x: f32) -> f32 {
  let a = abs(x);
  if (a > 1.0) { return f_nan(); }
  if (a == 1.0) { return select(f_inf(), -f_inf(), x < 0.0); }
  var w = -log((1.0 - x) * (1.0 + x));
  var p: f32;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
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
  return p * x;
}
// sin(πr) for |r| <= 1, folded into [-0.5, 0.5] first (sin(π(1 - r)) = sin(πr))
fn m_sinpi_r(r: f32) -> f32 {
  var s = r;
  if (s > 0.5) { s = 1.0 - s; }
  if (s < -0.5) { s = -1.0 - s; }
  return sin(3.14159265358979 * s);
}
// log Γ(x) for x >= 1 (finite): the recurrence up to 8, then Stirling's series
fn m_lgamma_ge1(x: f32) -> f32 {
  if (x == 1.0 || x == 2.0) { return 0.0; }
  var z = x;
  var acc = 1.0;
  for (var i = 0; i < 8; i++) {
    if (z >= 8.0) { break; }
    acc = acc * z;
    z = z + 1.0;
  }
  let iz = 1.0 / z;
  let iz2 = iz * iz;
  let series = iz * (0.0833333333333 - iz2 * (0.00277777777778 - iz2 * (0.000793650793651 - iz2 * 0.000595238095238)));
  return (z - 0.5) * f_log(z) - z + 0.918938533204673 + series - f_log(acc);
}
fn m_lgamma(x: f32) -> f32 {
  if (isinf_f(x)) { return f_inf(); }
  if (x <= 0.0 && floor(x) == x) { return f_inf(); }
  if (x >= 1.0) { return m_lgamma_ge1(x); }
  if (x > 0.0) { return m_lgamma_ge1(x + 1.0) - f_log(x); }
  // x < 0, not an integer (so |x| < 2^23): log(π / |sin(πx)|) - log Γ(1 - x)
  let r = x - 2.0 * round(0.5 * x);
  return f_log(3.14159265358979 / abs(m_sinpi_r(r))) - m_lgamma_ge1(1.0 - x);
}
fn m_digamma(xin: f32) -> f32 {
  var x = xin;
  if (x == 0.0) { return select(-f_inf(), f_inf(), (bitcast<u32>(x) & 0x80000000u) != 0u); }
  if (isinf_f(x)) { return select(f_nan(), x, x > 0.0); }
  var result = 0.0;
  if (x < 0.0) {
    if (floor(x) == x) { return f_nan(); }
    let r = x - round(x);
    let a = 3.14159265358979 * r;
    result = -3.14159265358979 * cos(a) / sin(a);
    x = 1.0 - x;
  }
  for (var i = 0; i < 10; i++) {
    if (x >= 10.0) { break; }
    result = result - 1.0 / x;
    x = x + 1.0;
  }
  let ix2 = 1.0 / (x * x);
  let series = ix2 * (0.0833333333333 - ix2 * (0.00833333333333 - ix2 * (0.00396825396825 - ix2 * 0.00416666666667)));
  return result + f_log(x) - 0.5 / x - series;
}
fn m_hypot(a: f32, b: f32) -> f32 {
  let x = abs(a);
  let y = abs(b);
  if (isinf_f(x) || isinf_f(y)) { return f_inf(); }
  if (isnan_f(x) || isnan_f(y)) { return f_nan(); }
  let m = max(x, y);
  if (m == 0.0) { return 0.0; }
  let r = min(x, y) / m;
  return m * sqrt(1.0 + r * r);
}
fn m_logaddexp(a: f32, b: f32, base2: bool) -> f32 {
  if (a == b && isinf_f(a)) { return a; }
  let d = -abs(a - b);
  if (base2) { return max(a, b) + f_log1p(m_exp2(d)) * 1.4426950408889634; }
  return max(a, b) + f_log1p(f_exp(d));
}
fn i_fmod(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  return a % b;
}
`;

/** Does an op's shader need {@link MATH_EXTRA_FNS}? */
export function needsMathExtra(op: string): boolean {
  return MATH_EXTRA_OPS.has(op);
}
const MATH_EXTRA_OPS = new Set([
  'asin',
  'acos',
  'atan',
  'sinh',
  'cosh',
  'asinh',
  'acosh',
  'atanh',
  'log2',
  'log10',
  'exp2',
  'erfc',
  'erfinv',
  'lgamma',
  'digamma',
  'hypot',
  'fmod',
  'logaddexp',
  'logaddexp2',
]);
