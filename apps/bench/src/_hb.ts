import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
function time(name: string, f: () => void) {
  for (let i = 0; i < 20; i++) f();
  const ts: number[] = [];
  for (let r = 0; r < 50; r++) { const t0 = performance.now(); f(); ts.push(performance.now() - t0); }
  ts.sort((a, b) => a - b);
  console.log(name, ts[ts.length >> 1]!.toFixed(3));
}
for (const n of [1 << 20, 1 << 24]) {
  const ea = dl.fromArray(Float32Array.from({ length: n }, () => Math.random() - 0.5), [n]);
  const eb = dl.fromArray(Float32Array.from({ length: n }, () => Math.random() - 0.5), [n]);
  const ha = ea.add(0), hb = eb.add(0);
  time(`ext addrelu ${n}`, () => dl.tidy(() => { ea.add(eb).relu(); }));
  time(`heap addrelu ${n}`, () => dl.tidy(() => { ha.add(hb).relu(); }));
  time(`ext sum ${n}`, () => dl.tidy(() => ea.sum().itemSync()));
  time(`heap sum ${n}`, () => dl.tidy(() => ha.sum().itemSync()));
}
