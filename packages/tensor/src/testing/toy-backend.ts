import type { Backend, TensorView } from '../backend.js';
import { hostArray, type DType, type HostArray } from '../dtype.js';
import { specVersion } from '../backend.js';

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
const buf = (v: TensorView) => v.buffer as HostArray;
const values = (v: TensorView): number[] => {
  const out: number[] = [];
  each(v, (o) => out.push(buf(v)[o]!));
  return out;
};
function cast(v: number, to: DType): number {
  if (to === 'bool') return v ? 1 : 0;
  if (to === 'int32') return Math.trunc(v) | 0;
  if (to === 'uint8') return Math.trunc(v) & 0xff;
  return v;
}
const notHere = () => {
  throw new Error('not in the test backend');
};

/** Options of {@link toyBackend}. */
export interface ToyBackendOptions {
  /** Drop `readSync`, as a GPU backend (reads are asynchronous only). */
  asyncOnly?: boolean;
}

/**
 * @internal A backend of a few kernels over strided typed-array views of any of `dtypes` —
 * unary exp/neg, binary add/mul, copy (with casts) and fill; every other kernel throws — for
 * testing the dispatcher, the profiler and serialization without a backend package (the tensor
 * package cannot depend on @dl/backend-cpu).
 *
 * @example
 * dl.registerBackend(toyBackend('toy'));
 */
export function toyBackend(name: string, dtypes: readonly DType[] = ['float32'], opts: ToyBackendOptions = {}): Backend {
  const read = (b: unknown, d: DType, off: number, n: number): HostArray => {
    const out = hostArray(d, n);
    out.set((b as HostArray).subarray(off, off + n) as never);
    return out;
  };
  return {
    name,
    specVersion,
    dtypes,
    capabilities: { stridedOutput: true, syncRead: !opts.asyncOnly },
    allocate: (d, n) => hostArray(d, n),
    free: () => {},
    write: (b, _d, data, off) => (b as HostArray).set(data as never, off),
    read: async (b, d, off, n) => read(b, d, off, n),
    ...(opts.asyncOnly ? {} : { readSync: read }),
    unary: (op, x, out) => {
      const xs = values(x);
      each(out, (o, i) => (buf(out)[o] = op === 'exp' ? Math.exp(xs[i]!) : op === 'neg' ? -xs[i]! : NaN));
    },
    binary: (op, a, b, out) => {
      const as = values(a);
      const bs = values(b);
      each(out, (o, i) => (buf(out)[o] = op === 'add' ? as[i]! + bs[i]! : op === 'mul' ? as[i]! * bs[i]! : NaN));
    },
    copy: (src, dst) => {
      const s = values(src);
      each(dst, (o, i) => (buf(dst)[o] = cast(s[i]!, dst.dtype)));
    },
    fill: (dst, value) => each(dst, (o) => (buf(dst)[o] = cast(value, dst.dtype))),
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
}
