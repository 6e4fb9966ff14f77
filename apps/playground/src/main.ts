/**
 * The playground page: loads the embedded digits, trains LeNet-5 in short async chunks (a batch,
 * then a turn of the event loop) on webgpu where the browser has it and cpu otherwise, draws the
 * live chart, and classifies what is drawn on the pad.
 *
 * Its progress is also exposed for the e2e test and for curious users as `window.__playground`
 * (a {@link PlaygroundState}) and as `data-*` attributes on `<body>`.
 */
import * as dl from '@dl/tensor';
import { getNumThreads, warmupThreads } from '@dl/backend-cpu';
import '@dl/backend-webgpu';
import { drawChart } from './chart.js';
import { loadMnist } from './data.js';
import { drawPad } from './draw-pad.js';
import { toMnist } from './preprocess.js';
import { Session, yieldToEventLoop } from './trainer.js';

/** What the page exposes as `window.__playground`. */
export interface PlaygroundState {
  phase: 'loading' | 'ready' | 'training' | 'paused' | 'error';
  device: string;
  webgpu: { available: boolean; reason: string };
  crossOriginIsolated: boolean;
  cpuThreads: number;
  batchSize: number;
  steps: number;
  /**
   * the losses of the steps the chart keeps: every step for the first 1,000, then evenly
   * decimated (every 2nd, 4th, … step; at most 1,000 values; Note [Decimation] in history.ts)
   */
  losses: number[];
  firstLoss: number | null;
  lastLoss: number | null;
  /** mean loss of the last 10 steps */
  recentLoss: number | null;
  trainAccuracy: number | null;
  testAccuracy: number | null;
  imagesPerSec: number | null;
  chartDraws: number;
  /** device switches completed */
  switches: number;
  /** Reset clicks handled */
  resets: number;
  /** `dl.memory()`'s bytes per device, read at the last redraw (a training loop holds them flat) */
  memoryBytes: Record<string, number>;
  prediction: { digit: number; probs: number[] } | null;
  predictions: number;
  error: string | null;
}

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const evalEvery = Number(params.get('evalEvery') ?? 100);
const state: PlaygroundState = {
  phase: 'loading',
  device: 'cpu',
  webgpu: { available: false, reason: 'not checked yet' },
  crossOriginIsolated: globalThis.crossOriginIsolated === true,
  cpuThreads: 1,
  batchSize: Number(params.get('batch') ?? 64),
  steps: 0,
  losses: [],
  firstLoss: null,
  lastLoss: null,
  recentLoss: null,
  trainAccuracy: null,
  testAccuracy: null,
  imagesPerSec: null,
  chartDraws: 0,
  switches: 0,
  resets: 0,
  memoryBytes: {},
  prediction: null,
  predictions: 0,
  error: null,
};
(globalThis as { __playground?: PlaygroundState }).__playground = state;

let session: Session | undefined;
let running = false;
let loop: Promise<void> = Promise.resolve();
/** the tail of the chain that runs device switches, resets, train/pause and predictions one at a time */
let queue: Promise<unknown> = Promise.resolve();
const chart = $<HTMLCanvasElement>('chart');
const trainButton = $<HTMLButtonElement>('train');
const deviceSelect = $<HTMLSelectElement>('device');
const batchSelect = $<HTMLSelectElement>('batch');

function setPhase(phase: PlaygroundState['phase']): void {
  state.phase = phase;
  document.body.dataset.phase = phase;
  trainButton.textContent = phase === 'training' ? 'Pause' : 'Train';
}

function fail(e: unknown): void {
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  state.error = msg;
  console.error(e);
  const el = $('error');
  el.hidden = false;
  el.textContent = msg;
  running = false;
  setPhase('error');
}

function statusLine(): string {
  const cpu = state.crossOriginIsolated
    ? `cpu: ${state.cpuThreads} threads`
    : 'cpu: 1 thread (the page is not cross-origin isolated, so no SharedArrayBuffer)';
  const gpu = state.webgpu.available ? `webgpu: ${state.webgpu.reason}` : `webgpu unavailable: ${state.webgpu.reason}`;
  return `training on ${state.device} · ${cpu} · ${gpu}`;
}

/**
 * Run `task` after every task queued before it has finished (Note [Device switch races] in
 * trainer.ts): a Reset or a Train click during a device switch waits for the switch, so no
 * training step, reset or prediction sees a model half way between devices.
 */
function serial<T>(task: () => T | Promise<T>): Promise<T> {
  const run = queue.then(task);
  queue = run.catch(() => {});
  return run;
}

let renderQueued = false;
/** Redraw the chart and the numbers, at most once per frame. */
function render(): void {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    if (!session) return;
    drawChart(chart, session.history.chartPoints(), session.evals);
    state.chartDraws += 1;
    state.memoryBytes = Object.fromEntries(Object.entries(dl.memory().devices).map(([d, m]) => [d, m.bytes]));
    document.body.dataset.chartDraws = String(state.chartDraws);
    const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
    $('steps').textContent = String(state.steps);
    $('epoch').textContent = ((state.steps * state.batchSize) / session.data.train.length).toFixed(2);
    $('loss').textContent = state.recentLoss === null ? '–' : state.recentLoss.toFixed(4);
    $('train-acc').textContent = pct(state.trainAccuracy);
    $('test-acc').textContent = pct(state.testAccuracy);
    $('throughput').textContent = state.imagesPerSec === null ? '–' : `${Math.round(state.imagesPerSec)} images/s`;
    $('status').textContent = statusLine();
  });
}

/** Throughput over the last ~2 s of training: images per wall-clock second, yields included. */
const window2s: Array<{ t: number; images: number }> = [];
function recordThroughput(images: number): void {
  const t = performance.now();
  window2s.push({ t, images });
  while (window2s.length > 2 && t - window2s[0]!.t > 2000) window2s.shift();
  const first = window2s[0]!;
  if (t > first.t) state.imagesPerSec = ((images - first.images) * 1000) / (t - first.t);
}

async function trainLoop(s: Session): Promise<void> {
  setPhase('training');
  window2s.length = 0;
  recordThroughput(s.images);
  try {
    while (running) {
      const p = await s.trainStep();
      state.steps = s.step;
      state.firstLoss ??= p.loss;
      state.lastLoss = p.loss;
      const recent = s.history.recent;
      state.recentLoss = recent.reduce((a, q) => a + q.loss, 0) / recent.length;
      state.trainAccuracy = recent.reduce((a, q) => a + q.accuracy, 0) / recent.length;
      document.body.dataset.steps = String(s.step);
      recordThroughput(s.images);
      if (s.step % evalEvery === 0) state.testAccuracy = (await s.evaluate()).accuracy;
      render();
      await yieldToEventLoop(); // let the browser draw and handle input between batches
    }
    setPhase('paused');
  } catch (e) {
    fail(e);
  }
}

function start(): void {
  if (!session || running) return;
  running = true;
  loop = trainLoop(session);
}

async function stop(): Promise<void> {
  running = false;
  await loop;
}

function switchDevice(device: string): Promise<void> {
  return serial(async () => {
    if (!session) return;
    const wasRunning = running;
    await stop();
    try {
      await session.useDevice(device);
      state.device = device;
      state.switches += 1;
      document.body.dataset.device = device;
      render();
      if (wasRunning) start();
    } catch (e) {
      fail(e);
    }
  });
}

/** Is WebGPU usable here: `navigator.gpu`, an adapter, and the backend starting on it? */
async function probeWebgpu(): Promise<PlaygroundState['webgpu']> {
  type Info = { vendor?: string; architecture?: string; device?: string; description?: string };
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<{ info?: Info } | null> } }).gpu;
  if (!gpu) return { available: false, reason: 'this browser has no navigator.gpu' };
  try {
    const adapter = await gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'navigator.gpu gave no adapter' };
    await dl.initBackend('webgpu');
    const i = adapter.info;
    const name = [i?.vendor, i?.architecture, i?.device, i?.description].filter(Boolean).join(' ');
    return { available: true, reason: name || 'adapter found' };
  } catch (e) {
    return { available: false, reason: (e as Error).message };
  }
}

// ---- drawing and prediction ----

const preview = $<HTMLCanvasElement>('preview').getContext('2d')!;
const probsList = $<HTMLOListElement>('probs');
for (let d = 0; d < 10; d++) {
  const li = document.createElement('li');
  li.innerHTML = `<span>${d}</span><div class="bar"><span style="width:0%"></span></div><span class="p">–</span>`;
  probsList.append(li);
}
let predicting = false;
let predictAgain = false;

function showPreview(img: Float32Array): void {
  const data = preview.createImageData(28, 28);
  for (let i = 0; i < 784; i++) {
    const v = Math.round(img[i]! * 255);
    data.data.set([v, v, v, 255], i * 4);
  }
  preview.putImageData(data, 0, 0);
}

function showProbs(probs: number[] | null): void {
  const top = probs ? probs.indexOf(Math.max(...probs)) : -1;
  $('prediction').textContent = top < 0 ? '?' : String(top);
  [...probsList.children].forEach((li, d) => {
    const p = probs?.[d] ?? 0;
    li.classList.toggle('top', d === top);
    (li.querySelector('.bar span') as HTMLElement).style.width = `${(p * 100).toFixed(1)}%`;
    li.querySelector('.p')!.textContent = probs ? `${(p * 100).toFixed(1)}%` : '–';
  });
}

async function predict(): Promise<void> {
  if (predicting) {
    predictAgain = true;
    return;
  }
  predicting = true;
  try {
    do {
      predictAgain = false;
      const { gray, width, height } = pad.read();
      const img = toMnist(gray, width, height);
      showPreview(img);
      if (pad.empty || !session) {
        state.prediction = null;
        showProbs(null);
        continue;
      }
      const s = session;
      const probs = [...(await serial(() => s.predict(img)))];
      state.prediction = { digit: probs.indexOf(Math.max(...probs)), probs };
      state.predictions += 1;
      document.body.dataset.prediction = String(state.prediction.digit);
      showProbs(probs);
    } while (predictAgain);
  } catch (e) {
    fail(e);
  } finally {
    predicting = false;
  }
}

const pad = drawPad($<HTMLCanvasElement>('pad'), () => void predict());
$('clear').addEventListener('click', () => pad.clear());

// ---- start-up ----

trainButton.addEventListener('click', () => void serial(() => (running ? stop() : start())));
$('reset').addEventListener('click', () =>
  serial(async () => {
    if (!session) return;
    const wasRunning = running;
    await stop();
    session.reset(); // empties session.history.losses, which is state.losses, in place
    Object.assign(state, {
      steps: 0,
      firstLoss: null,
      lastLoss: null,
      recentLoss: null,
      trainAccuracy: null,
      testAccuracy: null,
    });
    state.resets += 1;
    render();
    if (wasRunning) start();
  }),
);
deviceSelect.addEventListener('change', () => void switchDevice(deviceSelect.value));
batchSelect.value = String(state.batchSize);
batchSelect.addEventListener('change', () => {
  state.batchSize = Number(batchSelect.value);
  if (session) session.opts.batchSize = state.batchSize;
});

async function main(): Promise<void> {
  drawChart(chart, [], []);
  const [data, webgpu] = await Promise.all([loadMnist(new URL('mnist-digits.bin', document.baseURI)), probeWebgpu()]);
  state.webgpu = webgpu;
  if (state.crossOriginIsolated) await warmupThreads(5000).catch(() => false); // start the GEMM's Web Workers
  state.cpuThreads = getNumThreads();
  const webgpuOption = deviceSelect.querySelector<HTMLOptionElement>('option[value=webgpu]')!;
  webgpuOption.disabled = !webgpu.available;
  if (!webgpu.available) webgpuOption.textContent = 'webgpu (unavailable)';
  const wanted = params.get('device') ?? (webgpu.available ? 'webgpu' : 'cpu');
  const device = wanted === 'webgpu' && !webgpu.available ? 'cpu' : wanted;
  session = new Session(data, { batchSize: state.batchSize, lr: 1e-3, seed: 0 });
  state.losses = session.history.losses;
  await session.useDevice(device);
  state.device = device;
  deviceSelect.value = device;
  document.body.dataset.device = device;
  trainButton.disabled = false;
  $<HTMLButtonElement>('reset').disabled = false;
  setPhase('ready');
  render();
  if (params.has('autostart')) start();
}

void main().catch(fail);
