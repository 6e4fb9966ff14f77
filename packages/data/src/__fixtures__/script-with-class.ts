// A tutorial ported line by line: the dataset class is defined in the script itself, the
// training loop is at top level, there is no isMainThread guard. Workers load the script's
// definitions only (Note [Classes of the script that was run]): everything else runs once.
import { appendFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Dataset } from '../index.js';

appendFileSync(process.env.DL_COUNT_FILE!, 'run\n');
const SCALE = 10;
const offsets = [0.5, 0.25];

function feature(i: number): number[] {
  return [i * SCALE, offsets[i % 2]!];
}

class InlineDataset extends Dataset<[dl.Tensor, number]> {
  readonly labels: Map<number, number>;
  constructor(readonly n: number) {
    super();
    this.labels = new Map(Array.from({ length: n }, (_, i) => [i, i % 3]));
  }
  get length(): number {
    return this.n;
  }
  getItem(i: number): [dl.Tensor, number] {
    return [dl.tensor(feature(i)), this.labels.get(i)!];
  }
}

const ds = new InlineDataset(10);
const batches: number[][][] = [];
for (const [x, y] of new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new dl.Generator(1), numWorkers: 2 })) {
  batches.push([x.toArraySync() as number[][], y.toArraySync() as number[]].flat() as number[][]);
}
const ref: number[][][] = [];
for (const [x, y] of new DataLoader(ds, { batchSize: 4, shuffle: true, generator: new dl.Generator(1) })) {
  ref.push([x.toArraySync() as number[][], y.toArraySync() as number[]].flat() as number[][]);
}
console.log(JSON.stringify({ same: JSON.stringify(batches) === JSON.stringify(ref), batches: batches.length }));
