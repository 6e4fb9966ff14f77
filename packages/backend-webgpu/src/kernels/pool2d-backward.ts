import { IndexError } from '@dl/tensor';
import type { DeviceCheck, Pool2dParams, TensorView } from '@dl/tensor/backend';
import { reportCode } from '../device-errors.js';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE, WG } from '../wgsl.js';
import { fill } from './elementwise.js';

const buf = (v: TensorView) => v.buffer as GpuBuf;
const view4 = (v: TensorView) => [v.offset, ...v.strides];

/**
 * Note [Pooling backward by gathering]
 * The backward passes of 2-D pooling put each output gradient into its window; windows overlap
 * (stride < kernel), and WebGPU has no float atomics, so a plain scatter would race.
 * - avg: one thread per input element (n, c, h, w) gathers, as torch's CUDA avg_pool2d_backward:
 *   it visits the windows that cover it — rows `oh` with `oh·sh − ph ≤ h < oh·sh − ph + KH`,
 *   likewise columns — and sums `grad[oh, ow] / divisor(oh, ow)` (PyTorch's divisor, as the
 *   forward kernel) in (oh, ow) order, the cpu kernel's order: one dispatch, no zero fill,
 *   deterministic. The grid gives each plane its own row of workgroups, and positions divide by
 *   the plane width in float (`udiv`, exact below 2^20): lavapipe runs vector integer divisions
 *   lane by lane.
 * - max, windows disjoint (stride ≥ window extent: 2×2 / 2, LeNet's): one thread per output writes
 *   its whole window, the gradient at its index and 0 elsewhere (a zero fill first only where
 *   windows leave inputs uncovered). Race-free, deterministic.
 * - max, windows overlapping (ResNet's 3×3 / 2): a zero fill, then one thread per output adds its
 *   gradient at its index with a compare-exchange loop on the float's bits (as scatterAdd). A
 *   gather per input element (torch's CUDA way) was measured 2.7× slower than this on lavapipe
 *   ([2, 64, 112, 112], 253 vs 93 ms), so the scatter stays; an input that two windows both pick
 *   gets their sum in either order (it may differ from cpu in the last bit).
 * Every max kernel checks its output's index against its own window (the forward's indices always
 * are) and reports a bad one as an IndexError at the next read (Note [Deferred GPU errors]).
 */

/** Words shared by both kernels: C, H, W, OH, OW, KH, KW, sh, sw, ph, pw, dh, dw, N·C, then grad's and gradIn's offset and strides. */
function geom(grad: TensorView, gradIn: TensorView, p: Pool2dParams): number[] {
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
    gradIn.shape[0]! * gradIn.shape[1]!,
    ...view4(grad),
    ...view4(gradIn),
  ];
}

/** Planes per grid row (the y dimension's limit); z counts rows of planes. */
const PLANES_Y = 65535;
/**
 * Workgroups along x, WebGPU's default `maxComputeWorkgroupsPerDimension`: a plane of more than
 * 65535·256 positions (a 4096×4096 image) is covered by a grid-stride loop over its positions.
 */
const MAX_GROUPS = 65535;

/**
 * The grid (Note [Pooling backward by gathering]): x covers `per` positions of one plane (at most
 * {@link MAX_GROUPS} workgroups, each thread looping over positions a grid width apart), y and z
 * the N·C planes, so a thread finds its plane without dividing. Whether the positions are small enough
 * for the float quotient of `udiv` (exact below 2^20) is part of the pipeline key.
 */
function grid(gradIn: TensorView, per: number, p: Pool2dParams): { groups: [number, number, number]; fdiv: boolean } {
  const planes = gradIn.shape[0]! * gradIn.shape[1]!;
  // the largest dividend: a position, or a row / column plus padding and stride
  const span = Math.max(per, gradIn.shape[2]! + p.padding[0] + p.stride[0], gradIn.shape[3]! + p.padding[1] + p.stride[1]);
  return {
    groups: [Math.min(Math.ceil(per / WG), MAX_GROUPS), Math.min(planes, PLANES_Y), Math.ceil(planes / PLANES_Y)],
    fdiv: span < 2 ** 20,
  };
}

/**
 * WGSL: integer division `udiv` (Note [Pooling backward by gathering]: lavapipe runs a vector u32
 * division lane by lane, so below 2^20 it is a float division, exact because (a + ½) / b stays a
 * relative 2^-21 away from an integer, beyond WGSL's 2.5 ulp division error), the entry point, the thread's plane, and
 * the opening of its loop over positions `pos` (the body closes it).
 */
function entry(fdiv: boolean): string {
  return `
fn udiv(a: u32, b: u32) -> u32 { return ${fdiv ? 'u32((f32(a) + 0.5) / f32(b))' : 'a / b'}; }
@compute @workgroup_size(${WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let plane = wid.z * ${PLANES_Y}u + wid.y;
  if (plane >= P[13]) { return; }
  let C = P[0]; let H = P[1]; let W = P[2]; let OH = P[3]; let OW = P[4];
  let KH = P[5]; let KW = P[6]; let sh = P[7]; let sw = P[8]; let ph = P[9]; let pw = P[10]; let dh = P[11]; let dw = P[12];
  let c = plane % C; let n = plane / C;
  let gb = P[14] + n * P[15] + c * P[16];
  for (var pos = wid.x * ${WG}u + lid; pos < H * W; pos += nwg.x * ${WG}u) {`;
}

/** WGSL: input element (h, w) at `pos` of the plane and the windows (oh0..oh1, ow0..ow1 inclusive) that may cover it. */
const INPUT = `
    let h = udiv(pos, W); let w = pos - h * W;
    let th = h + ph; let tw = w + pw;
    let eh = (KH - 1u) * dh; let ew = (KW - 1u) * dw;
    let oh0 = select(0u, udiv(th - eh + sh - 1u, sh), th > eh); let oh1 = min(udiv(th, sh), OH - 1u);
    let ow0 = select(0u, udiv(tw - ew + sw - 1u, sw), tw > ew); let ow1 = min(udiv(tw, sw), OW - 1u);
    let oi = P[19] + n * P[20] + c * P[21] + h * P[22] + w * P[23];`;

/**
 * WGSL: output `gid` of a max-pooling kernel (P[30] outputs), its window's origin (hs, ws) and its
 * index `k` (read from binding `I`); `inWindow` tells whether an index lies in the window at (hs, ws).
 */
function output(I: string): string {
  return `
fn inWindow(k: i32, hs: i32, ws: i32) -> bool {
  let H = i32(P[1]); let W = i32(P[2]); let dh = i32(P[11]); let dw = i32(P[12]);
  if (k < 0 || k >= H * W) { return false; }
  let rh = k / W - hs; let rw = k % W - ws;
  return rh >= 0 && rw >= 0 && rh % dh == 0 && rw % dw == 0 && rh / dh < i32(P[5]) && rw / dw < i32(P[6]);
}
${entry1d()}
  if (gid >= P[30]) { return; }
  let C = P[0]; let H = i32(P[1]); let W = i32(P[2]); let OH = P[3]; let OW = P[4];
  let KH = i32(P[5]); let KW = i32(P[6]); let dh = i32(P[11]); let dw = i32(P[12]);
  let ow = gid % OW; let oh = (gid / OW) % OH; let c = (gid / (OW * OH)) % C; let n = gid / (OW * OH * C);
  let k = bitcast<i32>(${I}[P[24] + n * P[25] + c * P[26] + oh * P[27] + ow * P[28]]);
  let hs = i32(oh * P[7]) - i32(P[9]); let ws = i32(ow * P[8]) - i32(P[10]);`;
}

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
            hint: 'indices must be those maxPool2d returned with the same kernel size, stride, padding and dilation',
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
  const [KH, KW] = p.kernelSize;
  if (p.stride[0] >= (KH - 1) * p.dilation[0] + 1 && p.stride[1] >= (KW - 1) * p.dilation[1] + 1) {
    maxPool2dBackwardDisjoint(rt, grad, indices, gradIn, p);
    return;
  }
  fill(rt, gradIn, 0);
  const [H, W] = [gradIn.shape[2]!, gradIn.shape[3]!];
  const b = bind([{ buf: buf(grad) }, { buf: buf(indices) }, { buf: buf(gradIn), write: true, atomic: true }, rt.errors.binding()]);
  const [G, I, O, E] = b.names as [string, string, string, string];
  const nOut = grad.shape.reduce((a, x) => a * x, 1);
  const params = [...geom(grad, gradIn, p), ...view4(indices), rt.errors.checkSite(indexCheck(H, W), 'i32'), nOut];
  rt.run(
    `maxPool2dBackwardAdd:${b.key}`,
    () => `${PRELUDE}${b.decl}${output(I)}
  if (!inWindow(k, hs, ws)) {
    ${reportCode(E, 'P[29]', 'k', 'gid')}
    return;
  }
  let v = bitcast<f32>(${G}[P[14] + n * P[15] + c * P[16] + oh * P[17] + ow * P[18]]);
  let at = P[19] + n * P[20] + c * P[21] + u32(k / W) * P[22] + u32(k % W) * P[23];
  loop {
    let old = atomicLoad(&${O}[at]);
    let r = atomicCompareExchangeWeak(&${O}[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
  }
}`,
    b,
    params,
    { threads: nOut, wg: WG },
  );
}

/**
 * Max pooling's backward where no two windows share an input element (stride ≥ window extent, e.g.
 * 2×2 / 2): one thread per output writes its whole window, the gradient at its index and 0 elsewhere
 * (Note [Pooling backward by gathering]: race-free, and on lavapipe cheaper than a gather per input).
 * Inputs no window covers (padding, dilation holes, a remainder) are zeroed by a fill first.
 */
function maxPool2dBackwardDisjoint(rt: Runtime, grad: TensorView, indices: TensorView, gradIn: TensorView, p: Pool2dParams): void {
  const [H, W] = [gradIn.shape[2]!, gradIn.shape[3]!];
  const [OH, OW] = [grad.shape[2]!, grad.shape[3]!];
  const [KH, KW] = p.kernelSize;
  const covered =
    p.dilation[0] === 1 &&
    p.dilation[1] === 1 &&
    p.stride[0] === KH &&
    p.stride[1] === KW &&
    p.padding[0] === 0 &&
    p.padding[1] === 0 &&
    OH * KH >= H &&
    OW * KW >= W;
  if (!covered) fill(rt, gradIn, 0);
  const b = bind([{ buf: buf(grad) }, { buf: buf(indices) }, { buf: buf(gradIn), write: true }, rt.errors.binding()]);
  const [G, I, O, E] = b.names as [string, string, string, string];
  const nOut = grad.shape.reduce((a, x) => a * x, 1);
  const params = [...geom(grad, gradIn, p), ...view4(indices), rt.errors.checkSite(indexCheck(H, W), 'i32'), nOut];
  rt.run(
    `maxPool2dBackwardDisjoint:${b.key}`,
    () => `${PRELUDE}${b.decl}${output(I)}
  let gv = ${G}[P[14] + n * P[15] + c * P[16] + oh * P[17] + ow * P[18]];
  let ob = P[19] + n * P[20] + c * P[21];
  let found = inWindow(k, hs, ws);
  for (var kh = 0; kh < KH; kh++) {
    let h = hs + kh * dh;
    if (h < 0 || h >= H) { continue; }
    for (var kw = 0; kw < KW; kw++) {
      let w = ws + kw * dw;
      if (w < 0 || w >= W) { continue; }
      let hit = h * W + w == k;
      ${O}[ob + u32(h) * P[22] + u32(w) * P[23]] = select(0u, gv, hit);
    }
  }
  if (!found) {
    ${reportCode(E, 'P[29]', 'k', 'gid')}
  }
}`,
    b,
    params,
    { threads: nOut, wg: WG },
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
  const g = grid(gradIn, gradIn.shape[2]! * gradIn.shape[3]!, p);
  rt.run(
    `avgPool2dBackward:${g.fdiv ? 'f' : 'i'}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry(g.fdiv)}
${INPUT}
  let Hi = i32(H); let Wi = i32(W);
  var acc = 0.0;
  for (var oh = oh0; oh <= oh1; oh++) {
    let hs = i32(oh * sh) - i32(ph);
    let he = min(hs + i32(KH), Hi + i32(ph));
    let h0 = max(hs, 0); let h1 = min(he, Hi);
    for (var ow = ow0; ow <= ow1; ow++) {
      let ws = i32(ow * sw) - i32(pw);
      let we = min(ws + i32(KW), Wi + i32(pw));
      let w0 = max(ws, 0); let w1 = min(we, Wi);
      var div = select((h1 - h0) * (w1 - w0), (he - hs) * (we - ws), P[24] == 1u);
      if (div <= 0) { div = 1; }
      acc = acc + bitcast<f32>(${G}[gb + oh * P[17] + ow * P[18]]) / f32(div);
    }
  }
  ${O}[oi] = bitcast<u32>(acc);
  }
}`,
    b,
    params,
    { groups: g.groups },
  );
}
