import { expect } from 'vitest';
import * as dl from '../everything.js';
import type { SuiteContext } from './suite.js';

type ErrorClass = new (...args: never[]) => Error;

/** Expect `fn` to throw `cls` whose message contains every fragment (op name, shapes…). */
export function expectError(fn: () => unknown, cls: ErrorClass, ...fragments: (string | RegExp)[]): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, `expected ${cls.name}`).toBeInstanceOf(cls);
  const err = caught as Error;
  expect(err).toBeInstanceOf(dl.DLError);
  for (const f of fragments) {
    if (typeof f === 'string') expect(err.message).toContain(f);
    else expect(err.message).toMatch(f);
  }
  return err;
}

export function registerErrors(ctx: SuiteContext): void {
  const { device } = ctx;
  const t = ctx.test.bind(ctx);
  const f32 = (shape: number[]) => dl.ones(shape, { device });

  t('wrong shapes: ShapeError naming the op and the shapes', () => {
    const e = expectError(() => dl.add(f32([2, 3]), f32([4])), dl.ShapeError, 'add', '[2, 3]', '[4]');
    expect((e as dl.DLError).op).toBe('add');
    expectError(() => f32([2, 3]).mul(f32([3, 2])), dl.ShapeError, 'mul', '[2, 3]', '[3, 2]');
    expectError(() => dl.where(f32([2]).gt(0), f32([3]), 0), dl.ShapeError, 'where', '[2]', '[3]');
    expectError(() => dl.matmul(f32([2, 3]), f32([4, 5])), dl.ShapeError, 'matmul', '[2, 3]', '[4, 5]');
    expectError(() => dl.matmul(f32([7, 2, 3]), f32([4, 5])), dl.ShapeError, 'matmul', '[7, 2, 3]', '[4, 5]');
    expectError(() => dl.mm(f32([2, 3]), f32([4, 5])), dl.ShapeError, 'mm', '[2, 3]', '[4, 5]');
    expectError(() => dl.bmm(f32([2, 2, 3]), f32([3, 3, 1])), dl.ShapeError, 'bmm', '[2, 2, 3]', '[3, 3, 1]');
    expectError(() => f32([15]).view(4, 4), dl.ShapeError, 'view', '[4, 4]', '15');
    expectError(() => f32([15]).reshape(-1, 4), dl.ShapeError, 'reshape', '[-1, 4]', '15');
    expectError(() => f32([2, 3]).expand(4, 3, 2), dl.ShapeError, 'expand', '[4, 3, 2]', '[2, 3]');
    expectError(() => dl.cat([f32([2, 3]), f32([2, 4])], 0), dl.ShapeError, 'cat', '[2, 3]', '[2, 4]');
    expectError(() => dl.stack([f32([2]), f32([3])]), dl.ShapeError, 'stack', '[2]', '[3]');
    expectError(() => f32([2, 3]).permute(0, 0), dl.ShapeError, 'permute', '[2, 3]');
    expectError(() => f32([3]).add_(f32([2, 3])), dl.ShapeError, 'add_', '[3]', '[2, 3]');
    expectError(() => dl.add(f32([2]), f32([2]), { out: f32([3]) }), dl.ShapeError, 'add', '[3]', '[2]');
    expectError(() => f32([5, 4]).split([2, 2], 0), dl.ShapeError, 'split', '5');
    expectError(() => dl.tensor([[1, 2], [3]]), dl.ShapeError, 'tensor');
    expectError(() => f32([2, 3]).gather(1, dl.zeros([2], { device, dtype: 'int32' })), dl.ShapeError, 'gather', '[2]', '[2, 3]');
  });

  t('wrong dtypes: DTypeError naming the op and dtypes', () => {
    const idx = dl.tensor([0.0, 1.5], { device });
    expectError(() => f32([3]).gather(0, idx), dl.DTypeError, 'gather', 'float32');
    expectError(() => f32([3]).indexSelect(0, idx), dl.DTypeError, 'indexSelect', 'float32');
    expectError(() => dl.where(f32([2]), f32([2]), 0), dl.DTypeError, 'where', 'float32');
    expectError(() => dl.mm(f32([2, 2]), dl.ones([2, 2], { device, dtype: 'int32' })), dl.DTypeError, 'mm', 'float32', 'int32');
    expectError(() => dl.ones([2], { device, dtype: 'int32' }).mean(), dl.DTypeError, 'mean', 'int32');
    expectError(() => dl.tensor([true], { device }).neg(), dl.DTypeError, 'neg', 'bool');
    expectError(() => dl.sub(dl.tensor([true], { device }), dl.tensor([false], { device })), dl.DTypeError, 'sub', 'bool');
    expectError(() => dl.ones([2], { device, dtype: 'int32', requiresGrad: true }), dl.DTypeError, 'int32');
    // a name that is no dtype at all, a torch dtype dl lacks, and 'int64', which is accepted and stored as int32 (Note [int64 is int32])
    expectError(() => dl.zeros([2], { device, dtype: 'int128' as never }), dl.DTypeError, 'zeros', 'unknown dtype', 'int128');
    expectError(() => dl.tensor([1], { device, dtype: 'flaot32' as never }), dl.DTypeError, 'tensor', 'flaot32');
    expectError(() => dl.zeros([2], { device, dtype: 'bfloat16' as never }), dl.DTypeError, 'bfloat16');
    expect(dl.zeros([2], { device, dtype: 'int64' }).dtype).toBe('int32');
    expect(dl.ones([2], { device, dtype: 'long' }).dtype).toBe('int32');
    expectError(() => dl.rand([2], { device, dtype: 'int32' }), dl.DTypeError, 'rand', 'int32');
  });

  t('devices: unknown device and mismatched devices give DeviceError', () => {
    expectError(() => dl.ones([2], { device: 'nope' }), dl.DeviceError, "'nope'");
    // to() with a string that is neither a dtype nor a device (a typo) says both, not "device … not available"
    expectError(() => f32([2]).to('flaot32'), dl.ArgumentError, 'to', "'flaot32'", 'neither a dtype nor a device');
    const other = ctx.otherDevice;
    if (!other || !dl.listDevices().includes(other)) return;
    const a = f32([2]);
    const b = dl.ones([2], { device: other });
    expectError(() => a.add(b), dl.DeviceError, 'add', device, other);
    expectError(() => dl.matmul(f32([2, 2]), dl.ones([2, 2], { device: other })), dl.DeviceError, device, other);
    expectError(() => dl.cat([a, b]), dl.DeviceError, 'cat');
  });

  t('out-of-range indices and dims: IndexError', () => {
    const x = f32([4, 3]);
    expectError(() => x.select(0, 4), dl.IndexError, 'select', '4', 'size 4');
    expectError(() => x.at(5), dl.IndexError, 'at', '5', 'size 4');
    expectError(() => x.at(0, 0, 0), dl.IndexError, 'at', 'too many indices');
    expectError(() => x.at(':', -4), dl.IndexError, 'at', '-4');
    expectError(() => x.sum(2), dl.IndexError, 'sum', 'dimension out of range');
    expectError(() => x.softmax(-3), dl.IndexError, 'softmax', '-3');
    expectError(() => x.transpose(0, 2), dl.IndexError, 'transpose');
    expectError(() => x.unsqueeze(4), dl.IndexError, 'unsqueeze');
    expectError(() => x.narrow(0, 2, 3), dl.IndexError, 'narrow', '[4, 3]');
    expectError(() => x.size(2), dl.IndexError, 'size');
    expectError(() => x.at('1:2:3:4'), dl.IndexError, 'at', "'1:2:3:4'");
    expectError(() => x.at('a:'), dl.IndexError, 'at', 'invalid slice');
    expectError(() => x.at('::-1'), dl.IndexError, 'at', 'step');
    expectError(() => x.at(1.5), dl.IndexError, 'at', '1.5');
    expectError(() => x.at('...', '...'), dl.IndexError, 'at', 'ellipsis');
    expectError(() => dl.ones([], { device }).at(0), dl.IndexError, 'at', 'too many indices');
  });

  t('bad arguments: ArgumentError', () => {
    expectError(() => dl.arange(0, 5, 0), dl.ArgumentError, 'arange');
    expectError(() => f32([4]).chunk(0), dl.ArgumentError, 'chunk');
    expectError(() => f32([4]).split(0), dl.ArgumentError, 'split');
    expectError(() => f32([4]).clamp(), dl.ArgumentError, 'clamp');
    expectError(() => f32([4]).topk(5), dl.ArgumentError, 'topk', '5', '4');
    expectError(() => dl.zeros([2, -1], { device }), dl.ArgumentError, 'zeros');
    expectError(() => dl.cat([]), dl.ArgumentError, 'cat');
    expectError(() => dl.randint(3, 3, [2], { device }), dl.ArgumentError, 'randint');
    expectError(() => f32([2, 2]).sum([0, 0]), dl.ArgumentError, 'sum');
    expectError(() => dl.add(f32([2]), 'x' as never), dl.ArgumentError, 'add');
    expectError(() => dl.manualSeed(0.5), dl.ArgumentError, 'manualSeed');
  });

  t('item() on a tensor with several elements', async () => {
    await expect(f32([2]).item()).rejects.toBeInstanceOf(dl.DLError);
    await expect(f32([2]).item()).rejects.toThrow(/item.*2 elements/);
  });

  t('disposed tensors: StateError naming the op', async () => {
    const x = f32([2, 2]);
    x.dispose();
    expectError(() => x.add(1), dl.StateError, 'add', 'disposed', '[2, 2]');
    expectError(() => x.exp(), dl.StateError, 'exp', 'disposed');
    expectError(() => x.sum(), dl.StateError, 'disposed');
    expectError(() => x.view(4), dl.StateError, 'disposed');
    expectError(() => x.matmul(f32([2, 2])), dl.StateError, 'disposed');
    await expect(x.data()).rejects.toBeInstanceOf(dl.StateError);
    x.dispose(); // twice is fine
  });
}
