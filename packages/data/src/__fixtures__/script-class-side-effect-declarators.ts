// Side effects hidden behind a declaration that runs nothing: a later declarator of the same
// statement calls, a tagged template calls its tag. Workers load the script's definitions only
// (Note [Classes of the script that was run]): they keep `square`, run neither call.
import { appendFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader, Dataset } from '../index.js';

const count = (s: TemplateStringsArray) => appendFileSync(process.env.DL_COUNT_FILE!, `${s.join('')}\n`);
const square = (x: number) => x * x, started = count`declarator`;
const tagged = count`tagged template`;

class SquareDataset extends Dataset<dl.Tensor> {
  get length(): number {
    return 6;
  }
  getItem(i: number): dl.Tensor {
    return dl.tensor([square(i)]);
  }
}
const got = [...new DataLoader(new SquareDataset(), { batchSize: 2, numWorkers: 2 })].map((x) => x.toArraySync());
console.log(JSON.stringify({ got, started, tagged }));
