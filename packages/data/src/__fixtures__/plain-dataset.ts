// A user dataset as a PyTorch user writes one: no workerSpec, no guard. DataLoader workers
// get a copy of its fields and import this module for the class.
import * as dl from '@dl/tensor';
import { Dataset, IterableDataset, getWorkerInfo } from '../index.js';

export class PlainDataset extends Dataset<[dl.Tensor, number]> {
  readonly table = new Map<number, string>();
  readonly pixels: Uint8Array;
  readonly opts: { scale: number; nested: { offset: number[] } };
  constructor(
    readonly n: number,
    scale = 2,
    readonly badSample = -1,
  ) {
    super();
    this.pixels = Uint8Array.from({ length: n * 100_000 }, (_, i) => (i * 7) % 251); // over 64 KiB: shared, not copied
    this.opts = { scale, nested: { offset: [0.5] } };
    for (let i = 0; i < n; i++) this.table.set(i, `s${i}`);
  }
  get length(): number {
    return this.n;
  }
  getItem(i: number): [dl.Tensor, number] {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new dl.IndexError(`PlainDataset: index ${i} is out of range for ${this.n} samples`, { op: 'PlainDataset', hint: 'ask for 0..n-1' });
    if (this.table.get(i) === `s${this.badSample}`) throw new dl.ShapeError(`PlainDataset: sample ${i} has a bad shape`, { op: 'PlainDataset' });
    const px = this.pixels[i * 100_000 + 99_999]!;
    return [dl.tensor([i * this.opts.scale + this.opts.nested.offset[0]!, px]), i % 3];
  }
}

/** Which worker loaded each sample, and a draw from dl's default generator there. */
export class WhoDataset extends Dataset<dl.Tensor> {
  get length(): number {
    return 8;
  }
  getItem(i: number): dl.Tensor {
    const info = getWorkerInfo();
    return dl.tensor([i, info ? info.id : -1, info ? info.numWorkers : 0, dl.rand([1]).itemSync()]);
  }
}

/** range(0, n), split between workers with getWorkerInfo (PyTorch's documented pattern); `shard: false` repeats it in every worker. */
export class RangeStream extends IterableDataset<number> {
  constructor(
    readonly n: number,
    readonly shard = true,
  ) {
    super();
  }
  override *[Symbol.iterator](): Iterator<number> {
    const info = getWorkerInfo();
    const [start, step] = info && this.shard ? [info.id, info.numWorkers] : [0, 1];
    for (let i = start; i < this.n; i += step) yield i;
  }
}

/** An async-only stream (awaits between samples); sample 5 fails with a TypeError. */
export class AsyncStream extends IterableDataset<{ v: number }> {
  constructor(readonly n: number) {
    super();
  }
  override async *[Symbol.asyncIterator](): AsyncIterator<{ v: number }> {
    for (let i = 0; i < this.n; i++) {
      await new Promise((r) => setTimeout(r, 1));
      if (i === 5) throw new TypeError('AsyncStream: sample 5 is broken');
      yield { v: i };
    }
  }
}
