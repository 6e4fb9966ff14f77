import type { DType } from '@dl/tensor';
import type { BinaryOp, CompareOp, KernelTable, TensorView, UnaryOp, UnaryWithDType } from '@dl/tensor/backend';
import { bind, f32bits, type GpuBuf, type Runtime } from '../runtime.js';
import { cast, entry1d, fromWord, isFloatD, load, PRELUDE, toWord, WG } from '../wgsl.js';
import { stridedCode, stridedParams } from './strided.js';
import { FLOAT_FNS } from './float-fns.js';
import { runElementwise } from './ew-core.js';
import { TRIG_FNS } from './trig.js';
import { reportCode } from '../device-errors.js';
import { MATH_EXTRA_FNS, needsMathExtra } from './math-extra.js';

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

/**
 * `out = op(x)` elementwise.
 *
 * @example
 * unary(rt, 'relu', x, out); // through the contiguous vec4 kernel when x and out are contiguous
 */
export function unary(rt: Runtime, op: UnaryOp, x: TensorView, out: TensorView): void {
  const [expr, ed] = unaryExpr(op, x.dtype, out.dtype);
  runElementwise(rt, {
    key: `unary:${op}:${x.dtype}:${out.dtype}`,
    head: () =>
      `${PRELUDE}${FLOAT_FNS}${op === 'sin' || op === 'cos' || op === 'tan' ? TRIG_FNS : ''}${needsMathExtra(op) ? MATH_EXTRA_FNS : ''}`,
    inputs: [x],
    out,
    body: (w) => ({
      code: `    let x = ${fromWord(w[0]!, x.dtype)};
    let xf = ${cast('x', x.dtype, 'float32')};
    let xi = ${cast('x', x.dtype, 'int32')};
    let r = ${expr};`,
      word: toWord(cast('r', ed, out.dtype), out.dtype),
    }),
  });
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

/**
 * `out = op(a, b)` elementwise (broadcast operands have stride 0); a scalar operand made by the
 * op layer comes as a kernel parameter (Note [Scalars as parameters] in runtime.ts).
 *
 * @example
 * binary(rt, 'add', a, b, out);
 */
export function binary(rt: Runtime, op: BinaryOp, a: TensorView, bv: TensorView, out: TensorView): void {
  const fl = isFloatD(out.dtype) || isFloatD(a.dtype) || isFloatD(bv.dtype);
  // integer remainder by 0 raises, as on cpu and in PyTorch (Note [Deferred GPU errors])
  if (!fl && (op === 'remainder' || op === 'fmod')) return binaryChecked(rt, op, a, bv, out);
  const cd: DType = fl ? 'float32' : 'int32';
  runElementwise(rt, {
    key: `binary:${op}:${a.dtype}:${bv.dtype}:${out.dtype}`,
    head: () => `${PRELUDE}${FLOAT_FNS}${needsMathExtra(op) ? MATH_EXTRA_FNS : ''}`,
    inputs: [a, bv],
    out,
    body: (w) => ({
      code: `    let a = ${cast(fromWord(w[0]!, a.dtype), a.dtype, cd)};
    let b = ${cast(fromWord(w[1]!, bv.dtype), bv.dtype, cd)};
    let r = ${binaryExpr(op, fl)};`,
      word: toWord(cast('r', cd, out.dtype), out.dtype),
    }),
  });
}

function binaryExpr(op: BinaryOp, fl: boolean): string {
  const expr = fl ? FLOAT_BINARY[op] : INT_BINARY[op];
  if (fl && op !== 'maximum' && op !== 'minimum' && op !== 'pow' && op !== 'hypot' && op !== 'copysign') {
    return `select(${expr}, f_nan(), isnan_f(a) || isnan_f(b))`;
  }
  return expr;
}

/** Integer remainder / fmod: the general strided kernel with the zero-divisor check. */
function binaryChecked(rt: Runtime, op: BinaryOp, a: TensorView, bv: TensorView, out: TensorView): void {
  const rank = out.shape.length;
  const b = bind([{ buf: buf(a) }, { buf: buf(bv) }, { buf: buf(out), write: true }, rt.errors.binding()]);
  const params = stridedParams(out.shape, [a, bv, out]);
  const check = `  if (b == 0i) {
    ${reportCode(b.names[3]!, `P[${params.length}]`, 'a', '0u')}
  }
`;
  params.push(rt.errors.site(op, 0, 'zeroDiv'));
  rt.run(
    `binary:${op}:${a.dtype}:${bv.dtype}:${out.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${FLOAT_FNS}${needsMathExtra(op) ? MATH_EXTRA_FNS : ''}${b.decl}${entry1d()}
${stridedCode(rank, 3)}
  let a = ${cast(load(b.names[0]!, 'o0', a.dtype), a.dtype, 'int32')};
  let b = ${cast(load(b.names[1]!, 'o1', bv.dtype), bv.dtype, 'int32')};
  let r = ${INT_BINARY[op]};
${check}  ${b.names[2]}[o2] = ${toWord(cast('r', 'int32', out.dtype), out.dtype)};
}`,
    b,
    params,
    { threads: numelOfView(out), wg: WG },
  );
}

/**
 * `out = op(a, b)` for comparisons and logical ops (bool result).
 *
 * @example
 * compare(rt, 'lt', a, b, out);
 */
export function compare(rt: Runtime, op: CompareOp, a: TensorView, bv: TensorView, out: TensorView): void {
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
  runElementwise(rt, {
    key: `compare:${op}:${a.dtype}:${bv.dtype}:${out.dtype}`,
    head: () => PRELUDE,
    inputs: [a, bv],
    out,
    body: (w) => ({
      code: `    let a = ${cast(fromWord(w[0]!, a.dtype), a.dtype, cd)};
    let b = ${cast(fromWord(w[1]!, bv.dtype), bv.dtype, cd)};
    let r = select(0u, 1u, ${exprs[op]});`,
      word: toWord(cast('r', 'bool', out.dtype), out.dtype),
    }),
  });
}

/**
 * `out = cond ? a : b` elementwise (scalar branches, as in `where(c, 0, g)`, are parameters).
 *
 * @example
 * where(rt, cond, a, b, out);
 */
export function where(rt: Runtime, cond: TensorView, a: TensorView, bv: TensorView, out: TensorView): void {
  const same = a.dtype === out.dtype && bv.dtype === out.dtype;
  const val = (raw: string, d: DType) => (same ? raw : toWord(cast(fromWord(raw, d), d, out.dtype), out.dtype));
  runElementwise(rt, {
    key: `where:${cond.dtype}:${a.dtype}:${bv.dtype}:${out.dtype}`,
    head: () => PRELUDE,
    inputs: [cond, a, bv],
    out,
    body: (w) => ({
      code: `    let c = ${cast(fromWord(w[0]!, cond.dtype), cond.dtype, 'bool')};
    var r: u32;
    if (c != 0u) { r = ${val(w[1]!, a.dtype)}; } else { r = ${val(w[2]!, bv.dtype)}; }`,
      word: 'r',
    }),
  });
}

/**
 * `dst = src` (a cast when the dtypes differ), through strides on both sides.
 *
 * @example
 * copy(rt, x.transposed, y); // a contiguous copy of a transposed view
 */
export function copy(rt: Runtime, src: TensorView, dst: TensorView): void {
  runElementwise(rt, {
    key: `copy:${src.dtype}:${dst.dtype}`,
    head: () => PRELUDE,
    inputs: [src],
    out: dst,
    body: (w) => ({
      code: '',
      word: src.dtype === dst.dtype ? w[0]! : toWord(cast(fromWord(w[0]!, src.dtype), src.dtype, dst.dtype), dst.dtype),
    }),
  });
}

/** The stored word of `value` in dtype `d`. */
export function wordOf(value: number, d: DType): number {
  switch (d) {
    case 'float32':
    case 'float64':
    case 'float16': // float16 kernels run on float32 temporaries (Note [float16 on webgpu])
      return f32bits(value);
    case 'int32':
      return Number.isFinite(value) ? Math.trunc(value) | 0 : 0;
    case 'uint8':
      return Number.isFinite(value) ? Math.trunc(value) & 0xff : 0;
    case 'bool':
      return value !== 0 ? 1 : 0;
  }
}

/**
 * Fill `dst` with `value`. A fill of a whole one-element buffer (the op layer's scalar operands)
 * is deferred: kernels read the value as a parameter (Note [Scalars as parameters] in runtime.ts).
 *
 * @example
 * fill(rt, view, 0.5);
 */
export function fill(rt: Runtime, dst: TensorView, value: number): void {
  const word = wordOf(value, dst.dtype);
  const b = buf(dst);
  if (rt.fast.scalars && b.numel === 1 && dst.offset === 0 && numelOfView(dst) === 1) {
    rt.deferFill(b, word);
    return;
  }
  runElementwise(rt, {
    key: 'fill',
    head: () => PRELUDE,
    inputs: [],
    out: dst,
    extra: [word],
    body: (_w, x) => ({ code: '', word: x[0]! }),
  });
}

/**
 * `out = clamp(x, min, max)`; a null bound is absent (NaN bounds follow torch 1.13).
 *
 * @example
 * clamp(rt, x, 0, 6, out); // relu6
 */
export function clamp(rt: Runtime, x: TensorView, min: number | null, max: number | null, out: TensorView): void {
  const fl = isFloatD(x.dtype) || isFloatD(out.dtype);
  const cd: DType = fl ? 'float32' : 'int32';
  if ((min === null) !== (max === null)) {
    // torch 1.13: a NaN bound given alone is ignored (clamp(x, min=nan) is x); with both bounds
    // given, a NaN one makes every element NaN (the kernel's isnan_f tests below)
    if (min !== null && Number.isNaN(min)) min = null;
    if (max !== null && Number.isNaN(max)) max = null;
  }
  runElementwise(rt, {
    key: `clamp:${x.dtype}:${out.dtype}:${min === null ? 0 : 1}${max === null ? 0 : 1}`,
    head: () => PRELUDE,
    inputs: [x],
    out,
    extra: [min === null ? 0 : wordOf(min, cd), max === null ? 0 : wordOf(max, cd)],
    body: (w, p) => {
      const lo = fl ? `bitcast<f32>(${p[0]})` : `bitcast<i32>(${p[0]})`;
      const hi = fl ? `bitcast<f32>(${p[1]})` : `bitcast<i32>(${p[1]})`;
      let code = `    let x = ${cast(fromWord(w[0]!, x.dtype), x.dtype, cd)};\n    var r = x;\n`;
      if (min !== null) code += fl ? `    r = select(r, ${lo}, r < ${lo} || isnan_f(${lo}));\n` : `    r = max(r, ${lo});\n`;
      if (max !== null) code += fl ? `    r = select(r, ${hi}, r > ${hi} || isnan_f(${hi}));\n` : `    r = min(r, ${hi});\n`;
      if (fl) code += '    r = select(r, x, isnan_f(x));';
      return { code, word: toWord(cast('r', cd, out.dtype), out.dtype) };
    },
  });
}

export function numelOfView(v: TensorView): number {
  return v.shape.reduce((a, b) => a * b, 1);
}
