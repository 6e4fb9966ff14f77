import { expect } from 'vitest';
import * as dl from '../everything.js';
import type { SuiteContext } from './suite.js';

/** The profiler on this device: rows per op, nesting (self vs total), bytes, device timing. */
export function registerProfiler(ctx: SuiteContext): void {
  const { device } = ctx;
  const t = ctx.test.bind(ctx);

  t('a chain of adds: one row with the calls, bytes and device', async () => {
    const x = dl.ones([4], { device });
    const b = dl.full([4], 0.5, { device });
    const prof = await dl.profileAsync(() => {
      let y = x;
      for (let i = 0; i < 50; i++) y = y.add(b);
      return y;
    });
    expect(Array.from(await prof.result.data())).toEqual([26, 26, 26, 26]);
    const add = prof.row('add', device)!;
    expect(add, prof.table()).toBeDefined();
    expect(add.calls).toBe(50);
    expect(add.selfBytes).toBe(50 * 4 * 4);
    expect(add.totalMs).toBeGreaterThanOrEqual(add.selfMs);
    expect(add.selfMs).toBeGreaterThan(0);
    expect(add.selfDeviceMs).not.toBeNull();
    expect(add.selfDeviceMs!).toBeGreaterThanOrEqual(0);
    expect(['device', 'host', 'enqueue']).toContain(prof.deviceTiming[device]);
    expect(dl.isProfiling()).toBe(false);
  });

  t('nested ops: a composite row includes its parts in total, not in self time', async () => {
    const x = dl.rand([64, 64], { device });
    // logsumexp is a composite of max/sub/exp/sum/log on every device (softmax has a fused cpu kernel)
    const prof = await dl.profileAsync(() => dl.recordFunction('block', () => x.logsumexp(1).sum()));
    const block = prof.row('block')!;
    const softmax = prof.row('logsumexp', device)!;
    const exp = prof.row('exp', device)!;
    expect(block.calls).toBe(1);
    expect(softmax.calls).toBe(1);
    expect(exp.calls).toBeGreaterThanOrEqual(1);
    expect(block.totalMs).toBeGreaterThanOrEqual(softmax.totalMs);
    expect(softmax.totalMs).toBeGreaterThanOrEqual(softmax.selfMs + exp.totalMs - 1e-9);
    expect(softmax.totalBytes).toBeGreaterThan(softmax.selfBytes);
    expect(softmax.deviceTotalMs!).toBeGreaterThanOrEqual(exp.deviceTotalMs!);
    const selfSum = prof.rows.reduce((a, r) => a + r.selfMs, 0);
    expect(selfSum).toBeLessThanOrEqual(prof.wallMs + 1e-6);
  });

  t('table(): torch.profiler-style columns, sorted, limited', async () => {
    const x = dl.rand([8, 8], { device });
    const prof = await dl.profileAsync(() => x.matmul(x).relu().mean());
    const table = prof.table({ sortBy: 'totalMs', rowLimit: 2 });
    for (const h of ['Name', 'Self host %', 'Host total', 'Self device', 'Self mem', '# of Calls']) expect(table).toContain(h);
    expect(table).toContain(`Device time on ${device}:`);
    expect(table).toMatch(/more rows/);
    expect(prof.table()).toContain('relu');
  });

  t('an op that throws leaves no profile running, and profiles do not nest', async () => {
    const x = dl.ones([2, 3], { device });
    expect(() => dl.profile(() => x.matmul(x))).toThrow(dl.ShapeError);
    expect(dl.isProfiling()).toBe(false);
    expect(() => dl.profile(() => dl.profile(() => 1))).toThrow(/already running/);
    expect(dl.isProfiling()).toBe(false);
  });
}
