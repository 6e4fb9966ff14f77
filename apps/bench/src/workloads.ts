/**
 * The workloads `pnpm bench` runs on every framework (ids are shared with
 * `python/torch_bench.py`). `tfjsCpu` says how much of the (very slow) tfjs-cpu backend a
 * workload gets: `full` (timed like the others), `once` (one timed run, no warm-up) or
 * `skip` (would take minutes: left out, and the table says so).
 */
export interface Workload {
  id: string;
  group: 'matmul' | 'elementwise' | 'conv2d' | 'model' | 'overhead';
  title: string;
  /** floating-point operations of one run (for GFLOP/s), when meaningful */
  flops?: number;
  tfjsCpu: 'full' | 'once' | 'skip';
  /**
   * The program the peers (tfjs, PyTorch) run for this row, when it is not `id`: dl's
   * `-plain` and `-tidy` rows are two ways of writing one PyTorch program, so the peers run
   * it once, under this id, and both rows compare against that time.
   */
  peer?: string;
  /** Ops in one run, for rows reported per op (`op-overhead`: 1000, so ms per run = µs per op). */
  ops?: number;
  /** `mean`: time is the mean of the runs, not their median (Note [mean rows]). */
  stat?: 'mean';
}

// Note [mean rows]
// A loop that leaves its temporaries to the garbage collector pays for them in GC pauses,
// which the median step skips. The training and op-overhead rows therefore report the mean of
// at least MEAN_MIN_RUNS runs, on every framework (python/torch_bench.py does the same for
// these ids). Within a 1 s budget (~20-100 steps) the mean and the median are still close;
// the cost of garbage grows with the heap over thousands of steps, which is what the demo's
// epoch times show (apps/demo/README.md), not this table.
export const MEAN_MIN_RUNS = 20;

/** The id the peers run for row `w` (see `Workload.peer`). */
export const peerId = (w: Workload): string => w.peer ?? w.id;

/** Length of the `op-overhead` chain (adds on 4-element tensors). */
export const OP_CHAIN = 1000;

const mm = (n: number): Workload => ({
  id: `matmul-${n}`,
  group: 'matmul',
  title: `matmul ${n}x${n} @ ${n}x${n}`,
  flops: 2 * n ** 3,
  tfjsCpu: n >= 2048 ? 'skip' : n >= 1024 ? 'once' : 'full',
});

/** conv flops: 2 * N * Co * OH * OW * Ci * KH * KW (forward); backward is twice that. */
const convFlops = (N: number, Ci: number, Co: number, OH: number, OW: number, K: number): number => 2 * N * Co * OH * OW * Ci * K * K;

export const workloads: Workload[] = [
  mm(256),
  mm(512),
  mm(1024),
  mm(2048),
  { id: 'addrelu-1M', group: 'elementwise', title: 'relu(a + b), 1M float32', tfjsCpu: 'full' },
  { id: 'addrelu-16M', group: 'elementwise', title: 'relu(a + b), 16M float32', tfjsCpu: 'full' },
  { id: 'sum-1M', group: 'elementwise', title: 'sum(a), 1M float32', tfjsCpu: 'full' },
  { id: 'sum-16M', group: 'elementwise', title: 'sum(a), 16M float32', tfjsCpu: 'full' },
  {
    id: 'conv-1x6k5-fwd',
    group: 'conv2d',
    title: 'conv2d 1->6 k5, 64x1x28x28, fwd',
    flops: convFlops(64, 1, 6, 24, 24, 5),
    tfjsCpu: 'full',
  },
  {
    id: 'conv-1x6k5-fwdbwd',
    group: 'conv2d',
    title: 'conv2d 1->6 k5, 64x1x28x28, fwd+bwd',
    flops: 3 * convFlops(64, 1, 6, 24, 24, 5),
    tfjsCpu: 'full',
  },
  {
    id: 'conv-64x64k3-fwd',
    group: 'conv2d',
    title: 'conv2d 64->64 k3 p1, 32x64x56x56, fwd',
    flops: convFlops(32, 64, 64, 56, 56, 3),
    tfjsCpu: 'once',
  },
  {
    id: 'conv-64x64k3-fwdbwd',
    group: 'conv2d',
    title: 'conv2d 64->64 k3 p1, 32x64x56x56, fwd+bwd',
    flops: 3 * convFlops(32, 64, 64, 56, 56, 3),
    tfjsCpu: 'skip',
  },
  // Note [plain and tidy rows]: `-plain` is the loop a PyTorch user writes (zeroGrad, forward,
  // loss, backward, step, read the loss; no tidy, dispose or await), `-tidy` the same step
  // inside `dl.tidy`. The plain row is the one that counts; the tidy row sits beside it so
  // the cost of leaving memory to the library shows as a ratio (issue 10: within 1.15x).
  {
    id: 'mlp-train-plain',
    group: 'model',
    title: 'MLP 784-512-512-10 train step, batch 64, plain loop',
    tfjsCpu: 'full',
    peer: 'mlp-train',
    stat: 'mean',
  },
  {
    id: 'mlp-train-tidy',
    group: 'model',
    title: 'MLP 784-512-512-10 train step, batch 64, in dl.tidy',
    tfjsCpu: 'full',
    peer: 'mlp-train',
    stat: 'mean',
  },
  {
    id: 'lenet-train-plain',
    group: 'model',
    title: 'LeNet-5 train step, batch 64, plain loop',
    tfjsCpu: 'full',
    peer: 'lenet-train',
    stat: 'mean',
  },
  {
    id: 'lenet-train-tidy',
    group: 'model',
    title: 'LeNet-5 train step, batch 64, in dl.tidy',
    tfjsCpu: 'full',
    peer: 'lenet-train',
    stat: 'mean',
  },
  { id: 'resnet18-fwd', group: 'model', title: 'ResNet-18 forward, 8x3x224x224', flops: 8 * 2 * 1.814e9, tfjsCpu: 'skip' },
  // a chain of OP_CHAIN adds on 4-element float32 tensors: the fixed cost of one op
  {
    id: 'op-overhead',
    group: 'overhead',
    title: `${OP_CHAIN} chained adds, 4 elements, no autograd`,
    tfjsCpu: 'full',
    ops: OP_CHAIN,
    stat: 'mean',
  },
  {
    id: 'op-overhead-autograd',
    group: 'overhead',
    title: `${OP_CHAIN} chained adds, 4 elements, requiresGrad input`,
    tfjsCpu: 'full',
    ops: OP_CHAIN,
    stat: 'mean',
  },
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
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Class labels 0..9. */
export function randomLabels(n: number, seed = 7): Int32Array {
  const v = randomValues(n, seed);
  return Int32Array.from(v, (x) => Math.min(9, Math.floor((x + 1) * 5)));
}
