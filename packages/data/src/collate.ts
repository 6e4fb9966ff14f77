import { ArgumentError, Tensor, fromArray, stack, tensor, type DType, type HostArray } from '@dl/tensor';

/**
 * PyTorch's `default_collate`: tensors are stacked along a new dim 0; numbers become a
 * tensor (int32 when all are integers, else float32, as dl has no int64/float64 defaults);
 * booleans a bool tensor; typed arrays are stacked like tensors; strings stay a list;
 * arrays (tuples) and plain objects are collated position by position / field by field.
 *
 * @example
 * defaultCollate([[x0, 0], [x1, 1]]); // [stack([x0, x1]), tensor([0, 1])]
 * defaultCollate([{ a: 1 }, { a: 2 }]); // { a: tensor([1, 2]) }
 */
export function defaultCollate(batch: readonly unknown[]): unknown {
  if (batch.length === 0) throw new ArgumentError('defaultCollate: empty batch', { op: 'collate' });
  const first = batch[0];
  if (first instanceof Tensor) {
    assertAll(batch, (x) => x instanceof Tensor, 'Tensor');
    return stack(batch as Tensor[], 0);
  }
  if (typeof first === 'number') {
    assertAll(batch, (x) => typeof x === 'number', 'number');
    const nums = batch as number[];
    return tensor(nums, { dtype: nums.every(Number.isInteger) ? 'int32' : 'float32' });
  }
  if (typeof first === 'boolean') {
    assertAll(batch, (x) => typeof x === 'boolean', 'boolean');
    return tensor(batch as boolean[], { dtype: 'bool' });
  }
  if (typeof first === 'string') return [...batch];
  if (ArrayBuffer.isView(first)) {
    const arrs = batch as HostArray[];
    return stack(
      arrs.map((a) => fromArray(a)),
      0,
    );
  }
  if (Array.isArray(first)) {
    const n = first.length;
    for (const x of batch) {
      if (!Array.isArray(x) || x.length !== n)
        throw new ArgumentError('defaultCollate: each element in list of batch should be of equal size', { op: 'collate' });
    }
    return Array.from({ length: n }, (_, k) => defaultCollate(batch.map((x) => (x as unknown[])[k])));
  }
  if (first !== null && typeof first === 'object' && Object.getPrototypeOf(first) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(first)) {
      out[key] = defaultCollate(
        batch.map((x) => {
          if (x === null || typeof x !== 'object' || !(key in x))
            throw new ArgumentError(`defaultCollate: sample is missing field '${key}'`, { op: 'collate' });
          return (x as Record<string, unknown>)[key];
        }),
      );
    }
    return out;
  }
  throw new ArgumentError(
    `defaultCollate: default_collate: batch must contain tensors, typed arrays, numbers, booleans, strings, arrays or plain objects; found ${describe(first)}`,
    {
      op: 'collate',
      hint: 'pass a collateFn that handles this sample type',
    },
  );
}

function describe(x: unknown): string {
  if (x === null) return 'null';
  if (typeof x === 'object') return (x as object).constructor?.name ?? 'object';
  return typeof x;
}

function assertAll(batch: readonly unknown[], pred: (x: unknown) => boolean, what: string): void {
  batch.forEach((x, i) => {
    if (!pred(x))
      throw new ArgumentError(`defaultCollate: element 0 of the batch is a ${what} but element ${i} is ${describe(x)}`, { op: 'collate' });
  });
}

/** @internal A tensor crossing a thread boundary. */
interface WireTensor {
  __dlTensor: 1;
  dtype: DType;
  shape: number[];
  data: HostArray;
}

/**
 * @internal Replace tensors by host copies (typed arrays) so a value can be posted between
 * threads; `transfer` collects the ArrayBuffers to move instead of copy.
 */
export function toWire(v: unknown, transfer: ArrayBuffer[]): unknown {
  if (v instanceof Tensor) {
    const data = v.contiguous().dataSync();
    if (data.buffer instanceof ArrayBuffer && !transfer.includes(data.buffer) && data.byteLength === data.buffer.byteLength)
      transfer.push(data.buffer);
    return { __dlTensor: 1, dtype: v.dtype, shape: [...v.shape], data } satisfies WireTensor;
  }
  if (Array.isArray(v)) return v.map((x) => toWire(x, transfer));
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toWire(x, transfer)]));
  }
  return v;
}

/** @internal Inverse of {@link toWire}: wire tensors become cpu tensors sharing the received memory. */
export function fromWire(v: unknown): unknown {
  if (v !== null && typeof v === 'object' && (v as WireTensor).__dlTensor === 1) {
    const w = v as WireTensor;
    return fromArray(w.data, w.shape, { dtype: w.dtype, device: 'cpu' });
  }
  if (Array.isArray(v)) return v.map(fromWire);
  if (v !== null && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromWire(x)]));
  }
  return v;
}
