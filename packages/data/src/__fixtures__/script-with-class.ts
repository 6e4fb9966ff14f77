// The dataset class is defined in the script itself, no guard: workers cannot get the class
// without running this script again, so the loader refuses with a StateError.
import { appendFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Dataset } from '../index.js';

appendFileSync(process.env.DL_COUNT_FILE!, 'run\n');
export class InlineDataset extends Dataset<dl.Tensor> {
  get length(): number {
    return 10;
  }
  getItem(i: number): dl.Tensor {
    return dl.tensor([i]);
  }
}
for (const x of new DataLoader(new InlineDataset(), { batchSize: 2, numWorkers: 2 })) console.log(x.shape);
