// A module-defined dataset for worker tests: workers import this file and construct it.
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { Dataset } from '../index.js';

export class SquaresDataset extends Dataset<{ x: dl.Tensor; y: number; name: string }> {
  constructor(readonly n: number) {
    super();
  }
  get length(): number {
    return this.n;
  }
  getItem(i: number) {
    if (i === 13 && this.n === 14) throw new Error('bad sample 13');
    return { x: dl.tensor([i, i * i], { dtype: 'float32' }), y: i % 3, name: `s${i}` };
  }
  override workerSpec() {
    return { kind: 'module' as const, module: import.meta.url, exportName: 'SquaresDataset', args: [this.n] };
  }
}
