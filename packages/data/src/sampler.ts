import { ArgumentError, type Generator, defaultGenerator } from '@dl/tensor';
import { permutation } from './dataset.js';

/**
 * Yields dataset indices (`torch.utils.data.Sampler`). `length` is the number of indices
 * per epoch.
 *
 * @example
 * class EvenSampler extends Sampler { // as subclassing torch.utils.data.Sampler
 *   constructor(readonly n: number) { super(); }
 *   *[Symbol.iterator]() { for (let i = 0; i < this.n; i += 2) yield i; }
 *   get length() { return Math.ceil(this.n / 2); }
 * }
 * new DataLoader(ds, { sampler: new EvenSampler(ds.length), batchSize: 4 });
 */
export abstract class Sampler<I = number> implements Iterable<I> {
  static {
    Object.defineProperty(this, 'name', { value: 'Sampler' }); // the name in messages and reprs, minified or not
  }
  abstract [Symbol.iterator](): Iterator<I>;
  abstract get length(): number;
}

/**
 * 0, 1, …, n-1 in order.
 *
 * @example
 * [...new SequentialSampler({ length: 3 })]; // [0, 1, 2]
 */
export class SequentialSampler extends Sampler {
  static {
    Object.defineProperty(this, 'name', { value: 'SequentialSampler' }); // the name in messages and reprs, minified or not
  }
  constructor(readonly dataSource: { length: number }) {
    super();
  }
  get length(): number {
    return this.dataSource.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.dataSource.length; i++) yield i;
  }
}

/**
 * Random indices: a permutation (without replacement) or `numSamples` uniform draws with
 * replacement. Each epoch draws from `generator` (default: dl's default generator), so a
 * seeded generator gives the same sequence of epochs on every run.
 *
 * @example
 * new RandomSampler(ds, { generator: new dl.Generator(0) });
 */
export class RandomSampler extends Sampler {
  static {
    Object.defineProperty(this, 'name', { value: 'RandomSampler' }); // the name in messages and reprs, minified or not
  }
  readonly replacement: boolean;
  readonly generator: Generator | undefined;
  private readonly _numSamples: number | undefined;
  constructor(
    readonly dataSource: { length: number },
    opts: { replacement?: boolean; numSamples?: number; generator?: Generator } = {},
  ) {
    super();
    this.replacement = opts.replacement ?? false;
    this._numSamples = opts.numSamples;
    this.generator = opts.generator;
    if (opts.numSamples !== undefined && (!Number.isInteger(opts.numSamples) || opts.numSamples <= 0)) {
      throw new ArgumentError(`RandomSampler: numSamples should be a positive integer value, but got numSamples=${opts.numSamples}`, {
        op: 'RandomSampler',
      });
    }
  }
  get numSamples(): number {
    return this._numSamples ?? this.dataSource.length;
  }
  get length(): number {
    return this.numSamples;
  }
  *[Symbol.iterator](): Iterator<number> {
    const n = this.dataSource.length;
    const gen = this.generator ?? defaultGenerator;
    if (this.replacement) {
      const u = gen.uniforms(this.numSamples);
      for (let i = 0; i < u.length; i++) yield Math.min(n - 1, Math.floor(u[i]! * n));
      return;
    }
    // numSamples > n: whole permutations back to back, as PyTorch.
    let left = this.numSamples;
    while (left > 0) {
      const perm = permutation(n, gen);
      for (let i = 0; i < Math.min(n, left); i++) yield perm[i]!;
      left -= n;
    }
  }
}

/**
 * A random permutation of the given indices each epoch.
 *
 * @example
 * new SubsetRandomSampler([0, 2, 4, 6], { generator: g });
 */
export class SubsetRandomSampler extends Sampler {
  static {
    Object.defineProperty(this, 'name', { value: 'SubsetRandomSampler' }); // the name in messages and reprs, minified or not
  }
  constructor(
    readonly indices: readonly number[],
    readonly opts: { generator?: Generator } = {},
  ) {
    super();
  }
  get length(): number {
    return this.indices.length;
  }
  *[Symbol.iterator](): Iterator<number> {
    for (const i of permutation(this.indices.length, this.opts.generator ?? defaultGenerator)) yield this.indices[i]!;
  }
}

/**
 * `numSamples` indices drawn with probability proportional to `weights` (with replacement
 * by default; without replacement uses exponential-race keys, as `torch.multinomial`).
 *
 * @example
 * new WeightedRandomSampler([0.1, 0.9], 100); // mostly 1s
 */
export class WeightedRandomSampler extends Sampler {
  static {
    Object.defineProperty(this, 'name', { value: 'WeightedRandomSampler' }); // the name in messages and reprs, minified or not
  }
  private readonly cdf: Float64Array;
  readonly replacement: boolean;
  constructor(
    readonly weights: readonly number[] | Float32Array | Float64Array,
    readonly numSamples: number,
    readonly opts: { replacement?: boolean; generator?: Generator } = {},
  ) {
    super();
    this.replacement = opts.replacement ?? true;
    if (!Number.isInteger(numSamples) || numSamples <= 0) {
      throw new ArgumentError(`WeightedRandomSampler: numSamples should be a positive integer value, but got numSamples=${numSamples}`, {
        op: 'WeightedRandomSampler',
      });
    }
    this.cdf = new Float64Array(weights.length);
    let s = 0;
    for (let i = 0; i < weights.length; i++) {
      const w = weights[i]!;
      if (!(w >= 0) || !Number.isFinite(w)) {
        throw new ArgumentError(`WeightedRandomSampler: weights must be finite and non-negative, got ${w} at index ${i}`, {
          op: 'WeightedRandomSampler',
        });
      }
      this.cdf[i] = s += w;
    }
    if (!(s > 0)) throw new ArgumentError('WeightedRandomSampler: weights sum to zero', { op: 'WeightedRandomSampler' });
    const positive = Array.from(weights).filter((w) => w > 0).length;
    if (!this.replacement && numSamples > positive) {
      throw new ArgumentError(
        `WeightedRandomSampler: cannot draw ${numSamples} samples without replacement from ${positive} non-zero weights`,
        { op: 'WeightedRandomSampler' },
      );
    }
  }
  get length(): number {
    return this.numSamples;
  }
  *[Symbol.iterator](): Iterator<number> {
    const gen = this.opts.generator ?? defaultGenerator;
    const total = this.cdf[this.cdf.length - 1]!;
    if (this.replacement) {
      const u = gen.uniforms(this.numSamples);
      for (let k = 0; k < u.length; k++) {
        const target = u[k]! * total;
        let lo = 0;
        let hi = this.cdf.length - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (this.cdf[mid]! > target) hi = mid;
          else lo = mid + 1;
        }
        yield lo;
      }
      return;
    }
    const u = gen.uniforms(this.weights.length);
    const keys = Array.from(this.weights, (w, i) => (w > 0 ? -Math.log(Math.max(u[i]!, 1e-300)) / w : Infinity));
    const order = keys.map((_, i) => i).sort((a, b) => keys[a]! - keys[b]! || a - b);
    for (let k = 0; k < this.numSamples; k++) yield order[k]!;
  }
}

/**
 * Groups another sampler's indices into batches of `batchSize` (the last one smaller
 * unless `dropLast`).
 *
 * @example
 * [...new BatchSampler(new SequentialSampler({ length: 5 }), 2, false)]; // [[0,1],[2,3],[4]]
 */
export class BatchSampler extends Sampler<number[]> {
  static {
    Object.defineProperty(this, 'name', { value: 'BatchSampler' }); // the name in messages and reprs, minified or not
  }
  constructor(
    readonly sampler: Iterable<number> & { length: number },
    readonly batchSize: number,
    readonly dropLast: boolean,
  ) {
    super();
    if (!Number.isInteger(batchSize) || batchSize <= 0) {
      throw new ArgumentError(`BatchSampler: batchSize should be a positive integer value, but got batchSize=${batchSize}`, {
        op: 'BatchSampler',
      });
    }
  }
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  *[Symbol.iterator](): Iterator<number[]> {
    let batch: number[] = [];
    for (const i of this.sampler) {
      batch.push(i);
      if (batch.length === this.batchSize) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0 && !this.dropLast) yield batch;
  }
}
