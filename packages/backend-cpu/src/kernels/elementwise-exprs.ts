import type { DType } from '@dl/tensor';
import type { BinaryOp, KernelTable } from '@dl/tensor/backend';

/**
 * The JS expression of every elementwise primitive of the cpu backend: the single source of
 * truth from which `scripts/gen-cpu-kernels.mjs` writes `elementwise-kernels.generated.ts`
 * (`pnpm gen:kernels`). This module is data only; nothing at run time reads it.
 *
 * Note [Generated inner loops]
 * Each elementwise (op, dtype) needs its own inner loop with the op's expression written into
 * it, so that V8 compiles one monomorphic loop per op and element kind with the expression
 * inlined (one shared loop calling the op through a closure, or closures made by one factory,
 * share their type feedback: polymorphic at the call and at every typed-array access). These
 * loops used to be compiled at run time from strings (the Function constructor), which a page
 * with `Content-Security-Policy: script-src 'self'` forbids (EvalError). They are now written
 * at build time, one real function per op and loop shape, into
 * `elementwise-kernels.generated.ts`, which is committed; `elementwise-kernels.test.ts` fails
 * when it differs from what these tables generate, naming the command that regenerates it.
 *
 * In an expression, `x` (and `y`) are the elements read; the names the generated module
 * provides are `Math`, `erf`, `roundHalfEven`, `pyRemainder`, `intRemainder` (math.ts) and `S`
 * (the double-precision special functions of special.ts). `KernelTable` is derived from
 * @dl/tensor's primitive table, so a primitive added there without an entry here fails to
 * type-check; an entry added here without regenerating fails `elementwise-kernels.test.ts`.
 *
 * @example
 * // after adding `expit: '1 / (1 + Math.exp(-x))'` to UNARY:
 * // pnpm gen:kernels   (then commit elementwise-kernels.generated.ts)
 */
export const UNARY: KernelTable<'unary', string> = {
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

export const BINARY: KernelTable<'binary', string> = {
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

export const COMPARE: KernelTable<'compare', string> = {
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

/** The rest of the strided kernels: `where` reads `x` = cond (as a boolean), `y` = a, `z` = b. */
export const OTHER = {
  where: 'x ? y : z',
  copy: 'x',
  tobool: '(x !== 0 ? 1 : 0)',
} as const;

/**
 * The dtypes the generated loops compute in: every dtype but float16, which the backend widens to
 * float32 around each kernel (Note [float16 compute] in half-kernels.ts).
 */
export type KernelDType = Exclude<DType, 'float16'>;
/** Every kernel dtype (a `Record` so that a dtype added to @dl/tensor without an entry here fails to type-check). */
const DTYPE_SET: Record<KernelDType, true> = { float32: true, float64: true, int32: true, uint8: true, bool: true };
export const ALL_DTYPES = Object.keys(DTYPE_SET) as KernelDType[];

/**
 * The expression of a binary op on `dtype`: integer dtypes need their own for `mul` (a double
 * product of two int32 loses low bits; `Math.imul` wraps as C), `remainder` and `fmod`.
 */
export function binaryExpr(op: BinaryOp, dtype: DType): string {
  if (dtype === 'int32' && op === 'mul') return 'Math.imul(x, y)';
  if ((dtype === 'int32' || dtype === 'uint8') && op === 'remainder') return 'intRemainder(x, y)';
  if ((dtype === 'int32' || dtype === 'uint8') && op === 'fmod') return 'S.intFmod(x, y)';
  return BINARY[op];
}

/**
 * JS operators of the comparisons that the contiguous fast path (`compareFast`,
 * fast-elementwise.ts) runs on one loop per (op, dtype, scalar or not); the logical
 * comparisons use the strided kernels.
 */
export const FAST_COMPARE: Partial<KernelTable<'compare', string>> = { eq: '===', ne: '!==', lt: '<', le: '<=', gt: '>', ge: '>=' };
