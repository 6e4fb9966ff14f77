import { DTypeError } from './errors.js';

/**
 * Element types. dl has no int64: WebGPU has none, so `long()` gives `int32`.
 * `bool` and `uint8` are stored one byte per element on the host.
 */
export type DType = 'float32' | 'float64' | 'int32' | 'uint8' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];

/** The host typed array that holds each dtype's values. */
export interface HostArrayMap {
  float32: Float32Array;
  float64: Float64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}
export type HostArray = HostArrayMap[DType];

type TypedCtor = Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;

const CTORS = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  bool: Uint8Array,
} as const satisfies { [D in DType]: TypedCtor };

/** Bytes per element of each dtype on the host. */
export const ITEMSIZE = {
  float32: 4,
  float64: 8,
  int32: 4,
  uint8: 1,
  bool: 1,
} as const satisfies { [D in DType]: number };

/** Allocate a zeroed host array for `n` elements of `dtype`. */
export function hostArray<D extends DType>(dtype: D, n: number): HostArrayMap[D] {
  return new CTORS[dtype](n) as HostArrayMap[D];
}

/** The typed-array constructor for a dtype. */
export function hostCtor(dtype: DType): TypedCtor {
  return CTORS[dtype];
}

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64';
}

export function isIntegral(d: DType, includeBool = false): boolean {
  return d === 'int32' || d === 'uint8' || (includeBool && d === 'bool');
}

export function assertDType(d: unknown, op: string): asserts d is DType {
  if (typeof d !== 'string' || !(DTYPES as readonly string[]).includes(d)) {
    throw new DTypeError(`${op}: unknown dtype ${JSON.stringify(d)}`, {
      op,
      hint: `use one of ${DTYPES.join(', ')} (dl has no int64: use int32)`,
    });
  }
}

// Promotion lattice as PyTorch: bool < uint8 < int32 < float32 < float64.
const RANK = { bool: 0, uint8: 1, int32: 2, float32: 3, float64: 4 } as const satisfies { [D in DType]: number };
const BY_RANK: readonly DType[] = ['bool', 'uint8', 'int32', 'float32', 'float64'];

/** `torch.promote_types` for two tensor dtypes. */
export function promoteTypes(a: DType, b: DType): DType {
  return BY_RANK[Math.max(RANK[a], RANK[b])]!;
}

/** Category of a dtype for PyTorch's scalar-promotion rule (bool < integer < floating). */
function category(d: DType): number {
  return d === 'bool' ? 0 : isFloating(d) ? 2 : 1;
}

/**
 * Result dtype of combining operands, following PyTorch: dimensioned tensors win over
 * zero-dim tensors, which win over Python scalars, unless a lower-priority operand
 * belongs to a higher category (bool < int < float).
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
