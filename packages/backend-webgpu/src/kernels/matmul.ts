import type { DType } from '@dl/tensor';
import type { TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { cast, entry1d, isFloatD, load, PRELUDE, toWord } from '../wgsl.js';
import { runChunked } from './grid-chunks.js';
import { matmulVec4, vec4Plan } from './matmul-vec4.js';

const TM = 64; // tile rows per workgroup
const TN = 64; // tile cols
const TK = 16; // k step
/**
 * Note [Matmul]
 * Batched `out[b] = a[b] @ b[b]` with 64×64 output tiles per 16×16 workgroup, each
 * thread accumulating a 4×4 register block; 64×16 and 16×64 tiles of the operands go
 * through workgroup memory. Operands are read through their strides, so transposed or
 * broadcast (stride 0) operands cost no copy.
 */
export function matmul(rt: Runtime, a: TensorView, bv: TensorView, out: TensorView): void {
  const [B, M, N] = out.shape as [number, number, number];
  const K = a.shape[2]!;
  const cd: DType = isFloatD(out.dtype) ? 'float32' : 'int32';
  const T = cd === 'float32' ? 'f32' : 'i32';
  if (K === 0) {
    const b = bind([{ buf: out.buffer as GpuBuf, write: true }]);
    // empty contraction: zeros
    const params = [M, N, out.offset, ...out.strides, B];
    rt.run(
      `matmul0:${b.key}`,
      () => `${b.decl}
${entry1d(64)}
  let i = gid;
  if (i >= P[0] * P[1] * P[6]) { return; }
  let bb = i / (P[0] * P[1]); let r = i % (P[0] * P[1]);
  let o = P[2] + bb * P[3] + (r / P[1]) * P[4] + (r % P[1]) * P[5];
  ${b.names[0]}[o] = 0u;
}`,
      b,
      params,
      { threads: B * M * N, wg: 64 },
    );
    return;
  }
  const plan = vec4Plan(a, bv, out);
  if (plan) {
    matmulVec4(rt, a, bv, out, plan);
    return;
  }
  const b = bind([{ buf: a.buffer as GpuBuf }, { buf: bv.buffer as GpuBuf }, { buf: out.buffer as GpuBuf, write: true }]);
  const params = [M, N, K, a.offset, ...a.strides, bv.offset, ...bv.strides, out.offset, ...out.strides];
  const A = b.names[0]!;
  const Bn = b.names[1]!;
  const O = b.names[2]!;
  const zero = cd === 'float32' ? '0.0' : '0i';
  // the grid is dispatched in chunks, offsets in P[15..17] (Note [Matmul grid chunks])
  runChunked(
    rt,
    `matmul:${a.dtype}:${bv.dtype}:${out.dtype}:${b.key}`,
    () => `${PRELUDE}${b.decl}
var<workgroup> As: array<array<${T}, ${TM}>, ${TK}>;
var<workgroup> Bs: array<array<${T}, ${TN}>, ${TK}>;
@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let M = P[0]; let N = P[1]; let K = P[2];
  let tx = l.x; let ty = l.y; let tid = ty * 16u + tx;
  let m0 = (wid.y + P[16]) * ${TM}u; let n0 = (wid.x + P[15]) * ${TN}u; let bb = wid.z + P[17];
  let ab = P[3] + bb * P[4]; let as1 = P[5]; let as2 = P[6];
  let bbase = P[7] + bb * P[8]; let bs1 = P[9]; let bs2 = P[10];
  let ob = P[11] + bb * P[12]; let os1 = P[13]; let os2 = P[14];
  var acc: array<array<${T}, 4>, 4>;
  for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = ${zero}; } }
  for (var k0 = 0u; k0 < K; k0 += ${TK}u) {
    for (var q = 0u; q < ${(TM * TK) / 256}u; q++) {
      let e = tid + q * 256u;
      let mm = e / ${TK}u; let kk = e % ${TK}u;
      let gm = m0 + mm; let gk = k0 + kk;
      var v = ${zero};
      if (gm < M && gk < K) { v = ${cast(load(A, 'ab + gm * as1 + gk * as2', a.dtype), a.dtype, cd)}; }
      As[kk][mm] = v;
      let kk2 = e / ${TN}u; let nn = e % ${TN}u;
      let gk2 = k0 + kk2; let gn = n0 + nn;
      var w = ${zero};
      if (gk2 < K && gn < N) { w = ${cast(load(Bn, 'bbase + gk2 * bs1 + gn * bs2', bv.dtype), bv.dtype, cd)}; }
      Bs[kk2][nn] = w;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${TK}u; kk++) {
      var av: array<${T}, 4>; var bw: array<${T}, 4>;
      for (var i = 0u; i < 4u; i++) { av[i] = As[kk][ty + i * 16u]; }
      for (var j = 0u; j < 4u; j++) { bw[j] = Bs[kk][tx + j * 16u]; }
      for (var i = 0u; i < 4u; i++) { for (var j = 0u; j < 4u; j++) { acc[i][j] = acc[i][j] + av[i] * bw[j]; } }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let gm = m0 + ty + i * 16u;
    if (gm >= M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let gn = n0 + tx + j * 16u;
      if (gn < N) { ${O}[ob + gm * os1 + gn * os2] = ${toWord(cast('acc[i][j]', cd, out.dtype), out.dtype)}; }
    }
  }
}`,
    b,
    params,
    [Math.ceil(N / TN), Math.ceil(M / TM), B],
  );
}
