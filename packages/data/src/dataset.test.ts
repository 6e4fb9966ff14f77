import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { ConcatDataset, Dataset, Subset, TensorDataset, randomSplit } from './index.js';

const arr = (t: dl.Tensor) => t.toArraySync();

describe('Dataset iteration (Python iterates a map-style dataset by __getitem__)', () => {
  it('for…of yields getItem(0) … getItem(length - 1) for TensorDataset, Subset, ConcatDataset and user datasets', () => {
    const X = dl.arange(12, undefined, 1, { dtype: 'float32' }).view(6, 2);
    const ds = new TensorDataset(X, dl.arange(6));
    const items = [...ds].map((it) => it.map(arr));
    expect(items).toEqual([0, 1, 2, 3, 4, 5].map((i) => [[2 * i, 2 * i + 1], i]));
    let n = 0;
    for (const [x, y] of ds) {
      expect(x!.shape).toEqual([2]);
      expect(arr(y!)).toBe(n++);
    }
    expect(n).toBe(6);
    expect([...new Subset(ds, [4, 0])].map(([, y]) => arr(y!))).toEqual([4, 0]);
    class Squares extends Dataset<[number, number]> {
      get length() {
        return 4;
      }
      getItem(i: number): [number, number] {
        return [i, i * i];
      }
    }
    expect([...new Squares()]).toEqual([
      [0, 0],
      [1, 1],
      [2, 4],
      [3, 9],
    ]);
    expect([...new ConcatDataset([new Squares(), new Subset(new Squares(), [3])])]).toEqual([
      [0, 0],
      [1, 1],
      [2, 4],
      [3, 9],
      [3, 9],
    ]);
    const [a, b] = randomSplit(new Squares(), [2, 2], { generator: new dl.Generator(1) });
    expect([...a!, ...b!].map(([i]) => i).sort()).toEqual([0, 1, 2, 3]);
    expect(Array.from(new Squares(), ([, sq]) => sq)).toEqual([0, 1, 4, 9]);
  });

  it('async datasets: for await yields the awaited items; sync for…of raises a StateError that says to use for await', async () => {
    class Slow extends Dataset<number> {
      get length() {
        return 3;
      }
      async getItem(i: number) {
        await new Promise((r) => setTimeout(r, 1));
        return i * 10;
      }
    }
    const got: number[] = [];
    for await (const x of new Slow()) got.push(x);
    expect(got).toEqual([0, 10, 20]);
    expect(() => [...new Slow()]).toThrow(dl.StateError);
    expect(() => [...new Slow()]).toThrow(/Slow: getItem\(0\) returned a Promise; iterate this dataset with `for await/);
    // sync datasets work with for await too
    const sq: number[] = [];
    for await (const [, y] of new TensorDataset(dl.zeros(3), dl.arange(3))) sq.push(arr(y!) as number);
    expect(sq).toEqual([0, 1, 2]);
  });

  it('an empty dataset yields nothing, and getItem errors propagate', () => {
    class Empty extends Dataset<number> {
      get length() {
        return 0;
      }
      getItem(): number {
        throw new Error('never called');
      }
    }
    expect([...new Empty()]).toEqual([]);
    class Bad extends Dataset<number> {
      get length() {
        return 2;
      }
      getItem(i: number): number {
        if (i === 1) throw new dl.IndexError('Bad: no item 1');
        return i;
      }
    }
    expect(() => [...new Bad()]).toThrow(dl.IndexError);
  });
});

describe('ds[i]', () => {
  it("reads getItem(i) as PyTorch's training_data[i], negative keys included, other keys untouched", () => {
    class Squares extends Dataset<[number, number]> {
      label = 'squares';
      get length() {
        return 4;
      }
      getItem(i: number): [number, number] {
        if (i < -4 || i >= 4) throw new dl.IndexError(`Squares: index ${i} out of range`, { op: 'getItem' });
        const j = i < 0 ? i + 4 : i;
        return [j, j * j];
      }
    }
    const ds = new Squares();
    expect(ds[2]).toEqual([2, 4]);
    expect(ds[-1]).toEqual([3, 9]);
    expect(() => ds[7]).toThrow(dl.IndexError);
    expect(ds.label).toBe('squares');
    expect((ds as unknown as Record<string, unknown>).missing).toBeUndefined();
    const [x, y] = new TensorDataset(dl.arange(6).view(3, 2), dl.tensor([0, 1, 2]))[1]!;
    expect(x!.toArraySync()).toEqual([2, 3]);
    expect(y!.itemSync()).toBe(1);
    expect(new Subset(ds, [3, 1])[0]).toEqual([3, 9]);
  });
});
