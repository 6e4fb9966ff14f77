import type { DType } from '@dl/tensor';
import type { BinaryOp, CompareOp, KernelTable, TensorView, UnaryOp, UnaryWithDType } from '@dl/tensor/backend';
import { bind, f32bits, type GpuBuf, type Runtime } from '../runtime.js';
import { cast, entry1d, isFloatD, load, PRELUDE, toWord, WG } from '../wgsl.js';
import { stridedCode, stridedParams } from './strided.js';
import { TRIG_FNS } from './trig.js';
import { reportCode } from '../device-errors.js';
import { MATH_EXTRA_FNS, needsMathExtra } from './math-extra.js';

const FLOAT_FNS = /* wgsl */ `
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

/** Unary primitives with a bool result (logicalNot, isnan, isinf): their own expressions below. */
type BoolUnary = UnaryWithDType<'bool'>;

/**
 * One WGSL expression per unary primitive (of `x`, in f32). `KernelTable` is derived from
 * @dl/tensor's primitive table: a unary primitive added there without an entry here (or in
 * BOOL_UNARY) fails to type-check.
 */
const FLOAT_UNARY: KernelTable<'unary', string, BoolUnary> = {
  neg: '-x',
  abs: 'abs(x)',
  exp: 'f_exp(x)',
  log: 'f_log(x)',
  log1p: 'f_log1p(x)',
  expm1: 'f_expm1(x)',
  sqrt: 'f_sqrt(x)',
  rsqrt: 'f_rsqrt(x)',
  reciprocal: 'fdiv(1.0, x)',
  // Note [Trig range reduction] (trig.ts): WGSL's own sin/cos/tan are inexact for large |x|
  sin: 'select(f_nan(), f_sin(x), f_trig_ok(x))',
  cos: 'select(f_nan(), f_cos(x), f_trig_ok(x))',
  tan: 'select(f_nan(), f_tan(x), f_trig_ok(x))',
  tanh: 'f_tanh(x)',
  sigmoid: 'f_sigmoid(x)',
  relu: 'select(0.0, x, x > 0.0)',
  erf: 'f_erf(x)',
  sign: 'f32(select(0i, 1i, x > 0.0) - select(0i, 1i, x < 0.0))',
  floor: 'floor(x)',
  ceil: 'ceil(x)',
  round: 'round(x)',
  trunc: 'trunc(x)',
  // Note [Float32 special functions in WGSL] (math-extra.ts)
  asin: 'm_asin(x)',
  acos: 'm_acos(x)',
  atan: 'm_atan(x)',
  sinh: 'm_sinh(x)',
  cosh: 'm_cosh(x)',
  asinh: 'm_asinh(x)',
  acosh: 'm_acosh(x)',
  atanh: 'm_atanh(x)',
  log2: 'm_log2(x)',
  log10: 'f_log(x) * 0.4342944819032518',
  exp2: 'm_exp2(x)',
  erfc: 'm_erfc(x)',
  erfinv: 'm_erfinv(x)',
  lgamma: 'm_lgamma(x)',
  digamma: 'm_digamma(x)',
};

/** Integer forms (of `x`, in i32) where they differ from the float ones; others compute in f32. */
const INT_UNARY: Partial<KernelTable<'unary', string, BoolUnary>> = {
  neg: '-x',
  abs: 'abs(x)',
  sign: 'sign(x)',
  relu: 'max(x, 0i)',
  floor: 'x',
  ceil: 'x',
  round: 'x',
  trunc: 'x',
};

/** The bool-result unary primitives: a u32 0/1 expression of `x` (in `xd`'s compute type). */
const BOOL_UNARY: { readonly [K in BoolUnary]: (xd: DType) => string } = {
  logicalNot: (xd) => `select(1u, 0u, ${cast('x', xd, 'bool')} != 0u)`,
  isnan: (xd) => (isFloatD(xd) ? 'select(0u, 1u, isnan_f(x))' : '0u'),
  isinf: (xd) => (isFloatD(xd) ? 'select(0u, 1u, isinf_f(x))' : '0u'),
  signbit: (xd) => (isFloatD(xd) ? '(bitcast<u32>(x) >> 31u)' : xd === 'int32' ? 'select(0u, 1u, x < 0i)' : '0u'),
};

function isBoolUnary(op: UnaryOp): op is BoolUnary {
  return op in BOOL_UNARY;
}

/** WGSL expression of a unary op; returns [expr, dtype of expr]. Input `x` is in `xd`'s compute type. */
function unaryExpr(op: UnaryOp, xd: DType, od: DType): [string, DType] {
  if (isBoolUnary(op)) return [BOOL_UNARY[op](xd), 'bool'];
  const intOp = INT_UNARY[op];
  if (!isFloatD(xd) && !isFloatD(od) && intOp !== undefined) {
    return [intOp.replace(/\bx\b/g, 'xi'), 'int32'];
  }
  const e = FLOAT_UNARY[op].replace(/\bx\b/g, 'xf');
  // NaN in, NaN out (sign(NaN) is 0, as PyTorch's `(0 < x) - (x < 0)`)
  return [op === 'sign' ? e : `select(${e}, xf, isnan_f(xf))`, 'float32'];
}

function buf(v: TensorView): GpuBuf {
  return v.buffer as GpuBuf;
}

export function unary(rt: Runtime, op: UnaryOp, x: TensorView, out: TensorView): void {
  const rank = out.shape.length;
  const b = bind([{ buf: buf(x) }, { buf: buf(out), write: true }]);
  const [expr, ed] = unaryExpr(op, x.dtype, out.dtype);
  const key = `unary:${op}:${x.dtype}:${out.dtype}:${rank}:${b.key}`;
  rt.run(
    key,
    () => `${PRELUDE}${FLOAT_FNS}${op === 'sin' || op === 'cos' || op === 'tan' ? TRIG_FNS : ''}${needsMathExtra(op) ? MATH_EXTRA_FNS : ''}${b.decl}${entry1d()}
${stridedCode(rank, 2)}
  let x = ${load(b.names[0]!, 'o0', x.dtype)};
  let xf = ${cast('x', x.dtype, 'float32')};
  let xi = ${cast('x', x.dtype, 'int32')};
  let r = ${expr};
  ${b.names[1]}[o1] = ${toWord(cast('r', ed, out.dtype), out.dtype)};
}`,
    b,
    stridedParams(out.shape, [x, out]),
    { threads: numelOfView(out), wg: WG },
  );
}

const FLOAT_BINARY: KernelTable<'binary', string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'fdiv(a, b)',
  pow: 'f_pow(a, b)',
  maximum: 'fmax_nan(a, b)',
  minimum: 'fmin_nan(a, b)',
  remainder: 'f_remainder(a, b)',
  atan2: 'f_atan2(a, b)',
  fmod: 'f_fmod(a, b)',
  hypot: 'm_hypot(a, b)',
  xlogy: 'select(a * f_log(b), 0.0, a == 0.0)',
  logaddexp: 'm_logaddexp(a, b, false)',
  copysign: 'select(abs(a), -abs(a), (bitcast<u32>(b) >> 31u) == 1u)',
  logaddexp2: 'm_logaddexp(a, b, true)',
  // integer and bool only (the op layer raises on floats)
  bitwiseAnd: 'f_nan()',
  bitwiseOr: 'f_nan()',
  bitwiseXor: 'f_nan()',
  bitwiseLeftShift: 'f_nan()',
  bitwiseRightShift: 'f_nan()',
};
const INT_BINARY: KernelTable<'binary', string> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'i_div(a, b)',
  pow: 'i_pow(a, b)',
  maximum: 'max(a, b)',
  minimum: 'min(a, b)',
  remainder: 'i_remainder(a, b)',
  atan2: 'f2i(f_atan2(f32(a), f32(b)))',
  fmod: 'i_fmod(a, b)',
  hypot: 'f2i(m_hypot(f32(a), f32(b)))',
  // (promoted to float32 or raising in the op layer: never integer results)
  xlogy: 'f2i(select(f32(a) * f_log(f32(b)), 0.0, a == 0i))',
  logaddexp: 'f2i(m_logaddexp(f32(a), f32(b), false))',
  copysign: 'select(abs(a), -abs(a), b < 0i)',
  logaddexp2: 'f2i(m_logaddexp(f32(a), f32(b), true))',
  bitwiseAnd: 'a & b',
  bitwiseOr: 'a | b',
  bitwiseXor: 'a ^ b',
  // WGSL takes the shift count mod 32 as JS and torch on x86 do
  bitwiseLeftShift: 'a << u32(b)',
  bitwiseRightShift: 'a >> u32(b)',
};

export function binary(rt: Runtime, op: BinaryOp, a: TensorView, bv: TensorView, out: TensorView): void {
  const rank = out.shape.length;
  const fl = isFloatD(out.dtype) || isFloatD(a.dtype) || isFloatD(bv.dtype);
  // integer remainder by 0 raises, as on cpu and in PyTorch (Note [Deferred GPU errors])
  const zeroCheck = !fl && (op === 'remainder' || op === 'fmod');
  const b = bind([{ buf: buf(a) }, { buf: buf(bv) }, { buf: buf(out), write: true }, ...(zeroCheck ? [rt.errors.binding()] : [])]);
  const cd: DType = fl ? 'float32' : 'int32';
  let expr = fl ? FLOAT_BINARY[op] : INT_BINARY[op];
  if (fl && op !== 'maximum' && op !== 'minimum' && op !== 'pow' && op !== 'hypot' && op !== 'copysign') {
    expr = `select(${expr}, f_nan(), isnan_f(a) || isnan_f(b))`;
  }
  const params = stridedParams(out.shape, [a, bv, out]);
  const check = zeroCheck
    ? `  if (b == 0i) {
    ${reportCode(b.names[3]!, `P[${params.length}]`, 'a', '0u')}
  }
`
    : '';
  if (zeroCheck) params.push(rt.errors.site(op, 0, 'zeroDiv'));
  rt.run(
    `binary:${op}:${a.dtype}:${bv.dtype}:${out.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${FLOAT_FNS}${needsMathExtra(op) ? MATH_EXTRA_FNS : ''}${b.decl}${entry1d()}
${stridedCode(rank, 3)}
  let a = ${cast(load(b.names[0]!, 'o0', a.dtype), a.dtype, cd)};
  let b = ${cast(load(b.names[1]!, 'o1', bv.dtype), bv.dtype, cd)};
  let r = ${expr};
${check}  ${b.names[2]}[o2] = ${toWord(cast('r', cd, out.dtype), out.dtype)};
}`,
    b,
    params,
    { threads: numelOfView(out), wg: WG },
  );
}

export function compare(rt: Runtime, op: CompareOp, a: TensorView, bv: TensorView, out: TensorView): void {
  const rank = out.shape.length;
  const b = bind([{ buf: buf(a) }, { buf: buf(bv) }, { buf: buf(out), write: true }]);
  const fl = isFloatD(a.dtype) || isFloatD(bv.dtype);
  const cd: DType = fl ? 'float32' : 'int32';
  const nan = fl ? '(isnan_f(a) || isnan_f(b))' : 'false';
  const truthy = (v: string) => (fl ? `(${v} != 0.0 || isnan_f(${v}))` : `(${v} != 0i)`);
  const exprs: KernelTable<'compare', string> = {
    eq: `!${nan} && a == b`,
    ne: `${nan} || a != b`,
    lt: `!${nan} && a < b`,
    le: `!${nan} && a <= b`,
    gt: `!${nan} && a > b`,
    ge: `!${nan} && a >= b`,
    logicalAnd: `${truthy('a')} && ${truthy('b')}`,
    logicalOr: `${truthy('a')} || ${truthy('b')}`,
    logicalXor: `${truthy('a')} != ${truthy('b')}`,
  };
  rt.run(
    `compare:${op}:${a.dtype}:${bv.dtype}:${out.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 3)}
  let a = ${cast(load(b.names[0]!, 'o0', a.dtype), a.dtype, cd)};
  let b = ${cast(load(b.names[1]!, 'o1', bv.dtype), bv.dtype, cd)};
  let r = select(0u, 1u, ${exprs[op]});
  ${b.names[2]}[o2] = ${toWord(cast('r', 'bool', out.dtype), out.dtype)};
}`,
    b,
    stridedParams(out.shape, [a, bv, out]),
    { threads: numelOfView(out), wg: WG },
  );
}

export function where(rt: Runtime, cond: TensorView, a: TensorView, bv: TensorView, out: TensorView): void {
  const rank = out.shape.length;
  const b = bind([{ buf: buf(cond) }, { buf: buf(a) }, { buf: buf(bv) }, { buf: buf(out), write: true }]);
  const same = a.dtype === out.dtype && bv.dtype === out.dtype;
  const val = (name: string, idx: string, d: DType) =>
    same ? `${name}[${idx}]` : toWord(cast(load(name, idx, d), d, out.dtype), out.dtype);
  rt.run(
    `where:${cond.dtype}:${a.dtype}:${bv.dtype}:${out.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 4)}
  let c = ${cast(load(b.names[0]!, 'o0', cond.dtype), cond.dtype, 'bool')};
  var r: u32;
  if (c != 0u) { r = ${val(b.names[1]!, 'o1', a.dtype)}; } else { r = ${val(b.names[2]!, 'o2', bv.dtype)}; }
  ${b.names[3]}[o3] = r;
}`,
    b,
    stridedParams(out.shape, [cond, a, bv, out]),
    { threads: numelOfView(out), wg: WG },
  );
}

export function copy(rt: Runtime, src: TensorView, dst: TensorView): void {
  const rank = dst.shape.length;
  const b = bind([{ buf: buf(src) }, { buf: buf(dst), write: true }]);
  const body =
    src.dtype === dst.dtype ? `${b.names[0]}[o0]` : toWord(cast(load(b.names[0]!, 'o0', src.dtype), src.dtype, dst.dtype), dst.dtype);
  rt.run(
    `copy:${src.dtype}:${dst.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 2)}
  ${b.names[1]}[o1] = ${body};
}`,
    b,
    stridedParams(dst.shape, [src, dst]),
    { threads: numelOfView(dst), wg: WG },
  );
}

/** The stored word of `value` in dtype `d`. */
export function wordOf(value: number, d: DType): number {
  switch (d) {
    case 'float32':
    case 'float64':
      return f32bits(value);
    case 'int32':
      return Number.isFinite(value) ? Math.trunc(value) | 0 : 0;
    case 'uint8':
      return Number.isFinite(value) ? Math.trunc(value) & 0xff : 0;
    case 'bool':
      return value !== 0 ? 1 : 0;
  }
}

export function fill(rt: Runtime, dst: TensorView, value: number): void {
  const rank = dst.shape.length;
  const b = bind([{ buf: buf(dst), write: true }]);
  const params = stridedParams(dst.shape, [dst]);
  const vi = params.length;
  params.push(wordOf(value, dst.dtype));
  rt.run(
    `fill:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 1)}
  ${b.names[0]}[o0] = P[${vi}];
}`,
    b,
    params,
    { threads: numelOfView(dst), wg: WG },
  );
}

export function clamp(rt: Runtime, x: TensorView, min: number | null, max: number | null, out: TensorView): void {
  const rank = out.shape.length;
  const b = bind([{ buf: buf(x) }, { buf: buf(out), write: true }]);
  const params = stridedParams(out.shape, [x, out]);
  const pi = params.length;
  const fl = isFloatD(x.dtype) || isFloatD(out.dtype);
  const cd: DType = fl ? 'float32' : 'int32';
  if ((min === null) !== (max === null)) {
    // torch 1.13: a NaN bound given alone is ignored (clamp(x, min=nan) is x); with both bounds
    // given, a NaN one makes every element NaN (the kernel's isnan_f tests below)
    if (min !== null && Number.isNaN(min)) min = null;
    if (max !== null && Number.isNaN(max)) max = null;
  }
  params.push(min === null ? 0 : wordOf(min, cd), max === null ? 0 : wordOf(max, cd));
  const lo = fl ? `bitcast<f32>(P[${pi}])` : `bitcast<i32>(P[${pi}])`;
  const hi = fl ? `bitcast<f32>(P[${pi + 1}])` : `bitcast<i32>(P[${pi + 1}])`;
  let body = '';
  if (min !== null) body += fl ? `  r = select(r, ${lo}, r < ${lo} || isnan_f(${lo}));\n` : `  r = max(r, ${lo});\n`;
  if (max !== null) body += fl ? `  r = select(r, ${hi}, r > ${hi} || isnan_f(${hi}));\n` : `  r = min(r, ${hi});\n`;
  if (fl) body += '  r = select(r, x, isnan_f(x));\n';
  rt.run(
    `clamp:${x.dtype}:${out.dtype}:${min === null ? 0 : 1}${max === null ? 0 : 1}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 2)}
  let x = ${cast(load(b.names[0]!, 'o0', x.dtype), x.dtype, cd)};
  var r = x;
${body}  ${b.names[1]}[o1] = ${toWord(cast('r', cd, out.dtype), out.dtype)};
}`,
    b,
    params,
    { threads: numelOfView(out), wg: WG },
  );
}

export function numelOfView(v: TensorView): number {
  return v.shape.reduce((a, b) => a * b, 1);
}
