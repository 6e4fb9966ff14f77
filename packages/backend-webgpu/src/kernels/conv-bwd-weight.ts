import type { Conv2dParams, TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, load } from '../wgsl.js';
import { buf, GEOM_WGSL, geom, view4, Wt } from './conv.js';
import { convBwdApplies, convBwdChoice, isPointwise } from './conv-bwd.js';
import { isCpuAdapter, matmulVec4, vec4Plan } from './matmul-vec4.js';

/** Largest partial-sum buffer (elements) a split-K weight gradient may allocate. */
const MAX_PARTIAL = 1 << 24;

/**
 * Note [Blocked conv backward-weight]
 * The weight gradient of conv2d, gradW[co, ci, kh, kw] = Σ gradOut[n, co, oh, ow] · x[n, c, h, w]
 * over n, oh, ow (h = oh·sh − ph + kh·dh, w = ow·sw − pw + kw·dw), is the GEMM
 * gradW[Cout, Cin/g·KH·KW] = gradOut[Cout, N·OH·OW] @ im2col(x)ᵀ per group, the im2col never
 * built: each thread computes 8 output channels (4 when the group has fewer than 8) × 4
 * consecutive (ci, kh, kw) columns, so each gradOut load serves 4 columns and each x load 8
 * channels; the columns' channel bases and tap offsets are decoded once per thread, the bounds
 * of h once per output row. Taps in the zero padding multiply a zero, as PyTorch's im2col does
 * (an inf gradient gives NaN there; Note [Direct convolution]).
 *
 * Split-K: the output has few blocks (64×64×3×3 is 1,152 threads) and a long reduction
 * (N·OH·OW: 100,352 at 32×56×56), so the reduction's rows (n, oh) are cut into S contiguous
 * ranges, one per thread of S copies of the grid, chosen to give about `SPLIT_THREADS`
 * threads in all; each writes its partial block into a [S, Cout, Cin/g·KH·KW] buffer and one
 * more dispatch adds the S partials in order (no atomics, a deterministic sum) and stores gradW
 * through its strides. With S = 1 the kernel stores gradW itself. A pointwise conv (1×1,
 * stride 1, no padding, one group) is the batched GEMM gradOut[n] @ x[n]ᵀ on the matmul core
 * into the same partial buffer (S = N), then the same reduction.
 */
function bwdWeightBlocked(rt: Runtime, gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): void {
  const [N] = x.shape as [number];
  const [Cout, cinG, KH, KW] = gradW.shape as [number, number, number, number];
  const [, , OH] = gradOut.shape as [number, number, number];
  const coutG = Cout / p.groups;
  const Kc = cinG * KH * KW;
  const CB = coutG >= 8 ? 8 : 4;
  const cq = Math.ceil(coutG / CB);
  const kq = Math.ceil(Kc / 4);
  const base = p.groups * cq * kq;
  const rows = N * OH;
  // Note [Blocked conv backward-weight]: enough copies of the grid to fill the device
  const want = isCpuAdapter(rt.device) ? 4096 : 32768;
  const split = convBwdChoice.split || Math.ceil(want / base);
  let S = Math.max(1, Math.min(split, rows, Math.floor(MAX_PARTIAL / (Cout * Kc))));
  const rs = Math.ceil(rows / S);
  S = Math.ceil(rows / rs);
  const tmp = S > 1 ? rt.allocate(S * Cout * Kc) : null;
  const b = bind([{ buf: buf(x) }, { buf: tmp ?? buf(gradW), write: true }, { buf: buf(gradOut) }]);
  const [XB, OUT, GO] = b.names as [string, string, string];
  const params = [...geom(x.shape, gradW.shape, gradOut.shape, p), base * S, ...view4(x), ...view4(gradW), ...view4(gradOut)];
  params.push(cq, kq, rs, rows);
  const ch = Array.from({ length: CB }, (_, i) => i);
  const cols = [0, 1, 2, 3];
  const st = (i: number) =>
    tmp
      ? `
  if (cl + ${i}u < coutG) {
    let o = (s * Cout + g * coutG + cl + ${i}u) * KC + col0;
    for (var j = 0u; j < 4u; j++) { if (col0 + j < KC) { ${OUT}[o + j] = bitcast<u32>(c${i}[j]); } }
  }`
      : `
  if (cl + ${i}u < coutG) {
    let co = g * coutG + cl + ${i}u;
    for (var j = 0u; j < 4u; j++) {
      let col = col0 + j;
      if (col < KC) { ${OUT}[${Wt('co', 'col / (KH * KW)', '(col / KW) % KH', 'col % KW')}] = bitcast<u32>(c${i}[j]); }
    }
  }`;
  rt.run(
    `conv2dBwdWBlk:${CB}:${tmp ? 's' : ''}:${b.key}`,
    () => `${b.decl}${entry1d(64)}
${GEOM_WGSL}
  if (gid >= P[16]) { return; }
  let CQ = P[32]; let KQ = P[33]; let RS = P[34]; let ROWS = P[35]; let KC = cinG * KH * KW;
  let col0 = (gid % KQ) * 4u; var r = gid / KQ;
  let q = r % (CQ * G); let s = r / (CQ * G);
  let g = q / CQ; let cl = (q % CQ) * ${CB}u;
  // columns past the end read the last column, channels past the group's end the last channel (never stored)
${cols
  .map(
    (j) => `  let k${j} = min(col0 + ${j}u, KC - 1u);
  let xc${j} = P[17] + (g * cinG + k${j} / (KH * KW)) * P[19];
  let ho${j} = i32((k${j} / KW) % KH) * dh - ph; let wo${j} = i32(k${j} % KW) * dw - pw;`,
  )
  .join('\n')}
${ch.map((i) => `  let e${i} = (g * coutG + min(cl + ${i}u, coutG - 1u)) * P[29];`).join('\n')}
${ch.map((i) => `  var c${i} = vec4<f32>(0.0);`).join('\n')}
  let r1 = min(s * RS + RS, ROWS);
  for (var row = s * RS; row < r1; row++) {
    let n = row / u32(OH); let oh = i32(row % u32(OH));
${cols
  .map(
    (j) => `    let h${j} = oh * sh + ho${j}; let hv${j} = h${j} >= 0 && h${j} < H;
    let xb${j} = xc${j} + n * P[18] + u32(max(h${j}, 0)) * P[20];`,
  )
  .join('\n')}
    let gb = P[27] + n * P[28] + u32(oh) * P[30];
    for (var ow = 0; ow < OW; ow++) {
      var xv = vec4<f32>(0.0);
${cols
  .map(
    (j) =>
      `      { let w = ow * sw + wo${j}; if (hv${j} && w >= 0 && w < W) { xv[${j}] = ${load(XB, `xb${j} + u32(w) * P[21]`, 'float32')}; } }`,
  )
  .join('\n')}
      let go = gb + u32(ow) * P[31];
${ch.map((i) => `      c${i} = c${i} + ${load(GO, `go + e${i}`, 'float32')} * xv;`).join('\n')}
    }
  }${ch.map(st).join('')}
}`,
    b,
    params,
    { threads: base * S, wg: 64 },
  );
  if (tmp) {
    reducePartials(rt, tmp, S, gradW);
    rt.free(tmp);
  }
}

/** gradW[co, ci, kh, kw] = Σ_s tmp[s, co, (ci, kh, kw)] in order of s, stored through gradW's strides. */
function reducePartials(rt: Runtime, tmp: GpuBuf, S: number, gradW: TensorView): void {
  const [Cout, cinG, KH, KW] = gradW.shape as [number, number, number, number];
  const total = Cout * cinG * KH * KW;
  const b = bind([{ buf: tmp }, { buf: buf(gradW), write: true }]);
  const [T, OUT] = b.names as [string, string];
  rt.run(
    `conv2dBwdWSum:${b.key}`,
    () => `${b.decl}${entry1d()}
  let total = P[0];
  if (gid >= total) { return; }
  let KW = P[1]; let KH = P[2]; let cinG = P[3];
  var acc = 0.0;
  for (var s = 0u; s < P[4]; s++) { acc = acc + ${load(T, 's * total + gid', 'float32')}; }
  let kw = gid % KW; let kh = (gid / KW) % KH; let ci = (gid / (KW * KH)) % cinG; let co = gid / (KW * KH * cinG);
  ${OUT}[P[5] + co * P[6] + ci * P[7] + kh * P[8] + kw * P[9]] = bitcast<u32>(acc);
}`,
    b,
    [total, KW, KH, cinG, S, ...view4(gradW)],
    { threads: total, wg: 256 },
  );
}

/** The pointwise weight gradient: per-image GEMMs gradOut[n] @ x[n]ᵀ into partials, then their sum. */
function bwdWeight1x1(rt: Runtime, gradOut: TensorView, x: TensorView, gradW: TensorView): boolean {
  const [N, Cin, H, W] = x.shape as [number, number, number, number];
  const Cout = gradW.shape[0]!;
  if (N * Cout * Cin > MAX_PARTIAL) return false;
  if (x.strides[2] !== W * x.strides[3]! || gradOut.strides[2] !== W * gradOut.strides[3]!) return false;
  const HW = H * W;
  const a: TensorView = { ...gradOut, shape: [N, Cout, HW], strides: [gradOut.strides[0]!, gradOut.strides[1]!, gradOut.strides[3]!] };
  const bv: TensorView = { ...x, shape: [N, HW, Cin], strides: [x.strides[0]!, x.strides[3]!, x.strides[1]!] };
  const tmp = rt.allocate(N * Cout * Cin);
  const o: TensorView = { buffer: tmp, dtype: 'float32', offset: 0, shape: [N, Cout, Cin], strides: [Cout * Cin, Cin, 1] } as TensorView;
  const plan = vec4Plan(a, bv, o);
  if (!plan) {
    rt.free(tmp);
    return false;
  }
  matmulVec4(rt, a, bv, o, plan);
  reducePartials(rt, tmp, N, gradW);
  rt.free(tmp);
  return true;
}

/**
 * The weight gradient of conv2d on the implicit-GEMM kernels (Note [Blocked conv backward-weight]).
 * Returns false for operands they do not take (non-float32), which then go to the direct kernel.
 */
export function conv2dBackwardWeightGemm(rt: Runtime, gradOut: TensorView, x: TensorView, gradW: TensorView, p: Conv2dParams): boolean {
  if (!convBwdApplies(gradOut, x, gradW)) return false;
  if (isPointwise(gradW, p) && bwdWeight1x1(rt, gradOut, x, gradW)) return true;
  bwdWeightBlocked(rt, gradOut, x, gradW, p);
  return true;
}
