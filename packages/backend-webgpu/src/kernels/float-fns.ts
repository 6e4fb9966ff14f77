/** WGSL helpers of the float unary/binary kernels (NaN/Inf/subnormal cases as PyTorch defines them; Note [NaN in WGSL]). */
export const FLOAT_FNS = /* wgsl */ `
// log / log2 of subnormal x: builtins (lavapipe's too) treat them as FLT_MIN; scale by 2^24 first
fn log_sub(x: f32) -> f32 {
  if (x < 1.17549435e-38) { return log(x * 16777216.0) - 16.635532333438687; }
  return log(x);
}
fn log2_sub(x: f32) -> f32 {
  if (x < 1.17549435e-38) { return log2(x * 16777216.0) - 24.0; }
  return log2(x);
}
fn f_log(x: f32) -> f32 {
  if (x < 0.0) { return f_nan(); }
  if (x == 0.0) { return -f_inf(); }
  if (isinf_f(x)) { return x; }
  return log_sub(x);
}
fn f_log1p(x: f32) -> f32 {
  if (x < -1.0) { return f_nan(); }
  if (x == -1.0) { return -f_inf(); }
  if (isinf_f(x)) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn f_exp(x: f32) -> f32 {
  if (x > 88.7228) { return f_inf(); }
  if (x < -103.98) { return 0.0; }
  // subnormal results: builtin exp flushes them (lavapipe too); squaring exp(x/2) does not
  // where the device keeps subnormals (README, "Denormals")
  if (x < -87.0) { let h = exp(0.5 * x); return h * h; }
  return exp(x);
}
fn f_expm1(x: f32) -> f32 {
  if (x > 88.7) { return f_inf(); }
  if (x < -17.0) { return -1.0; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let um1 = u - 1.0;
  if (um1 == -1.0) { return -1.0; }
  return um1 * x / log(u);
}
fn f_sqrt(x: f32) -> f32 {
  if (x < 0.0) { return f_nan(); }
  if (isinf_f(x)) { return x; }
  return sqrt(x);
}
fn f_rsqrt(x: f32) -> f32 {
  if (x < 0.0) { return f_nan(); }
  if (x == 0.0) { return select(f_inf(), -f_inf(), (bitcast<u32>(x) & 0x80000000u) != 0u); }
  if (isinf_f(x)) { return 0.0; }
  return 1.0 / sqrt(x);
}
fn f_trig_ok(x: f32) -> bool { return !isinf_f(x); }
fn f_tanh(x: f32) -> f32 {
  if (abs(x) > 10.0) { return sign(x); }
  if (abs(x) < 0.0005) { return x - x * x * x / 3.0; }
  let e = exp(2.0 * x);
  return (e - 1.0) / (e + 1.0);
}
fn f_sigmoid(x: f32) -> f32 {
  if (x >= 0.0) { return 1.0 / (1.0 + f_exp(-x)); }
  let e = f_exp(x);
  return e / (1.0 + e);
}
fn f_erf(x: f32) -> f32 {
  let a = abs(x);
  if (a < 0.5) {
    let x2 = x * x;
    return 1.1283791670955126 * x * (1.0 + x2 * (-0.3333333333 + x2 * (0.1 + x2 * (-0.0238095238 + x2 * (0.0046296296 + x2 * -0.0007575758)))));
  }
  if (a > 4.0) { return sign(x); }
  // Abramowitz & Stegun 7.1.28-style rational approximation (|error| < 3e-7)
  let t = 1.0 / (1.0 + 0.0705230784 * a + 0.0422820123 * a * a + 0.0092705272 * a * a * a
    + 0.0001520143 * a * a * a * a + 0.0002765672 * a * a * a * a * a + 0.0000430638 * a * a * a * a * a * a);
  let t2 = t * t; let t4 = t2 * t2; let t8 = t4 * t4; let t16 = t8 * t8;
  return sign(x) * (1.0 - t16);
}
fn f_round(x: f32) -> f32 { return round(x); }
fn f_pow(a: f32, b: f32) -> f32 {
  if (b == 0.0) { return 1.0; }
  if (isnan_f(a) || isnan_f(b)) { return select(f_nan(), 1.0, a == 1.0); }
  if (a == 1.0) { return 1.0; }
  let bInt = floor(b) == b && !isinf_f(b);
  let bOdd = bInt && abs(b) < 16777216.0 && (i32(abs(b)) % 2) == 1;
  if (a == 0.0) {
    let neg0 = (bitcast<u32>(a) & 0x80000000u) != 0u;
    if (b > 0.0) { return select(0.0, a, bOdd); }
    return select(f_inf(), -f_inf(), bOdd && neg0);
  }
  if (isinf_f(b)) {
    let m = abs(a);
    if (m == 1.0) { return 1.0; }
    if ((m > 1.0) == (b > 0.0)) { return f_inf(); }
    return 0.0;
  }
  if (isinf_f(a)) {
    if (a > 0.0) { return select(0.0, f_inf(), b > 0.0); }
    let r = select(0.0, f_inf(), b > 0.0);
    return select(r, -r, bOdd);
  }
  if (a < 0.0) {
    if (!bInt) { return f_nan(); }
    let r = exp2(b * log2_sub(-a));
    return select(r, -r, bOdd);
  }
  if (bInt && abs(b) <= 64.0) {
    var r = 1.0; var base = a; var e = u32(abs(b));
    loop { if (e == 0u) { break; } if ((e & 1u) == 1u) { r = r * base; } base = base * base; e = e >> 1u; }
    return select(r, fdiv(1.0, r), b < 0.0);
  }
  return exp2(b * log2_sub(a));
}
// fmod, exact as C's (a - trunc(a/b)*b loses every digit for |a/b| >~ 2^24, e.g. 1e20 % 3):
// |a| = ma*2^(ea-23), |b| = mb*2^(eb-23) with 24-bit integer significands, so
// |a| mod |b| = 2^(eb-23) * ((ma * 2^(ea-eb)) mod mb), shifting at most 8 bits per step in u32.
fn f_fmod(a: f32, b: f32) -> f32 {
  if (isnan_f(a) || isnan_f(b) || isinf_f(a) || b == 0.0) { return f_nan(); }
  if (isinf_f(b)) { return a; }
  let ua = bitcast<u32>(a) & 0x7fffffffu;
  let ub = bitcast<u32>(b) & 0x7fffffffu;
  if (ua < ub) { return a; }
  let fa = ua >> 23u; let fb = ub >> 23u;
  let ma = select((ua & 0x7fffffu) | 0x800000u, ua, fa == 0u);
  let mb = select((ub & 0x7fffffu) | 0x800000u, ub, fb == 0u);
  var d = i32(max(fa, 1u)) - i32(max(fb, 1u));
  var r = ma % mb;
  loop {
    if (d <= 0i || r == 0u) { break; }
    let sft = u32(min(d, 8i));
    r = (r << sft) % mb;
    d = d - i32(sft);
  }
  let m = ldexp(f32(r), i32(max(fb, 1u)) - 150i);
  return select(m, -m, a < 0.0);
}
fn f_remainder(a: f32, b: f32) -> f32 {
  if (isinf_f(b) && !isnan_f(a) && !isinf_f(a)) {
    if (a == 0.0 || (a > 0.0) == (b > 0.0)) { return a; }
    return b;
  }
  var r = f_fmod(a, b);
  if (r != 0.0 && ((r < 0.0) != (b < 0.0))) { r = r + b; }
  return r;
}
fn f_sgn(v: f32, like: f32) -> f32 { return select(v, -v, (bitcast<u32>(like) & 0x80000000u) != 0u); }
fn f_atan2(y: f32, x: f32) -> f32 {
  let pi = 3.14159265358979;
  let xneg = (bitcast<u32>(x) & 0x80000000u) != 0u;
  if (y == 0.0) { return select(y, f_sgn(pi, y), xneg); }
  if (x == 0.0) { return f_sgn(pi / 2.0, y); }
  if (isinf_f(x)) {
    if (isinf_f(y)) { return f_sgn(select(pi / 4.0, 3.0 * pi / 4.0, xneg), y); }
    return f_sgn(select(0.0, pi, xneg), y);
  }
  if (isinf_f(y)) { return f_sgn(pi / 2.0, y); }
  return atan2(y, x);
}
fn i_div(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  return a / b;
}
fn i_remainder(a: i32, b: i32) -> i32 {
  if (b == 0i) { return 0i; }
  var r = a % b;
  if (r != 0i && ((r < 0i) != (b < 0i))) { r = r + b; }
  return r;
}
fn i_pow(a: i32, b: i32) -> i32 {
  if (b < 0i) {
    if (a == 1i) { return 1i; }
    if (a == -1i) { return select(1i, -1i, (b & 1i) == 1i); }
    return 0i;
  }
  var r = 1i; var base = a; var e = u32(b);
  loop { if (e == 0u) { break; } if ((e & 1u) == 1u) { r = r * base; } base = base * base; e = e >> 1u; }
  return r;
}
`;
