import { defineOp, hostStorage, runKernel } from '../dispatch.js';
import { checkIntRange, hostArray, isFloating, toDType, type DType, type DTypeName, type HostArray } from '../dtype.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { defaultGenerator, type Generator } from '../generator.js';
import { getDefaultDevice } from '../registry.js';
import { checkNumel, checkSizes, describeValue, numelOf, parseShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkScalarArg, emptyTensor, type CreateOptions } from './core.js';
import { binary, unary } from './elementwise.js';
import { encodeHalf } from '../half.js';

/** Nested JS arrays of numbers or booleans, as `torch.tensor` accepts. */
export type NestedData = number | boolean | HostArray | readonly NestedData[];

type ShapeArgs = (number | readonly number[])[];

/** Creation options that also take a generator (random ops). */
export interface RandomOptions extends CreateOptions {
  generator?: Generator;
}

function finish(t: Tensor, opts: CreateOptions, op: string): Tensor {
  if (opts.requiresGrad) {
    if (!isFloating(t.dtype)) {
      throw new DTypeError(`${op}: only Tensors of floating point dtype can require gradients (got ${t.dtype})`, {
        op,
        hint: "create it with { dtype: 'float32' }",
      });
    }
    t.requiresGrad = true;
  }
  return t;
}

function splitOpts<O extends object>(args: readonly unknown[]): { shapeArgs: ShapeArgs; opts: O } {
  const last = args[args.length - 1];
  if (last !== undefined && typeof last === 'object' && !Array.isArray(last)) {
    return { shapeArgs: args.slice(0, -1) as ShapeArgs, opts: last as O };
  }
  return { shapeArgs: args as ShapeArgs, opts: {} as O };
}

/** Deepest nesting `tensor` accepts (PyTorch's limit on dimensions is 64 too). */
const MAX_DIMS = 64;

function badElement(op: string, v: unknown, path: readonly number[]): ArgumentError {
  return new ArgumentError(
    `${op}: expected numbers or booleans (or nested arrays of them), but found ${describeValue(v)} at index [${path.join(', ')}]`,
    {
      op,
      hint: 'convert the data first, e.g. data.map(Number); strings, objects, null and undefined have no tensor value',
    },
  );
}

function inferDType(data: NestedData, op = 'tensor'): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint8Array) return 'uint8';
  // Note [JS numbers are floats]: JS has no int literal (2 === 2.0), so unlike torch.tensor([1, 2])
  // (int64) dl.tensor([1, 2]) is float32. This is deliberate and documented in the PyTorch → dl
  // table; pass { dtype: 'int64' } (stored as int32, Note [int64 is int32]) for integer tensors.
  // Typed arrays keep their own type.
  // Only all-boolean data gives bool.
  let sawNum = false;
  let sawBool = false;
  const walk = (d: unknown, path: number[]): void => {
    if (typeof d === 'number' || ArrayBuffer.isView(d)) sawNum = true;
    else if (typeof d === 'boolean') sawBool = true;
    else if (Array.isArray(d)) {
      if (path.length >= MAX_DIMS)
        throw new ArgumentError(`${op}: data is nested more than ${MAX_DIMS} levels deep (or contains itself)`, { op });
      for (let i = 0; i < d.length; i++) walk(d[i], [...path, i]);
    } else throw badElement(op, d, path);
  };
  walk(data, []);
  return !sawNum && sawBool ? 'bool' : 'float32';
}

function flattenData(data: NestedData, op: string): { shape: number[]; values: number[] | HostArray } {
  if (typeof data === 'number' || typeof data === 'boolean') return { shape: [], values: [Number(data)] };
  if (ArrayBuffer.isView(data)) return { shape: [data.length], values: data };
  if (!Array.isArray(data)) throw badElement(op, data, []);
  const shape: number[] = [];
  let probe: NestedData = data;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const arr = probe as ArrayLike<NestedData>;
    shape.push(arr.length);
    if (shape.length > MAX_DIMS)
      throw new ArgumentError(`${op}: data is nested more than ${MAX_DIMS} levels deep (or contains itself)`, { op });
    if (arr.length === 0) break;
    probe = arr[0]!;
  }
  checkNumel(shape, op);
  const values: number[] = [];
  const walk = (d: NestedData, depth: number, path: number[]): void => {
    if (depth === shape.length) {
      if (Array.isArray(d) || ArrayBuffer.isView(d)) {
        throw new ShapeError(`${op}: expected a number at index [${path.join(', ')}] but found a sequence`, {
          op,
          hint: 'nested lists must be rectangular',
        });
      }
      if (typeof d !== 'number' && typeof d !== 'boolean') throw badElement(op, d, path);
      values.push(Number(d));
      return;
    }
    if (!(Array.isArray(d) || ArrayBuffer.isView(d)) || (d as ArrayLike<NestedData>).length !== shape[depth]) {
      throw new ShapeError(
        `${op}: expected sequence of length ${shape[depth]} at dim ${depth} (index [${path.join(', ')}]) but got ${
          Array.isArray(d) || ArrayBuffer.isView(d) ? (d as ArrayLike<unknown>).length : typeof d
        }`,
        { op, hint: 'nested lists must be rectangular (all rows the same length)' },
      );
    }
    const arr = d as ArrayLike<NestedData>;
    for (let i = 0; i < arr.length; i++) walk(arr[i]!, depth + 1, [...path, i]);
  };
  walk(data, 0, []);
  return { shape, values };
}

/** @internal Upload host values to a new tensor. */
export function fromHost(values: ArrayLike<number>, shape: readonly number[], dtype: DType, device: string, op: string): Tensor {
  const t = emptyTensor(shape, dtype, device, op);
  const host = hostArray(dtype, values.length);
  if (dtype === 'bool')
    for (let i = 0; i < values.length; i++) host[i] = values[i] || Number.isNaN(values[i]) ? 1 : 0; // NaN is true, as torch
  else if (dtype === 'float16')
    encodeHalf(values, host as Uint16Array); // Note [float16 storage]
  else host.set(values as ArrayLike<number>);
  runKernel(op, 'write', t, host);
  return t;
}

/**
 * Make a tensor from (nested) arrays, typed arrays or a number. JS numbers give float32 (JS
 * has no integer literals: see Note [JS numbers are floats]), booleans bool, typed arrays their
 * own dtype, unless `dtype` says otherwise.
 *
 * @example
 * dl.tensor([[-1.2, 3.1], [-0.9, 2.9]]);
 * dl.tensor([0, 0, 1], { dtype: 'int32' });
 */
export const tensor = defineOp('tensor', (data: NestedData, opts: CreateOptions = {}): Tensor => {
  if (data instanceof Tensor) {
    throw new ArgumentError('tensor: got a Tensor; use x.clone() or x.detach() to copy a tensor', { op: 'tensor' });
  }
  const dtype = toDType(opts.dtype ?? inferDType(data), 'tensor');
  const { shape, values } = flattenData(data, 'tensor');
  checkIntRange(values, dtype, 'tensor', opts.dtype); // Note [int64 is int32]: never wrap silently
  return finish(fromHost(values, shape, dtype, opts.device ?? getDefaultDevice(), 'tensor'), opts, 'tensor');
});

/**
 * Wrap a typed array as a tensor. On cpu the memory is shared both ways, like
 * `torch.from_numpy`; on other devices the values are copied.
 *
 * @example
 * const buf = new Float32Array(6); const t = dl.fromArray(buf, [2, 3]); buf[0] = 5; // t[0,0] is 5
 */
export const fromArray = defineOp(
  'fromArray',
  (data: HostArray, shape?: readonly number[], opts: { device?: string; dtype?: DTypeName } = {}): Tensor => {
    if (!ArrayBuffer.isView(data) || data instanceof DataView) {
      throw new ArgumentError(
        `fromArray: expected a typed array (Float32Array, Float64Array, Int32Array, Uint8Array), got ${describeValue(data)}`,
        {
          op: 'fromArray',
          hint: 'use dl.tensor(data) for plain JS arrays',
        },
      );
    }
    const dtype = toDType(opts.dtype ?? inferDType(data, 'fromArray'), 'fromArray');
    const sh = shape ? [...checkSizes(shape, 'fromArray')] : [data.length];
    if (numelOf(sh) !== data.length) {
      throw new ShapeError(`fromArray: shape ${fmtShape(sh)} has ${numelOf(sh)} elements but the array has ${data.length}`, {
        op: 'fromArray',
      });
    }
    const device = opts.device ?? getDefaultDevice();
    const shared = inferDType(data, 'fromArray') === dtype ? hostStorage(data, dtype, device, 'fromArray') : null;
    if (shared) return new Tensor(shared, sh);
    if (isFloating(inferDType(data))) checkIntRange(data, dtype, 'fromArray', opts.dtype); // int → uint8 wraps, as torch's casts
    return fromHost(data, sh, dtype, device, 'fromArray');
  },
);

function filled(op: string, args: readonly unknown[], value: number, dflt: DType = 'float32'): Tensor {
  const { shapeArgs, opts } = splitOpts<CreateOptions>(args);
  const shape = parseShape(shapeArgs, op);
  const dtype = toDType(opts.dtype ?? dflt, op);
  checkIntRange([value], dtype, op, opts.dtype);
  const t = emptyTensor(shape, dtype, opts.device ?? getDefaultDevice(), op);
  if (!Number.isNaN(value) || op !== 'empty') runKernel(op, 'fill', t, value);
  return finish(t, opts, op);
}

/**
 * An uninitialised tensor (values undefined until written), as `torch.empty`; sizes as arguments or one array, float32
 * unless `dtype` says otherwise. Options: `{ dtype, device, requiresGrad }`.
 *
 * @example
 * dl.empty(5, 3).shape; // → [5, 3]
 */
export const empty = defineOp('empty', (...args: (number | readonly number[] | CreateOptions)[]): Tensor => {
  const { shapeArgs, opts } = splitOpts<CreateOptions>(args);
  const shape = parseShape(shapeArgs, 'empty');
  return finish(emptyTensor(shape, toDType(opts.dtype ?? 'float32', 'empty'), opts.device ?? getDefaultDevice(), 'empty'), opts, 'empty');
});
/**
 * A tensor of zeros, as `torch.zeros`; sizes as arguments or one array (`dl.zeros(2, 2)`, `dl.zeros([2, 2], { dtype:
 * 'int32' })`), float32 by default. Options: `{ dtype, device, requiresGrad }`.
 *
 * @example
 * dl.zeros(2, 3, { dtype: 'int32' }); // → tensor([[0, 0, 0], [0, 0, 0]])
 */
export const zeros = defineOp('zeros', (...args: (number | readonly number[] | CreateOptions)[]): Tensor => {
  return filled('zeros', args, 0);
});
/**
 * A tensor of ones, as `torch.ones`; sizes as arguments or one array, float32 by default. Options: `{ dtype, device,
 * requiresGrad }`.
 *
 * @example
 * dl.ones([2, 2]); // → tensor([[1., 1.], [1., 1.]])
 */
export const ones = defineOp('ones', (...args: (number | readonly number[] | CreateOptions)[]): Tensor => {
  return filled('ones', args, 1);
});
/**
 * Tensor filled with `value` (float32, or bool for a boolean value, unless `dtype` is given).
 *
 * @example
 * dl.full([2, 2], 7);
 */
export const full = defineOp('full', (shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor => {
  checkScalarArg('full', value, 'fill_value');
  const dflt: DType = typeof value === 'boolean' ? 'bool' : 'float32'; // Note [JS numbers are floats]
  return filled('full', [shape, opts], Number(value), dflt);
});

/**
 * PyTorch's `Tensor.new_empty/new_zeros/new_ones/new_full/new_tensor`: a new tensor with `x`'s
 * dtype and device unless `opts` says otherwise (never `x`'s shape or grad flag).
 *
 * @example
 * x.newOnes(5, 3, { dtype: 'float64' }); // x.new_ones(5, 3, dtype=torch.double)
 */
export function newOf(x: Tensor, kind: 'empty' | 'zeros' | 'ones', args: readonly (number | readonly number[] | CreateOptions)[]): Tensor {
  const { shapeArgs, opts } = splitOpts<CreateOptions>(args);
  const o: CreateOptions = { ...opts, dtype: opts.dtype ?? x.dtype, device: opts.device ?? x.device };
  return (kind === 'empty' ? empty : kind === 'zeros' ? zeros : ones)(...shapeArgs, o);
}
/** `x.new_full(size, fill_value)` (see {@link newOf}). */
export function newFullOf(x: Tensor, shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor {
  return full(shape, value, { ...opts, dtype: opts.dtype ?? x.dtype, device: opts.device ?? x.device });
}
/** `x.new_tensor(data)` (see {@link newOf}). */
export function newTensorOf(x: Tensor, data: NestedData, opts: CreateOptions = {}): Tensor {
  return tensor(data, { ...opts, dtype: opts.dtype ?? x.dtype, device: opts.device ?? x.device });
}

function likeOpts(x: Tensor, opts: CreateOptions): CreateOptions {
  return { dtype: opts.dtype ?? x.dtype, device: opts.device ?? x.device, requiresGrad: opts.requiresGrad ?? false };
}
/**
 * An uninitialised tensor with `x`'s shape, dtype and device (options override), as `torch.empty_like`.
 *
 * @example
 * dl.emptyLike(dl.zeros(2, 3)).shape; // → [2, 3]
 */
export function emptyLike(x: Tensor, opts: CreateOptions = {}): Tensor {
  return empty([...x.shape], likeOpts(x, opts));
}
/**
 * Zeros with `x`'s shape, dtype and device (options override), as `torch.zeros_like`.
 *
 * @example
 * dl.zerosLike(dl.tensor([[1, 2]], { dtype: 'int32' })); // → tensor([[0, 0]])
 */
export function zerosLike(x: Tensor, opts: CreateOptions = {}): Tensor {
  return zeros([...x.shape], likeOpts(x, opts));
}
/**
 * Ones with `x`'s shape, dtype and device (options override), as `torch.ones_like`.
 *
 * @example
 * dl.onesLike(dl.zeros(2)); // → tensor([1., 1.])
 */
export function onesLike(x: Tensor, opts: CreateOptions = {}): Tensor {
  return ones([...x.shape], likeOpts(x, opts));
}
/**
 * `value` everywhere, with `x`'s shape, dtype and device (options override), as `torch.full_like`.
 *
 * @example
 * dl.fullLike(dl.zeros(2), 7); // → tensor([7., 7.])
 */
export function fullLike(x: Tensor, value: number, opts: CreateOptions = {}): Tensor {
  return full([...x.shape], value, likeOpts(x, opts));
}

/** The forms of {@link arange}: options may follow any number of the bounds, as torch's keywords. */
export interface Arange {
  (end: number, opts?: CreateOptions): Tensor;
  (start: number, end: number, opts?: CreateOptions): Tensor;
  (start: number, end: number | undefined, step: number, opts?: CreateOptions): Tensor;
}

/**
 * Values from `start` to `end` (exclusive) by `step`: `arange(5)`, `arange(1, 11)`, `arange(0, 1, 0.1)`.
 * int32 when all arguments are integers, else float32. Options may follow any bound, as torch's
 * keywords do.
 *
 * @example
 * dl.arange(5);                        // tensor([0, 1, 2, 3, 4])
 * dl.arange(T, { device: x.device });  // torch.arange(T, device=x.device)
 * dl.arange(0, 1, 0.25, { dtype: 'float64' });
 */
export const arange: Arange = defineOp('arange', (start: number, ...rest: (number | undefined | CreateOptions)[]): Tensor => {
  const last = rest[rest.length - 1];
  const opts: CreateOptions = last !== null && typeof last === 'object' ? (rest.pop() as CreateOptions) : {};
  let end = rest[0] as number | undefined;
  const step = (rest[1] as number | undefined) ?? 1;
  for (const [v, name] of [
    [start, 'start'],
    [end, 'end'],
    [step, 'step'],
  ] as const)
    if (v !== undefined) checkScalarArg('arange', v, name);
  if (end === undefined) {
    end = start;
    start = 0;
  }
  if (step === 0 || !Number.isFinite(step) || !Number.isFinite(start) || !Number.isFinite(end)) {
    throw new ArgumentError(`arange: invalid range start=${start}, end=${end}, step=${step}`, {
      op: 'arange',
      hint: 'step must be non-zero and bounds finite',
    });
  }
  if ((end - start) * step < 0) {
    throw new ArgumentError(`arange: upper bound and larger bound inconsistent with step sign (start=${start}, end=${end}, step=${step})`, {
      op: 'arange',
    });
  }
  const n = Math.ceil((end - start) / step);
  checkNumel([n], 'arange');
  const dtype = toDType(opts.dtype ?? ([start, end, step].every(Number.isInteger) ? 'int32' : 'float32'), 'arange');
  const vals = new Float64Array(n);
  for (let i = 0; i < n; i++) vals[i] = start + i * step;
  checkIntRange(vals, dtype, 'arange', opts.dtype);
  return finish(fromHost(vals, [n], dtype, opts.device ?? getDefaultDevice(), 'arange'), opts, 'arange');
});

/**
 * `steps` evenly spaced values from `start` to `end` inclusive, as `torch.linspace` (float32 by default). Options: `{
 * dtype, device, requiresGrad }`.
 *
 * @example
 * dl.linspace(0, 1, 5); // → tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000])
 */
export const linspace = defineOp('linspace', (start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor => {
  if (!Number.isInteger(steps) || steps < 0)
    throw new ArgumentError(`linspace: number of steps must be non-negative, got ${steps}`, { op: 'linspace' });
  checkNumel([steps], 'linspace');
  const vals = new Float64Array(steps);
  if (steps === 1) vals[0] = start; // as torch.linspace(start, end, 1): [start]
  const step = steps > 1 ? (end - start) / (steps - 1) : 0;
  const half = Math.floor(steps / 2);
  for (let i = 0; i < steps && steps > 1; i++) vals[i] = i < half ? start + step * i : end - step * (steps - i - 1);
  return finish(
    fromHost(vals, [steps], toDType(opts.dtype ?? 'float32', 'linspace'), opts.device ?? getDefaultDevice(), 'linspace'),
    opts,
    'linspace',
  );
});

/**
 * The `n × m` identity matrix (`m` defaults to `n`), as `torch.eye`. Options: `{ dtype, device, requiresGrad }`.
 *
 * @example
 * dl.eye(2, 3); // → tensor([[1., 0., 0.], [0., 1., 0.]])
 */
export const eye = defineOp('eye', (n: number, m: number = n, opts: CreateOptions = {}): Tensor => {
  checkSizes([n, m], 'eye');
  checkNumel([n, m], 'eye');
  const vals = new Float64Array(n * m);
  for (let i = 0; i < Math.min(n, m); i++) vals[i * m + i] = 1;
  return finish(fromHost(vals, [n, m], toDType(opts.dtype ?? 'float32', 'eye'), opts.device ?? getDefaultDevice(), 'eye'), opts, 'eye');
});

function randomTensor(op: string, dist: 'uniform' | 'normal', args: readonly unknown[]): Tensor {
  const { shapeArgs, opts } = splitOpts<RandomOptions>(args);
  const shape = parseShape(shapeArgs, op);
  const dtype = toDType(opts.dtype ?? 'float32', op);
  if (!isFloating(dtype)) throw new DTypeError(`${op}: expected a floating dtype, got ${dtype}`, { op, hint: 'use randint for integers' });
  const t = emptyTensor(shape, dtype, opts.device ?? getDefaultDevice(), op);
  const { key, offset } = (opts.generator ?? defaultGenerator).reserve(t.numel());
  runKernel(op, 'random', t, dist, key, offset);
  return finish(t, opts, op);
}

/**
 * Uniform [0, 1) samples from the seeded generator (same numbers on every device).
 *
 * @example
 * dl.manualSeed(103); dl.rand([500, 20]);
 */
export const rand = defineOp('rand', (...args: (number | readonly number[] | RandomOptions)[]): Tensor => {
  return randomTensor('rand', 'uniform', args);
});
/**
 * Samples of the standard normal N(0, 1) from the seeded generator (`dl.manualSeed`, or `{ generator }`), as
 * `torch.randn`; the same numbers on every device. Options: `{ dtype, device, requiresGrad, generator }`.
 *
 * @example
 * dl.manualSeed(0);
 * dl.randn(2, 3).shape; // → [2, 3]
 */
export const randn = defineOp('randn', (...args: (number | readonly number[] | RandomOptions)[]): Tensor => {
  return randomTensor('randn', 'normal', args);
});
/** `randint(low, high, size)` and torch's `randint(high, size)` (low 0). */
export interface Randint {
  (high: number, size: readonly number[], opts?: RandomOptions): Tensor;
  (low: number, high: number, size: readonly number[] | number, opts?: RandomOptions): Tensor;
}

/**
 * Integers uniform in [low, high) (int32 unless `dtype` says otherwise). As in PyTorch, `low`
 * may be left out when the size is a list: `dl.randint(10, [1])` is `torch.randint(10, size=(1,))`.
 *
 * @example
 * dl.randint(0, 3, [500, 1], { dtype: 'float32' });
 * dl.randint(10, [1]); // in [0, 10)
 */
export const randint: Randint = defineOp('randint', (...args: unknown[]): Tensor => {
  const highFirst = Array.isArray(args[1]);
  for (const [k, a] of (highFirst ? [args[0]] : args.slice(0, 2)).entries()) {
    if (typeof a !== 'number') {
      throw new ArgumentError(`randint: ${highFirst ? 'high' : k === 0 ? 'low' : 'high'} must be a number, got ${describeValue(a)}`, {
        op: 'randint',
        hint: 'dl.randint(low, high, size) or dl.randint(high, size), size a list: dl.randint(10, [1]) is torch.randint(10, size=(1,))',
      });
    }
  }
  const [low, high, shape, opts = {}] = (highFirst ? [0, ...args] : args) as [number, number, readonly number[], RandomOptions?];
  return randintImpl(low, high, shape, opts);
}) as Randint;

function randintImpl(low: number, high: number, shape: readonly number[], opts: RandomOptions): Tensor {
  if (!(high > low))
    throw new ArgumentError(`randint: random_ expects 'from' to be less than 'to', but got from=${low} >= to=${high}`, { op: 'randint' });
  const sizes = checkSizes(typeof shape === 'number' ? [shape] : (shape as readonly unknown[]), 'randint'); // a number is one size, as rand(5)
  const u = rand([...sizes], {
    ...(opts.generator ? { generator: opts.generator } : {}),
    device: opts.device ?? getDefaultDevice(),
    dtype: 'float32',
  });
  const v = binary('add', unary('floor', binary('mul', u, high - low)), low);
  const dtype = toDType(opts.dtype ?? 'int32', 'randint');
  checkIntRange([low, high - 1], dtype, 'randint', opts.dtype);
  const r = v.to(dtype);
  return finish(r, opts, 'randint');
}

/**
 * A random permutation of `0 … n-1` (int64, stored as int32), as `torch.randperm`; from the seeded generator.
 *
 * @example
 * dl.randperm(5).sort().values; // → tensor([0, 1, 2, 3, 4])
 */
export const randperm = defineOp('randperm', (n: number, opts: RandomOptions = {}): Tensor => {
  checkSizes([n], 'randperm');
  checkNumel([n], 'randperm');
  const keys = (opts.generator ?? defaultGenerator).uniforms(n);
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
  return fromHost(idx, [n], toDType(opts.dtype ?? 'int32', 'randperm'), opts.device ?? getDefaultDevice(), 'randperm');
});

/**
 * Uniform [0, 1) samples with `x`'s shape, dtype and device, as `torch.rand_like`.
 *
 * @example
 * dl.randLike(dl.zeros(2, 2)).shape; // → [2, 2]
 */
export function randLike(x: Tensor, opts: RandomOptions = {}): Tensor {
  return rand([...x.shape], { dtype: x.dtype, device: x.device, ...opts });
}
/**
 * Standard normal samples with `x`'s shape, dtype and device, as `torch.randn_like`.
 *
 * @example
 * dl.randnLike(dl.zeros(2, 2)).shape; // → [2, 2]
 */
export function randnLike(x: Tensor, opts: RandomOptions = {}): Tensor {
  return randn([...x.shape], { dtype: x.dtype, device: x.device, ...opts });
}
