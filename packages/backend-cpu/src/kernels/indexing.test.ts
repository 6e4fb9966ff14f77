import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { DType, TensorView } from '@dl/tensor/backend';
import '../index.js';
import { gather, indexSelect, scatter } from './indexing.js';

/** A contiguous view over `data` (the kernels take views; no op layer in between). */
function view(
  data: Float32Array | Int32Array,
  shape: number[],
  dtype: DType = data instanceof Int32Array ? 'int32' : 'float32',
): TensorView {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { buffer: data, dtype, shape, strides, offset: 0 };
}

// Note [Kernel index bounds]: the kernels raise for an index outside [0, size) instead of
// wrapping negatives or reading past a row; the op layer's own check is tested by the
// conformance and differential suites.
describe('cpu indexing kernels', () => {
  it('indexSelect copies rows, contiguous or strided', () => {
    const x = view(new Float32Array([0, 1, 2, 3, 4, 5]), [3, 2]);
    const out = view(new Float32Array(4), [2, 2]);
    indexSelect(x, 0, view(new Int32Array([2, 0]), [2]), out);
    expect(Array.from(out.buffer as Float32Array)).toEqual([4, 5, 0, 1]);
    const cols = view(new Float32Array(3), [3, 1]);
    indexSelect(x, 1, view(new Int32Array([1]), [1]), cols);
    expect(Array.from(cols.buffer as Float32Array)).toEqual([1, 3, 5]);
    // a transposed (non-contiguous) destination: rows are not copied as one block
    const t: TensorView = { buffer: new Float32Array(4), dtype: 'float32', shape: [2, 2], strides: [1, 2], offset: 0 };
    indexSelect(x, 0, view(new Int32Array([1, 2]), [2]), t);
    expect(Array.from(t.buffer as Float32Array)).toEqual([2, 4, 3, 5]);
  });

  it('indexSelect of empty rows copies nothing and does not overrun', () => {
    // strides as dl (and torch) give an empty [n, 0] tensor: [1, 1]; row k starts at k, past the end
    const x: TensorView = { buffer: new Float32Array(0), dtype: 'float32', shape: [3, 0], strides: [1, 1], offset: 0 };
    const out: TensorView = { buffer: new Float32Array(0), dtype: 'float32', shape: [2, 0], strides: [1, 1], offset: 0 };
    expect(() => indexSelect(x, 0, view(new Int32Array([2, 1]), [2]), out)).not.toThrow();
  });

  it('indexSelect raises for negative and too large indices, also on empty rows', () => {
    const x = view(new Float32Array([0, 1, 2, 3, 4, 5]), [3, 2]);
    const out = view(new Float32Array(2), [1, 2]);
    expect(() => indexSelect(x, 0, view(new Int32Array([-1]), [1]), out)).toThrow(dl.IndexError);
    expect(() => indexSelect(x, 0, view(new Int32Array([-1]), [1]), out)).toThrow(
      /index -1 is out of bounds for dimension 0 with size 3[\s\S]*does not wrap negative/,
    );
    expect(() => indexSelect(x, 0, view(new Int32Array([3]), [1]), out)).toThrow(dl.IndexError);
    expect(Array.from(out.buffer as Float32Array)).toEqual([0, 0]); // nothing written
    expect(() =>
      indexSelect(view(new Float32Array(0), [3, 0]), 0, view(new Int32Array([5]), [1]), view(new Float32Array(0), [1, 0])),
    ).toThrow(dl.IndexError);
  });

  it('gather and scatter raise for negative indices instead of wrapping', () => {
    const x = view(new Float32Array([1, 2, 3]), [3]);
    expect(() => gather(x, 0, view(new Int32Array([-1]), [1]), view(new Float32Array(1), [1]))).toThrow(dl.IndexError);
    const dst = view(new Float32Array(3), [3]);
    expect(() => scatter(dst, 0, view(new Int32Array([-3]), [1]), view(new Float32Array([7]), [1]), 'assign')).toThrow(dl.IndexError);
    expect(() => scatter(dst, 0, view(new Int32Array([3]), [1]), view(new Float32Array([7]), [1]), 'add')).toThrow(dl.IndexError);
    expect(Array.from(dst.buffer as Float32Array)).toEqual([0, 0, 0]);
    scatter(dst, 0, view(new Int32Array([2, 2]), [2]), view(new Float32Array([7, 1]), [2]), 'add');
    expect(Array.from(dst.buffer as Float32Array)).toEqual([0, 0, 8]);
  });

  it('the ops reject negative indices before the kernel (torch does not wrap them)', () => {
    const x = dl.tensor([1, 2, 3]);
    const neg = dl.tensor([-1], { dtype: 'int32' });
    expect(() => x.indexSelect(0, neg)).toThrow(dl.IndexError);
    expect(() => x.gather(0, neg)).toThrow(dl.IndexError);
    // x[idx] wraps a negative index once, as torch
    expect(Array.from(x.at(neg).dataSync())).toEqual([3]);
  });
});
