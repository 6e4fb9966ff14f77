import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import { defineOp, recordOp, runBinary, runKernel, willRecord } from '../dispatch.js';
import { isFloating, resultType, type DType } from '../dtype.js';
import { ArgumentError, AutogradError, DTypeError, fmtShape } from '../errors.js';
import { PRIMITIVES, type DiffOp } from '../primitives.js';
import { broadcastShapes, describeValue, shapesEqual } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkBinaryDType } from './math-checks.js';
import {
  broadcastOperand,
  castRaw,
  checkScalarArg,
  commonDevice,
  dest,
  finishOut,
  outTarget,
  scalarTensor,
  type TensorOrScalar,
} from './core.js';

/** Options accepted by elementwise ops. */
export interface OutOptions {
  /** Write the result into this tensor (same shape; PyTorch's `out=`). */
  out?: Tensor;
}

// The result-dtype rules and differentiability come from the primitive table (primitives.ts).
const FLOAT_RESULT = (op: UnaryOp): boolean => PRIMITIVES[op].dtype === 'float';
const BOOL_RESULT = (op: UnaryOp): boolean => PRIMITIVES[op].dtype === 'bool';
/** Binary ops whose integer results become float32 (true division). */
const TRUE_DIV = (op: BinaryOp): boolean => PRIMITIVES[op].dtype === 'promoteFloat';

/** The options of a call that passed none (shared: no object made per op). */
const NO_OPTIONS: OutOptions = Object.freeze({});
/** The (empty) autograd params of an elementwise op: one shared object, not one kept per graph node. */
const NO_PARAMS = Object.freeze({});

function checkOutGrad(op: string, out: Tensor | undefined, inputs: ReadonlyArray<Tensor | null>): void {
  if (out && willRecord(inputs)) {
    throw new AutogradError(`${op}: functions with out=... arguments don't support automatic differentiation`, {
      op,
      hint: 'drop the out option, or run under dl.noGrad(() => …)',
    });
  }
}

/** @internal Apply a unary kernel with PyTorch's dtype rules and record it for autograd. */
export const unary = defineOp(
  (op) => op,
  (op: UnaryOp, x: Tensor, opts: OutOptions = NO_OPTIONS): Tensor => {
    const out = opts.out;
    let dtype: DType = x.dtype;
    if (BOOL_RESULT(op)) dtype = 'bool';
    else if (FLOAT_RESULT(op) && !isFloating(x.dtype)) dtype = 'float32';
    if (x.dtype === 'bool' && (op === 'neg' || op === 'sign')) {
      throw new DTypeError(`${op}: not supported on bool tensors (shape ${fmtShape(x.shape)})`, {
        op,
        hint: 'use logicalNot() to invert a bool tensor, or cast it first with .int()',
      });
    }
    if (out) checkOutGrad(op, out, [x]);
    const src = dtype !== x.dtype && dtype !== 'bool' ? castRaw(x, dtype) : x;
    const res = outTarget(op, x.shape, dtype, x.device, out);
    runKernel(op, 'unary', op, src, dest(res, out));
    if (src !== x) src.dispose();
    if (PRIMITIVES[op].grad) recordOp(op as UnaryOp & DiffOp, [x], res, NO_PARAMS);
    return finishOut(op, res, out);
  },
);

function asOperand(v: TensorOrScalar): { dtype: DType; dim: number } | number | boolean {
  return v instanceof Tensor ? { dtype: v.dtype, dim: v.dim() } : v;
}

function checkOperand(op: string, v: unknown, which: string): void {
  if (!(v instanceof Tensor) && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new ArgumentError(`${op}: argument '${which}' must be a Tensor or a number, got ${describeValue(v)}`, {
      op,
      hint: Array.isArray(v) ? 'wrap arrays with dl.tensor(...) first' : 'pass a Tensor, a number or a boolean',
    });
  }
}

/** @internal Broadcast and cast two operands to `dtype`; scalars become 0-d tensors. */
export function prepareBinary(op: string, a: TensorOrScalar, b: TensorOrScalar, dtype: DType) {
  // (the callers check the operands' kinds with checkOperand before promoting them)
  const ta = a instanceof Tensor ? a : null;
  const tb = b instanceof Tensor ? b : null;
  if (!ta && !tb) throw new ArgumentError(`${op}: at least one argument must be a Tensor`, { op });
  // two tensors on one backend (the common case) skip commonDevice's argument list
  const device = ta !== null && tb !== null && ta._storage.backend === tb._storage.backend ? ta.device : commonDevice(op, ta, tb);
  const A = ta ?? scalarTensor(a as number, dtype, device);
  const B = tb ?? scalarTensor(b as number, dtype, device);
  const shape = shapesEqual(A.shape, B.shape) ? A.shape : broadcastShapes(op, A.shape, B.shape);
  const Ac = castRaw(A, dtype);
  const Bc = castRaw(B, dtype);
  return new Prepared(A, B, Ac, Bc, shape, device);
}

/** Two operands broadcast to `shape` and cast to one dtype (`Ac`, `Bc`; `A`, `B` as given). */
class Prepared {
  constructor(
    readonly A: Tensor,
    readonly B: Tensor,
    readonly Ac: Tensor,
    readonly Bc: Tensor,
    readonly shape: readonly number[],
    readonly device: string,
  ) {}
  /** Dispose the casts made for the kernel. */
  release(): void {
    if (this.Ac !== this.A) this.Ac.dispose();
    if (this.Bc !== this.B) this.Bc.dispose();
  }
}

/** The promoted dtype of two operands (PyTorch's rules; the common same-dtype tensor case first). */
function promoted(a: TensorOrScalar, b: TensorOrScalar): DType {
  if (a instanceof Tensor && b instanceof Tensor && a.dtype === b.dtype) return a.dtype;
  return resultType([asOperand(a), asOperand(b)]);
}

/** @internal The dtype `unary(op, x)` computes in (an in-place op checks it can write it back). */
export function unaryResultDType(op: UnaryOp, x: Tensor): DType {
  if (BOOL_RESULT(op)) return 'bool';
  return FLOAT_RESULT(op) && !isFloating(x.dtype) ? 'float32' : x.dtype;
}

/** @internal The dtype `binary(op, a, b)` computes in, as torch's `result_type` (valid operands only). */
export function binaryResultDType(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar): DType {
  const dtype = promoted(a, b);
  if (TRUE_DIV(op) && !isFloating(dtype)) return 'float32';
  return dtype === 'bool' && (op === 'pow' || op === 'remainder') ? 'int32' : dtype;
}

/** @internal Apply an arithmetic binary kernel with type promotion and broadcasting. */
export const binary = defineOp(
  (op) => op,
  (op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar, opts: OutOptions = NO_OPTIONS): Tensor => {
    checkOperand(op, a, 'input');
    checkOperand(op, b, 'other');
    let dtype = promoted(a, b);
    if (dtype === 'float16' && (typeof a === 'number' || typeof b === 'number') && !opts.out) {
      // A JS number joins half math in float32, not rounded to half first (torch's opmath: `h + 0.1` adds 0.1f), and the
      // result rounds once (Note [float16 storage]).
      const wide = (v: TensorOrScalar): TensorOrScalar => (v instanceof Tensor && v.dtype === 'float16' ? v.float() : v);
      return binary(op, wide(a), wide(b)).to('float16');
    }
    if (TRUE_DIV(op) && !isFloating(dtype)) dtype = 'float32';
    checkBinaryDType(op, dtype, a, b); // the issue-13 math rows (ops/math-checks.ts)
    if (dtype === 'bool') {
      if (op === 'sub') {
        throw new DTypeError('sub: subtraction with two bool tensors is not supported', {
          op,
          hint: 'use logicalXor() instead, or cast with .int()',
        });
      }
      if (op === 'pow' || op === 'remainder') dtype = 'int32';
    }
    if ((op === 'remainder' || op === 'fmod') && !isFloating(dtype) && (b === 0 || b === false)) {
      // torch raises for integer division by zero (a zero in a divisor tensor: the cpu kernel raises)
      throw new ArgumentError(`${op}: integer division by zero (ZeroDivisionError)`, {
        op,
        hint: 'the divisor is 0; for floating tensors the result would be NaN — cast with .float() if that is what you want',
      });
    }
    if (op === 'pow' && !isFloating(dtype) && typeof b === 'number' && Number.isInteger(b) && b < 0) {
      // torch: an integer tensor to a negative integer scalar power raises (a tensor exponent gives 0s)
      throw new DTypeError(`pow: integers to negative integer powers are not allowed (${dtype} input, exponent ${b})`, {
        op,
        hint: 'cast the base to a floating dtype first: x.float().pow(-1)',
      });
    }
    const compute: DType = dtype === 'bool' ? 'uint8' : dtype;
    const p = prepareBinary(op, a, b, compute);
    if (opts.out) checkOutGrad(op, opts.out, [p.A, p.B]);
    let res = outTarget(op, p.shape, compute, p.device, opts.out);
    runBinary(op, op, broadcastOperand(p.Ac, p.shape), broadcastOperand(p.Bc, p.shape), dest(res, opts.out));
    p.release();
    if (dtype === 'bool') {
      const r2 = castRaw(res, 'bool');
      res.dispose();
      res = r2;
    }
    if (PRIMITIVES[op].grad) recordOp(op as BinaryOp & DiffOp, [p.A, p.B], res, NO_PARAMS);
    return finishOut(op, res, opts.out);
  },
);

/** @internal Comparison / logical kernels: bool result, never recorded. */
export const compare = defineOp(
  (op) => op,
  (op: CompareOp, a: TensorOrScalar, b: TensorOrScalar, opts: OutOptions = NO_OPTIONS): Tensor => {
    checkOperand(op, a, 'input');
    checkOperand(op, b, 'other');
    const logical = op === 'logicalAnd' || op === 'logicalOr' || op === 'logicalXor';
    const dtype = logical ? 'bool' : promoted(a, b);
    const fixed = logical ? null : outOfRangeAnswer(op, a, b, dtype);
    if (fixed !== null) {
      const t = fixed.tensor;
      const r = outTarget(op, t.shape, 'bool', t.device, opts.out);
      runKernel(op, 'fill', dest(r, opts.out), fixed.value ? 1 : 0);
      return finishOut(op, r, opts.out);
    }
    const p = prepareBinary(op, a, b, dtype);
    const res = outTarget(op, p.shape, 'bool', p.device, opts.out);
    runKernel(op, 'compare', op, broadcastOperand(p.Ac, p.shape), broadcastOperand(p.Bc, p.shape), dest(res, opts.out));
    p.release();
    return finishOut(op, res, opts.out);
  },
);

/**
 * Note [Comparing with out-of-range scalars]
 * An integer tensor compared with a scalar computes in the tensor's dtype (`x.le(3)` on int32
 * compares int32s), so a scalar the dtype cannot hold would wrap when converted: `x.le(3e9)` on
 * int32 compared with -1294967296. JS numbers do not say whether `3e9` is an integer or a float;
 * torch compares `x.le(3e9)` (a Python float) in float32 and gets the exact answer, but
 * wraps a Python int (torch 1.13: `x.le(3000000000)` is all False, `uint8.le(300)` compares with
 * 44). dl gives the exact answer for both, deliberately: every element of the tensor is below (or
 * above) the scalar, so the result is constant (`lt`/`le`/`ne` true, `gt`/`ge`/`eq` false for a
 * scalar above the range; mirrored below it).
 */
const INT_LIMITS: Partial<Record<DType, readonly [number, number]>> = { int32: [-2147483648, 2147483647], uint8: [0, 255] };
const FLIPPED: Partial<Record<CompareOp, CompareOp>> = { lt: 'gt', le: 'ge', gt: 'lt', ge: 'le', eq: 'eq', ne: 'ne' };

/** The constant answer of an integer-dtype comparison with a scalar outside the dtype's range, else null. */
function outOfRangeAnswer(op: CompareOp, a: TensorOrScalar, b: TensorOrScalar, dtype: DType): { tensor: Tensor; value: boolean } | null {
  const limits = INT_LIMITS[dtype];
  if (!limits) return null;
  let tensor: Tensor;
  let s: unknown;
  let rel: CompareOp | undefined;
  if (a instanceof Tensor && typeof b === 'number') [tensor, s, rel] = [a, b, op];
  else if (b instanceof Tensor && typeof a === 'number') [tensor, s, rel] = [b, a, FLIPPED[op]];
  else return null;
  if (rel === undefined || typeof s !== 'number' || !Number.isInteger(s) || (s >= limits[0] && s <= limits[1])) return null;
  const above = s > limits[1]; // the scalar is above every element (else below every element)
  const value = rel === 'ne' || (above ? rel === 'lt' || rel === 'le' : rel === 'gt' || rel === 'ge');
  return { tensor, value };
}

/**
 * Elementwise `condition ? input : other` with broadcasting (`torch.where`).
 *
 * @example
 * dl.where(x.gt(0), x, 0); // relu
 */
export const where = defineOp('where', (condition: Tensor, input: TensorOrScalar, other: TensorOrScalar): Tensor => {
  const op = 'where';
  if (!(condition instanceof Tensor)) throw new ArgumentError('where: condition must be a bool Tensor', { op });
  if (condition.dtype !== 'bool') {
    throw new DTypeError(`where: expected condition to be a bool tensor, but got ${condition.dtype}`, {
      op,
      hint: 'compare first (x.gt(0)) or cast with .bool()',
    });
  }
  checkOperand(op, input, 'input');
  checkOperand(op, other, 'other');
  const dtype = resultType([asOperand(input), asOperand(other)]);
  const p = prepareBinary(op, input, other, dtype);
  commonDevice(op, condition, p.A);
  const shape = broadcastShapes(op, condition.shape, p.shape);
  const res = outTarget(op, shape, dtype, p.device);
  runKernel(op, 'where', broadcastOperand(condition, shape), broadcastOperand(p.Ac, shape), broadcastOperand(p.Bc, shape), res);
  p.release();
  recordOp('where', [condition, p.A, p.B], res, NO_PARAMS);
  return res;
});

/**
 * Clamp values into [min, max] (either bound may be omitted; NaN stays NaN).
 *
 * @example
 * x.clamp(0, 1); dl.clamp(x, { min: 0 });
 */
export const clamp = defineOp('clamp', (x: Tensor, min?: number | null, max?: number | null, opts: OutOptions = NO_OPTIONS): Tensor => {
  const op = 'clamp';
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo !== null) checkScalarArg(op, lo, 'min', 'clamp takes number bounds; for tensor bounds use dl.maximum(x, lo) / dl.minimum(x, hi)');
  if (hi !== null) checkScalarArg(op, hi, 'max', 'clamp takes number bounds; for tensor bounds use dl.maximum(x, lo) / dl.minimum(x, hi)');
  if (lo === null && hi === null) {
    throw new ArgumentError('clamp: at least one of min or max must not be None', { op, hint: 'pass min, max or both' });
  }
  if (opts.out) checkOutGrad(op, opts.out, [x]);
  // torch's result_type with the bounds as scalars: a float bound makes an integer x float, an
  // integer bound makes a bool x integer (true/false bounds count as bool)
  const dtype = resultType([{ dtype: x.dtype, dim: x.dim() }, ...[lo, hi].filter((b) => b !== null)]);
  const src = castRaw(x, dtype);
  const res = outTarget(op, x.shape, dtype, x.device, opts.out);
  const [l, h] = [lo, hi].map((b) => (b === null ? null : Number(b))) as [number | null, number | null];
  runKernel(op, 'clamp', src, l, h, dest(res, opts.out));
  if (src !== x) src.dispose();
  recordOp('clamp', [x], res, { min: l, max: h });
  return finishOut(op, res, opts.out);
});

/**
 * Linear interpolation `x + weight·(end - x)`, computed as torch 1.13: for weight >= 0.5 as
 * `end - (end - x)·(1 - weight)` (exact at weight 1; torch's NaN/inf pattern at ±inf). Written
 * as `where(w < 0.5, x, end) + (end - x)·where(w < 0.5, w, w - 1)`, so no branch's inf meets a
 * zero gradient.
 *
 * @example
 * dl.lerp(a, b, 0.25); a.lerp(b, w);
 */
export const lerp = defineOp('lerp', (x: Tensor, end: Tensor, weight: TensorOrScalar): Tensor => {
  checkOperand('lerp', x, 'input');
  checkOperand('lerp', end, 'end');
  checkOperand('lerp', weight, 'weight');
  const diff = binary('sub', end, x);
  if (!(weight instanceof Tensor)) {
    const w = Number(weight);
    return w < 0.5 ? binary('add', x, binary('mul', diff, w)) : binary('add', end, binary('mul', diff, w - 1));
  }
  const low = compare('lt', weight, 0.5);
  return binary('add', where(low, x, end), binary('mul', diff, where(low, weight, binary('sub', weight, 1))));
});

/**
 * Fill positions where `mask` is true with `value` (broadcasting the mask), keeping `x`'s dtype.
 *
 * @example
 * scores.maskedFill(mask, -Infinity);
 */
export const maskedFill = defineOp('maskedFill', (x: Tensor, mask: Tensor, value: number | Tensor): Tensor => {
  if (!(value instanceof Tensor)) {
    checkScalarArg('maskedFill', value, 'value', 'pass a number or a 0-d tensor');
    if (!isFloating(x.dtype) && !Number.isFinite(Number(value))) {
      throw new DTypeError(`maskedFill: value ${value} cannot be converted to type ${x.dtype} without overflow`, {
        op: 'maskedFill',
        hint: 'cast the tensor to a floating dtype first (.float()) to hold inf or NaN',
      });
    }
  }
  const v = value instanceof Tensor ? castRaw(value, x.dtype) : scalarTensor(value, x.dtype, x.device);
  return where(mask, v, x);
});
