import { afterAll, describe, expect, it } from 'vitest';
import type { BinaryOp, CompareOp, TensorView, UnaryOp } from '@dl/tensor/backend';
import { close, download, empty, f32, hostStrided, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());

const NAN = Number.NaN;
const INF = Number.POSITIVE_INFINITY;
const XS = [-3.5, -1, -0.25, 0, 0.5, 1, 2.5, 7, NAN, INF, -INF, 1e-7];

function erf(x: number): number {
  // high-precision series/continued fraction reference
  if (Number.isNaN(x)) return NAN;
  if (!Number.isFinite(x)) return Math.sign(x);
  const t = Math.abs(x);
  if (t > 6) return Math.sign(x);
  let sum = 0;
  let term = t;
  for (let n = 0; n < 200; n++) {
    sum += term / (2 * n + 1);
    term *= (-t * t) / (n + 1);
  }
  return Math.sign(x) * ((2 / Math.sqrt(Math.PI)) * sum);
}

const roundHalfEven = (x: number) => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

const UNARY: Record<string, (x: number) => number> = {
  neg: (x) => -x,
  abs: Math.abs,
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  expm1: Math.expm1,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  tan: Math.tan,
  tanh: Math.tanh,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  relu: (x) => (Number.isNaN(x) ? NAN : x > 0 ? x : 0),
  erf,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  trunc: Math.trunc,
};

describe.runIf(be)('webgpu elementwise', () => {
  const gpu = be!;

  it.each(Object.keys(UNARY))('unary %s float32 (NaN/Inf included)', async (op) => {
    const x = upload(gpu, 'float32', XS);
    const out = empty(gpu, 'float32', [XS.length]);
    gpu.unary(op as UnaryOp, x, out);
    const got = await download(gpu, out);
    const exp = XS.map((v) => f32(UNARY[op]!(f32(v))));
    expect(close(got, exp, 2e-6, 1e-6)).toBeNull();
  });

  it('unary int32 ops stay integral', async () => {
    const xs = [-5, -1, 0, 3, 2147483647];
    const x = upload(gpu, 'int32', xs);
    for (const [op, f] of [
      ['neg', (v: number) => -v | 0],
      ['abs', (v: number) => Math.abs(v) | 0],
      ['sign', Math.sign],
      ['relu', (v: number) => Math.max(v, 0)],
    ] as const) {
      const out = empty(gpu, 'int32', [xs.length]);
      gpu.unary(op, x, out);
      expect(await download(gpu, out)).toEqual(xs.map(f));
    }
    const outf = empty(gpu, 'float32', [xs.length]);
    gpu.unary('exp', upload(gpu, 'int32', [0, 1, 2, -1, 3]), outf);
    expect(
      close(
        await download(gpu, outf),
        [0, 1, 2, -1, 3].map((v) => f32(Math.exp(v))),
      ),
    ).toBeNull();
  });

  it('isnan, isinf, logicalNot write bool', async () => {
    const x = upload(gpu, 'float32', [0, NAN, INF, -INF, 2]);
    const o = empty(gpu, 'bool', [5]);
    gpu.unary('isnan', x, o);
    expect(await download(gpu, o)).toEqual([0, 1, 0, 0, 0]);
    gpu.unary('isinf', x, o);
    expect(await download(gpu, o)).toEqual([0, 0, 1, 1, 0]);
    gpu.unary('logicalNot', x, o);
    expect(await download(gpu, o)).toEqual([1, 0, 0, 0, 0]);
  });

  it('unary on a strided (transposed, offset) view', async () => {
    const data = Array.from({ length: 13 }, (_, i) => i - 6);
    const base = upload(gpu, 'float32', data);
    const x: TensorView = { ...base, shape: [3, 4], strides: [1, 3], offset: 1 };
    const out = empty(gpu, 'float32', [3, 4]);
    gpu.unary('abs', x, out);
    expect(await download(gpu, out)).toEqual(hostStrided(data, [3, 4], [1, 3], 1).map(Math.abs));
  });

  const pyRem = (a: number, b: number) => {
    if (b === 0 || !Number.isFinite(a)) return NAN;
    if (!Number.isFinite(b)) return Number.isNaN(b) ? NAN : a === 0 || a > 0 === b > 0 ? a : b;
    const r = a % b;
    return r !== 0 && r < 0 !== b < 0 ? r + b : r;
  };
  // (the bitwise ops take integers only: the differential suite runs them)
  const BIN: Record<Exclude<BinaryOp, `bitwise${string}`>, (a: number, b: number) => number> = {
    add: (a, b) => a + b,
    sub: (a, b) => a - b,
    mul: (a, b) => a * b,
    div: (a, b) => a / b,
    pow: (a, b) => (a === 1 || b === 0 ? 1 : a ** b), // C's pow(1, NaN) = 1
    maximum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NAN : Math.max(a, b)),
    minimum: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NAN : Math.min(a, b)),
    remainder: pyRem,
    atan2: Math.atan2,
    fmod: (a, b) => a % b,
    hypot: Math.hypot,
    copysign: (a, b) => (b < 0 || Object.is(b, -0) ? -Math.abs(a) : Math.abs(a)),
    xlogy: (a, b) => (Number.isNaN(a) || Number.isNaN(b) ? NAN : a === 0 ? 0 : a * Math.log(b)),
    logaddexp: (a, b) => (a === b && !Number.isFinite(a) ? a : Math.max(a, b) + Math.log1p(Math.exp(-Math.abs(a - b)))),
    logaddexp2: (a, b) => (a === b && !Number.isFinite(a) ? a : Math.max(a, b) + Math.log1p(2 ** -Math.abs(a - b)) / Math.LN2),
  };
  const AS = [-2, -2, -1.5, 0, 0, 3, 3, NAN, 1, INF, 2, -0.5, 4];
  const BS = [3, 0.5, 2, 0, -1, 0, -2, 1, NAN, 2, INF, -3, 0.5];

  it.each(Object.keys(BIN))('binary %s float32 (NaN/Inf, zeros)', async (op) => {
    const a = upload(gpu, 'float32', AS);
    const b = upload(gpu, 'float32', BS);
    const out = empty(gpu, 'float32', [AS.length]);
    gpu.binary(op as BinaryOp, a, b, out);
    const exp = AS.map((v, i) => f32(BIN[op as keyof typeof BIN](v, BS[i]!)));
    expect(close(await download(gpu, out), exp, 3e-6)).toBeNull();
  });

  it('binary with broadcast (0 strides) and in place (out aliases a)', async () => {
    const a = upload(gpu, 'float32', [1, 2, 3, 4, 5, 6], [2, 3]);
    const row = upload(gpu, 'float32', [10, 20, 30]);
    const rb: TensorView = { ...row, shape: [2, 3], strides: [0, 1] };
    gpu.binary('add', a, rb, a);
    expect(await download(gpu, a)).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('int32 binary: wrap, python remainder, integer pow, div by zero', async () => {
    const a = upload(gpu, 'int32', [2147483647, -7, 7, 3, -2, 5]);
    const b = upload(gpu, 'int32', [1, 3, -3, 4, 3, 0]);
    const out = empty(gpu, 'int32', [6]);
    gpu.binary('add', a, b, out);
    expect(await download(gpu, out)).toEqual([-2147483648, -4, 4, 7, 1, 5]);
    // (a zero divisor raises at the next read: edge-ops.test.ts)
    gpu.binary('remainder', a, upload(gpu, 'int32', [1, 3, -3, 4, 3, 1]), out);
    expect(await download(gpu, out)).toEqual([0, 2, -2, 3, 1, 0]);
    gpu.binary('pow', a, b, out);
    expect((await download(gpu, out)).slice(1, 5)).toEqual([-343, 0, 81, -8]);
  });

  it('uint8 arithmetic wraps mod 256', async () => {
    const a = upload(gpu, 'uint8', [250, 3, 0]);
    const b = upload(gpu, 'uint8', [10, 5, 1]);
    const out = empty(gpu, 'uint8', [3]);
    gpu.binary('add', a, b, out);
    expect(await download(gpu, out)).toEqual([4, 8, 1]);
    gpu.binary('sub', a, b, out);
    expect(await download(gpu, out)).toEqual([240, 254, 255]);
  });

  it.each(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor'] as CompareOp[])(
    'compare %s with NaN',
    async (op) => {
      const A = [1, 2, NAN, 0, 3, NAN];
      const B = [1, 3, 1, 0, 2, NAN];
      const f: Record<CompareOp, (a: number, b: number) => boolean> = {
        eq: (a, b) => a === b,
        ne: (a, b) => a !== b,
        lt: (a, b) => a < b,
        le: (a, b) => a <= b,
        gt: (a, b) => a > b,
        ge: (a, b) => a >= b,
        logicalAnd: (a, b) => a !== 0 && b !== 0,
        logicalOr: (a, b) => a !== 0 || b !== 0,
        logicalXor: (a, b) => (a !== 0) !== (b !== 0),
      };
      const out = empty(gpu, 'bool', [6]);
      gpu.compare(op, upload(gpu, 'float32', A), upload(gpu, 'float32', B), out);
      expect(await download(gpu, out)).toEqual(A.map((a, i) => (f[op](a, B[i]!) ? 1 : 0)));
    },
  );

  it('where with broadcast condition', async () => {
    const cond = upload(gpu, 'bool', [1, 0, 1]);
    const c: TensorView = { ...cond, shape: [2, 3], strides: [0, 1] };
    const a = upload(gpu, 'float32', [1, 2, 3, 4, 5, 6], [2, 3]);
    const b = upload(gpu, 'float32', [-1], [1]);
    const bb: TensorView = { ...b, shape: [2, 3], strides: [0, 0] };
    const out = empty(gpu, 'float32', [2, 3]);
    gpu.where(c, a, bb, out);
    expect(await download(gpu, out)).toEqual([1, -1, 3, 4, -1, 6]);
  });

  it('copy casts (float→int truncates, →bool is != 0, NaN is true) and writes strided views', async () => {
    const x = upload(gpu, 'float32', [-2.7, -0.5, 0, 0.9, 3.2, NAN]);
    const i = empty(gpu, 'int32', [6]);
    gpu.copy(x, i);
    expect((await download(gpu, i)).slice(0, 5)).toEqual([-2, 0, 0, 0, 3]);
    const bl = empty(gpu, 'bool', [6]);
    gpu.copy(x, bl);
    expect(await download(gpu, bl)).toEqual([1, 1, 0, 1, 1, 1]);
    const u = empty(gpu, 'uint8', [3]);
    gpu.copy(upload(gpu, 'int32', [300, -1, 7]), u);
    expect(await download(gpu, u)).toEqual([44, 255, 7]);
    const back = empty(gpu, 'float32', [3]);
    gpu.copy(u, back);
    expect(await download(gpu, back)).toEqual([44, 255, 7]);
    // write the transpose of a 2x3 into a 3x2 buffer through a strided dst
    const src = upload(gpu, 'float32', [1, 2, 3, 4, 5, 6], [2, 3]);
    const dstBuf = empty(gpu, 'float32', [3, 2]);
    gpu.copy(src, { ...dstBuf, shape: [2, 3], strides: [1, 2] });
    expect(await download(gpu, dstBuf)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('fill a strided view, every dtype', async () => {
    const b = empty(gpu, 'float32', [4, 4]);
    gpu.fill(b, 0);
    gpu.fill({ ...b, shape: [4], strides: [5], offset: 0 }, NAN);
    const got = await download(gpu, b);
    expect(got.filter(Number.isNaN).length).toBe(4);
    expect(Number.isNaN(got[5]!)).toBe(true);
    const i = empty(gpu, 'int32', [2]);
    gpu.fill(i, -7);
    expect(await download(gpu, i)).toEqual([-7, -7]);
    const bo = empty(gpu, 'bool', [2]);
    gpu.fill(bo, 5);
    expect(await download(gpu, bo)).toEqual([1, 1]);
  });

  it('clamp propagates NaN, handles one-sided and min > max', async () => {
    const x = upload(gpu, 'float32', [-5, 0.5, 5, NAN, -INF]);
    const out = empty(gpu, 'float32', [5]);
    gpu.clamp(x, -1, 1, out);
    expect(close(await download(gpu, out), [-1, 0.5, 1, NAN, -1])).toBeNull();
    gpu.clamp(x, 0, null, out);
    expect(close(await download(gpu, out), [0, 0.5, 5, NAN, 0])).toBeNull();
    gpu.clamp(x, 2, 1, out);
    expect(close(await download(gpu, out), [1, 1, 1, NAN, 1])).toBeNull();
    const xi = upload(gpu, 'int32', [-5, 3, 9]);
    const oi = empty(gpu, 'int32', [3]);
    gpu.clamp(xi, 0, 4, oi);
    expect(await download(gpu, oi)).toEqual([0, 3, 4]);
  });
});
