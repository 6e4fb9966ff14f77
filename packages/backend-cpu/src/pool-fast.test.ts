import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import type { Pool2dParams, TensorView } from '@dl/tensor/backend';
import { avgPool2dBackward, maxPool2dBackward, thresholdBackward } from '@dl/tensor/internal';
import { cpuBackend } from './index.js';
import { avgPool2dFast, maxPool2dFast } from './kernels/pool-fast.js';
import { avgPool2dBackward as avgPool2dBackwardJs, maxPool2dBackward as maxPool2dBackwardJs } from './kernels/pool-backward.js';
import { thresholdBackward as thresholdBackwardJs } from './kernels/threshold-backward.js';
import { heapEnabled, heapPtr } from './wasm/heap.js';
import { avgPool2dBackwardWasm, avgPool2dWasm, maxPool2dBackwardWasm, maxPool2dWasm, maxPool2x2Wasm } from './wasm/pool-kernels.js';
import { thresholdBackwardWasm } from './wasm/threshold-backward.js';

/**
 * PyTorch fixtures of tools/fixtures/pool_fast_fixtures.py at sizes that take the fast paths
 * (batch 8, >= 16K elements): relu's backward (threshold_backward) and max/avg pooling forward
 * and backward. Inputs are rebuilt here from the script's integer formula (`values`).
 * Each case runs on the default kernels (wasm / fast JS), on the reference kernels (fast paths
 * removed) and on the op layer's composites (fused backend methods removed).
 */
interface Spec {
  seed: number;
  levels?: number;
  scale?: number;
  nan_every?: number;
  ninf_every?: number;
}
interface ReluCase {
  kind: 'relu';
  name: string;
  shape: number[];
  dtype: 'float32' | 'float64';
  x: Spec;
  g: Spec;
  grad: string;
}
interface PoolCase {
  kind: 'pool';
  name: string;
  shape: number[];
  kernelSize: [number, number];
  stride: [number, number];
  padding: [number, number];
  dilation: [number, number];
  ceilMode: boolean;
  countIncludePad: boolean;
  x: Spec;
  g: Spec;
  outShape: number[];
  max: string;
  indices: string;
  maxGrad: string;
  avg?: string;
  avgGrad?: string;
}
const fx = JSON.parse(gunzipSync(readFileSync(new URL('./fixtures/pool-fast.json.gz', import.meta.url))).toString('utf8')) as {
  cases: Array<ReluCase | PoolCase>;
};
const reluCases = fx.cases.filter((c): c is ReluCase => c.kind === 'relu');
const poolCases = fx.cases.filter((c): c is PoolCase => c.kind === 'pool');

/** The fixture script's inputs: a multiplicative hash mapped to k / scale, NaN / -inf at chosen positions. */
function values(n: number, s: Spec): Float64Array {
  const levels = s.levels ?? 2048;
  const scale = s.scale ?? 256;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const h = ((Math.imul(i, 0x9e3779b1) + s.seed * 40503) >>> 0) >>> 16;
    out[i] = ((h % levels) - Math.floor(levels / 2)) / scale;
    if (s.nan_every && i % s.nan_every === 7) out[i] = Number.NaN;
    if (s.ninf_every && i % s.ninf_every === 3) out[i] = Number.NEGATIVE_INFINITY;
  }
  return out;
}
function input(shape: number[], s: Spec, dtype: 'float32' | 'float64' = 'float32'): dl.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return dl.tensor(Array.from(values(n, s)), { dtype }).reshape(shape);
}
function f32(b64: string): Float32Array {
  const b = Buffer.from(b64, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function i32(b64: string): Int32Array {
  const b = Buffer.from(b64, 'base64');
  return new Int32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
/** Equal element by element (NaN equals NaN); |got - want| <= atol + rtol |want| when tolerances are given. */
function expectClose(name: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol = 0, atol = 0): void {
  expect(got.length, `${name}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!;
    const w = want[i]!;
    const ok = Number.isNaN(w) ? Number.isNaN(g) : g === w || Math.abs(g - w) <= atol + rtol * Math.abs(w);
    if (!ok) expect({ name, i, got: g }).toEqual({ name, i, got: w });
  }
}
function params(c: PoolCase): Pool2dParams {
  return {
    kernelSize: c.kernelSize,
    stride: c.stride,
    padding: c.padding,
    dilation: c.dilation,
    ceilMode: c.ceilMode,
    countIncludePad: c.countIncludePad,
  };
}

// Run the same code on the fast kernels, the reference kernels and the composites.
const be = cpuBackend as unknown as Record<string, unknown>;
const FUSED = ['thresholdBackward', 'maxPool2dBackward', 'avgPool2dBackward', 'maxPool2d', 'avgPool2d'] as const;
const FAST = ['thresholdBackward', 'maxPool2d', 'maxPool2dBackward', 'avgPool2d', 'avgPool2dBackward'] as const;
const savedFused = Object.fromEntries(FUSED.map((k) => [k, be[k]]));
const savedFast = Object.fromEntries(FAST.map((k) => [k, cpuBackend.fast[k]]));
type Mode = 'fast' | 'reference' | 'composite';
function setMode(m: Mode): void {
  for (const k of FAST) (cpuBackend.fast as Record<string, unknown>)[k] = m === 'fast' ? savedFast[k] : undefined;
  for (const k of FUSED) be[k] = m === 'composite' ? undefined : savedFused[k];
}
afterEach(() => setMode('fast'));
const MODES: Mode[] = ['fast', 'reference', 'composite'];

describe('relu backward (threshold_backward) against PyTorch', () => {
  const wasmOff = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DL_CPU_WASM === '0';
  it.skipIf(wasmOff)('the fast paths are installed (DL_CPU_WASM=0 leaves them out)', () => {
    expect(typeof cpuBackend.fast.thresholdBackward).toBe('function');
    expect(typeof cpuBackend.fast.maxPool2d).toBe('function');
  });
  for (const mode of MODES) {
    it.each(reluCases.map((c) => [c.name, c] as const))(`%s (${mode})`, (_n, c) => {
      setMode(mode);
      const x = input(c.shape, c.x, c.dtype);
      const g = input(c.shape, c.g, c.dtype);
      const y = x.relu();
      expectClose(c.name, thresholdBackward(g, y, 0).dataSync(), f32(c.grad));
      // on transposed (strided) and offset views: the same values
      const dims = c.shape.length;
      const gt = g.transpose(0, dims - 1);
      const yt = y.transpose(0, dims - 1);
      const r = thresholdBackward(gt, yt, 0);
      expectClose(
        `${c.name} strided`,
        r
          .transpose(0, dims - 1)
          .contiguous()
          .dataSync(),
        f32(c.grad),
      );
      const n = x.numel();
      const off = thresholdBackward(g.reshape(-1).narrow(0, 3, n - 3), y.reshape(-1).narrow(0, 3, n - 3));
      expectClose(`${c.name} offset`, off.dataSync(), f32(c.grad).subarray(3));
    });
  }

  it('bad input raises typed errors naming the op', () => {
    const a = dl.zeros([4, 5]);
    expect(() => thresholdBackward(a, dl.zeros([5, 4]))).toThrow(dl.ShapeError);
    expect(() => thresholdBackward(a, dl.zeros([5, 4]))).toThrow(/thresholdBackward: grad \[4, 5\] and output \[5, 4\]/);
    expect(() => thresholdBackward(a, dl.zeros([4, 5], { dtype: 'float64' }))).toThrow(dl.DTypeError);
    expect(() => thresholdBackward(dl.zeros([4, 5], { dtype: 'int32' }), dl.zeros([4, 5], { dtype: 'int32' }))).toThrow(/floating/);
  });
});

function heapView(data: ArrayLike<number>, shape: number[], strides?: number[], offset = 0): TensorView {
  const n = data.length;
  const buf = cpuBackend.allocate('float32', n) as Float32Array;
  buf.set(data);
  const st = strides ?? shape.map((_, d) => shape.slice(d + 1).reduce((a, b) => a * b, 1));
  return { buffer: buf, dtype: 'float32', shape, strides: st, offset };
}

describe('threshold_backward wasm kernel', () => {
  it.runIf(heapEnabled())('takes heap buffers in place (whole 16-float groups + a tail) and matches the JS kernel', () => {
    for (const n of [1024, 1031, 16392, 40000]) {
      const gv = values(n + 5, { seed: 21, nan_every: 13 });
      const yv = values(n + 5, { seed: 22, levels: 16, scale: 4, nan_every: 11, ninf_every: 19 });
      const g = heapView(gv, [n], undefined, 5);
      const y = heapView(yv, [n], undefined, 5);
      expect(heapPtr(g.buffer as Float32Array)).toBeGreaterThanOrEqual(0);
      const out = heapView(new Float32Array(n), [n]);
      const ref = { ...out, buffer: new Float32Array(n) };
      for (const t of [0, 0.5, -1]) {
        expect(thresholdBackwardWasm(g, y, out, t)).toBe(true);
        thresholdBackwardJs(g, y, ref, t);
        expectClose(`n=${n} t=${t}`, out.buffer as Float32Array, ref.buffer as Float32Array);
        expect(Array.from(out.buffer as Float32Array).some((v) => Object.is(v, -0))).toBe(false);
      }
    }
  });
  it('declines float64, strided views, small sizes and arrays outside the heap', () => {
    const n = 4096;
    const g = heapView(values(n, { seed: 1 }), [64, 64]);
    const y = heapView(values(n, { seed: 2 }), [64, 64]);
    const out = heapView(new Float32Array(n), [64, 64]);
    expect(thresholdBackwardWasm({ ...g, strides: [1, 64] }, y, out, 0)).toBe(false);
    expect(thresholdBackwardWasm({ ...g, buffer: new Float32Array(n) }, y, out, 0)).toBe(false);
    const small = heapView(new Float32Array(16), [16]);
    expect(thresholdBackwardWasm(small, small, small, 0)).toBe(false);
    const d = { ...g, dtype: 'float64' as const, buffer: new Float64Array(n) };
    expect(thresholdBackwardWasm(d, { ...d }, { ...d }, 0)).toBe(false);
  });
});

describe('max/avg pooling against PyTorch (fast, reference and composite paths)', () => {
  for (const mode of MODES) {
    it.each(poolCases.map((c) => [c.name, c] as const))(`%s (${mode})`, (_n, c) => {
      setMode(mode);
      const p = params(c);
      const x = input(c.shape, c.x);
      const g = input(c.outShape, c.g);
      const { values: v, indices } = dl.maxPool2d(x, p);
      expect(v.shape).toEqual(c.outShape);
      expectClose(`${c.name} max`, v.dataSync(), f32(c.max));
      expectClose(`${c.name} indices`, indices.dataSync(), i32(c.indices));
      // overlapping windows add several float32 gradients into one input position
      expectClose(`${c.name} max grad`, maxPool2dBackward(g, indices, c.shape, p).dataSync(), f32(c.maxGrad), 1e-6, 1e-6);
      if (c.avg && c.avgGrad) {
        // float32 rounding of a window sum (at most 9 values) and of the division
        expectClose(`${c.name} avg`, dl.avgPool2d(x, p).dataSync(), f32(c.avg), 1e-6, 1e-6);
        expectClose(`${c.name} avg grad`, avgPool2dBackward(g, c.shape, p).dataSync(), f32(c.avgGrad), 1e-6, 1e-6);
      }
    });
  }

  it('strided and unbatched inputs pool like their contiguous copies', () => {
    const c = poolCases.find((q) => q.name === 'stem_3x3_s2_p1')!;
    const p = params(c);
    const x = input(c.shape, c.x);
    const xt = x.transpose(2, 3).contiguous().transpose(2, 3); // same values, column-major planes
    expect(xt.isContiguous()).toBe(false);
    const a = dl.maxPool2d(xt, p);
    expectClose('strided max', a.values.dataSync(), f32(c.max));
    expectClose('strided indices', a.indices.dataSync(), i32(c.indices));
    const u = dl.maxPool2d(x.select(0, 0), p);
    expectClose('unbatched max', u.values.dataSync(), f32(c.max).subarray(0, u.values.numel()));
  });

  it.runIf(heapEnabled())('the wasm 2x2 forward and the wasm backward run on heap buffers and match the JS kernels', () => {
    for (const c of poolCases.filter((q) => ['lenet2_2x2', 'odd_2x2_floor', 'ties_nan_inf_2x2'].includes(q.name))) {
      const p = params(c);
      const [N, C, H, W] = c.shape as [number, number, number, number];
      const [OH, OW] = c.outShape.slice(2) as [number, number];
      const x = heapView(values(N * C * H * W, c.x), c.shape);
      const out = heapView(new Float32Array(N * C * OH * OW), c.outShape);
      const L = N * C * OH * OW;
      const idx: TensorView = { buffer: new Int32Array(L), dtype: 'int32', shape: c.outShape, strides: out.strides, offset: 0 };
      expect(maxPool2x2Wasm(x, out, idx, p), c.name).toBe(true); // OW of 6, 7, 12: whole groups of 4 and a tail
      expectClose(`${c.name} wasm max`, out.buffer as Float32Array, f32(c.max));
      expectClose(`${c.name} wasm indices`, idx.buffer as Int32Array, i32(c.indices));
      const g = heapView(values(L, c.g), c.outShape);
      const gradIn = heapView(new Float32Array(N * C * H * W).fill(7), c.shape);
      expect(maxPool2dBackwardWasm(g, idx, gradIn)).toBe(true);
      const ref = { ...gradIn, buffer: new Float32Array(N * C * H * W) };
      maxPool2dBackwardJs(g, idx, ref, p);
      expectClose(`${c.name} wasm backward`, gradIn.buffer as Float32Array, ref.buffer as Float32Array);
      expectClose(`${c.name} wasm backward vs torch`, gradIn.buffer as Float32Array, f32(c.maxGrad), 1e-6, 1e-6);
      // declines: a window other than 2x2/2, a view outside the heap
      expect(maxPool2x2Wasm(x, out, idx, { ...p, padding: [1, 1] })).toBe(false);
      expect(maxPool2x2Wasm({ ...x, buffer: new Float32Array(N * C * H * W) }, out, idx, p)).toBe(false);
      expect(maxPool2dBackwardWasm(g, idx, { ...gradIn, buffer: new Float32Array(N * C * H * W) })).toBe(false);
      (idx.buffer as Int32Array)[5] = H * W;
      expect(() => maxPool2dBackwardWasm(g, idx, gradIn)).toThrow(dl.IndexError);
    }
  });

  it.runIf(heapEnabled())('the general wasm max pool takes every window shape on heap buffers', () => {
    for (const c of poolCases) {
      const p = params(c);
      const [N, C, H, W] = c.shape as [number, number, number, number];
      const x = heapView(values(N * C * H * W, c.x), c.shape);
      const out = heapView(new Float32Array(c.outShape.reduce((a, b) => a * b, 1)), c.outShape);
      const idx: TensorView = {
        buffer: new Int32Array((out.buffer as Float32Array).length),
        dtype: 'int32',
        shape: c.outShape,
        strides: out.strides,
        offset: 0,
      };
      expect(maxPool2dWasm(x, out, idx, p), c.name).toBe(true);
      expectClose(`${c.name} wasm max`, out.buffer as Float32Array, f32(c.max));
      expectClose(`${c.name} wasm indices`, idx.buffer as Int32Array, i32(c.indices));
    }
  });

  it.runIf(heapEnabled())('average pooling in wasm on heap buffers matches torch and the JS kernels (and declines dilation)', () => {
    for (const c of poolCases.filter((q) => q.avg && q.avgGrad)) {
      const p = params(c);
      const [N, C, H, W] = c.shape as [number, number, number, number];
      const x = heapView(values(N * C * H * W, c.x), c.shape);
      const L = c.outShape.reduce((a, b) => a * b, 1);
      const out = heapView(new Float32Array(L), c.outShape);
      expect(avgPool2dWasm(x, out, p), c.name).toBe(true);
      const ref = { ...out, buffer: new Float32Array(L) };
      avgPool2dFast(x, ref, p);
      expectClose(`${c.name} wasm avg vs JS`, out.buffer as Float32Array, ref.buffer as Float32Array);
      expectClose(`${c.name} wasm avg`, out.buffer as Float32Array, f32(c.avg!), 1e-6, 1e-6);
      const g = heapView(values(L, c.g), c.outShape);
      const gradIn = heapView(new Float32Array(N * C * H * W).fill(3), c.shape);
      expect(avgPool2dBackwardWasm(g, gradIn, p)).toBe(true);
      const refIn = { ...gradIn, buffer: new Float32Array(N * C * H * W) };
      avgPool2dBackwardJs(g, refIn, p);
      expectClose(`${c.name} wasm avg backward vs JS`, gradIn.buffer as Float32Array, refIn.buffer as Float32Array);
      expectClose(`${c.name} wasm avg backward`, gradIn.buffer as Float32Array, f32(c.avgGrad!), 1e-6, 1e-6);
      expect(avgPool2dWasm(x, out, { ...p, dilation: [2, 1] })).toBe(false);
      expect(avgPool2dWasm({ ...x, buffer: new Float32Array(N * C * H * W) }, out, p)).toBe(false);
    }
  });

  it('the fast kernels decline what they do not handle', () => {
    const p = params(poolCases[0]!);
    const x = heapView(new Float32Array(8 * 4 * 4), [8, 1, 4, 4]);
    const out = heapView(new Float32Array(8 * 4), [8, 1, 2, 2]);
    const idx: TensorView = { buffer: new Int32Array(32), dtype: 'int32', shape: [8, 1, 2, 2], strides: [4, 4, 2, 1], offset: 0 };
    expect(maxPool2dFast(x, out, idx, p)).toBe(true);
    expect(maxPool2dFast({ ...x, strides: [16, 16, 1, 4] }, out, idx, p)).toBe(false);
    expect(maxPool2dFast({ ...x, dtype: 'int32', buffer: new Int32Array(128) }, out, idx, p)).toBe(false);
    expect(avgPool2dFast({ ...x, strides: [16, 16, 1, 4] }, out, p)).toBe(false);
    expect(avgPool2dFast(x, out, p)).toBe(true);
  });

  it('maxPool2dBackward rejects out-of-range indices with an IndexError', () => {
    const p = params(poolCases[0]!);
    const g = dl.ones([1, 1, 2, 2]);
    expect(() => maxPool2dBackward(g, dl.tensor([0, 1, 16, 2], { dtype: 'int32' }).reshape(1, 1, 2, 2), [1, 1, 4, 4], p)).toThrow(
      dl.IndexError,
    );
    expect(() => maxPool2dBackward(g, dl.zeros([1, 1, 2, 2], { dtype: 'float32' }), [1, 1, 4, 4], p)).toThrow(dl.DTypeError);
    expect(() => avgPool2dBackward(dl.ones([1, 1, 3, 2]), [1, 1, 4, 4], p)).toThrow(dl.ShapeError);
  });
});
