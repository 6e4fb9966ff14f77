import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConcatDataset, DataLoader, Dataset, Subset, TensorDataset, getWorkerInfo, liveWorkers, randomSplit, sendable } from './index.js';
import { encodeState } from './worker-state.js';
import { SquaresDataset } from './__fixtures__/squares-dataset.js';
import { AsyncStream, PlainDataset, RangeStream, WhoDataset } from './__fixtures__/plain-dataset.js';

const tsxCli = createRequire(import.meta.url).resolve('tsx/cli');

/** Declared at the top level of this test file and not exported: workers load this file's definitions only. */
class TopLevelSquares extends Dataset<dl.Tensor> {
  get length() {
    return 6;
  }
  getItem(i: number) {
    return dl.tensor([i, i * i]);
  }
}

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
    const sync = [...new DataLoader(ds, { batchSize: 16, shuffle: true, generator: new dl.Generator(5), numWorkers: 2 })].map((b) =>
      b.map(arr),
    );
    expect(sync).toEqual(ref);
    const asyncB = [];
    for await (const b of new DataLoader(ds, {
      batchSize: 16,
      shuffle: true,
      generator: new dl.Generator(5),
      numWorkers: 3,
      prefetchFactor: 1,
    }))
      asyncB.push(b.map(arr));
    expect(asyncB).toEqual(ref);
    // an in-place change between epochs reaches the workers
    X.mul_(2);
    expect([...new DataLoader(ds, { batchSize: 50, numWorkers: 2 })].map((b) => b.map(arr))).toEqual(
      [...new DataLoader(ds, { batchSize: 50 })].map((b) => b.map(arr)),
    );
    // Subsets of a TensorDataset too
    const [tr] = randomSplit(ds, [0.5, 0.5], { generator: new dl.Generator(0) });
    expect([...new DataLoader(tr!, { batchSize: 9, numWorkers: 2 })].map((b) => b.map(arr))).toEqual(
      [...new DataLoader(tr!, { batchSize: 9 })].map((b) => b.map(arr)),
    );
    await waitFor(() => liveWorkers() === 0);
  });

  it('rebuild module datasets in the worker and collate objects there; custom collate runs in the main thread', async () => {
    const ds = new SquaresDataset(11);
    const ref = [...new DataLoader(ds, { batchSize: 4 })];
    const got = [...new DataLoader(ds, { batchSize: 4, numWorkers: 2 })];
    expect(got.map((b) => [arr(b.x), arr(b.y), b.name])).toEqual(ref.map((b) => [arr(b.x), arr(b.y), b.name]));
    const custom = [...new DataLoader(ds, { batchSize: 4, numWorkers: 2, collateFn: (s) => s.map((e) => e.y) })];
    expect(custom).toEqual([
      [0, 1, 2, 0],
      [1, 2, 0, 1],
      [2, 0, 1],
    ]);
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
    expect(() => [...loader]).toThrow(/^Caught Error in DataLoader worker 1: bad sample 13$/);
    await waitFor(() => liveWorkers() === 0);
  });

  it('load a user dataset with no workerSpec (fields copied, big arrays shared, class imported from its module): same batches as numWorkers 0', async () => {
    const ds = new PlainDataset(30);
    const opts = (w: number) => ({ batchSize: 4, shuffle: true, generator: new dl.Generator(11), numWorkers: w });
    const ref = [...new DataLoader(ds, opts(0))].map((b) => b.map(arr));
    let alive = 0;
    const got = [];
    for (const b of new DataLoader(ds, opts(2))) {
      alive = Math.max(alive, liveWorkers());
      got.push(b.map(arr));
    }
    expect(alive).toBe(2); // really in workers: no fallback
    expect(got).toEqual(ref);
    // each epoch's workers see the dataset as it is then (as a fork would), Buffers included
    ds.pixels[99_999] = 250;
    const withBuf = Object.assign(ds, { raw: Buffer.alloc(70_000, 7) });
    expect([...new DataLoader(withBuf, opts(2))].map((b) => b.map(arr))).toEqual(
      [...new DataLoader(withBuf, opts(0))].map((b) => b.map(arr)),
    );
    expect([...new DataLoader(withBuf, opts(0))].map((b) => b.map(arr))).not.toEqual(ref);
    // nested datasets: Subset and ConcatDataset of it, async iteration too
    const both = new ConcatDataset([new Subset(ds, [3, 1, 4]), new PlainDataset(5, 10)]);
    const asyncB = [];
    for await (const b of new DataLoader(both, { batchSize: 3, numWorkers: 2 })) asyncB.push(b.map(arr));
    expect(asyncB).toEqual([...new DataLoader(both, { batchSize: 3 })].map((b) => b.map(arr)));
    await waitFor(() => liveWorkers() === 0);
  });

  it('raise the same typed errors as the main thread: out-of-range indices and errors in getItem (with the worker stack)', async () => {
    const errorOf = (f: () => unknown): Error & { workerId?: number; workerStack?: string } => {
      try {
        f();
      } catch (e) {
        return e as Error;
      }
      throw new Error('did not throw');
    };
    const badSampler = Object.assign([0, 1, 25, 3], { length: 4 });
    const td = new TensorDataset(dl.zeros(20, 2), dl.arange(20));
    for (const ds of [td, new Subset(td, [0, 1, 2, 3, 4]), new PlainDataset(20)]) {
      const main = errorOf(() => [...new DataLoader(ds as Dataset<unknown>, { batchSize: 2, sampler: badSampler })]);
      const worker = errorOf(() => [...new DataLoader(ds as Dataset<unknown>, { batchSize: 2, sampler: badSampler, numWorkers: 2 })]);
      expect(main).toBeInstanceOf(dl.IndexError);
      expect(worker).toBeInstanceOf(dl.IndexError);
      expect(worker.message).toBe(`Caught IndexError in DataLoader worker 1: ${main.message}`);
    }
    const bad = new PlainDataset(20, 2, 13);
    const main = errorOf(() => [...new DataLoader(bad, { batchSize: 4 })]);
    const worker = errorOf(() => [...new DataLoader(bad, { batchSize: 4, numWorkers: 2 })]);
    expect(main).toBeInstanceOf(dl.ShapeError);
    expect(worker).toBeInstanceOf(dl.ShapeError);
    expect(worker.message).toBe('Caught ShapeError in DataLoader worker 1: PlainDataset: sample 13 has a bad shape');
    expect((worker as dl.ShapeError).op).toBe('PlainDataset');
    expect(worker.workerId).toBe(1);
    expect(worker.workerStack).toMatch(/PlainDataset\.getItem \(.*plain-dataset\.ts/);
    expect(worker.stack).toMatch(/Original stack in DataLoader worker 1:\nShapeError: PlainDataset: sample 13/);
    await expect(async () => {
      for await (const _ of new DataLoader(bad, { batchSize: 4, numWorkers: 3 }));
    }).rejects.toThrow(dl.ShapeError);
    await waitFor(() => liveWorkers() === 0);
  });

  it("seed dl's default generator per worker (base seed + id, reproducible) and tell the dataset getWorkerInfo()", async () => {
    const run = () => {
      dl.manualSeed(5);
      return [...new DataLoader(new WhoDataset(), { batchSize: 2, numWorkers: 2 })].map((b) => arr(b) as number[][]);
    };
    const a = run();
    expect(a.map((b) => b.map((r) => r.slice(0, 3)))).toEqual([
      [
        [0, 0, 2],
        [1, 0, 2],
      ],
      [
        [2, 1, 2],
        [3, 1, 2],
      ],
      [
        [4, 0, 2],
        [5, 0, 2],
      ],
      [
        [6, 1, 2],
        [7, 1, 2],
      ],
    ]);
    expect(run()).toEqual(a);
    expect(a[0]![0]![3]).not.toBe(a[1]![0]![3]); // workers draw different streams
    expect(getWorkerInfo()).toBeNull();
    await waitFor(() => liveWorkers() === 0);
  });

  it('load IterableDatasets (each worker iterates its own copy, batches interleave as in PyTorch) and batchSize null', async () => {
    const run = (ds: RangeStream, o: object) =>
      [...new DataLoader(ds, { numWorkers: 2, ...o })].map((b) => (b instanceof dl.Tensor ? arr(b) : b));
    // the expected lists are PyTorch 1.13's for the same dataset and options
    expect(run(new RangeStream(11), { batchSize: 2 })).toEqual([[0, 2], [1, 3], [4, 6], [5, 7], [8, 10], [9]]);
    expect(run(new RangeStream(11), { batchSize: 2, numWorkers: 3, dropLast: true })).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
      [6, 9],
      [7, 10],
    ]);
    expect(run(new RangeStream(7), { batchSize: null })).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(run(new RangeStream(3), { batchSize: 2, numWorkers: 3 })).toEqual([[0], [1], [2]]);
    expect(run(new RangeStream(3, false), { batchSize: 3 })).toEqual([
      [0, 1, 2],
      [0, 1, 2],
    ]); // unsplit: every worker yields it all
    // async-only streams load in workers even under sync for…of; their errors keep their class
    const got: number[][] = [];
    expect(() => {
      for (const b of new DataLoader(new AsyncStream(9), { batchSize: 2, numWorkers: 2 })) got.push(arr(b.v) as number[]);
    }).toThrow(/^Caught TypeError in DataLoader worker 0: AsyncStream: sample 5 is broken$/);
    expect(got).toEqual([
      [0, 1],
      [0, 1],
      [2, 3],
      [2, 3],
    ]);
    // map-style with batchSize null: samples one by one, uncollated
    const ds = new PlainDataset(5);
    const one = [...new DataLoader(ds, { batchSize: null, numWorkers: 2 })];
    expect(one.map(([x, y]) => [arr(x), y])).toEqual([...ds].map(([x, y]) => [arr(x), y]));
    await waitFor(() => liveWorkers() === 0);
  });

  it("load a class that its module declares at top level but does not export (definitions only: this test file's tests do not run in the worker)", async () => {
    const got = [...new DataLoader(new TopLevelSquares(), { batchSize: 4, numWorkers: 2 })].map(arr);
    expect(got).toEqual([
      [
        [0, 0],
        [1, 1],
        [2, 4],
        [3, 9],
      ],
      [
        [4, 16],
        [5, 25],
      ],
    ]);
    await waitFor(() => liveWorkers() === 0);
  });

  it('refuse, with a StateError naming the field and the fix, what cannot cross to a worker instead of falling back silently', () => {
    class Local extends Dataset<number> {
      get length() {
        return 5;
      }
      getItem(i: number) {
        return i;
      }
    }
    expect(() => [...new DataLoader(new Local(), { batchSize: 2, numWorkers: 2 })]).toThrow(
      /an instance of Local, which is not declared at the top level of .*workers\.test\.ts/,
    );
    class WithFn extends PlainDataset {
      readonly fn = (x: number) => x + 1;
    }
    expect(() => [...new DataLoader(new WithFn(4), { batchSize: 2, numWorkers: 2 })]).toThrow(dl.StateError);
    const ds = Object.assign(new PlainDataset(4), { extra: { cb: () => 1 } });
    expect(() => [...new DataLoader(ds, { batchSize: 2, numWorkers: 2 })]).toThrow(
      /the dataset \(PlainDataset\)\.extra\.cb is a function \(cb\)/,
    );
    // sendable functions cross
    const scaled = Object.assign(new PlainDataset(4), { extra: { cb: sendable(() => 1, 'node:path', 'basename', ['x']) } });
    expect(() => encodeState(scaled, 'it')).not.toThrow();
  });

  it('never re-run the script: an unguarded script with a top-level loop runs once, in bounded memory', () => {
    const run = (script: string) => {
      const count = join(mkdtempSync(join(tmpdir(), 'dl-data-count-')), 'count');
      writeFileSync(count, '');
      const r = spawnSync(
        process.execPath,
        [tsxCli, '--conditions=@dl/source', fileURLToPath(new URL(`./__fixtures__/${script}`, import.meta.url))],
        {
          env: { ...process.env, DL_COUNT_FILE: count },
          encoding: 'utf8',
          timeout: 120_000,
        },
      );
      return { ...r, countFile: count, runs: readFileSync(count, 'utf8').split('\n').filter(Boolean).length };
    };
    // the class in its own module: trains with 2 workers, the script's top level runs once
    const ok = run('train-script.ts');
    expect(ok.stderr).toBe('');
    expect(ok.status).toBe(0);
    expect(ok.runs).toBe(1);
    const out = JSON.parse(ok.stdout.trim().split('\n').pop()!) as { total: number; maxRssMB: number };
    const ds = new PlainDataset(40);
    let want = 0;
    for (const [x, y] of ds) want += x.sum().itemSync() + y;
    expect(out.total).toBeCloseTo(3 * want, 3);
    expect(out.maxRssMB).toBeLessThan(600);
    // the class in the script itself (a tutorial ported line by line): workers load the
    // script's definitions only; its statements (the counter, the loops) run once
    const inline = run('script-with-class.ts');
    expect(inline.stderr).toBe('');
    expect(inline.status).toBe(0);
    expect(inline.runs).toBe(1);
    expect(JSON.parse(inline.stdout.trim())).toEqual({ same: true, batches: 3 });
    // ... and when the class uses a value the script computes, the worker says what to do
    const uses = run('script-class-uses-data.ts');
    expect(uses.status).not.toBe(0);
    expect(uses.runs).toBe(1);
    expect(uses.stderr).toMatch(
      /ReferenceError: Caught ReferenceError in DataLoader worker \d: table is not defined \(the dataset class is defined in the script you ran; .* move the class, and what it uses, into a module of its own/,
    );
    // a call hidden in a later declarator or a tagged template runs in the main run only
    const hidden = run('script-class-side-effect-declarators.ts');
    expect(hidden.stderr).toBe('');
    expect(hidden.status).toBe(0);
    expect(readFileSync(hidden.countFile, 'utf8')).toBe('declarator\ntagged template\n');
    expect(JSON.parse(hidden.stdout.trim())).toEqual({
      got: [
        [[0], [1]],
        [[4], [9]],
        [[16], [25]],
      ],
    });
    // a class that runs a call as it is defined (a static field) is not loaded: the error says why and what to do
    const statics = run('script-class-static-call.ts');
    expect(statics.status).not.toBe(0);
    expect(statics.runs).toBe(1);
    expect(statics.stderr).toMatch(
      /ReferenceError: Caught ReferenceError in DataLoader worker \d: TableDataset is not defined in DataLoader workers: its declaration runs code as it is evaluated .* move the class, and what it uses, into a module of its own/,
    );
    // issue 11: a workerSpec naming the script, no guard: the workers' imports stop at the loop
    const self = run('script-self-spec.ts');
    expect(self.status).not.toBe(0);
    expect(self.runs).toBeLessThanOrEqual(3); // the main run, and at most one import per worker
    expect(self.stderr).toMatch(
      /StateError: Caught StateError in DataLoader worker \d: DataLoader: a DataLoader loop ran while DataLoader worker \d was importing/,
    );
  }, 180_000);
});
