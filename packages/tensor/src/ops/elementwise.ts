import type { BinaryOp, CompareOp, UnaryOp } from '../backend.js';
import { maybeRecord, needsGrad } from '../autograd-hook.js';
import { isFloating, resultType, type DType } from '../dtype.js';
import { ArgumentError, AutogradError, DTypeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastView, castRaw, commonDevice, finishOut, outTarget, scalarTensor, type TensorOrScalar } from './core.js';

/** Options accepted by elementwise ops. */
export interface OutOptions {
  /** Write the result into this tensor (same shape; PyTorch's `out=`). */
  out?: Tensor;
}

const FLOAT_RESULT: ReadonlySet<UnaryOp> = new Set<UnaryOp>([
  'exp', 'log', 'log1p', 'expm1', 'sqrt', 'rsqrt', 'reciprocal', 'sin', 'cos', 'tan', 'tanh', 'sigmoid', 'erf',
]);
const BOOL_RESULT: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['logicalNot', 'isnan', 'isinf']);
/** Unary ops whose derivative is zero almost everywhere: recorded so gradients flow as zeros. */
const NOT_DIFFERENTIABLE: ReadonlySet<UnaryOp> = new Set<UnaryOp>(['logicalNot', 'isnan', 'isinf']);

function checkOutGrad(op: string, out: Tensor | undefined, inputs: ReadonlyArray<Tensor | null>): void {
  if (out && needsGrad(inputs)) {
    throw new AutogradError(`${op}: functions with out=... arguments don't support automatic differentiation`, {
      op,
      hint: 'drop the out option, or run under dl.noGrad(() => …)',
    });
  }
}

/** @internal Apply a unary kernel with PyTorch's dtype rules and record it for autograd. */
export function unary(op: UnaryOp, x: Tensor, opts: OutOptions = {}): Tensor {
  const out = opts.out;
  let dtype: DType = x.dtype;
  if (BOOL_RESULT.has(op)) dtype = 'bool';
  else if (FLOAT_RESULT.has(op) && !isFloating(x.dtype)) dtype = 'float32';
  if (x.dtype === 'bool' && (op === 'neg' || op === 'sign')) {
    throw new DTypeError(`${op}: not supported on bool tensors (shape ${fmtShape(x.shape)})`, {
      op,
      hint: 'use logicalNot() to invert a bool tensor, or cast it first with .int()',
    });
  }
  checkOutGrad(op, out, [x]);
  const src = dtype !== x.dtype && dtype !== 'bool' ? castRaw(x, dtype) : x;
  const res = outTarget(op, x.shape, dtype, x.device, out);
  x._backend.unary(op, src._view(op), res._view());
  if (src !== x) src.dispose();
  if (!NOT_DIFFERENTIABLE.has(op)) maybeRecord(op as Exclude<UnaryOp, 'logicalNot' | 'isnan' | 'isinf'>, [x], res, {});
  return finishOut(op, res, out);
}

function asOperand(v: TensorOrScalar): { dtype: DType; dim: number } | number | boolean {
  return v instanceof Tensor ? { dtype: v.dtype, dim: v.dim() } : v;
}

function checkOperand(op: string, v: unknown, which: string): void {
  if (!(v instanceof Tensor) && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new ArgumentError(`${op}: argument '${which}' must be a Tensor or a number, got ${v === null ? 'null' : typeof v}`, { op });
  }
}

/** @internal Broadcast and cast two operands to `dtype`; scalars become 0-d tensors. */
export function prepareBinary(op: string, a: TensorOrScalar, b: TensorOrScalar, dtype: DType) {
  checkOperand(op, a, 'input');
  checkOperand(op, b, 'other');
  const ta = a instanceof Tensor ? a : null;
  const tb = b instanceof Tensor ? b : null;
  if (!ta && !tb) throw new ArgumentError(`${op}: at least one argument must be a Tensor`, { op });
  const device = commonDevice(op, ta, tb);
  const A = ta ?? scalarTensor(a as number, dtype, device);
  const B = tb ?? scalarTensor(b as number, dtype, device);
  const shape = broadcastShapes(op, A.shape, B.shape);
  const Ac = castRaw(A, dtype);
  const Bc = castRaw(B, dtype);
  return { A, B, Ac, Bc, shape, device, release: () => void [Ac !== A && Ac.dispose(), Bc !== B && Bc.dispose()] };
}

const TRUE_DIV: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['div', 'atan2']);

/** @internal Apply an arithmetic binary kernel with type promotion and broadcasting. */
export function binary(op: BinaryOp, a: TensorOrScalar, b: TensorOrScalar, opts: OutOptions = {}): Tensor {
  let dtype = resultType([asOperand(a), asOperand(b)]);
  if (TRUE_DIV.has(op) && !isFloating(dtype)) dtype = 'float32';
  if (dtype === 'bool') {
    if (op === 'sub') {
      throw new DTypeError('sub: subtraction with two bool tensors is not supported', {
        op,
        hint: 'use logicalXor() instead, or cast with .int()',
      });
    }
    if (op === 'pow' || op === 'remainder') dtype = 'int32';
  }
  const compute: DType = dtype === 'bool' ? 'uint8' : dtype;
  const p = prepareBinary(op, a, b, compute);
  checkOutGrad(op, opts.out, [p.A, p.B]);
  let res = outTarget(op, p.shape, compute, p.device, opts.out);
  p.A._backend.binary(op, broadcastView(p.Ac, p.shape)._view(op), broadcastView(p.Bc, p.shape)._view(op), res._view());
  p.release();
  if (dtype === 'bool') {
    const r2 = castRaw(res, 'bool');
    res.dispose();
    res = r2;
  }
  maybeRecord(op, [p.A, p.B], res, {});
  return finishOut(op, res, opts.out);
}

/** @internal Comparison / logical kernels: bool result, never recorded. */
export function compare(op: CompareOp, a: TensorOrScalar, b: TensorOrScalar, opts: OutOptions = {}): Tensor {
  const logical = op === 'logicalAnd' || op === 'logicalOr' || op === 'logicalXor';
  const dtype = logical ? 'bool' : resultType([asOperand(a), asOperand(b)]);
  const p = prepareBinary(op, a, b, dtype);
  const res = outTarget(op, p.shape, 'bool', p.device, opts.out);
  p.A._backend.compare(op, broadcastView(p.Ac, p.shape)._view(op), broadcastView(p.Bc, p.shape)._view(op), res._view());
  p.release();
  return finishOut(op, res, opts.out);
}

/**
 * Elementwise `condition ? input : other` with broadcasting (`torch.where`).
 *
 * @example
 * dl.where(x.gt(0), x, 0); // relu
 */
export function where(condition: Tensor, input: TensorOrScalar, other: TensorOrScalar): Tensor {
  const op = 'where';
  if (!(condition instanceof Tensor)) throw new ArgumentError('where: condition must be a bool Tensor', { op });
  if (condition.dtype !== 'bool') {
    throw new DTypeError(`where: expected condition to be a bool tensor, but got ${condition.dtype}`, {
      op,
      hint: 'compare first (x.gt(0)) or cast with .bool()',
    });
  }
  const dtype = resultType([asOperand(input), asOperand(other)]);
  const p = prepareBinary(op, input, other, dtype);
  commonDevice(op, condition, p.A);
  const shape = broadcastShapes(op, condition.shape, p.shape);
  const res = outTarget(op, shape, dtype, p.device);
  p.A._backend.where(
    broadcastView(condition, shape)._view(op),
    broadcastView(p.Ac, shape)._view(op),
    broadcastView(p.Bc, shape)._view(op),
    res._view(),
  );
  p.release();
  maybeRecord('where', [condition, p.A, p.B], res, {});
  return res;
}

/**
 * Clamp values into [min, max] (either bound may be omitted; NaN stays NaN).
 *
 * @example
 * x.clamp(0, 1); dl.clamp(x, { min: 0 });
 */
export function clamp(x: Tensor, min?: number | null, max?: number | null, opts: OutOptions = {}): Tensor {
  const op = 'clamp';
  const lo = min ?? null;
  const hi = max ?? null;
  if (lo === null && hi === null) {
    throw new ArgumentError('clamp: at least one of min or max must not be None', { op, hint: 'pass min, max or both' });
  }
  checkOutGrad(op, opts.out, [x]);
  let dtype = x.dtype;
  if (!isFloating(dtype) && ((lo !== null && !Number.isInteger(lo)) || (hi !== null && !Number.isInteger(hi)))) dtype = 'float32';
  const src = castRaw(x, dtype);
  const res = outTarget(op, x.shape, dtype, x.device, opts.out);
  x._backend.clamp(src._view(op), lo, hi, res._view());
  if (src !== x) src.dispose();
  maybeRecord('clamp', [x], res, { min: lo, max: hi });
  return finishOut(op, res, opts.out);
}

/**
 * Fill positions where `mask` is true with `value` (broadcasting the mask), keeping `x`'s dtype.
 *
 * @example
 * scores.maskedFill(mask, -Infinity);
 */
export function maskedFill(x: Tensor, mask: Tensor, value: number | Tensor): Tensor {
  const v = value instanceof Tensor ? castRaw(value, x.dtype) : scalarTensor(value, x.dtype, x.device);
  return where(mask, v, x);
}
