import type { OptimizerStep, TensorView } from '@dl/tensor/backend';
import { describe, expect, it } from 'vitest';
import { cpuBackend } from '../index.js';
import { heapPtr } from './heap.js';
import { optimizerStepWasm } from './optim.js';

// The wasm optimizer loops against a float32 JS model of the per-tensor ops (each op rounded to
// float32, in the order of Note [Fused optimizer step]); optim's tests check them against PyTorch.
const f = Math.fround;

function seq(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (((i * 7919 + seed * 104729) % 2003) - 1001) / 1000;
  return out;
}
/** A heap buffer (the pool allocates float32 in the wasm heap) holding `data`. */
function heap(data: Float32Array): Float32Array {
  const b = cpuBackend.allocate('float32', data.length) as Float32Array;
  b.set(data);
  return b;
}
function view(buffer: Float32Array | Float64Array, n: number, offset = 0): TensorView {
  return { buffer, dtype: buffer instanceof Float32Array ? 'float32' : 'float64', shape: [n], strides: [1], offset };
}

const sgd: OptimizerStep = { kind: 'sgd', lr: 0.1, momentum: 0.9, dampening: 0.2, weightDecay: 0.01, nesterov: true, maximize: false };
const adam: OptimizerStep = {
  kind: 'adam',
  lr: 0.01,
  beta1: 0.9,
  beta2: 0.999,
  eps: 1e-8,
  weightDecay: 0.1,
  amsgrad: true,
  maximize: true,
  decoupled: false,
};

function sgdModel(p: Float32Array, g: Float32Array, buf: Float32Array, first: boolean): void {
  for (let i = 0; i < p.length; i++) {
    let d = f(g[i]! + f(p[i]! * f(0.01)));
    buf[i] = first ? d : f(f(buf[i]! * f(0.9)) + f(d * f(0.8)));
    d = f(d + f(buf[i]! * f(0.9)));
    p[i] = f(p[i]! + f(d * f(-0.1)));
  }
}
function adamModel(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, mx: Float32Array, t: number): void {
  const bc1 = 1 - 0.9 ** t;
  const bc2 = f(Math.sqrt(1 - 0.999 ** t));
  for (let i = 0; i < p.length; i++) {
    const d = f(-g[i]! + f(p[i]! * f(0.1)));
    m[i] = f(f(m[i]! * f(0.9)) + f(d * f(1 - 0.9)));
    v[i] = f(f(v[i]! * f(0.999)) + f(f(d * d) * f(1 - 0.999)));
    mx[i] = Math.max(mx[i]!, v[i]!);
    const den = f(f(f(Math.sqrt(mx[i]!)) / bc2) + f(1e-8));
    p[i] = f(p[i]! + f(f(m[i]! / den) * f(-0.01 / bc1)));
  }
}

describe('optimizerStepWasm', () => {
  it('sgd (nesterov, dampening, weight decay) over heap, non-heap and offset views matches the float32 model', () => {
    const n = 16411;
    // param in the heap at an offset of 3 floats (unaligned), grad outside the heap, buffer in the heap
    const pBig = heap(new Float32Array(n + 3));
    pBig.set(seq(n, 1), 3);
    expect(heapPtr(pBig)).toBeGreaterThanOrEqual(0);
    const g = seq(n, 2);
    const buf = heap(new Float32Array(n));
    const want = { p: seq(n, 1), buf: new Float32Array(n) };
    for (const t of [1, 2, 3]) {
      expect(optimizerStepWasm(sgd, [t], [view(pBig, n, 3)], [view(g, n)], [[view(buf, n)]])).toBe(true);
      sgdModel(want.p, g, want.buf, t === 1);
    }
    expect(pBig[0]).toBe(0);
    expect(Array.from(pBig.subarray(3))).toEqual(Array.from(want.p));
    expect(Array.from(buf)).toEqual(Array.from(want.buf));
  });

  it('adam (amsgrad, maximize, L2) with every array outside the heap matches the float32 model', () => {
    const n = 16387;
    const [p, g, m, v, mx] = [seq(n, 3), seq(n, 4), new Float32Array(n), new Float32Array(n), new Float32Array(n)];
    const w = [seq(n, 3), new Float32Array(n), new Float32Array(n), new Float32Array(n)] as const;
    for (const t of [1, 2]) {
      expect(optimizerStepWasm(adam, [t], [view(p, n)], [view(g, n)], [[view(m, n), view(v, n), view(mx, n)]])).toBe(true);
      adamModel(w[0], g, w[1], w[2], w[3], t);
    }
    expect(Array.from(p)).toEqual(Array.from(w[0]));
    expect(Array.from(mx)).toEqual(Array.from(w[3]));
    // the grad is read, never written
    expect(Array.from(g)).toEqual(Array.from(seq(n, 4)));
  });

  it('declines, writing nothing, for float64, short buffers and a wrong number of states', () => {
    const n = 20000;
    const p = heap(seq(n, 1));
    const g = heap(seq(n, 2));
    const buf = heap(new Float32Array(n));
    const before = Array.from(p);
    const ok = view(p, n);
    expect(
      optimizerStepWasm(sgd, [1, 1], [ok, view(new Float64Array(n), n)], [view(g, n), view(g, n)], [[view(buf, n)], [view(buf, n)]]),
    ).toBe(false);
    expect(optimizerStepWasm(sgd, [1], [ok], [view(g, n - 1)], [[view(buf, n)]])).toBe(false);
    expect(optimizerStepWasm(sgd, [1], [view(p, n, 1)], [view(g, n)], [[view(buf, n)]])).toBe(false);
    expect(optimizerStepWasm(sgd, [1], [ok], [view(g, n)], [[]])).toBe(false);
    expect(optimizerStepWasm(adam, [1], [ok], [view(g, n)], [[view(buf, n), view(buf, n)]])).toBe(false);
    expect(Array.from(p)).toEqual(before);
    expect(Array.from(buf)).toEqual(new Array(n).fill(0));
  });
});
