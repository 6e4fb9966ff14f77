import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, load, PRELUDE, toWord, WG } from '../wgsl.js';
import { conv2dBlocked } from './conv-blocked.js';
import { conv2dBackwardInputGemm } from './conv-bwd.js';
import { conv2dBackwardWeightGemm } from './conv-bwd-weight.js';

/**
 * Note [Direct convolution]
 * One thread per output element of each of the three conv kernels, summing its window
 * in float32 through the operands' strides (NCHW, weights [Cout, Cin/g, KH, KW]).
 * Simple and exact in its summation order; an implicit-GEMM tiling would be the next
 * step for large layers. Taps that fall into the zero padding still multiply their zero with the
 * weight (forward) or the output gradient (weight gradient), as PyTorch's im2col does, so an
 * inf/NaN weight or gradient gives NaN there as in PyTorch instead of being skipped.
 */
export const buf = (v: TensorView) => v.buffer as GpuBuf;
export const view4 = (v: TensorView) => [v.offset, ...v.strides];

/** Common parameter words: geometry then the four views' offsets+strides. */
export function geom(x: readonly number[], w: readonly number[], o: readonly number[], p: Conv2dParams): number[] {
  // x: [N, Cin, H, W]; w: [Cout, Cin/g, KH, KW]; o: [N, Cout, OH, OW]
  return [
    x[0]!,
    x[1]!,
    x[2]!,
    x[3]!,
    w[0]!,
    o[2]!,
    o[3]!,
    w[2]!,
    w[3]!,
    p.stride[0],
    p.stride[1],
    p.padding[0],
    p.padding[1],
    p.dilation[0],
    p.dilation[1],
    p.groups,
  ];
}
export const GEOM_WGSL = `
  let N = P[0]; let Cin = P[1]; let H = i32(P[2]); let W = i32(P[3]); let Cout = P[4];
  let OH = i32(P[5]); let OW = i32(P[6]); let KH = P[7]; let KW = P[8];
  let sh = i32(P[9]); let sw = i32(P[10]); let ph = i32(P[11]); let pw = i32(P[12]);
  let dh = i32(P[13]); let dw = i32(P[14]); let G = P[15];
  let cinG = Cin / G; let coutG = Cout / G;`;
// view params start at 17: x (5 words), w (5), third view (5)
export const X = (n: string, c: string, h: string, w: string) =>
  `P[17] + ${n} * P[18] + ${c} * P[19] + u32(${h}) * P[20] + u32(${w}) * P[21]`;
export const Wt = (o: string, i: string, h: string, w: string) => `P[22] + ${o} * P[23] + ${i} * P[24] + ${h} * P[25] + ${w} * P[26]`;
export const O = (n: string, c: string, h: string, w: string) =>
  `P[27] + ${n} * P[28] + ${c} * P[29] + u32(${h}) * P[30] + u32(${w}) * P[31]`;

export function conv2d(rt: Runtime, x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): void {
  if (conv2dBlocked(rt, x, w, bias, out, p)) return; // Note [Blocked convolution]
  const total = out.shape.reduce((a, b) => a * b, 1);
  const reqs = [{ buf: buf(x) }, { buf: buf(w) }, { buf: buf(out), write: true }];
  if (bias) reqs.push({ buf: buf(bias) });
  const b = bind(reqs);
  const [XB, WB, OB, BB] = b.names as [string, string, string, string | undefined];
  const params = [...geom(x.shape, w.shape, out.shape, p), total, ...view4(x), ...view4(w), ...view4(out)];
  if (bias) params.push(bias.offset, bias.strides[0] ?? 0);
  rt.run(
    `conv2d:${bias ? 'b' : ''}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${GEOM_WGSL}
  if (gid >= P[16]) { return; }
  let ow = i32(gid % u32(OW)); let oh = i32((gid / u32(OW)) % u32(OH));
  let co = (gid / u32(OW * OH)) % Cout; let n = gid / (u32(OW * OH) * Cout);
  let g = co / coutG;
  var acc = ${bias ? load(BB!, 'P[32] + co * P[33]', 'float32') : '0.0'};
  for (var ci = 0u; ci < cinG; ci++) {
    let c = g * cinG + ci;
    for (var kh = 0u; kh < KH; kh++) {
      let h = oh * sh - ph + i32(kh) * dh;
      let hin = h >= 0 && h < H;
      for (var kw = 0u; kw < KW; kw++) {
        let ww = ow * sw - pw + i32(kw) * dw;
        // padding taps multiply a zero, as PyTorch's do (0 * inf = NaN): Note [Direct convolution]
        var xv = 0.0;
        if (hin && ww >= 0 && ww < W) { xv = ${load(XB, X('n', 'c', 'h', 'ww'), 'float32')}; }
        acc = acc + xv * ${load(WB, Wt('co', 'ci', 'kh', 'kw'), 'float32')};
      }
    }
  }
  ${OB}[${O('n', 'co', 'oh', 'ow')}] = ${toWord('acc', 'float32')};
}`,
    b,
    params,
    { threads: total, wg: WG },
  );
}

/**
 * The input gradient of conv2d: the implicit-GEMM kernels for float32 (Note [Blocked conv
 * backward-input]; `convBwdChoice` forces this direct kernel), the direct kernel for the rest.
 */
export function conv2dBackwardInput(rt: Runtime, gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): void {
  if (conv2dBackwardInputGemm(rt, gradOut, w, gradIn, p)) return;
  const total = gradIn.shape.reduce((a, b) => a * b, 1);
  const b = bind([{ buf: buf(gradIn), write: true }, { buf: buf(w) }, { buf: buf(gradOut) }]);
  const [GI, WB, GO] = b.names as [string, string, string];
  // view slots: x-slot = gradIn, w-slot = w, o-slot = gradOut
  const params = [...geom(gradIn.shape, w.shape, gradOut.shape, p), total, ...view4(gradIn), ...view4(w), ...view4(gradOut)];
  rt.run(
    `conv2dBwdIn:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${GEOM_WGSL}
  if (gid >= P[16]) { return; }
  let x = i32(gid % u32(W)); let y = i32((gid / u32(W)) % u32(H));
  let c = (gid / u32(W * H)) % Cin; let n = gid / (u32(W * H) * Cin);
  let g = c / cinG; let ci = c % cinG;
  var acc = 0.0;
  for (var k = 0u; k < coutG; k++) {
    let co = g * coutG + k;
    for (var kh = 0u; kh < KH; kh++) {
      let th = y + ph - i32(kh) * dh;
      if (th < 0 || th % sh != 0) { continue; }
      let oh = th / sh;
      if (oh >= OH) { continue; }
      for (var kw = 0u; kw < KW; kw++) {
        let tw = x + pw - i32(kw) * dw;
        if (tw < 0 || tw % sw != 0) { continue; }
        let ow = tw / sw;
        if (ow >= OW) { continue; }
        acc = acc + ${load(GO, O('n', 'co', 'oh', 'ow'), 'float32')} * ${load(WB, Wt('co', 'ci', 'kh', 'kw'), 'float32')};
      }
    }
  }
  ${GI}[${X('n', 'c', 'y', 'x')}] = ${toWord('acc', 'float32')};
}`,
    b,
    params,
    { threads: total, wg: WG },
  );
}

/**
 * The weight gradient of conv2d: the implicit-GEMM kernels with split-K for float32 (Note
 * [Blocked conv backward-weight]; `convBwdChoice` forces this direct kernel), the direct kernel for the rest.
 */
export function conv2dBackwardWeight(rt: Runtime, gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): void {
  if (conv2dBackwardWeightGemm(rt, gradOut, x, gradW, p)) return;
  const total = gradW.shape.reduce((a, b) => a * b, 1);
  const b = bind([{ buf: buf(x) }, { buf: buf(gradW), write: true }, { buf: buf(gradOut) }]);
  const [XB, GW, GO] = b.names as [string, string, string];
  const params = [...geom(x.shape, gradW.shape, gradOut.shape, p), total, ...view4(x), ...view4(gradW), ...view4(gradOut)];
  rt.run(
    `conv2dBwdW:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${GEOM_WGSL}
  if (gid >= P[16]) { return; }
  let kw = gid % KW; let kh = (gid / KW) % KH;
  let ci = (gid / (KW * KH)) % cinG; let co = gid / (KW * KH * cinG);
  let c = (co / coutG) * cinG + ci;
  var acc = 0.0;
  for (var n = 0u; n < N; n++) {
    for (var oh = 0; oh < OH; oh++) {
      let h = oh * sh - ph + i32(kh) * dh;
      let hin = h >= 0 && h < H;
      for (var ow = 0; ow < OW; ow++) {
        let ww = ow * sw - pw + i32(kw) * dw;
        var xv = 0.0;
        if (hin && ww >= 0 && ww < W) { xv = ${load(XB, X('n', 'c', 'h', 'ww'), 'float32')}; }
        acc = acc + ${load(GO, O('n', 'co', 'oh', 'ow'), 'float32')} * xv;
      }
    }
  }
  ${GW}[${Wt('co', 'ci', 'kh', 'kw')}] = ${toWord('acc', 'float32')};
}`,
    b,
    params,
    { threads: total, wg: WG },
  );
}
