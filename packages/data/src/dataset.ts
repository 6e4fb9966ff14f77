import {
  ArgumentError,
  type Generator,
  IndexError,
  ShapeError,
  StateError,
  type Tensor,
  defaultGenerator,
  fmtShape,
  indexSelect,
  tensor,
} from '@dl/tensor';
import { recordClassLocation, type Encoded } from './worker-state.js';
import type { getWorkerInfo } from './worker-info.js';

/** Property keys that are integers (`ds[3]`, `ds[-1]`). */
const INTEGER_KEY = /^-?(0|[1-9]\d*)$/;

/**
 * A map-style dataset: `length` samples, read by index (`torch.utils.data.Dataset`).
 * `getItem` may return a Promise; iterate such datasets with `for await`.
 *
 * @example
 * class Squares extends Dataset<[number, number]> {
 *   get length() { return 10; }
 *   getItem(i: number): [number, number] { return [i, i * i]; }
 * }
 */
export abstract class Dataset<T = unknown> implements Iterable<T>, AsyncIterable<Awaited<T>> {
  static {
    Object.defineProperty(this, 'name', { value: 'Dataset' }); // the name in messages and reprs, minified or not
  }
  /** `ds[i]` is `ds.getItem(i)`, as PyTorch's `training_data[i]` (Note [ds[i]]; a Promise for async datasets). */
  readonly [index: number]: T;
  static {
    /*
     * Note [ds[i]]
     * PyTorch's tutorials read samples as `training_data[sample_idx]`. A numeric key is never an
     * own property of a dataset, so the lookup walks the prototype chain to its root: a Proxy
     * there turns integer keys ('3', '-1') into `getItem(i)` and passes every other key on.
     * Ordinary property reads stop earlier in the chain and never reach the trap.
     */
    Object.setPrototypeOf(
      this.prototype,
      new Proxy(Object.create(Object.prototype) as object, {
        get(target, key, receiver) {
          if (typeof key === 'string' && INTEGER_KEY.test(key)) return (receiver as Dataset).getItem(Number(key));
          return Reflect.get(target, key, receiver);
        },
      }),
    );
  }
  constructor() {
    // where the subclass is defined, so DataLoader workers can import it (Note [Datasets cross to workers by state])
    recordClassLocation(new.target);
  }
  /** Number of samples. */
  abstract get length(): number;
  /**
   * The sample at `i` (0 ≤ i < length); may be a Promise for async datasets.
   *
   * @example
   * class Squares extends Dataset<[number, number]> {
   *   get length() { return 10; }
   *   getItem(i: number): [number, number] { return [i, i * i]; } // as __getitem__
   * }
   * new Squares().getItem(3); // → [3, 9]; also ds[3]
   */
  abstract getItem(i: number): T | Promise<T>;
  /**
   * How a worker thread can rebuild this dataset (see {@link WorkerSpec}). Optional: without
   * it, workers get a copy of the dataset's fields and import its class (Note [Datasets cross
   * to workers by state]).
   *
   * @example
   * class Squares extends Dataset<number> {
   *   get length() { return 10; }
   *   getItem(i: number) { return i * i; }
   *   workerSpec(): WorkerSpec { return { kind: 'module', module: import.meta.url, exportName: 'Squares' }; }
   * }
   */
  workerSpec?(): WorkerSpec | undefined;

  /**
   * The samples `getItem(0)`, …, `getItem(length - 1)` in order, as Python iterates a
   * map-style dataset. Throws a StateError if `getItem` returns a Promise: use `for await`.
   *
   * @example
   * for (const [x, y] of ds) console.log(x.shape, y);
   */
  *[Symbol.iterator](): Iterator<T> {
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const item = this.getItem(i);
      if (item instanceof Promise) {
        item.catch(() => {});
        throw new StateError(
          `${this.constructor.name}: getItem(${i}) returned a Promise; iterate this dataset with \`for await (const item of ds)\``,
          { op: 'Dataset' },
        );
      }
      yield item;
    }
  }

  /**
   * The samples in order, awaiting each (for datasets whose `getItem` returns Promises).
   *
   * @example
   * for await (const item of ds) console.log(item);
   */
  async *[Symbol.asyncIterator](): AsyncIterator<Awaited<T>> {
    const n = this.length;
    for (let i = 0; i < n; i++) yield await this.getItem(i);
  }
}

/**
 * An iterable-style dataset (`torch.utils.data.IterableDataset`): a stream of samples,
 * sync or async. The DataLoader batches consecutive samples; samplers and shuffle do not apply.
 * With `numWorkers > 0` every worker iterates its own copy (as in PyTorch): split the stream
 * with {@link getWorkerInfo} or each sample comes `numWorkers` times.
 *
 * @example
 * class Count extends IterableDataset<number> { *[Symbol.iterator]() { for (let i = 0; i < 5; i++) yield i; } }
 */
export abstract class IterableDataset<T = unknown> {
  static {
    Object.defineProperty(this, 'name', { value: 'IterableDataset' }); // the name in messages and reprs, minified or not
  }
  readonly iterable = true as const;
  constructor() {
    recordClassLocation(new.target); // for DataLoader workers, as Dataset
  }
  [Symbol.iterator]?(): Iterator<T>;
  [Symbol.asyncIterator]?(): AsyncIterator<T>;
}

/**
 * How a worker rebuilds a dataset. Either a module to import in the worker
 * (`module` is an absolute path, a `file:` URL or a package name; `exportName` (default
 * `'default'`) names a class constructed with `args`, a (possibly async) factory called
 * with `args`, or a ready dataset object), or tensors shared through SharedArrayBuffer
 * (what {@link TensorDataset} uses: the worker gathers rows itself, no copy of the data), or
 * (`'state'`, what the DataLoader makes for any other dataset) the dataset's fields and class
 * (Note [Datasets cross to workers by state]).
 */
export type WorkerSpec =
  | { kind: 'module'; module: string; exportName?: string; args?: unknown[] }
  | { kind: 'shared-tensors'; tensors: { buffer: SharedArrayBuffer; dtype: Tensor['dtype']; shape: number[] }[] }
  | { kind: 'subset'; base: WorkerSpec; indices: number[] }
  | { kind: 'state'; state: Encoded };

/**
 * Samples are the rows of the given tensors (`torch.utils.data.TensorDataset`): item `i`
 * is `[t0[i], t1[i], …]`. Batches are gathered with one `indexSelect` per tensor, and
 * worker threads read the rows from shared memory.
 *
 * @example
 * const ds = new TensorDataset(dl.randn(100, 3), dl.arange(100));
 * ds.getItem(0); // [x0, y0]
 */
export class TensorDataset extends Dataset<Tensor[]> {
  static {
    Object.defineProperty(this, 'name', { value: 'TensorDataset' }); // the name in messages and reprs, minified or not
  }
  readonly tensors: Tensor[];
  private shared: WorkerSpec | undefined;
  private sharedVersions = '';
  constructor(...tensors: Tensor[]) {
    super();
    if (tensors.length === 0) throw new ArgumentError('TensorDataset: needs at least one tensor', { op: 'TensorDataset' });
    const n = tensors[0]!.shape[0];
    for (const [k, t] of tensors.entries()) {
      if (t.dim() === 0 || t.shape[0] !== n) {
        throw new ShapeError(
          `TensorDataset: size mismatch between tensors: tensor 0 has shape ${fmtShape(tensors[0]!.shape)}, tensor ${k} has shape ${fmtShape(t.shape)}`,
          {
            op: 'TensorDataset',
            hint: 'every tensor needs the same size in dim 0 (one row per sample)',
          },
        );
      }
    }
    this.tensors = tensors;
  }
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }
  /**
   * `[t0[i], t1[i], …]`, the `i`-th row of every tensor; an IndexError out of range.
   *
   * @example
   * const ds = new TensorDataset(dl.arange(6).reshape(3, 2), dl.tensor([0, 1, 0]));
   * ds.getItem(1); // → [tensor([2, 3]), tensor(1.)]
   */
  getItem(i: number): Tensor[] {
    checkIndex(i, this.length, 'TensorDataset');
    return this.tensors.map((t) => t.select(0, i));
  }
  /**
   * The collated batch for `indices` (what default collate of the items gives), in one gather per tensor.
   *
   * @example
   * const ds = new TensorDataset(dl.randn(100, 3), dl.arange(100));
   * const [xb, yb] = ds.getBatch([0, 5, 9]); // xb [3, 3], yb [3], as default collate of three items
   */
  getBatch(indices: readonly number[]): Tensor[] {
    for (const i of indices) checkIndex(i, this.length, 'TensorDataset');
    const idx = tensor(indices as number[], { dtype: 'int32', device: this.tensors[0]!.device });
    try {
      return this.tensors.map((t) => indexSelect(t, 0, idx));
    } finally {
      idx.dispose();
    }
  }
  /**
   * Copies the tensors into SharedArrayBuffers that worker threads read (cpu-readable tensors
   * only); again only after a tensor changed in place (its version moved), so workers never
   * read stale rows.
   *
   * @example
   * const loader = new DataLoader(new TensorDataset(dl.randn(1000, 3), dl.arange(1000)), { batchSize: 32, numWorkers: 2 });
   * // each worker gathers its batches from the shared rows (workerSpec() → { kind: 'shared-tensors', … })
   */
  override workerSpec(): WorkerSpec | undefined {
    const versions = this.tensors.map((t) => t._version).join(',');
    if (this.shared && this.sharedVersions === versions) return this.shared;
    this.sharedVersions = versions;
    if (typeof SharedArrayBuffer === 'undefined') return undefined;
    const tensors = [];
    for (const t of this.tensors) {
      if (!t._backend.readSync) return undefined;
      const host = t.contiguous().dataSync();
      const buffer = new SharedArrayBuffer(host.byteLength);
      new Uint8Array(buffer).set(new Uint8Array(host.buffer, host.byteOffset, host.byteLength));
      tensors.push({ buffer, dtype: t.dtype, shape: [...t.shape] });
    }
    this.shared = { kind: 'shared-tensors', tensors };
    return this.shared;
  }
}

/**
 * The samples of `dataset` at `indices` (`torch.utils.data.Subset`).
 *
 * @example
 * const firstTen = new Subset(ds, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
 */
export class Subset<T> extends Dataset<T> {
  static {
    Object.defineProperty(this, 'name', { value: 'Subset' }); // the name in messages and reprs, minified or not
  }
  constructor(
    readonly dataset: Dataset<T>,
    readonly indices: readonly number[],
  ) {
    super();
  }
  get length(): number {
    return this.indices.length;
  }
  /**
   * The item at `indices[i]` of the parent dataset; an IndexError out of range.
   *
   * @example
   * const sub = new Subset(new TensorDataset(dl.arange(10)), [2, 4]);
   * sub.getItem(1); // → [tensor(4)]
   */
  getItem(i: number): T | Promise<T> {
    checkIndex(i, this.length, 'Subset');
    return this.dataset.getItem(this.indices[i]!);
  }
  /**
   * Workers rebuild the parent dataset and index it.
   *
   * @example
   * new Subset(new TensorDataset(dl.arange(10)), [2, 4]).workerSpec(); // → { kind: 'subset', base: { kind: 'shared-tensors', … }, indices: [2, 4] }
   */
  override workerSpec(): WorkerSpec | undefined {
    const base = this.dataset.workerSpec?.();
    return base ? { kind: 'subset', base, indices: [...this.indices] } : undefined;
  }
}

/**
 * Several datasets one after another (`torch.utils.data.ConcatDataset`).
 *
 * @example
 * const both = new ConcatDataset([trainA, trainB]);
 */
export class ConcatDataset<T> extends Dataset<T> {
  static {
    Object.defineProperty(this, 'name', { value: 'ConcatDataset' }); // the name in messages and reprs, minified or not
  }
  readonly cumulativeSizes: number[];
  constructor(readonly datasets: readonly Dataset<T>[]) {
    super();
    if (datasets.length === 0) throw new ArgumentError('ConcatDataset: datasets should not be an empty iterable', { op: 'ConcatDataset' });
    let s = 0;
    this.cumulativeSizes = datasets.map((d) => (s += d.length));
  }
  get length(): number {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1]!;
  }
  /**
   * The item at `i` of the concatenation: the dataset it falls in, at the offset within it; an IndexError out of range.
   *
   * @example
   * const both = new ConcatDataset([new TensorDataset(dl.arange(3)), new TensorDataset(dl.arange(10, 12))]);
   * both.getItem(3); // → [tensor(10)]
   */
  getItem(i: number): T | Promise<T> {
    checkIndex(i, this.length, 'ConcatDataset');
    let k = 0;
    while (i >= this.cumulativeSizes[k]!) k++;
    const start = k === 0 ? 0 : this.cumulativeSizes[k - 1]!;
    return this.datasets[k]!.getItem(i - start);
  }
}

/**
 * Split a dataset into non-overlapping random subsets (`torch.utils.data.random_split`).
 * `lengths` are counts summing to the dataset's length, or fractions summing to 1 (the
 * remainder after flooring goes round-robin to the first subsets, as PyTorch).
 *
 * @example
 * const [train, test] = randomSplit(ds, [0.8, 0.2], { generator: new dl.Generator(42) });
 */
export function randomSplit<T>(dataset: Dataset<T>, lengths: readonly number[], opts: { generator?: Generator } = {}): Subset<T>[] {
  const n = dataset.length;
  let counts = [...lengths];
  const sum = lengths.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) <= 1e-9 && sum <= 1) {
    counts = lengths.map((f) => {
      if (f < 0 || f > 1) throw new ArgumentError(`randomSplit: fraction ${f} is not between 0 and 1`, { op: 'randomSplit' });
      return Math.floor(n * f);
    });
    let rem = n - counts.reduce((a, b) => a + b, 0);
    for (let i = 0; rem > 0; i = (i + 1) % counts.length, rem--) counts[i]! += 1;
  }
  if (counts.some((c) => !Number.isInteger(c) || c < 0) || counts.reduce((a, b) => a + b, 0) !== n) {
    throw new ArgumentError(
      `randomSplit: sum of input lengths (${lengths.join(', ')}) does not equal the length of the input dataset (${n})`,
      {
        op: 'randomSplit',
        hint: 'pass counts that sum to the dataset length, or fractions that sum to 1',
      },
    );
  }
  const perm = permutation(n, opts.generator ?? defaultGenerator);
  const out: Subset<T>[] = [];
  let off = 0;
  for (const c of counts) {
    out.push(new Subset(dataset, perm.slice(off, off + c)));
    off += c;
  }
  return out;
}

/** @internal A seeded permutation of 0..n-1 (the same algorithm as `dl.randperm`). */
export function permutation(n: number, generator: Generator): number[] {
  const keys = generator.uniforms(n);
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
}

function checkIndex(i: number, n: number, op: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new IndexError(`${op}: index ${i} is out of range for a dataset of length ${n}`, { op });
  }
}

/**
 * @internal A batched reader for `ds` when it (or, through Subsets, its parent) has a
 * `getBatch(indices)` that returns what default collate would give; else undefined.
 */
export function batchReader(ds: unknown): ((indices: readonly number[]) => unknown) | undefined {
  if (ds instanceof Subset) {
    const inner = batchReader(ds.dataset);
    if (!inner) return undefined;
    return (ix) => {
      for (const i of ix) checkIndex(i, ds.length, 'Subset');
      return inner(ix.map((i) => ds.indices[i]!));
    };
  }
  const g = (ds as { getBatch?: unknown }).getBatch;
  return typeof g === 'function' ? (ix) => (g as (ix: readonly number[]) => unknown).call(ds, ix) : undefined;
}
