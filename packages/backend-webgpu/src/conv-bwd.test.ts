/**
 * The implicit-GEMM conv2d backward kernels (Note [Blocked conv backward-input], Note [Blocked
 * conv backward-weight]) against a float64 host reference and against the direct kernels
 * (Note [Direct convolution]): odd sizes, stride 2 and 3, padding, dilation, groups, batch 1,
 * channel and column blocks that do not divide, split-K, pointwise convs on the matmul core, and
 * strided (channels-last, broadcast) operand views. Skipped without a WebGPU adapter unless
 * DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { convBwdChoice } from './kernels/conv-bwd.js';
import { matmulKernelChoice } from './kernels/matmul-vec4.js';
import { close, download, empty, f32, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());
afterEach(() => {
  convBwdChoice.force = 'auto';
  convBwdChoice.split = 0;
  matmulKernelChoice.force = 'auto';
});

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
}

const P = (stride: number | [number, number], padding: number | [number, number], dilation = 1, groups = 1): Conv2dParams => ({
  stride: typeof stride === 'number' ? [stride, stride] : stride,
  padding: typeof padding === 'number' ? [padding, padding] : padding,
  dilation: [dilation, dilation],
  groups,
});

function outSize(c: Case): [number, number] {
  const [, , H, W] = c.x;
  const { stride, padding, dilation } = c.p;
  return [
    Math.floor((H + 2 * padding[0] - dilation[0] * (c.k[0] - 1) - 1) / stride[0]) + 1,
    Math.floor((W + 2 * padding[1] - dilation[1] * (c.k[1] - 1) - 1) / stride[1]) + 1,
  ];
}

/** gradIn and gradW in float64 from row-major x, w, gradOut (the forward's taps, transposed). */
function ref(c: Case, xs: number[], ws: number[], gs: number[]): { gi: number[]; gw: number[] } {
  const [N, C, H, W] = c.x;
  const [KH, KW] = c.k;
  const [OH, OW] = outSize(c);
  const { stride, padding, dilation, groups } = c.p;
  const cinG = C / groups;
  const coutG = c.cout / groups;
  const gi = new Array<number>(N * C * H * W).fill(0);
  const gw = new Array<number>(c.cout * cinG * KH * KW).fill(0);
  for (let n = 0; n < N; n++)
    for (let co = 0; co < c.cout; co++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const gv = gs[((n * c.cout + co) * OH + oh) * OW + ow]!;
          const g = Math.floor(co / coutG);
          for (let ci = 0; ci < cinG; ci++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const h = oh * stride[0] - padding[0] + kh * dilation[0];
                const w = ow * stride[1] - padding[1] + kw * dilation[1];
                if (h < 0 || h >= H || w < 0 || w >= W) continue;
                const xi = ((n * C + g * cinG + ci) * H + h) * W + w;
                const wi = ((co * cinG + ci) * KH + kh) * KW + kw;
                gi[xi]! += gv * ws[wi]!;
                gw[wi]! += gv * xs[xi]!;
              }
        }
  return { gi, gw };
}

/** The same values stored NHWC, seen as an NCHW view through strides. */
function channelsLast(data: number[], shape: [number, number, number, number]): { data: number[]; strides: number[] } {
  const [N, C, H, W] = shape;
  const out = new Array<number>(data.length);
  for (let n = 0; n < N; n++)
    for (let ch = 0; ch < C; ch++)
      for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) out[((n * H + h) * W + w) * C + ch] = data[((n * C + ch) * H + h) * W + w]!;
  return { data: out, strides: [H * W * C, 1, W * C, C] };
}

async function run(c: Case, opts: { channelsLast?: boolean; gradOut?: (g: number[]) => void } = {}) {
  const gpu = be!;
  const [N, C, H, W] = c.x;
  const [OH, OW] = outSize(c);
  const gShape: [number, number, number, number] = [N, c.cout, OH, OW];
  const xs = values(N * C * H * W, 3 + N * C * H);
  const ws = values(c.cout * (C / c.p.groups) * c.k[0] * c.k[1], 5 + c.cout);
  const gs = values(N * c.cout * OH * OW, 11 + OW);
  opts.gradOut?.(gs);
  const view = (data: number[], shape: [number, number, number, number]): TensorView => {
    if (!opts.channelsLast) return upload(gpu, 'float32', data, shape);
    const cl = channelsLast(data, shape);
    return { ...upload(gpu, 'float32', cl.data), shape, strides: cl.strides };
  };
  const x = view(xs, c.x);
  const g = view(gs, gShape);
  const w = upload(gpu, 'float32', ws, [c.cout, C / c.p.groups, c.k[0], c.k[1]]);
  const out = async () => {
    const gi = empty(gpu, 'float32', c.x);
    const gw = empty(gpu, 'float32', w.shape);
    gpu.conv2dBackwardInput(g, w, gi, c.p);
    gpu.conv2dBackwardWeight(g, x, gw, c.p);
    return { gi: await download(gpu, gi), gw: await download(gpu, gw) };
  };
  const got = await out();
  convBwdChoice.force = 'direct';
  const direct = await out();
  convBwdChoice.force = 'auto';
  return { got, direct, want: ref(c, xs, ws, gs) };
}

const cases: Array<[string, Case]> = [
  ['3x3 pad 1', { x: [2, 3, 7, 9], cout: 5, k: [3, 3], p: P(1, 1) }],
  ['16 -> 32 channels, 3x3 pad 1, 28x28 (full blocks)', { x: [2, 16, 28, 28], cout: 32, k: [3, 3], p: P(1, 1) }],
  ['stride 2, ragged width', { x: [1, 4, 9, 11], cout: 8, k: [3, 3], p: P(2, 1) }],
  ['stride 2, even input (ResNet downsampling)', { x: [2, 8, 14, 14], cout: 16, k: [3, 3], p: P(2, 1) }],
  ['stride (3, 2), kernel 5x4, padding (2, 1)', { x: [1, 5, 13, 12], cout: 6, k: [5, 4], p: P([3, 2], [2, 1]) }],
  ['dilation 2, groups 2, Cout/g = 3', { x: [2, 4, 8, 8], cout: 6, k: [3, 3], p: P(1, 2, 2, 2) }],
  ['dilation 2, stride 2, no padding', { x: [1, 6, 15, 13], cout: 9, k: [3, 3], p: P(2, 0, 2) }],
  ['10 input channels: a full and a ragged 8-channel block', { x: [1, 10, 6, 7], cout: 10, k: [3, 3], p: P(1, 1) }],
  ['groups 2 with 9 channels each', { x: [1, 18, 5, 6], cout: 18, k: [3, 3], p: P(1, 1, 1, 2) }],
  ['depthwise (groups = channels)', { x: [2, 6, 7, 5], cout: 6, k: [3, 3], p: P(1, 1, 1, 6) }],
  ['LeNet conv1: 1 -> 6, 5x5, pad 2, 28x28', { x: [3, 1, 28, 28], cout: 6, k: [5, 5], p: P(1, 2) }],
  ['LeNet conv2: 6 -> 16, 5x5, 14x14', { x: [3, 6, 14, 14], cout: 16, k: [5, 5], p: P(1, 0) }],
  ['padding larger than the kernel reach', { x: [1, 2, 3, 3], cout: 3, k: [2, 2], p: P(1, 2) }],
  ['output smaller than a column block', { x: [1, 3, 4, 4], cout: 4, k: [3, 3], p: P(2, 0) }],
  ['1x1 as a GEMM', { x: [2, 8, 4, 5], cout: 12, k: [1, 1], p: P(1, 0) }],
  ['1x1 with an odd plane (blocked kernels)', { x: [2, 6, 3, 3], cout: 5, k: [1, 1], p: P(1, 0) }],
  ['1x1 stride 2 (ResNet shortcut)', { x: [2, 8, 8, 8], cout: 16, k: [1, 1], p: P(2, 0) }],
];

describe.runIf(be)('implicit-GEMM conv2d backward', () => {
  for (const [name, c] of cases)
    it(name, async () => {
      const r = await run(c);
      expect(close(r.got.gi, r.want.gi, 1e-4, 1e-5)).toBeNull();
      expect(close(r.got.gw, r.want.gw, 1e-4, 1e-5)).toBeNull();
      // the direct kernels sum in another order (one float32 chain): their own rounding
      expect(close(r.got.gi, r.direct.gi, 1e-4, 1e-4)).toBeNull();
      expect(close(r.got.gw, r.direct.gw, 1e-4, 1e-4)).toBeNull();
    });

  it('1x1 GEMMs on both matmul kernels (tiled, as on GPUs, and direct, as on CPU adapters)', async () => {
    for (const force of ['tiled', 'direct'] as const) {
      matmulKernelChoice.force = force;
      for (const c of [cases[14]![1], { x: [1, 32, 8, 8], cout: 64, k: [1, 1], p: P(1, 0) } as Case]) {
        const r = await run(c);
        expect(close(r.got.gi, r.want.gi, 1e-4, 1e-5)).toBeNull();
        expect(close(r.got.gw, r.want.gw, 1e-4, 1e-5)).toBeNull();
      }
    }
  });

  it('the weight gradient without split-K (stored by the GEMM kernel) and with 3 and 7 splits', async () => {
    for (const split of [1, 3, 7])
      for (const i of [0, 2, 4, 5, 9, 12]) {
        convBwdChoice.split = split;
        const r = await run(cases[i]![1]);
        expect(close(r.got.gw, r.want.gw, 1e-4, 1e-5), `${cases[i]![0]}, split ${split}`).toBeNull();
      }
  });

  it('split-K: a long reduction over few weight blocks', async () => {
    // 4 x 4 x 3 x 3 weights (36 columns) over 4 x 40 x 40 rows: many partial sums, one reduce
    const r = await run({ x: [4, 4, 42, 42], cout: 4, k: [3, 3], p: P(1, 0) });
    expect(close(r.got.gw, r.want.gw, 1e-4, 1e-4)).toBeNull();
    expect(close(r.got.gi, r.want.gi, 1e-4, 1e-5)).toBeNull();
  });

  it('channels-last views of x and gradOut, 3x3 stride 2 and 1x1', async () => {
    for (const c of [cases[3]![1], cases[14]![1], cases[8]![1]]) {
      const r = await run(c, { channelsLast: true });
      expect(close(r.got.gi, r.want.gi, 1e-4, 1e-5)).toBeNull();
      expect(close(r.got.gw, r.want.gw, 1e-4, 1e-5)).toBeNull();
    }
  });

  it('a broadcast gradOut (stride 0, as the gradient of a sum)', async () => {
    const gpu = be!;
    const c: Case = { x: [2, 4, 6, 6], cout: 8, k: [3, 3], p: P(1, 1) };
    const xs = values(2 * 4 * 36, 7);
    const ws = values(8 * 4 * 9, 8);
    const x = upload(gpu, 'float32', xs, c.x);
    const w = upload(gpu, 'float32', ws, [8, 4, 3, 3]);
    const one = upload(gpu, 'float32', [0.5]);
    const g: TensorView = { ...one, shape: [2, 8, 6, 6], strides: [0, 0, 0, 0] };
    const gi = empty(gpu, 'float32', c.x);
    const gw = empty(gpu, 'float32', [8, 4, 3, 3]);
    gpu.conv2dBackwardInput(g, w, gi, c.p);
    gpu.conv2dBackwardWeight(g, x, gw, c.p);
    const want = ref(c, xs, ws, new Array<number>(2 * 8 * 36).fill(0.5));
    expect(close(await download(gpu, gi), want.gi, 1e-4, 1e-5)).toBeNull();
    expect(close(await download(gpu, gw), want.gw, 1e-4, 1e-5)).toBeNull();
  });

  it('an inf gradient gives NaN in the weight gradient of taps over the padding (as torch)', async () => {
    const c: Case = { x: [1, 1, 5, 6], cout: 1, k: [3, 3], p: P(1, 1) };
    const r = await run(c, { gradOut: (g) => (g[0] = Number.POSITIVE_INFINITY) }); // gradOut[0, 0, 0, 0]
    // every tap of output (0, 0) with kh = 0 or kw = 0 reads the zero padding: 0 * inf = NaN
    for (let kh = 0; kh < 3; kh++)
      for (let kw = 0; kw < 3; kw++) {
        const v = r.got.gw[kh * 3 + kw]!;
        if (kh === 0 || kw === 0) expect(v).toBeNaN();
        else expect(Number.isNaN(v)).toBe(false);
      }
    expect(r.got.gw.map(Number.isNaN)).toEqual(r.direct.gw.map(Number.isNaN));
  });

  it('an inf weight adds nothing to input pixels its tap never reaches (as torch col2im)', async () => {
    // stride 2: input pixels of odd phase meet no output through tap (0, 0); no NaN there
    const gpu = be!;
    const c: Case = { x: [1, 1, 7, 7], cout: 1, k: [3, 3], p: P(2, 1) };
    const ws = values(9, 4);
    ws[4] = Number.POSITIVE_INFINITY; // centre tap
    const w = upload(gpu, 'float32', ws, [1, 1, 3, 3]);
    const [OH, OW] = outSize(c);
    const g = upload(gpu, 'float32', values(OH * OW, 6), [1, 1, OH, OW]);
    const gi = empty(gpu, 'float32', c.x);
    gpu.conv2dBackwardInput(g, w, gi, c.p);
    const got = await download(gpu, gi);
    convBwdChoice.force = 'direct';
    const gi2 = empty(gpu, 'float32', c.x);
    gpu.conv2dBackwardInput(g, w, gi2, c.p);
    const direct = await download(gpu, gi2);
    // the centre tap reaches exactly the even pixels: infinite there, finite elsewhere
    for (let y = 0; y < 7; y++)
      for (let xx = 0; xx < 7; xx++) {
        const v = got[y * 7 + xx]!;
        expect(Number.isFinite(v)).toBe(!(y % 2 === 0 && xx % 2 === 0));
      }
    expect(got.map(Number.isFinite)).toEqual(direct.map(Number.isFinite));
  });
});
