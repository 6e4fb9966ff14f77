// The class defined in the script uses a top-level value computed by a call: workers do not
// run that statement, so the worker's ReferenceError says to move the class to a module.
import { appendFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Dataset } from '../index.js';

appendFileSync(process.env.DL_COUNT_FILE!, 'run\n');
const table = Array.from({ length: 10 }, (_, i) => i * i);

class TableDataset extends Dataset<dl.Tensor> {
  get length(): number {
    return table.length;
  }
  getItem(i: number): dl.Tensor {
    return dl.tensor([table[i]!]);
  }
}
for (const x of new DataLoader(new TableDataset(), { batchSize: 2, numWorkers: 2 })) console.log(x.shape);
