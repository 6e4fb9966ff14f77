/** Profile one dl workload: `tsx --conditions=@dl/source src/profile.ts ID [iterations]` (use with node --cpu-prof). */
import { dlWorkload } from './dl-workloads.js';
const id = process.argv[2] ?? 'mlp-train-plain';
const iters = Number(process.argv[3] ?? 50);
const step = await dlWorkload(id);
if (!step) throw new Error(`no workload ${id}`);
step.run();
const t0 = performance.now();
for (let i = 0; i < iters; i++) step.run();
console.log(`${id}: ${((performance.now() - t0) / iters).toFixed(2)} ms/step`);
