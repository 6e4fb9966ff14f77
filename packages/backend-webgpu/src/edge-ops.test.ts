/**
 * Edge classes of issue 11 in webgpu's elementwise kernels, against torch 1.13: float remainder
 * of huge / tiny operands (exact fmod, fixtures/edge.json), integer remainder by zero (raises at
 * the next read, Note [Deferred GPU errors]), int32 sums that leave int32 (raise at the next
 * read, as cpu; torch sums into int64; prod and cumsum too), clamp with min > max and with NaN bounds, conv2d's zero
 * padding meeting an inf weight or gradient.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import * as dl from '@dl/tensor';
import { webgpu } from './index.js';
import { download, empty, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu(webgpu);
afterAll(() => be?.destroy());

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));
const edge = JSON.parse(readFileSync(new URL('./fixtures/edge.json', import.meta.url), 'utf8')) as {
  remainder: Record<'a' | 'b' | 'out', Num[]>;
  clampNan: Record<'x' | 'min_nan' | 'max_nan' | 'min_nan_max_1' | 'min_0_max_nan', Num[]>;
  convPadding: Record<'x' | 'w' | 'out' | 'g' | 'grad_w', Num[]>;
};
const rem = edge.remainder;
/** Equal as torch prints them: NaN matches NaN, the sign of zero is ignored. */
const same = (got: ArrayLike<number>, want: readonly Num[]) =>
  Array.from(got).map((v, i) => (Number.isNaN(v) && Number.isNaN(num(want[i]!))) || v === num(want[i]!));
const device = 'webgpu';

describe.runIf(be)('webgpu edge ops vs torch', () => {
  const gpu = be!;

  it(`float remainder of ${rem.a.length} pairs from 1e-42 to 3e38 is bit-exact (1e20 % 3 = 2)`, async () => {
    const a = rem.a.map(num);
    const b = rem.b.map(num);
    const out = empty(gpu, 'float32', [a.length]);
    gpu.binary('remainder', upload(gpu, 'float32', a), upload(gpu, 'float32', b), out);
    const got = await download(gpu, out);
    const want = rem.out.map(num);
    const bad = got.flatMap((g, i) => (Object.is(g, want[i]) ? [] : [`remainder(${a[i]}, ${b[i]}) = ${g}, torch ${want[i]}`]));
    expect(bad).toEqual([]);
  });

  it('integer remainder by zero raises ArgumentError at the next read, once', async () => {
    const a = dl.tensor([5, -5, 7], { device, dtype: 'int32' });
    const r = a.remainder(dl.tensor([2, 0, 3], { device, dtype: 'int32' }));
    let err: unknown;
    try {
      await r.data();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(dl.ArgumentError);
    expect((err as Error).message).toContain('remainder: integer division by zero (ZeroDivisionError)');
    expect(Array.from(await r.data())).toEqual([1, 0, 1]); // reported once (the zero-divisor slot is not valid)
    expect(await a.remainder(dl.tensor([3, -3, 4], { device, dtype: 'int32' })).toArray()).toEqual([2, -2, 3]);
    // float remainder by zero is NaN, no error
    expect(Number.isNaN((await dl.tensor([1], { device }).remainder(0).data())[0]!)).toBe(true);
  });

  it('clamp with min > max gives max everywhere (NaN stays), floats and ints', async () => {
    const x = dl.tensor([-1, 0.5, 3, NaN], { device });
    const c = Array.from(await x.clamp(2, 1).data());
    expect(c.slice(0, 3)).toEqual([1, 1, 1]);
    expect(Number.isNaN(c[3]!)).toBe(true);
    expect(await dl.tensor([1, 5], { device, dtype: 'int32' }).clamp(3, 2).toArray()).toEqual([2, 2]);
  });

  it('int32 sum: exact through intermediate overflow; a result outside int32 raises DTypeError at the next read', async () => {
    const i32 = (v: number[]) => dl.tensor(v, { device, dtype: 'int32' });
    expect(await i32([2147483647, 1, -1]).sum().item()).toBe(2147483647);
    expect(await i32([-2147483648, -5, 5]).sum().item()).toBe(-2147483648);
    const overflow = async (p: Promise<unknown>, total: string) => {
      let err: unknown;
      try {
        await p;
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(dl.DTypeError);
      expect((err as Error).message).toContain(`reaches ${total}, which overflows int32`);
    };
    await overflow(i32([2147483647, 1]).sum().item(), '2147483648');
    await overflow(i32([-2147483648, -1]).sum().item(), '-2147483649');
    // long rows take the workgroup-tree kernel: 1000 x 5e6 = 5e9; 1000 x 2e6 = 2e9 fits
    await overflow(dl.full([1000], 5e6, { device, dtype: 'int32' }).sum().item(), '5000000000');
    expect(await dl.full([1000], 2e6, { device, dtype: 'int32' }).sum().item()).toBe(2e9);
    // per row, along a dim; and bool / uint8 sums count
    await overflow(i32([1, 2, 2147483647, 2147483647]).reshape(2, 2).sum(1).data(), '4294967294');
    expect(await i32([1, 2, 2147483647, -7]).reshape(2, 2).sum(1).toArray()).toEqual([3, 2147483640]);
    expect(await dl.tensor([true, false, true], { device }).sum().item()).toBe(2);
  });

  it('clamp with a NaN bound as torch 1.13: alone it is ignored; with both bounds given, every element is NaN', async () => {
    const c = edge.clampNan;
    const x = dl.tensor(c.x.map(num), { device });
    expect(same(await x.clamp(NaN).data(), c.min_nan)).toEqual([true, true, true, true]);
    expect(same(await x.clamp(null, NaN).data(), c.max_nan)).toEqual([true, true, true, true]);
    expect(same(await x.clamp(NaN, 1).data(), c.min_nan_max_1)).toEqual([true, true, true, true]);
    expect(same(await x.clamp(0, NaN).data(), c.min_0_max_nan)).toEqual([true, true, true, true]);
  });

  it('conv2d: zero padding times an inf weight / an inf output gradient is NaN, as torch (forward and weight gradient)', async () => {
    const c = edge.convPadding;
    const p = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } as const;
    const x = upload(gpu, 'float32', c.x.map(num), [1, 1, 3, 3]);
    const out = empty(gpu, 'float32', [1, 1, 3, 3]);
    gpu.conv2d(x, upload(gpu, 'float32', c.w.map(num), [1, 1, 3, 3]), null, out, p as never);
    expect(same(await download(gpu, out), c.out)).toEqual(Array(9).fill(true));
    const gw = empty(gpu, 'float32', [1, 1, 3, 3]);
    gpu.conv2dBackwardWeight(upload(gpu, 'float32', c.g.map(num), [1, 1, 3, 3]), x, gw, p as never);
    expect(same(await download(gpu, gw), c.grad_w)).toEqual(Array(9).fill(true));
  });

  it('int32 prod and cumsum leaving int32 raise DTypeError at the next read (exact up to the int32 bounds)', async () => {
    const i32 = (v: number[]) => dl.tensor(v, { device, dtype: 'int32' });
    const raises = async (p: Promise<unknown>, ...parts: string[]) => {
      let err: unknown;
      try {
        await p;
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(dl.DTypeError);
      for (const part of parts) expect((err as Error).message).toContain(part);
    };
    await raises(
      i32([65536, 32768]).prod().item(),
      'prod: the product of the int32 tensor of shape [2] reaches about 2147483648',
      'overflows int32',
    );
    await raises(i32([46341, 46341]).prod().item(), 'overflows int32');
    expect(await i32([-65536, 32768]).prod().item()).toBe(-2147483648);
    expect(await i32([65536, 65536, 0]).prod().item()).toBe(0); // a zero factor: exactly 0, as torch
    expect(await i32([-3, 5, 7]).prod().item()).toBe(-105);
    await raises(dl.full([200], 2, { device, dtype: 'int32' }).prod().item(), 'more than 3.4e38');
    expect(await dl.full([300], 1, { device, dtype: 'int32' }).prod().item()).toBe(1);
    await raises(i32([2147483647, 1, -5]).cumsum(0).data(), 'cumsum: the sum of the int32 tensor of shape [3] reaches 2147483648');
    expect(await i32([2147483647, -1, 1]).cumsum(0).toArray()).toEqual([2147483647, 2147483646, 2147483647]);
    expect(await i32([-2147483648, 5, -5]).cumsum(0).toArray()).toEqual([-2147483648, -2147483643, -2147483648]);
  });
});
