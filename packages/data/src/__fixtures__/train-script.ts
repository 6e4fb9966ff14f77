// A training script with no isMainThread guard and a top-level loop over a loader with
// workers; the dataset class lives in its own module. Must run exactly once.
import { appendFileSync } from 'node:fs';
import '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader } from '../index.js';
import { PlainDataset } from './plain-dataset.js';

appendFileSync(process.env.DL_COUNT_FILE!, 'run\n');
const loader = new DataLoader(new PlainDataset(40), { batchSize: 8, shuffle: true, numWorkers: 2 });
let total = 0;
for (let epoch = 0; epoch < 3; epoch++) {
  for (const [x, y] of loader) total += x.sum().itemSync() + y.sum().itemSync();
}
console.log(JSON.stringify({ total, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
