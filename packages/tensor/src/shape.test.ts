import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ArgumentError, IndexError, ShapeError } from './errors.js';
import * as dl from './index.js';
import {
  MAX_NUMEL,
  broadcastShapes,
  checkNumel,
  checkSizes,
  contiguousStrides,
  describeValue,
  inferShape,
  isContiguousLayout,
  normDim,
  normDims,
  numelOf,
  parseShape,
  viewStrides,
} from './shape.js';

describe('shape helpers', () => {
  it('numel and contiguous strides', () => {
    expect(numelOf([])).toBe(1);
    expect(numelOf([2, 0, 3])).toBe(0);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(contiguousStrides([])).toEqual([]);
    expect(contiguousStrides([2, 0, 3])).toEqual([3, 3, 1]);
  });

  it('the public broadcastShapes is torch.broadcast_shapes(*shapes)', () => {
    expect(dl.broadcastShapes([3, 1], [2])).toEqual([3, 2]);
    expect(dl.broadcastShapes(2, [3, 1], [1, 1, 1])).toEqual([1, 3, 2]);
    expect(dl.broadcastShapes()).toEqual([]);
    expect(dl.broadcastShapes([0, 1], [5])).toEqual([0, 5]);
    expect(() => dl.broadcastShapes([2, 3], [4])).toThrow(/^broadcastShapes: shapes \[2, 3\] and \[4\] cannot be broadcast/);
    expect(() => dl.broadcastShapes([2, -1])).toThrow(ArgumentError);
    expect(() => dl.broadcastShapes('add' as never, [2])).toThrow(/argument 0 is string/);
  });

  it('broadcastShapes follows NumPy rules and names the op and shapes on failure', () => {
    expect(broadcastShapes('add', [2, 1, 4], [3, 1])).toEqual([2, 3, 4]);
    expect(broadcastShapes('add', [], [3])).toEqual([3]);
    expect(broadcastShapes('add', [0, 1], [1, 5])).toEqual([0, 5]);
    expect(() => broadcastShapes('mul', [2, 3], [4])).toThrow(ShapeError);
    expect(() => broadcastShapes('mul', [2, 3], [4])).toThrow(/^mul: shapes \[2, 3\] and \[4\] cannot be broadcast/);
  });

  it('normDim / normDims wrap negatives and check range (0-d accepts 0 and -1)', () => {
    expect(normDim(-1, 3, 'sum')).toBe(2);
    expect(normDim(0, 0, 'sum')).toBe(0);
    expect(normDim(-1, 0, 'sum')).toBe(0);
    expect(() => normDim(3, 3, 'sum')).toThrow(IndexError);
    expect(() => normDim(-4, 3, 'sum')).toThrow(/sum: dimension out of range \(expected to be in range of \[-3, 2\], but got -4\)/);
    expect(() => normDim(1.5, 3, 'sum')).toThrow(IndexError);
    expect(normDims([-1, 0], 3, 'sum')).toEqual([0, 2]);
    expect(normDims(undefined, 2, 'sum')).toEqual([0, 1]);
    expect(() => normDims([1, -1], 2, 'sum')).toThrow(ArgumentError);
  });

  it("normDim: a non-number dim (PyTorch's dim=1 keyword ported as { dim: 1 }) is an ArgumentError with a hint", () => {
    expect(() => normDim({ dim: 1 } as never, 2, 'argmax')).toThrow(ArgumentError);
    expect(() => normDim({ dim: 1 } as never, 2, 'argmax')).toThrow(/argmax: dim must be an integer, got an object/);
    let err: unknown;
    try {
      normDim({ dim: 1 } as never, 2, 'softmax');
    } catch (e) {
      err = e;
    }
    expect((err as ArgumentError).hint).toMatch(/pass dim positionally \(PyTorch's dim=1/);
    expect(() => normDim('1' as never, 2, 'sum')).toThrow(/sum: dim must be an integer, got string "1"/);
  });

  it('parseShape and inferShape', () => {
    expect(parseShape([2, 3], 'zeros')).toEqual([2, 3]);
    expect(parseShape([[2, 3]], 'zeros')).toEqual([2, 3]);
    expect(() => parseShape([2, -1], 'zeros')).toThrow(ArgumentError);
    expect(inferShape([-1, 8], 16, 'view', [16])).toEqual([2, 8]);
    expect(inferShape([], 1, 'view', [1])).toEqual([]);
    expect(() => inferShape([-1, -1], 16, 'view', [16])).toThrow(ShapeError);
    expect(() => inferShape([5, -1], 16, 'view', [16])).toThrow(/view: shape \[5, -1\] is invalid for input of size 16/);
    expect(() => inferShape([4, 5], 16, 'view', [16])).toThrow(ShapeError);
    expect(() => inferShape([0, -1], 0, 'view', [0])).toThrow(ShapeError); // as torch: -1 is ambiguous
  });

  it('checkSizes: non-negative integers (or -1 where inferred), naming the op, the sizes and the bad entry', () => {
    expect(checkSizes([2, 0, 3], 'zeros')).toEqual([2, 0, 3]);
    expect(checkSizes([-1, 4], 'view', { allowInfer: true })).toEqual([-1, 4]);
    expect(() => checkSizes([1.5, 4], 'fromArray')).toThrow(ArgumentError);
    expect(() => checkSizes([1.5, 4], 'fromArray')).toThrow(/^fromArray: invalid shape \[1\.5, 4\]: size 1\.5 at dimension 0/);
    expect(() => checkSizes([2, NaN], 'zeros')).toThrow(/size NaN at dimension 1/);
    expect(() => checkSizes([2, Infinity], 'zeros')).toThrow(/size Infinity/);
    expect(() => checkSizes([-1, 4], 'zeros')).toThrow(/size -1/);
    expect(() => checkSizes([-2, 4], 'view', { allowInfer: true, cls: ShapeError })).toThrow(ShapeError);
    expect(() => checkSizes(['3', 4], 'zeros')).toThrow(/size string "3"/);
    expect(() => checkSizes([undefined], 'zeros')).toThrow(/size undefined/);
    expect(() => checkSizes(5 as never, 'zeros')).toThrow(/expected a list of sizes, got 5/);
    expect(() => parseShape([[2, 1.5]], 'ones')).toThrow(ArgumentError);
    expect(() => inferShape([2.5, -1], 10, 'reshape', [10])).toThrow(/reshape: invalid shape \[2\.5, -1\]/);
  });

  it('checkNumel: the element count against the typed-array limit, before allocating', () => {
    expect(checkNumel([3, 4], 'zeros')).toBe(12);
    expect(checkNumel([2 ** 16, 2 ** 16], 'zeros')).toBe(MAX_NUMEL);
    expect(() => checkNumel([1e5, 1e5], 'zeros')).toThrow(ArgumentError);
    expect(() => checkNumel([1e5, 1e5], 'zeros')).toThrow(
      /^zeros: a tensor of shape \[100000, 100000\] would have 10000000000 elements, more than the 4294967296/,
    );
    expect(() => parseShape([1e6, 1e6], 'rand')).toThrow(/1000000000000 elements/);
  });

  it('describeValue never dumps a whole value', () => {
    expect(describeValue('x'.repeat(100))).toBe(`string "${'x'.repeat(20)}…"`);
    expect(describeValue([1, 2, 3])).toBe('array of length 3');
    expect(describeValue({ a: 1 })).toBe('an object');
    expect(describeValue(new Map())).toBe('a Map');
    expect(describeValue(null)).toBe('null');
  });

  it('viewStrides: contiguous, transposed, sliced, 0-d and empty inputs', () => {
    expect(viewStrides([4, 4], [4, 1], [16])).toEqual([1]);
    expect(viewStrides([4, 4], [1, 4], [16])).toBeNull();
    expect(viewStrides([4, 4], [1, 4], [4, 2, 2])).toEqual([1, 8, 4]);
    expect(viewStrides([2, 3], [6, 2], [6])).toEqual([2]); // every other column: still one stride
    expect(viewStrides([2, 3], [7, 2], [6])).toBeNull();
    expect(viewStrides([2, 3], [7, 2], [2, 3, 1])).toEqual([7, 2, 2]);
    expect(viewStrides([], [], [1, 1])).toEqual([1, 1]);
    expect(viewStrides([], [], [])).toEqual([]);
    expect(viewStrides([0, 3], [3, 1], [3, 0])).toEqual([1, 1]); // torch's contiguous strides of [3, 0]
  });

  it('viewStrides of a contiguous layout is the contiguous strides (property)', () => {
    const arb = fc
      .array(fc.integer({ min: 1, max: 4 }), { maxLength: 4 })
      .chain((s) => fc.tuple(fc.constant(s), fc.shuffledSubarray(s, { minLength: s.length, maxLength: s.length })));
    fc.assert(
      fc.property(arb, ([shape, other]) => {
        const st = viewStrides(shape, contiguousStrides(shape), other);
        expect(st).not.toBeNull();
        expect(isContiguousLayout(other, st!)).toBe(true);
      }),
      { numRuns: 50, seed: 7 },
    );
  });

  it('isContiguousLayout ignores size-1 dims', () => {
    expect(isContiguousLayout([2, 1, 3], [3, 99, 1])).toBe(true);
    expect(isContiguousLayout([2, 3], [1, 2])).toBe(false);
    expect(isContiguousLayout([], [])).toBe(true);
  });
  it('a tensor with no elements is contiguous whatever its strides, as torch', () => {
    expect(isContiguousLayout([3, 0], [1, 1])).toBe(true);
    expect(isContiguousLayout([0, 4], [1, 0])).toBe(true);
  });
});
