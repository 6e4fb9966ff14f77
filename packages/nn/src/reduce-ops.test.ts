/**
 * Scans, order statistics, NaN-aware reductions, histograms and binary search (@dl/tensor ops of
 * issue 13; tested here, where a backend and autograd are at hand). Expected values are PyTorch
 * 1.13's; the randomized differential rows (tools/fixtures/differential_reduce.py) cover layouts,
 * dtypes and edge values.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';

const t = (v: number[] | number[][], dtype?: 'int32' | 'float64') => dl.tensor(v, dtype ? { dtype } : {});
const arr = (x: dl.Tensor) => x.toArraySync();

describe('cumulative ops', () => {
  it('cumprod: values, int32 for integers, and the exact gradient with zeros', () => {
    expect(arr(t([1, 2, 3, 4]).cumprod(0))).toEqual([1, 2, 6, 24]);
    expect(t([1, 2, 3], 'int32').cumprod(0).dtype).toBe('int32');
    const x = dl.tensor([2, 0, 3, 0, 5], { requiresGrad: true });
    x.cumprod(0).sum().backward();
    expect(arr(x.grad!)).toEqual([1, 8, 0, 0, 0]); // torch.cumprod's gradient
    const y = dl.tensor(
      [
        [1, 2],
        [0, 4],
      ],
      { requiresGrad: true },
    );
    y.cumprod(0)
      .mul(
        dl.tensor([
          [1, 2],
          [3, 4],
        ]),
      )
      .sum()
      .backward();
    expect(arr(y.grad!)).toEqual([
      [1, 18],
      [3, 8],
    ]);
  });
  it('cumprod accumulates float32 in float64 (torch) and raises on int32 overflow', () => {
    const p = arr(dl.tensor([1e38, 1e38, 1e-38]).cumprod(0)) as number[];
    expect(p[1]).toBe(Infinity); // the double product 1e76 narrows to inf …
    expect(Math.abs(p[2]! / 1e38 - 1)).toBeLessThan(1e-6); // … but the running product stays finite
    expect(() => t([65536, 65536], 'int32').cumprod(0)).toThrow(dl.DTypeError);
  });
  it('cummax/cummin: a later tie or NaN takes the index, values carry gradient to it', () => {
    const [v, i] = dl.cummax(t([1, 1, 1]), 0);
    expect(arr(v)).toEqual([1, 1, 1]);
    expect(arr(i)).toEqual([0, 1, 2]);
    const r = t([1, NaN, 2, NaN, 3]).cummax(0);
    expect(arr(r.indices)).toEqual([0, 1, 1, 3, 3]);
    expect(arr(t([1, 1, NaN, 0]).cummin(0).indices)).toEqual([0, 1, 2, 2]);
    const x = dl.tensor([3, 1, 4, 1], { requiresGrad: true });
    x.cummax(0).values.sum().backward();
    expect(arr(x.grad!)).toEqual([2, 0, 2, 0]);
  });
  it('logcumsumexp is stable over a wide spread and keeps ±inf', () => {
    const y = t([0, 200, -200, 0]).logcumsumexp(0).toArraySync() as number[];
    expect(y[1]).toBeCloseTo(200, 4);
    expect(y[0]).toBe(0);
    expect(arr(t([-Infinity, -Infinity, 1, Infinity, 2]).logcumsumexp(0))).toEqual([-Infinity, -Infinity, 1, Infinity, Infinity]);
    const x = dl.tensor([1, 2, 3], { requiresGrad: true });
    x.logcumsumexp(0)
      .mul(dl.tensor([1, 2, 3]))
      .sum()
      .backward();
    (arr(x.grad!) as number[]).forEach((g, k) => expect(g).toBeCloseTo([1.808, 2.1963, 1.9957][k]!, 3));
    expect(() => t([1, 2], 'int32').logcumsumexp(0)).toThrow(dl.DTypeError);
  });
  it('diff: n, dim, prepend/append, bool xor, and its errors', () => {
    expect(arr(t([1, 3, 6, 10]).diff())).toEqual([2, 3, 4]);
    expect(arr(t([[1, 3, 6, 10]]).diff({ n: 2 }))).toEqual([[1, 1]]);
    expect(
      arr(
        dl.diff(
          t([
            [1, 2],
            [4, 8],
          ]),
          { dim: 0, prepend: t([[0, 0]]) },
        ),
      ),
    ).toEqual([
      [1, 2],
      [3, 6],
    ]);
    expect(arr(dl.tensor([true, false, false]).diff())).toEqual([true, false]);
    expect(() => dl.tensor(3).diff()).toThrow(dl.ShapeError);
    expect(() => t([1, 2]).diff({ n: -1 })).toThrow(dl.ArgumentError);
    expect(() => t([[1, 2]]).diff({ append: t([1, 2]) })).toThrow(dl.ShapeError);
  });
});

describe('order statistics', () => {
  it('median: lower median, NaN at its first index, the whole-tensor gradient spread over ties', () => {
    expect(arr(t([1, 2, 3, 4]).median())).toBe(2);
    const [v, i] = t([3, NaN, 1, NaN]).median(0);
    expect(Number.isNaN(arr(v) as number)).toBe(true);
    expect(arr(i)).toBe(1);
    const x = dl.tensor([1, 2, 2, 3], { requiresGrad: true });
    x.median().backward();
    expect(arr(x.grad!)).toEqual([0, 0.5, 0.5, 0]);
    const m = t([
      [5, 1, 4],
      [2, 8, 3],
    ]).median(1, { keepdim: true });
    expect(arr(m.values)).toEqual([[4], [3]]);
    expect(arr(m.indices)).toEqual([[2], [2]]);
    expect(Number.isNaN(arr(dl.median(t([]))) as number)).toBe(true);
    expect(() => dl.zeros([2, 0]).median(1)).toThrow(dl.IndexError);
  });
  it('nanmedian ignores NaN; kthvalue is 1-based with NaN largest', () => {
    const [v, i] = t([3, NaN, 1, NaN]).nanmedian(0);
    expect([arr(v), arr(i)]).toEqual([1, 2]);
    expect(arr(t([1, NaN, 3, 2]).nanmedian())).toBe(2);
    const k = t([5, 1, 4]).kthvalue(2);
    expect([arr(k.values), arr(k.indices)]).toEqual([4, 2]);
    expect(() => t([5, 1, 4]).kthvalue(4)).toThrow(dl.IndexError);
    expect(() => t([5, 1, 4]).kthvalue(1.5)).toThrow(/^kthvalue: k must be an integer, got 1.5/);
  });
  it('mode: the smallest most frequent value, at its last index', () => {
    const a = t([3, 1, 1, 3, 2]).mode();
    expect([arr(a.values), arr(a.indices)]).toEqual([1, 2]);
    const b = dl.mode(t([2, 2, 1, 1]));
    expect([arr(b.values), arr(b.indices)]).toEqual([1, 3]);
    const c = t(
      [
        [1, 2, 2],
        [7, 7, 5],
      ],
      'int32',
    ).mode(1);
    expect(arr(c.values)).toEqual([2, 7]);
    expect(arr(c.indices)).toEqual([2, 1]);
  });
  it('quantile: interpolation modes, q lists and tensors, NaN rows, nanquantile', () => {
    const x = t([1, 2, 3, 4]);
    expect(arr(x.quantile(0.4, { interpolation: 'nearest' }))).toBe(2);
    expect(arr(dl.quantile(x, t([0.5, 0.25])))).toEqual([2.5, 1.75]);
    const expected: Record<string, number> = { linear: 2.2, lower: 2, higher: 3, midpoint: 2.5, nearest: 2 };
    for (const [interpolation, e] of Object.entries(expected)) {
      expect(arr(x.quantile(0.4, { interpolation: interpolation as dl.QuantileInterpolation })) as number).toBeCloseTo(e, 5);
    }
    const r = t([
      [1, 2, 3],
      [4, 5, 7],
    ]).quantile([0.3, 0.9], { dim: 1, keepdim: true });
    expect(r.shape).toEqual([2, 2, 1]);
    (r.toArraySync() as number[][][]).flat(2).forEach((v, k) => expect(v).toBeCloseTo([1.6, 4.6, 2.8, 6.6][k]!, 5));
    expect(Number.isNaN(arr(t([1, NaN, 3]).quantile(0.5)) as number)).toBe(true);
    expect(arr(t([1, NaN, 3]).nanquantile(0.5))).toBe(2);
    expect(() => x.quantile(1.5)).toThrow(dl.ArgumentError);
    expect(() => t([1, 2], 'int32').quantile(0.5)).toThrow(dl.DTypeError);
    const g = dl.tensor([4, 1, 3, 2], { requiresGrad: true });
    g.quantile(0.5).backward();
    expect(arr(g.grad!)).toEqual([0, 0, 0.5, 0.5]);
  });
});

describe('NaN-aware and paired reductions', () => {
  it('nansum / nanmean / countNonzero / aminmax / varMean / stdMean', () => {
    expect(arr(t([1, NaN, 2]).nansum())).toBe(3);
    expect(
      arr(
        t([
          [1, NaN],
          [2, 3],
        ]).nanmean(1),
      ),
    ).toEqual([1, 2.5]);
    expect(() => t([1, 2], 'int32').nanmean()).toThrow(dl.DTypeError);
    const x = dl.tensor([1, NaN, 3], { requiresGrad: true });
    x.nansum().backward();
    expect(arr(x.grad!)).toEqual([1, 0, 1]);
    const c = dl.countNonzero(
      t([
        [0, 1],
        [2, 0],
      ]),
      [0, 1],
    );
    expect([arr(c), c.dtype]).toEqual([2, 'int32']);
    const { min, max } = t([
      [1, 5],
      [-2, 3],
    ]).aminmax({ dim: 1 });
    expect([arr(min), arr(max)]).toEqual([
      [1, -2],
      [5, 3],
    ]);
    // torch.aminmax: an empty reduction is an error naming aminmax; an empty result is not
    expect(() => dl.zeros([0, 3]).aminmax()).toThrow(/^aminmax: cannot compute aminmax over an empty tensor/);
    expect(() => dl.zeros([0, 3]).aminmax({ dim: -2 })).toThrow(dl.IndexError);
    expect(dl.zeros([0, 3]).aminmax({ dim: 1 }).max.shape).toEqual([0]);
    expect(arr(dl.tensor(2).aminmax({ dim: 0 }).min)).toBe(2);
    const [v, m] = dl.varMean(t([1, 2, 4]), null, { correction: 0 });
    expect(arr(v) as number).toBeCloseTo(14 / 9, 5);
    expect(arr(m) as number).toBeCloseTo(7 / 3, 5);
    const [s] = dl.stdMean(t([1, 2, 4]));
    expect(arr(s) as number).toBeCloseTo(Math.sqrt(7 / 3), 5);
    expect(arr(dl.varMean(t([1e38, 3e38]))[1])).toBe(Math.fround(2e38)); // torch.var_mean's mean does not overflow
  });
});

describe('histograms and search', () => {
  it('histc: data range, explicit range, outside values dropped, typed errors', () => {
    expect(arr(dl.histc(t([1, 2, 1]), { bins: 4 }))).toEqual([2, 0, 0, 1]);
    expect(arr(t([1, 1]).histc(4))).toEqual([0, 0, 2, 0]);
    expect(arr(t([1, 2, 5]).histc(4, 1, 3))).toEqual([1, 0, 1, 0]);
    expect(() => t([1, NaN]).histc()).toThrow(dl.ArgumentError);
    expect(arr(t([0, NaN, 0.5]).histc(4, 0, 1))).toEqual([1, 0, 1, 0]); // NaN is not counted (torch 1.13's cpu kernel puts it in bin 0 by an undefined cast)
    expect(() => t([1, 2]).histc(4, 3, 1)).toThrow(dl.ArgumentError);
    expect(() => t([1, 2], 'int32').histc()).toThrow(dl.DTypeError);
  });
  it('bincount: counts, weights, minlength; bincountAsync agrees', async () => {
    const x = t([0, 1, 1, 3], 'int32');
    expect(arr(dl.bincount(x))).toEqual([1, 2, 0, 1]);
    const w = dl.bincount(x, { weights: t([1, 2, 3, 4]), minlength: 6 });
    expect([arr(w), w.dtype]).toEqual([[1, 5, 0, 4, 0, 0], 'float32']);
    expect(dl.bincount(x, { weights: t([1, 2, 3, 4], 'int32') }).dtype).toBe('float64');
    expect(arr(await dl.bincountAsync(x, { minlength: 5 }))).toEqual([1, 2, 0, 1, 0]);
    expect(() => dl.bincount(t([0, -1], 'int32'))).toThrow(dl.ArgumentError);
    expect(() => dl.bincount(t([0, 1]))).toThrow(dl.DTypeError); // a dtype problem (torch: RuntimeError)
    expect(() => dl.bincount(t([[0, 1]], 'int32'))).toThrow(dl.ShapeError);
    expect(() => dl.bincount(t([0], 'int32'), { minlength: 1.5 })).toThrow(/^bincount: minlength must be a non-negative integer, got 1.5/);
  });
  it('searchsorted / bucketize: sides, NaN, N-D boundaries, sorter, scalars', () => {
    const b = t([1, 3, 5, 7]);
    expect(arr(dl.searchsorted(b, t([3, 6])))).toEqual([1, 3]);
    expect(arr(dl.searchsorted(b, t([3, 6]), { right: true }))).toEqual([2, 3]);
    expect(arr(dl.searchsorted(b, t([3, 6]), { side: 'right' }))).toEqual([2, 3]);
    expect(arr(dl.searchsorted(t([1, 2, 3]), t([NaN, 2])))).toEqual([3, 1]);
    expect(arr(dl.searchsorted(t([1, 2, 3]), 2))).toBe(1);
    expect(
      arr(
        dl.searchsorted(
          t([
            [1, 3, 5, 7],
            [2, 4, 6, 8],
          ]),
          t([
            [3, 6, 9],
            [1, 2, 4],
          ]),
          { side: 'right' },
        ),
      ),
    ).toEqual([
      [2, 3, 4],
      [0, 1, 2],
    ]);
    expect(arr(dl.searchsorted(t([5, 1, 3]), t([2, 4]), { sorter: t([1, 2, 0], 'int32') }))).toEqual([1, 2]);
    // a sorter index outside the boundaries (torch: undefined results) or of a float dtype is a typed error naming searchsorted
    expect(() => dl.searchsorted(t([5, 1, 3]), t([2]), { sorter: t([5, 2, 0], 'int32') })).toThrow(
      /^searchsorted: index 5 is out of bounds for dimension 0 with size 3/,
    );
    expect(() => dl.searchsorted(t([5, 1, 3]), t([2]), { sorter: t([1, 2, 0]) })).toThrow(dl.DTypeError);
    expect(
      arr(
        dl.bucketize(
          t([
            [1, 5],
            [2, 3],
          ]),
          t([1, 2, 3]),
        ),
      ),
    ).toEqual([
      [0, 3],
      [1, 2],
    ]);
    expect(() =>
      dl.searchsorted(
        t([
          [1, 2],
          [3, 4],
        ]),
        t([1, 2]),
      ),
    ).toThrow(dl.ShapeError);
    expect(() => dl.searchsorted(b, t([1]), { side: 'left', right: true })).toThrow(dl.ArgumentError);
    expect(() => dl.bucketize(t([1]), t([[1, 2]]))).toThrow(dl.ShapeError);
  });
});

describe("torch's positional keywords (Note [Options where torch has positional keywords])", () => {
  // `torch.median(x, 1, True)`, `torch.linalg.eigh(A, 'U')`, `torch.linalg.vector_norm(x, 2, 1)`
  // ported as-is would silently drop keepdim / UPLO / dim: a typed error names the options form
  const x = t([
    [1, 2, 3],
    [4, 5, 6],
  ]);
  const A = t([
    [2, 5],
    [1, 3],
  ]);
  const loose = (v: unknown) => v as never;
  it('a boolean, string, number or Tensor where the options object goes is an ArgumentError naming the op and the form', () => {
    expect(() => x.median(1, loose(true))).toThrow(
      /^median: expected an options object where torch takes keyword arguments, got boolean true/,
    );
    expect(() => dl.linalg.eigh(A, loose('U'))).toThrow(/^linalg\.eigh: .* got string "U"[\s\S]*\{ UPLO: 'U' \}/);
    expect(() => dl.linalg.vectorNorm(x, 2, loose(1))).toThrow(dl.ArgumentError);
    expect(() => dl.linalg.qr(A, loose('r'))).toThrow(dl.ArgumentError);
    expect(() => dl.linalg.svd(A, loose(false))).toThrow(dl.ArgumentError);
    expect(() => dl.nansum(x, 1, loose(true))).toThrow(dl.ArgumentError);
    expect(() => dl.varMean(x, 1, loose(0))).toThrow(dl.ArgumentError);
    expect(() => dl.quantile(x, 0.5, loose(1))).toThrow(dl.ArgumentError);
    expect(() => dl.bincount(t([0, 1], 'int32'), loose(t([2, 3])))).toThrow(/got a Tensor of shape \[2\]/);
    expect(() => dl.addmm(A, A, A, loose(0))).toThrow(/^addmm: expected an options object/);
    expect(() => dl.trilIndices(2, 2, 0, loose('cpu'))).toThrow(dl.ArgumentError);
    expect(() => dl.linalg.vectorNorm(x, 2, loose(null))).toThrow(/got null/); // torch's None: it crashed reading a field
  });
  it('undefined and options objects pass', () => {
    expect(x.median(1, { keepdim: true }).values.shape).toEqual([2, 1]);
    expect(dl.linalg.vectorNorm(x, 2, undefined).shape).toEqual([]);
    expect(arr(dl.linalg.eigh(A, { UPLO: 'U' }).eigenvalues)).toEqual(
      arr(
        dl.linalg.eigvalsh(
          t([
            [2, 5],
            [5, 3],
          ]),
        ),
      ),
    );
  });
});
