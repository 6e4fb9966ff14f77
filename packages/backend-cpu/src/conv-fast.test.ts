import * as dl from '@dl/tensor';
import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { conv2dBackwardInput, conv2dBackwardWeight } from '@dl/tensor/internal';
import {
  type FastPathCase,
  type FastPathInput,
  fastPathInput,
  fastPathMismatches,
  fastPathValues,
  loadFastPathFixtures,
  watchFastSeams,
  withoutFastSeams,
} from '@dl/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend } from './index.js';
import { conv2dBackwardInputWasm, conv2dBackwardWeightWasm, conv2dWasm } from './wasm/conv2d.js';
import { conv2dBackwardInputColumns, conv2dBackwardWeightColumns, conv2dColumns, convColumns } from './wasm/conv2d-columns.js';
import { setNumThreads } from './wasm/index.js';

/**
 * PyTorch values of conv2d forward and its three gradients (x, w, b of sum(out * g)) at sizes
 * that take the cpu conv fast paths (batch 8; batched and per-sample GEMMs; strides, padding,
 * dilation, groups, depthwise, 1x1, the 7x7 stride-2 stem; channels-last and narrowed inputs).
 * `tools/fixtures/conv_fast_fixtures.py` writes `fixtures/conv-fast.json.gz`; inputs are rebuilt
 * from its LCG (Note [Fast-path fixtures] in @dl/tensor/testing, which also gives the tolerances).
 *
 * The ops run as autograd's conv rule runs them (conv2d, conv2dBackwardInput,
 * conv2dBackwardWeight, the bias gradient as g.sum([0, 2, 3])) three times: with the columns
 * built in wasm (conv2d-columns.ts, the default), with the JS im2col path (conv2d.ts), and on
 * the reference kernels (fast seams removed). The op layer hands the kernels contiguous inputs,
 * so the strided-view cases are also run on the kernels directly with the view itself: the
 * wasm column path must decline it and the JS im2col path must match torch.
 */
const cases = loadFastPathFixtures(new URL('./fixtures/conv-fast.json.gz', import.meta.url));
const wasmOn = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DL_CPU_WASM !== '0';
const convPaths = ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight'];

function params(c: FastPathCase): Conv2dParams {
  return c.args as unknown as Conv2dParams;
}

function run(c: FastPathCase): Record<string, dl.Tensor> {
  const p = params(c);
  const x = fastPathInput(c.inputs.x!);
  const w = fastPathInput(c.inputs.w!);
  const g = fastPathInput(c.inputs.g!);
  const b = c.inputs.b ? fastPathInput(c.inputs.b) : null;
  const out: Record<string, dl.Tensor> = {
    out: dl.conv2d(x, w, b, p),
    'grad.x': conv2dBackwardInput(g, w, [...x.shape], p),
    'grad.w': conv2dBackwardWeight(g, x, [...w.shape], p),
  };
  if (b) out['grad.b'] = g.sum([0, 2, 3]);
  return out;
}

describe.each(['wasm columns', 'JS columns', 'reference kernels'] as const)('conv2d against PyTorch at fast-path sizes: %s', (mode) => {
  let watch: ReturnType<typeof watchFastSeams> | undefined;
  let restore: (() => void) | undefined;
  beforeAll(() => {
    setNumThreads(2); // the GEMM's worker split runs even on a one-core machine
    if (mode === 'reference kernels') restore = withoutFastSeams(cpuBackend);
    else watch = watchFastSeams(cpuBackend);
    convColumns.enabled = mode !== 'JS columns';
  });
  afterAll(() => {
    watch?.restore();
    restore?.();
    convColumns.enabled = true;
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    watch?.taken.clear();
    const outs = run(c);
    expect(Object.keys(outs).sort()).toEqual(Object.keys(c.outputs).sort());
    for (const [k, spec] of Object.entries(c.outputs)) {
      const t = outs[k]!;
      expect(t.shape, `${k} shape`).toEqual(spec.shape);
      expect(fastPathMismatches(t.dataSync() as ArrayLike<number>, spec), k).toBe('');
    }
    if (watch && wasmOn) for (const p of convPaths) expect(watch.taken.has(p), `reached fast.${p}`).toBe(true);
  });
});

/** The fixture input as a kernel view of a plain Float32Array, its views applied to shape/strides/offset. */
function kernelView(spec: FastPathInput): TensorView {
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const ks = fastPathValues(n, spec.seed, spec.lo, spec.hi);
  const data = Float32Array.from(ks, (k) => k / 1024);
  let shape = [...spec.shape];
  let strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  let offset = 0;
  for (const [kind, ...a] of spec.views ?? []) {
    if (kind === 'permute') {
      const perm = a[0] as number[];
      shape = perm.map((d) => shape[d]!);
      strides = perm.map((d) => strides[d]!);
    } else if (kind === 'narrow') {
      const [dim, start, len] = a as [number, number, number];
      offset += start * strides[dim]!;
      shape[dim] = len;
    } else throw new Error(`kernelView: ${String(kind)}`);
  }
  return { buffer: data, dtype: 'float32', shape, strides, offset } as TensorView;
}
function dense(shape: readonly number[]): TensorView {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  return { buffer: new Float32Array(shape.reduce((a, b) => a * b, 1)), dtype: 'float32', shape, strides, offset: 0 } as TensorView;
}

describe('conv2d kernels on strided input views against PyTorch', () => {
  const strided = cases.filter((c) => c.inputs.x!.views?.length && !c.inputs.x!.views.some(([k]) => k === 'clone'));
  it('has strided-view cases', () => expect(strided.length).toBeGreaterThanOrEqual(2));
  it.each(strided.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const p = params(c);
    const x = kernelView(c.inputs.x!);
    const w = kernelView(c.inputs.w!);
    const g = kernelView(c.inputs.g!);
    const b = c.inputs.b ? kernelView(c.inputs.b) : null;
    const out = dense(c.outputs.out!.shape);
    const gx = dense(x.shape);
    const gw = dense(w.shape);
    // the view is not dense per sample: the wasm column path declines, the JS im2col path runs
    expect(conv2dColumns(x, w, b, out, p)).toBe(false);
    expect(conv2dBackwardWeightColumns(g, x, gw, p)).toBe(false);
    expect(conv2dWasm(x, w, b, out, p)).toBe(true);
    expect(conv2dBackwardWeightWasm(g, x, gw, p)).toBe(true);
    expect(conv2dBackwardInputWasm(g, w, gx, p)).toBe(true);
    expect(fastPathMismatches(out.buffer as Float32Array, c.outputs.out!), 'out').toBe('');
    expect(fastPathMismatches(gw.buffer as Float32Array, c.outputs['grad.w']!), 'grad.w').toBe('');
    expect(fastPathMismatches(gx.buffer as Float32Array, c.outputs['grad.x']!), 'grad.x').toBe('');
    // grad x written through a strided (channels-last) view: the column path declines it too
    const gxl = { ...x, buffer: new Float32Array((x.buffer as Float32Array).length) } as TensorView;
    expect(conv2dBackwardInputColumns(g, w, gxl, p)).toBe(false);
  });
});
