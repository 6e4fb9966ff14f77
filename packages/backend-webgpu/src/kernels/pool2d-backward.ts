import { IndexError } from '@dl/tensor';
import type { DeviceCheck, Pool2dParams, TensorView } from '@dl/tensor/backend';
import { reportCode } from '../device-errors.js';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE, WG } from '../wgsl.js';

const buf = (v: TensorView) => v.buffer as GpuBuf;
const view4 = (v: TensorView) => [v.offset, ...v.strides];

/**
 * Note [Pooling backward by gathering]
 * The backward passes of 2-D pooling scatter each output gradient over its window; windows
 * overlap (stride < kernel), and WebGPU has no float atomics, so a scatter would race. Both
 * kernels gather instead, as torch's CUDA kernels (max_pool_backward_nchw, avg_pool2d_backward):
 * one thread per input element (n, c, h, w) visits the output windows that cover it — rows
 * `oh` with `oh·sh − ph ≤ h < oh·sh − ph + extent` (and, for dilated max pooling, `h` on the
 * window's dilation grid), likewise columns — and sums, in (oh, ow) order:
 *  - max: `grad[oh, ow]` where `indices[oh, ow] == h·W + w`;
 *  - avg: `grad[oh, ow] / divisor(oh, ow)` (PyTorch's divisor, as the forward kernel).
 * One dispatch, no zero fill, deterministic. The cpu kernels add in the same (oh, ow) order
 * from 0, so the sums agree bit for bit up to the division's rounding.
 * A gather only finds an index inside the window it belongs to, which every index maxPool2d
 * writes is. Indices from elsewhere (an out-of-plane or out-of-window value) would be dropped
 * silently, so the max kernel also runs one thread per output that checks its index and reports
 * a bad one as an IndexError at the next read (Note [Deferred GPU errors]).
 */

/** Words shared by both kernels: C, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw, nIn, then grad's offset and strides. */
function geom(grad: TensorView, gradIn: TensorView, p: Pool2dParams): number[] {
  const nIn = gradIn.shape.reduce((a, b) => a * b, 1);
  return [
    gradIn.shape[1]!,
    gradIn.shape[2]!,
    gradIn.shape[3]!,
    grad.shape[2]!,
    grad.shape[3]!,
    ...p.kernelSize,
    ...p.stride,
    ...p.padding,
    ...p.dilation,
    nIn,
    ...view4(grad),
    ...view4(gradIn),
  ];
}

/** WGSL: the input element of `gid` and the ranges of windows (oh0..oh1, ow0..ow1 inclusive) that may cover it. */
const HEAD = `
  let C = P[0]; let H = P[1]; let W = P[2]; let OH = i32(P[3]); let OW = i32(P[4]);
  let KH = i32(P[5]); let KW = i32(P[6]); let sh = i32(P[7]); let sw = i32(P[8]);
  let ph = i32(P[9]); let pw = i32(P[10]); let dh = i32(P[11]); let dw = i32(P[12]);
  let w = gid % W; let h = (gid / W) % H; let c = (gid / (W * H)) % C; let n = gid / (W * H * C);
  let gb = P[14] + n * P[15] + c * P[16];
  let th = i32(h) + ph; let tw = i32(w) + pw;
  let eh = (KH - 1) * dh; let ew = (KW - 1) * dw;
  let oh0 = select(0, (th - eh + sh - 1) / sh, th > eh); let oh1 = min(th / sh, OH - 1);
  let ow0 = select(0, (tw - ew + sw - 1) / sw, tw > ew); let ow1 = min(tw / sw, OW - 1);
  let oi = P[19] + n * P[20] + c * P[21] + h * P[22] + w * P[23];`;

/** The error of a bad max-pooling index (Note [Pooling backward by gathering]), as cpu's where out of the plane. */
function indexCheck(H: number, W: number): DeviceCheck {
  return {
    lo: 0,
    hi: H * W - 1,
    key: `maxPool2dBackward:window:${H}x${W}`,
    error: (k, q) =>
      k < 0 || k >= H * W
        ? new IndexError(`maxPool2dBackward: index ${k} at position ${q} is out of bounds for an input plane of ${H}x${W}`, {
            op: 'maxPool2dBackward',
            hint: 'pass the indices maxPool2d returned for this input (webgpu checks them on the device and raises at the next read)',
          })
        : new IndexError(`maxPool2dBackward: index ${k} at position ${q} is not inside its pooling window (input plane ${H}x${W})`, {
            op: 'maxPool2dBackward',
            hint:
              'webgpu gathers each input gradient from the windows covering it, so indices must be those maxPool2d returned with the same ' +
              'kernel size, stride, padding and dilation',
          }),
  };
}

/**
 * Max pooling's backward (Note [Pooling backward by gathering]): gradIn[n, c, h, w] = Σ grad over the
 * windows whose index is h·W + w.
 *
 * @example
 * maxPool2dBackward(rt, gradView, indicesView, gradInView, params);
 */
export function maxPool2dBackward(rt: Runtime, grad: TensorView, indices: TensorView, gradIn: TensorView, p: Pool2dParams): void {
  const b = bind([{ buf: buf(grad) }, { buf: buf(indices) }, { buf: buf(gradIn), write: true }, rt.errors.binding()]);
  const [G, I, O, E] = b.names as [string, string, string, string];
  const params = geom(grad, gradIn, p);
  const nOut = grad.shape.reduce((a, x) => a * x, 1);
  const [H, W] = [gradIn.shape[2]!, gradIn.shape[3]!];
  params.push(...view4(indices), nOut, rt.errors.checkSite(indexCheck(H, W), 'i32'));
  rt.run(
    `maxPool2dBackward:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
  if (gid < P[29]) {
    // the check of output gid's index: inside its own window
    let OWc = P[4]; let OHc = P[3];
    let ow = gid % OWc; let oh = (gid / OWc) % OHc; let cc = (gid / (OWc * OHc)) % P[0]; let nn = gid / (OWc * OHc * P[0]);
    let k = bitcast<i32>(${I}[P[24] + nn * P[25] + cc * P[26] + oh * P[27] + ow * P[28]]);
    let Wi = i32(P[2]);
    let rh = k / Wi - (i32(oh) * i32(P[7]) - i32(P[9]));
    let rw = k % Wi - (i32(ow) * i32(P[8]) - i32(P[10]));
    let okh = rh >= 0 && rh % i32(P[11]) == 0 && rh / i32(P[11]) < i32(P[5]);
    let okw = rw >= 0 && rw % i32(P[12]) == 0 && rw / i32(P[12]) < i32(P[6]);
    if (k < 0 || k >= Wi * i32(P[1]) || !okh || !okw) {
      ${reportCode(E, 'P[30]', 'k', 'gid')}
    }
  }
  if (gid >= P[13]) { return; }
${HEAD}
  let me = i32(h * W + w);
  var acc = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) {
    let rh = th - oh * sh;
    if (rh % dh != 0) { continue; }
    for (var ow = ow0; ow <= ow1; ow++) {
      let rw = tw - ow * sw;
      if (rw % dw != 0) { continue; }
      let k = bitcast<i32>(${I}[P[24] + n * P[25] + c * P[26] + u32(oh) * P[27] + u32(ow) * P[28]]);
      if (k == me) { acc = acc + bitcast<f32>(${G}[gb + u32(oh) * P[17] + u32(ow) * P[18]]); }
    }
  }
  ${O}[oi] = bitcast<u32>(acc);
}`,
    b,
    params,
    { threads: Math.max(params[13]!, nOut), wg: WG },
  );
}

/**
 * Average pooling's backward (Note [Pooling backward by gathering]): gradIn[n, c, h, w] = Σ grad / divisor
 * over the windows that cover (h, w).
 *
 * @example
 * avgPool2dBackward(rt, gradView, gradInView, params);
 */
export function avgPool2dBackward(rt: Runtime, grad: TensorView, gradIn: TensorView, p: Pool2dParams): void {
  const b = bind([{ buf: buf(grad) }, { buf: buf(gradIn), write: true }]);
  const [G, O] = b.names as [string, string];
  const params = [...geom(grad, gradIn, { ...p, dilation: [1, 1] }), p.countIncludePad === false ? 0 : 1];
  rt.run(
    `avgPool2dBackward:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
  if (gid >= P[13]) { return; }
${HEAD}
  let Hi = i32(H); let Wi = i32(W);
  var acc = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) {
    let hs = oh * sh - ph;
    let he = min(hs + KH, Hi + ph);
    let h0 = max(hs, 0); let h1 = min(he, Hi);
    for (var ow = ow0; ow <= ow1; ow++) {
      let ws = ow * sw - pw;
      let we = min(ws + KW, Wi + pw);
      let w0 = max(ws, 0); let w1 = min(we, Wi);
      var div = select((h1 - h0) * (w1 - w0), (he - hs) * (we - ws), P[24] == 1u);
      if (div <= 0) { div = 1; }
      acc = acc + bitcast<f32>(${G}[gb + u32(oh) * P[17] + u32(ow) * P[18]]) / f32(div);
    }
  }
  ${O}[oi] = bitcast<u32>(acc);
}`,
    b,
    params,
    { threads: params[13]!, wg: WG },
  );
}
