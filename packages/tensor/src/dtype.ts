import { DTypeError } from './errors.js';

/**
 * Element types as they are stored. See Note [int64 is int32]: the PyTorch names `'int64'`,
 * `'long'`, `'int'`, `'float'`, `'double'` and `'byte'` are accepted wherever a dtype is taken
 * ({@link DTypeName}) and resolve to these. `bool` and `uint8` are stored one byte per element.
 */
export type DType = 'float32' | 'float64' | 'float16' | 'int32' | 'uint8' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'int32', 'uint8', 'bool'];

/**
 * Note [int64 is int32]
 * PyTorch's integer default is int64; WebGPU has no 64-bit integers, and one storage layout on
 * every device is worth more than the range. So `'int64'` / `'long'` are names for int32: a
 * tensor created with `{ dtype: 'int64' }` or by `x.long()` has `dtype === 'int32'`, and int32 tensors print
 * without a dtype suffix, as torch prints its default integer type (`tensor([0, 1, 1])`). What keeps this honest is that values never wrap silently on the way
 * in: creating an integer tensor from a value outside its range (or NaN/±inf) raises a
 * DTypeError that says so, as `torch.tensor([2**31], dtype=torch.int32)` raises, and so does a
 * float → integer cast of NaN, ±inf or an out-of-range value on cpu (torch's answer there is
 * undefined behaviour: INT_MIN on x86). Integer → narrower integer casts wrap as in torch
 * (`int32` 300 → `uint8` 44). `sum` of int32 on cpu accumulates exactly and raises when the
 * result leaves int32 (torch returns int64 there). An index tensor is int32 everywhere, so
 * `idx.long()` is free. `'float16'` (`'half'`) is stored as IEEE half bits (Note [float16 storage],
 * Note [float16 compute]); `'bfloat16'` and the other integer widths are not supported: naming them
 * is a DTypeError with a hint.
 */

/**
 * A dtype as a PyTorch user may spell it: a stored {@link DType} or one of its aliases
 * (`'int64'`, `'long'`, `'int'` → int32; `'float'` → float32; `'double'` → float64; `'byte'` → uint8).
 *
 * @example
 * dl.tensor([0, 1, 1], { dtype: 'int64' }).dtype; // 'int32' (Note [int64 is int32])
 */
export type DTypeName = DType | 'int64' | 'long' | 'int' | 'float' | 'double' | 'half' | 'byte';

const ALIASES: { readonly [K in DTypeName]: DType } = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float16',
  int32: 'int32',
  uint8: 'uint8',
  bool: 'bool',
  int64: 'int32',
  long: 'int32',
  int: 'int32',
  float: 'float32',
  double: 'float64',
  half: 'float16',
  byte: 'uint8',
};

const UNSUPPORTED: Readonly<Record<string, string>> = {
  bfloat16: "dl has no bfloat16: use 'float32'",
  int16: "dl has no int16: use 'int32'",
  short: "dl has no int16: use 'int32'",
  int8: "dl has no int8: use 'int32' (or 'uint8' for 0..255)",
  char: "dl has no int8: use 'int32' (or 'uint8' for 0..255)",
  complex64: 'dl has no complex dtypes',
  complex128: 'dl has no complex dtypes',
  cfloat: 'dl has no complex dtypes',
  cdouble: 'dl has no complex dtypes',
};

/** Names of PyTorch dtypes dl does not have (naming one is a DTypeError with a hint). */
export function isUnsupportedDTypeName(s: unknown): boolean {
  return typeof s === 'string' && Object.hasOwn(UNSUPPORTED, s.replace(/^torch\./, ''));
}

/** Every accepted dtype name, stored dtypes first. */
export const DTYPE_NAMES: readonly DTypeName[] = Object.keys(ALIASES) as DTypeName[];

/** Is `s` a dtype name (a stored dtype or an alias such as `'int64'`)? */
export function isDTypeName(s: unknown): s is DTypeName {
  return typeof s === 'string' && Object.hasOwn(ALIASES, s);
}

/**
 * The stored dtype for a dtype name, or a DTypeError naming `op` (unknown names, half, int64…).
 *
 * @example
 * dl.toDType('long', 'zeros'); // 'int32'
 */
export function toDType(name: unknown, op: string): DType {
  if (isDTypeName(name)) return ALIASES[name];
  const bare = typeof name === 'string' ? name.replace(/^torch\./, '') : '';
  if (bare !== name && isDTypeName(bare)) {
    throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(name)}`, { op, hint: `write '${bare}' without the 'torch.' prefix` });
  }
  throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(name)}`, {
    op,
    hint: UNSUPPORTED[bare] ?? `use one of ${DTYPE_NAMES.join(', ')} ('int64'/'long' are stored as int32)`,
  });
}

/** `toDType` that lets `undefined` through (an option left out). */
export function toDTypeOpt(name: DTypeName | undefined, op: string): DType | undefined {
  return name === undefined ? undefined : toDType(name, op);
}

/** The host typed array that holds each dtype's values. */
export interface HostArrayMap {
  float32: Float32Array;
  float64: Float64Array;
  /** IEEE half bits (Note [float16 storage]). */
  float16: Uint16Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}
export type HostArray = HostArrayMap[DType];

/** The typed-array constructor of a stored dtype (`hostCtor('float32')` is `Float32Array`). */
export type TypedCtor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Uint16ArrayConstructor
  | Int32ArrayConstructor
  | Uint8ArrayConstructor;

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const satisfies { [D in DType]: TypedCtor };

/** Bytes per element of each dtype on the host. */
export const ITEMSIZE = {
  float32: 4,
  float64: 8,
  float16: 2,
  int32: 4,
  uint8: 1,
  bool: 1,
} as const satisfies { [D in DType]: number };

/**
 * A zeroed typed array for `n` elements of `dtype` (Float32Array for float32, Int32Array for int32, …).
 *
 * @example
 * dl.hostArray('int32', 3); // → Int32Array(3) [0, 0, 0]
 */
export function hostArray<D extends DType>(dtype: D, n: number): HostArrayMap[D] {
  return new CTORS[dtype](n) as HostArrayMap[D];
}

/**
 * The typed-array constructor that holds a dtype's values (`Float32Array` for float32, `Uint8Array` for bool and uint8).
 *
 * @example
 * dl.hostCtor('float64').name; // → 'Float64Array'
 */
export function hostCtor(dtype: DType): TypedCtor {
  return CTORS[dtype];
}

/**
 * Whether `d` is a floating dtype (float16, float32, float64), as `torch.dtype.is_floating_point`.
 *
 * @example
 * dl.isFloating('float32'); // → true
 */
export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16';
}

/**
 * Whether `d` is an integer dtype (int32, uint8; bool too with `includeBool`), as torch's `is_integral`.
 *
 * @example
 * dl.isIntegral('bool', true); // → true
 */
export function isIntegral(d: DType, includeBool = false): boolean {
  return d === 'int32' || d === 'uint8' || (includeBool && d === 'bool');
}

/**
 * Throws a DTypeError naming `op` unless `d` is a stored dtype name ('float32', 'float64', 'float16', 'int32', 'uint8', 'bool';
 * aliases such as 'int64' are not).
 *
 * @example
 * dl.assertDType('float32', 'myOp'); // passes
 * dl.assertDType('int64', 'myOp'); // → throws DTypeError: myOp: unknown dtype "int64"
 */
export function assertDType(d: unknown, op: string): asserts d is DType {
  if (typeof d !== 'string' || !(DTYPES as readonly string[]).includes(d)) {
    throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(d)}`, {
      op,
      hint: isDTypeName(d)
        ? `'${d}' is stored as ${ALIASES[d]}: pass it through toDType first`
        : (UNSUPPORTED[String(d)] ?? `use one of ${DTYPE_NAMES.join(', ')}`),
    });
  }
}

const INT_RANGE: Readonly<Partial<Record<DType, readonly [number, number]>>> = { int32: [-2147483648, 2147483647], uint8: [0, 255] };

/**
 * Throws a DTypeError when a value cannot be stored in an integer dtype without wrapping:
 * NaN, ±inf, or outside the range (checked before truncation toward zero, as
 * `torch.tensor([255.9], dtype=torch.uint8)` raises "value cannot be converted to type uint8
 * without overflow"). Casts pass `truncateFirst`: C++ defines a float → integer conversion whose
 * truncated value fits (255.9 → 255), and only the rest is undefined behaviour. `requested` is the name
 * the user wrote (`'int64'` says it is stored as int32). Floating and bool dtypes pass.
 */
export function checkIntRange(
  values: ArrayLike<number>,
  dtype: DType,
  op: string,
  requested: string = dtype,
  opts: { truncateFirst?: boolean } = {},
): void {
  const range = INT_RANGE[dtype];
  if (!range) return;
  const [lo, hi] = range;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    const w = opts.truncateFirst ? Math.trunc(v) : v;
    if (w >= lo && w <= hi) continue; // false for NaN; 255.9 is not uint8 (torch checks before truncating)
    throw intRangeError(v, i, dtype, op, requested);
  }
}

/** @internal The error {@link checkIntRange} raises for `values[i] = v` (also built by device checks). */
export function intRangeError(v: number, i: number, dtype: DType, op: string, requested: string = dtype, hintSuffix = ''): DTypeError {
  const [lo, hi] = INT_RANGE[dtype] ?? [-Infinity, Infinity];
  const alias = requested !== dtype ? ` (dl stores ${requested} as ${dtype}: see Note [int64 is int32])` : '';
  return new DTypeError(`${op}: value ${v} at flat index ${i} cannot be converted to type ${requested} without overflow${alias}`, {
    op,
    hint:
      (Number.isNaN(v) || !Number.isFinite(v)
        ? 'integer tensors cannot hold NaN or inf: use a floating dtype'
        : `${dtype} holds ${lo}..${hi}: use 'float64' for larger values`) + hintSuffix,
  });
}

// Promotion lattice as PyTorch: bool < uint8 < int32 < float16 < float32 < float64.
const RANK = { bool: 0, uint8: 1, int32: 2, float16: 3, float32: 4, float64: 5 } as const satisfies { [D in DType]: number };
const BY_RANK: readonly DType[] = ['bool', 'uint8', 'int32', 'float16', 'float32', 'float64'];

/**
 * The dtype two tensor dtypes promote to, as `torch.promote_types`.
 *
 * @example
 * dl.promoteTypes('int32', 'float32'); // → 'float32'
 */
export function promoteTypes(a: DType, b: DType): DType {
  return BY_RANK[Math.max(RANK[a], RANK[b])]!;
}

/** Category of a dtype for PyTorch's scalar-promotion rule (bool < integer < floating). */
function category(d: DType): number {
  return d === 'bool' ? 0 : isFloating(d) ? 2 : 1;
}

/**
 * `torch.can_cast(from, to)`: may an op computing in `from` write its result into a `to` tensor
 * (in-place ops, `out=`)? Only within or up the categories bool < integer < floating: int64 into
 * int32 or float64 into float32 is allowed, an integer into bool or a float into an integer is not.
 *
 * @example
 * canCast('int32', 'bool'); // false (torch: "result type Long can't be cast to … Bool")
 */
export function canCast(from: DType, to: DType): boolean {
  return category(from) <= category(to);
}

/**
 * The result dtype of combining `operands` (tensor-likes `{ dtype, dim }`, numbers, booleans), as `torch.result_type`:
 * dimensioned tensors win over 0-d ones, which win over numbers, unless a lower-priority operand belongs to a higher
 * category (bool < int < float).
 *
 * @example
 * dl.resultType([dl.tensor([1, 2], { dtype: 'int32' }), 2.5]); // → 'float32'
 */
export function resultType(operands: ReadonlyArray<{ dtype: DType; dim: number } | number | boolean>): DType {
  let dimRes: DType | undefined;
  let zeroRes: DType | undefined;
  let scalarRes: DType | undefined;
  for (const o of operands) {
    if (typeof o === 'number' || typeof o === 'boolean') {
      const d: DType = typeof o === 'boolean' ? 'bool' : Number.isInteger(o) ? 'int32' : 'float32';
      scalarRes = scalarRes === undefined ? d : promoteTypes(scalarRes, d);
    } else if (o.dim === 0) {
      zeroRes = zeroRes === undefined ? o.dtype : promoteTypes(zeroRes, o.dtype);
    } else {
      dimRes = dimRes === undefined ? o.dtype : promoteTypes(dimRes, o.dtype);
    }
  }
  let res = dimRes;
  if (zeroRes !== undefined && (res === undefined || category(zeroRes) > category(res))) res = zeroRes;
  // Python scalars: only a higher category changes the result, to that category's default dtype.
  if (scalarRes !== undefined && (res === undefined || category(scalarRes) > category(res))) res = scalarRes;
  return res ?? 'float32';
}
