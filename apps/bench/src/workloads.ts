/**
 * The workloads `pnpm bench` runs on every framework (ids are shared with
 * `python/torch_bench.py`). `tfjsCpu` says how much of the (very slow) tfjs-cpu backend a
 * workload gets: `full` (timed like the others), `once` (one timed run, no warm-up) or
 * `skip` (would take minutes: left out, and the table says so).
 */
export interface Workload {
  id: string;
  group: 'matmul' | 'elementwise' | 'conv2d' | 'model';
  title: string;
  /** floating-point operations of one run (for GFLOP/s), when meaningful */
  flops?: number;
  tfjsCpu: 'full' | 'once' | 'skip';
}

const mm = (n: number): Workload => ({
  id: `matmul-${n}`, group: 'matmul', title: `matmul ${n}x${n} @ ${n}x${n}`, flops: 2 * n ** 3,
  tfjsCpu: n >= 2048 ? 'skip' : n >= 1024 ? 'once' : 'full',
});

/** conv flops: 2 * N * Co * OH * OW * Ci * KH * KW (forward); backward is twice that. */
const convFlops = (N: number, Ci: number, Co: number, OH: number, OW: number, K: number): number => 2 * N * Co * OH * OW * Ci * K * K;

export const workloads: Workload[] = [
  mm(256), mm(512), mm(1024), mm(2048),
  { id: 'addrelu-1M', group: 'elementwise', title: 'relu(a + b), 1M float32', tfjsCpu: 'full' },
  { id: 'addrelu-16M', group: 'elementwise', title: 'relu(a + b), 16M float32', tfjsCpu: 'full' },
  { id: 'sum-1M', group: 'elementwise', title: 'sum(a), 1M float32', tfjsCpu: 'full' },
  { id: 'sum-16M', group: 'elementwise', title: 'sum(a), 16M float32', tfjsCpu: 'full' },
  { id: 'conv-1x6k5-fwd', group: 'conv2d', title: 'conv2d 1->6 k5, 64x1x28x28, fwd', flops: convFlops(64, 1, 6, 24, 24, 5), tfjsCpu: 'full' },
  { id: 'conv-1x6k5-fwdbwd', group: 'conv2d', title: 'conv2d 1->6 k5, 64x1x28x28, fwd+bwd', flops: 3 * convFlops(64, 1, 6, 24, 24, 5), tfjsCpu: 'full' },
  { id: 'conv-64x64k3-fwd', group: 'conv2d', title: 'conv2d 64->64 k3 p1, 32x64x56x56, fwd', flops: convFlops(32, 64, 64, 56, 56, 3), tfjsCpu: 'once' },
  { id: 'conv-64x64k3-fwdbwd', group: 'conv2d', title: 'conv2d 64->64 k3 p1, 32x64x56x56, fwd+bwd', flops: 3 * convFlops(32, 64, 64, 56, 56, 3), tfjsCpu: 'skip' },
  { id: 'mlp-train', group: 'model', title: 'MLP 784-512-512-10 train step, batch 64', tfjsCpu: 'full' },
  { id: 'lenet-train', group: 'model', title: 'LeNet-5 train step, batch 64', tfjsCpu: 'full' },
  { id: 'resnet18-fwd', group: 'model', title: 'ResNet-18 forward, 8x3x224x224', flops: 8 * 2 * 1.814e9, tfjsCpu: 'skip' },
];

/** One prepared workload: `run` does one timed step (and reads its result back). */
export interface Step {
  run: () => unknown;
  dispose?: () => void;
}

/** Deterministic uniform [-1, 1) values (the same stream for every framework in JS). */
export function randomValues(n: number, seed = 1): Float32Array {
  let s = seed >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Class labels 0..9. */
export function randomLabels(n: number, seed = 7): Int32Array {
  const v = randomValues(n, seed);
  return Int32Array.from(v, (x) => Math.min(9, Math.floor((x + 1) * 5)));
}
