import { dlWorkload } from './dl-workloads.js';
import { heapStats } from '../../../packages/backend-cpu/src/wasm/heap.js';
import { cpuBackend } from '@dl/backend-cpu';
const id = process.argv[2] ?? 'mlp-train';
const step = (await dlWorkload(id))!;
for (let k = 0; k < 5; k++) {
  const t0 = performance.now();
  for (let i = 0; i < 40; i++) step.run();
  console.log(((performance.now() - t0) / 40).toFixed(2), JSON.stringify(heapStats()), JSON.stringify(cpuBackend.memoryInfo()));
}
