/**
 * Note [Device value checks] end to end: what cpu raises at once after scanning values on the host
 * (oneHot labels, BCE probabilities, advanced-indexing indices, float → int casts) raises on
 * webgpu at the next read, with cpu's message, for the first bad element; the device keeps working.
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn } from '@dl/nn';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
afterAll(() => be?.destroy());

const device = 'webgpu';
const idx = (v: number | number[] | number[][]) => dl.tensor(v, { device, dtype: 'int32' });

/** The error `p` rejects with (fails the test when it resolves). */
async function rejection(p: Promise<unknown>): Promise<dl.DLError> {
  try {
    await p;
  } catch (e) {
    return e as dl.DLError;
  }
  throw new Error('expected the read to reject');
}

/** The message without its hint (the hint says where webgpu raises). */
const firstLine = (e: Error) => e.message.split('\n')[0];

/** The error cpu throws for `f` (fails the test when it returns). */
function cpuError(f: () => unknown): dl.DLError {
  try {
    f();
  } catch (e) {
    return e as dl.DLError;
  }
  throw new Error('expected cpu to throw');
}

describe.runIf(be)('webgpu: device value checks raise at the next read, as cpu raises', () => {
  it('oneHot: labels >= numClasses or negative raise with cpu message; valid labels are encoded', async () => {
    const e = await rejection(dl.oneHot(idx([0, 5, 7]), 3).data());
    expect(e).toBeInstanceOf(dl.IndexError);
    expect(e.op).toBe('oneHot');
    expect(firstLine(e)).toBe(firstLine(cpuError(() => dl.oneHot(dl.tensor([0, 5, 7], { dtype: 'int32' }), 3))));
    expect(e.message).toContain('oneHot: class values must be smaller than num_classes; got 5 with numClasses 3');
    expect(e.hint).toMatch(/next read/);
    const e2 = await rejection(
      F.oneHot(
        idx([
          [1, 0],
          [-2, 1],
        ]),
        2,
      ).data(),
    );
    expect(e2.message).toContain('oneHot: class values must be non-negative; got -2 with numClasses 2');
    // reported once; valid labels work afterwards
    expect(await dl.oneHot(idx([2, 0]), 3).toArray()).toEqual([
      [0, 0, 1],
      [1, 0, 0],
    ]);
  });

  it('binaryCrossEntropy: inputs outside [0, 1] or NaN raise ArgumentError; 0 and 1 are valid', async () => {
    const y = dl.tensor([1, 0], { device });
    const e = await rejection(F.binaryCrossEntropy(dl.tensor([0.5, 1.5], { device }), y).item());
    expect(e).toBeInstanceOf(dl.ArgumentError);
    expect(firstLine(e)).toBe('binaryCrossEntropy: all elements of input should be between 0 and 1');
    expect(e.hint).toMatch(/sigmoid.*next read/);
    const e2 = await rejection(new nn.BCELoss()(dl.tensor([NaN, 0.5], { device }), y).item());
    expect(e2.message).toContain('all elements of input should be between 0 and 1');
    const e3 = await rejection(F.binaryCrossEntropy(dl.tensor([-1e-7, 0.5], { device }), y, { reduction: 'none' }).data());
    expect(e3).toBeInstanceOf(dl.ArgumentError);
    // valid probabilities (0 and 1 included) give cpu's loss
    const p = [0, 1, 0.25, 0.75];
    const t = [1, 1, 0, 1];
    const gpu = await F.binaryCrossEntropy(dl.tensor(p, { device }), dl.tensor(t, { device })).item();
    expect(gpu).toBeCloseTo(F.binaryCrossEntropy(dl.tensor(p), dl.tensor(t)).itemSync(), 4);
  });

  it('at() with several index tensors: each is checked against its own dim, before they are merged', async () => {
    const x = dl.arange(0, 6, 1, { device }).reshape(2, 3);
    // x[[0], [3]]: merged into linear index 3, it would silently read x[1, 0]
    const e = await rejection(x.at(idx([0]), idx([3])).data());
    expect(e).toBeInstanceOf(dl.IndexError);
    expect(e.message).toContain('at: index 3 is out of bounds for dimension 1 with size 3');
    const cpuX = dl.arange(0, 6, 1).reshape(2, 3);
    expect(firstLine(e)).toBe(firstLine(cpuError(() => cpuX.at(dl.tensor([0], { dtype: 'int32' }), dl.tensor([3], { dtype: 'int32' })))));
    // a bad negative index names the user's value, not the wrapped one
    const e2 = await rejection(x.at(idx([-3, 0]), idx([0, 0])).data());
    expect(e2.message).toContain('at: index -3 is out of bounds for dimension 0 with size 2');
    const e3 = await rejection(x.at(':', idx([-4])).data());
    expect(e3.message).toContain('at: index -4 is out of bounds for dimension 1 with size 3');
    // a 0-d index tensor (applied as a select on the device)
    const e4 = await rejection(x.at(idx(-3)).data());
    expect(e4.message).toContain('at: index -3 is out of bounds for dimension 0 with size 2');
    // indexPut_ runs the same check
    const e5 = await rejection(
      dl
        .zeros([2, 3], { device })
        .indexPut_([idx([1]), idx([5])], 1)
        .data(),
    );
    expect(e5.message).toContain('index 5 is out of bounds for dimension 1 with size 3');
    // in range (negatives wrap once): values as torch
    expect(await x.at(idx([-1, 0]), idx([-1, 1])).toArray()).toEqual([5, 1]);
    expect(await x.at(idx(-1)).toArray()).toEqual([3, 4, 5]);
  });

  it('float -> int casts of NaN, inf or out-of-range values raise DTypeError with cpu message', async () => {
    const vals = [1.5, -2147483648, NaN, 3e10];
    const e = await rejection(dl.tensor(vals, { device }).to('int32').data());
    expect(e).toBeInstanceOf(dl.DTypeError);
    expect(firstLine(e)).toBe(firstLine(cpuError(() => dl.tensor(vals).to('int32'))));
    expect(e.message).toContain('to: value NaN at flat index 2 cannot be converted to type int32 without overflow');
    const e2 = await rejection(dl.tensor([Infinity], { device }).long().data());
    expect(e2.message).toContain('value Infinity at flat index 0 cannot be converted to type int64');
    expect(e2.message).toContain('dl stores int64 as int32');
    const e3 = await rejection(dl.tensor([255.9, 256], { device }).byte().data());
    expect(e3.message).toContain('value 256 at flat index 1 cannot be converted to type uint8');
    expect((await rejection(dl.tensor([-1], { device }).to('uint8').data())).message).toContain('value -1 at flat index 0');
    // the first bad element in the tensor's (logical) order, for a non-contiguous input
    const pt = dl
      .tensor(
        [
          [0, 2e10],
          [-3e10, 0],
        ],
        { device },
      )
      .t(); // logical order: 0, -3e10, 2e10, 0
    expect((await rejection(pt.int().data())).message).toContain('value -30000001024 at flat index 1');
    // in range (truncation toward zero, as torch): no error
    expect(await dl.tensor([-2147483648, 2147483520, -0.9, 1.9], { device }).int().toArray()).toEqual([-2147483648, 2147483520, 0, 1]);
    expect(await dl.tensor([255.9, -0.5], { device }).byte().toArray()).toEqual([255, 0]);
    // integer -> narrower integer wraps as torch (not a float cast)
    expect(await dl.tensor([300], { device, dtype: 'int32' }).to('uint8').toArray()).toEqual([44]);
  });

  it('crossEntropy / nllLoss targets: cpu message for the first bad target; ignoreIndex is never an error', async () => {
    const logits = dl.randn([4, 3], { device });
    const e = await rejection(F.crossEntropy(logits, idx([0, 7, 3, -100])).item());
    expect(e).toBeInstanceOf(dl.IndexError);
    expect(firstLine(e)).toBe(firstLine(cpuError(() => F.crossEntropy(dl.randn([4, 3]), dl.tensor([0, 7, 3, -100], { dtype: 'int32' })))));
    expect(e.message).toContain('Target 7 is out of bounds (the input has 3 classes)');
    const e2 = await rejection(F.nllLoss(logits.logSoftmax(1), idx([1, 1, -1, 2]), { ignoreIndex: 5 }).item());
    expect(e2.message).toContain('nllLoss: Target -1 is out of bounds');
    // ignored targets (the default -100, or a custom ignoreIndex even outside [0, C)) are fine
    await expect(F.crossEntropy(logits, idx([-100, 2, -100, 0])).item()).resolves.toBeTypeOf('number');
    const cpuLogits = await logits.toAsync('cpu');
    const ok = await F.nllLoss(logits.logSoftmax(1), idx([9, 1, 9, 2]), { ignoreIndex: 9 }).item();
    expect(ok).toBeCloseTo(
      F.nllLoss(cpuLogits.logSoftmax(1), dl.tensor([9, 1, 9, 2], { dtype: 'int32' }), { ignoreIndex: 9 }).itemSync(),
      5,
    );
  });

  it('embedding ids out of range: cpu message with the first bad id', async () => {
    const table = dl.randn([4, 2], { device });
    const e = await rejection(
      F.embedding(
        idx([
          [1, 6],
          [-1, 0],
        ]),
        table,
      ).data(),
    );
    expect(e).toBeInstanceOf(dl.IndexError);
    expect(e.message).toContain('embedding: index 6 is out of range for an embedding table of 4 rows');
    expect(await F.embedding(idx([3, 0]), table).toArray()).toEqual([await table.at(3).toArray(), await table.at(0).toArray()]);
  });

  it('clipGradNorm_ with errorIfNonfinite: a NaN or inf total norm raises at the next read, as cpu raises at once', async () => {
    const p = dl.ones([3], { device, requiresGrad: true });
    p.mul(dl.tensor([1, Infinity, 1], { device }))
      .sum()
      .backward();
    nn.utils.clipGradNorm_([p], 1, 2, { errorIfNonfinite: true });
    const e = await rejection(webgpu.sync());
    expect(e).toBeInstanceOf(dl.ArgumentError);
    expect(e.message).toContain('clipGradNorm_: the total norm of order 2 for gradients is non-finite');
    const q = dl.ones([2], { device, requiresGrad: true });
    q.mul(3).sum().backward();
    const total = nn.utils.clipGradNorm_([q], 1, 2, { errorIfNonfinite: true });
    expect(await total.item()).toBeCloseTo(Math.sqrt(18), 4);
  });

  it('a check error surfaces at a read of an unrelated tensor, once; the first failing check wins', async () => {
    dl.tensor([NaN], { device }).int();
    dl.oneHot(idx([9]), 3);
    const other = dl.ones([2], { device }).mul(2);
    const e = await rejection(other.data());
    expect(e).toBeInstanceOf(dl.DTypeError);
    expect(await other.toArray()).toEqual([2, 2]);
    await expect(webgpu.sync()).resolves.toBeUndefined();
    // after an error, a later check reports again
    dl.oneHot(idx([4]), 3);
    const e2 = await rejection(webgpu.sync());
    expect(e2.message).toContain('got 4 with numClasses 3');
  });
});
