/**
 * The shape, indexing and construction ops of issue 13 (@dl/tensor's ops/shape-extra.ts,
 * stack-extra.ts, diagonal.ts, index-extra.ts, scatter-reduce.ts, tri-indices.ts), tested here
 * where a backend and autograd are at hand. Values and gradients of every op are also checked
 * against PyTorch by the differential suite (tools/fixtures/differential_shape.py); this file pins
 * what it does not: views sharing storage, autograd node names, typed errors, higher-order
 * gradients and the in-place forms.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { gradcheck, gradgradcheck } from '@dl/autograd';

const long = (v: number[] | number[][]) => dl.tensor(v, { dtype: 'int32' });

describe('diagonal', () => {
  it('is a view: writes show through, strides and offset as torch', () => {
    const m = dl.zeros(3, 4);
    const d = m.diagonal(1);
    expect(d.shape).toEqual([3]);
    expect(d.stride()).toEqual([5]);
    expect(d.storageOffset()).toBe(1);
    d.fill_(7);
    expect(m.toArraySync()).toEqual([
      [0, 7, 0, 0],
      [0, 0, 7, 0],
      [0, 0, 0, 7],
    ]);
    // over the last two dims of a batch, below the main diagonal
    const b = dl.arange(24).view(2, 3, 4).diagonal(-1, 1, 2);
    expect(b.toArraySync()).toEqual([
      [4, 9],
      [16, 21],
    ]);
  });

  it('records DiagonalBackward0 and differentiates twice', () => {
    const m = dl.randn(3, 4, { dtype: 'float64' }).requiresGrad_();
    const d = m.diagonal(-1);
    expect(d.gradFn?.name()).toBe('DiagonalBackward0');
    d.sum().backward();
    expect(m.grad!.toArraySync()).toEqual([
      [0, 0, 0, 0],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
    ]);
    const x = dl.randn(2, 3, 3, { dtype: 'float64' }).requiresGrad_();
    expect(gradcheck((t) => t.diagonal(1, 2, 0).square(), [x])).toBe(true);
    expect(gradgradcheck((t) => t.diagonal(0, -1, -2).square(), [x])).toBe(true);
    const v = dl.randn(2, 3, { dtype: 'float64' }).requiresGrad_();
    expect(gradgradcheck((t) => dl.diagEmbed(t, -1, 0, 2).square(), [v])).toBe(true);
  });

  it('diag, diagEmbed and trace', () => {
    expect(dl.diag(dl.tensor([1, 2]), 1).toArraySync()).toEqual([
      [0, 1, 0],
      [0, 0, 2],
      [0, 0, 0],
    ]);
    expect(dl.diag(dl.arange(9).view(3, 3), -1).toArraySync()).toEqual([3, 7]);
    expect(
      dl
        .tensor([
          [1, 2],
          [3, 4],
        ])
        .diagEmbed().shape,
    ).toEqual([2, 2, 2]);
    const t = long([
      [1, 2],
      [3, 4],
    ]).trace();
    expect([t.dtype, t.itemSync()]).toEqual(['int32', 5]);
  });

  it('raises typed errors naming the op', () => {
    expect(() => dl.zeros(3, 3).diagonal(0, 1, -1)).toThrow(dl.ShapeError);
    expect(() => dl.zeros(3, 3).diagonal(0, 1, -1)).toThrow(/diagonal: diagonal dimensions cannot be identical/);
    expect(() => dl.zeros(3).diagonal()).toThrow(dl.IndexError);
    expect(() => dl.diag(dl.zeros(2, 2, 2))).toThrow(/diag: matrix or a vector expected/);
    expect(() => dl.zeros(3).trace()).toThrow(dl.ShapeError);
    expect(() => dl.zeros([2, 2], { dtype: 'bool' }).trace()).toThrow(dl.DTypeError);
    expect(() => dl.diagEmbed(dl.tensor(1))).toThrow(dl.IndexError);
  });
});

describe('shape ops', () => {
  it('roll, rot90, flipud, fliplr', () => {
    const x = dl.arange(6).view(2, 3);
    expect(x.roll(1).toArraySync()).toEqual([
      [5, 0, 1],
      [2, 3, 4],
    ]);
    expect(dl.roll(x, [1, -1], [0, 1]).toArraySync()).toEqual([
      [4, 5, 3],
      [1, 2, 0],
    ]);
    expect(x.rot90().toArraySync()).toEqual([
      [2, 5],
      [1, 4],
      [0, 3],
    ]);
    expect(x.rot90(-1).toArraySync()).toEqual([
      [3, 0],
      [4, 1],
      [5, 2],
    ]);
    expect(x.flipud().toArraySync()).toEqual([
      [3, 4, 5],
      [0, 1, 2],
    ]);
    expect(x.fliplr().toArraySync()).toEqual([
      [2, 1, 0],
      [5, 4, 3],
    ]);
    expect(() => x.roll([1, 2])).toThrow(/roll: shifts and dimensions must align/);
    expect(() => x.rot90(1, [0, 0])).toThrow(/rot90: expected rotation dims to be different/);
    expect(() => dl.zeros(3).fliplr()).toThrow(dl.ShapeError);
  });

  it('movedim is a permutation view; tile; unbind', () => {
    const x = dl.zeros(2, 3, 4);
    const y = dl.movedim(x, [0, 1], [2, 0]);
    expect(y.shape).toEqual([3, 4, 2]);
    y.fill_(1);
    expect(x.sum().itemSync()).toBe(24);
    expect(x.moveaxis(0, -1).shape).toEqual([3, 4, 2]);
    expect(() => x.movedim([0, 1], [2, 2])).toThrow(/movedim: repeated dim in `destination`/);
    expect(dl.tensor([1, 2]).tile([2, 2]).toArraySync()).toEqual([
      [1, 2, 1, 2],
      [1, 2, 1, 2],
    ]);
    const [a, b] = dl
      .tensor([
        [1, 2],
        [3, 4],
      ])
      .unbind(1);
    expect([a!.toArraySync(), b!.toArraySync()]).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(() => dl.tensor(1).unbind()).toThrow(dl.IndexError);
  });

  it('repeatInterleave with counts, output sizes and the counts-only form', () => {
    const x = dl.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect(x.repeatInterleave(long([1, 2]), 0).toArraySync()).toEqual([
      [1, 2],
      [3, 4],
      [3, 4],
    ]);
    expect(x.repeatInterleave(2).toArraySync()).toEqual([1, 1, 2, 2, 3, 3, 4, 4]);
    expect(dl.repeatInterleave(long([2, 0, 1])).toArraySync()).toEqual([0, 0, 2]);
    expect(() => x.repeatInterleave(long([1, 2]), 0, { outputSize: 4 })).toThrow(/allocated size does not match/);
    expect(() => x.repeatInterleave(long([1, -1]), 0)).toThrow(/repeats can not be negative/);
    expect(() => x.repeatInterleave(dl.tensor([1, 2]), 0)).toThrow(dl.DTypeError);
    const w = dl.randn(3, { dtype: 'float64' }).requiresGrad_();
    expect(gradcheck((t) => t.repeatInterleave(long([2, 0, 3])), [w])).toBe(true);
  });

  it('tensorSplit by sections and by indices (Python slice rules)', () => {
    const x = dl.arange(7);
    expect(x.tensorSplit(3).map((t) => t.toArraySync())).toEqual([
      [0, 1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(dl.tensorSplit(x, [1, 5, 3, 9]).map((t) => t.shape[0])).toEqual([1, 4, 0, 4, 0]);
    expect(dl.tensorSplit(x, long([2, 4])).map((t) => t.shape[0])).toEqual([2, 2, 3]);
    expect(() => x.tensorSplit(0)).toThrow(/number of sections must be larger than 0/);
    expect(() => x.tensorSplit(2.5)).toThrow(/^tensorSplit: the number of sections must be an integer, got 2.5/);
  });

  it('stacks and meshgrid', () => {
    expect(dl.hstack([dl.tensor([1, 2]), dl.tensor(3)]).toArraySync()).toEqual([1, 2, 3]);
    expect(dl.vstack([dl.tensor([1, 2]), dl.tensor([3, 4])]).shape).toEqual([2, 2]);
    expect(dl.dstack([dl.tensor([1, 2]), dl.tensor([3, 4])]).shape).toEqual([1, 2, 2]);
    expect(dl.columnStack([dl.tensor([1, 2]), dl.zeros(2, 2)]).shape).toEqual([2, 3]);
    expect(dl.rowStack([dl.tensor([1, 2]), dl.tensor([3, 4])]).toArraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(() => dl.hstack([])).toThrow(dl.ArgumentError);
    const [gx, gy] = dl.meshgrid(dl.tensor([1, 2, 3]), dl.tensor([4, 5]), { indexing: 'xy' });
    expect(gx!.shape).toEqual([2, 3]);
    expect(gx!.stride()).toEqual([0, 1]);
    expect(gy!.toArraySync()).toEqual([
      [4, 4, 4],
      [5, 5, 5],
    ]);
    expect(dl.meshgrid([dl.tensor([1, 2, 3]), dl.tensor([4, 5])])[0]!.shape).toEqual([3, 2]);
    expect(() => dl.meshgrid(dl.zeros(2), { indexing: 'yx' as 'xy' })).toThrow(/indexing must be one of "xy" or "ij"/);
  });

  it('trilIndices and triuIndices', () => {
    expect(dl.trilIndices(3, 3).toArraySync()).toEqual([
      [0, 1, 1, 2, 2, 2],
      [0, 0, 1, 0, 1, 2],
    ]);
    const u = dl.triuIndices(2, 3, 1);
    expect([u.dtype, u.toArraySync()]).toEqual([
      'int32',
      [
        [0, 0, 1],
        [1, 2, 2],
      ],
    ]);
    expect(() => dl.trilIndices(-1, 3)).toThrow(dl.ArgumentError);
  });

  it('trilIndices/triuIndices count before allocating: a too-large triangle is an ArgumentError, a huge empty one is cheap', () => {
    // torch.tril_indices(4, 3, -1) / torch.triu_indices(4, 3, -1)
    expect(dl.trilIndices(4, 3, -1).toArraySync()).toEqual([
      [1, 2, 2, 3, 3, 3],
      [0, 0, 1, 0, 1, 2],
    ]);
    expect(dl.triuIndices(4, 3, -1).toArraySync()).toEqual([
      [0, 0, 0, 1, 1, 1, 2, 2, 3],
      [0, 1, 2, 0, 1, 2, 1, 2, 2],
    ]);
    expect(dl.trilIndices(3, 2, -5).shape).toEqual([2, 0]);
    expect(() => dl.trilIndices(1e6, 1e6)).toThrow(/^trilIndices: a tensor of shape \[2, 500000500000\] would have/);
    expect(dl.triuIndices(1e15, 0).shape).toEqual([2, 0]);
    expect(dl.trilIndices(1e15, 3, -1e15).shape).toEqual([2, 0]);
  });
});

describe('index ops', () => {
  it('take and takeAlongDim', () => {
    const x = dl.tensor([
      [10, 30, 20],
      [60, 40, 50],
    ]);
    expect(x.take(long([0, -1])).toArraySync()).toEqual([10, 50]);
    expect(() => x.take(long([6]))).toThrow(dl.IndexError);
    expect(() => x.take(dl.tensor([1]))).toThrow(dl.DTypeError);
    expect(dl.takeAlongDim(x, x.argmax(1, { keepdim: true }), 1).toArraySync()).toEqual([[30], [60]]);
    expect(x.takeAlongDim(long([5, 0])).toArraySync()).toEqual([50, 10]);
    expect(() => x.takeAlongDim(long([0]), 1)).toThrow(/takeAlongDim: input and indices should have the same number of dimensions/);
  });

  it('indexAdd, indexCopy, indexFill and their in-place forms', () => {
    const x = dl.ones(3, 2);
    expect(x.indexAdd(0, long([0, 0]), dl.ones(2, 2), { alpha: 2 }).toArraySync()).toEqual([
      [5, 5],
      [1, 1],
      [1, 1],
    ]);
    expect(
      x
        .indexCopy(
          0,
          long([2, 0]),
          dl.tensor([
            [5, 6],
            [7, 8],
          ]),
        )
        .toArraySync(),
    ).toEqual([
      [7, 8],
      [1, 1],
      [5, 6],
    ]);
    expect(x.indexFill(1, long([-1]), -2).toArraySync()).toEqual([
      [1, -2],
      [1, -2],
      [1, -2],
    ]);
    const y = dl.zeros(2, 3);
    y.indexAdd_(1, long([2]), dl.ones(2, 1));
    y.indexCopy_(0, long([0]), dl.full([1, 3], 4));
    y.indexFill_(1, long([1]), 9);
    expect(y.toArraySync()).toEqual([
      [4, 9, 4],
      [0, 9, 1],
    ]);
    // through an expanded view, as torch's index_fill_
    const base = dl.zeros(1, 3);
    base.expand(4, 3).indexFill_(1, long([0]), 5);
    expect(base.toArraySync()).toEqual([[5, 0, 0]]);
    expect(() => x.indexAdd(0, long([0]), dl.ones(2, 2))).toThrow(/number of indices \(1\) should be equal to source.size\(dim\) \(2\)/);
    expect(() => x.indexCopy(0, long([3]), dl.ones(1, 2))).toThrow(dl.IndexError);
    expect(() => x.indexAdd(0, long([0]), dl.ones([1, 2], { dtype: 'float64' }))).toThrow(dl.DTypeError);
    expect(() => x.indexFill(0, long([0]), dl.tensor([1]))).toThrow(/only supports a 0-dimensional value tensor/);
  });

  it('indexFill gives a 0-d value tensor the sum of the gradient at the filled entries (each once)', () => {
    const v = dl.tensor(7).requiresGrad_();
    const x = dl.ones(2, 3).requiresGrad_();
    x.indexFill(1, long([0, 0, 2]), v)
      .sum()
      .backward();
    expect(v.grad!.itemSync()).toBe(4);
    expect(x.grad!.toArraySync()).toEqual([
      [0, 1, 0],
      [0, 1, 0],
    ]);
  });
});

describe('scatterReduce', () => {
  const idx = long([
    [0, 0, 2, 2],
    [1, 1, 1, 0],
  ]);

  it('matches torch on every reduction, with and without self', () => {
    const x = dl.arange(6).view(2, 3).float();
    const s = dl.tensor([
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ]);
    const expected: Record<string, [number[][], number[][]]> = {
      sum: [
        [
          [3, 1, 9],
          [11, 22, 5],
        ],
        [
          [3, 1, 7],
          [8, 18, 5],
        ],
      ],
      prod: [
        [
          [0, 1, 24],
          [24, 840, 5],
        ],
        [
          [2, 1, 12],
          [8, 210, 5],
        ],
      ],
      mean: [
        [
          [1, 1, 3],
          [5.5, 5.5, 5],
        ],
        [
          [1.5, 1, 3.5],
          [8, 6, 5],
        ],
      ],
      amax: [
        [
          [2, 1, 4],
          [8, 7, 5],
        ],
        [
          [2, 1, 4],
          [8, 7, 5],
        ],
      ],
      amin: [
        [
          [0, 1, 2],
          [3, 4, 5],
        ],
        [
          [1, 1, 3],
          [8, 5, 5],
        ],
      ],
    };
    for (const [red, [incl, excl]] of Object.entries(expected)) {
      expect(x.scatterReduce(1, idx, s, red as dl.ScatterReduction).toArraySync()).toEqual(incl);
      expect(dl.scatterReduce(x, 1, idx, s, red as dl.ScatterReduction, { includeSelf: false }).toArraySync()).toEqual(excl);
    }
    // integer mean rounds down, as torch
    expect(x.int().scatterReduce(1, idx, s.int().neg(), 'mean', { includeSelf: false }).toArraySync()).toEqual([
      [-2, 1, -4],
      [-8, -6, 5],
    ]);
  });

  it('has torch 1.13 gradients as one ScatterReduceBackward0 node (amax ties shared, counting self)', () => {
    const a = dl
      .tensor([
        [2, 0, 3],
        [1, 2, 2],
      ])
      .requiresGrad_();
    const b = dl
      .tensor([
        [2, 2, 0, 4],
        [2, 0, 2, 8],
      ])
      .requiresGrad_();
    const o = a.scatterReduce(1, idx, b, 'amax', { includeSelf: false });
    expect(o.gradFn?.name()).toBe('ScatterReduceBackward0');
    o.backward(dl.arange(1, 7).view(2, 3).float());
    const third = Math.fround(1 / 3);
    const fiveThirds = Math.fround(5 / 3);
    expect(a.grad!.toArraySync()).toEqual([
      [0, 2, 0],
      [0, 0, 6],
    ]);
    expect(b.grad!.toArraySync()).toEqual([
      [third, third, 0, 3],
      [fiveThirds, 0, fiveThirds, 4],
    ]);
    const p = dl.randn(2, 3, { dtype: 'float64' }).requiresGrad_();
    const q = dl.randn(2, 4, { dtype: 'float64' }).requiresGrad_();
    for (const red of ['sum', 'prod', 'mean'] as const) expect(gradcheck((u, w) => u.scatterReduce(1, idx, w, red), [p, q])).toBe(true);
  });

  it('in place, and typed errors', () => {
    const x = dl.zeros(3);
    x.scatterReduce_(0, long([0, 0, 2]), dl.tensor([1, 5, 3]), 'amax', { includeSelf: false });
    expect(x.toArraySync()).toEqual([5, 0, 3]);
    expect(() => x.scatterReduce(0, long([0]), dl.tensor([1]), 'max' as dl.ScatterReduction)).toThrow(
      /reduce argument must be either sum, prod, mean, amax or amin/,
    );
    expect(() => x.scatterReduce(0, long([3]), dl.tensor([1]), 'sum')).toThrow(dl.IndexError);
    expect(() => x.scatterReduce(0, long([0]), dl.tensor([1], { dtype: 'float64' }), 'sum')).toThrow(dl.DTypeError);
  });
});
