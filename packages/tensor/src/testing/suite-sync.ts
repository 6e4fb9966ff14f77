import { expect } from 'vitest';
import * as dl from '../everything.js';
import type { SuiteContext } from './suite.js';
import { expectError } from './suite-errors.js';

/**
 * Behaviour that needs synchronous reads (cpu-style backends): the `…Sync` readers, sync
 * `unique`, index checks done by the kernel. Each test passes trivially on async devices.
 */
export function registerSyncOnly(ctx: SuiteContext): void {
  const { device } = ctx;
  const t = (name: string, fn: () => Promise<void> | void) =>
    ctx.test(name, async () => {
      if (!ctx.syncRead()) {
        expectError(() => dl.ones([2], { device }).dataSync(), dl.StateError, 'dataSync', 'await');
        return;
      }
      await fn();
    });

  t('dataSync / itemSync / toArraySync', () => {
    const x = dl.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device, dtype: 'float32' },
    );
    expect(Array.from(x.t().dataSync())).toEqual([1, 3, 2, 4]);
    expect(x.sum().itemSync()).toBe(10);
    expect(x.toArraySync()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(dl.tensor([true], { device }).itemSync()).toBe(1);
    expectError(() => x.itemSync(), dl.IndexError, 'itemSync', '4 elements');
  });

  t('unique (sync form)', () => {
    // torch.unique(torch.tensor([3., 1., 3.]), return_counts=True) -> (tensor([1., 3.]), tensor([1, 2]))
    const [values, counts] = dl.unique(dl.tensor([3, 1, 3], { device }), { returnCounts: true });
    expect(values.toArraySync()).toEqual([1, 3]);
    expect(counts.toArraySync()).toEqual([1, 2]);
    expect(dl.unique(dl.tensor([3, 1, 3], { device })).toArraySync()).toEqual([1, 3]); // a Tensor when nothing more is asked
  });

  t('kernel index checks: gather / scatter / indexSelect out of range give IndexError', () => {
    const x = dl.ones([2, 3], { device });
    const bad = dl.tensor([[0, 3]], { device, dtype: 'int32' });
    expectError(() => x.gather(1, bad), dl.IndexError, 'gather', '3', 'size 3');
    expectError(() => x.scatterAdd(1, bad, dl.ones([1, 2], { device })), dl.IndexError, '3');
    expectError(() => x.indexSelect(0, dl.tensor([2], { device, dtype: 'int32' })), dl.IndexError, 'indexSelect', '2');
  });

  t('oneHot infers the class count; allclose / equal', () => {
    expect(dl.oneHot(dl.tensor([2, 0], { device, dtype: 'int32' })).shape).toEqual([2, 3]);
    const a = dl.tensor([1, 2], { device, dtype: 'float32' });
    expect(a.allclose(a.add(1e-7))).toBe(true);
    expect(a.allclose(a.add(1))).toBe(false);
    expect(a.equal(a.clone())).toBe(true);
    expect(a.equal(a.view(2, 1))).toBe(false);
  });

  t('to(device) round trip', () => {
    const other = ctx.otherDevice && dl.listDevices().includes(ctx.otherDevice) ? ctx.otherDevice : device;
    const x = dl.tensor([1, 2, 3], { device, dtype: 'float32' });
    const y = x.to(other);
    expect(y.device).toBe(other);
    expect(y.to(device).toArraySync()).toEqual([1, 2, 3]);
  });
}
