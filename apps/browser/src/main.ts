/**
 * The page script: trains a small MLP with @dl/nn + @dl/optim on the cpu backend (and on
 * webgpu when `navigator.gpu` gives an adapter), then writes the result into the DOM
 * (`#result`, `#status`, `document.title`) and `window.__result`. When served by
 * `run-chromium.ts` (`?report=1`) it also POSTs the result to `/result`.
 *
 * Nothing here may reach a Node built-in: the bundle is checked by `build.ts`.
 */
import * as dl from '@dl/tensor';
import { gemmInfo, getNumThreads, setNumThreads, warmupThreads } from '@dl/backend-cpu';
import '@dl/autograd';
import { nn } from '@dl/nn';
import { Adam } from '@dl/optim';
import { webgpu } from '@dl/backend-webgpu';

/** Training of one device. */
export interface DeviceRun {
  device: string;
  /** loss of steps 0, 10, 20, …, and the last step */
  losses: number[];
  /** ms since the first step when each of `losses` was read */
  msAt: number[];
  first: number;
  last: number;
  steps: number;
  ms: number;
}

/** What the page reports (also `window.__result`). */
export interface PageResult {
  ok: boolean;
  userAgent: string;
  crossOriginIsolated: boolean;
  sharedArrayBuffer: boolean;
  hardwareConcurrency: number;
  cpu: {
    wasm: ReturnType<typeof gemmInfo> | { error: string };
    /** were the GEMM's workers started and ready (cross-origin isolated pages only)? */
    workersWarm: boolean;
    /** a 256³ matmul against a plain JS loop, one thread and all threads */
    gemm: GemmCheck | { error: string };
  };
  runs: DeviceRun[];
  /** why webgpu was not run, or its error */
  webgpu: string;
  errors: string[];
}

/** A 256x256 @ 256x256 product on cpu checked against a JS triple loop. */
export interface GemmCheck {
  threads: number;
  maxAbsErr: number;
  msOneThread: number;
  msAllThreads: number;
}

const STEPS = 100;

async function gemmCheck(): Promise<GemmCheck> {
  const n = 256;
  const g = new dl.Generator(3);
  const a = dl.randn([n, n], { generator: g });
  const b = dl.randn([n, n], { generator: g });
  const A = await a.data();
  const B = await b.data();
  const ref = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const v = A[i * n + k]!;
      for (let j = 0; j < n; j++) ref[i * n + j] = ref[i * n + j]! + v * B[k * n + j]!;
    }
  }
  const time = async (threads: number): Promise<{ ms: number; err: number }> => {
    setNumThreads(threads);
    dl.matmul(a, b).dispose(); // warm
    const t0 = performance.now();
    const reps = 5;
    let c!: dl.Tensor;
    for (let r = 0; r < reps; r++) {
      c?.dispose();
      c = dl.matmul(a, b);
    }
    const C = await c.data();
    const ms = (performance.now() - t0) / reps;
    c.dispose();
    let err = 0;
    for (let i = 0; i < n * n; i++) err = Math.max(err, Math.abs(C[i]! - ref[i]!));
    return { ms, err };
  };
  const all = getNumThreads();
  const one = await time(1); // shrinks the pool to no workers
  setNumThreads(all);
  await warmupThreads(10_000); // restart them before timing
  const many = await time(all);
  a.dispose();
  b.dispose();
  return { threads: all, maxAbsErr: Math.max(one.err, many.err), msOneThread: +one.ms.toFixed(2), msAllThreads: +many.ms.toFixed(2) };
}

/** y = sin(2 x0) + x0 x1 on 256 points in [-1, 1]², made on cpu by a seeded generator. */
function makeData(): { x: dl.Tensor; y: dl.Tensor } {
  const x = dl
    .rand([256, 2], { generator: new dl.Generator(1) })
    .mul(2)
    .sub(1);
  const x0 = x.select(1, 0);
  const y = x0
    .mul(2)
    .sin()
    .add(x0.mul(x.select(1, 1)))
    .unsqueeze(1);
  return { x, y };
}

async function train(device: string): Promise<DeviceRun> {
  dl.manualSeed(0);
  const net = new nn.Sequential(new nn.Linear(2, 64), new nn.Tanh(), new nn.Linear(64, 64), new nn.ReLU(), new nn.Linear(64, 1));
  net.to(device);
  const data = makeData();
  const x = data.x.to(device);
  const y = data.y.to(device);
  const lossFn = new nn.MSELoss();
  const opt = new Adam(net.parameters(), { lr: 1e-2 });
  const losses: number[] = [];
  const msAt: number[] = [];
  let first = NaN;
  let last = NaN;
  const t0 = performance.now();
  for (let i = 0; i < STEPS; i++) {
    const loss = dl.tidy(() => {
      opt.zeroGrad();
      const l = lossFn.forward(net.forward(x), y);
      l.backward();
      opt.step();
      return l.detach();
    });
    if (i % 10 === 0 || i === STEPS - 1) {
      const v = await loss.item(); // async read: works on every backend
      losses.push(v);
      msAt.push(Math.round(performance.now() - t0));
      if (i === 0) first = v;
      last = v;
    }
    loss.dispose();
  }
  return { device, losses, msAt, first, last, steps: STEPS, ms: Math.round(performance.now() - t0) };
}

function show(r: PageResult): void {
  (globalThis as { __result?: PageResult }).__result = r;
  const pre = document.getElementById('result');
  if (pre) pre.textContent = JSON.stringify(r, null, 2);
  const status = document.getElementById('status');
  const summary = r.runs.map((d) => `${d.device}: loss ${d.first.toFixed(4)} → ${d.last.toFixed(4)} in ${d.ms} ms`).join('; ');
  if (status) status.textContent = `${r.ok ? 'OK' : 'FAILED'} ${summary} ${r.errors.join('; ')}`;
  document.title = r.ok ? 'dl: ok' : 'dl: failed';
}

async function report(r: PageResult): Promise<void> {
  if (!new URLSearchParams(location.search).has('report')) return;
  await fetch('/result', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(r) });
}

const nav = navigator as Navigator & { gpu?: unknown };

function blank(): PageResult {
  return {
    ok: false,
    userAgent: nav.userAgent,
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    sharedArrayBuffer: typeof SharedArrayBuffer !== 'undefined',
    hardwareConcurrency: nav.hardwareConcurrency ?? 1,
    cpu: { wasm: { error: 'not run' }, workersWarm: false, gemm: { error: 'not run' } },
    runs: [],
    webgpu: 'navigator.gpu is missing',
    errors: [],
  };
}

/** Report an error that escaped `main` (uncaught or from a later task). */
function fail(msg: string): void {
  const r = blank();
  r.errors.push(msg);
  show(r);
  void report(r);
}

async function main(): Promise<void> {
  const r = blank();
  try {
    r.cpu.workersWarm = await warmupThreads(10_000);
    r.cpu.gemm = await gemmCheck();
    r.cpu.wasm = gemmInfo();
  } catch (e) {
    r.errors.push(`cpu wasm: ${(e as Error).stack ?? String(e)}`);
  }
  try {
    r.runs.push(await train('cpu'));
  } catch (e) {
    r.errors.push(`cpu: ${(e as Error).stack ?? String(e)}`);
  }
  if (nav.gpu) {
    try {
      await dl.initBackend('webgpu');
      r.runs.push(await train('webgpu'));
      r.webgpu = 'ran';
      webgpu.destroy();
    } catch (e) {
      // no adapter (e.g. headless without a GPU) is not a failure of the page
      r.webgpu = `not run: ${(e as Error).message}`;
    }
  }
  const cpu = r.runs.find((d) => d.device === 'cpu');
  const gemmOk = 'maxAbsErr' in r.cpu.gemm && r.cpu.gemm.maxAbsErr < 1e-3;
  r.ok = r.errors.length === 0 && gemmOk && cpu !== undefined && cpu.last < cpu.first * 0.5 && r.runs.every((d) => d.last < d.first);
  show(r);
  await report(r);
}

addEventListener('error', (ev) => fail(`uncaught: ${ev.message} at ${ev.filename}:${ev.lineno}`));
addEventListener('unhandledrejection', (ev) => fail(`unhandled rejection: ${String((ev.reason as Error)?.stack ?? ev.reason)}`));
void main().catch((e: unknown) => fail(`main: ${(e as Error).stack ?? String(e)}`));
