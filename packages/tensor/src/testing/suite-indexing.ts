import { expect } from 'vitest';
import * as dl from '../everything.js';
import type { SuiteContext } from './suite.js';
import { expectError } from './suite-errors.js';

/**
 * Advanced indexing (index tensors, masks, `indexPut_`, `nonzero`, `maskedSelect`), `unique`'s
 * return shapes, index bounds, `cat` element and promotion checks, and PyTorch's integer dtype
 * names with their range checks. Expected values come from torch 1.13 (the code is in comments).
 * Data-dependent ops run their sync form on devices with sync reads and their `…Async` twin
 * elsewhere; host-side index checks (Note [Index bounds on the host]) are checked where they run.
 */
export function registerIndexing(ctx: SuiteContext): void {
  const { device } = ctx;
  const t = ctx.test;
  const long = (v: dl.NestedData) => dl.tensor(v, { dtype: 'int64', device });
  const arange24 = () => dl.arange(24, undefined, 1, { device, dtype: 'float32' }).reshape(2, 3, 4);

  t('advanced: index tensors and slices, PyTorch placement of the indexed dims', async () => {
    const x = arange24();
    // x[:, torch.tensor([[0,2],[1,0]]), 1]
    expect(
      await x
        .at(
          ':',
          long([
            [0, 2],
            [1, 0],
          ]),
          1,
        )
        .toArray(),
    ).toEqual([
      [
        [1, 9],
        [5, 1],
      ],
      [
        [13, 21],
        [17, 13],
      ],
    ]);
    // x[1, :, torch.tensor([3,-1,0])]  (ints are basic: the index dims stay in place)
    expect(await x.at(1, ':', long([3, -1, 0])).toArray()).toEqual([
      [15, 15, 12],
      [19, 19, 16],
      [23, 23, 20],
    ]);
    // x[torch.tensor([1,0]), :, torch.tensor([0,3])]  (separated by a slice: the index dims go first)
    expect(await x.at(long([1, 0]), ':', long([0, 3])).toArray()).toEqual([
      [12, 16, 20],
      [3, 7, 11],
    ]);
    // shapes for x of [5, 6, 7]: x[0,:,i] x[i,:,0] x[:,i,0] x[i,0,i] x[i,:,i] x[None,i] x[...,i] x[i,None,i] x[:,[0,1]]
    const y = dl.zeros([5, 6, 7], { device });
    const i = long([0, 1]);
    const shapes = [
      y.at(0, ':', i),
      y.at(i, ':', 0),
      y.at(':', i, 0),
      y.at(i, 0, i),
      y.at(i, ':', i),
      y.at(null, i),
      y.at('...', i),
      y.at(i, null, i),
      y.at(':', [0, 1]),
    ];
    expect(shapes.map((s) => [...s.shape])).toEqual([[6, 2], [2, 6], [5, 2], [2], [2, 6], [1, 2, 6, 7], [5, 6, 2], [2, 1, 7], [5, 2, 7]]);
    // an advanced index copies: writing the result leaves x alone
    const c = x.at(long([0]));
    c.fill_(-1);
    expect(((await x.toArray()) as number[][][])[0]![0]![0]).toBe(0);
    // JS arrays of integers index like tensors: x[[1, 0], [2, 0]]
    expect(await x.at([1, 0], [2, 0]).toArray()).toEqual([
      [20, 21, 22, 23],
      [0, 1, 2, 3],
    ]);
    // a 0-d index tensor: x[torch.tensor(1)].shape == [3, 4]
    expect(x.at(long(1)).shape).toEqual([3, 4]);
    // it counts as an integer, not as an advanced index, for the placement:
    // x[torch.tensor(1), :, torch.tensor([0,3])] -> [[12, 15], [16, 19], [20, 23]]
    expect(await x.at(long(-1), ':', long([0, 3])).toArray()).toEqual([
      [12, 15],
      [16, 19],
      [20, 23],
    ]);
    // an empty slice next to index tensors: x[[1, 0], :, 2:2].shape == [2, 3, 0]
    expect(x.at([1, 0], ':', '2:2').shape).toEqual([2, 3, 0]);
  });

  t('advanced: bool masks', async () => {
    const x = arange24();
    if (!ctx.syncRead()) {
      expectError(() => x.at(x.gt(3)), dl.StateError, 'nonzeroAsync');
      const [r, c] = await dl.nonzeroAsync(x.sum(2).gt(20), { asTuple: true });
      expect(((await x.at(r!, c!).toArray()) as number[][]).map((row) => row[0])).toEqual([4, 8, 12, 16, 20]);
      return;
    }
    // m = x.sum(2) > 20; x[m]
    const m = x.sum(2).gt(20);
    expect(await x.at(m).toArray()).toEqual([
      [4, 5, 6, 7],
      [8, 9, 10, 11],
      [12, 13, 14, 15],
      [16, 17, 18, 19],
      [20, 21, 22, 23],
    ]);
    // x[..., torch.tensor([True,False,False,True])][1]
    expect(
      await x
        .at('...', dl.tensor([true, false, false, true], { device }))
        .at(1)
        .toArray(),
    ).toEqual([
      [12, 15],
      [16, 19],
      [20, 23],
    ]);
    expect(await x.at(':', [true, false, true], 0).toArray()).toEqual([
      [0, 8],
      [12, 20],
    ]);
    // x[torch.tensor(True)].shape, x[torch.tensor(False)].shape
    expect([x.at(dl.tensor(true, { device })).shape, x.at(dl.tensor(false, { device })).shape]).toEqual([
      [1, 2, 3, 4],
      [0, 2, 3, 4],
    ]);
    // torch: x[torch.tensor([True, False, True])] -> The shape of the mask [3] at index 0 does not match the shape of the indexed tensor [2, 3, 4] at index 0
    expectError(
      () => x.at(dl.tensor([true, false, true], { device })),
      dl.IndexError,
      'shape of the mask [3] at index 0',
      'shape of the indexed tensor [2, 3, 4] at index 0',
    );
  });

  t('advanced: errors name the index, dim and size (never the data)', () => {
    const x = arange24();
    expectError(() => x.at(long([0.5 as number]).float()), dl.IndexError, 'long, byte or bool');
    expectError(() => x.at(long([0, 1]), long([0, 1, 2])), dl.IndexError, 'shape mismatch', '[2], [3]');
    expectError(() => x.at(0, 0, 0, 0), dl.IndexError, 'too many indices');
    expectError(() => x.at({} as unknown as number), dl.IndexError, 'unsupported index object');
    expectError(() => x.at([0.5]), dl.IndexError, 'integers');
    expectError(
      () =>
        x.at([
          [0, 1],
          [1, 0],
        ] as unknown as number[]),
      dl.IndexError,
      'nested array',
      'separate indices',
    );
    if (!ctx.syncRead()) return; // bounds are checked on the host (Note [Index bounds on the host])
    // x[torch.tensor([2])] -> IndexError: index 2 is out of bounds for dimension 0 with size 2
    const e = expectError(() => x.at(long([0, 2])), dl.IndexError, 'index 2 is out of bounds for dimension 0 with size 2');
    expect(e.message).not.toContain('[[');
    expectError(() => x.at(':', ':', long([-5])), dl.IndexError, 'index -5 is out of bounds for dimension 2 with size 4');
    expect(x.at(long([-1])).shape).toEqual([1, 3, 4]);
  });

  t('indexPut_: assignment, accumulate, masks and basic specs as x[spec] = v', async () => {
    // z[torch.tensor([1,0]), :, torch.tensor([0,3])] = torch.tensor([1.,2,3])
    const z = dl.zeros([2, 3, 4], { device });
    const r = z.indexPut_([long([1, 0]), ':', long([0, 3])], dl.tensor([1, 2, 3], { device }));
    expect(r).toBe(z);
    expect(await z.toArray()).toEqual([
      [
        [0, 0, 0, 1],
        [0, 0, 0, 2],
        [0, 0, 0, 3],
      ],
      [
        [1, 0, 0, 0],
        [2, 0, 0, 0],
        [3, 0, 0, 0],
      ],
    ]);
    // z.index_put_((tensor([0,0,2]), tensor([1,1,3])), tensor([1.,2.,3.]), accumulate=True)
    const h = dl.zeros([3, 4], { device });
    h.indexPut_([long([0, 0, 2]), long([1, 1, 3])], dl.tensor([1, 2, 3], { device }), { accumulate: true });
    expect(await h.toArray()).toEqual([
      [0, 3, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 3],
    ]);
    // a histogram with accumulate
    const counts = dl.zeros([4], { device, dtype: 'int32' });
    counts.indexPut_([long([3, 1, 3, 3])], 1, { accumulate: true });
    expect(await counts.toArray()).toEqual([0, 1, 0, 3]);
    // z[torch.tensor(1), :, torch.tensor([0,3])] = torch.tensor([1., 2]); z[1] -> [[1,0,0,2]] * 3
    const z1 = dl.zeros([2, 3, 4], { device });
    z1.indexPut_([long(1), ':', long([0, 3])], dl.tensor([1, 2], { device }));
    expect(await z1.toArray()).toEqual([
      [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      [
        [1, 0, 0, 2],
        [1, 0, 0, 2],
        [1, 0, 0, 2],
      ],
    ]);
    // x[:, 1] = v and x[..., [0, 3]] = [[1, 2]] through the same API
    const b = dl.zeros([3, 4], { device });
    b.indexPut_([':', 1], dl.tensor([7, 8, 9], { device }));
    b.indexPut_(['...', [0, 3]], dl.tensor([[1, 2]], { device }));
    expect(await b.toArray()).toEqual([
      [1, 7, 0, 2],
      [1, 8, 0, 2],
      [1, 9, 0, 2],
    ]);
    // out of place
    const o = dl.indexPut(b, [long([0])], 5);
    expect(((await o.toArray()) as number[][])[0]).toEqual([5, 5, 5, 5]);
    expect(((await b.toArray()) as number[][])[0]).toEqual([1, 7, 0, 2]);
    if (ctx.syncRead()) {
      const m = dl.zeros([3, 4], { device });
      m.indexPut_([m.eq(0)], 5); // z[z == 0] = 5
      expect(await m.toArray()).toEqual([
        [5, 5, 5, 5],
        [5, 5, 5, 5],
        [5, 5, 5, 5],
      ]);
      expectError(
        () => dl.zeros([3, 4], { device }).indexPut_([long([5])], 1),
        dl.IndexError,
        'index 5 is out of bounds for dimension 0 with size 3',
      );
    }
    // torch: "shape mismatch: value tensor of shape [2] cannot be broadcast to indexing result of shape [1, 4]"
    expectError(
      () => dl.zeros([3, 4], { device }).indexPut_([long([0])], dl.tensor([1, 2], { device })),
      dl.ShapeError,
      'value tensor of shape [2]',
      'indexing result of shape [1, 4]',
    );
    // torch: "Index put requires the source and destination dtypes match"
    expectError(
      () => dl.zeros([3, 4], { device }).indexPut_([long([0])], dl.tensor([1, 2, 3, 4], { device, dtype: 'int32' })),
      dl.DTypeError,
      'dtypes match',
      'float32',
      'int32',
    );
  });

  t('nonzero and maskedSelect', async () => {
    const x = dl.tensor(
      [
        [0, 1],
        [2, 0],
      ],
      { device },
    );
    const m = dl.tensor([true, false, true], { device });
    const a = dl.arange(6, undefined, 1, { device }).reshape(2, 3);
    if (!ctx.syncRead()) {
      expectError(() => dl.nonzero(x), dl.StateError, 'nonzeroAsync');
      expectError(() => dl.maskedSelect(a, m), dl.StateError, 'maskedSelectAsync');
      expect(await (await dl.nonzeroAsync(x)).toArray()).toEqual([
        [0, 1],
        [1, 0],
      ]);
      expect(await (await dl.maskedSelectAsync(a, m)).toArray()).toEqual([0, 2, 3, 5]);
      return;
    }
    // torch.nonzero(torch.tensor([[0,1],[2,0]])) -> [[0, 1], [1, 0]]; as_tuple -> ([0, 1], [1, 0])
    const nz = dl.nonzero(x);
    expect([nz.dtype, await nz.toArray()]).toEqual([
      'int32',
      [
        [0, 1],
        [1, 0],
      ],
    ]);
    expect(await Promise.all(x.nonzero({ asTuple: true }).map((c) => c.toArray()))).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // 0-d: torch.nonzero(torch.tensor(3)).shape == [1, 0], of 0: [0, 0]; NaN is nonzero, -0 is not
    expect([dl.nonzero(dl.tensor(3, { device })).shape, dl.nonzero(dl.tensor(0, { device })).shape]).toEqual([
      [1, 0],
      [0, 0],
    ]);
    expect(await dl.nonzero(dl.tensor([NaN, 0, -0], { device })).toArray()).toEqual([[0]]);
    expect(await (await dl.nonzeroAsync(x)).toArray()).toEqual([
      [0, 1],
      [1, 0],
    ]);
    // torch.masked_select(torch.arange(6).reshape(2,3), torch.tensor([True, False, True])) -> [0, 2, 3, 5]
    expect(await a.maskedSelect(m).toArray()).toEqual([0, 2, 3, 5]);
    expect(await (await dl.maskedSelectAsync(a, m)).toArray()).toEqual([0, 2, 3, 5]);
    expectError(() => a.maskedSelect(dl.tensor([1, 0, 1], { device, dtype: 'int32' })), dl.DTypeError, 'BoolTensor');
    // torch.zeros(2,3).masked_scatter(torch.tensor([True,False,True]), torch.arange(10.)) -> [[0,0,1],[2,0,3]]
    const z = dl.zeros([2, 3], { device });
    const src = dl.arange(10, undefined, 1, { device, dtype: 'float32' });
    expect(await z.maskedScatter(m, src).toArray()).toEqual([
      [0, 0, 1],
      [2, 0, 3],
    ]);
    expect(await z.toArray()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    z.maskedScatter_(m, src);
    expect(await z.toArray()).toEqual([
      [0, 0, 1],
      [2, 0, 3],
    ]);
    // torch: "Number of elements of source < number of ones in mask"; "expected self and source to have same dtypes"
    expectError(
      () => z.maskedScatter(m, dl.arange(3, undefined, 1, { device, dtype: 'float32' })),
      dl.ShapeError,
      'number of ones in mask',
    );
    expectError(() => z.maskedScatter(m, dl.arange(10, undefined, 1, { device })), dl.DTypeError, 'same dtypes');
  });

  t('unique returns a Tensor unless more is asked, as torch.unique', async () => {
    const x = dl.tensor([3, 1, 3, 2], { device, dtype: 'int64' });
    const u = ctx.syncRead() ? dl.unique(x) : await dl.uniqueAsync(x);
    expect(u).toBeInstanceOf(dl.Tensor);
    expect(await u.toArray()).toEqual([1, 2, 3]);
    // torch.unique(x, return_inverse=True, return_counts=True) -> ([1,2,3], [2,0,2,1], [1,1,2])
    const all = await dl.uniqueAsync(x, { returnInverse: true, returnCounts: true });
    expect(all.length).toBe(3);
    expect(await Promise.all(all.map((v) => v.toArray()))).toEqual([
      [1, 2, 3],
      [2, 0, 2, 1],
      [1, 1, 2],
    ]);
    expect(all.counts).toBe(all[2]);
    const [, counts] = await dl.uniqueAsync(x, { returnCounts: true });
    expect(await counts.toArray()).toEqual([1, 1, 2]);
    // torch.unique(torch.tensor([[1,2],[1,2],[3,4]]), dim=0, return_inverse=True) -> ([[1,2],[3,4]], [0,0,1])
    const [rows, inv] = await dl.uniqueAsync(
      dl.tensor(
        [
          [1, 2],
          [1, 2],
          [3, 4],
        ],
        { device },
      ),
      { dim: 0, returnInverse: true },
    );
    expect([await rows.toArray(), await inv.toArray()]).toEqual([
      [
        [1, 2],
        [3, 4],
      ],
      [0, 0, 1],
    ]);
  });

  t('gather / scatter / indexSelect / oneHot raise on negative and out-of-range indices', () => {
    const x = dl.arange(6, undefined, 1, { device, dtype: 'float32' }).reshape(2, 3);
    if (!ctx.syncRead()) return; // checked on the host (webgpu validates on the device)
    // torch: x.gather(1, tensor([[0,-1],[1,2]])) -> index -1 is out of bounds for dimension 1 with size 3
    expectError(
      () =>
        x.gather(
          1,
          long([
            [0, -1],
            [1, 2],
          ]),
        ),
      dl.IndexError,
      'index -1 is out of bounds for dimension 1 with size 3',
    );
    expectError(() => x.indexSelect(1, long([-1])), dl.IndexError, 'index -1 is out of bounds for dimension 1 with size 3');
    expectError(
      () => x.scatter(1, long([[-1]]), dl.ones([1, 1], { device })),
      dl.IndexError,
      'index -1 is out of bounds for dimension 1 with size 3',
    );
    expectError(() => x.scatter(1, long([[-1]]), 5), dl.IndexError, 'index -1');
    expectError(
      () => x.scatterAdd(1, long([[3]]), dl.ones([1, 1], { device })),
      dl.IndexError,
      'index 3 is out of bounds for dimension 1 with size 3',
    );
    // F.one_hot(torch.tensor([3]), 3) -> Class values must be smaller than num_classes.
    expectError(() => dl.oneHot(long([0, 3]), 3), dl.IndexError, 'smaller than num_classes');
    expectError(() => dl.oneHot(long([-1]), 3), dl.IndexError, 'non-negative');
  });

  t('cat: non-tensor elements are typed errors; empty tensors take part in promotion', async () => {
    const a = dl.tensor([1], { device });
    expectError(() => dl.cat([a, [1, 2] as unknown as dl.Tensor]), dl.ArgumentError, 'expected Tensor as element 1', 'an array');
    expectError(() => dl.stack([a, null as unknown as dl.Tensor]), dl.ArgumentError, 'element 1', 'null');
    // torch.cat([torch.tensor([], dtype=float32), torch.tensor([1,2], dtype=int32)]) -> tensor([1., 2.])
    const c = dl.cat([dl.tensor([], { device }), dl.tensor([1, 2], { device, dtype: 'int32' })]);
    expect([c.dtype, await c.toArray()]).toEqual(['float32', [1, 2]]);
    // torch.cat([torch.tensor([], dtype=bool), torch.tensor([1,2], dtype=uint8)]).dtype == uint8
    expect(dl.cat([dl.tensor([], { device, dtype: 'bool' }), dl.tensor([1, 2], { device, dtype: 'uint8' })]).dtype).toBe('uint8');
    // torch.cat([torch.zeros(0, 3), torch.ones(2, 3, dtype=int32)]).dtype == float32
    expect(dl.cat([dl.zeros([0, 3], { device }), dl.ones([2, 3], { device, dtype: 'int32' })]).dtype).toBe('float32');
    expect(dl.cat([dl.tensor([], { device }), dl.tensor([], { device, dtype: 'int32' })]).dtype).toBe('float32');
  });

  t('int64 / long and the other PyTorch dtype names', async () => {
    const y = dl.tensor([0, 1, 1], { dtype: 'int64', device });
    expect([y.dtype, await y.toArray()]).toEqual(['int32', [0, 1, 1]]);
    expect(dl.zeros([2], { dtype: 'long', device }).dtype).toBe('int32');
    expect(dl.ones([2], { dtype: 'int', device }).dtype).toBe('int32');
    expect(dl.full([2], 3, { dtype: 'byte', device }).dtype).toBe('uint8');
    expect(dl.arange(3, undefined, 1, { dtype: 'float', device }).dtype).toBe('float32');
    const f = dl.tensor([1.7, -1.7, 2], { device });
    expect([f.long().dtype, await f.long().toArray()]).toEqual(['int32', [1, -1, 2]]); // truncation, as torch
    expect(f.to('int64').dtype).toBe('int32');
    expect(f.type('long').dtype).toBe('int32');
    expect(f.to({ dtype: 'int64', device }).dtype).toBe('int32');
    expect(y.to('float').dtype).toBe('float32');
    expect(y.cumsum(0, { dtype: 'long' }).dtype).toBe('int32');
    expect(y.sum(0, { dtype: 'float' }).dtype).toBe('float32');
    if (ctx.hasDType('float64')) expect(y.to('double').dtype).toBe('float64');
    expectError(() => f.to('bfloat16' as dl.DTypeName), dl.DTypeError, 'bfloat16', 'float32');
    expectError(() => dl.zeros([2], { dtype: 'bfloat16' as dl.DTypeName, device }), dl.DTypeError, 'bfloat16');
    expectError(() => dl.zeros([2], { dtype: 'torch.int64' as dl.DTypeName, device }), dl.DTypeError, "'int64'");
  });

  t('integer creation never wraps silently (as torch.tensor raises)', async () => {
    // torch.tensor([2**31], dtype=torch.int32) -> RuntimeError: value cannot be converted to type int32 without overflow
    expectError(() => dl.tensor([2 ** 31], { dtype: 'int32', device }), dl.DTypeError, '2147483648', 'int32 without overflow');
    expectError(() => dl.tensor([2 ** 31], { dtype: 'int64', device }), dl.DTypeError, 'int64', 'as int32');
    // torch.tensor([300], dtype=torch.uint8), [nan] as int32, [inf] as int32: all raise the same
    expectError(() => dl.tensor([300], { dtype: 'uint8', device }), dl.DTypeError, '300', 'uint8');
    expectError(() => dl.tensor([-1], { dtype: 'uint8', device }), dl.DTypeError, '-1', 'uint8');
    expectError(() => dl.tensor([NaN], { dtype: 'int32', device }), dl.DTypeError, 'NaN', 'floating dtype');
    expectError(() => dl.tensor([Infinity], { dtype: 'int64', device }), dl.DTypeError, 'Infinity');
    // torch.full((2,), 2**31, dtype=torch.int32) raises; torch.randint(0, 300, (3,), dtype=torch.uint8) raises
    expectError(() => dl.full([2], 2 ** 31, { dtype: 'int32', device }), dl.DTypeError, 'full', 'overflow');
    expectError(() => dl.randint(0, 300, [3], { dtype: 'uint8', device }), dl.DTypeError, 'randint', 'uint8');
    expectError(() => dl.fromArray(new Float32Array([1e10]), [1], { dtype: 'int32', device }), dl.DTypeError, 'fromArray');
    // in range: kept (torch.tensor([-2**31, 2**31-1], dtype=torch.int32), [1.5] -> [1], NaN as bool -> True)
    expect(dl.tensor([-(2 ** 31), 2 ** 31 - 1], { dtype: 'int32', device }).shape).toEqual([2]);
    expect(await dl.tensor([NaN, 0], { dtype: 'bool', device }).to('int32').toArray()).toEqual([1, 0]);
  });

  t('float -> integer casts and int32 sum / prod / cumsum raise instead of wrapping (cpu)', async () => {
    if (!ctx.syncRead()) return; // a scan of the values needs a synchronous read
    // torch.tensor([float('nan')]).to(torch.int32) is INT_MIN (undefined behaviour in C++): dl raises
    expectError(() => dl.tensor([1, NaN], { device }).long(), dl.DTypeError, 'NaN', 'int64');
    expectError(() => dl.tensor([3e10], { device }).to('int32'), dl.DTypeError, 'int32');
    expectError(() => dl.tensor([300.5], { device }).to('uint8'), dl.DTypeError, 'uint8');
    // integer -> narrower integer wraps as torch: torch.tensor([300]).to(torch.uint8) -> 44
    expect(await dl.tensor([300], { device, dtype: 'int32' }).to('uint8').toArray()).toEqual([44]);
    // torch.tensor([2**31-1, 1], dtype=torch.int32).sum() -> 2147483648 (int64): dl has no int64, so it raises
    expectError(
      () => dl.tensor([2 ** 31 - 1, 1], { dtype: 'int32', device }).sum(),
      dl.DTypeError,
      'sum',
      'overflows int32',
      "dtype: 'float64'",
    );
    const s = dl
      .tensor(
        [
          [2 ** 30, 2 ** 30 - 1],
          [-5, 5],
        ],
        { dtype: 'int32', device },
      )
      .sum(1);
    expect([s.dtype, await s.toArray()]).toEqual(['int32', [2 ** 31 - 1, 0]]);
    expect(await dl.tensor([true, true, false], { device }).sum().toArray()).toBe(2);
    // torch.tensor([2**16, 2**16], dtype=torch.int32).prod() -> 4294967296 (int64); .cumsum(0) of [2**31-1, 1] -> [2147483647, 2147483648]
    expectError(
      () => dl.tensor([2 ** 16, 2 ** 16], { dtype: 'int32', device }).prod(),
      dl.DTypeError,
      'prod',
      'product',
      'overflows int32',
    );
    expectError(() => dl.tensor([2 ** 31 - 1, 1], { dtype: 'int32', device }).cumsum(0), dl.DTypeError, 'cumsum', 'overflows int32');
    const p = dl
      .tensor(
        [
          [3, -4],
          [2 ** 15, 2 ** 15 - 1],
        ],
        { dtype: 'int32', device },
      )
      .prod(1);
    expect([p.dtype, await p.toArray()]).toEqual(['int32', [-12, 2 ** 30 - 2 ** 15]]);
    const c = dl
      .tensor(
        [
          [1, 2],
          [3, 4],
        ],
        { dtype: 'uint8', device },
      )
      .cumsum(1);
    expect([c.dtype, await c.toArray()]).toEqual([
      'int32',
      [
        [1, 3],
        [3, 7],
      ],
    ]);
    if (ctx.hasDType('float64'))
      expect(
        await dl
          .tensor([2 ** 31 - 1, 1], { dtype: 'int32', device })
          .sum(0, { dtype: 'float64' })
          .toArray(),
      ).toBe(2 ** 31);
  });

  t('bool / uint8 sums are exact up to their bounds (float32 up to 2^24, then int32)', async () => {
    // at most 255·n per slice, so no overflow check (Note in reduce.ts, smallIntSum)
    const u = dl.full([65793], 255, { dtype: 'uint8', device }); // 255·65793 = 2^24 - 1
    expect([u.sum().dtype, await u.sum().toArray()]).toEqual(['int32', 2 ** 24 - 1]);
    const rows = dl.stack([dl.full([70000], 255, { dtype: 'uint8', device }), dl.full([70000], 3, { dtype: 'uint8', device })]);
    expect(await rows.sum(1).toArray()).toEqual([17850000, 210000]);
    expect(await rows.sum().toArray()).toBe(18060000);
    expect(await rows.sum(0, { keepdim: true }).narrow(1, 0, 2).toArray()).toEqual([[258, 258]]);
    // 2^24 + 1 ones: float32 would round to 2^24
    expect(
      await dl
        .ones([2 ** 24 + 1], { dtype: 'bool', device })
        .sum()
        .toArray(),
    ).toBe(2 ** 24 + 1);
    expect(
      await dl
        .tensor(
          [
            [true, false, true],
            [false, false, true],
          ],
          { device },
        )
        .sum(0)
        .toArray(),
    ).toEqual([1, 0, 2]);
  });
}
