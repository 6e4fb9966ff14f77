/**
 * The live training chart on a plain `<canvas>` (no chart library): the loss of each step the
 * decimated history keeps (faint) and its moving average over every step (left axis), the
 * training-batch accuracy's moving average and the test-set accuracy points (right axis, 0–100%),
 * against the step. A frame draws at most ~1,000 points however long the run (history.ts).
 */
import type { ChartPoint, StepHistory } from './history.js';
import type { EvalPoint } from './trainer.js';

const COLORS = { loss: '#d9480f', lossRaw: 'rgba(217, 72, 15, 0.25)', acc: '#1c7ed6', test: '#2b8a3e', grid: '#e9ecef', text: '#495057' };

/**
 * Exponential moving average of `values` (PyTorch-tutorial-style smoothing for a noisy curve), over
 * a whole series at once; {@link StepHistory} keeps the same average one step at a time.
 *
 * @example
 * smooth([1, 2, 3], 0.5); // → [1, 1.5, 2.25]
 */
export function smooth(values: readonly number[], alpha = 0.1): number[] {
  const out: number[] = [];
  let m = values[0] ?? 0;
  for (const v of values) out.push((m = m + alpha * (v - m)));
  return out;
}

/**
 * Draw the chart into `canvas` (sized to its CSS box × devicePixelRatio).
 *
 * @example
 * drawChart(document.querySelector('canvas')!, session.history.chartPoints(), session.evals);
 */
export function drawChart(canvas: HTMLCanvasElement, history: readonly ChartPoint[], evals: readonly EvalPoint[]): void {
  const dpr = globalThis.devicePixelRatio || 1;
  const cssW = canvas.clientWidth || 600;
  const cssH = canvas.clientHeight || 260;
  if (canvas.width !== Math.round(cssW * dpr)) canvas.width = Math.round(cssW * dpr);
  if (canvas.height !== Math.round(cssH * dpr)) canvas.height = Math.round(cssH * dpr);
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = '11px system-ui, sans-serif';

  const pad = { l: 44, r: 44, t: 22, b: 26 };
  const w = cssW - pad.l - pad.r;
  const h = cssH - pad.t - pad.b;
  const steps = Math.max(10, history.at(-1)?.step ?? 0);
  // the axis fits the first points' losses (at most 3), rounded up to a multiple of 0.5
  const lossMax = Math.max(0.5, Math.ceil(Math.min(3, Math.max(...history.slice(0, 20).map((p) => p.loss), 0)) * 2) / 2);
  const X = (step: number): number => pad.l + (step / steps) * w;
  const YL = (loss: number): number => pad.t + h - (Math.min(loss, lossMax) / lossMax) * h;
  const YA = (acc: number): number => pad.t + h - acc * h;

  // grid and axes
  ctx.strokeStyle = COLORS.grid;
  ctx.fillStyle = COLORS.text;
  ctx.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const y = pad.t + (h * i) / 4;
    ctx.beginPath();
    ctx.moveTo(pad.l, y);
    ctx.lineTo(pad.l + w, y);
    ctx.stroke();
    ctx.textAlign = 'right';
    ctx.fillText((lossMax * (1 - i / 4)).toFixed(2), pad.l - 6, y + 4);
    ctx.textAlign = 'left';
    ctx.fillText(`${100 - i * 25}%`, pad.l + w + 6, y + 4);
  }
  ctx.textAlign = 'center';
  for (let i = 0; i <= 5; i++) ctx.fillText(String(Math.round((steps * i) / 5)), X((steps * i) / 5), pad.t + h + 16);
  ctx.textAlign = 'left';

  const line = (pts: Array<[number, number]>, color: string, width: number): void => {
    if (pts.length === 0) return;
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
    ctx.stroke();
  };
  line(
    history.map((p) => [X(p.step), YL(p.loss)]),
    COLORS.lossRaw,
    1,
  );
  line(
    history.map((p) => [X(p.step), YL(p.smoothLoss)]),
    COLORS.loss,
    2,
  );
  line(
    history.map((p) => [X(p.step), YA(p.smoothAccuracy)]),
    COLORS.acc,
    2,
  );
  line(
    evals.map((e) => [X(e.step), YA(e.accuracy)]),
    COLORS.test,
    1.5,
  );
  ctx.fillStyle = COLORS.test;
  for (const e of evals) {
    ctx.beginPath();
    ctx.arc(X(e.step), YA(e.accuracy), 3, 0, Math.PI * 2);
    ctx.fill();
  }

  // legend
  const legend: Array<[string, string]> = [
    ['loss', COLORS.loss],
    ['train accuracy', COLORS.acc],
    ['test accuracy', COLORS.test],
  ];
  let lx = pad.l;
  for (const [label, color] of legend) {
    ctx.fillStyle = color;
    ctx.fillRect(lx, 6, 10, 10);
    ctx.fillStyle = COLORS.text;
    ctx.fillText(label, lx + 14, 15);
    lx += ctx.measureText(label).width + 34;
  }
  if (history.length === 0) {
    ctx.textAlign = 'center';
    ctx.fillText('press Train to start', pad.l + w / 2, pad.t + h / 2);
    ctx.textAlign = 'left';
  }
}
