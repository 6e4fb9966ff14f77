/**
 * The training history the chart draws, in bounded memory: an evenly decimated series of at most
 * `cap` points plus moving averages kept up to date one step at a time.
 *
 * Note [Decimation]
 * A long training run gains a point every step; keeping them all would grow memory without bound
 * and make every frame smooth and stroke the whole run. Instead the series keeps the steps whose
 * index (0-based, in push order) is a multiple of `stride`: every step at first, and each time the
 * series would pass `cap` points, every other kept point is dropped and `stride` doubles. So the
 * kept points are always evenly spaced, the first step is always kept, and a run of any length
 * holds between `cap / 2` and `cap` points. The moving averages are updated with every step
 * (not only the kept ones), so a kept point's smoothed value is the one the full series gives.
 */
import type { StepPoint } from './trainer.js';

/** A kept step with its loss and accuracy smoothed over all steps up to it. */
export interface ChartPoint extends StepPoint {
  /** exponential moving average of the loss of every step so far */
  smoothLoss: number;
  /** exponential moving average of the batch accuracy of every step so far */
  smoothAccuracy: number;
}

/**
 * An evenly decimated, capped series of training steps with incremental moving averages.
 *
 * @example
 * const h = new StepHistory(1000);
 * for (let step = 1; step <= 5000; step++) h.push({ step, loss: 1 / step, accuracy: 0.5 });
 * h.points.length; // → 625 (every 8th step), never more than 1000
 * h.latest!.step; // → 5000
 */
export class StepHistory {
  /** the kept steps, oldest first: those whose push index is a multiple of {@link stride} */
  readonly points: ChartPoint[] = [];
  /** the kept steps' losses (the same indices as {@link points}; updated in place) */
  readonly losses: number[] = [];
  /** the last `recentSize` steps, every one of them, oldest first */
  readonly recent: StepPoint[] = [];
  /** a step is kept when its push index is a multiple of this (a power of 2) */
  stride = 1;
  /** how many steps were pushed */
  count = 0;
  /** the last step pushed, kept or not */
  latest: ChartPoint | null = null;
  private emaLoss = 0;
  private emaAccuracy = 0;

  /**
   * @param cap the most points kept (at least 2)
   * @param alpha the moving averages' weight of the newest step
   * @param recentSize how many of the last steps {@link recent} holds
   */
  constructor(
    readonly cap = 1000,
    readonly alpha = 0.1,
    readonly recentSize = 10,
  ) {
    if (!(cap >= 2)) throw new RangeError(`StepHistory: cap must be at least 2, got ${cap}`);
  }

  /**
   * Record one step: update the moving averages, keep the step if its index falls on the stride,
   * and halve the series (doubling the stride) when it would pass `cap`.
   *
   * @example
   * history.push({ step: 1, loss: 2.3, accuracy: 0.1 });
   */
  push(p: StepPoint): void {
    // the first step starts the averages (as `smooth()` in chart.ts starts at the first value)
    this.emaLoss = this.count === 0 ? p.loss : this.emaLoss + this.alpha * (p.loss - this.emaLoss);
    this.emaAccuracy = this.count === 0 ? p.accuracy : this.emaAccuracy + this.alpha * (p.accuracy - this.emaAccuracy);
    const point: ChartPoint = { ...p, smoothLoss: this.emaLoss, smoothAccuracy: this.emaAccuracy };
    this.latest = point;
    this.recent.push(p);
    if (this.recent.length > this.recentSize) this.recent.shift();
    if (this.count % this.stride === 0) {
      this.points.push(point);
      this.losses.push(p.loss);
      if (this.points.length > this.cap) this.halve();
    }
    this.count += 1;
  }

  /** Keep every other point (the ones at even positions, so indices stay multiples of the new stride). */
  private halve(): void {
    let j = 0;
    for (let i = 0; i < this.points.length; i += 2, j++) {
      this.points[j] = this.points[i]!;
      this.losses[j] = this.losses[i]!;
    }
    this.points.length = j;
    this.losses.length = j;
    this.stride *= 2;
  }

  /**
   * The points to draw: the kept ones, then the latest step if it was not kept (so the curve
   * reaches the current step).
   *
   * @example
   * drawChart(canvas, history.chartPoints(), session.evals);
   */
  chartPoints(): readonly ChartPoint[] {
    const last = this.latest;
    return last && this.points.at(-1) !== last ? [...this.points, last] : this.points;
  }

  /**
   * Forget everything (in place: {@link points}, {@link losses} and {@link recent} stay the same arrays).
   *
   * @example
   * history.clear(); history.count; // → 0
   */
  clear(): void {
    this.points.length = 0;
    this.losses.length = 0;
    this.recent.length = 0;
    this.stride = 1;
    this.count = 0;
    this.latest = null;
    this.emaLoss = 0;
    this.emaAccuracy = 0;
  }
}
