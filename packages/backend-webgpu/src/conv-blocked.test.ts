/**
 * The register-blocked conv2d forward (Note [Blocked convolution]) and the pointwise-conv GEMM
 * against a float64 host reference: strides, padding, dilation, groups, channel counts and
 * widths that are not multiples of the 4×4 block, bias, a strided (channels-last) input view,
 * and PyTorch's NaN for an inf weight over the zero padding. Skipped without a WebGPU adapter
 * unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { close, download, empty, f32, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());

function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return f32((s / 2147483648) * 2 - 1);
  });
}

interface Case {
  x: [number, number, number, number];
  cout: number;
  k: [number, number];
  p: Conv2dParams;
  bias: boolean;
}

/** out[n][co][oh][ow], row-major, from row-major x and w (padding taps multiply 0, as torch). */
function ref(c: Case, xs: number[], ws: number[], bs: number[] | null): { out: number[]; shape: number[] } {
  const [N, C, H, W] = c.x;
  const [KH, KW] = c.k;
  const { stride, padding, dilation, groups } = c.p;
  const OH = Math.floor((H + 2 * padding[0] - dilation[0] * (KH - 1) - 1) / stride[0]) + 1;
  const OW = Math.floor((W + 2 * padding[1] - dilation[1] * (KW - 1) - 1) / stride[1]) + 1;
  const cinG = C / groups;
  const coutG = c.cout / groups;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let co = 0; co < c.cout; co++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = bs ? bs[co]! : 0;
          const g = Math.floor(co / coutG);
          for (let ci = 0; ci < cinG; ci++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const h = oh * stride[0] - padding[0] + kh * dilation[0];
                const w = ow * stride[1] - padding[1] + kw * dilation[1];
                const xv = h >= 0 && h < H && w >= 0 && w < W ? xs[((n * C + g * cinG + ci) * H + h) * W + w]! : 0;
                s += xv * ws[((co * cinG + ci) * KH + kh) * KW + kw]!;
              }
          out.push(s);
        }
  return { out, shape: [N, c.cout, OH, OW] };
}

const P = (stride: number, padding: number, dilation = 1, groups = 1): Conv2dParams => ({
  stride: [stride, stride],
  padding: [padding, padding],
  dilation: [dilation, dilation],
  groups,
});

async function run(c: Case, opts: { channelsLast?: boolean; poisonW?: (w: number[]) => void } = {}) {
  const gpu = be!;
  const [N, C, H, W] = c.x;
  const nx = N * C * H * W;
  const xs = values(nx, 3 + nx);
  const ws = values(c.cout * (C / c.p.groups) * c.k[0] * c.k[1], 5 + c.cout);
  opts.poisonW?.(ws);
  const bs = c.bias ? values(c.cout, 9) : null;
  let x: TensorView;
  if (opts.channelsLast) {
    // the same values stored NHWC, seen as an NCHW view through strides
    const nhwc = new Array<number>(nx);
    for (let n = 0; n < N; n++)
      for (let ch = 0; ch < C; ch++)
        for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) nhwc[((n * H + h) * W + w) * C + ch] = xs[((n * C + ch) * H + h) * W + w]!;
    x = { ...upload(gpu, 'float32', nhwc), shape: c.x, strides: [H * W * C, 1, W * C, C] };
  } else x = upload(gpu, 'float32', xs, c.x);
  const w = upload(gpu, 'float32', ws, [c.cout, C / c.p.groups, c.k[0], c.k[1]]);
  const b = bs ? upload(gpu, 'float32', bs) : null;
  const want = ref(c, xs, ws, bs);
  const out = empty(gpu, 'float32', want.shape);
  gpu.conv2d(x, w, b, out, c.p);
  return { got: await download(gpu, out), want: want.out, shape: want.shape };
}

describe.runIf(be)('blocked conv2d forward', () => {
  const cases: Array<[string, Case]> = [
    ['3x3 pad 1, bias', { x: [2, 3, 7, 9], cout: 5, k: [3, 3], p: P(1, 1), bias: true }],
    ['stride 2, ragged width', { x: [1, 4, 9, 11], cout: 8, k: [3, 3], p: P(2, 1), bias: false }],
    ['dilation 2, groups 2, Cout/g = 3', { x: [2, 4, 8, 8], cout: 6, k: [3, 3], p: P(1, 2, 2, 2), bias: true }],
    ['10 channels: a full and a ragged 8-channel block', { x: [1, 3, 6, 7], cout: 10, k: [3, 3], p: P(1, 1), bias: true }],
    ['groups 2 with 9 channels each', { x: [1, 4, 5, 6], cout: 18, k: [3, 3], p: P(1, 1, 1, 2), bias: false }],
    ['5x3 kernel, no padding', { x: [1, 2, 10, 7], cout: 3, k: [5, 3], p: P(1, 0), bias: false }],
    ['1x1 as a GEMM, bias', { x: [2, 8, 4, 5], cout: 12, k: [1, 1], p: P(1, 0), bias: true }],
    ['1x1 with an odd plane (blocked kernel)', { x: [2, 8, 3, 3], cout: 6, k: [1, 1], p: P(1, 0), bias: true }],
    ['1x1 stride 2', { x: [1, 4, 8, 8], cout: 4, k: [1, 1], p: P(2, 0), bias: false }],
  ];
  for (const [name, c] of cases)
    it(name, async () => {
      const r = await run(c);
      expect(close(r.got, r.want, 1e-5, 1e-5)).toBeNull();
    });

  it('a channels-last input view (strides), 3x3 and 1x1', async () => {
    for (const c of [cases[0]![1], cases[4]![1]]) {
      const r = await run(c, { channelsLast: true });
      expect(close(r.got, r.want, 1e-5, 1e-5)).toBeNull();
    }
  });

  it('an inf weight gives NaN where its tap reads the zero padding, inf inside (as torch)', async () => {
    const c: Case = { x: [1, 1, 5, 6], cout: 1, k: [3, 3], p: P(1, 1), bias: false };
    const r = await run(c, { poisonW: (w) => (w[0] = Number.POSITIVE_INFINITY) }); // tap (kh 0, kw 0)
    const [, , OH, OW] = r.shape as [number, number, number, number];
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        const v = r.got[oh * OW + ow]!;
        if (oh === 0 || ow === 0) expect(v).toBeNaN();
        else expect(Number.isFinite(v)).toBe(false);
      }
  });
});
