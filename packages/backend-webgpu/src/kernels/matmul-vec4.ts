import type { TensorView } from '@dl/tensor/backend';
import { type BindReq, type Bound, bind, type GpuBuf, type Runtime } from '../runtime.js';
import { runChunked } from './grid-chunks.js';

/** Output rows per workgroup. */
const TM = 32;
/** Output columns per workgroup. */
const TN = 32;
/** Depth of one k step through workgroup memory. */
const TK = 32;

/** How an operand's rows are laid out: contiguous along its inner axis (`n`) or along its outer axis (`t`, a transpose). */
type Mode = 'n' | 't';

/**
 * Note [Matmul vec4 core]
 * The float32 matmul of operands whose fast axis is contiguous and 4-aligned (every
 * row-major operand of a width divisible by 4, and their transposes — Linear's weight,
 * the backward's `gᵀ @ x`) reads and writes `vec4<f32>` words. A workgroup of 8×8
 * threads computes a 32×32 output tile, each thread a 4×4 block held in four `vec4`
 * accumulators, over k steps of 32 staged in workgroup memory. Both staged tiles are
 * k-major (`As[k][m/4]`, `Bs[k][n/4]`), so the inner loop per k is two `vec4` reads from
 * workgroup memory and four `vec4` FMAs, whatever the operands' layouts: an operand
 * contiguous along k (A row-major, B transposed) is written into the tile one component
 * at a time, one contiguous along m or n as whole words. Neighbouring threads of a row
 * read neighbouring words (no bank conflicts on a 32-bank memory). When M, N and K are
 * multiples of the tile, the kernel is generated without bounds checks. Anything else
 * (int32, unaligned or strided views) takes the scalar kernel of `matmul.ts`.
 *
 * On a CPU adapter (lavapipe, SwiftShader) workgroup memory is ordinary memory and every
 * barrier splits a workgroup into resumable pieces, so staging costs more than it saves: there
 * the same 4×4-per-thread blocking reads A and B straight from the buffers (`matmulDirect`; the
 * CPU's caches do the staging). Measured on lavapipe in one process, interleaved (scratch bench
 * against tfjs-webgpu 4.22 on the same adapter): 1024² took ~0.45× the tiled kernel's time; the
 * tiled kernel stays the choice for GPUs, where it is the standard design. The direct kernel too
 * has a form without clamps and store guards, for M and N multiples of its 32×32 block.
 *
 * Double buffering the tiled kernel's staged tiles (the next k step staged into a second half
 * while this one is used, one barrier per step) was tried and not kept: forced onto lavapipe it
 * was neither faster nor slower beyond noise (two interleaved runs, plain / double-buffered time
 * 0.77–1.46 across 256²…1024² and 64×784·(512×784)ᵀ, no consistent sign). Worth measuring again
 * on a real GPU, where it hides global-memory latency.
 */
export function vec4Plan(a: TensorView, b: TensorView, out: TensorView): { am: Mode; bm: Mode } | null {
  if (a.dtype !== 'float32' || b.dtype !== 'float32' || out.dtype !== 'float32') return null;
  const [, M, N] = out.shape as [number, number, number];
  const K = a.shape[2]!;
  if (K === 0 || M === 0 || N === 0) return null;
  const al = (...xs: number[]) => xs.every((x) => x % 4 === 0);
  if (N % 4 !== 0 || out.strides[2] !== 1 || !al(out.offset, out.strides[0]!, out.strides[1]!)) return null;
  let am: Mode;
  if (a.strides[2] === 1 && K % 4 === 0 && al(a.offset, a.strides[0]!, a.strides[1]!)) am = 'n';
  else if (a.strides[1] === 1 && M % 4 === 0 && al(a.offset, a.strides[0]!, a.strides[2]!)) am = 't';
  else return null;
  let bm: Mode;
  if (b.strides[2] === 1 && al(b.offset, b.strides[0]!, b.strides[1]!)) bm = 'n';
  else if (b.strides[1] === 1 && K % 4 === 0 && al(b.offset, b.strides[0]!, b.strides[2]!)) bm = 't';
  else return null;
  return { am, bm };
}

/**
 * Which vec4 kernel runs: `auto` picks by adapter (Note [Matmul vec4 core]); tests force either.
 * @internal
 */
export const matmulKernelChoice: { force: 'auto' | 'tiled' | 'direct'; split: 'auto' | number } = { force: 'auto', split: 'auto' };

const cpuAdapters = new WeakMap<GPUDevice, boolean>();

/** Whether the device runs on the CPU (lavapipe / llvmpipe, SwiftShader): architecture 'software' or a known name. */
export function isCpuAdapter(device: GPUDevice): boolean {
  let v = cpuAdapters.get(device);
  if (v === undefined) {
    const info = (device as GPUDevice & { adapterInfo?: GPUAdapterInfo }).adapterInfo;
    const text = info ? `${info.architecture} ${info.device} ${info.description}` : '';
    v = info?.architecture === 'software' || /llvmpipe|lavapipe|swiftshader/i.test(text);
    cpuAdapters.set(device, v);
  }
  return v;
}

/**
 * The float32 product through the vec4 core (Note [Matmul vec4 core]); `plan` comes from
 * {@link vec4Plan}.
 *
 * @example
 * const plan = vec4Plan(a, b, out);
 * if (plan) matmulVec4(rt, a, b, out, plan); // else the scalar kernel
 */
export function matmulVec4(
  rt: Runtime,
  a: TensorView,
  bv: TensorView,
  out: TensorView,
  plan: { am: Mode; bm: Mode },
  bias: TensorView | null = null,
): void {
  const [B, M, N] = out.shape as [number, number, number];
  const K = a.shape[2]!;
  const f = matmulKernelChoice.force;
  const direct = K % 4 === 0 && (f === 'direct' || (f === 'auto' && isCpuAdapter(rt.device)));
  const S = splitCount(rt, B, M, N, K, direct);
  if (S <= 1) {
    const o: OutPlan = { buf: out.buffer as GpuBuf, offset: out.offset, s0: out.strides[0]!, s1: out.strides[1]!, chunk: K, S: 1, bias };
    if (direct) matmulDirect(rt, a, bv, out, plan, o);
    else matmulTiled(rt, a, bv, out, plan, o);
    return;
  }
  // Note [Matmul split-K]: S partial products over K ranges of `chunk`, then their sum
  const step = direct ? 4 : TK;
  const chunk = Math.ceil(K / S / step) * step;
  const parts = Math.ceil(K / chunk);
  const tmp = rt.allocate(parts * B * M * N);
  const o: OutPlan = { buf: tmp, offset: 0, s0: M * N, s1: N, chunk, S: parts, bias: null };
  if (direct) matmulDirect(rt, a, bv, out, plan, o);
  else matmulTiled(rt, a, bv, out, plan, o);
  sumParts(rt, tmp, parts, out, bias);
  rt.free(tmp);
}

/**
 * `out = bias + a @ b` in one dispatch (Note [Matmul bias epilogue]) for float32 operands the vec4
 * core takes (`a` [1, n, k], `b` [1, k, m], `out` [1, n, m], `bias` a view broadcast to [n, m]);
 * false, having run nothing, for anything else (the op layer then runs the product and an add).
 *
 * @example
 * if (!addmmVec4(rt, bias, a, b, out)) { matmul(rt, a, b, tmp); add(tmp, bias, out); }
 */
export function addmmVec4(rt: Runtime, bias: TensorView, a: TensorView, bv: TensorView, out: TensorView): boolean {
  const [B, M, N] = out.shape as [number, number, number];
  if (B !== 1 || bias.dtype !== 'float32' || bias.shape.length !== 2 || bias.shape[0] !== M || bias.shape[1] !== N) return false;
  const plan = vec4Plan(a, bv, out);
  if (!plan) return false;
  matmulVec4(rt, a, bv, out, plan, bias);
  return true;
}

/** Where a kernel writes: `out` itself (S = 1), or S partial products of K ranges of `chunk` in a [S·B, M, N] buffer. */
interface OutPlan {
  buf: GpuBuf;
  offset: number;
  s0: number;
  s1: number;
  chunk: number;
  S: number;
  /** Added to each product before it is stored (Note [Matmul bias epilogue]); null: none (the plain kernels). */
  bias: TensorView | null;
}

/**
 * Note [Matmul split-K]
 * A batch-64 Linear layer's product (64×784 · 784×512) has 2×16 output tiles of 32×32: a GPU
 * with a hundred compute units runs it on a third of them. When the output has fewer than
 * {@link SPLIT_TILES} tiles and K is long, the K range is cut into S pieces (multiples of the k
 * step, at least {@link SPLIT_MIN_K} long); the same kernel, with the split index in
 * `workgroup_id.z`, writes each piece's product into a [S·B, M, N] scratch buffer, and one vec4
 * kernel adds the S products in order into `out`. Off on CPU adapters (lavapipe runs as many
 * threads as cores, and 32 tiles already keep them busy); `matmulKernelChoice.split` forces a
 * count for tests. The sum differs from the unsplit one by float32 rounding only. Forced to 3 on
 * lavapipe (2 cores; scratch bench, interleaved medians): 64×784·(512×784)ᵀ 18.0 vs 18.7 ms and
 * 64×512·512×512 14.9 vs 15.5 ms unsplit (noise), 1024² and batched products slower — hence off there.
 */
const SPLIT_TILES = 128;
const SPLIT_MIN_K = 256;

function splitCount(rt: Runtime, B: number, M: number, N: number, K: number, direct: boolean): number {
  const forced = matmulKernelChoice.split;
  if (forced !== 'auto') return Math.max(1, Math.min(forced, Math.ceil(K / (direct ? 4 : TK))));
  if (isCpuAdapter(rt.device)) return 1;
  const tiles = B * Math.ceil(M / TM) * Math.ceil(N / TN);
  if (tiles >= SPLIT_TILES) return 1;
  return Math.max(1, Math.min(Math.ceil((2 * SPLIT_TILES) / tiles), Math.floor(K / SPLIT_MIN_K)));
}

/** out[b, m, n] = Σ_s tmp[s, b, m, n] (Note [Matmul split-K]), one vec4 word per thread. */
function sumParts(rt: Runtime, tmp: GpuBuf, S: number, out: TensorView, bias: TensorView | null): void {
  const [B, M, N] = out.shape as [number, number, number];
  const reqs: BindReq[] = [{ buf: tmp }, { buf: out.buffer as GpuBuf, write: true }];
  if (bias) reqs.push({ buf: bias.buffer as GpuBuf });
  const b = bind(reqs);
  const [T, O, Bi] = b.names as [string, string, string];
  const words = (B * M * N) / 4;
  rt.run(
    `${keyBase('matmulSum', bias)}:${b.key}`,
    () => `${vec4Decl(b)}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>, @builtin(num_workgroups) nw: vec3<u32>) {
  let i = g.x + g.y * nw.x * 64u;
  let W = P[0]; let S = P[1]; let MN4 = P[2]; let N4 = P[3];
  if (i >= W) { return; }
  var acc = ${T}[i];
  for (var s = 1u; s < S; s++) { acc = acc + ${T}[s * W + i]; }
  let z = i / MN4; let r = i % MN4; let m = r / N4; let q = r % N4;
  ${bias ? `acc = acc + ${biasWord(Bi, 7, 'm', 'q * 4u', biasVec(bias))};` : ''}
  ${O}[(P[4] + z * P[5] + m * P[6]) / 4u + q] = acc;
}`,
    b,
    [words, S, (M * N) / 4, N / 4, out.offset, out.strides[0]!, out.strides[1]!, ...biasParams(bias)],
    { threads: words, wg: 64 },
  );
}

/** Declarations of P and the bound buffers as `array<vec4<f32>>` (`access`: `r` or `w` per buffer). */
function vec4Decl(b: { access: string }): string {
  let decl = '@group(0) @binding(0) var<storage, read> P: array<u32>;\n';
  for (let i = 0; i < b.access.length; i++)
    decl += `@group(0) @binding(${i + 1}) var<storage, ${b.access[i] === 'w' ? 'read_write' : 'read'}> B${i}: array<vec4<f32>>;\n`;
  return decl;
}

/**
 * Note [Matmul bias epilogue]
 * `addmm` (what nn.Linear runs) is the product plus a bias broadcast to [M, N] (a row [N], a full
 * [M, N] operand, any broadcast view). The vec4 kernels take it as an epilogue: each thread adds
 * the bias to its 4×4 block right before the store, so the product never makes a round trip
 * through a temporary and one dispatch replaces two. The bias is read through its view's offset
 * and two strides (P[at], P[at+1], P[at+2]; a stride is 0 where it broadcasts) from its buffer
 * bound as `vec4` words like the others: one word per row of the block where its rows are
 * contiguous and 4-aligned (a Linear bias, a full operand; keys `…bv`), else one element at a
 * time (keys `…b`: a column [M, 1], a scalar, a strided view). The values are the
 * composite's bit for bit: the accumulator is the float32 product the composite would store,
 * and one float32 add follows, as in its `add`. With split-K the bias is added once, in the
 * final sum of the parts. The kernels without a bias keep their code and pipeline keys.
 */

/** WGSL of the bias [row, col..col+3] as a `vec4<f32>` (Note [Matmul bias epilogue]), its offset and strides at P[at…at+2]. */
function biasWord(Bi: string, at: number, row: string, col: string, vec: boolean): string {
  if (vec) return `${Bi}[(P[${at}] + (${row}) * P[${at + 1}] + ${col}) / 4u]`;
  const el = (j: number) => {
    const i = `(P[${at}] + (${row}) * P[${at + 1}] + (${col} + ${j}u) * P[${at + 2}])`;
    return `${Bi}[${i} / 4u][${i} % 4u]`;
  };
  return `vec4<f32>(${el(0)}, ${el(1)}, ${el(2)}, ${el(3)})`;
}

/** Whether the bias is read as whole `vec4` words: contiguous along a row, its offset and row stride 4-aligned (a Linear bias). */
const biasVec = (bias: TensorView | null): boolean =>
  bias !== null && bias.strides[1] === 1 && bias.offset % 4 === 0 && bias.strides[0]! % 4 === 0;

/** The key prefix of a vec4 kernel: `base`, `${base}b` with a bias read element-wise, `${base}bv` read as words. */
const keyBase = (base: string, bias: TensorView | null): string => (bias ? `${base}b${biasVec(bias) ? 'v' : ''}` : base);

/** The bias view's offset and two strides, the parameters {@link biasWord} reads; none without a bias. */
const biasParams = (bias: TensorView | null): number[] => (bias ? [bias.offset, bias.strides[0]!, bias.strides[1]!] : []);

/**
 * Compile the vec4 kernels a training step meets first — A·B, A·Bᵀ (Linear forward), Aᵀ·B (its
 * weight gradient), edge and tile-multiple forms, on three distinct buffers — in the background,
 * for the kernel this adapter runs (Note [Warm pipelines] in runtime.ts). Resolves when compiled.
 *
 * @example
 * await warmMatmul(rt); // the first Linear step no longer compiles these
 */
export function warmMatmul(rt: Runtime): Promise<void> {
  const direct = matmulKernelChoice.force === 'direct' || (matmulKernelChoice.force === 'auto' && isCpuAdapter(rt.device));
  const decl = vec4Decl({ access: 'rrw' });
  const jobs: Promise<void>[] = [];
  for (const [am, bm] of [
    ['n', 'n'],
    ['n', 't'],
    ['t', 'n'],
  ] as const)
    for (const fits of [false, true]) {
      const key = `${direct ? 'matmulD' : 'matmul4'}:${am}${bm}:${fits ? 'fit' : 'edge'}:012rrw`;
      const src = direct ? directSource : tiledSource;
      jobs.push(rt.warm(key, () => src(am, bm, fits, false, decl, 'B0', 'B1', 'B2'), 'rrw'));
    }
  return Promise.all(jobs).then(() => undefined);
}

/** Bind a, b and the output (and the bias, Note [Matmul bias epilogue]) of a vec4 kernel. */
function bindOperands(a: TensorView, bv: TensorView, o: OutPlan): Bound {
  const reqs: BindReq[] = [{ buf: a.buffer as GpuBuf }, { buf: bv.buffer as GpuBuf }, { buf: o.buf, write: true }];
  if (o.bias) reqs.push({ buf: o.bias.buffer as GpuBuf });
  return bind(reqs);
}

/** Both kernels' parameters: sizes, a's strides along (batch, m, k), b's along (batch, k, n), out's plan. */
function matmulParams(a: TensorView, bv: TensorView, out: TensorView, o: OutPlan): number[] {
  const [B, M, N] = out.shape as [number, number, number];
  const [as0, as1, as2] = a.strides as [number, number, number];
  const [bs0, bs1, bs2] = bv.strides as [number, number, number];
  return [M, N, a.shape[2]!, a.offset, as0, as1, as2, bv.offset, bs0, bs1, bs2, o.offset, o.s0, o.s1, o.chunk, B];
}

/** The workgroup-memory tiled kernel (Note [Matmul vec4 core]). */
function matmulTiled(rt: Runtime, a: TensorView, bv: TensorView, out: TensorView, plan: { am: Mode; bm: Mode }, o: OutPlan): void {
  const [B, M, N] = out.shape as [number, number, number];
  const K = a.shape[2]!;
  const { am, bm } = plan;
  const fits = M % TM === 0 && N % TN === 0 && K % TK === 0 && o.chunk % TK === 0;
  const b = bindOperands(a, bv, o);
  const decl = vec4Decl(b);
  const [A, Bn, O, Bi] = b.names as [string, string, string, string | undefined];
  const params = matmulParams(a, bv, out, o);
  runChunked(
    rt,
    `${keyBase('matmul4', o.bias)}:${am}${bm}:${form(fits, o.S > 1)}:${b.key}`,
    () => tiledSource(am, bm, fits, o.S > 1, decl, A, Bn, O, Bi, biasVec(o.bias)),
    b,
    params,
    [Math.ceil(N / TN), Math.ceil(M / TM), B * o.S],
    biasParams(o.bias),
  );
}

/**
 * The register-blocked kernel without workgroup memory (Note [Matmul vec4 core]): each thread
 * of an 8×8 workgroup reads its 4 rows of A and 4 columns of B straight from the buffers, 4 k
 * at a time as `vec4` words, and keeps a 4×4 block in four `vec4` accumulators. Needs K % 4 = 0.
 */
function matmulDirect(rt: Runtime, a: TensorView, bv: TensorView, out: TensorView, plan: { am: Mode; bm: Mode }, o: OutPlan): void {
  const [B, M, N] = out.shape as [number, number, number];
  const { am, bm } = plan;
  const b = bindOperands(a, bv, o);
  const decl = vec4Decl(b);
  const [A, Bn, O, Bi] = b.names as [string, string, string, string | undefined];
  const params = matmulParams(a, bv, out, o);
  const fits = M % 32 === 0 && N % 32 === 0;
  runChunked(
    rt,
    `${keyBase('matmulD', o.bias)}:${am}${bm}:${form(fits, o.S > 1)}:${b.key}`,
    () => directSource(am, bm, fits, o.S > 1, decl, A, Bn, O, Bi, biasVec(o.bias)),
    b,
    params,
    [Math.ceil(N / 32), Math.ceil(M / 32), B * o.S],
    biasParams(o.bias),
  );
}

/** The form part of a kernel's key: `fit` / `edge`, `-split` for a split-K kernel (Note [Matmul split-K]). */
const form = (fits: boolean, split: boolean): string => `${fits ? 'fit' : 'edge'}${split ? '-split' : ''}`;

/**
 * The batch `zb`, start `kb` and end `K` of a thread's k range: with `split`, `workgroup_id.z`
 * runs over splits × batch and the range is the split's (P[14] long, P[15] the batch count).
 */
const splitRange = (split: boolean): string =>
  split ? 'let zb = z % P[15]; let kb = (z / P[15]) * P[14]; let K = min(P[2], kb + P[14]);' : 'let zb = z; let kb = 0u; let K = P[2];';

/** WGSL of the tiled kernel (its key: `matmul4:${am}${bm}:${form(fits, split)}:` and the binding key). */
function tiledSource(
  am: Mode,
  bm: Mode,
  fits: boolean,
  split: boolean,
  decl: string,
  A: string,
  Bn: string,
  O: string,
  Bi?: string,
  bv = false,
): string {
  const chk = (c: string) => (fits ? '' : c);
  // the bias epilogue (Note [Matmul bias epilogue]): its view's offset and strides follow the grid offsets
  const add = (r: string) => (Bi ? ` + ${biasWord(Bi, 19, r, 'gn', bv)}` : '');
  const loadA =
    am === 'n'
      ? `let mm = e / 8u; let kq = e % 8u; let gm = m0 + mm; let gk = k0 + kq * 4u;
      var v = vec4<f32>(0.0);
      ${chk('if (gm < M && gk < K) {')} v = ${A}[(ab + gm * P[5] + gk) / 4u]; ${chk('}')}
      let c = mm / 4u; let r = mm % 4u;
      As[(kq * 4u) * 8u + c][r] = v.x; As[(kq * 4u + 1u) * 8u + c][r] = v.y;
      As[(kq * 4u + 2u) * 8u + c][r] = v.z; As[(kq * 4u + 3u) * 8u + c][r] = v.w;`
      : `let kk = e / 8u; let mq = e % 8u; let gk = k0 + kk; let gm = m0 + mq * 4u;
      var v = vec4<f32>(0.0);
      ${chk('if (gk < K && gm < M) {')} v = ${A}[(ab + gk * P[6] + gm) / 4u]; ${chk('}')}
      As[kk * 8u + mq] = v;`;
  const loadB =
    bm === 'n'
      ? `let kk = e / 8u; let nq = e % 8u; let gk = k0 + kk; let gn = n0 + nq * 4u;
      var v = vec4<f32>(0.0);
      ${chk('if (gk < K && gn < N) {')} v = ${Bn}[(bb + gk * P[9] + gn) / 4u]; ${chk('}')}
      Bs[kk * 8u + nq] = v;`
      : `let nn = e / 8u; let kq = e % 8u; let gn = n0 + nn; let gk = k0 + kq * 4u;
      var v = vec4<f32>(0.0);
      ${chk('if (gn < N && gk < K) {')} v = ${Bn}[(bb + gn * P[10] + gk) / 4u]; ${chk('}')}
      let c = nn / 4u; let r = nn % 4u;
      Bs[(kq * 4u) * 8u + c][r] = v.x; Bs[(kq * 4u + 1u) * 8u + c][r] = v.y;
      Bs[(kq * 4u + 2u) * 8u + c][r] = v.z; Bs[(kq * 4u + 3u) * 8u + c][r] = v.w;`;
  return `${decl}
var<workgroup> As: array<vec4<f32>, ${(TK * TM) / 4}>;
var<workgroup> Bs: array<vec4<f32>, ${(TK * TN) / 4}>;
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let M = P[0]; let N = P[1];
  let tx = l.x; let ty = l.y; let tid = ty * 8u + tx;
  let m0 = (wid.y + P[17]) * ${TM}u; let n0 = (wid.x + P[16]) * ${TN}u; let z = wid.z + P[18];
  // z runs over splits × batch (Note [Matmul split-K]): K here is the end of this split's range
  ${splitRange(split)}
  let ab = P[3] + zb * P[4]; let bb = P[7] + zb * P[8]; let ob = P[11] + z * P[12];
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k0 = kb; k0 < K; k0 += ${TK}u) {
    for (var q = 0u; q < 4u; q++) {
      let e = tid + q * 64u;
      { ${loadA} }
      { ${loadB} }
    }
    workgroupBarrier();
    for (var k = 0u; k < ${TK}u; k++) {
      let av = As[k * 8u + ty];
      let bw = Bs[k * 8u + tx];
      c0 = fma(vec4<f32>(av.x), bw, c0); c1 = fma(vec4<f32>(av.y), bw, c1);
      c2 = fma(vec4<f32>(av.z), bw, c2); c3 = fma(vec4<f32>(av.w), bw, c3);
    }
    workgroupBarrier();
  }
  let gm = m0 + ty * 4u; let gn = n0 + tx * 4u;
  ${chk('if (gn >= N) { return; }')}
  let o = ob + gn;
  ${chk('if (gm < M) {')} ${O}[(o + gm * P[13]) / 4u] = c0${add('gm')}; ${chk('}')}
  ${chk('if (gm + 1u < M) {')} ${O}[(o + (gm + 1u) * P[13]) / 4u] = c1${add('gm + 1u')}; ${chk('}')}
  ${chk('if (gm + 2u < M) {')} ${O}[(o + (gm + 2u) * P[13]) / 4u] = c2${add('gm + 2u')}; ${chk('}')}
  ${chk('if (gm + 3u < M) {')} ${O}[(o + (gm + 3u) * P[13]) / 4u] = c3${add('gm + 3u')}; ${chk('}')}
}`;
}

/**
 * WGSL of the direct kernel (its key: `matmulD:${am}${bm}:${form(fits, split)}:` and the binding key); `fits`
 * (M and N multiples of 32) drops the clamps of the loads and the guards of the stores.
 */
function directSource(
  am: Mode,
  bm: Mode,
  fits: boolean,
  split: boolean,
  decl: string,
  A: string,
  Bn: string,
  O: string,
  Bi?: string,
  bv = false,
): string {
  const add = (r: string) => (Bi ? ` + ${biasWord(Bi, 19, r, 'gn0', bv)}` : '');
  const la =
    am === 'n'
      ? `let a0 = ${A}[(ab + r0 * P[5] + k) / 4u]; let a1 = ${A}[(ab + r1 * P[5] + k) / 4u];
    let a2 = ${A}[(ab + r2 * P[5] + k) / 4u]; let a3 = ${A}[(ab + r3 * P[5] + k) / 4u];
    let x0 = vec4<f32>(a0.x, a1.x, a2.x, a3.x); let x1 = vec4<f32>(a0.y, a1.y, a2.y, a3.y);
    let x2 = vec4<f32>(a0.z, a1.z, a2.z, a3.z); let x3 = vec4<f32>(a0.w, a1.w, a2.w, a3.w);`
      : `let x0 = ${A}[(ab + k * P[6] + gm) / 4u]; let x1 = ${A}[(ab + (k + 1u) * P[6] + gm) / 4u];
    let x2 = ${A}[(ab + (k + 2u) * P[6] + gm) / 4u]; let x3 = ${A}[(ab + (k + 3u) * P[6] + gm) / 4u];`;
  const lb =
    bm === 'n'
      ? `let y0 = ${Bn}[(bb + k * P[9] + gn) / 4u]; let y1 = ${Bn}[(bb + (k + 1u) * P[9] + gn) / 4u];
    let y2 = ${Bn}[(bb + (k + 2u) * P[9] + gn) / 4u]; let y3 = ${Bn}[(bb + (k + 3u) * P[9] + gn) / 4u];`
      : `let b0 = ${Bn}[(bb + gn * P[10] + k) / 4u]; let b1 = ${Bn}[(bb + (gn + 1u) * P[10] + k) / 4u];
    let b2 = ${Bn}[(bb + (gn + 2u) * P[10] + k) / 4u]; let b3 = ${Bn}[(bb + (gn + 3u) * P[10] + k) / 4u];
    let y0 = vec4<f32>(b0.x, b1.x, b2.x, b3.x); let y1 = vec4<f32>(b0.y, b1.y, b2.y, b3.y);
    let y2 = vec4<f32>(b0.z, b1.z, b2.z, b3.z); let y3 = vec4<f32>(b0.w, b1.w, b2.w, b3.w);`;
  return `${decl}
@compute @workgroup_size(8, 8)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_id) l: vec3<u32>) {
  let M = P[0]; let N = P[1];
  let gm0 = ((wid.y + P[17]) * 8u + l.y) * 4u; let gn0 = ((wid.x + P[16]) * 8u + l.x) * 4u; let z = wid.z + P[18];
  ${splitRange(split)}
  ${
    fits
      ? 'let gm = gm0; let gn = gn0; let r0 = gm; let r1 = gm + 1u; let r2 = gm + 2u; let r3 = gm + 3u;'
      : `// loads clamp into range (M, N multiples of 4 where vec4 spans them); stores are guarded
  let gm = min(gm0, ((M + 3u) / 4u - 1u) * 4u); let gn = min(gn0, N - 4u);
  let r0 = min(gm, M - 1u); let r1 = min(gm + 1u, M - 1u); let r2 = min(gm + 2u, M - 1u); let r3 = min(gm + 3u, M - 1u);`
  }
  let ab = P[3] + zb * P[4]; let bb = P[7] + zb * P[8]; let ob = P[11] + z * P[12];
  var c0 = vec4<f32>(0.0); var c1 = vec4<f32>(0.0); var c2 = vec4<f32>(0.0); var c3 = vec4<f32>(0.0);
  for (var k = kb; k < K; k += 4u) {
    ${la}
    ${lb}
    c0 = fma(vec4<f32>(x0.x), y0, c0); c1 = fma(vec4<f32>(x0.y), y0, c1); c2 = fma(vec4<f32>(x0.z), y0, c2); c3 = fma(vec4<f32>(x0.w), y0, c3);
    c0 = fma(vec4<f32>(x1.x), y1, c0); c1 = fma(vec4<f32>(x1.y), y1, c1); c2 = fma(vec4<f32>(x1.z), y1, c2); c3 = fma(vec4<f32>(x1.w), y1, c3);
    c0 = fma(vec4<f32>(x2.x), y2, c0); c1 = fma(vec4<f32>(x2.y), y2, c1); c2 = fma(vec4<f32>(x2.z), y2, c2); c3 = fma(vec4<f32>(x2.w), y2, c3);
    c0 = fma(vec4<f32>(x3.x), y3, c0); c1 = fma(vec4<f32>(x3.y), y3, c1); c2 = fma(vec4<f32>(x3.z), y3, c2); c3 = fma(vec4<f32>(x3.w), y3, c3);
  }
  ${fits ? '' : 'if (gn0 >= N) { return; }'}
  let o = ob + gn0;
  let s1 = P[13];
  if (${fits ? 'true' : 'gm0 < M'}) { ${O}[(o + gm0 * s1) / 4u] = c0${add('gm0')}; }
  if (${fits ? 'true' : 'gm0 + 1u < M'}) { ${O}[(o + (gm0 + 1u) * s1) / 4u] = c1${add('gm0 + 1u')}; }
  if (${fits ? 'true' : 'gm0 + 2u < M'}) { ${O}[(o + (gm0 + 2u) * s1) / 4u] = c2${add('gm0 + 2u')}; }
  if (${fits ? 'true' : 'gm0 + 3u < M'}) { ${O}[(o + (gm0 + 3u) * s1) / 4u] = c3${add('gm0 + 3u')}; }
}`;
}
