// The scenario of issue 11: a workerSpec pointing at the script itself, no isMainThread
// guard. Each worker imports the script; its loop must stop there instead of training (and
// starting workers of its own).
import { appendFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Dataset } from '../index.js';

appendFileSync(process.env.DL_COUNT_FILE!, 'run\n');
export class SelfDataset extends Dataset<dl.Tensor> {
  get length(): number {
    return 10;
  }
  getItem(i: number): dl.Tensor {
    return dl.tensor([i]);
  }
  override workerSpec() {
    return { kind: 'module' as const, module: import.meta.url, exportName: 'SelfDataset' };
  }
}
for (const x of new DataLoader(new SelfDataset(), { batchSize: 2, numWorkers: 2 })) console.log(x.shape);
