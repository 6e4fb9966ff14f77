import { afterAll, describe, expect, it } from 'vitest';
import type { Conv2dParams, Pool2dParams } from '@dl/tensor/backend';
import { close, download, empty, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());

function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.fround((s / 2147483648) * 2 - 1);
  });
}

/** Reference conv2d, NCHW. */
function refConv(x: number[], xs: number[], w: number[], ws: number[], bias: number[] | null, p: Conv2dParams) {
  const [N, Cin, H, W] = xs as [number, number, number, number];
  const [Cout, CinG, KH, KW] = ws as [number, number, number, number];
  const OH = Math.floor((H + 2 * p.padding[0] - p.dilation[0] * (KH - 1) - 1) / p.stride[0]) + 1;
  const OW = Math.floor((W + 2 * p.padding[1] - p.dilation[1] * (KW - 1) - 1) / p.stride[1]) + 1;
  const coutG = Cout / p.groups;
  const out: number[] = [];
  for (let n = 0; n < N; n++)
    for (let co = 0; co < Cout; co++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = bias ? bias[co]! : 0;
          const g = Math.floor(co / coutG);
          for (let ci = 0; ci < CinG; ci++)
            for (let kh = 0; kh < KH; kh++)
              for (let kw = 0; kw < KW; kw++) {
                const h = oh * p.stride[0] - p.padding[0] + kh * p.dilation[0];
                const ww = ow * p.stride[1] - p.padding[1] + kw * p.dilation[1];
                if (h < 0 || h >= H || ww < 0 || ww >= W) continue;
                s += x[((n * Cin + g * CinG + ci) * H + h) * W + ww]! * w[((co * CinG + ci) * KH + kh) * KW + kw]!;
              }
          out.push(s);
        }
  return { out, shape: [N, Cout, OH, OW] };
}

describe.runIf(be)('webgpu fused kernels', () => {
  const gpu = be!;
  const cases: Array<[string, number[], number[], Conv2dParams]> = [
    ['plain', [2, 3, 6, 5], [4, 3, 3, 3], { stride: [1, 1], padding: [0, 0], dilation: [1, 1], groups: 1 }],
    ['stride+pad', [1, 2, 7, 7], [3, 2, 3, 2], { stride: [2, 3], padding: [1, 2], dilation: [1, 1], groups: 1 }],
    ['dilation+groups', [1, 4, 8, 8], [6, 2, 3, 3], { stride: [1, 2], padding: [2, 1], dilation: [2, 1], groups: 2 }],
  ];

  it.each(cases)('conv2d forward and both backward kernels agree with the definition (%s)', async (_n, xs, ws, p) => {
    const x = values(
      xs.reduce((a, b) => a * b),
      1,
    );
    const w = values(
      ws.reduce((a, b) => a * b),
      2,
    );
    const bias = values(ws[0]!, 3);
    const ref = refConv(x, xs, w, ws, bias, p);
    const xv = upload(gpu, 'float32', x, xs);
    const wv = upload(gpu, 'float32', w, ws);
    const out = empty(gpu, 'float32', ref.shape);
    gpu.conv2d(xv, wv, upload(gpu, 'float32', bias), out, p);
    expect(close(await download(gpu, out), ref.out, 1e-4, 1e-5)).toBeNull();

    // backward via the adjoint identity: <conv(x, w), g> = <x, dIn(g, w)> = <w, dW(g, x)>
    const g = values(ref.out.length, 4);
    const gv = upload(gpu, 'float32', g, ref.shape);
    const gi = empty(gpu, 'float32', xs);
    gpu.conv2dBackwardInput(gv, wv, gi, p);
    const gw = empty(gpu, 'float32', ws);
    gpu.conv2dBackwardWeight(gv, xv, gw, p);
    const gin = await download(gpu, gi);
    const gwt = await download(gpu, gw);
    // check every element of dIn: d<conv(x,w),g>/dx_i by finite basis vectors
    const noBias = refConv(x, xs, w, ws, null, p).out;
    const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);
    const base = dot(noBias, g);
    for (let i = 0; i < x.length; i += 7) {
      const e = [...x];
      e[i] = e[i]! + 1;
      const d = dot(refConv(e, xs, w, ws, null, p).out, g) - base;
      expect(Math.abs(gin[i]! - d)).toBeLessThan(1e-4);
    }
    for (let i = 0; i < w.length; i += 5) {
      const e = [...w];
      e[i] = e[i]! + 1;
      const d = dot(refConv(x, xs, e, ws, null, p).out, g) - base;
      expect(Math.abs(gwt[i]! - d)).toBeLessThan(1e-4);
    }
  });

  it('maxPool2d: values, flat indices, padding, dilation, NaN', async () => {
    const H = 5,
      W = 6;
    const x = values(2 * H * W, 5);
    x[7] = Number.NaN;
    const p: Pool2dParams = { kernelSize: [2, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 2], ceilMode: false };
    const OH = Math.floor((H + 2 - 1 * (2 - 1) - 1) / 2) + 1;
    const OW = Math.floor((W + 2 - 2 * (3 - 1) - 1) / 2) + 1;
    const ev: number[] = [];
    const ei: number[] = [];
    for (let c = 0; c < 2; c++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let best = -Infinity;
          let hs = oh * 2 - 1;
          let ws = ow * 2 - 1;
          const h0 = hs,
            w0 = ws;
          while (hs < 0) hs += 1;
          while (ws < 0) ws += 2;
          let bi = hs * W + ws;
          for (let kh = 0; kh < 2; kh++)
            for (let kw = 0; kw < 3; kw++) {
              const h = h0 + kh,
                w = w0 + kw * 2;
              if (h < 0 || h >= H || w < 0 || w >= W) continue;
              const v = x[c * H * W + h * W + w]!;
              if (v > best || Number.isNaN(v)) {
                best = v;
                bi = h * W + w;
              }
            }
          ev.push(best);
          ei.push(bi);
        }
    const out = empty(gpu, 'float32', [1, 2, OH, OW]);
    const idx = empty(gpu, 'int32', [1, 2, OH, OW]);
    gpu.maxPool2d(upload(gpu, 'float32', x, [1, 2, H, W]), out, idx, p);
    expect(close(await download(gpu, out), ev)).toBeNull();
    expect(await download(gpu, idx)).toEqual(ei);
  });

  it.each([true, false])('avgPool2d with padding, countIncludePad=%s', async (cip) => {
    const H = 4,
      W = 5;
    const x = values(H * W, 6);
    const p: Pool2dParams = {
      kernelSize: [3, 3],
      stride: [2, 2],
      padding: [1, 1],
      dilation: [1, 1],
      ceilMode: false,
      countIncludePad: cip,
    };
    const OH = Math.floor((H + 2 - 3) / 2) + 1;
    const OW = Math.floor((W + 2 - 3) / 2) + 1;
    const ev: number[] = [];
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++) {
        let s = 0;
        let cnt = 0;
        for (let h = oh * 2 - 1; h < oh * 2 + 2; h++)
          for (let w = ow * 2 - 1; w < ow * 2 + 2; w++) {
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            s += x[h * W + w]!;
            cnt++;
          }
        ev.push(s / (cip ? 9 : cnt));
      }
    const out = empty(gpu, 'float32', [1, 1, OH, OW]);
    gpu.avgPool2d(upload(gpu, 'float32', x, [1, 1, H, W]), out, p);
    expect(close(await download(gpu, out), ev, 1e-5)).toBeNull();
  });
});
