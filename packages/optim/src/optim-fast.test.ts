import { afterEach, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { fusedOptimizerStep } from '@dl/tensor/internal';
import { cpuBackend } from '@dl/backend-cpu';
import { Adagrad, Adam, AdamW, RMSprop, SGD } from './index.js';
import fixtures from './fixtures/optim-fast.json' with { type: 'json' };

// PyTorch fixtures for the fused multi-tensor step (Note [Fused optimizer step] in @dl/tensor):
// tools/fixtures/optim_fast_fixtures.py, parameters of 16K+ elements.
interface ParamFx {
  sum: number;
  sumsq: number;
  index: number[];
  values: number[];
}
const fx = fixtures as unknown as {
  shapes: number[][];
  steps: number;
  cases: Array<{ name: string; kind: 'SGD' | 'Adam' | 'AdamW' | 'RMSprop' | 'Adagrad'; opts: Record<string, unknown>; params: ParamFx[] }>;
};

/** The fixture script's exact integer formula (float32 of an exact double). */
function values(shape: number[], k: number, seed: number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((i * 7919 + k * 104729 + seed) % 2003) - 1001) / 1000;
  return out;
}

/** snake_case torch options → dl's. */
function dlOpts(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) out[k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase())] = v;
  return out;
}

function makeOpt(kind: string, params: Tensor[], opts: Record<string, unknown>) {
  if (kind === 'SGD') return new SGD(params, dlOpts(opts) as { lr: number });
  if (kind === 'Adam') return new Adam(params, dlOpts(opts));
  if (kind === 'RMSprop') return new RMSprop(params, dlOpts(opts));
  if (kind === 'Adagrad') return new Adagrad(params, dlOpts(opts));
  return new AdamW(params, dlOpts(opts));
}

/** A non-contiguous tensor with the row-major values of `data` (a transposed copy seen through a permutation). */
function strided(data: Float32Array, shape: number[]): Tensor {
  if (shape.length < 2) return dl.tensor(data).reshape(shape);
  const rev = [...shape.keys()].reverse();
  const t = dl.tensor(data).reshape(shape).permute(rev).contiguous().permute(rev);
  expect(t.isContiguous()).toBe(false);
  return t;
}

const original = cpuBackend.fast.optimizerStep;
let calls = 0;
let taken = 0;
function spy(on = true): void {
  calls = 0;
  taken = 0;
  cpuBackend.fast.optimizerStep = on
    ? (...a) => {
        calls++;
        const r = original!(...a);
        if (r) taken++;
        return r;
      }
    : undefined;
}
afterEach(() => {
  cpuBackend.fast.optimizerStep = original;
});

/**
 * Run a fixture case: param 1 outside the wasm heap (`fromArray` shares the caller's array),
 * the others in it; on odd steps the gradients are strided views (and grad 0 a `fromArray` one).
 */
function runCase(c: (typeof fx.cases)[number], dtype: 'float32' | 'float64' = 'float32'): Tensor[] {
  const params = fx.shapes.map((s, k) => {
    const d = values(s, k, 1);
    const t = k === 1 && dtype === 'float32' ? dl.fromArray(d).reshape(s) : dl.tensor(d).reshape(s).to({ dtype });
    return t.requiresGrad_();
  });
  const opt = makeOpt(c.kind, params, c.opts);
  for (let s = 0; s < fx.steps; s++) {
    params.forEach((p, k) => {
      const g = values(fx.shapes[k]!, k, 100 + s);
      let grad =
        s % 2 === 1 ? strided(g, fx.shapes[k]!) : k === 0 ? dl.fromArray(g).reshape(fx.shapes[k]!) : dl.tensor(g).reshape(fx.shapes[k]!);
      if (dtype !== 'float32') grad = grad.to({ dtype });
      p.grad = grad;
    });
    opt.step();
  }
  return params;
}

function maxDiff(a: Tensor, b: Tensor): number {
  return a.detach().sub(b).abs().max().itemSync() as number;
}

function expectMatches(params: Tensor[], expected: ParamFx[], tol: number): void {
  params.forEach((p, k) => {
    const got = p.detach().reshape([-1]).to({ dtype: 'float64' }).dataSync() as Float64Array;
    const e = expected[k]!;
    let sum = 0;
    let sumsq = 0;
    for (const v of got) {
      sum += v;
      sumsq += v * v;
    }
    expect(Math.abs(sum - e.sum)).toBeLessThan(tol * (1 + Math.abs(e.sum)) + tol * got.length);
    expect(Math.abs(sumsq - e.sumsq) / e.sumsq).toBeLessThan(tol);
    e.index.forEach((i, j) => {
      const want = e.values[j]!;
      if (Math.abs(got[i]! - want) > tol * (1 + Math.abs(want)))
        expect({ param: k, index: i, value: got[i] }).toEqual({ param: k, index: i, value: want });
    });
  });
}

describe('fused optimizer step against PyTorch (16K+ element params)', () => {
  for (const c of fx.cases) {
    it(`${c.name}: one fused call per step, values as torch.optim.${c.kind}`, () => {
      spy();
      const params = runCase(c);
      expect(calls).toBe(fx.steps);
      expect(taken).toBe(fx.steps);
      expectMatches(params, c.params, 2e-5);
    });

    it(`${c.name}: the fused step gives the per-tensor path's values bit for bit`, () => {
      spy();
      const fused = runCase(c).map((p) => p.detach().dataSync());
      expect(taken).toBe(fx.steps);
      spy(false);
      const perTensor = runCase(c).map((p) => p.detach().dataSync());
      fused.forEach((f, k) => {
        const q = perTensor[k]!;
        const bad = f.findIndex((v, i) => !Object.is(v, q[i]));
        expect({ param: k, firstMismatch: bad, fused: f[bad], perTensor: q[bad] }).toEqual({
          param: k,
          firstMismatch: -1,
          fused: undefined,
          perTensor: undefined,
        });
      });
    });
  }

  it('float64 params decline the fused step; the per-tensor path still matches torch', () => {
    const c = fx.cases.find((x) => x.name === 'adam_amsgrad_wd_maximize')!;
    spy();
    const params = runCase(c, 'float64');
    expect(taken).toBe(0);
    expectMatches(params, c.params, 1e-4);
  });

  it('a group mixing float32 and float64 params runs per tensor', () => {
    const a = dl.randn([20000]).requiresGrad_();
    const b = dl.randn([300], { dtype: 'float64' }).requiresGrad_();
    const opt = new SGD([a, b], { lr: 0.1, momentum: 0.9 });
    spy();
    a.grad = dl.onesLike(a);
    b.grad = dl.onesLike(b);
    const a0 = a.detach().clone();
    opt.step();
    expect(calls).toBe(0);
    expect(maxDiff(a, a0.sub(0.1))).toBeLessThan(1e-6);
    // the buffer the fused attempt would have made is not left behind half-initialised
    a.grad = dl.onesLike(a);
    b.grad = dl.onesLike(b);
    opt.step();
    expect(maxDiff(a, a0.sub(0.1 + 0.1 * 1.9))).toBeLessThan(1e-5);
  });

  it('without the backend kernel the per-tensor path runs (momentum starts from the gradient)', () => {
    spy(false);
    const p = dl.ones([17000]).requiresGrad_();
    const opt = new SGD([p], { lr: 1, momentum: 0.5, dampening: 0.5 });
    p.grad = dl.fullLike(p, 2);
    opt.step(); // buf = 2, p = 1 - 2
    p.grad = dl.fullLike(p, 2);
    opt.step(); // buf = 0.5*2 + 0.5*2 = 2, p = -1 - 2
    expect(p.detach().dataSync()[16999]).toBe(-3);
    expect((opt.state.get(p)!.momentumBuffer as Tensor).dataSync()[0]).toBe(2);
  });

  it('updates params in place: same storage, version bumped, still a leaf, no graph', () => {
    spy();
    const p = dl.randn([129, 131]).requiresGrad_();
    const storage = p._storage;
    const v0 = p._version;
    const opt = new Adam([p], { lr: 0.01 });
    const y = p.mul(2).sum();
    y.backward();
    opt.step();
    expect(taken).toBe(1);
    expect(p._storage).toBe(storage);
    expect(p._version).toBeGreaterThan(v0);
    expect(p.isLeaf).toBe(true);
    expect(p.gradFn).toBeNull();
    expect(opt.state.get(p)!.step).toBe(1);
    expect((opt.state.get(p)!.expAvg as Tensor).requiresGrad).toBe(false);
  });

  it('skips params without a gradient, and the state dict matches the per-tensor path', () => {
    const run = (on: boolean) => {
      spy(on);
      const ps = [dl.ones([16500]), dl.ones([3, 7]), dl.ones([16384])].map((t) => t.requiresGrad_());
      const opt = new SGD(ps, { lr: 0.5, momentum: 0.9, nesterov: true, weightDecay: 0.1 });
      ps[0]!.grad = dl.fullLike(ps[0]!, 0.25);
      ps[2]!.grad = dl.fullLike(ps[2]!, -1);
      opt.step();
      opt.step();
      const sd = opt.stateDict();
      return { ps: ps.map((p) => Array.from(p.detach().dataSync())), keys: Object.keys(sd.state), sd };
    };
    const fused = run(true);
    expect(taken).toBe(2);
    const per = run(false);
    expect(fused.ps).toEqual(per.ps);
    expect(fused.keys).toEqual(per.keys);
    expect(fused.ps[1]).toEqual(new Array(21).fill(1));
    for (const k of fused.keys) {
      const f = fused.sd.state[Number(k)]!.momentum_buffer as Tensor;
      const q = per.sd.state[Number(k)]!.momentum_buffer as Tensor;
      expect(Array.from(f.dataSync())).toEqual(Array.from(q.dataSync()));
    }
  });

  it('fusedOptimizerStep names the op for lists of different lengths', () => {
    const p = dl.ones([4]);
    const step = { kind: 'sgd', lr: 1, momentum: 0, dampening: 0, weightDecay: 0, nesterov: false, maximize: false } as const;
    expect(() => fusedOptimizerStep(step, [1], [p], [], [[]])).toThrow(/optimizerStep: got 1 params, 0 grads/);
    expect(() => fusedOptimizerStep(step, [1], [p], [p], [[]])).not.toThrow();
  });

  it('a grad of another shape declines and the per-tensor path reports it', () => {
    spy();
    const p = dl.ones([20000]).requiresGrad_();
    const opt = new SGD([p], { lr: 0.1 });
    p.grad = dl.ones([20001]);
    expect(() => opt.step()).toThrow();
    expect(taken).toBe(0);
  });

  it('a parameter listed twice takes one step per listing, as torch (the per-tensor path)', () => {
    // torch 1.13: Adam([w, w], lr=0.1), two steps of (w*w).sum() -> step 4 and these values;
    // Adagrad([w, w], lr=0.1, lr_decay=0.5), two steps
    const run = (make: (w: Tensor) => { zeroGrad(): void; step(): void }) => {
      const w = dl.tensor([1, 2, 3, 4]).requiresGrad_();
      const opt = make(w);
      for (let i = 0; i < 2; i++) {
        opt.zeroGrad();
        w.mul(w).sum().backward();
        opt.step();
      }
      return Array.from(w.detach().dataSync());
    };
    const adam = run((w) => new Adam([w, w], { lr: 0.1 }));
    [0.6030201315879822, 1.6011685132980347, 2.600710391998291, 3.600507974624634].forEach((v, i) => expect(adam[i]).toBeCloseTo(v, 6));
    const adagrad = run((w) => new Adagrad([w, w], { lr: 0.1, lrDecay: 0.5 }));
    [0.8086844086647034, 1.8062386512756348, 2.8054685592651367, 3.805091381072998].forEach((v, i) => expect(adagrad[i]).toBeCloseTo(v, 6));
  });
});
