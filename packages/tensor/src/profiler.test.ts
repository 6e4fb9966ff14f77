import { beforeAll, describe, expect, it } from 'vitest';
import * as dl from './everything.js';
import { toyBackend } from './testing/toy-backend.js';

describe('profile (toy backend)', () => {
  beforeAll(() => {
    dl.registerBackend(toyBackend('toy'));
    dl.setDefaultDevice('toy'); // this test file's own module graph: no other device is registered
  });

  it('counts calls, bytes and time per op, on the device the op ran on', () => {
    const x = dl.tensor([1, 2, 3, 4]);
    const prof = dl.profile(() => {
      let y = x;
      for (let i = 0; i < 10; i++) y = y.add(1);
      return y;
    });
    expect(Array.from(prof.result.dataSync())).toEqual([11, 12, 13, 14]);
    const add = prof.row('add', 'toy')!;
    expect(add.calls).toBe(10);
    // each add allocates its 4-float result and a 0-d scalar for the `1`
    expect(add.selfBytes).toBe(10 * (16 + 4));
    expect(add.totalMs).toBeGreaterThanOrEqual(add.selfMs);
    expect(add.selfDeviceMs).toBeGreaterThanOrEqual(0);
    expect(prof.deviceTiming).toEqual({ toy: 'host' });
    expect(prof.primitives.has('add')).toBe(true);
    expect(prof.primitives.has('fill')).toBe(true);
  });

  it('splits self from total time across nested ops and labels', () => {
    const x = dl.tensor([0, 1, 2]);
    const busy = (ms: number) => {
      const t0 = performance.now();
      while (performance.now() - t0 < ms);
    };
    const prof = dl.profile(() =>
      dl.recordFunction('outer', () => {
        busy(3);
        return dl.recordFunction('inner', () => {
          busy(3);
          return x.exp().neg();
        });
      }),
    );
    const outer = prof.row('outer')!;
    const inner = prof.row('inner')!;
    expect(outer.totalMs).toBeGreaterThanOrEqual(6);
    expect(outer.selfMs).toBeGreaterThanOrEqual(3);
    expect(outer.selfMs).toBeLessThan(outer.totalMs - 2.9);
    expect(inner.totalMs).toBeGreaterThanOrEqual(3);
    expect(outer.totalBytes).toBe(2 * 12);
    expect(outer.selfBytes).toBe(0);
    expect(prof.row('exp', 'toy')!.selfBytes).toBe(12);
    const selfSum = prof.rows.reduce((a, r) => a + r.selfMs, 0);
    expect(Math.abs(selfSum - outer.totalMs)).toBeLessThan(0.5);
  });

  it('prints a table like torch.profiler key_averages().table()', () => {
    const x = dl.tensor([1, 2]);
    const prof = dl.profile(() => x.mul(x).add(x).exp());
    const table = prof.table();
    const lines = table.split('\n');
    expect(lines[1]).toMatch(
      /^Name\s+Device\s+Self host %\s+Self host\s+Host total\s+Host avg\s+Self device\s+Device total\s+Self mem\s+Mem\s+# of Calls$/,
    );
    expect(table).toMatch(/\nmul\s+toy\s/);
    expect(table).toContain('Self host time total:');
    expect(table).toContain('Device time on toy: kernel run time measured on the host');
    expect(prof.table({ sortBy: 'name', rowLimit: 1 })).toMatch(/\nadd\s+toy[^\n]*\n-+/);
  });

  it('costs nothing when no profile runs, and cleans up after a throw', () => {
    expect(dl.isProfiling()).toBe(false);
    expect(() =>
      dl.profile(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(dl.isProfiling()).toBe(false);
    expect(dl.recordFunction('label', () => 7)).toBe(7);
  });

  it('profileAsync awaits the function', async () => {
    const x = dl.tensor([1]);
    const prof = await dl.profileAsync(async () => {
      await Promise.resolve();
      return x.add(x);
    });
    expect(prof.row('add')!.calls).toBe(1);
    expect(await prof.result.item()).toBe(2);
  });
});
