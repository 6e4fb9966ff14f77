import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { heapStats } from '../../../packages/backend-cpu/src/wasm/heap.js';
function time(name: string, f: () => void) {
  for (let i = 0; i < 20; i++) f();
  const ts: number[] = [];
  for (let r = 0; r < 50; r++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b);
  console.log(name, ts[ts.length >> 1]!.toFixed(3), JSON.stringify(heapStats()));
}
const n = 401408;
const p = dl.randn([784, 512]), g = dl.randn([784, 512]).mul(1e-3);
time('mul', () => dl.tidy(() => { g.mul(-0.01); }));
time('add_', () => dl.tidy(() => { p.add_(g, { alpha: -0.01 }); }));
const z = dl.zeros([784, 512]);
time('mul zero', () => dl.tidy(() => { z.mul(-0.01); }));
const d = dl.fromArray(new Float32Array(n).fill(1e-39), [784, 512]).add(0);
time('mul denorm', () => dl.tidy(() => { d.mul(-0.01); }));
