/**
 * The conv/pool ops of @dl/tensor: the cpu fused kernels and the composite fallback give the
 * same numbers, the backward ops are exact adjoints (the identities autograd's rules rely on),
 * gradients pass gradcheck / gradgradcheck in float64 on both paths, and bad arguments throw
 * typed errors.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { getBackend } from '@dl/tensor/backend';
import { avgPool2dBackward, conv2dBackwardInput, conv2dBackwardWeight, maxPool2dBackward } from '@dl/tensor/internal';
import type { Tensor } from '@dl/tensor';
import type { Conv2dParams, Pool2dParams } from '@dl/tensor/backend';
import '@dl/backend-cpu';
import { gradcheck, gradgradcheck } from '@dl/autograd';
import { checkLayerCase, layerCases } from './testing/layer-case.js';

const be = getBackend('cpu') as unknown as Record<string, unknown>;
const FUSED = ['conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight', 'maxPool2d', 'avgPool2d'] as const;
const saved = Object.fromEntries(FUSED.map((k) => [k, be[k]]));
function hideFused(): void {
  for (const k of FUSED) be[k] = undefined;
}
afterEach(() => {
  for (const k of FUSED) be[k] = saved[k];
});
function bothPaths<T>(fn: () => T): [T, T] {
  const a = fn();
  hideFused();
  const b = fn();
  for (const k of FUSED) be[k] = saved[k];
  return [a, b];
}

const convCases: Array<[string, number[], number[], Conv2dParams]> = [
  ['plain', [2, 3, 6, 5], [4, 3, 3, 3], { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 }],
  ['stride+pad', [1, 2, 7, 7], [3, 2, 3, 2], { stride: [2, 3], padding: [1, 2], dilation: [1, 1], groups: 1 }],
  ['dilation+groups', [2, 4, 8, 8], [6, 2, 3, 3], { stride: [1, 2], padding: [2, 1], dilation: [2, 1], groups: 2 }],
  ['uncovered rows', [1, 2, 8, 9], [2, 1, 2, 2], { stride: [3, 3], padding: [0, 1], dilation: [1, 2], groups: 2 }],
];
const poolCases: Array<[string, number[], Pool2dParams]> = [
  ['2x2', [2, 3, 6, 7], { kernelSize: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], ceilMode: false }],
  ['pad+ceil', [1, 2, 8, 7], { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true }],
  [
    'ceil no-count',
    [1, 2, 5, 6],
    { kernelSize: [3, 2], stride: [2, 2], padding: [1, 1], dilation: [1, 1], ceilMode: true, countIncludePad: false },
  ],
];

const close = (a: Tensor, b: Tensor, tol = 1e-5) => {
  expect(a.shape).toEqual(b.shape);
  expect(a.allclose(b, { rtol: tol, atol: tol })).toBe(true);
};
const inner = (a: Tensor, b: Tensor) => a.double().mul(b.double()).sum().itemSync();

describe('conv ops: fused cpu kernels = composite fallback', () => {
  it.each(convCases)('%s', (_n, xs, ws, p) => {
    dl.manualSeed(1);
    const x = dl.randn(xs);
    const w = dl.randn(ws);
    const b = dl.randn([ws[0]!]);
    const [f, c] = bothPaths(() => {
      const y = dl.conv2d(x, w, b, p);
      const g = dl.randn([...y.shape], { generator: new dl.Generator(3) });
      return [y, conv2dBackwardInput(g, w, xs, p), conv2dBackwardWeight(g, x, ws, p)];
    });
    for (let i = 0; i < 3; i++) close(f[i]!, c[i]!, 1e-4);
  });
  it.each(poolCases)('pool %s', (_n, xs, p) => {
    dl.manualSeed(2);
    const x = dl.randn(xs);
    const [f, c] = bothPaths(() => {
      const m = dl.maxPool2d(x, p);
      const a = p.dilation[0] === 1 ? dl.avgPool2d(x, p) : m.values;
      return [m.values, m.indices, a];
    });
    close(f[0]!, c[0]!);
    expect(f[1]!.equal(c[1]!)).toBe(true);
    close(f[2]!, c[2]!);
  });
});

describe('backward ops are the adjoints autograd relies on', () => {
  for (const path of ['fused', 'composite'] as const) {
    it.each(convCases)(`conv %s (${path})`, (_n, xs, ws, p) => {
      if (path === 'composite') hideFused();
      dl.manualSeed(4);
      const x = dl.randn(xs, { dtype: 'float64' });
      const w = dl.randn(ws, { dtype: 'float64' });
      const y = dl.conv2d(x, w, null, p);
      const g = dl.randnLike(y);
      const a = inner(y, g);
      expect(inner(x, conv2dBackwardInput(g, w, xs, p))).toBeCloseTo(a, 8);
      expect(inner(w, conv2dBackwardWeight(g, x, ws, p))).toBeCloseTo(a, 8);
    });
    it.each(poolCases)(`pool %s (${path})`, (_n, xs, p) => {
      if (path === 'composite') hideFused();
      dl.manualSeed(5);
      const x = dl.randn(xs, { dtype: 'float64' });
      const y = dl.avgPool2d(x, p);
      const g = dl.randnLike(y);
      expect(inner(x, avgPool2dBackward(g, xs, p))).toBeCloseTo(inner(y, g), 8);
      const { values, indices } = dl.maxPool2d(x, p);
      const gm = dl.randnLike(values);
      const back = maxPool2dBackward(gm, indices, xs, p);
      const u = dl.randnLike(x);
      const gathered = u.reshape(xs[0]!, xs[1]!, -1).gather(2, indices.reshape(xs[0]!, xs[1]!, -1));
      expect(inner(back, u)).toBeCloseTo(inner(gm.reshape(gathered.shape as number[]), gathered), 8);
    });
  }
});

describe('conv/pool gradients (float64 gradcheck, both paths)', () => {
  const p: Conv2dParams = { stride: [2, 1], padding: [1, 0], dilation: [1, 2], groups: 2 };
  for (const path of ['fused', 'composite'] as const) {
    it(`conv2d gradcheck + gradgradcheck (${path})`, () => {
      if (path === 'composite') hideFused();
      dl.manualSeed(6);
      const x = dl.randn([1, 2, 5, 5], { dtype: 'float64', requiresGrad: true });
      const w = dl.randn([2, 1, 2, 2], { dtype: 'float64', requiresGrad: true });
      const b = dl.randn([2], { dtype: 'float64', requiresGrad: true });
      expect(gradcheck((x, w, b) => dl.conv2d(x, w, b, p), [x, w, b])).toBe(true);
      expect(gradgradcheck((x, w) => dl.conv2d(x, w, null, p), [x, w])).toBe(true);
    });
    it(`pooling gradcheck + gradgradcheck (${path})`, () => {
      if (path === 'composite') hideFused();
      const pp: Pool2dParams = {
        kernelSize: [3, 2],
        stride: [2, 1],
        padding: [1, 1],
        dilation: [1, 1],
        ceilMode: true,
        countIncludePad: false,
      };
      dl.manualSeed(7);
      const x = dl.randn([1, 2, 5, 4], { dtype: 'float64', requiresGrad: true });
      expect(gradcheck((x) => dl.avgPool2d(x, pp), [x])).toBe(true);
      expect(gradgradcheck((x) => dl.avgPool2d(x, pp), [x])).toBe(true);
      expect(gradcheck((x) => dl.maxPool2d(x, pp).values, [x])).toBe(true);
      expect(gradgradcheck((x) => dl.maxPool2d(x, pp).values, [x])).toBe(true);
    });
  }
});

describe('conv/pool layer fixtures on the composite fallback', () => {
  const kinds = new Set(['Conv2d', 'Conv1d', 'ConvTranspose2d', 'MaxPool2d', 'AvgPool2d']);
  it.each(layerCases.filter((c) => kinds.has(c.kind)).map((c) => [c.name, c] as const))('%s', (_n, c) => {
    hideFused();
    checkLayerCase(c);
  });
});

describe('conv/pool argument errors', () => {
  const p: Conv2dParams = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
  it('names the op and the shapes', () => {
    expect(() => dl.conv2d(dl.zeros(1, 3, 5, 5), dl.zeros(2, 2, 3, 3), null, p)).toThrow(dl.ShapeError);
    expect(() => dl.conv2d(dl.zeros(1, 3, 5, 5), dl.zeros(2, 2, 3, 3), null, p)).toThrow(/conv2d: .*\[1, 3, 5, 5\].*3 channels/s);
    expect(() => dl.conv2d(dl.zeros(3, 5, 5), dl.zeros(2, 3, 3, 3), null, p)).toThrow(/4-D input/);
    expect(() => dl.conv2d(dl.zeros(1, 3, 2, 2), dl.zeros(2, 3, 3, 3), null, p)).toThrow(/too small/);
    expect(() => dl.conv2d(dl.zeros(1, 3, 5, 5), dl.zeros(2, 3, 3, 3), dl.zeros(3), p)).toThrow(/bias of shape \[2\]/);
    expect(() => dl.conv2d(dl.zeros(1, 3, 5, 5, { dtype: 'int32' }), dl.zeros(2, 3, 3, 3), null, p)).toThrow(dl.DTypeError);
    expect(() => dl.conv2d(dl.zeros(1, 4, 5, 5), dl.zeros(3, 2, 3, 3), null, { ...p, groups: 2 })).toThrow(/divisible by groups/);
    expect(() => dl.conv2d(dl.zeros(1, 3, 5, 5), dl.zeros(2, 3, 3, 3), null, { ...p, stride: [0, 1] })).toThrow(dl.ArgumentError);
    expect(() => conv2dBackwardInput(dl.zeros(1, 2, 4, 4), dl.zeros(2, 3, 3, 3), [1, 3, 5, 5], p)).toThrow(
      /grad_output of shape \[1, 2, 3, 3\]/,
    );
    const pp: Pool2dParams = { kernelSize: [2, 2], stride: [2, 2], padding: [2, 2], dilation: [1, 1], ceilMode: false };
    expect(() => dl.maxPool2d(dl.zeros(1, 1, 4, 4), pp)).toThrow(/pad should be at most half/);
    expect(() => dl.avgPool2d(dl.zeros(1, 1, 4, 4), { ...pp, padding: [0, 0], dilation: [2, 2] })).toThrow(/no dilation/);
  });
});
