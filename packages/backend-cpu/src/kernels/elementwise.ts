import type { DType } from '@dl/tensor';
import type { BinaryOp, CompareOp, KernelTable, TensorView, UnaryOp } from '@dl/tensor/backend';
import { erf, intRemainder, pyRemainder, roundHalfEven } from './math.js';
import { SPECIAL } from './special.js';
import { collapse, forEachRow } from '../strided.js';
import type { CpuBuffer } from '../buffer.js';

/**
 * Note [Generated inner loops]
 * Each (op, output-dtype) pair gets one inner-row loop generated once with `new Function`,
 * so V8 compiles a monomorphic loop with the op's expression inlined. The outer loops over
 * rows are shared (see strided.ts).
 */
type RowFn = (o: CpuBuffer, oo: number, os: number, a: CpuBuffer, ao: number, as: number, b: CpuBuffer | null, bo: number, bs: number, n: number, c: CpuBuffer | null, co: number, cs: number) => void;

// One JS expression per primitive of each kind; `KernelTable` is derived from @dl/tensor's
// primitive table, so a primitive added there without an entry here fails to type-check.
const UNARY: KernelTable<'unary', string> = {
  neg: '-x',
  abs: 'Math.abs(x)',
  exp: 'Math.exp(x)',
  log: 'Math.log(x)',
  log1p: 'Math.log1p(x)',
  expm1: 'Math.expm1(x)',
  sqrt: 'Math.sqrt(x)',
  rsqrt: '1 / Math.sqrt(x)',
  reciprocal: '1 / x',
  sin: 'Math.sin(x)',
  cos: 'Math.cos(x)',
  tan: 'Math.tan(x)',
  tanh: 'Math.tanh(x)',
  sigmoid: '(x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)))',
  relu: '(x > 0 ? x : x !== x ? x : 0)',
  erf: 'erf(x)',
  sign: '(x > 0 ? 1 : x < 0 ? -1 : 0)', // sign(NaN) is 0, as PyTorch
  floor: 'Math.floor(x)',
  ceil: 'Math.ceil(x)',
  round: 'roundHalfEven(x)',
  trunc: 'Math.trunc(x)',
  logicalNot: '(x === 0 ? 1 : 0)',
  isnan: '(x !== x ? 1 : 0)',
  isinf: '(x === Infinity || x === -Infinity ? 1 : 0)',
  asin: 'Math.asin(x)',
  acos: 'Math.acos(x)',
  atan: 'Math.atan(x)',
  sinh: 'Math.sinh(x)',
  cosh: 'Math.cosh(x)',
  asinh: 'Math.asinh(x)',
  acosh: 'Math.acosh(x)',
  atanh: 'Math.atanh(x)',
  log2: 'Math.log2(x)',
  log10: 'Math.log10(x)',
  exp2: 'Math.pow(2, x)',
  // Note [Special functions in double precision] (special.ts)
  erfc: 'S.erfc(x)',
  erfinv: 'S.erfinv(x)',
  lgamma: 'S.lgamma(x)',
  digamma: 'S.digamma(x)',
  signbit: 'S.signbit(x)',
};

const BINARY: KernelTable<'binary', string> = {
  add: 'x + y',
  sub: 'x - y',
  mul: 'x * y',
  div: 'x / y',
  pow: 'Math.pow(x, y)',
  maximum: 'Math.max(x, y)',
  minimum: 'Math.min(x, y)',
  remainder: 'pyRemainder(x, y)',
  atan2: 'Math.atan2(x, y)',
  fmod: 'x % y', // exact on doubles, as C's fmod
  hypot: 'Math.hypot(x, y)',
  xlogy: '(x === 0 && y === y ? 0 : x * Math.log(y))',
  logaddexp: 'S.logaddexp(x, y)',
  copysign: '(S.signbit(y) ? -Math.abs(x) : Math.abs(x))',
  logaddexp2: 'S.logaddexp2(x, y)',
  // integer and bool dtypes only (the op layer raises on floats); JS shifts take the count mod 32, as torch on x86
  bitwiseAnd: 'x & y',
  bitwiseOr: 'x | y',
  bitwiseXor: 'x ^ y',
  bitwiseLeftShift: 'x << y',
  bitwiseRightShift: 'x >> y',
};

const COMPARE: KernelTable<'compare', string> = {
  eq: '(x === y ? 1 : 0)',
  ne: '(x !== y ? 1 : 0)',
  lt: '(x < y ? 1 : 0)',
  le: '(x <= y ? 1 : 0)',
  gt: '(x > y ? 1 : 0)',
  ge: '(x >= y ? 1 : 0)',
  logicalAnd: '(x !== 0 && y !== 0 ? 1 : 0)',
  logicalOr: '(x !== 0 || y !== 0 ? 1 : 0)',
  logicalXor: '((x !== 0) !== (y !== 0) ? 1 : 0)',
};

const cache = new Map<string, RowFn>();

function rowFn(key: string, expr: string, arity: 1 | 2 | 3): RowFn {
  let f = cache.get(key);
  if (!f) {
    const read = arity === 1 ? 'const x = a[ai];' : arity === 2 ? 'const x = a[ai], y = b[bi];' : 'const x = a[ai] !== 0, y = b[bi], z = c[ci];';
    const body = `
      let oi = oo, ai = ao, bi = bo, ci = co;
      for (let i = 0; i < n; i++) {
        ${read}
        o[oi] = ${expr};
        oi += os; ai += as; bi += bs; ci += cs;
      }`;
    f = new Function('erf', 'roundHalfEven', 'pyRemainder', 'intRemainder', 'S', `return function row(o, oo, os, a, ao, as, b, bo, bs, n, c, co, cs) {${body}}`)(
      erf,
      roundHalfEven,
      pyRemainder,
      intRemainder,
      SPECIAL,
    ) as RowFn;
    cache.set(key, f);
  }
  return f;
}

function run(f: RowFn, out: TensorView, ins: TensorView[]): void {
  const views = [out, ...ins];
  const c = collapse(out.shape, views.map((v) => v.strides));
  const inner = c.strides.map((s) => s[s.length - 1]!);
  const bufs = views.map((v) => v.buffer as CpuBuffer);
  forEachRow(c.shape, c.strides, views.map((v) => v.offset), (o, n) => {
    f(bufs[0]!, o[0]!, inner[0]!, bufs[1]!, o[1]!, inner[1]!, bufs[2] ?? null, o[2] ?? 0, inner[2] ?? 0, n, bufs[3] ?? null, o[3] ?? 0, inner[3] ?? 0);
  });
}

function intExpr(op: BinaryOp, dtype: DType): string {
  if (dtype === 'int32' && op === 'mul') return 'Math.imul(x, y)';
  if ((dtype === 'int32' || dtype === 'uint8') && op === 'remainder') return 'intRemainder(x, y)';
  if ((dtype === 'int32' || dtype === 'uint8') && op === 'fmod') return 'S.intFmod(x, y)';
  return BINARY[op];
}

export function unary(op: UnaryOp, x: TensorView, out: TensorView): void {
  run(rowFn(`u:${op}`, UNARY[op], 1), out, [x]);
}

export function binary(op: BinaryOp, a: TensorView, b: TensorView, out: TensorView): void {
  run(rowFn(`b:${op}:${out.dtype}`, intExpr(op, out.dtype), 2), out, [a, b]);
}

export function compare(op: CompareOp, a: TensorView, b: TensorView, out: TensorView): void {
  run(rowFn(`c:${op}`, COMPARE[op], 2), out, [a, b]);
}

export function where(cond: TensorView, a: TensorView, b: TensorView, out: TensorView): void {
  // arity 3 reads x = cond (as boolean), y = a, z = b
  run(rowFn('where', 'x ? y : z', 3), out, [cond, a, b]);
}

export function copy(src: TensorView, dst: TensorView): void {
  if (dst.dtype === 'bool' && src.dtype !== 'bool') run(rowFn('tobool', '(x !== 0 ? 1 : 0)', 1), dst, [src]);
  else run(rowFn('copy', 'x', 1), dst, [src]);
}

export function fill(dst: TensorView, value: number): void {
  const buf = dst.buffer as CpuBuffer;
  const v = dst.dtype === 'bool' ? (value !== 0 ? 1 : 0) : value;
  const c = collapse(dst.shape, [dst.strides]);
  const inner = c.strides[0]![c.strides[0]!.length - 1]!;
  forEachRow(c.shape, c.strides, [dst.offset], (o, n) => {
    if (inner === 1) buf.fill(v, o[0]!, o[0]! + n);
    else for (let i = 0, p = o[0]!; i < n; i++, p += inner) buf[p] = v;
  });
}

export function clamp(x: TensorView, min: number | null, max: number | null, out: TensorView): void {
  const lo = min ?? -Infinity;
  const hi = max ?? Infinity;
  // With both bounds given, a NaN bound makes every element NaN, as torch.clamp (its min/max
  // propagate NaN); a lone NaN bound (clamp_min/clamp_max in torch) compares false and changes nothing.
  const nanBound = min !== null && max !== null && (lo !== lo || hi !== hi);
  const views = [out, x];
  const c = collapse(out.shape, views.map((v) => v.strides));
  const so = c.strides[0]![c.strides[0]!.length - 1]!;
  const sx = c.strides[1]![c.strides[1]!.length - 1]!;
  const o = out.buffer as CpuBuffer;
  const a = x.buffer as CpuBuffer;
  forEachRow(c.shape, c.strides, [out.offset, x.offset], (offs, n) => {
    for (let i = 0, p = offs[0]!, q = offs[1]!; i < n; i++, p += so, q += sx) {
      const v = a[q]!;
      // min(max(v, lo), hi): with lo > hi every element is hi, as torch.clamp; NaN stays NaN.
      const t = v < lo ? lo : v;
      o[p] = v !== v || nanBound ? NaN : t > hi ? hi : t;
    }
  });
}
