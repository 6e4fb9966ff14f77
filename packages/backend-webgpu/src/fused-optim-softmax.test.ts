/**
 * The fused softmax / logSoftmax, nll loss, layer norm and optimizer-step kernels of webgpu
 * (kernels/softmax.ts, nll-loss.ts, layer-norm.ts, optimizer-step.ts) against the cpu backend's
 * (the reference the per-tensor path and torch agree with), through the public ops, within
 * float32 tolerance (sums accumulate in float32 here, float64 on cpu; WGSL's division and sqrt
 * need not be correctly rounded). Each test also checks that the fused kernel ran (its pipeline
 * was compiled).
 */
import { afterAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { F } from '@dl/nn';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer } from '@dl/optim';
import { webgpu } from './index.js';
import { close, setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);
afterAll(async () => {
  await webgpu.sync().catch(() => {});
  be?.destroy();
});

function values(n: number, seed: number, scale = 1): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.fround(((s / 2147483648) * 2 - 1) * scale);
  });
}

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** The same values on cpu and webgpu. */
function pair(shape: number[], seed: number, scale = 1): [Tensor, Tensor] {
  const v = values(numel(shape), seed, scale);
  return [dl.tensor(v).reshape(shape), dl.tensor(v, { device: 'webgpu' }).reshape(shape)];
}

async function host(t: Tensor): Promise<number[]> {
  return [...(await t.toAsync('cpu')).contiguous().dataSync()];
}

async function expectClose(gpu: Tensor, cpu: Tensor, rtol = 2e-5, atol = 1e-6): Promise<void> {
  expect(gpu.shape).toEqual(cpu.shape);
  expect(close(await host(gpu), await host(cpu), rtol, atol)).toBeNull();
}

const ran = (prefix: string) => be!.runtime.pipelineKeys().some((k) => k.startsWith(prefix));

describe.runIf(be)('webgpu fused softmax, nll loss, layer norm', () => {
  const shapes: Array<[number[], number]> = [
    [[7, 1], 1],
    [[64, 10], 1],
    [[3, 1000], 1],
    [[2, 5000], 1],
    [[4, 10, 3], 1],
    [[2, 1000, 3], 1],
    [[5000], 0],
    [[2, 3, 4], 0],
  ];

  it.each(shapes)('softmax and logSoftmax of %j along %i, forward and backward', async (shape, dim) => {
    for (const log of [false, true]) {
      const [xc, xg] = pair(shape, 3, 4);
      xc.requiresGrad_();
      xg.requiresGrad_();
      const f = (x: Tensor) => (log ? dl.logSoftmax(x, dim) : dl.softmax(x, dim));
      const yc = f(xc);
      const yg = f(xg);
      await expectClose(yg, yc);
      const [gc, gg] = pair(shape, 5);
      yc.backward(gc);
      yg.backward(gg);
      await expectClose(xg.grad!, xc.grad!, 1e-4, 1e-6);
    }
    expect(ran('softmax:exp')).toBe(true);
    expect(ran('softmax:log')).toBe(true);
    expect(ran('softmaxBackward:log')).toBe(true);
  });

  it('softmax rows with +inf, NaN or only -inf are NaN, -inf entries elsewhere give 0 (as torch)', async () => {
    const inf = Number.POSITIVE_INFINITY;
    for (const n of [4, 600]) {
      const rows = [
        [inf, 1, 2],
        [Number.NaN, 0, 1],
        [-inf, -inf, -inf],
        [-inf, 0, 1],
      ].map((r) => [...r, ...Array.from({ length: n - 3 }, () => -inf)]);
      const flat = rows.flat();
      const c = dl.tensor(flat).reshape([4, n]);
      const g = dl.tensor(flat, { device: 'webgpu' }).reshape([4, n]);
      await expectClose(dl.softmax(g, 1), dl.softmax(c, 1));
      await expectClose(dl.logSoftmax(g, 1), dl.logSoftmax(c, 1));
      const out = await host(dl.softmax(g, 1));
      expect(out.slice(0, 3 * n).every(Number.isNaN)).toBe(true);
      expect(out.slice(3 * n, 3 * n + 3)).toEqual(
        [0, Math.fround(1 / (1 + Math.E)), Math.fround(Math.E / (1 + Math.E))].map((v, i) => (i === 0 ? 0 : expect.closeTo(v, 6))),
      );
    }
  });

  const nllCases: Array<[number, number, boolean, number]> = [
    [1, 10, false, -100],
    [64, 10, false, -100],
    [300, 7, true, 2],
    [5, 1000, true, -100],
    [600, 3, false, 1],
  ];

  it.each(nllCases)(
    'nllLoss of %i rows of %i classes (weights %s, ignoreIndex %i) for every reduction, forward and backward',
    async (M, C, weighted, ignoreIndex) => {
      const tv = Array.from({ length: M }, (_, i) => (i * 7 + 3) % C);
      const wv = weighted ? values(C, 9).map((v) => Math.abs(v) + 0.1) : null;
      for (const reduction of ['mean', 'sum', 'none'] as const) {
        const [xc, xg] = pair([M, C], 11, 3);
        xc.requiresGrad_();
        xg.requiresGrad_();
        const tc = dl.tensor(tv, { dtype: 'int32' });
        const tg = dl.tensor(tv, { dtype: 'int32', device: 'webgpu' });
        const weight = (d: 'cpu' | 'webgpu') => (wv ? dl.tensor(wv, { device: d }) : undefined);
        const lc = F.nllLoss(xc, tc, { weight: weight('cpu'), ignoreIndex, reduction });
        const lg = F.nllLoss(xg, tg, { weight: weight('webgpu'), ignoreIndex, reduction });
        await expectClose(lg, lc, 1e-5, 1e-5);
        if (reduction === 'none') {
          const [gc, gg] = pair([M], 13);
          lc.backward(gc);
          lg.backward(gg);
        } else {
          lc.backward();
          lg.backward();
        }
        await expectClose(xg.grad!, xc.grad!);
      }
      expect(ran('nllLoss:')).toBe(true);
      expect(ran('nllLossBackward:')).toBe(true);
    },
  );

  it('nllLoss with every target ignored: mean is NaN and its gradient 0 (as torch); a [C] input', async () => {
    const x = dl.tensor(values(12, 4), { device: 'webgpu' }).reshape([3, 4]).requiresGrad_();
    const t = dl.tensor([-100, -100, -100], { dtype: 'int32', device: 'webgpu' });
    const l = F.nllLoss(x, t);
    expect(Number.isNaN(await l.item())).toBe(true);
    l.backward();
    expect(await host(x.grad!)).toEqual(new Array(12).fill(0));
    const [vc, vg] = pair([6], 2);
    const lc = F.nllLoss(vc, dl.tensor(4, { dtype: 'int32' }));
    const lg = F.nllLoss(vg, dl.tensor(4, { dtype: 'int32', device: 'webgpu' }));
    await expectClose(lg, lc);
  });

  const lnCases: Array<[number[], number[]]> = [
    [[8, 1], [1]],
    [[64, 10], [10]],
    [[3, 1000], [1000]],
    [[2, 5000], [5000]],
    [
      [4, 3, 20],
      [3, 20],
    ],
  ];

  it.each(lnCases)('layerNorm of %j over %j with and without affine, forward and all gradients', async (shape, norm) => {
    for (const affine of [true, false]) {
      const [xc, xg] = pair(shape, 21, 2);
      xc.requiresGrad_();
      xg.requiresGrad_();
      const [wc, wg] = pair(norm, 22);
      const [bc, bg] = pair(norm, 23);
      for (const t of [wc, wg, bc, bg]) t.requiresGrad_();
      const yc = F.layerNorm(xc, norm, affine ? { weight: wc, bias: bc, eps: 1e-5 } : {});
      const yg = F.layerNorm(xg, norm, affine ? { weight: wg, bias: bg, eps: 1e-5 } : {});
      await expectClose(yg, yc, 1e-4, 1e-5);
      const [gc, gg] = pair(shape, 24);
      yc.backward(gc);
      yg.backward(gg);
      await expectClose(xg.grad!, xc.grad!, 1e-3, 1e-4);
      if (affine) {
        await expectClose(wg.grad!, wc.grad!, 1e-3, 1e-4);
        await expectClose(bg.grad!, bc.grad!, 1e-4, 1e-5);
      }
    }
    expect(ran('layerNorm:wb')).toBe(true);
    expect(ran('layerNormBackward:w')).toBe(true);
    expect(ran('layerNormBackwardWB:wb')).toBe(true);
  });

  it('layerNorm with a weight and no bias, and with a bias and no weight', async () => {
    for (const [hasW, hasB] of [
      [true, false],
      [false, true],
    ]) {
      const [xc, xg] = pair([6, 300], 31);
      const [wc, wg] = pair([300], 32);
      const [bc, bg] = pair([300], 33);
      for (const t of [xc, xg, wc, wg, bc, bg]) t.requiresGrad_();
      const yc = F.layerNorm(xc, [300], { weight: hasW ? wc : null, bias: hasB ? bc : null });
      const yg = F.layerNorm(xg, [300], { weight: hasW ? wg : null, bias: hasB ? bg : null });
      await expectClose(yg, yc, 1e-4, 1e-5);
      const [gc, gg] = pair([6, 300], 34);
      yc.backward(gc);
      yg.backward(gg);
      await expectClose(xg.grad!, xc.grad!, 1e-3, 1e-4);
      if (hasW) await expectClose(wg.grad!, wc.grad!, 1e-3, 1e-4);
      if (hasB) await expectClose(bg.grad!, bc.grad!, 1e-4, 1e-5);
    }
    expect(ran('layerNorm:w:group')).toBe(true);
    expect(ran('layerNorm:b:group')).toBe(true);
  });

  it('layerNorm of a row holding inf or NaN is NaN, as on cpu', async () => {
    const v = [1, 2, Number.POSITIVE_INFINITY, 4, 1, Number.NaN, 3, 4, 1, 2, 3, 4];
    const c = F.layerNorm(dl.tensor(v).reshape([3, 4]), [4]);
    const g = F.layerNorm(dl.tensor(v, { device: 'webgpu' }).reshape([3, 4]), [4]);
    await expectClose(g, c);
    expect((await host(g)).slice(0, 8).every(Number.isNaN)).toBe(true);
  });
});

type Make = (ps: Tensor[]) => Optimizer;

/** name, state tensors per parameter, the optimizer */
const optimizers: Array<[string, number, Make]> = [
  ['SGD', 0, (ps) => new SGD(ps, { lr: 0.1 })],
  ['SGD maximize weightDecay', 0, (ps) => new SGD(ps, { lr: 0.1, weightDecay: 0.01, maximize: true })],
  ['SGD momentum', 1, (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9 })],
  ['SGD momentum dampening weightDecay', 1, (ps) => new SGD(ps, { lr: 0.05, momentum: 0.9, dampening: 0.2, weightDecay: 0.01 })],
  ['SGD nesterov maximize', 1, (ps) => new SGD(ps, { lr: 0.05, momentum: 0.8, nesterov: true, maximize: true })],
  ['Adam', 2, (ps) => new Adam(ps, { lr: 0.01 })],
  ['Adam amsgrad weightDecay', 3, (ps) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 0.1 })],
  ['Adam maximize betas eps', 2, (ps) => new Adam(ps, { lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, maximize: true })],
  ['AdamW', 2, (ps) => new AdamW(ps, { lr: 0.01, weightDecay: 0.1 })],
  ['AdamW amsgrad maximize', 3, (ps) => new AdamW(ps, { lr: 0.01, amsgrad: true, maximize: true })],
  ['RMSprop', 1, (ps) => new RMSprop(ps, { lr: 0.01 })],
  ['RMSprop momentum centered', 3, (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.9, centered: true })],
  ['RMSprop centered weightDecay maximize', 2, (ps) => new RMSprop(ps, { lr: 0.01, centered: true, weightDecay: 0.05, maximize: true })],
  ['RMSprop momentum alpha', 2, (ps) => new RMSprop(ps, { lr: 0.01, momentum: 0.5, alpha: 0.9 })],
  ['Adagrad', 1, (ps) => new Adagrad(ps, { lr: 0.1 })],
  ['Adagrad lrDecay weightDecay maximize', 1, (ps) => new Adagrad(ps, { lr: 0.1, lrDecay: 0.05, weightDecay: 0.02, maximize: true })],
  ['Adagrad initialAccumulatorValue', 1, (ps) => new Adagrad(ps, { lr: 0.1, initialAccumulatorValue: 0.5 })],
];

describe.runIf(be)('webgpu fused optimizer step', () => {
  // odd sizes, more parameters than fit one dispatch (so several chunks), one empty
  const sizes = [1, 3, 17, 1000, 4099, 0, 5, 7, 2, 33, 12345];

  it.each(optimizers)('%s: five steps of many odd-sized parameters match the cpu backend', async (_name, nState, make) => {
    const lim = be!.runtime.limits;
    const perDispatch = Math.min(
      16,
      Math.floor((Math.min(lim.maxStorageBuffersPerShaderStage, lim.maxBindingsPerBindGroup) - 1) / (2 + nState)),
    );
    const live = sizes.filter((n) => n > 0).length;
    const before = be!.runtime.dispatchCount;
    const cpuPs = sizes.map((n, i) => dl.tensor(values(n, 100 + i)).requiresGrad_());
    const gpuPs = sizes.map((n, i) => dl.tensor(values(n, 100 + i), { device: 'webgpu' }).requiresGrad_());
    const oc = make(cpuPs);
    const og = make(gpuPs);
    for (let s = 0; s < 5; s++) {
      sizes.forEach((n, i) => {
        const g = values(n, 1000 * s + i, 2);
        cpuPs[i]!.grad = dl.tensor(g);
        gpuPs[i]!.grad = dl.tensor(g, { device: 'webgpu' });
      });
      const d0 = be!.runtime.dispatchCount;
      oc.step();
      og.step();
      // one dispatch per chunk of parameters (after the first step, whose zero-filled states may be materialized first)
      if (s > 0) expect(be!.runtime.dispatchCount - d0).toBe(Math.ceil(live / perDispatch));
    }
    for (let i = 0; i < sizes.length; i++) expect(close(await host(gpuPs[i]!), await host(cpuPs[i]!), 1e-5, 1e-6), `param ${i}`).toBeNull();
    expect(be!.runtime.dispatchCount).toBeGreaterThan(before);
    expect(ran('optimizerStep:')).toBe(true);
  });

  it('params that share one buffer (views of one flat tensor) are updated as the per-tensor path does', async () => {
    const flatC = dl.tensor(values(40, 7));
    const flatG = dl.tensor(values(40, 7), { device: 'webgpu' });
    const viewsC = [flatC.narrow(0, 0, 15), flatC.narrow(0, 15, 25)].map((t) => t.requiresGrad_());
    const viewsG = [flatG.narrow(0, 0, 15), flatG.narrow(0, 15, 25)].map((t) => t.requiresGrad_());
    const oc = new Adam(viewsC, { lr: 0.1 });
    const og = new Adam(viewsG, { lr: 0.1 });
    for (let s = 0; s < 3; s++) {
      [15, 25].forEach((n, i) => {
        viewsC[i]!.grad = dl.tensor(values(n, 50 + s * 3 + i));
        viewsG[i]!.grad = dl.tensor(values(n, 50 + s * 3 + i), { device: 'webgpu' });
      });
      oc.step();
      og.step();
    }
    expect(close(await host(flatG), await host(flatC), 1e-5, 1e-6)).toBeNull();
  });

  it('declines (returns false, writes nothing) for a state list of the wrong length', () => {
    const p = dl.tensor([1, 2, 3], { device: 'webgpu' });
    const step = {
      kind: 'adam',
      lr: 0.1,
      beta1: 0.9,
      beta2: 0.999,
      eps: 1e-8,
      weightDecay: 0,
      amsgrad: false,
      maximize: false,
      decoupled: false,
    } as const;
    const view = (t: Tensor) => t._view('test');
    expect(be!.optimizerStep(step, [1], [view(p)], [view(p)], [[view(p)]])).toBe(false);
  });
});
