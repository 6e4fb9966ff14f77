import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import {
  BatchSampler,
  ConcatDataset,
  DataLoader,
  Dataset,
  IterableDataset,
  RandomSampler,
  SequentialSampler,
  Subset,
  SubsetRandomSampler,
  TensorDataset,
  WeightedRandomSampler,
  defaultCollate,
  randomSplit,
} from './index.js';

const arr = (t: dl.Tensor) => t.toArraySync();

function toy(n = 500) {
  const X = dl.arange(n * 2, undefined, 1, { dtype: 'float32' }).view(n, 2);
  const y = dl.arange(n);
  return new TensorDataset(X, y);
}

describe('DataLoader', () => {
  it('counts batches with and without dropLast (500 samples, batch 120)', () => {
    const ds = toy();
    const keep = new DataLoader(ds, { batchSize: 120 });
    const drop = new DataLoader(ds, { batchSize: 120, dropLast: true });
    expect(keep.length).toBe(5);
    expect(drop.length).toBe(4);
    const sizes = [...keep].map(([xb]: dl.Tensor[]) => xb!.shape[0]);
    expect(sizes).toEqual([120, 120, 120, 120, 20]);
    expect([...drop].map(([xb]: dl.Tensor[]) => xb!.shape)).toEqual([
      [120, 2],
      [120, 2],
      [120, 2],
      [120, 2],
    ]);
  });

  it('yields items in order without shuffle, and every item once with shuffle', () => {
    const ds = toy(50);
    const ys = [...new DataLoader(ds, { batchSize: 7 })].flatMap(([, yb]: dl.Tensor[]) => arr(yb!) as number[]);
    expect(ys).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const sh = [...new DataLoader(ds, { batchSize: 7, shuffle: true })].flatMap(([, yb]: dl.Tensor[]) => arr(yb!) as number[]);
    expect([...sh].sort((a, b) => a - b)).toEqual(ys);
    expect(sh).not.toEqual(ys);
  });

  it('shuffles reproducibly with a seeded generator, differently each epoch', () => {
    const ds = toy(100);
    const epochs = (seed: number) => {
      const loader = new DataLoader(ds, { batchSize: 10, shuffle: true, generator: new dl.Generator(seed) });
      return [0, 1].map(() => [...loader].flatMap(([, yb]: dl.Tensor[]) => arr(yb!) as number[]));
    };
    const a = epochs(7);
    const b = epochs(7);
    expect(a).toEqual(b);
    expect(a[0]).not.toEqual(a[1]);
    expect(epochs(8)[0]).not.toEqual(a[0]);
    // and through the default generator
    dl.manualSeed(3);
    const c = [...new DataLoader(ds, { batchSize: 10, shuffle: true })].map(([, yb]: dl.Tensor[]) => arr(yb!));
    dl.manualSeed(3);
    const d = [...new DataLoader(ds, { batchSize: 10, shuffle: true })].map(([, yb]: dl.Tensor[]) => arr(yb!));
    expect(c).toEqual(d);
  });

  it('gives the same batches through getItem + collate as through the batched TensorDataset path', () => {
    const ds = toy(20);
    const fast = [...new DataLoader(ds, { batchSize: 6 })];
    const slow = [...new DataLoader(ds, { batchSize: 6, collateFn: (s: dl.Tensor[][]) => defaultCollate(s) as dl.Tensor[] })];
    expect(fast.map((b) => b.map(arr))).toEqual(slow.map((b) => b.map(arr)));
    expect(fast[0]![1]!.dtype).toBe('int32');
  });

  it('collates tuples and objects field by field', () => {
    class Pairs extends Dataset<[dl.Tensor, number, { a: number; b: [boolean, string] }]> {
      get length() {
        return 5;
      }
      getItem(i: number): [dl.Tensor, number, { a: number; b: [boolean, string] }] {
        return [dl.full([2, 2], i, { dtype: 'int32' }), i * 0.5, { a: i, b: [i % 2 === 0, `n${i}`] }];
      }
    }
    const [batch] = [...new DataLoader(new Pairs(), { batchSize: 3 })];
    const [x, f, o] = batch as [dl.Tensor, dl.Tensor, { a: dl.Tensor; b: [dl.Tensor, string[]] }];
    expect(x.shape).toEqual([3, 2, 2]);
    expect(x.dtype).toBe('int32');
    expect(arr(x.at(':', 0, 0))).toEqual([0, 1, 2]);
    expect(f.dtype).toBe('float32');
    expect(arr(f)).toEqual([0, 0.5, 1]);
    expect(arr(o.a)).toEqual([0, 1, 2]);
    expect(o.b[0].dtype).toBe('bool');
    expect(arr(o.b[0])).toEqual([true, false, true]);
    expect(o.b[1]).toEqual(['n0', 'n1', 'n2']);
    expect(() => defaultCollate([[1, 2], [1]])).toThrow(/equal size/);
    expect(() => defaultCollate([new Map()])).toThrow(/collateFn/);
  });

  it('supports async datasets with for await, and refuses them in sync iteration', async () => {
    class Slow extends Dataset<number> {
      get length() {
        return 7;
      }
      async getItem(i: number) {
        await new Promise((r) => setTimeout(r, 1));
        return i;
      }
    }
    const loader = new DataLoader(new Slow(), { batchSize: 3 });
    const got: number[][] = [];
    for await (const b of loader) got.push(arr(b as dl.Tensor) as number[]);
    expect(got).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect(() => [...loader]).toThrow(/for await/);
  });

  it('batches iterable datasets', async () => {
    class Count extends IterableDataset<number> {
      override *[Symbol.iterator]() {
        for (let i = 0; i < 5; i++) yield i;
      }
    }
    expect([...new DataLoader(new Count(), { batchSize: 2 })].map((b) => arr(b as dl.Tensor))).toEqual([[0, 1], [2, 3], [4]]);
    const got = [];
    for await (const b of new DataLoader(new Count(), { batchSize: 2, dropLast: true })) got.push(arr(b as dl.Tensor));
    expect(got).toEqual([
      [0, 1],
      [2, 3],
    ]);
    expect(() => new DataLoader(new Count(), { shuffle: true })).toThrow(/IterableDataset/);
  });

  it('validates options as PyTorch', () => {
    const ds = toy(10);
    expect(() => new DataLoader(ds, { batchSize: 0 })).toThrow(/positive integer/);
    expect(() => new DataLoader(ds, { shuffle: true, sampler: new SequentialSampler(ds) })).toThrow(/mutually exclusive/);
    expect(() => new DataLoader(ds, { batchSampler: new BatchSampler(new SequentialSampler(ds), 3, false), batchSize: 4 })).toThrow(
      /mutually exclusive/,
    );
    const bl = new DataLoader(ds, { batchSampler: new BatchSampler(new SequentialSampler(ds), 4, false) });
    expect(bl.length).toBe(3);
    const single = new DataLoader(ds, { batchSize: null });
    expect(single.length).toBe(10);
    expect(([...single][0] as dl.Tensor[])[0]!.shape).toEqual([2]);
  });
});

describe('datasets and samplers', () => {
  it('TensorDataset, Subset, ConcatDataset, randomSplit', () => {
    const ds = toy(10);
    expect(() => new TensorDataset(dl.zeros(3, 2), dl.zeros(4))).toThrow(/size mismatch/);
    expect(arr(ds.getItem(3)[0]!)).toEqual([6, 7]);
    expect(() => ds.getItem(10)).toThrow(/out of range/);
    const sub = new Subset(ds, [9, 0]);
    expect(arr((sub.getItem(0) as dl.Tensor[])[1]!)).toBe(9);
    const cat = new ConcatDataset([ds, sub]);
    expect(cat.length).toBe(12);
    expect(arr((cat.getItem(11) as dl.Tensor[])[1]!)).toBe(0);
    const [a, b] = randomSplit(ds, [0.8, 0.2], { generator: new dl.Generator(1) });
    expect([a!.length, b!.length]).toEqual([8, 2]);
    expect([...a!.indices, ...b!.indices].sort((x, y) => x - y)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const [a2] = randomSplit(ds, [8, 2], { generator: new dl.Generator(1) });
    expect(a2!.indices).toEqual(a!.indices);
    expect(randomSplit(toy(5), [0.5, 0.5]).map((s) => s.length)).toEqual([3, 2]);
    expect(() => randomSplit(ds, [5, 6])).toThrow(/does not equal/);
    // batched reads through a Subset
    const xb = ([...new DataLoader(sub, { batchSize: 2 })] as dl.Tensor[][])[0]![0];
    expect(arr(xb!)).toEqual([
      [18, 19],
      [0, 1],
    ]);
  });

  it('samplers', () => {
    const src = { length: 6 };
    expect([...new SequentialSampler(src)]).toEqual([0, 1, 2, 3, 4, 5]);
    const r = [...new RandomSampler(src, { generator: new dl.Generator(0) })];
    expect([...r].sort()).toEqual([0, 1, 2, 3, 4, 5]);
    const rr = new RandomSampler(src, { replacement: true, numSamples: 20, generator: new dl.Generator(0) });
    expect(rr.length).toBe(20);
    expect([...rr].every((i) => i >= 0 && i < 6)).toBe(true);
    expect([...new RandomSampler(src, { numSamples: 8, generator: new dl.Generator(0) })]).toHaveLength(8);
    expect([...new SubsetRandomSampler([10, 20, 30], { generator: new dl.Generator(0) })].sort()).toEqual([10, 20, 30]);
    const w = [...new WeightedRandomSampler([0, 0, 1, 3], 400, { generator: new dl.Generator(0) })];
    expect(w.filter((i) => i < 2)).toHaveLength(0);
    const threes = w.filter((i) => i === 3).length / 400;
    expect(threes).toBeGreaterThan(0.65);
    expect(threes).toBeLessThan(0.85);
    const nr = [...new WeightedRandomSampler([1, 1, 0, 5], 3, { replacement: false, generator: new dl.Generator(0) })];
    expect([...nr].sort()).toEqual([0, 1, 3]);
    expect(() => new WeightedRandomSampler([1, 0], 2, { replacement: false })).toThrow(/without replacement/);
    expect([...new BatchSampler(new SequentialSampler({ length: 5 }), 2, false)]).toEqual([[0, 1], [2, 3], [4]]);
    expect(new BatchSampler(new SequentialSampler({ length: 5 }), 2, true).length).toBe(2);
  });
});
