import { expect } from 'vitest';
import * as dl from '../everything.js';
import { compareWithFixture, fixtureNumber, makeInput } from './fixtures.js';
import { edgeCases, loadEdgeFixtures } from './edge-cases.js';
import { expectError } from './suite-errors.js';
import type { SuiteContext } from './suite.js';

/**
 * Issue 11's numeric edge classes, forward values against PyTorch (edge-cases.json; gradients
 * are checked by @dl/autograd), and common mistakes that must raise typed errors instead of
 * crashing in a kernel or building a broken tensor.
 */
export function registerEdgeCases(ctx: SuiteContext): void {
  const { device } = ctx;
  const t = ctx.test.bind(ctx);
  const { cases } = loadEdgeFixtures();

  for (const [name, fx] of Object.entries(cases)) {
    const c = edgeCases[name];
    t(name, async () => {
      if (!c) throw new Error(`edge case ${name} has a fixture but no entry in edgeCases (testing/edge-cases.ts)`);
      if (c.needs === 'syncRead' && !ctx.syncRead()) return; // reads synchronously (allclose) or raises from a cpu kernel
      const inputs = fx.inputs.map((s) => makeInput(s, device));
      if (fx.error) {
        expect(c.error, `${name}: torch raises ${fx.error.type} (${fx.error.message}); the dl case must expect an error`).toBeDefined();
        expectError(() => c.run(dl, inputs, device), c.error!, name.startsWith('overlap_') ? 'more than one element' : '');
        return;
      }
      expect(c.error, `${name}: torch gives a value, dl's case expects ${c.error?.name}`).toBeUndefined();
      const out = c.run(dl, inputs, device);
      if (typeof out === 'boolean') {
        expect(out, name).toBe(fixtureNumber(fx.output!.data[0]) === 1);
        return;
      }
      expect(await compareWithFixture(out, fx.output!, ctx.tol), name).toBeNull();
    });
  }

  t('every edge case has a fixture', () => {
    expect(Object.keys(edgeCases).filter((k) => !(k in cases))).toEqual([]);
  });

  t('std/var stay finite where only torch overflows (deliberate difference)', async () => {
    // torch: inf (its float32 mean of [1.8e38, 1.8e38] overflows); the true value is 0.
    expect(await dl.tensor([1.8e38, 1.8e38], { device }).std().item()).toBe(0);
    if (ctx.hasDType('float64')) {
      // float32 is widened where the device has float64: the mean of equal values is exact
      expect(await dl.tensor([3e38, 3e38, 3e38], { device }).var().item()).toBe(0);
      // torch: inf (its float64 squares overflow); the true value is finite.
      const s = await dl.tensor([1e300, -1e300, 5e299], { device, dtype: 'float64' }).std().item();
      expect(s / 1.0408329997330663e300).toBeCloseTo(1, 12);
    }
    if (ctx.hasDType('float64')) {
      // the float64 mean is exact: 1 (torch's float32 mean of these is not, and it gives 1.58)
      expect(
        await dl
          .tensor([1e7 + 1, 1e7 + 2, 1e7 + 3], { device })
          .std()
          .item(),
      ).toBe(1);
    }
    // ordinary values are unchanged by the scaling (exact for powers of two)
    expect(
      await dl
        .tensor(
          [
            [1, 2, 3, 4],
            [0, 0, 0, 0],
          ],
          { device },
        )
        .var(1)
        .data(),
    ).toEqual(new Float32Array([5 / 3, 0]));
  });

  t('std/var: the plain two-pass value where it is safe, the scaled one per slice where not (Note [Variance fast path])', async () => {
    if (!ctx.syncRead()) return; // devices without sync reads always take the scaled path (above)
    // rows: ordinary (the plain value), tiny (squares underflow), huge (squares overflow), a
    // large mean against a small spread (float32's mean is off by 0.25), constant 0.1
    const rows = [
      [1, -2, 3.5, 0.25],
      [1e-30, -1e-30, 2e-30, 0],
      [1e20, -1e20, 3e19, 0],
      [1e7 + 1, 1e7 + 2, 1e7 + 4, 1e7 + 8],
      [0.1, 0.1, 0.1, 0.1],
    ];
    const want = rows.map((r) => {
      const m = r.reduce((a, b) => a + Math.fround(b), 0) / r.length;
      return Math.sqrt(r.reduce((a, b) => a + (Math.fround(b) - m) ** 2, 0) / (r.length - 1));
    });
    const got = Array.from(await dl.tensor(rows, { device }).std(1).data());
    got.forEach((g, k) =>
      expect(Math.abs(g - Math.fround(want[k]!)), `row ${k}: ${g} vs ${want[k]}`).toBeLessThanOrEqual(Math.abs(want[k]!) * 1e-6),
    );
    expect(got[4]).toBe(0);
    // the same slices one at a time (each takes one path)
    for (const [k, r] of rows.entries()) expect(await dl.tensor(r, { device }).std().item(), `row ${k}`).toBe(got[k]);
    if (ctx.hasDType('float64')) {
      const tiny = await dl.tensor([1e-200, -1e-200], { device, dtype: 'float64' }).std().item();
      expect(tiny / (Math.SQRT2 * 1e-200)).toBeCloseTo(1, 12);
      const huge = await dl.tensor([1e200, -1e200], { device, dtype: 'float64' }).std().item(); // its squares overflow
      expect(huge / (Math.SQRT2 * 1e200)).toBeCloseTo(1, 12);
    }
  });

  t('mistaken arguments: typed errors naming the op and the value', async () => {
    const x = dl.ones([2], { device });
    for (const bad of [undefined, null, 'a', {}, [1, 2]]) {
      expectError(() => x.add(bad as never), dl.ArgumentError, 'add', "argument 'other'");
      expectError(() => dl.mul(bad as never, x), dl.ArgumentError, 'mul', "argument 'input'");
    }
    expectError(() => x.add(undefined as never, { alpha: 2 }), dl.ArgumentError, 'add', 'undefined');
    expectError(() => x.eq(null as never), dl.ArgumentError, 'eq', 'null');
    expectError(() => dl.where(x.gt(0), undefined as never, 1), dl.ArgumentError, 'where', 'undefined');
    expectError(() => x.sub([1, 2] as never), dl.ArgumentError, 'sub', 'dl.tensor');
    // scalar arguments: Number(undefined) would fill NaN, Number('3') hide the bug
    expectError(() => dl.full([2], undefined as never, { device }), dl.ArgumentError, 'full', 'undefined');
    expectError(() => dl.full([2], '3' as never, { device }), dl.ArgumentError, 'full', 'string "3"');
    expectError(() => x.clone().fill_(undefined as never), dl.ArgumentError, 'fill_', 'undefined');
    expectError(() => x.maskedFill(x.gt(0), null as never), dl.ArgumentError, 'maskedFill', 'null');
    expectError(() => x.clamp('a' as never, 1), dl.ArgumentError, 'clamp', 'min', 'string "a"');
    expectError(() => x.clamp(0, x as never), dl.ArgumentError, 'clamp', 'max', 'a Tensor', 'dl.minimum');
    expectError(() => dl.arange('5' as never, undefined, 1, { device }), dl.ArgumentError, 'arange', 'start', 'string "5"');
    expectError(() => x.sum('0' as never), dl.ArgumentError, 'sum', 'dim', 'string "0"');
    expect(await dl.full([2], true, { device }).data()).toEqual(new Uint8Array([1, 1]));
  });

  t('dl.tensor of non-numbers, ragged or self-containing data: typed errors', () => {
    expectError(() => dl.tensor(['a'] as never, { device }), dl.ArgumentError, 'tensor', 'string "a"', 'index [0]');
    expectError(
      () =>
        dl.tensor(
          [
            [1, 2],
            [3, 'b'],
          ] as never,
          { device },
        ),
      dl.ArgumentError,
      'tensor',
      'index [1, 1]',
    );
    expectError(
      () =>
        dl.tensor(
          [
            [1, 2],
            [3, 'b'],
          ] as never,
          { device, dtype: 'float32' },
        ),
      dl.ArgumentError,
      'tensor',
      'index [1, 1]',
    );
    expectError(() => dl.tensor([{}] as never, { device }), dl.ArgumentError, 'tensor', 'an object');
    expectError(() => dl.tensor([1, null] as never, { device }), dl.ArgumentError, 'tensor', 'null');
    expectError(() => dl.tensor([undefined] as never, { device }), dl.ArgumentError, 'tensor', 'undefined');
    expectError(() => dl.tensor(null as never, { device }), dl.ArgumentError, 'tensor', 'null');
    expectError(() => dl.tensor('12' as never, { device }), dl.ArgumentError, 'tensor', 'string');
    expectError(() => dl.tensor([[1, 2], [3]], { device }), dl.ShapeError, 'tensor', 'length 2');
    expectError(() => dl.tensor([[1, 2], 3] as never, { device }), dl.ShapeError, 'tensor');
    expectError(() => dl.tensor([1, [2, 3]] as never, { device }), dl.ShapeError, 'tensor', 'sequence');
    const loop: unknown[] = [];
    loop.push(loop);
    expectError(() => dl.tensor(loop as never, { device }), dl.ArgumentError, 'tensor', 'nested more than');
  });

  t('sizes from users: validated once, before anything is allocated', () => {
    expectError(() => dl.zeros([1e5, 1e5], { device }), dl.ArgumentError, 'zeros', '[100000, 100000]', '10000000000', String(dl.MAX_NUMEL));
    expectError(() => dl.ones(1e5, 1e5, { device }), dl.ArgumentError, 'ones', '10000000000');
    expectError(() => dl.rand([1e6, 1e6], { device }), dl.ArgumentError, 'rand', '1000000000000');
    expectError(() => dl.arange(0, 1e12, 1, { device }), dl.ArgumentError, 'arange', '1000000000000');
    expectError(() => dl.linspace(0, 1, 1e12, { device }), dl.ArgumentError, 'linspace', '1000000000000');
    expectError(() => dl.randperm(-1, { device }), dl.ArgumentError, 'randperm', '-1');
    expectError(() => dl.randperm(2.5, { device }), dl.ArgumentError, 'randperm', '2.5');
    expectError(() => dl.eye(-1, undefined, { device }), dl.ArgumentError, 'eye', '-1');
    expectError(() => dl.eye(2, 1.5, { device }), dl.ArgumentError, 'eye', '1.5');
    expectError(() => dl.eye(1e5, 1e5, { device }), dl.ArgumentError, 'eye', '10000000000');
    expectError(() => dl.zeros([2, NaN], { device }), dl.ArgumentError, 'zeros', 'NaN');
    expectError(() => dl.zeros([2, '3'] as never, { device }), dl.ArgumentError, 'zeros', 'string "3"');
    expectError(() => dl.full([1.5], 1, { device }), dl.ArgumentError, 'full', '1.5');
    expectError(() => dl.fromArray(new Float32Array(6), [1.5, 4], { device }), dl.ArgumentError, 'fromArray', '[1.5, 4]');
    expectError(() => dl.fromArray(new Float32Array(6), [-2, -3], { device }), dl.ArgumentError, 'fromArray', '-2');
    expectError(() => dl.fromArray([1, 2] as never, [2], { device }), dl.ArgumentError, 'fromArray', 'typed array');
    const x = dl.ones([6], { device });
    expectError(() => x.view(1.5, 4), dl.ShapeError, 'view', '1.5');
    expectError(() => x.reshape([NaN, 6]), dl.ShapeError, 'reshape', 'NaN');
    expectError(() => dl.ones([1], { device }).expand(1.5), dl.ShapeError, 'expand', '1.5');
    expectError(() => dl.ones([1], { device }).expand(-2), dl.ShapeError, 'expand', '-2');
    expectError(() => x.narrow(0, 0, 1.5), dl.ArgumentError, 'narrow', 'length', '1.5');
    expectError(() => x.narrow(0, 0.5, 2), dl.ArgumentError, 'narrow', 'start', '0.5');
    expectError(() => x.split(1.5), dl.ArgumentError, 'split', '1.5');
    expectError(() => x.split([2.5, 3.5]), dl.ArgumentError, 'split', '2.5');
    expectError(() => dl.randint(0, 3, [2, -1], { device }), dl.ArgumentError, 'randint', '-1');
    expect(dl.randint(0, 3, 5 as never, { device }).shape).toEqual([5]);
    // huge views are fine (no memory), materialising them is not
    const big = dl.ones([1], { device }).expand(1e5, 1e5);
    expect(big.shape).toEqual([1e5, 1e5]);
    expectError(() => big.contiguous(), dl.ArgumentError, '[100000, 100000]', '10000000000');
  });

  t('linspace, empty sizes and legal edge sizes still work', async () => {
    expect(await dl.zeros([0, 3], { device }).data()).toEqual(new Float32Array(0));
    expect(dl.eye(0, undefined, { device }).shape).toEqual([0, 0]);
    expect(dl.randperm(0, { device }).shape).toEqual([0]);
    expect(dl.fromArray(new Float32Array(0), [0, 4], { device }).shape).toEqual([0, 4]);
    expect(await dl.linspace(-1, 1, 1, { device }).data()).toEqual(new Float32Array([-1]));
  });

  t('integer tensors compared with scalars outside their range: exact answers (Note [Comparing with out-of-range scalars])', async () => {
    const x = dl.tensor([1, -5, 2147483647], { dtype: 'int32', device });
    const all = (v: boolean) => [v, v, v];
    // torch.tensor([1, -5, 2**31-1], dtype=torch.int32).le(3e9) is all True (compared in float32)
    for (const s of [3e9, 2 ** 31, 1e38]) {
      expect(await x.le(s).toArray()).toEqual(all(true));
      expect(await x.lt(s).toArray()).toEqual(all(true));
      expect(await x.gt(s).toArray()).toEqual(all(false));
      expect(await x.ge(s).toArray()).toEqual(all(false));
      expect(await x.eq(s).toArray()).toEqual(all(false));
      expect(await x.ne(s).toArray()).toEqual(all(true));
    }
    for (const s of [-3e9, -(2 ** 31) - 1]) {
      expect(await x.le(s).toArray()).toEqual(all(false));
      expect(await x.gt(s).toArray()).toEqual(all(true));
      expect(await x.ge(s).toArray()).toEqual(all(true));
      expect(await x.eq(s).toArray()).toEqual(all(false));
    }
    // the scalar first, out=, uint8 and bool tensors (promoted to int32), and in-range scalars unchanged
    expect(await dl.lt(3e9, x).toArray()).toEqual(all(false));
    expect(await dl.ge(3e9, x).toArray()).toEqual(all(true));
    const out = dl.zeros([3], { dtype: 'bool', device });
    dl.le(x, 3e9, { out });
    expect(await out.toArray()).toEqual(all(true));
    expect(await dl.tensor([1, 200], { dtype: 'uint8', device }).le(300).toArray()).toEqual([true, true]);
    expect(await dl.tensor([1, 200], { dtype: 'uint8', device }).gt(-1).toArray()).toEqual([true, true]);
    expect(
      await dl
        .tensor([true, false], { device })
        .lt(2 ** 40)
        .toArray(),
    ).toEqual([true, true]);
    expect(await x.le(2147483647).toArray()).toEqual(all(true));
    expect(await x.eq(2147483647).toArray()).toEqual([false, false, true]);
    expect(await x.ge(-5).toArray()).toEqual([true, true, true]);
    expect(await x.lt(2.5).toArray()).toEqual([true, true, false]);
    expect(x.le(3e9).shape).toEqual([3]);
    expect(dl.tensor([[1]], { dtype: 'int32', device }).le(3e9).shape).toEqual([1, 1]);
  });
}
