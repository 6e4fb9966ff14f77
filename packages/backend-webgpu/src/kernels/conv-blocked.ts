import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { bind, type Runtime } from '../runtime.js';
import { entry1d, load, PRELUDE } from '../wgsl.js';
import { buf, GEOM_WGSL, geom, O, view4, Wt, X } from './conv.js';
import { binary } from './elementwise.js';
import { matmulVec4, vec4Plan } from './matmul-vec4.js';

/**
 * A pointwise conv (1×1 kernel, stride 1, no padding, one group) over a row-major spatial plane
 * is the batched GEMM `out[n] = w @ x[n]` ([Cout, Cin] @ [Cin, H·W]) on the matmul core, when the
 * core takes those views (Note [Matmul vec4 core]); a bias is added by one broadcast add.
 * Returns false when it does not apply.
 */
function conv1x1Gemm(rt: Runtime, x: TensorView, w: TensorView, bias: TensorView | null, out: TensorView, p: Conv2dParams): boolean {
  const [N, Cin, H, W] = x.shape as [number, number, number, number];
  const [Cout, , KH, KW] = w.shape as [number, number, number, number];
  if (KH !== 1 || KW !== 1 || p.groups !== 1 || p.stride[0] !== 1 || p.stride[1] !== 1 || p.padding[0] !== 0 || p.padding[1] !== 0)
    return false;
  if (x.strides[2] !== W * x.strides[3]! || out.strides[2] !== W * out.strides[3]!) return false;
  const HW = H * W;
  const a: TensorView = { ...w, shape: [N, Cout, Cin], strides: [0, w.strides[0]!, w.strides[1]!] };
  const bv: TensorView = { ...x, shape: [N, Cin, HW], strides: [x.strides[0]!, x.strides[1]!, x.strides[3]!] };
  const o: TensorView = { ...out, shape: [N, Cout, HW], strides: [out.strides[0]!, out.strides[1]!, out.strides[3]!] };
  const plan = vec4Plan(a, bv, o);
  if (!plan) return false;
  matmulVec4(rt, a, bv, o, plan);
  if (bias) binary(rt, 'add', out, { ...bias, shape: out.shape, strides: [0, bias.strides[0] ?? 0, 0, 0] }, out);
  return true;
}

/**
 * Note [Blocked convolution]
 * The conv2d forward as an implicit GEMM with register blocking: each thread computes an 8×4
 * block — 8 output channels of one group (4 when the group has fewer than 8) × 4 neighbouring
 * output columns of one output row — so every input value it loads serves 8 channels and every
 * weight 4 columns (the direct
 * kernel loads both for each output). The reduction runs over (input channel, kh, kw) in the
 * same order as the direct kernel and with the same separate multiply and add, starting from
 * the bias, so each output is the same float32 sum (Note [Direct convolution]); taps in the
 * zero padding still multiply their zero. Operands go through their strides (any layout);
 * channels and columns past the edge load clamped weights / zero inputs and are not stored.
 * Pointwise convs go to the matmul core instead (`conv1x1Gemm`; their sums use the core's order).
 */
export function conv2dBlocked(
  rt: Runtime,
  x: TensorView,
  w: TensorView,
  bias: TensorView | null,
  out: TensorView,
  p: Conv2dParams,
): boolean {
  if (x.dtype !== 'float32' || w.dtype !== 'float32' || out.dtype !== 'float32') return false;
  if (conv1x1Gemm(rt, x, w, bias, out, p)) return true;
  const [N, Cout, OH, OW] = out.shape as [number, number, number, number];
  const coutG = Cout / p.groups;
  // channels per thread: 8 when the group has at least 8 (each input load then serves 8), else 4
  const CB = coutG >= 8 ? 8 : 4;
  const cq = Math.ceil(coutG / CB); // channel blocks per group
  const owq = Math.ceil(OW / 4);
  const total = N * p.groups * cq * OH * owq;
  if (total === 0) return false;
  const reqs = [{ buf: buf(x) }, { buf: buf(w) }, { buf: buf(out), write: true }];
  if (bias) reqs.push({ buf: buf(bias) });
  const b = bind(reqs);
  const [XB, WB, OB, BB] = b.names as [string, string, string, string | undefined];
  const params = [...geom(x.shape, w.shape, out.shape, p), total, ...view4(x), ...view4(w), ...view4(out)];
  params.push(bias?.offset ?? 0, bias?.strides[0] ?? 0, cq, owq);
  const ch = Array.from({ length: CB }, (_, i) => i);
  const xl = (j: number) => `
        { let ww = (ow0 + ${j}) * sw - pw + i32(kw) * dw;
          if (hin && ww >= 0 && ww < W) { xv[${j}] = ${load(XB, X('n', 'c', 'h', 'ww'), 'float32')}; } }`;
  const wl = (i: number) => `let w${i} = ${load(WB, Wt(`cc${i}`, 'ci', 'kh', 'kw'), 'float32')};`;
  const st = (i: number) => `
  if (cl + ${i}u < coutG) {
    let co = g * coutG + cl + ${i}u;
    for (var j = 0; j < 4; j++) {
      let ow = ow0 + j;
      if (ow < OW) { ${OB}[${O('n', 'co', 'oh', 'ow')}] = bitcast<u32>(c${i}[j]); }
    }
  }`;
  rt.run(
    `conv2dBlk:${CB}:${bias ? 'b' : ''}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d(64)}
${GEOM_WGSL}
  if (gid >= P[16]) { return; }
  let CQ = P[34]; let OWQ = P[35];
  let ow0 = i32(gid % OWQ) * 4; var r = gid / OWQ;
  let oh = i32(r % u32(OH)); r = r / u32(OH);
  let q = r % (CQ * G); let n = r / (CQ * G);
  let g = q / CQ; let cl = (q % CQ) * ${CB}u;
  // channels past the group's end load the last channel's weights (never stored)
${ch.map((i) => `  let cc${i} = g * coutG + min(cl + ${i}u, coutG - 1u);`).join('\n')}
${ch.map((i) => `  var c${i} = vec4<f32>(${bias ? load(BB!, `P[32] + cc${i} * P[33]`, 'float32') : '0.0'});`).join('\n')}
  for (var ci = 0u; ci < cinG; ci++) {
    let c = g * cinG + ci;
    for (var kh = 0u; kh < KH; kh++) {
      let h = oh * sh - ph + i32(kh) * dh;
      let hin = h >= 0 && h < H;
      for (var kw = 0u; kw < KW; kw++) {
        var xv = vec4<f32>(0.0);${xl(0)}${xl(1)}${xl(2)}${xl(3)}
        ${ch.map(wl).join(' ')}
        ${ch.map((i) => `c${i} = c${i} + xv * w${i};`).join(' ')}
      }
    }
  }${ch.map(st).join('')}
}`,
    b,
    params,
    { threads: total, wg: 64 },
  );
  return true;
}
