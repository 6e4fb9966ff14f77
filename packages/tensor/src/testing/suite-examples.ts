import { expect } from 'vitest';
import * as dl from '../everything.js';
import type { Tensor } from '../tensor.js';
import type { SuiteContext } from './suite.js';

const arr = async (t: Tensor): Promise<number[]> => Array.from(await t.data());

/** x[i, j] read through the storage: `storage[offset + stride0*i + stride1*j]`. */
function viaStrides(storage: ArrayLike<number>, v: Tensor, idx: number[]): number {
  let p = v.storageOffset();
  idx.forEach((k, d) => (p += k * v.stride(d)));
  return storage[p]!;
}

export function registerExamples(ctx: SuiteContext): void {
  const { device } = ctx;
  const t = ctx.test.bind(ctx);
  const ar16 = () => dl.arange(16, undefined, 1, { device, dtype: 'float32' });

  t('view sizes: x.view(16), x.view(-1, 8), x.view(4, 4)', async () => {
    const x = ar16().view(4, 4);
    expect(x.view(16).shape).toEqual([16]);
    expect(x.view(-1, 8).shape).toEqual([2, 8]);
    expect(x.view(-1, 8).size()).toEqual([2, 8]);
    expect(x.view(16).size(0)).toBe(16);
    expect(x.view(2, -1, 2).shape).toEqual([2, 4, 2]);
    expect(await arr(x.view(-1, 8).at(1))).toEqual([8, 9, 10, 11, 12, 13, 14, 15]);
  });

  t('views share storage: writing through a view changes the base', async () => {
    const x = ar16().view(4, 4);
    const v = x.view(16);
    v.at('3:5').fill_(-1);
    expect((await arr(x)).slice(0, 6)).toEqual([0, 1, 2, -1, -1, 5]);
  });

  t('in place: y.add_(x) returns y and updates its views', async () => {
    const x = dl.ones([4, 4], { device });
    const y = ar16().view(4, 4);
    const col = y.at(':', 0);
    const r = y.add_(x);
    expect(r).toBe(y);
    expect(await arr(y)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(await arr(col)).toEqual([1, 5, 9, 13]);
    y.mul_(2).sub_(1, { alpha: 2 });
    expect((await arr(y)).slice(0, 3)).toEqual([0, 2, 4]);
  });

  t('in place with broadcasting and scalars', async () => {
    const y = dl.zeros([2, 3], { device });
    y.add_(dl.tensor([1, 2, 3], { device, dtype: 'float32' }));
    y.mul_(dl.tensor([[1], [10]], { device, dtype: 'float32' }));
    y.neg_().abs_().clamp_(0, 25);
    expect(await arr(y)).toEqual([1, 2, 3, 10, 20, 25]);
  });

  t('in place on a strided view writes only the view', async () => {
    const x = dl.zeros([3, 4], { device });
    const v = x.at(':', '1::2');
    v.add_(5);
    v.relu_().mul_(v.clone()).sqrt_();
    expect(await arr(x)).toEqual([0, 5, 0, 5, 0, 5, 0, 5, 0, 5, 0, 5]);
    const tr = dl.zeros([2, 3], { device }).t();
    tr.add_(
      dl.tensor(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        { device, dtype: 'float32' },
      ),
    );
    expect(await arr(tr.contiguous())).toEqual([1, 2, 3, 4, 5, 6]);
  });

  t('in place with an aliasing operand: x.add_(x.t()), x.copy_(x.flip(0))', async () => {
    const x = dl.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device, dtype: 'float32' },
    );
    x.add_(x.t());
    expect(await arr(x)).toEqual([2, 5, 5, 8]);
    x.add_(x);
    expect(await arr(x)).toEqual([4, 10, 10, 16]);
    const y = dl.tensor([1, 2, 3, 4], { device, dtype: 'float32' });
    y.at('1:').copy_(y.at(':3'));
    expect(await arr(y)).toEqual([1, 1, 2, 3]);
  });

  t('dl.add(x, y, { out }) writes into out and returns it', async () => {
    const x = dl.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device, dtype: 'float32' },
    );
    const y = dl.tensor([10, 20], { device, dtype: 'float32' });
    const out = dl.empty([2, 2], { device });
    const r = dl.add(x, y, { out });
    expect(r).toBe(out);
    expect(await arr(out)).toEqual([11, 22, 13, 24]);
    const outT = dl.zeros([2, 2], { device }).t();
    dl.mul(x, 2, { out: outT });
    expect(await arr(outT)).toEqual([2, 4, 6, 8]);
    const outF64 = dl.zeros([2, 2], { device, dtype: 'float32' });
    dl.exp(dl.zeros([2, 2], { device }), { out: outF64 });
    expect(await arr(outF64)).toEqual([1, 1, 1, 1]);
  });

  t("x.at(':', 1) reads a column and writes through", async () => {
    const x = ar16().view(4, 4);
    const c = x.at(':', 1);
    expect(c.shape).toEqual([4]);
    expect(await arr(c)).toEqual([1, 5, 9, 13]);
    c.fill_(0);
    expect(await arr(x.at(':', 1))).toEqual([0, 0, 0, 0]);
    x.at(2, ':').copy_(dl.tensor([7, 7, 7, 7], { device, dtype: 'float32' }));
    expect(await arr(x.at(2))).toEqual([7, 7, 7, 7]);
    x.at('1:3', '::2').mul_(0);
    expect(await arr(x.at(1))).toEqual([0, 0, 0, 7]);
    expect(await arr(x.at(0, '...'))).toEqual([0, 0, 2, 3]);
    expect(x.at(null, ':').shape).toEqual([1, 4, 4]);
    expect(x.at('...', null).shape).toEqual([4, 4, 1]);
    expect(x.at(-1, -1).shape).toEqual([]);
    expect(await x.at(-1, -1).item()).toBe(15);
  });

  t('storage offset and strides of transposed and sliced views', async () => {
    const x = ar16().view(4, 4);
    const storage = await x.data();
    expect(x.stride()).toEqual([4, 1]);
    expect(x.isContiguous()).toBe(true);
    const tr = x.t();
    expect(tr.stride()).toEqual([1, 4]);
    expect(tr.storageOffset()).toBe(0);
    expect(tr.isContiguous()).toBe(false);
    const sl = x.at('1:3', '1::2');
    expect(sl.shape).toEqual([2, 2]);
    expect(sl.stride()).toEqual([4, 2]);
    expect(sl.storageOffset()).toBe(5);
    const nar = x.narrow(1, 2, 2);
    expect(nar.storageOffset()).toBe(2);
    expect(x.select(0, 3).storageOffset()).toBe(12);
    expect(x.expand(2, 4, 4).stride()).toEqual([0, 4, 1]);
    expect(x.unsqueeze(1).stride(1)).toBe(4);
    for (const v of [tr, sl, nar, x.permute(1, 0).at('::2', '1:'), x.t().at('1:', '::3')]) {
      const vals = await v.data();
      let k = 0;
      for (let i = 0; i < v.shape[0]!; i++) for (let j = 0; j < v.shape[1]!; j++) expect(vals[k++]).toBe(viaStrides(storage, v, [i, j]));
    }
    expect(tr.contiguous().isContiguous()).toBe(true);
    expect(tr.contiguous().storageOffset()).toBe(0);
  });

  t('reshape of a non-contiguous tensor copies; view refuses', async () => {
    const x = ar16().view(4, 4).t();
    expect(() => x.view(16)).toThrow(dl.ShapeError);
    const r = x.reshape(16);
    expect((await arr(r)).slice(0, 5)).toEqual([0, 4, 8, 12, 1]);
  });

  t('manualSeed: same numbers again, and as the Philox reference (philoxFill)', async () => {
    dl.manualSeed(103);
    const a = dl.rand([5, 7], { device });
    const a2 = dl.rand([3], { device });
    dl.manualSeed(103);
    const b = dl.rand([5, 7], { device });
    expect(await arr(a)).toEqual(await arr(b));
    const { key } = new dl.Generator(103).getState();
    const ref = new Float32Array(35);
    dl.philoxFill(ref, 'uniform', key, 0);
    expect(await arr(a)).toEqual(Array.from(ref));
    const ref2 = new Float32Array(3);
    dl.philoxFill(ref2, 'uniform', key, 36); // streams advance 4-aligned
    expect(await arr(a2)).toEqual(Array.from(ref2));
    dl.manualSeed(7);
    const z = await dl.randn([64], { device }).data();
    const zref = new Float32Array(64);
    dl.philoxFill(zref, 'normal', new dl.Generator(7).getState().key, 0);
    for (let i = 0; i < 64; i++) expect(Math.abs(z[i]! - zref[i]!)).toBeLessThan(1e-5 * (1 + Math.abs(zref[i]!)));
  });

  t('generator option: independent streams, reproducible', async () => {
    const g1 = new dl.Generator(42);
    const g2 = new dl.Generator(42);
    dl.manualSeed(1);
    const a = await arr(dl.rand([10], { device, generator: g1 }));
    dl.rand([10], { device });
    const b = await arr(dl.rand([10], { device, generator: g2 }));
    expect(a).toEqual(b);
    expect(await arr(dl.rand([10], { device, generator: g1 }))).not.toEqual(a);
  });

  t('rand / randn / randint / uniform_ / normal_ moments', async () => {
    dl.manualSeed(2024);
    const n = 20000;
    const moments = (v: ArrayLike<number>) => {
      let s = 0;
      let s2 = 0;
      for (let i = 0; i < v.length; i++) s += v[i]!;
      const m = s / v.length;
      for (let i = 0; i < v.length; i++) s2 += (v[i]! - m) ** 2;
      return { mean: m, var: s2 / (v.length - 1), min: Math.min(...Array.from(v)), max: Math.max(...Array.from(v)) };
    };
    const u = moments(await dl.rand([n], { device }).data());
    expect(Math.abs(u.mean - 0.5)).toBeLessThan(0.01);
    expect(Math.abs(u.var - 1 / 12)).toBeLessThan(0.005);
    expect(u.min).toBeGreaterThanOrEqual(0);
    expect(u.max).toBeLessThan(1);
    const z = moments(await dl.randn([n], { device }).data());
    expect(Math.abs(z.mean)).toBeLessThan(0.03);
    expect(Math.abs(z.var - 1)).toBeLessThan(0.05);
    const ri = dl.randint(-2, 3, [n], { device });
    expect(ri.dtype).toBe('int32');
    const r = moments(await ri.data());
    expect(r.min).toBe(-2);
    expect(r.max).toBe(2);
    expect(Math.abs(r.mean)).toBeLessThan(0.05);
    const un = moments(await dl.empty([n], { device }).uniform_(-3, 5).data());
    expect(Math.abs(un.mean - 1)).toBeLessThan(0.1);
    expect(un.min).toBeGreaterThanOrEqual(-3);
    const no = moments(await dl.empty([n], { device }).normal_(2, 3).data());
    expect(Math.abs(no.mean - 2)).toBeLessThan(0.1);
    expect(Math.abs(Math.sqrt(no.var) - 3)).toBeLessThan(0.1);
    const p = await dl.randperm(50, { device }).data();
    expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  t('creation functions: zeros, ones, full, arange, linspace, eye, *Like', async () => {
    expect(await arr(dl.zeros(2, 2, { device }))).toEqual([0, 0, 0, 0]);
    expect(dl.ones([5], { device }).dtype).toBe('float32');
    const f = dl.full([2, 2], 7, { device });
    expect(f.dtype).toBe('float32'); // Note [JS numbers are floats]
    expect(dl.full([2], 7, { device, dtype: 'int32' }).dtype).toBe('int32');
    expect(await arr(f)).toEqual([7, 7, 7, 7]);
    expect(dl.full([1], 1.5, { device }).dtype).toBe('float32');
    expect(dl.full([1], true, { device }).dtype).toBe('bool');
    expect(await arr(dl.arange(1, 11, 1, { device }))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(dl.arange(5, undefined, 1, { device }).dtype).toBe('int32');
    const fr = await arr(dl.arange(0, 1, 0.25, { device }));
    expect(fr).toEqual([0, 0.25, 0.5, 0.75]);
    expect(await arr(dl.linspace(0, 1, 5, { device }))).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(await arr(dl.eye(2, 3, { device }))).toEqual([1, 0, 0, 0, 1, 0]);
    const wide = ctx.hasDType('float64') ? 'float64' : 'int32'; // *Like keeps a non-default dtype
    const x = dl.tensor([[1, 2]], { device, dtype: wide });
    const z = dl.zerosLike(x);
    expect([z.shape, z.dtype, z.device]).toEqual([[1, 2], wide, device]);
    expect(await arr(dl.onesLike(x))).toEqual([1, 1]);
    expect(await arr(dl.fullLike(x, 3))).toEqual([3, 3]);
    expect(dl.tensor([[-1.2, 3.1]], { device }).dtype).toBe('float32');
    expect(dl.tensor([0, 0, 1], { device }).dtype).toBe('float32'); // Note [JS numbers are floats]
    expect(dl.tensor(new Int32Array([0, 1]), { device }).dtype).toBe('int32');
    expect(dl.tensor([true, false], { device }).dtype).toBe('bool');
    expect(dl.tensor(3.5, { device }).shape).toEqual([]);
  });

  t('reading: data, item, toArray, tolist', async () => {
    const x = dl.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { device, dtype: 'float32' },
    );
    expect(await x.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(await x.t().tolist()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(await x.sum().item()).toBe(10);
    expect(await dl.tensor([true, false], { device }).toArray()).toEqual([true, false]);
    expect(await dl.tensor(5, { device }).toArray()).toBe(5);
    expect(await dl.tensor([[true]], { device }).item()).toBe(1);
    const d = await x.data();
    expect(d).toBeInstanceOf(Float32Array);
    d[0] = 99; // a copy
    expect(await x.at(0, 0).item()).toBe(1);
  });

  t('to(dtype) and dtype helpers', async () => {
    const x = dl.tensor([1.7, -1.7, 0], { device });
    expect(x.long().dtype).toBe('int32');
    expect(await arr(x.int())).toEqual([1, -1, 0]);
    expect(await arr(x.bool())).toEqual([1, 1, 0]);
    expect(x.to({ dtype: 'float32' })).toBe(x);
    expect(x.float()).toBe(x);
    expect(await arr(x.bool().float())).toEqual([1, 1, 0]);
  });

  t('dispose frees; views keep storage alive; tidy disposes intermediates', async () => {
    const x = dl.ones([3], { device });
    const v = x.view(3);
    x.dispose();
    expect(x.isDisposed).toBe(true);
    expect(await arr(v)).toEqual([1, 1, 1]);
    let inner: Tensor | undefined;
    const kept = dl.tidy(() => {
      inner = dl.ones([2], { device }).add(1);
      return inner.mul(2);
    });
    expect(inner!.isDisposed).toBe(true);
    expect(await arr(kept)).toEqual([4, 4]);
  });
}
