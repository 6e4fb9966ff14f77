import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import {
  batchNorm,
  batchNormBackward,
  layerNorm,
  layerNormBackward,
  nllLoss,
  nllLossBackward,
  normStats,
  softmaxBackward,
} from '@dl/tensor/internal';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from './index.js';
import { batchNormFast, type PlaneKernels } from './kernels/batch-norm.js';
import { softmaxFast } from './kernels/softmax.js';

/**
 * PyTorch 1.13 values for the fused softmax / logSoftmax / batch-norm / layer-norm kernels (Note
 * [Fused softmax], Note [Fused batch norm], Note [Fused layer norm]), at sizes above 16K elements, written by
 * `tools/fixtures/softmax_bn_fixtures.py` (inputs rebuilt here from its LCG, outputs stored as
 * base64 float32 of torch's float64 result). Every case runs twice: on the fused kernels (the
 * test checks they ran) and with them removed from the backend (the composites), so both paths
 * are held to torch. The backward kernels are reached through @dl/tensor/internal's
 * `softmaxBackward` / `batchNormBackward` / `layerNormBackward`, which the autograd rules call
 * with grad mode off.
 */

interface Input {
  shape: number[];
  seed: number;
  lo: number;
  hi: number;
  int?: boolean;
  specials?: Array<[number, number | string]>;
  add?: Array<[number, number]>;
}
interface SoftmaxCase {
  name: string;
  kind: 'softmax' | 'logSoftmax';
  dim: number;
  x: Input;
  g: Input;
  y: string;
  gx: string;
}
interface BnCase {
  name: string;
  training: boolean;
  eps: number;
  x: Input;
  g: Input;
  w?: Input;
  b?: Input;
  rm?: Input;
  rv?: Input;
  y: string;
  gx: string;
  gw?: string;
  gb?: string;
  mean: string;
  var: string;
}

interface LnCase {
  name: string;
  normalizedShape: number[];
  eps: number;
  x: Input;
  g: Input;
  w?: Input;
  b?: Input;
  y: string;
  gx: string;
  gw?: string;
  gb?: string;
}

const doc = JSON.parse(gunzipSync(readFileSync(new URL('./fixtures/softmax-bn.json.gz', import.meta.url))).toString('utf8')) as {
  cases: Array<SoftmaxCase | BnCase | LnCase>;
};
const softmaxCases = doc.cases.filter((c): c is SoftmaxCase => 'kind' in c);
const lnCases = doc.cases.filter((c): c is LnCase => 'normalizedShape' in c);
const bnCases = doc.cases.filter((c): c is BnCase => 'training' in c);

/** tools/fixtures/softmax_bn_fixtures.py's `build`: LCG integers k / 1024 as float32, specials, per-channel adds. */
function build(spec: Input): Tensor {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const span = spec.hi - spec.lo + 1;
  const v = new Float32Array(n);
  let s = spec.seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) % 4294967296;
    v[i] = (spec.lo + (Math.floor(s / 256) % span)) / 1024;
  }
  const special: Record<string, number> = { nan: Number.NaN, inf: Number.POSITIVE_INFINITY, '-inf': Number.NEGATIVE_INFINITY };
  for (const [i, x] of spec.specials ?? []) v[i] = typeof x === 'string' ? special[x]! : x;
  if (spec.add) {
    const C = spec.shape[1]!;
    const inner = spec.shape.slice(2).reduce((a, b) => a * b, 1);
    for (const [c, a] of spec.add) for (let i = 0; i < n; i++) if (Math.floor(i / inner) % C === c) v[i] = Math.fround(v[i]! + a);
  }
  // .clone(): into the pool (the wasm heap), as a tensor a model computes
  return dl.tensor(v).reshape(spec.shape).clone();
}

function decode(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Same non-finite values at the same places; elsewhere |got − want| <= rtol·|want| + atol·max|want|. */
function expectClose(what: string, got: Tensor, want: Float32Array, rtol = 1e-5, atol = 1e-5): void {
  const g = got.dataSync() as Float32Array;
  expect(g.length, what).toBe(want.length);
  let max = 0;
  for (const w of want) if (Number.isFinite(w)) max = Math.max(max, Math.abs(w));
  let bad = 0;
  let first = '';
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const x = g[i]!;
    const ok = Number.isFinite(w)
      ? Math.abs(x - w) <= rtol * Math.abs(w) + atol * max
      : Object.is(x, w) || (Number.isNaN(w) && Number.isNaN(x));
    if (!ok && bad++ === 0) first = `element ${i}: got ${x}, expected ${w}`;
  }
  expect(bad === 0 ? null : `${what}: ${bad} elements differ, first ${first}`).toBeNull();
}

/** `k` with every method but `accepts` counted. */
function countCalls(k: PlaneKernels, hit: () => void): PlaneKernels {
  const wrap =
    <A extends unknown[], R>(f: (...a: A) => R) =>
    (...a: A): R => {
      hit();
      return f(...a);
    };
  return {
    accepts: k.accepts,
    sum: wrap(k.sum),
    sqdev: wrap(k.sqdev),
    dot: wrap(k.dot),
    affine: wrap(k.affine),
    backward: wrap(k.backward),
  };
}

/** Run `f` with the fused kernels in place (counting their calls) or removed (the composites run). */
function withKernels<T>(fused: boolean, f: () => T): { result: T; calls: number } {
  const be = cpuBackend as unknown as Record<string, unknown>;
  const names = [
    'softmax',
    'softmaxBackward',
    'batchNorm',
    'batchNormBackward',
    'layerNorm',
    'layerNormBackward',
    'nllLoss',
    'nllLossBackward',
  ];
  const saved = names.map((n) => be[n]);
  let calls = 0;
  for (const [i, n] of names.entries()) {
    const k = saved[i] as (...a: unknown[]) => void;
    be[n] = fused
      ? (...a: unknown[]) => {
          calls++;
          return k.apply(cpuBackend, a);
        }
      : undefined;
  }
  try {
    return { result: f(), calls };
  } finally {
    for (const [i, n] of names.entries()) be[n] = saved[i];
  }
}

describe('fused softmax / logSoftmax against PyTorch', () => {
  for (const c of softmaxCases) {
    for (const mode of ['wasm', 'js', 'composite'] as const) {
      const fused = mode !== 'composite';
      it(`${c.name} (${mode === 'wasm' ? 'fused kernel, wasm rows' : mode === 'js' ? 'fused kernel, JS loops' : 'composite'})`, () => {
        const x = build(c.x);
        expect(x.numel()).toBeGreaterThanOrEqual(16384);
        const g = build(c.g);
        const rows = softmaxFast.rows;
        let taken = 0;
        softmaxFast.rows =
          mode === 'wasm' && rows
            ? {
                forward: (...a) => rows.forward(...a) && ++taken > 0,
                backward: (...a) => rows.backward(...a) && ++taken > 0,
              }
            : null;
        let r: { result: { y: Tensor; gx: Tensor }; calls: number };
        try {
          r = withKernels(fused, () => {
            const y = c.kind === 'softmax' ? x.softmax(c.dim) : x.logSoftmax(c.dim);
            const d = c.dim < 0 ? c.dim + x.dim() : c.dim;
            return { y, gx: softmaxBackward(y, g, d, c.kind === 'logSoftmax') };
          });
        } finally {
          softmaxFast.rows = rows;
        }
        const { result, calls } = r;
        expect(calls).toBe(fused ? 2 : 0);
        // the wasm rows take the last dim when its length is a multiple of 4
        const last = c.dim === -1 || c.dim === c.x.shape.length - 1;
        if (mode === 'wasm' && rows && process.env.DL_CPU_WASM !== '0') expect(taken).toBe(last ? 2 : 0);
        expectClose(`${c.name} y`, result.y, decode(c.y), 1e-5, 1e-6);
        expectClose(`${c.name} gx`, result.gx, decode(c.gx), 1e-5, 1e-5);
      });
    }
  }

  it('strided, float64 and integer inputs: the same values as the contiguous float32 input', () => {
    const c = softmaxCases.find((k) => k.name === 'softmax_dim1')!;
    const x = build(c.x);
    const want = x.softmax(1).dataSync();
    // a permuted (non-contiguous) view: made contiguous for the kernel
    const xt = x.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2]);
    expect(xt.isContiguous()).toBe(false);
    const { result, calls } = withKernels(true, () => xt.softmax(1));
    expect(calls).toBe(1);
    expect(result.dataSync()).toEqual(want);
    // float64 runs the same kernel in double
    const y64 = withKernels(true, () => x.to('float64').logSoftmax(1));
    expect(y64.calls).toBe(1);
    expectClose('float64', y64.result.to('float32'), x.logSoftmax(1).dataSync() as Float32Array, 1e-6, 1e-7);
    // integers: cast to float32 first (the same kernel), as the composite does
    const xi = dl.arange(0, 40).reshape([4, 10]).to('int32');
    const yi = withKernels(true, () => xi.softmax(1));
    expect(yi.calls).toBe(1);
    expect(yi.result.dtype).toBe('float32');
    expect(yi.result.dataSync()).toEqual(xi.to('float32').softmax(1).dataSync());
    const yc = withKernels(false, () => xi.logSoftmax(1));
    expectClose('int composite', yc.result, xi.to('float32').logSoftmax(1).dataSync() as Float32Array, 1e-6, 1e-7);
  });

  it('wasm rows decline rows whose length is not a multiple of 4 and arrays outside the heap; the JS loops agree', () => {
    const x = build({ shape: [64, 258], seed: 5, lo: -8192, hi: 8192 });
    const x4 = x.narrow(1, 0, 256).contiguous();
    const host4 = dl.fromArray(new Float32Array(x4.dataSync() as Float32Array), [64, 256]); // zero-copy, outside the heap
    const rows = softmaxFast.rows;
    if (!rows || process.env.DL_CPU_WASM === '0') return;
    let taken = 0;
    softmaxFast.rows = { forward: (...a) => rows.forward(...a) && ++taken > 0, backward: (...a) => rows.backward(...a) && ++taken > 0 };
    try {
      const a = x.logSoftmax(1); // rows of 258
      expect(taken).toBe(0);
      const b = host4.logSoftmax(1);
      expect(taken).toBe(0);
      const c = x4.logSoftmax(1);
      expect(taken).toBe(1);
      expectClose('host vs heap', b, c.dataSync() as Float32Array, 1e-6, 1e-6);
      softmaxFast.rows = null;
      expectClose('258 rows', a, x.logSoftmax(1).dataSync() as Float32Array, 1e-6, 1e-6);
      expectClose('wasm vs JS', c, x4.logSoftmax(1).dataSync() as Float32Array, 1e-6, 1e-6);
    } finally {
      softmaxFast.rows = rows;
    }
  });

  it('the wasm exp (Note [SIMD exp]) is within 2 ulp of Math.exp on [-100, 0], exp(-inf) = 0, exp(NaN) = NaN', () => {
    const rows = softmaxFast.rows;
    if (!rows || process.env.DL_CPU_WASM === '0') return;
    // logSoftmax's backward with g = one-hot(0), Σg = 1: gradIn[i] = -exp(y[i]) for i > 0
    const n = 1 << 16;
    const yv = new Float32Array(n).map((_, i) => -100 + (100 * i) / n);
    yv[1] = Number.NEGATIVE_INFINITY;
    yv[2] = Number.NaN;
    const y = dl.tensor(yv).reshape([1, n]).clone();
    const o = softmaxBackward(y, dl.oneHot(dl.tensor([0], { dtype: 'int32' }), n).to('float32'), 1, true);
    const ov = o.dataSync() as Float32Array;
    expect(ov[1]).toBe(0);
    expect(ov[2]).toBeNaN();
    let worst = 0;
    for (let i = 3; i < n; i++) {
      const want = Math.fround(Math.exp(yv[i]!));
      const got = -ov[i]!;
      if (want < 1.2e-38) expect(Math.abs(got)).toBeLessThan(1.2e-38);
      else worst = Math.max(worst, Math.abs(got - want) / 2 ** (Math.floor(Math.log2(want)) - 23));
    }
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('0-d and empty inputs', () => {
    expect(dl.tensor(3).softmax(0).itemSync()).toBe(1);
    expect(dl.tensor(3).logSoftmax(0).itemSync()).toBe(0);
    expect(dl.zeros([0, 5]).softmax(1).shape).toEqual([0, 5]);
  });
});

describe('fused batch norm against PyTorch', () => {
  for (const c of bnCases) {
    for (const mode of ['wasm', 'js', 'composite'] as const) {
      const fused = mode !== 'composite';
      it(`${c.name} (${mode === 'wasm' ? 'fused kernel, wasm planes' : mode === 'js' ? 'fused kernel, JS loops' : 'composite'})`, () => {
        const x = build(c.x);
        expect(x.numel()).toBeGreaterThanOrEqual(16384);
        expect(x.shape[0]).toBeGreaterThanOrEqual(8);
        const g = build(c.g);
        const w = c.w ? build(c.w) : null;
        const b = c.b ? build(c.b) : null;
        const rm = c.rm ? build(c.rm) : null;
        const rv = c.rv ? build(c.rv) : null;
        const planes = batchNormFast.planes;
        let planeCalls = 0;
        batchNormFast.planes = mode === 'wasm' && planes ? countCalls(planes, () => planeCalls++) : null;
        const { result, calls } = withKernels(fused, () => {
          const r = batchNorm(x, w, b, { training: c.training, eps: c.eps, runningMean: rm, runningVar: rv });
          const C = x.shape[1]!;
          const mean = c.training ? r.mean : rm!;
          const invstd = (c.training ? r.var : rv!).add(c.eps).rsqrt();
          const grads = batchNormBackward(g, x, w, mean.reshape(C), invstd.reshape(C), c.training, [true, true, true]);
          return { r, grads };
        });
        batchNormFast.planes = planes;
        expect(calls).toBe(fused ? 2 : 0);
        // planes of one element ([N, C] input) stay on the JS loops
        const plane = c.x.shape.slice(2).reduce((a, b) => a * b, 1);
        if (mode === 'wasm' && planes && process.env.DL_CPU_WASM !== '0') expect(planeCalls > 0).toBe(plane >= 16);
        expectClose(`${c.name} y`, result.r.output, decode(c.y));
        if (c.training) {
          expectClose(`${c.name} mean`, result.r.mean, decode(c.mean), 1e-6, 1e-6);
          expectClose(`${c.name} var`, result.r.var, decode(c.var), 1e-5, 1e-6);
        }
        if (!fused) {
          expect(result.grads).toBeNull(); // no kernel: the autograd rule's tensor ops run instead
          return;
        }
        const [gx, gw, gb] = result.grads!;
        expectClose(`${c.name} gx`, gx!, decode(c.gx));
        if (c.w) {
          expectClose(`${c.name} gw`, gw!, decode(c.gw!));
          expectClose(`${c.name} gb`, gb!, decode(c.gb!));
        } else expect(gw).toBeNull();
      });
    }
  }

  it('wasm planes decline inputs outside the wasm heap (zero-copy host arrays): the JS loops give the same values', () => {
    const c = bnCases.find((k) => k.name === 'bn_train_affine')!;
    const heapX = build(c.x);
    const hostX = dl.fromArray(new Float32Array(heapX.dataSync() as Float32Array), c.x.shape);
    const planes = batchNormFast.planes;
    let planeCalls = 0;
    if (planes) batchNormFast.planes = countCalls(planes, () => planeCalls++);
    try {
      const opts = { training: true, eps: c.eps, runningMean: null, runningVar: null };
      const host = batchNorm(hostX, null, null, opts).output;
      expect(planeCalls).toBe(0);
      const heap = batchNorm(heapX, null, null, opts).output;
      if (planes && process.env.DL_CPU_WASM !== '0') expect(planeCalls).toBeGreaterThan(0);
      expectClose('host input', host, heap.dataSync() as Float32Array, 1e-6, 1e-6);
    } finally {
      batchNormFast.planes = planes;
    }
  });

  it('only the requested gradients; float64 through the same kernels; mixed dtypes decline', () => {
    const c = bnCases.find((k) => k.name === 'bn_train_affine')!;
    const x = build(c.x);
    const g = build(c.g);
    const w = build(c.w!);
    const b = build(c.b!);
    const r = batchNorm(x, w, b, { training: true, eps: c.eps, runningMean: null, runningVar: null });
    const invstd = r.var.add(c.eps).rsqrt();
    const [gx, gw, gb] = batchNormBackward(g, x, w, r.mean, invstd, true, [false, true, false])!;
    expect(gx).toBeNull();
    expect(gb).toBeNull();
    expectClose('gw only', gw!, decode(c.gw!));
    const r64 = batchNorm(x.to('float64'), w.to('float64'), b.to('float64'), {
      training: true,
      eps: c.eps,
      runningMean: null,
      runningVar: null,
    });
    expectClose('float64 y', r64.output.to('float32'), decode(c.y));
    // a float64 weight with a float32 input: no fused kernel (the composite's dtype rules apply)
    expect(batchNormBackward(g, x, w.to('float64'), r.mean, invstd, true, [true, true, true])).toBeNull();
  });
});

describe('fused layer norm against PyTorch', () => {
  for (const c of lnCases) {
    for (const fused of [true, false]) {
      it(`${c.name} (${fused ? 'fused kernel' : 'composite'})`, () => {
        const x = build(c.x);
        expect(x.numel()).toBeGreaterThanOrEqual(16384);
        const g = build(c.g);
        const w = c.w ? build(c.w) : null;
        const b = c.b ? build(c.b) : null;
        const k = c.normalizedShape.length;
        const axes = Array.from({ length: k }, (_, i) => x.dim() - k + i);
        const { result, calls } = withKernels(fused, () => {
          const y = layerNorm(x, c.normalizedShape, w, b, c.eps);
          const { mean, rstd } = normStats(x, axes, c.eps);
          return { y, grads: layerNormBackward(g, x, k, w, mean, rstd, [true, true, true]) };
        });
        expect(calls).toBe(fused ? 2 : 0);
        expectClose(`${c.name} y`, result.y, decode(c.y));
        if (!fused) {
          expect(result.grads).toBeNull();
          return;
        }
        const [gx, gw, gb] = result.grads!;
        expectClose(`${c.name} gx`, gx!, decode(c.gx));
        if (c.w) {
          expect(gw!.shape).toEqual(c.normalizedShape);
          expectClose(`${c.name} gw`, gw!, decode(c.gw!));
          expectClose(`${c.name} gb`, gb!, decode(c.gb!));
        } else expect(gw).toBeNull();
      });
    }
  }

  it('a float32 row whose sum overflows is NaN (as torch and the composite); float64 keeps it', () => {
    const x = dl.tensor([
      [3e38, 3e38, 3e38, 3e38],
      [1, 2, 3, 4],
    ]);
    const fused = withKernels(true, () => layerNorm(x, [4], null, null, 1e-5));
    expect(fused.calls).toBe(1);
    const composite = withKernels(false, () => layerNorm(x, [4], null, null, 1e-5)).result;
    for (const y of [fused.result, composite]) {
      const v = y.dataSync();
      expect(Array.from(v.slice(0, 4)).every(Number.isNaN)).toBe(true);
      expectClose('finite row', y.narrow(0, 1, 1), Float32Array.from([-1.3416355, -0.4472118, 0.4472118, 1.3416355]), 1e-5, 1e-6);
    }
    expect(Array.from(layerNorm(x.to('float64'), [4], null, null, 1e-5).dataSync().slice(0, 4))).toEqual([0, 0, 0, 0]);
  });
});

describe('fused nll loss (Note [Fused nll loss])', () => {
  // rows of logits-like values with targets including the ignore index; checked against a direct evaluation
  const M = 2048;
  const C = 10;
  const x = build({ shape: [M, C], seed: 81, lo: -8192, hi: 0 });
  const tv = new Int32Array(M).map((_, i) => (i % 7 === 3 ? -1 : (i * 5) % C));
  const target = dl.tensor(tv, { dtype: 'int32' });
  const weight = build({ shape: [C], seed: 82, lo: 256, hi: 4096 });
  const xv = x.dataSync() as Float32Array;
  const wv = weight.dataSync() as Float32Array;
  function expected(reduction: 'mean' | 'sum' | 'none', w: boolean): { out: number[]; total: number } {
    const l: number[] = [];
    let total = 0;
    for (let i = 0; i < M; i++) {
      const t = tv[i]!;
      if (t === -1) {
        l.push(0);
        continue;
      }
      const wt = w ? wv[t]! : 1;
      total += wt;
      l.push(-wt * xv[i * C + t]!);
    }
    const s = l.reduce((a, b) => a + b, 0);
    return { out: reduction === 'none' ? l : [reduction === 'mean' ? s / total : s], total };
  }
  for (const reduction of ['mean', 'sum', 'none'] as const) {
    for (const w of [false, true]) {
      it(`${reduction}${w ? ', class weights' : ''}, ignore index: fused kernel and composite agree with the direct sums`, () => {
        const want = expected(reduction, w);
        const g = reduction === 'none' ? build({ shape: [M], seed: 83, lo: -4096, hi: 4096 }) : dl.tensor(1.5);
        for (const fused of [true, false]) {
          const { result, calls } = withKernels(fused, () => {
            const out = nllLoss(x, target, { weight: w ? weight : null, ignoreIndex: -1, reduction });
            // the forward's totalWeight, as the node saves it
            const total = dl.tensor(want.total);
            return { out, gx: nllLossBackward(g, [M, C], target, w ? weight : null, total, -1, reduction) };
          });
          expect(calls).toBe(fused ? 2 : 0);
          expectClose(`${reduction} loss`, result.out, Float32Array.from(want.out), 1e-5, 1e-6);
          if (!fused) {
            expect(result.gx).toBeNull();
            continue;
          }
          const gx = result.gx!.dataSync() as Float32Array;
          const gv = g.dataSync() as Float32Array;
          const wantG = new Float32Array(M * C);
          for (let i = 0; i < M; i++) {
            const t = tv[i]!;
            if (t === -1) continue;
            const gi = reduction === 'none' ? gv[i]! : reduction === 'mean' ? gv[0]! / want.total : gv[0]!;
            wantG[i * C + t] = -(w ? wv[t]! : 1) * gi;
          }
          expectClose(`${reduction} grad`, result.gx!, wantG, 1e-6, 1e-7);
          expect(gx.length).toBe(M * C);
        }
      });
    }
  }

  it('every target ignored: the mean is NaN and its gradient 0, as torch; [C] input with a 0-d target', () => {
    const all = dl.full([M], -1, { dtype: 'int32' });
    const out = nllLoss(x, all, { weight: null, ignoreIndex: -1, reduction: 'mean' });
    expect(out.itemSync()).toBeNaN();
    const gx = nllLossBackward(dl.tensor(1), [M, C], all, null, dl.tensor(0), -1, 'mean')!;
    expect(Array.from(gx.dataSync()).every((v) => v === 0)).toBe(true);
    const row = x.at(5);
    const one = nllLoss(row, dl.tensor(3, { dtype: 'int32' }), { weight: null, ignoreIndex: -100, reduction: 'mean' });
    expect(one.itemSync()).toBeCloseTo(-xv[5 * C + 3]!, 6);
  });
});
