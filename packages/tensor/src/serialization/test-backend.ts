import { specVersion, type Backend, type TensorView } from '../backend.js';
import { hostArray, type DType, type HostArray } from '../dtype.js';

function each(v: TensorView, f: (offset: number, i: number) => void): void {
  const n = v.shape.reduce((a, b) => a * b, 1);
  const idx = v.shape.map(() => 0);
  for (let i = 0; i < n; i++) {
    let off = v.offset;
    for (let d = 0; d < idx.length; d++) off += idx[d]! * v.strides[d]!;
    f(off, i);
    for (let d = idx.length - 1; d >= 0 && ++idx[d]! === v.shape[d]; d--) idx[d] = 0;
  }
}

function cast(v: number, to: DType): number {
  if (to === 'bool') return v ? 1 : 0;
  if (to === 'int32') return Math.trunc(v) | 0;
  if (to === 'uint8') return Math.trunc(v) & 0xff;
  return v;
}

/**
 * @internal A host backend for the serialization tests (the tensor package cannot depend on
 * @dl/backend-cpu): typed-array buffers of every dtype, strided copy with casts and fill; every
 * other kernel throws. `asyncOnly` drops `readSync`, as a GPU backend.
 *
 * @example
 * dl.registerBackend(hostBackend('cpu'));
 */
export function hostBackend(name: string, opts: { asyncOnly?: boolean } = {}): Backend {
  const notHere = () => {
    throw new Error(`${name}: not in the serialization test backend`);
  };
  const read = (b: unknown, d: DType, off: number, n: number): HostArray => {
    const src = b as HostArray;
    const out = hostArray(d, n);
    out.set(src.subarray(off, off + n) as never);
    return out;
  };
  const be = {
    name,
    specVersion,
    dtypes: ['float32', 'float64', 'int32', 'uint8', 'bool'],
    capabilities: { stridedOutput: true, syncRead: !opts.asyncOnly },
    allocate: (d: DType, n: number) => hostArray(d, n),
    free: () => {},
    write: (b: unknown, _d: DType, data: HostArray, off: number) => (b as HostArray).set(data as never, off),
    read: async (b: unknown, d: DType, off: number, n: number) => read(b, d, off, n),
    ...(opts.asyncOnly ? {} : { readSync: read }),
    copy: (src: TensorView, dst: TensorView) => {
      const vals: number[] = [];
      each(src, (o) => vals.push((src.buffer as HostArray)[o]!));
      each(dst, (o, i) => ((dst.buffer as HostArray)[o] = cast(vals[i]!, dst.dtype)));
    },
    fill: (dst: TensorView, value: number) => each(dst, (o) => ((dst.buffer as HostArray)[o] = cast(value, dst.dtype))),
    unary: notHere,
    binary: notHere,
    compare: notHere,
    where: notHere,
    clamp: notHere,
    reduce: notHere,
    matmul: notHere,
    gather: notHere,
    scatter: notHere,
    indexSelect: notHere,
    sort: notHere,
    cumsum: notHere,
    random: notHere,
  };
  return be as unknown as Backend;
}
