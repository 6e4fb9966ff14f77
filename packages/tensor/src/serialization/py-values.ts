/**
 * @internal The values the restricted unpickler builds and the pickle writer reads: Python's
 * data model reduced to what state dicts hold. Nothing here is ever executed.
 */

/**
 * A Python tuple (lists are JS arrays, dicts are Maps, sets are Sets).
 *
 * @example
 * new PyTuple([2, 3]); // (2, 3)
 */
export class PyTuple {
  constructor(readonly items: PyValue[]) {}
}

/** What an allowlisted global stands for (see `torch-globals.ts`). */
export type GlobalKind =
  | { kind: 'ordered-dict' }
  | { kind: 'rebuild-tensor'; version: 1 | 2 }
  | { kind: 'rebuild-parameter'; withState: boolean }
  | { kind: 'rebuild-from-type' }
  | { kind: 'parameter' }
  | { kind: 'tensor-class' }
  | { kind: 'size' }
  | { kind: 'storage'; dtype: StorageDType | null }
  | { kind: 'dtype'; name: string }
  | { kind: 'set'; frozen: boolean }
  | { kind: 'codecs-encode' }
  | { kind: 'unsupported'; what: string };

/**
 * An allowlisted Python global (`collections.OrderedDict`, `torch.FloatStorage`…).
 *
 * @example
 * lookupGlobal('torch', 'FloatStorage')!.path; // 'torch.FloatStorage'
 */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
    readonly def: GlobalKind,
  ) {}
  get path(): string {
    return `${this.module}.${this.name}`;
  }
}

/** The element types of PyTorch storages dl can read (converted on load, see `dtypes.ts`). */
export type StorageDType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/**
 * A storage named by a persistent id: `('storage', torch.FloatStorage, '0', 'cpu', numel)`.
 *
 * @example
 * new StorageRef('float32', '0', 'cpu', 6);
 */
export class StorageRef {
  constructor(
    readonly dtype: StorageDType,
    /** The record name under `data/`. */
    readonly key: string,
    readonly location: string,
    readonly numel: number,
  ) {}
}

/**
 * A tensor the pickle rebuilt: a strided view of a storage.
 *
 * @example
 * new TensorSpec(storage, 0, [3, 2], [1, 3], false); // a transposed view
 */
export class TensorSpec {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly strides: readonly number[],
    public requiresGrad: boolean,
  ) {}
}

/** A Python value as unpickled. Ints past 2^53 are bigints; bytes are Uint8Arrays. */
export type PyValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | PyTuple
  | PyValue[]
  | Map<PyValue, PyValue>
  | Set<PyValue>
  | PyGlobal
  | StorageRef
  | TensorSpec
  | PyFloat;

/**
 * A number saved as a Python `float` even when integral (`dl.pyFloat(1)` saves `1.0`). See
 * Note [Python ints and floats].
 *
 * @example
 * await dl.save({ lr: dl.pyFloat(1) }); // torch.load gives {'lr': 1.0}
 */
export class PyFloat {
  constructor(readonly value: number) {}
}

/**
 * Mark a number to be saved as a Python `float` even when it is integral.
 *
 * Note [Python ints and floats]
 * JS has one number type; Python has int and float, and PyTorch cares (`step` counts and
 * `params` index lists must be ints; torch's own optimizers write `lr` as a float). `dl.save`
 * writes an integral number (`Number.isInteger`, safe range, not -0) as a Python int and every
 * other number (fractions, NaN, ±Infinity, -0) as a float; bigints are ints. Wrap a number in
 * `dl.pyFloat` to force a float. Object keys that read as canonical integers (`'0'`, `'-3'`)
 * are written as int keys (optimizer `state` is keyed by parameter index); use a `Map` with
 * string keys to keep them strings. On load both ints and floats become JS numbers (ints past
 * 2^53 become bigints) and int dict keys become string keys, so a loaded optimizer state saves
 * back as PyTorch wrote it, except integral floats, which come back as ints.
 *
 * @example
 * await dl.save({ lr: dl.pyFloat(1), step: 10 }, 'opt.pt'); // {'lr': 1.0, 'step': 10}
 */
export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

/** Is `k` an object key that is saved as a Python int (canonical decimal, safe range)? */
export function isIntKey(k: string): boolean {
  if (!/^(0|-?[1-9][0-9]{0,15})$/.test(k)) return false;
  return Number.isSafeInteger(Number(k));
}
