import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { bind, type Runtime } from '../runtime.js';
import { entry1d, load } from '../wgsl.js';
import { buf, GEOM_WGSL, geom, view4, X } from './conv.js';
import { matmulVec4, vec4Plan } from './matmul-vec4.js';

/**
 * Which conv2d backward kernels run: `auto` takes the implicit-GEMM kernels of this file and
 * `conv-bwd-weight.ts` wherever they apply (float32 operands), `direct` the one-thread-per-output
 * kernels of `conv.ts` (Note [Direct convolution]); tests and benches compare the two. `split`
 * fixes the weight gradient's split-K count (Note [Blocked conv backward-weight]), 0: by size.
 * @internal
 */
export const convBwdChoice: { force: 'auto' | 'direct'; split: number } = { force: 'auto', split: 0 };

/** Whether the implicit-GEMM backward kernels take these operands (float32 only; anything else stays direct). */
export function convBwdApplies(...vs: TensorView[]): boolean {
  return convBwdChoice.force === 'auto' && vs.every((v) => v.dtype === 'float32') && vs.every((v) => v.shape.every((d) => d > 0));
}

/** A pointwise conv without stride, padding or groups: its backward passes are plain GEMMs. */
export function isPointwise(w: TensorView, p: Conv2dParams): boolean {
  return (
    w.shape[2] === 1 &&
    w.shape[3] === 1 &&
    p.groups === 1 &&
    p.stride[0] === 1 &&
    p.stride[1] === 1 &&
    p.padding[0] === 0 &&
    p.padding[1] === 0
  );
}

/**
 * The input gradient of a pointwise conv is the batched GEMM `gradIn[n] = wᵀ @ gradOut[n]`
 * ([Cin, Cout] @ [Cout, H·W]) on the matmul core, when the core takes those views.
 */
function bwdInput1x1(rt: Runtime, gradOut: TensorView, w: TensorView, gradIn: TensorView): boolean {
  const [N, Cin, H, W] = gradIn.shape as [number, number, number, number];
  const Cout = w.shape[0]!;
  if (gradIn.strides[2] !== W * gradIn.strides[3]! || gradOut.strides[2] !== W * gradOut.strides[3]!) return false;
  const HW = H * W;
  const a: TensorView = { ...w, shape: [N, Cin, Cout], strides: [0, w.strides[1]!, w.strides[0]!] };
  const b: TensorView = { ...gradOut, shape: [N, Cout, HW], strides: [gradOut.strides[0]!, gradOut.strides[1]!, gradOut.strides[3]!] };
  const o: TensorView = { ...gradIn, shape: [N, Cin, HW], strides: [gradIn.strides[0]!, gradIn.strides[1]!, gradIn.strides[3]!] };
  const plan = vec4Plan(a, b, o);
  if (!plan) return false;
  matmulVec4(rt, a, b, o, plan);
  return true;
}

/**
 * Note [Blocked conv backward-input]
 * The input gradient of conv2d, gradIn[n, c, y, x] = Σ gradOut[n, co, oh, ow] · w[co, c, kh, kw]
 * over the taps with y = oh·sh − ph + kh·dh and x = ow·sw − pw + kw·dw, as an implicit GEMM
 * (rows: input pixels, columns: input channels, reduction: output channels × taps) with the
 * register blocking of the forward (Note [Blocked convolution]): each thread computes 8 input
 * channels (4 when the group has fewer than 8) × 4 input columns of one row, so each gradOut
 * load serves 8 channels and each weight load 4 columns.
 *
 * Stride without wasted work (sub-pixel decomposition): a thread's 4 columns are x0, x0 + sw,
 * x0 + 2sw, x0 + 3sw — one phase x mod sw — so for a tap kw either all four meet an output
 * column (ow0 … ow0 + 3, consecutive) or none does, and the divisibility test runs once per tap
 * for the thread, not per multiply; a row y likewise meets a tap kh or not. The taps loop
 * outside the output-channel loop, so the innermost loop has no bounds tests or div/mod, only
 * a gradOut and a weight address per step. Only pairs (pixel, output position) that exist are summed, as in
 * PyTorch's col2im (and the direct kernel): where some of the 4 columns fall outside the output,
 * a masked copy of the loop adds a zero instead of their product (an inf weight gives no NaN
 * there). The summation order (taps, then output channels) differs from the direct kernel's.
 */
function bwdInputBlocked(rt: Runtime, gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): void {
  const [N, Cin, H, W] = gradIn.shape as [number, number, number, number];
  const cinG = Cin / p.groups;
  const CB = cinG >= 8 ? 8 : 4;
  const cq = Math.ceil(cinG / CB);
  const sw = p.stride[1];
  const wq = Math.ceil(Math.ceil(W / sw) / 4); // column quads per phase
  const total = N * p.groups * cq * H * sw * wq;
  const b = bind([{ buf: buf(gradIn), write: true }, { buf: buf(w) }, { buf: buf(gradOut) }]);
  const [GI, WB, GO] = b.names as [string, string, string];
  const params = [...geom(gradIn.shape, w.shape, gradOut.shape, p), total, ...view4(gradIn), ...view4(w), ...view4(gradOut), cq, wq];
  const ch = Array.from({ length: CB }, (_, i) => i);
  const loads = (masked: boolean) => {
    const g = (j: number) => load(GO, masked ? `go + o${j}` : `go + ${j}u * P[31]`, 'float32');
    const acc = ch.map((i) => {
      const prod = `gv * ${load(WB, `wo + d${i}`, 'float32')}`;
      return `c${i} = c${i} + ${masked ? `select(z4, ${prod}, m)` : prod};`;
    });
    return `for (var k = 0u; k < coutG; k++) {
          let go = gb + k * P[29]; let wo = wb + k * P[23];
          let gv = vec4<f32>(${[0, 1, 2, 3].map(g).join(', ')});
          ${acc.join('\n          ')}
        }`;
  };
  const st = (i: number) => `
  if (cl + ${i}u < cinG) {
    let c = g * cinG + cl + ${i}u;
    for (var j = 0; j < 4; j++) {
      let x = x0 + j * sw;
      if (x < W) { ${GI}[${X('n', 'c', 'y', 'x')}] = bitcast<u32>(c${i}[j]); }
    }
  }`;
  rt.run(
    `conv2dBwdInBlk:${CB}:${b.key}`,
    () => `${b.decl}${entry1d(64)}
${GEOM_WGSL}
  if (gid >= P[16]) { return; }
  let CQ = P[32]; let WQ = P[33];
  let qd = i32(gid % WQ); var r = gid / WQ;
  let xr = i32(r % u32(sw)); r = r / u32(sw);
  let y = i32(r % u32(H)); r = r / u32(H);
  let q = r % (CQ * G); let n = r / (CQ * G);
  let g = q / CQ; let cl = (q % CQ) * ${CB}u;
  let x0 = xr + qd * 4 * sw;
  // channels past the group's end read the last channel's weights (never stored)
  let ci0 = min(cl, cinG - 1u);
  let z4 = vec4<f32>(0.0);
${ch.map((i) => `  var c${i} = z4;`).join('\n')}
  let cstep = min(cl + ${CB - 1}u, cinG - 1u) - ci0; // ${CB - 1} unless the block is ragged
${ch.map((i) => `  let d${i} = min(${i}u, cstep) * P[24];`).join('\n')}
  for (var kh = 0u; kh < KH; kh++) {
    let th = y + ph - i32(kh) * dh;
    if (th < 0 || th % sh != 0) { continue; }
    let oh = th / sh;
    if (oh >= OH) { continue; }
    for (var kw = 0u; kw < KW; kw++) {
      let t0 = x0 + pw - i32(kw) * dw;
      if (t0 % sw != 0) { continue; }
      let ow0 = t0 / sw;
      if (ow0 + 3 < 0 || ow0 >= OW) { continue; }
      let wb = P[22] + g * coutG * P[23] + ci0 * P[24] + kh * P[25] + kw * P[26];
      if (ow0 >= 0 && ow0 + 3 < OW) {
        let gb = P[27] + n * P[28] + g * coutG * P[29] + u32(oh) * P[30] + u32(ow0) * P[31];
        ${loads(false)}
      } else {
        // an edge: columns outside the output add zero (their loads are clamped inside)
        let m = vec4<bool>(ow0 >= 0, ow0 + 1 >= 0 && ow0 + 1 < OW, ow0 + 2 >= 0 && ow0 + 2 < OW, ow0 + 3 < OW);
        let o0 = u32(clamp(ow0, 0, OW - 1)) * P[31]; let o1 = u32(clamp(ow0 + 1, 0, OW - 1)) * P[31];
        let o2 = u32(clamp(ow0 + 2, 0, OW - 1)) * P[31]; let o3 = u32(clamp(ow0 + 3, 0, OW - 1)) * P[31];
        let gb = P[27] + n * P[28] + g * coutG * P[29] + u32(oh) * P[30];
        ${loads(true)}
      }
    }
  }${ch.map(st).join('')}
}`,
    b,
    params,
    { threads: total, wg: 64 },
  );
}

/**
 * The input gradient of conv2d on the implicit-GEMM kernels (Note [Blocked conv backward-input]);
 * pointwise convs as a GEMM on the matmul core. Returns false for operands they do not take
 * (non-float32), which then go to the direct kernel.
 */
export function conv2dBackwardInputGemm(rt: Runtime, gradOut: TensorView, w: TensorView, gradIn: TensorView, p: Conv2dParams): boolean {
  if (!convBwdApplies(gradOut, w, gradIn)) return false;
  if (isPointwise(w, p) && bwdInput1x1(rt, gradOut, w, gradIn)) return true;
  bwdInputBlocked(rt, gradOut, w, gradIn, p);
  return true;
}
