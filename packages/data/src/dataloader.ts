import * as dl from '@dl/tensor';
import { inScope, runScope } from '@dl/tensor/internal';
import { ArgumentError, StateError, type Generator as DLGenerator } from '@dl/tensor';
import { type Dataset, IterableDataset, batchReader, type WorkerSpec } from './dataset.js';
import { defaultCollate, fromWire } from './collate.js';
import { BatchSampler, RandomSampler, SequentialSampler } from './sampler.js';
import { END, WorkerPool, workersUnavailable } from './worker-pool.js';
import { encodeState, entryUrl } from './worker-state.js';
import { checkNotBootstrapping } from './worker-info.js';

/** A sampler `DataLoader` can take the length of: iterable, with a `length`. */
export type Sized<I> = Iterable<I> & { length: number };

/** Options of {@link DataLoader}, as `torch.utils.data.DataLoader`'s keyword arguments. */
export interface DataLoaderOptions<T, B> {
  /** Samples per batch (default 1); `null` yields samples one by one, uncollated. */
  batchSize?: number | null;
  /** Reshuffle the indices every epoch (seeded by `generator`). */
  shuffle?: boolean;
  /** Where indices come from (excludes `shuffle`). */
  sampler?: Sized<number>;
  /** Where whole batches of indices come from (excludes batchSize, shuffle, sampler, dropLast). */
  batchSampler?: Sized<number[]>;
  /** Drop the last incomplete batch. */
  dropLast?: boolean;
  /** Merge a list of samples into a batch (default {@link defaultCollate}). */
  collateFn?: (samples: T[]) => B;
  /** Generator for shuffling (default: dl's default generator, so `dl.manualSeed` works). */
  generator?: DLGenerator;
  /**
   * Worker threads that load and collate batches (Node only). Each worker gets a copy of the
   * dataset's fields and imports its class (Note [Datasets cross to workers by state]);
   * TensorDataset and its Subsets share their memory; a dataset's `workerSpec()` or the
   * `workerDataset` option override this. A dataset that cannot be sent raises a StateError
   * saying why; where workers do not exist (browsers) loading stays in the main thread with a
   * warning.
   */
  numWorkers?: number;
  /** Batches loaded ahead per worker (default 2). */
  prefetchFactor?: number;
  /** How a worker rebuilds the dataset, overriding `dataset.workerSpec()`. */
  workerDataset?: WorkerSpec;
  /** Modules each worker imports first (e.g. `'@dl/backend-cpu'` for module datasets that do not import a backend). */
  workerImports?: string[];
  /** Milliseconds to wait for a batch from a worker before failing (0: forever, but a dead worker always fails). */
  timeout?: number;
}

const warned = new Set<string>();
function warnOnce(msg: string): void {
  if (warned.has(msg)) return;
  warned.add(msg);
  console.warn(msg);
}

/**
 * Batches of a dataset (`torch.utils.data.DataLoader`). Iterate with `for…of` for in-memory
 * datasets and `for await…of` for datasets whose `getItem` returns Promises (or always).
 * `length` is the number of batches.
 *
 * @example
 * const loader = new DataLoader(new TensorDataset(X, y), { batchSize: 64, shuffle: true, generator: new dl.Generator(0) });
 * for (const [xb, yb] of loader) { … }
 */
export class DataLoader<T = unknown, B = any> implements Iterable<B>, AsyncIterable<B> {
  static {
    Object.defineProperty(this, 'name', { value: 'DataLoader' }); // the name in messages and reprs, minified or not
  }
  readonly dataset: Dataset<T> | IterableDataset<T>;
  readonly batchSize: number | null;
  readonly dropLast: boolean;
  readonly numWorkers: number;
  readonly prefetchFactor: number;
  readonly sampler: Sized<number> | undefined;
  readonly batchSampler: Sized<number[]> | undefined;
  readonly generator: DLGenerator | undefined;
  private readonly opts: DataLoaderOptions<T, B>;

  constructor(dataset: Dataset<T> | IterableDataset<T>, opts: DataLoaderOptions<T, B> = {}) {
    this.dataset = dataset;
    this.opts = opts;
    this.numWorkers = opts.numWorkers ?? 0;
    this.prefetchFactor = opts.prefetchFactor ?? 2;
    this.generator = opts.generator;
    const op = 'DataLoader';
    if (!Number.isInteger(this.numWorkers) || this.numWorkers < 0) {
      throw new ArgumentError(
        `DataLoader: numWorkers option should be non-negative; use numWorkers=0 to disable multiprocessing (got ${this.numWorkers})`,
        { op },
      );
    }
    if (!Number.isInteger(this.prefetchFactor) || this.prefetchFactor < 1) {
      throw new ArgumentError(`DataLoader: prefetchFactor must be a positive integer, got ${this.prefetchFactor}`, { op });
    }
    const iterable = dataset instanceof IterableDataset;
    if (iterable && (opts.shuffle || opts.sampler || opts.batchSampler)) {
      throw new ArgumentError('DataLoader with IterableDataset: expected unspecified shuffle, sampler and batchSampler options', { op });
    }
    if (opts.sampler && opts.shuffle) throw new ArgumentError('DataLoader: sampler option is mutually exclusive with shuffle', { op });
    if (opts.batchSampler) {
      if ((opts.batchSize !== undefined && opts.batchSize !== 1) || opts.shuffle || opts.sampler || opts.dropLast) {
        throw new ArgumentError('DataLoader: batchSampler option is mutually exclusive with batchSize, shuffle, sampler, and dropLast', {
          op,
        });
      }
      this.batchSize = null;
      this.dropLast = false;
      this.batchSampler = opts.batchSampler;
      return;
    }
    this.batchSize = opts.batchSize === undefined ? 1 : opts.batchSize;
    if (this.batchSize !== null && (!Number.isInteger(this.batchSize) || this.batchSize <= 0)) {
      throw new ArgumentError(`DataLoader: batchSize should be a positive integer value, but got batchSize=${this.batchSize}`, { op });
    }
    if (this.batchSize === null && opts.dropLast) {
      throw new ArgumentError('DataLoader: batchSize=null option disables auto-batching and is mutually exclusive with dropLast', { op });
    }
    this.dropLast = opts.dropLast ?? false;
    if (!iterable) {
      const ds = dataset as Dataset<T>;
      this.sampler =
        opts.sampler ??
        (opts.shuffle ? new RandomSampler(ds, opts.generator ? { generator: opts.generator } : {}) : new SequentialSampler(ds));
      if (this.batchSize !== null) this.batchSampler = new BatchSampler(this.sampler, this.batchSize, this.dropLast);
    }
  }

  /** Number of batches per epoch (samples when `batchSize` is null). */
  get length(): number {
    if (this.dataset instanceof IterableDataset) {
      const n = (this.dataset as unknown as { length?: number }).length;
      if (typeof n !== 'number')
        throw new StateError('DataLoader: length is unknown for an IterableDataset without a length', { op: 'DataLoader' });
      if (this.batchSize === null) return n;
      return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
    }
    return this.batchSampler ? this.batchSampler.length : this.sampler!.length;
  }

  private collate(samples: T[]): B {
    return (this.opts.collateFn ? this.opts.collateFn(samples) : defaultCollate(samples)) as B;
  }

  /** The index lists of one epoch (or single indices when not batching). */
  private *indexBatches(): Generator<number[] | number> {
    if (this.batchSampler) yield* this.batchSampler;
    else yield* this.sampler!;
  }

  private workerPool(): WorkerPool | undefined {
    checkNotBootstrapping(this.numWorkers);
    if (this.numWorkers === 0) return undefined;
    const why = workersUnavailable();
    if (why) {
      warnOnce(`DataLoader: numWorkers=${this.numWorkers} but ${why}; loading in the main thread instead.`);
      return undefined;
    }
    const ds = this.dataset;
    const iterable = ds instanceof IterableDataset;
    const spec = this.opts.workerDataset ??
      (iterable ? undefined : ds.workerSpec?.()) ?? {
        kind: 'state' as const,
        state: encodeState(ds, `the dataset (${ds.constructor.name})`),
      };
    const collate = this.opts.collateFn || this.unbatched() ? 'none' : 'default';
    return new WorkerPool(
      this.numWorkers,
      spec,
      collate,
      this.opts.workerImports ?? [],
      this.opts.timeout ?? 0,
      this.baseSeed(),
      entryUrl(),
      iterable ? { batchSize: this.batchSize, dropLast: this.dropLast } : undefined,
    );
  }

  /** Samples come one by one, uncollated (`batchSize: null` without a batch sampler). */
  private unbatched(): boolean {
    return this.batchSize === null && !this.batchSampler;
  }

  /**
   * The seed of dl's default generator in worker 0 of this epoch (worker k gets base + k, as
   * PyTorch seeds its workers): derived from the state of the loader's generator (or the
   * default one) without drawing from it, so shuffling is the same with and without workers.
   */
  private baseSeed(): number {
    const st = (this.generator ?? dl.defaultGenerator).getState();
    let h = 0x811c9dc5;
    for (const w of [st.key[0], st.key[1], st.offset % 4294967296, Math.floor(st.offset / 4294967296)]) {
      h = Math.imul(h ^ w, 0x01000193) >>> 0;
      h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
    }
    return h * 2048 + (st.offset % 2048);
  }

  private fetch(indices: number[]): B | Promise<B> {
    const ds = this.dataset as Dataset<T>;
    if (!this.opts.collateFn) {
      const reader = batchReader(ds);
      if (reader) return reader(indices) as B;
    }
    const items = indices.map((i) => ds.getItem(i));
    if (items.some((x) => x instanceof Promise)) return Promise.all(items).then((xs) => this.collate(xs));
    return this.collate(items as T[]);
  }

  private fromWorker(value: unknown): B {
    const v = fromWire(value);
    if (this.unbatched()) return (v as T[])[0] as B;
    return this.opts.collateFn ? this.opts.collateFn(v as T[]) : (v as B);
  }

  /**
   * Batches of one epoch, synchronously. Throws if the dataset is async (use `for await`).
   * Each batch is made in a library scope (its temporaries are freed), and asking for the next
   * one is a step boundary (Note [Memory without ceremony] in @dl/tensor): the previous batch
   * and what the loop made with it go to the garbage collector unless still held.
   */
  *[Symbol.iterator](): Generator<B, void, undefined> {
    const inner = this.batchesSync();
    try {
      for (;;) {
        if (!inScope()) dl.endStep();
        const r = runScope('DataLoader', () => inner.next());
        if (r.done) return;
        yield r.value;
      }
    } finally {
      inner.return(undefined);
    }
  }

  private *batchesSync(): Generator<B, void, undefined> {
    const pool = this.workerPool();
    if (pool) {
      try {
        for (const b of this.runPool(pool, (w, seq) => pool.receiveSync(w, seq))) if (b !== END) yield b as B;
      } finally {
        void pool.close();
      }
      return;
    }
    if (this.dataset instanceof IterableDataset) {
      const src = this.dataset[Symbol.iterator]?.();
      if (!src) throw new StateError('DataLoader: this IterableDataset is async only; iterate with `for await`', { op: 'DataLoader' });
      yield* this.iterBatches({ [Symbol.iterator]: () => src });
      return;
    }
    for (const ix of this.indexBatches()) {
      const b = typeof ix === 'number' ? (this.dataset as Dataset<T>).getItem(ix) : this.fetch(ix);
      if (b instanceof Promise) {
        throw new StateError('DataLoader: the dataset returned a Promise from getItem; iterate with `for await (const batch of loader)`', {
          op: 'DataLoader',
        });
      }
      yield b as B;
    }
  }

  /** Batches of one epoch; works for sync and async datasets alike (each next batch is a step boundary). */
  async *[Symbol.asyncIterator](): AsyncGenerator<B, void, undefined> {
    const inner = this.batchesAsync();
    try {
      for (;;) {
        if (!inScope()) dl.endStep();
        const r = await inner.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      await inner.return(undefined);
    }
  }

  private async *batchesAsync(): AsyncGenerator<B, void, undefined> {
    const pool = this.workerPool();
    if (pool) {
      try {
        for (const p of this.runPool(pool, (w, seq) => pool.receive(w, seq))) {
          const b = await p;
          if (b !== END) yield b as B;
        }
      } finally {
        await pool.close();
      }
      return;
    }
    if (this.dataset instanceof IterableDataset) {
      const ds = this.dataset;
      if (ds[Symbol.asyncIterator]) {
        const batcher = this.batcher();
        for await (const x of { [Symbol.asyncIterator]: () => ds[Symbol.asyncIterator]!() }) {
          const b = batcher.push(x);
          if (b !== undefined) yield b;
        }
        const last = batcher.flush();
        if (last !== undefined) yield last;
      } else yield* this.batchesSync();
      return;
    }
    for (const ix of this.indexBatches()) {
      yield (await (typeof ix === 'number' ? (this.dataset as Dataset<T>).getItem(ix) : this.fetch(ix))) as B;
    }
  }

  private *iterBatches(src: Iterable<T>): Generator<B> {
    const batcher = this.batcher();
    for (const x of src) {
      const b = batcher.push(x);
      if (b !== undefined) yield b;
    }
    const last = batcher.flush();
    if (last !== undefined) yield last;
  }

  /**
   * Groups the samples of an iterable dataset into batches (shared by sync and async iteration):
   * `push` returns a batch when one is full (or the sample itself when batching is off),
   * `flush` the partial last batch unless `dropLast`.
   */
  private batcher(): { push(x: T): B | undefined; flush(): B | undefined } {
    let batch: T[] = [];
    return {
      push: (x) => {
        if (this.batchSize === null) return x as unknown as B;
        batch.push(x);
        if (batch.length < this.batchSize) return undefined;
        const full = batch;
        batch = [];
        return this.collate(full);
      },
      flush: () => (batch.length > 0 && !this.dropLast && this.batchSize !== null ? this.collate(batch) : undefined),
    };
  }

  /**
   * Feed the pool round-robin, keeping `numWorkers * prefetchFactor` batches in flight, and
   * yield replies in order (each a value, or a Promise of one for async receive). Map-style
   * datasets: batch k goes to worker k % n. Iterable datasets: each request asks the next
   * worker still running for its next batch; a worker at the end of its stream answers
   * {@link END} and gets no more requests (PyTorch's order).
   */
  private *runPool(pool: WorkerPool, receive: (w: number, seq: number) => unknown): Generator<B | typeof END | Promise<B | typeof END>> {
    const it = this.dataset instanceof IterableDataset ? undefined : this.indexBatches();
    const n = pool.size;
    const active = new Array<boolean>(n).fill(true);
    const queue: { w: number; seq: number }[] = [];
    let next = 0;
    let seq = 0;
    let done = false;
    const fill = () => {
      while (!done && queue.length < n * this.prefetchFactor) {
        let task: number[] | null = null;
        if (it) {
          const r = it.next();
          if (r.done) {
            done = true;
            break;
          }
          task = typeof r.value === 'number' ? [r.value] : r.value;
        }
        let w = -1;
        for (let k = 0; k < n && w < 0; k++) if (active[(next + k) % n]) w = (next + k) % n;
        if (w < 0) {
          done = true;
          break;
        }
        next = (w + 1) % n;
        pool.send(w, seq, task);
        queue.push({ w, seq: seq++ });
      }
    };
    const take = (w: number, v: unknown): B | typeof END => {
      if (v === END) active[w] = false;
      fill();
      return v === END ? END : this.fromWorker(v);
    };
    fill();
    while (queue.length > 0) {
      const { w, seq: s } = queue.shift()!;
      const got = receive(w, s);
      yield got instanceof Promise ? got.then((v) => take(w, v)) : take(w, got);
    }
  }
}
