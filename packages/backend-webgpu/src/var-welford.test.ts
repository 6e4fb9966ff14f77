/**
 * The fused var/std/varMean/stdMean kernel (Note [Fused variance on WebGPU]) against the cpu
 * backend (float64 accumulation): shapes on both sides of every form threshold, large means,
 * huge and tiny values, NaN/±inf, constant slices, every option, views that take the composite
 * path, and gradients. Skipped without a WebGPU adapter unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/autograd';
import '@dl/backend-cpu';
import { webgpu } from './index.js';
import { VAR_GROUP_FROM, VAR_SPLIT_FROM, VAR_SPLIT_ROWS, VAR_THREAD_ROWS, varForm } from './kernels/var-welford.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

function randn(n: number, seed: number): number[] {
  let s = seed;
  const u = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s + 1) / 2147483649;
  };
  return Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u()));
}

/** Close within float32 rounding of the sums (relative), NaN and ±inf equal. */
function expectClose(gotN: unknown, wantN: unknown, rtol = 2e-6, atol = 0): void {
  const got = [gotN].flat(Infinity) as number[];
  const want = [wantN].flat(Infinity) as number[];
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    if (!Number.isFinite(w)) expect(g, `at ${i}`).toBe(w);
    else expect(Math.abs(g - w), `at ${i}: ${g} vs ${w}`).toBeLessThanOrEqual(rtol * Math.abs(w) + atol);
  }
}

type Opts = dl.VarOptions;
const dispatches = () => webgpu.runtime.dispatchCount;

describe.runIf(be)('fused var/std on webgpu', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  /** var, std, varMean and stdMean of `vals` (`shape`) over `dim` on both devices. */
  async function compare(vals: number[], shape: number[], dim: number | number[] | undefined, opts: Opts = {}, rtol = 2e-6) {
    const c = dl.tensor(vals, { dtype: 'float32' }).reshape(shape);
    const g = c.to('webgpu');
    expectClose(await g.var(dim, opts).toArray(), (await c.var(dim, opts).toArray()) as number[], rtol);
    expect(g.var(dim, opts).shape).toEqual(c.var(dim, opts).shape);
    expectClose(await g.std(dim, opts).toArray(), (await c.std(dim, opts).toArray()) as number[], rtol);
    const [gv, gm] = dl.varMean(g, dim, opts);
    const [cv, cm] = dl.varMean(c, dim, opts);
    expectClose(await gv!.toArray(), (await cv!.toArray()) as number[], rtol);
    // the mean of a sum that cancels is good to float32 rounding of the elements, not of itself
    const scale = vals.reduce((a, v) => (Number.isFinite(v) ? Math.max(a, Math.abs(v)) : a), 0);
    expectClose(await gm!.toArray(), (await cm!.toArray()) as number[], 1e-6, 1e-6 * scale);
    expect(gm!.shape).toEqual(cm!.shape);
    const [gs] = dl.stdMean(g, dim, opts);
    const [cs] = dl.stdMean(c, dim, opts);
    expectClose(await gs!.toArray(), (await cs!.toArray()) as number[], rtol);
  }

  it('picks the forms at their thresholds', () => {
    expect(varForm(10, VAR_GROUP_FROM - 1, 1)).toBe('thread');
    expect(varForm(10, VAR_GROUP_FROM, 1)).toBe('group');
    expect(varForm(VAR_SPLIT_ROWS - 1, VAR_SPLIT_FROM, 1)).toBe('split');
    expect(varForm(VAR_SPLIT_ROWS, VAR_SPLIT_FROM, 1)).toBe('group');
    expect(varForm(1, VAR_SPLIT_FROM - 1, 1)).toBe('group');
    expect(varForm(1, 1e6, 3)).toBe('thread');
    expect(varForm(VAR_THREAD_ROWS - 1, 1024, 1)).toBe('group');
    expect(varForm(VAR_THREAD_ROWS, 1024, 1)).toBe('thread');
  });

  it('matches cpu around every threshold (thread, group, split; inner dims)', async () => {
    const cases: [number[], number | number[] | undefined][] = [
      [[50, VAR_GROUP_FROM - 1], 1],
      [[50, VAR_GROUP_FROM], 1],
      [[7, 1000], 1],
      [[VAR_SPLIT_ROWS - 1, VAR_SPLIT_FROM], 1],
      [[VAR_SPLIT_ROWS, 600], 1],
      [[VAR_THREAD_ROWS, 300], 1],
      [[VAR_THREAD_ROWS - 1, 300], 1],
      [[2, VAR_SPLIT_FROM - 1], 1],
      [[2, VAR_SPLIT_FROM], 1],
      [[3, 300, 5], 1],
      [[300, 6], 0],
      [
        [3, 4, 50, 20],
        [1, 2],
      ],
      [[100003], undefined],
      [[4, 5, 6], undefined],
      [[1], 0],
    ];
    for (const [shape, dim] of cases) {
      const n = shape.reduce((a, b) => a * b, 1);
      await compare(
        randn(n, n + 7).map((v) => 3 * v + 0.5),
        shape,
        dim,
      );
    }
  });

  it('every option: correction, unbiased, keepdim, negative and 0-d dims, n <= correction', async () => {
    const v = randn(60, 3);
    for (const opts of [
      {},
      { correction: 0 },
      { correction: 2 },
      { unbiased: false },
      { keepdim: true },
      { correction: 0.5, keepdim: true },
    ] as Opts[]) {
      await compare(v, [3, 4, 5], -1, opts);
      await compare(v, [3, 4, 5], [0, 1], opts);
      await compare(v, [60], undefined, opts);
    }
    await compare([2.5], [], undefined); // NaN (n − correction = 0)
    await compare([2.5], [], undefined, { correction: 0 });
    await compare(v.slice(0, 6), [2, 3], 1, { correction: 3 }); // n = correction: inf
    await compare(v.slice(0, 6), [2, 3], 1, { correction: 5 });
    await compare([1, 1, 2, 2], [2, 2], 1, { correction: 4 }); // 0/0 → NaN for the constant row
  });

  it('keeps float32 precision with large means (1e4 + randn over 1M, and 1e7 + small steps)', async () => {
    const n = 1 << 20;
    await compare(
      randn(n, 11).map((v) => 1e4 + v),
      [n],
      undefined,
      {},
      1e-6,
    );
    await compare(
      randn(64 * 4096, 12).map((v) => 1e4 + v),
      [64, 4096],
      1,
      {},
      1e-5,
    );
    await compare([1e7 + 1, 1e7 + 2, 1e7 + 4, 1e7 + 8], [4], undefined);
  });

  it('huge and tiny values, NaN, ±inf, constant slices: as the composite path', async () => {
    const rows = [
      [3e38, -3e38, 1e38, 2e38],
      [1e20, -1e20, 3e19, 0],
      [1e-30, -1e-30, 3e-31, 0],
      [1, NaN, 2, 3],
      [1, Infinity, 2, 3],
      [Infinity, -Infinity, 0, 0],
      [0.1, 0.1, 0.1, 0.1],
      [1e4 + 0.5, 1e4 + 0.5, 1e4 + 0.5, 1e4 + 0.5],
      [0, 0, 0, 0],
    ];
    const flat = rows.flat();
    await compare(flat, [rows.length, 4], 1);
    await compare(flat, [rows.length, 4], 1, { keepdim: true, correction: 0 });
    for (const r of rows) await compare(r, [4], undefined);
    // long rows (group and split forms) of huge values and a NaN
    const big = randn(VAR_SPLIT_FROM * 2, 5).map((v) => v * 1e37);
    await compare(big, [2, VAR_SPLIT_FROM], 1, {}, 1e-5);
    await compare(big, [64, VAR_SPLIT_FROM / 32], 1, {}, 1e-5);
    big[123] = NaN;
    await compare(big, [2, VAR_SPLIT_FROM], 1);
    await compare(new Array(VAR_SPLIT_FROM).fill(0.3), [VAR_SPLIT_FROM], undefined);
    const z = dl.tensor(new Array(VAR_SPLIT_FROM).fill(0.3), { device: 'webgpu' }).var();
    expect(await z.item()).toBe(0);
  });

  it('takes one dispatch per pass: 1 for rows, 3 for a split row', async () => {
    const x = dl.tensor(randn(VAR_SPLIT_FROM * 2, 1), { device: 'webgpu' });
    let d = dispatches();
    x.var();
    expect(dispatches() - d).toBe(3);
    const y = x.reshape([128, 512]);
    d = dispatches();
    y.var(1);
    expect(dispatches() - d).toBe(1);
    d = dispatches();
    dl.stdMean(y, 1, { keepdim: true });
    expect(dispatches() - d).toBe(1);
  });

  it('non-contiguous views, non-adjacent dims, empty reductions and int inputs take the composite path, as before', async () => {
    const v = randn(120, 9);
    const c = dl.tensor(v).reshape([4, 5, 6]);
    const g = c.to('webgpu');
    for (const [gx, cx] of [
      [g.transpose(0, 2), c.transpose(0, 2)],
      [g.narrow(2, 1, 3), c.narrow(2, 1, 3)],
    ] as const) {
      expectClose(await gx.var(1).toArray(), (await cx.var(1).toArray()) as number[]);
      expectClose(await gx.std().toArray(), (await cx.std().toArray()) as number[]);
    }
    expectClose(await g.var([0, 2]).toArray(), (await c.var([0, 2]).toArray()) as number[]);
    const e = dl.zeros([0, 3], { device: 'webgpu' });
    expect(await e.var(0).toArray()).toEqual((await dl.zeros([0, 3]).var(0).toArray()) as number[]);
    expect(e.var(1).shape).toEqual([0]);
    expect(await e.var().item()).toBeNaN();
    expect(() => dl.tensor([1, 2], { dtype: 'int32', device: 'webgpu' }).var()).toThrow(dl.DTypeError);
    expect(() => dl.varMean(dl.tensor([1, 2], { dtype: 'int32', device: 'webgpu' }))).toThrow(dl.DTypeError);
  });

  it('gradients flow through var, std, varMean and stdMean as on cpu', async () => {
    const v = randn(2 * 300, 4);
    for (const f of [
      (x: dl.Tensor) => x.var(1).sum(),
      (x: dl.Tensor) => x.std(undefined, { correction: 0 }),
      (x: dl.Tensor) => {
        const [a, b] = dl.varMean(x, 1, { keepdim: true });
        return a!.mul(b!).sum();
      },
      (x: dl.Tensor) => {
        const [a, b] = dl.stdMean(x, 0);
        return a!.add(b!.mul(3)).sum();
      },
    ]) {
      const c = dl.tensor(v).reshape([2, 300]).requiresGrad_();
      const g = dl.tensor(v, { device: 'webgpu' }).reshape([2, 300]).detach().requiresGrad_();
      f(c).backward();
      f(g).backward();
      expectClose(await g.grad!.toArray(), (await c.grad!.toArray()) as number[], 1e-4, 1e-6);
    }
  });
});
