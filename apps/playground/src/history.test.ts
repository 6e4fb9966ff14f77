import { describe, expect, it } from 'vitest';
import { smooth } from './chart.js';
import { StepHistory } from './history.js';

/** steps 1..n with a loss and accuracy that differ at every step (so a wrong index shows) */
function fill(h: StepHistory, n: number, from = 1): void {
  for (let step = from; step < from + n; step++) h.push({ step, loss: 3 / step + (step % 7) * 0.01, accuracy: (step % 13) / 13 });
}

describe('StepHistory (Note [Decimation])', () => {
  it('keeps every step until the cap', () => {
    const h = new StepHistory(1000);
    fill(h, 1000);
    expect(h.points).toHaveLength(1000);
    expect(h.stride).toBe(1);
    expect(h.points.map((p) => p.step)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    expect(h.losses).toEqual(h.points.map((p) => p.loss));
  });

  it('halves to evenly spaced points when the cap is passed, and stays bounded for long runs', () => {
    const h = new StepHistory(1000);
    fill(h, 1001);
    expect(h.stride).toBe(2);
    expect(h.points).toHaveLength(501);
    expect(h.points.map((p) => p.step)).toEqual(Array.from({ length: 501 }, (_, i) => 1 + 2 * i));
    const g = new StepHistory(1000);
    let most = 0;
    for (let step = 1; step <= 100_000; step++) {
      g.push({ step, loss: 1 / step, accuracy: 0.5 });
      most = Math.max(most, g.points.length);
    }
    expect(most).toBe(1000);
    expect(g.count).toBe(100_000);
    expect(g.stride).toBe(128);
    // every kept index is a multiple of the stride, all of them are there, the first step is kept
    expect(g.points.map((p) => p.step - 1)).toEqual(Array.from({ length: g.points.length }, (_, i) => i * 128));
    expect(g.points.length).toBeGreaterThanOrEqual(500);
    expect(g.losses).toEqual(g.points.map((p) => p.loss));
    expect(g.latest!.step).toBe(100_000);
  });

  it('matches the documented example', () => {
    const h = new StepHistory(1000);
    for (let step = 1; step <= 5000; step++) h.push({ step, loss: 1 / step, accuracy: 0.5 });
    expect(h.points).toHaveLength(625);
    expect(h.stride).toBe(8);
  });

  it("keeps the moving averages over every step (the kept points' values are the full series')", () => {
    const h = new StepHistory(64, 0.1);
    const all: Array<{ step: number; loss: number; accuracy: number }> = [];
    for (let step = 1; step <= 1000; step++) {
      const p = { step, loss: Math.sin(step) + 2, accuracy: (step % 5) / 5 };
      all.push(p);
      h.push(p);
    }
    const sl = smooth(all.map((p) => p.loss));
    const sa = smooth(all.map((p) => p.accuracy));
    expect(h.points.length).toBeLessThanOrEqual(64);
    for (const p of h.points) {
      expect(p.smoothLoss).toBeCloseTo(sl[p.step - 1]!, 12);
      expect(p.smoothAccuracy).toBeCloseTo(sa[p.step - 1]!, 12);
    }
    expect(h.latest!.smoothLoss).toBeCloseTo(sl.at(-1)!, 12);
  });

  it('keeps the last steps in full, draws up to the latest step, and clears in place', () => {
    const h = new StepHistory(8, 0.1, 10);
    fill(h, 21);
    expect(h.recent.map((p) => p.step)).toEqual([12, 13, 14, 15, 16, 17, 18, 19, 20, 21]);
    // 21 steps, cap 8: stride 4 keeps steps 1, 5, 9, 13, 17, 21
    expect(h.points.map((p) => p.step)).toEqual([1, 5, 9, 13, 17, 21]);
    expect(h.chartPoints()).toBe(h.points);
    h.push({ step: 22, loss: 1, accuracy: 1 });
    expect(h.chartPoints().map((p) => p.step)).toEqual([1, 5, 9, 13, 17, 21, 22]);
    const { points, losses, recent } = h;
    h.clear();
    expect([h.points, h.losses, h.recent]).toEqual([[], [], []]);
    expect(h.points).toBe(points);
    expect(h.losses).toBe(losses);
    expect(h.recent).toBe(recent);
    expect(h.chartPoints()).toEqual([]);
    fill(h, 3);
    expect(h.stride).toBe(1);
    expect(h.points[0]!.smoothLoss).toBe(h.points[0]!.loss); // the average starts again at the first step
  });

  it('rejects a cap below 2', () => {
    expect(() => new StepHistory(1)).toThrow(RangeError);
  });
});
