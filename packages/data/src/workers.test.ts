import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Dataset, TensorDataset, liveWorkers, randomSplit } from './index.js';
import { SquaresDataset } from './__fixtures__/squares-dataset.js';

const arr = (t: unknown) => (t as dl.Tensor).toArraySync();
const waitFor = async (pred: () => boolean, ms = 5000) => {
  const t0 = Date.now();
  while (!pred()) {
    if (Date.now() - t0 > ms) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('DataLoader workers', () => {
  it('give the same batches as numWorkers 0 (TensorDataset through shared memory, sync and async)', async () => {
    const X = dl.randn([203, 3, 4], { generator: new dl.Generator(1) });
    const y = dl.arange(203);
    const ds = new TensorDataset(X, y);
    const ref = [...new DataLoader(ds, { batchSize: 16, shuffle: true, generator: new dl.Generator(5) })].map((b) => b.map(arr));
    const sync = [...new DataLoader(ds, { batchSize: 16, shuffle: true, generator: new dl.Generator(5), numWorkers: 2 })].map((b) => b.map(arr));
    expect(sync).toEqual(ref);
    const asyncB = [];
    for await (const b of new DataLoader(ds, { batchSize: 16, shuffle: true, generator: new dl.Generator(5), numWorkers: 3, prefetchFactor: 1 })) asyncB.push(b.map(arr));
    expect(asyncB).toEqual(ref);
    // Subsets of a TensorDataset too
    const [tr] = randomSplit(ds, [0.5, 0.5], { generator: new dl.Generator(0) });
    expect([...new DataLoader(tr!, { batchSize: 9, numWorkers: 2 })].map((b) => b.map(arr))).toEqual([...new DataLoader(tr!, { batchSize: 9 })].map((b) => b.map(arr)));
    await waitFor(() => liveWorkers() === 0);
  });

  it('rebuild module datasets in the worker and collate objects there; custom collate runs in the main thread', async () => {
    const ds = new SquaresDataset(11);
    const ref = [...new DataLoader(ds, { batchSize: 4 })];
    const got = [...new DataLoader(ds, { batchSize: 4, numWorkers: 2 })];
    expect(got.map((b) => [arr(b.x), arr(b.y), b.name])).toEqual(ref.map((b) => [arr(b.x), arr(b.y), b.name]));
    const custom = [...new DataLoader(ds, { batchSize: 4, numWorkers: 2, collateFn: (s) => s.map((e) => e.y) })];
    expect(custom).toEqual([[0, 1, 2, 0], [1, 2, 0, 1], [2, 0, 1]]);
    await waitFor(() => liveWorkers() === 0);
  });

  it('shut down on break', async () => {
    const ds = new TensorDataset(dl.zeros(1000, 2), dl.arange(1000));
    const loader = new DataLoader(ds, { batchSize: 10, numWorkers: 2 });
    let n = 0;
    for (const _ of loader) {
      expect(liveWorkers()).toBe(2);
      if (++n === 3) break;
    }
    await waitFor(() => liveWorkers() === 0);
    n = 0;
    for await (const _ of loader) if (++n === 2) break;
    await waitFor(() => liveWorkers() === 0);
  });

  it('re-throw worker errors with the worker stack and stop the workers', async () => {
    const loader = new DataLoader(new SquaresDataset(14), { batchSize: 4, numWorkers: 2 });
    expect(() => [...loader]).toThrow(/worker 1: bad sample 13/);
    await waitFor(() => liveWorkers() === 0);
  });

  it('fall back to the main thread with a message when the dataset cannot be rebuilt in a worker', () => {
    class Local extends Dataset<number> {
      get length() {
        return 5;
      }
      getItem(i: number) {
        return i;
      }
    }
    const warn = console.warn;
    const msgs: string[] = [];
    console.warn = (m: string) => msgs.push(m);
    try {
      expect([...new DataLoader(new Local(), { batchSize: 2, numWorkers: 2 })].map(arr)).toEqual([[0, 1], [2, 3], [4]]);
    } finally {
      console.warn = warn;
    }
    expect(msgs.join('\n')).toMatch(/cannot be rebuilt in a worker thread; loading in the main thread/);
  });
});
