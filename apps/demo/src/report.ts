export { writeAtomic, removeStaleParts, type WriteAtomicOptions } from './atomic-write.js';

export interface History {
  stepLoss: number[];
  epochs: { epoch: number; trainLoss: number; testLoss: number; testAccuracy: number; seconds: number }[];
}

function polyline(values: number[], w: number, h: number, lo: number, hi: number, color: string): string {
  const pts = values.map(
    (v, i) => `${((i / Math.max(values.length - 1, 1)) * w).toFixed(1)},${(h - ((v - lo) / (hi - lo || 1)) * h).toFixed(1)}`,
  );
  return `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${pts.join(' ')}"/>`;
}

function chart(
  title: string,
  series: { values: number[]; color: string; label: string }[],
  lo: number,
  hi: number,
  fmt: (v: number) => string,
): string {
  const W = 560;
  const H = 240;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const v = lo + f * (hi - lo);
    const y = H - f * H;
    return `<line x1="0" x2="${W}" y1="${y}" y2="${y}" stroke="#eee"/><text x="-6" y="${y + 4}" text-anchor="end" font-size="11">${fmt(v)}</text>`;
  });
  const legend = series.map((s, i) => `<text x="${10 + i * 150}" y="-8" font-size="12" fill="${s.color}">■ ${s.label}</text>`).join('');
  return `<figure><figcaption>${title}</figcaption><svg viewBox="-50 -25 ${W + 70} ${H + 45}" width="${W + 70}" height="${H + 45}" xmlns="http://www.w3.org/2000/svg">
<g>${ticks.join('')}<rect x="0" y="0" width="${W}" height="${H}" fill="none" stroke="#999"/>${series.map((s) => polyline(s.values, W, H, lo, hi, s.color)).join('')}${legend}</g></svg></figure>`;
}

/** A self-contained HTML page with inline SVG charts of the loss and accuracy. */
export function plotHtml(h: History, title: string): string {
  const smooth = h.stepLoss.map((_, i, a) => {
    const s = a.slice(Math.max(0, i - 19), i + 1);
    return s.reduce((x, y) => x + y, 0) / s.length;
  });
  const maxLoss = Math.max(...h.stepLoss.slice(0, 5), ...h.epochs.map((e) => e.testLoss), 0.1);
  const accs = h.epochs.map((e) => e.testAccuracy * 100);
  const lo = Math.max(0, Math.floor(Math.min(...accs, 100) - 2));
  const rows = h.epochs
    .map(
      (e) =>
        `<tr><td>${e.epoch}</td><td>${e.trainLoss.toFixed(4)}</td><td>${e.testLoss.toFixed(4)}</td><td>${(e.testAccuracy * 100).toFixed(2)}%</td><td>${e.seconds.toFixed(1)} s</td></tr>`,
    )
    .join('');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}figure{margin:1em 0}figcaption{font-weight:600;margin-bottom:.3em}table{border-collapse:collapse}td,th{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}</style></head><body>
<h1>${title}</h1>
${chart(
  'Training loss per step (raw and 20-step mean)',
  [
    { values: h.stepLoss, color: '#bbb', label: 'loss' },
    { values: smooth, color: '#1f77b4', label: 'mean of 20' },
  ],
  0,
  maxLoss,
  (v) => v.toFixed(2),
)}
${chart('Test accuracy per epoch (%)', [{ values: accs, color: '#d62728', label: 'test accuracy' }], lo, 100, (v) => v.toFixed(1))}
<table><tr><th>epoch</th><th>train loss</th><th>test loss</th><th>test accuracy</th><th>time</th></tr>${rows}</table>
</body></html>
`;
}

/** A one-line progress bar: `epoch 1/8 [██████░░░░] 62/125 loss 0.2345 1534 img/s`. */
export function progressLine(epoch: number, epochs: number, done: number, total: number, loss: number, perSec: number): string {
  const width = 24;
  const fill = Math.round((done / total) * width);
  return `epoch ${epoch}/${epochs} [${'█'.repeat(fill)}${'░'.repeat(width - fill)}] ${String(done).padStart(String(total).length)}/${total} loss ${loss.toFixed(4)} ${Math.round(perSec)} img/s`;
}
