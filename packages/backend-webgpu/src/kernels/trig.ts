/**
 * Note [Trig range reduction]
 * WGSL's sin/cos/tan promise little: Vulkan requires an absolute error of 2^-11 on [-π, π] only,
 * GPUs use fast approximations whose error grows with |x|, and beyond ~1e5 some return garbage.
 * PyTorch computes float32 sin/cos/tan with a full range reduction, so `sin(1e10)` is the sine of
 * the float 1e10, correct to an ulp or two. These kernels do the same, in 32-bit integer and
 * float arithmetic only (WGSL has no f64 or 64-bit integers):
 *
 * 1. Payne–Hanek reduction for every |x| > π/4: with x = M·2^(E−23) (M the 24-bit integer
 *    significand), x·2/π mod 4 needs only a 128-bit window of the bits of 2/π chosen by E (bits
 *    further left contribute multiples of 4, bits further right less than 2^-70). The window
 *    (4 words of `TWO_OVER_PI`) times M is a 160-bit product (32×32→64-bit multiplies built from
 *    16-bit halves); its bits at the 2^1…2^-94 positions give the quadrant q (2 bits) and a 94-bit
 *    fraction f. f ≥ 1/2 rounds q up and negates f, so |f| ≤ 1/2; f is normalised (leading zeros
 *    skipped, so even an x within 2^-30 of a multiple of π/2 keeps 24 significant bits) and
 *    r = f·π/2 in float32, |r| ≤ π/4.
 * 2. sin / cos of r by the minimax polynomials of Cephes' sinf/cosf (relative error ~1e-7 on
 *    [-π/4, π/4]; sin(r) ≈ r near 0 keeps tiny arguments exact); the quadrant picks ±sin/±cos;
 *    tan is sin/cos of the quadrant (−cos/sin for odd q).
 * 3. ±inf gives NaN (the caller), NaN stays NaN; sin(−x) = −sin(x), tan odd, cos even.
 *
 * Checked against torch 1.13 (float32, cpu) at 1e3, 1e5, 1e10, 1e20, 3e38, −1e10 and random
 * arguments across the exponent range (trig.test.ts).
 */
export const TRIG_FNS = /* wgsl */ `
var<private> TWO_OVER_PI: array<u32, 7> = array<u32, 7>(
  0xa2f9836eu, 0x4e441529u, 0xfc2757d1u, 0xf534ddc0u, 0xdb629599u, 0x3c439041u, 0xfe5163abu);
var<private> PH_P: array<u32, 6>;
fn mul_wide(a: u32, b: u32) -> vec2<u32> {
  let a0 = a & 0xffffu; let a1 = a >> 16u;
  let b0 = b & 0xffffu; let b1 = b >> 16u;
  let p00 = a0 * b0; let p01 = a0 * b1; let p10 = a1 * b0; let p11 = a1 * b1;
  let mid = (p00 >> 16u) + (p01 & 0xffffu) + (p10 & 0xffffu);
  return vec2<u32>((p00 & 0xffffu) | (mid << 16u), p11 + (p01 >> 16u) + (p10 >> 16u) + (mid >> 16u));
}
// 32 bits of the 160-bit product starting at bit n (n >= 0).
fn ph_bits(n: u32) -> u32 {
  let wi = n >> 5u; let bi = n & 31u;
  if (bi == 0u) { return PH_P[wi]; }
  return (PH_P[wi] >> bi) | (PH_P[wi + 1u] << (32u - bi));
}
// |x| (finite, > pi/4) = q*pi/2 + r, |r| <= pi/4: returns (r, q mod 4).
fn trig_reduce(ax: f32) -> vec2<f32> {
  let ix = bitcast<u32>(ax);
  let e = i32(ix >> 23u) - 127;
  let m = (ix & 0x7fffffu) | 0x800000u;
  var w = 0i;
  if (e >= 25i) { w = (e - 25i) / 32i; }
  var carry = 0u;
  for (var i = 0i; i < 4i; i++) {
    let pr = mul_wide(TWO_OVER_PI[w + 3i - i], m);
    let lo = pr.x + carry;
    carry = pr.y + select(0u, 1u, lo < pr.x);
    PH_P[i] = lo;
  }
  PH_P[4] = carry;
  PH_P[5] = 0u;
  // x*2/pi = P * 2^sh with sh = e - 151 - 32w; bit b of P has weight 2^(b + sh); 2^1 <-> bit 1 - sh
  let top = u32(152i + 32i * w - e); // bit of P with weight 2^1
  let w2 = ph_bits(top - 31u);
  let w1 = ph_bits(top - 63u);
  let w0 = ph_bits(top - 95u);
  var q = w2 >> 30u;
  var f2 = (w2 << 2u) | (w1 >> 30u);
  var f1 = (w1 << 2u) | (w0 >> 30u);
  var f0 = w0 << 2u;
  var sgn = 1.0;
  if ((f2 & 0x80000000u) != 0u) {
    // f >= 1/2: next quadrant, remainder 1 - f (two's complement of the 96-bit fraction)
    q = q + 1u;
    sgn = -1.0;
    f0 = ~f0 + 1u;
    f1 = ~f1 + select(0u, 1u, f0 == 0u);
    f2 = ~f2 + select(0u, 1u, f0 == 0u && f1 == 0u);
  }
  var sc = 0i;
  if (f2 == 0u) { f2 = f1; f1 = f0; f0 = 0u; sc = sc + 32i; }
  if (f2 == 0u) { f2 = f1; f1 = 0u; sc = sc + 32i; }
  let lz = countLeadingZeros(f2);
  var hi = f2;
  if (lz > 0u && lz < 32u) { hi = (f2 << lz) | (f1 >> (32u - lz)); }
  // hi holds the fraction's leading 32 bits: f = hi * 2^-(32 + sc + lz); keep 24 of them, rounded
  let hr = (hi >> 8u) + ((hi >> 7u) & 1u);
  let f = ldexp(f32(hr), -(24i + sc + i32(lz)));
  // r = f * pi/2 with pi/2 split so the product loses no bits
  let r = sgn * (f * 1.5707963705062866 + f * -4.371139000186243e-8);
  return vec2<f32>(r, f32(q & 3u));
}
fn sin_poly(r: f32) -> f32 {
  let z = r * r;
  return ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
}
fn cos_poly(r: f32) -> f32 {
  let z = r * r;
  return ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
}
// (sin, cos) of x (finite)
fn sincos_f(x: f32) -> vec2<f32> {
  let ax = abs(x);
  var r = ax;
  var q = 0u;
  if (ax > 0.7853981633974483) {
    let rq = trig_reduce(ax);
    r = rq.x;
    q = u32(rq.y);
  }
  let s = sin_poly(r);
  let c = cos_poly(r);
  var sv = s; var cv = c;
  if (q == 1u) { sv = c; cv = -s; }
  else if (q == 2u) { sv = -s; cv = -c; }
  else if (q == 3u) { sv = -c; cv = s; }
  if ((bitcast<u32>(x) & 0x80000000u) != 0u) { sv = -sv; }
  return vec2<f32>(sv, cv);
}
fn f_sin(x: f32) -> f32 { return sincos_f(x).x; }
fn f_cos(x: f32) -> f32 { return sincos_f(x).y; }
fn f_tan(x: f32) -> f32 {
  let sc = sincos_f(x);
  return sc.x / sc.y;
}
`;
