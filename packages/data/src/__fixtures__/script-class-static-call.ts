// The class defined in the script runs a call as it is defined (a static field): workers do not
// load it (that would run the call), and the worker's error says to move the class to a module.
import { appendFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Dataset } from '../index.js';

class TableDataset extends Dataset<dl.Tensor> {
  static table = appendFileSync(process.env.DL_COUNT_FILE!, 'run\n') ?? [0, 1, 4, 9];
  get length(): number {
    return TableDataset.table.length;
  }
  getItem(i: number): dl.Tensor {
    return dl.tensor([TableDataset.table[i]!]);
  }
}
for (const x of new DataLoader(new TableDataset(), { batchSize: 2, numWorkers: 2 })) console.log(x.shape);
