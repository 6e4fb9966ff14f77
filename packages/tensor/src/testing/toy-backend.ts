import type { Backend, TensorView } from '../backend.js';
import type { DType } from '../dtype.js';
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
const buf = (v: TensorView) => v.buffer as Float32Array;
const notHere = () => {
  throw new Error('not in the test backend');
};

/**
 * @internal A backend of a few kernels (values kept in float32) (unary exp/neg, binary add/mul, copy, fill) over
 * strided views, for testing the dispatcher and the profiler without a backend package.
 *
 * @example
 * dl.registerBackend(toyBackend('toy'));
 */
export function toyBackend(name: string, dtypes: readonly DType[] = ['float32']): Backend {
  return {
    name,
    specVersion,
    dtypes,
    capabilities: { stridedOutput: true, syncRead: true },
    allocate: (_d, n) => new Float32Array(n),
    free: () => {},
    write: (b, _d, data, off) => (b as Float32Array).set(data, off),
    read: async (b, _d, off, n) => (b as Float32Array).slice(off, off + n),
    readSync: (b, _d, off, n) => (b as Float32Array).slice(off, off + n),
    unary: (op, x, out) => {
      const xs: number[] = [];
      each(x, (o) => xs.push(buf(x)[o]!));
      each(out, (o, i) => (buf(out)[o] = op === 'exp' ? Math.exp(xs[i]!) : op === 'neg' ? -xs[i]! : NaN));
    },
    binary: (op, a, b, out) => {
      const as: number[] = [];
      const bs: number[] = [];
      each(a, (o) => as.push(buf(a)[o]!));
      each(b, (o) => bs.push(buf(b)[o]!));
      each(out, (o, i) => (buf(out)[o] = op === 'add' ? as[i]! + bs[i]! : op === 'mul' ? as[i]! * bs[i]! : NaN));
    },
    copy: (src, dst) => {
      const s: number[] = [];
      each(src, (o) => s.push(buf(src)[o]!));
      each(dst, (o, i) => (buf(dst)[o] = s[i]!));
    },
    fill: (dst, value) => each(dst, (o) => (buf(dst)[o] = value)),
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

