import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { describe, expect, it } from 'vitest';
import { conv2dBackwardInputWasm, conv2dBackwardWeightWasm, conv2dWasm, convTuning } from './conv2d.js';
import { samplesPerGemm } from './conv2d-geometry.js';
import { conv2dBackwardInputColumns, conv2dBackwardWeightColumns, conv2dColumns, convColumns } from './conv2d-columns.js';

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5);
}
function contiguous(shape: number[]): number[] {
  const st = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) st[i] = st[i + 1]! * shape[i + 1]!;
  return st;
}
function view(buffer: Float32Array, shape: number[], strides = contiguous(shape), offset = 0): TensorView {
  return { buffer, dtype: 'float32', shape, strides, offset } as TensorView;
}

interface Case {
  N: number;
  C: number;
  H: number;
  W: number;
  CO: number;
  KH: number;
  KW: number;
  p: Conv2dParams;
}

function outSize(c: Case): [number, number] {
  const { p } = c;
  const oh = Math.floor((c.H + 2 * p.padding[0] - p.dilation[0] * (c.KH - 1) - 1) / p.stride[0]) + 1;
  const ow = Math.floor((c.W + 2 * p.padding[1] - p.dilation[1] * (c.KW - 1) - 1) / p.stride[1]) + 1;
  return [oh, ow];
}

/** Visit every (n, co, oh, ow, ci, kh, kw) term with its x index, w index and out index (contiguous layouts). */
function forEachTerm(c: Case, f: (xi: number, wi: number, oi: number) => void): void {
  const [OH, OW] = outSize(c);
  const G = c.p.groups,
    Cg = c.C / G,
    COg = c.CO / G;
  for (let n = 0; n < c.N; n++)
    for (let co = 0; co < c.CO; co++) {
      const gr = Math.floor(co / COg);
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++)
          for (let ci = 0; ci < Cg; ci++)
            for (let kh = 0; kh < c.KH; kh++)
              for (let kw = 0; kw < c.KW; kw++) {
                const ih = oh * c.p.stride[0] - c.p.padding[0] + kh * c.p.dilation[0];
                const iw = ow * c.p.stride[1] - c.p.padding[1] + kw * c.p.dilation[1];
                if (ih < 0 || ih >= c.H || iw < 0 || iw >= c.W) continue;
                f(
                  ((n * c.C + gr * Cg + ci) * c.H + ih) * c.W + iw,
                  ((co * Cg + ci) * c.KH + kh) * c.KW + kw,
                  ((n * c.CO + co) * OH + oh) * OW + ow,
                );
              }
    }
}

const cases: Case[] = [
  { N: 2, C: 3, H: 9, W: 8, CO: 5, KH: 3, KW: 3, p: { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 } },
  { N: 1, C: 4, H: 11, W: 10, CO: 6, KH: 3, KW: 2, p: { stride: [2, 1], padding: [1, 0], dilation: [2, 1], groups: 2 } },
  { N: 3, C: 2, H: 5, W: 5, CO: 4, KH: 1, KW: 1, p: { stride: [1, 2], padding: [0, 0], dilation: [1, 1], groups: 1 } },
  { N: 2, C: 16, H: 12, W: 12, CO: 32, KH: 5, KW: 5, p: { stride: [1, 1], padding: [2, 2], dilation: [1, 1], groups: 1 } },
  // im2col's interior column ranges: wide padding, stride and dilation along W
  { N: 1, C: 3, H: 13, W: 14, CO: 4, KH: 7, KW: 7, p: { stride: [2, 2], padding: [3, 3], dilation: [1, 1], groups: 1 } },
  { N: 2, C: 2, H: 9, W: 11, CO: 3, KH: 2, KW: 3, p: { stride: [1, 3], padding: [1, 4], dilation: [1, 2], groups: 1 } },
  // im2colSame: stride 1, OW = W (asymmetric padding, 1x1, padding wider than the kernel reach)
  { N: 2, C: 3, H: 6, W: 7, CO: 2, KH: 3, KW: 5, p: { stride: [1, 1], padding: [0, 2], dilation: [1, 1], groups: 1 } },
  { N: 2, C: 4, H: 5, W: 5, CO: 4, KH: 1, KW: 1, p: { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 2 } },
  { N: 1, C: 1, H: 3, W: 2, CO: 2, KH: 7, KW: 3, p: { stride: [1, 1], padding: [3, 1], dilation: [1, 1], groups: 1 } },
];

describe('conv2d on wasm SGEMM', () => {
  // every case on both paths: one GEMM per sample, and the whole batch in one GEMM (Note [Batched conv GEMM]),
  // each with the columns built in wasm (conv2d-columns.ts) and in JS (conv2d.ts)
  // (wasm columns also in chunks of 2 samples: Note [Conv column chunks], with a short last chunk when N = 3)
  const modes = [
    ['per-sample, wasm columns', 0, true, 0],
    ['batched, wasm columns', 1 << 20, true, 0],
    ['batched in chunks of 2, wasm columns', 1 << 20, true, 2],
    ['batched in chunks of 2, wasm columns built after each GEMM', 1 << 20, true, -2],
    ['per-sample, JS columns', 0, false, 0],
    ['batched, JS columns', 1 << 20, false, 0],
  ] as const;
  it.each(
    modes.flatMap(([m, maxL, wasmCols, chunk]) =>
      cases.map((c, i) => [i, m, maxL, wasmCols, chunk, { ...c, N: chunk ? 3 : c.N }] as const),
    ),
  )('case %i (%s): forward, backward input and weight match naive loops', (_, _m, maxL, wasmCols, chunk, c) => {
    const saved = { ...convTuning };
    convTuning.maxBatchedL = maxL;
    convTuning.samplesPerGemm = Math.abs(chunk);
    convColumns.enabled = wasmCols;
    convColumns.overlap = chunk >= 0;
    try {
      checkCase(c);
    } finally {
      Object.assign(convTuning, saved);
      convColumns.enabled = true;
      convColumns.overlap = true;
    }
  });

  it('chunks the batch by its column budget, never below minGemmCols, in chunks of even size', () => {
    const geo = (N: number, CKK: number, L: number) => ({ N, CKK, L, G: 1 }) as Parameters<typeof samplesPerGemm>[0];
    expect(samplesPerGemm(geo(64, 25, 784))).toBe(13); // LeNet conv1: 78 KB of columns per sample, 1 MiB budget
    expect(samplesPerGemm(geo(64, 150, 100))).toBe(16); // LeNet conv2: at least 2048 columns (21 samples) -> 4 even chunks
    expect(samplesPerGemm(geo(8, 4608, 49))).toBe(8); // ResNet's 7x7 layers: the whole batch
    expect(samplesPerGemm(geo(8, 64, 3136))).toBe(1); // L > maxBatchedL: per sample
  });

  it('the wasm column path declines inputs whose samples are not dense (channels-last views); the JS path takes them', () => {
    const c = cases[0]!;
    const [OH, OW] = outSize(c);
    const x = rand(c.N * c.C * c.H * c.W, 1);
    const w = rand(c.CO * c.C * c.KH * c.KW, 2);
    // the same values stored channels-last: [N, H, W, C] memory seen as [N, C, H, W]
    const xl = new Float32Array(x.length);
    for (let n = 0; n < c.N; n++)
      for (let ci = 0; ci < c.C; ci++)
        for (let h = 0; h < c.H; h++)
          for (let ww = 0; ww < c.W; ww++) xl[((n * c.H + h) * c.W + ww) * c.C + ci] = x[((n * c.C + ci) * c.H + h) * c.W + ww]!;
    const xv = view(xl, [c.N, c.C, c.H, c.W], [c.H * c.W * c.C, 1, c.W * c.C, c.C]);
    const wv = view(w, [c.CO, c.C, c.KH, c.KW]);
    const go = rand(c.N * c.CO * OH * OW, 4);
    const gov = view(go, [c.N, c.CO, OH, OW]);
    expect(conv2dColumns(xv, wv, null, view(new Float32Array(go.length), [c.N, c.CO, OH, OW]), c.p)).toBe(false);
    expect(conv2dBackwardWeightColumns(gov, xv, view(new Float32Array(w.length), [c.CO, c.C, c.KH, c.KW]), c.p)).toBe(false);
    expect(conv2dBackwardInputColumns(gov, wv, xv, c.p)).toBe(false);
    const want = new Float32Array(go.length);
    expect(conv2dWasm(view(x, [c.N, c.C, c.H, c.W]), wv, null, view(want, [c.N, c.CO, OH, OW]), c.p)).toBe(true);
    const got = new Float32Array(go.length);
    expect(conv2dWasm(xv, wv, null, view(got, [c.N, c.CO, OH, OW]), c.p)).toBe(true);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-5);
  });
  function checkCase(c: (typeof cases)[number]): void {
    const [OH, OW] = outSize(c);
    const Cg = c.C / c.p.groups;
    const x = rand(c.N * c.C * c.H * c.W, 1);
    const w = rand(c.CO * Cg * c.KH * c.KW, 2);
    const bias = rand(c.CO, 3);
    const go = rand(c.N * c.CO * OH * OW, 4);
    const tol = 1e-4;

    // forward
    const want = new Float64Array(c.N * c.CO * OH * OW);
    forEachTerm(c, (xi, wi, oi) => (want[oi]! += x[xi]! * w[wi]!));
    for (let i = 0; i < want.length; i++) want[i]! += bias[Math.floor(i / (OH * OW)) % c.CO]!;
    const out = new Float32Array(want.length);
    expect(
      conv2dWasm(view(x, [c.N, c.C, c.H, c.W]), view(w, [c.CO, Cg, c.KH, c.KW]), view(bias, [c.CO]), view(out, [c.N, c.CO, OH, OW]), c.p),
    ).toBe(true);
    for (let i = 0; i < want.length; i++) expect(Math.abs(out[i]! - want[i]!)).toBeLessThan(tol);

    // the same weight given through a non-flat (permuted, KW<->KH swapped storage) view
    const wT = new Float32Array(w.length);
    for (let o = 0; o < c.CO; o++)
      for (let ci = 0; ci < Cg; ci++)
        for (let kh = 0; kh < c.KH; kh++)
          for (let kw = 0; kw < c.KW; kw++) wT[((o * Cg + ci) * c.KW + kw) * c.KH + kh] = w[((o * Cg + ci) * c.KH + kh) * c.KW + kw]!;
    const wView = view(wT, [c.CO, Cg, c.KH, c.KW], [Cg * c.KH * c.KW, c.KH * c.KW, 1, c.KH]);
    const out2 = new Float32Array(want.length);
    conv2dWasm(view(x, [c.N, c.C, c.H, c.W]), wView, view(bias, [c.CO]), view(out2, [c.N, c.CO, OH, OW]), c.p);
    for (let i = 0; i < want.length; i++) expect(Math.abs(out2[i]! - want[i]!)).toBeLessThan(tol);

    // backward input
    const gi = new Float64Array(x.length);
    forEachTerm(c, (xi, wi, oi) => (gi[xi]! += go[oi]! * w[wi]!));
    const gotGi = rand(x.length, 9); // garbage: the kernel overwrites
    expect(conv2dBackwardInputWasm(view(go, [c.N, c.CO, OH, OW]), wView, view(gotGi, [c.N, c.C, c.H, c.W]), c.p)).toBe(true);
    for (let i = 0; i < gi.length; i++) expect(Math.abs(gotGi[i]! - gi[i]!)).toBeLessThan(tol);

    // backward weight (contiguous, then into the permuted layout)
    const gw = new Float64Array(w.length);
    forEachTerm(c, (xi, wi, oi) => (gw[wi]! += go[oi]! * x[xi]!));
    const gotGw = rand(w.length, 10);
    expect(
      conv2dBackwardWeightWasm(view(go, [c.N, c.CO, OH, OW]), view(x, [c.N, c.C, c.H, c.W]), view(gotGw, [c.CO, Cg, c.KH, c.KW]), c.p),
    ).toBe(true);
    for (let i = 0; i < gw.length; i++) expect(Math.abs(gotGw[i]! - gw[i]!)).toBeLessThan(tol * 10);
    const gotGwT = new Float32Array(w.length);
    conv2dBackwardWeightWasm(
      view(go, [c.N, c.CO, OH, OW]),
      view(x, [c.N, c.C, c.H, c.W]),
      view(gotGwT, [c.CO, Cg, c.KH, c.KW], [Cg * c.KH * c.KW, c.KH * c.KW, 1, c.KH]),
      c.p,
    );
    for (let o = 0; o < c.CO; o++)
      for (let ci = 0; ci < Cg; ci++)
        for (let kh = 0; kh < c.KH; kh++)
          for (let kw = 0; kw < c.KW; kw++) {
            const want1 = gw[((o * Cg + ci) * c.KH + kh) * c.KW + kw]!;
            expect(Math.abs(gotGwT[((o * Cg + ci) * c.KW + kw) * c.KH + kh]! - want1)).toBeLessThan(tol * 10);
          }
  }

  it('handles empty dimensions (no samples, no input channels, no output channels) without touching the columns path', () => {
    const p: Conv2dParams = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
    for (const [N, C, CO] of [
      [0, 3, 4],
      [2, 0, 4],
      [2, 3, 0],
    ] as const) {
      const x = view(new Float32Array(N * C * 25), [N, C, 5, 5]);
      const w = view(rand(CO * C * 9, 5), [CO, C, 3, 3]);
      const bias = view(
        Float32Array.from({ length: CO }, (_, i) => i + 1),
        [CO],
      );
      const out = view(new Float32Array(N * CO * 25).fill(Number.NaN), [N, CO, 5, 5]);
      expect(conv2dColumns(x, w, bias, out, p)).toBe(false);
      expect(conv2dWasm(x, w, bias, out, p)).toBe(true);
      // no input channels: the output is the bias
      for (let i = 0; i < N * CO * 25; i++) expect((out.buffer as Float32Array)[i]).toBe((Math.floor(i / 25) % CO) + 1);
      const gi = view(new Float32Array(N * C * 25).fill(Number.NaN), [N, C, 5, 5]);
      const go = view(rand(N * CO * 25, 6), [N, CO, 5, 5]);
      expect(conv2dBackwardInputWasm(go, w, gi, p)).toBe(true);
      if (CO === 0) for (const v of gi.buffer as Float32Array) expect(v).toBe(0);
      const gw = view(new Float32Array(CO * C * 9).fill(Number.NaN), [CO, C, 3, 3]);
      expect(conv2dBackwardWeightWasm(go, x, gw, p)).toBe(true);
      if (N === 0) for (const v of gw.buffer as Float32Array) expect(v).toBe(0);
    }
  });

  it('the wasm column path declines a conv whose workspace passes maxWorkspaceBytes; the JS path runs it', () => {
    const c = cases[3]!;
    const [OH, OW] = outSize(c);
    const x = view(rand(c.N * c.C * c.H * c.W, 1), [c.N, c.C, c.H, c.W]);
    const w = view(rand(c.CO * c.C * c.KH * c.KW, 2), [c.CO, c.C, c.KH, c.KW]);
    const go = view(rand(c.N * c.CO * OH * OW, 3), [c.N, c.CO, OH, OW]);
    const run = () => {
      const out = view(new Float32Array(c.N * c.CO * OH * OW), [c.N, c.CO, OH, OW]);
      const gi = view(new Float32Array(c.N * c.C * c.H * c.W), [c.N, c.C, c.H, c.W]);
      const gw = view(new Float32Array(c.CO * c.C * c.KH * c.KW), [c.CO, c.C, c.KH, c.KW]);
      const taken = [
        conv2dColumns(x, w, null, out, c.p),
        conv2dBackwardInputColumns(go, w, gi, c.p),
        conv2dBackwardWeightColumns(go, x, gw, c.p),
      ];
      expect(conv2dWasm(x, w, null, out, c.p) && conv2dBackwardInputWasm(go, w, gi, c.p) && conv2dBackwardWeightWasm(go, x, gw, c.p)).toBe(
        true,
      );
      return { taken, values: [out, gi, gw].map((v) => Array.from(v.buffer as Float32Array)) };
    };
    const wasm = run();
    expect(wasm.taken).toEqual([true, true, true]);
    const saved = convColumns.maxWorkspaceBytes;
    convColumns.maxWorkspaceBytes = 1;
    try {
      const js = run();
      expect(js.taken).toEqual([false, false, false]);
      for (let i = 0; i < 3; i++) js.values[i]!.forEach((v, j) => expect(Math.abs(v - wasm.values[i]![j]!)).toBeLessThan(1e-4));
    } finally {
      convColumns.maxWorkspaceBytes = saved;
    }
  });

  it('declines float64', () => {
    const d = new Float64Array(16);
    const v = { buffer: d, dtype: 'float64', shape: [1, 1, 4, 4], strides: [16, 16, 4, 1], offset: 0 } as TensorView;
    const p: Conv2dParams = { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 };
    expect(conv2dWasm(v, v, null, v, p)).toBe(false);
  });
});
