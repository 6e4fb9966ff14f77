import type { Pool2dParams, TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, load, PRELUDE, toWord, WG } from '../wgsl.js';

const buf = (v: TensorView) => v.buffer as GpuBuf;
const view4 = (v: TensorView) => [v.offset, ...v.strides];

/** Window geometry words: C, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw, total. */
function geom(x: TensorView, out: TensorView, p: Pool2dParams): number[] {
  const total = out.shape.reduce((a, b) => a * b, 1);
  return [
    x.shape[1]!,
    x.shape[2]!,
    x.shape[3]!,
    out.shape[2]!,
    out.shape[3]!,
    ...p.kernelSize,
    ...p.stride,
    ...p.padding,
    ...p.dilation,
    total,
  ];
}
const HEAD = `
  if (gid >= P[13]) { return; }
  let C = P[0]; let H = i32(P[1]); let W = i32(P[2]); let OH = P[3]; let OW = P[4];
  let KH = i32(P[5]); let KW = i32(P[6]); let sh = i32(P[7]); let sw = i32(P[8]);
  let ph = i32(P[9]); let pw = i32(P[10]); let dh = i32(P[11]); let dw = i32(P[12]);
  let ow = gid % OW; let oh = (gid / OW) % OH; let c = (gid / (OW * OH)) % C; let n = gid / (OW * OH * C);
  let xb = P[14] + n * P[15] + c * P[16];
  let ob = P[19] + n * P[20] + c * P[21] + oh * P[22] + ow * P[23];
  let hs = i32(oh) * sh - ph; let ws = i32(ow) * sw - pw;`;

/** Max pooling as PyTorch's max_pool2d_with_indices: NaN wins, flat h*W+w indices. */
export function maxPool2d(rt: Runtime, x: TensorView, out: TensorView, indices: TensorView, p: Pool2dParams): void {
  const b = bind([{ buf: buf(x) }, { buf: buf(out), write: true }, { buf: buf(indices), write: true }]);
  const [XB, OB, IB] = b.names as [string, string, string];
  const params = [...geom(x, out, p), ...view4(x), ...view4(out), ...view4(indices)];
  rt.run(
    `maxPool2d:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${HEAD}
  var hst = hs; while (hst < 0) { hst += dh; }
  var wst = ws; while (wst < 0) { wst += dw; }
  var best = -f_inf();
  var bi = hst * W + wst;
  for (var kh = 0; kh < KH; kh++) {
    let h = hs + kh * dh;
    if (h < 0 || h >= H) { continue; }
    for (var kw = 0; kw < KW; kw++) {
      let w = ws + kw * dw;
      if (w < 0 || w >= W) { continue; }
      let v = ${load(XB, 'xb + u32(h) * P[17] + u32(w) * P[18]', 'float32')};
      if (v > best || isnan_f(v)) { best = v; bi = h * W + w; }
    }
  }
  ${OB}[ob] = ${toWord('best', 'float32')};
  ${IB}[P[24] + n * P[25] + c * P[26] + oh * P[27] + ow * P[28]] = bitcast<u32>(bi);
}`,
    b,
    params,
    { threads: params[13]!, wg: WG },
  );
}

/** Average pooling as PyTorch's avg_pool2d (count_include_pad counts padding inside the bounds, not ceil-mode overhang). */
export function avgPool2d(rt: Runtime, x: TensorView, out: TensorView, p: Pool2dParams): void {
  const b = bind([{ buf: buf(x) }, { buf: buf(out), write: true }]);
  const [XB, OB] = b.names as [string, string];
  const params = [...geom(x, out, p), ...view4(x), ...view4(out), p.countIncludePad === false ? 0 : 1];
  rt.run(
    `avgPool2d:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${HEAD}
  var he = min(hs + KH, H + ph); var we = min(ws + KW, W + pw);
  let poolSize = (he - hs) * (we - ws);
  let h0 = max(hs, 0); let w0 = max(ws, 0); he = min(he, H); we = min(we, W);
  var acc = 0.0;
  for (var h = h0; h < he; h++) {
    for (var w = w0; w < we; w++) {
      acc = acc + ${load(XB, 'xb + u32(h) * P[17] + u32(w) * P[18]', 'float32')};
    }
  }
  let div = select((he - h0) * (we - w0), poolSize, P[24] == 1u);
  ${OB}[ob] = ${toWord('acc / f32(div)', 'float32')};
}`,
    b,
    params,
    { threads: params[13]!, wg: WG },
  );
}
