/**
 * Fused variance and mean on WebGPU (`FusedKernels.varMean`): var (or std) and mean of a
 * contiguous float32 tensor seen as `[M, N, K]`, reduced over N, in one dispatch per pass.
 *
 * Note [Fused variance on WebGPU]
 * The op layer's safe variance (Note [Variance without overflow] in @dl/tensor's ops/reduce.ts)
 * is two-pass over `y = x / s`, `s` a power of two at the largest |x| of the slice, and costs
 * about 25 dispatches. This kernel computes the same quantity with the partials merged the way
 * Chan, Golub and LeVeque's pairwise scheme merges (count, mean, M2) states, but keeps the
 * *two-pass* form (mean first, then the deviations) because in float32 it is the more accurate
 * one: Welford's running update has an error of order eps·κ·log n (κ = |mean|/std, 1e4 for
 * `1e4 + randn`), two passes of eps·log n. Per slice:
 * - pass 1: min, max and the sum of x. The sum is kept as `v·2^k` with k ∈ {0, 64}: once |v|
 *   passes 2^64 (finite), it is scaled by 2^-64 (exact), so sums of values near float32's max
 *   never overflow (terms then lost to underflow are below 2^-64 of the sum). Merging two states
 *   rescales the one with k = 0.
 * - from these: `s = 2^e` with e = the exponent of max |x| (0 when that is 0, inf or NaN; clamped
 *   to [-126, 127] as the op layer clamps it), the mean of y, `mu = v·2^(k−e)/n`, and the mean
 *   of x `v·2^k/n`. A slice whose min equals its max (and whose sum is finite) is constant: its
 *   variance is exactly 0 and its mean exactly that value.
 * - pass 2: `S2 = Σ (y − mu)²`, `S1 = Σ (y − mu)`, and `S = S2 − S1²/n` (the corrected two-pass
 *   form: it removes the first-order effect of mu's rounding). A thread sums blocks of 16
 *   elements and adds each block to its running S2, S1 (Kahan compensation did nothing on
 *   lavapipe: its compiler reassociates), split rows use chunks of at least 8192 elements (32
 *   per thread at 1M, 2 blocks), and the partials meet in trees: the sequential depth stays short, so
 *   `1e4 + randn` is as accurate as the composite (measured: the same float32 result at 1M
 *   and 4M). |y − mu| ≤ 4, so nothing overflows; var = `S/max(n − correction, 0) · s · s`,
 *   std = `√(S/max(n − correction, 0)) · s` (divisions, not products with reciprocals, so that
 *   exact quotients such as var([1, 2, 3, 4]) = 5/3 round as the composite's).
 * NaN anywhere makes the sum NaN and the slice NaN; ±inf makes y − mu NaN (torch: NaN);
 * n ≤ correction divides by 0 (inf, or NaN where S is 0), all as the op layer's path.
 * Three forms (the choice is part of the pipeline key):
 * - `thread`: one thread per output walks its N elements (K apart) twice: short rows, many rows
 *   ({@link VAR_THREAD_ROWS}; no barriers, which cost most on software Vulkan), and reductions
 *   over a non-last dim (neighbouring threads read neighbouring words).
 * - `group`: K = 1, one workgroup of {@link WG} threads per row, partials merged in a
 *   shared-memory tree, both passes in the one dispatch.
 * - `split`: K = 1 and few long rows (`x.var()`): each row in G chunks of L elements over G
 *   workgroups; dispatch 1 writes the chunks' pass-1 states, dispatch 2 has every workgroup merge
 *   its row's states and write its chunk's (S2, S1), dispatch 3 merges both per row and writes.
 *
 * @example
 * varMean(rt, x, varOut, meanOut, { outer: 1, size: 4096, inner: 1, correction: 1, root: false });
 */
import type { TensorView, VarMeanParams } from '@dl/tensor/backend';
import { bind, f32bits, type GpuBuf, type Runtime } from '../runtime.js';
import { PRELUDE } from '../wgsl.js';

/** Threads of a workgroup in the group and split forms. */
const WG = 256;
/** Row length from which a workgroup shares a row (shorter rows: a thread each). */
export const VAR_GROUP_FROM = 256;
/** From this many rows a thread takes each (no barriers: Note [Contiguous-row reductions]). */
export const VAR_THREAD_ROWS = 512;
/** Rows of at least this length, with fewer than {@link VAR_SPLIT_ROWS} rows, are split over workgroups. */
export const VAR_SPLIT_FROM = 32768;
/** Below this many rows, long rows are split. */
export const VAR_SPLIT_ROWS = 64;
/** Elements per chunk of a split row at least (rows are cut into at most {@link WG} chunks). */
const CHUNK_MIN = 8192;

/** The form (Note [Fused variance on WebGPU]) for an `[M, N, K]` reduction over N. */
export function varForm(M: number, N: number, K: number): 'thread' | 'group' | 'split' {
  if (K !== 1 || N < VAR_GROUP_FROM || M >= VAR_THREAD_ROWS) return 'thread';
  return M < VAR_SPLIT_ROWS && N >= VAR_SPLIT_FROM ? 'split' : 'group';
}

// State of pass 1: vec4(k, v, lo, hi): the sum is v·2^k, lo/hi the min/max (NaN skipped).
const COMMON = /* wgsl */ `
const TWO64: f32 = 18446744073709551616.0;
const ITWO64: f32 = 5.421010862427522e-20;
fn st_norm(s: vec4<f32>) -> vec4<f32> {
  if (s.x == 0.0 && abs(s.y) > TWO64 && !isinf_f(s.y)) { return vec4<f32>(64.0, s.y * ITWO64, s.z, s.w); }
  return s;
}
fn st_add(s: vec4<f32>, x: f32) -> vec4<f32> {
  var t = s;
  t.y = t.y + select(x, x * ITWO64, t.x != 0.0);
  t.z = select(t.z, x, x < t.z);
  t.w = select(t.w, x, x > t.w);
  return st_norm(t);
}
fn st_merge(a: vec4<f32>, b: vec4<f32>) -> vec4<f32> {
  let k = max(a.x, b.x);
  let va = select(a.y, a.y * ITWO64, a.x < k);
  let vb = select(b.y, b.y * ITWO64, b.x < k);
  return st_norm(vec4<f32>(k, va + vb, select(a.z, b.z, b.z < a.z), select(a.w, b.w, b.w > a.w)));
}
fn st_zero() -> vec4<f32> { return vec4<f32>(0.0, 0.0, f_inf(), -f_inf()); }
// (scale s, mean of y, mean of x, constant?) of a slice of n elements from its pass-1 state
struct Fin { s: f32, is: f32, mu: f32, mean: f32, constant: bool }
fn fin(t: vec4<f32>, n: f32) -> Fin {
  var r: Fin;
  let finite = !isinf_f(t.y) && !isnan_f(t.y);
  let m = max(abs(t.z), abs(t.w));
  var e = 0i;
  if (finite && m > 0.0 && !isinf_f(m)) { e = clamp(i32((bitcast<u32>(m) >> 23u) & 0xffu) - 127i, -126i, 127i); }
  r.s = ldexp(1.0, e);
  r.is = ldexp(1.0, -e); // y = x·is: exact, where WGSL's x / s may be an ulp off
  r.constant = finite && t.z == t.w;
  let kx = i32(t.x);
  r.mean = ldexp(t.y / n, kx);
  r.mu = ldexp(t.y / n, kx - e);
  if (r.constant) { r.mean = t.z; r.mu = t.z * r.is; }
  return r;
}
// The mean refined by pass 2's Σ(y − mu) (exact where pass 1's float32 sum rounded); kept as it
// is for a constant slice or where the deviations are not finite (an inf mean stays inf).
fn mean_out(f: Fin, s1: f32, n: f32) -> f32 {
  let c = f.mean + (s1 / n) * f.s;
  return select(c, f.mean, f.constant || isinf_f(s1) || isnan_f(s1) || isinf_f(c));
}
fn var_out(f: Fin, s2: f32, s1: f32, n: f32, den: f32, root: bool) -> f32 {
  let raw = s2 - s1 * s1 / n;
  let S = select(raw, 0.0, f.constant || raw < 0.0); // NaN stays (WGSL's max may drop it)
  let q = fdiv(S, den); // den = max(n − correction, 0): S/0 is inf, or NaN where S is 0
  if (root) { return sqrt(q) * f.s; }
  return q * f.s * f.s;
}
`;

// Workgroup merges of vec4 pass-1 states and vec2 (S2, S1) sums.
const WRED = /* wgsl */ `
var<workgroup> R4: array<vec4<f32>, ${WG}>;
var<workgroup> R2: array<vec2<f32>, ${WG}>;
fn wred4(v: vec4<f32>, lid: u32) -> vec4<f32> {
  R4[lid] = v;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { R4[lid] = st_merge(R4[lid], R4[lid + s]); }
    workgroupBarrier();
  }
  let r = R4[0];
  workgroupBarrier();
  return r;
}
fn wred2(v: vec2<f32>, lid: u32) -> vec2<f32> {
  R2[lid] = v;
  workgroupBarrier();
  for (var s = ${WG / 2}u; s > 0u; s = s >> 1u) {
    if (lid < s) { R2[lid] = R2[lid] + R2[lid + s]; }
    workgroupBarrier();
  }
  let r = R2[0];
  workgroupBarrier();
  return r;
}
`;

const ENTRY = (wg: number) => `@compute @workgroup_size(${wg})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let wgi = wid.y * nwg.x + wid.x;`;

/**
 * Pass 2 of a thread (elements j = start, start + step, … < end at `load`): (S2, S1) in `q`, summed
 * in blocks of {@link BLOCK} elements added to the running sum (Note [Fused variance on WebGPU]).
 */
const pass2 = (start: string, end: string, step: string, load: string) => `
  var q = vec2<f32>(0.0, 0.0);
  for (var jb = ${start}; jb < ${end}; jb += ${BLOCK}u * ${step}) {
    var blk = vec2<f32>(0.0, 0.0);
    for (var u = 0u; u < ${BLOCK}u; u++) {
      let j = jb + u * ${step};
      if (j >= ${end}) { break; }
      let d = ${load} * f.is - f.mu;
      blk += vec2<f32>(d * d, d);
    }
    q += blk;
  }`;
/**
 * Pass 1 of a thread (elements as {@link pass2}): its state in `t`, blocks of {@link BLOCK}
 * elements merged into the running state, so a long sequential sum (one thread per output of a
 * column reduction) keeps the mean within a few ulps.
 */
const pass1 = (start: string, end: string, step: string, load: string) => `
  var t = st_zero();
  for (var jb = ${start}; jb < ${end}; jb += ${BLOCK}u * ${step}) {
    var blk = st_zero();
    for (var u = 0u; u < ${BLOCK}u; u++) {
      let j = jb + u * ${step};
      if (j >= ${end}) { break; }
      blk = st_add(blk, ${load});
    }
    t = st_merge(t, blk);
  }`;
/** Elements a thread sums before adding them to its running (S2, S1). */
const BLOCK = 16;

/** Reads element `i` of binding `X` as f32. */
const ld = (X: string, i: string) => `bitcast<f32>(${X}[${i}])`;

/**
 * var (std with `p.root`) and mean of contiguous float32 `x` (`[outer, size, inner]`, reduced over
 * `size`) into contiguous `varOut` and `meanOut` of `outer·inner` elements (Note [Fused variance on WebGPU]).
 *
 * @example
 * varMean(rt, x, v, m, { outer: 8, size: 1000, inner: 1, correction: 1, root: true });
 */
export function varMean(rt: Runtime, x: TensorView, varOut: TensorView, meanOut: TensorView, p: VarMeanParams): void {
  for (const v of [x, varOut, meanOut])
    if (v.dtype !== 'float32') throw new TypeError(`webgpu varMean: expected float32 views, got ${v.dtype}`);
  const { outer: M, size: N, inner: K } = p;
  if (M * K === 0 || N === 0) return;
  const form = varForm(M, N, K);
  // n and n − correction as float32 (dividing by them as the composite divides)
  const nf = f32bits(N);
  const den = f32bits(Math.max(N - p.correction, 0));
  const root = p.root ? 1 : 0;
  if (form !== 'split') {
    const b = bind([
      { buf: x.buffer as GpuBuf },
      { buf: varOut.buffer as GpuBuf, write: true },
      { buf: meanOut.buffer as GpuBuf, write: true },
    ]);
    const [X, V, O] = b.names as [string, string, string];
    const thread = form === 'thread';
    const head = thread
      ? `${ENTRY(64)}
  let idx = wgi * 64u + lid;
  if (idx >= P[0] * P[2]) { return; }
  let base = P[3] + (idx / P[2]) * P[1] * P[2] + idx % P[2];
  let T0 = 0u;
  let TS = 1u;`
      : `${ENTRY(WG)}
  let idx = wgi;
  if (idx >= P[0]) { return; }
  let base = P[3] + idx * P[1];
  let T0 = lid;
  let TS = ${WG}u;`;
    const r4 = thread ? 't' : 'wred4(t, lid)';
    const r2 = thread ? 'q' : 'wred2(q, lid)';
    rt.run(
      `varMean:${form}:${b.key}`,
      () => `${PRELUDE}${b.decl}${COMMON}${thread ? '' : WRED}
${head}
  let N = P[1];
  let K = P[2];
  let n = bitcast<f32>(P[6]);
${pass1('T0', 'N', 'TS', ld(X, 'base + j * K'))}
  let f = fin(${r4}, n);
${pass2('T0', 'N', 'TS', ld(X, 'base + j * K'))}
  let r = ${r2};
  if (T0 == 0u) {
    ${V}[P[4] + idx] = bitcast<u32>(var_out(f, r.x, r.y, n, bitcast<f32>(P[7]), P[8] != 0u));
    ${O}[P[5] + idx] = bitcast<u32>(mean_out(f, r.y, n));
  }
}`,
      b,
      [M, N, K, x.offset, varOut.offset, meanOut.offset, nf, den, root],
      thread ? { threads: M * K, wg: 64 } : { threads: M * WG, wg: WG },
    );
    return;
  }
  // split: G chunks of L elements per row
  const G = Math.min(WG, Math.ceil(N / CHUNK_MIN));
  const L = Math.ceil(N / G);
  const t1 = rt.allocate(M * G * 4);
  const t2 = rt.allocate(M * G * 2);
  const params = [M, N, G, L, x.offset, varOut.offset, meanOut.offset, nf, den, root];
  const chunk = `
  let r = wgi / P[2];
  let c = wgi % P[2];
  if (r >= P[0]) { return; }
  let N = P[1];
  let G = P[2];
  let n = bitcast<f32>(P[7]);
  let j0 = c * P[3];
  let j1 = min(N, j0 + P[3]);
  let base = P[4] + r * N;`;
  // merge of row r's G pass-1 states in t1 (every thread of the workgroup takes part)
  const mergeRow = (T1: string) => `
  var s = st_zero();
  if (lid < G) {
    let w = (r * G + lid) * 4u;
    s = vec4<f32>(${ld(T1, 'w')}, ${ld(T1, 'w + 1u')}, ${ld(T1, 'w + 2u')}, ${ld(T1, 'w + 3u')});
  }
  let f = fin(wred4(s, lid), n);`;
  {
    const b = bind([{ buf: x.buffer as GpuBuf }, { buf: t1, write: true }]);
    const [X, T1] = b.names as [string, string];
    rt.run(
      `varMean:split1:${b.key}`,
      () => `${PRELUDE}${b.decl}${COMMON}${WRED}
${ENTRY(WG)}${chunk}
${pass1('j0 + lid', 'j1', `${WG}u`, ld(X, 'base + j'))}
  let m = wred4(t, lid);
  if (lid == 0u) {
    let w = wgi * 4u;
    ${T1}[w] = bitcast<u32>(m.x); ${T1}[w + 1u] = bitcast<u32>(m.y); ${T1}[w + 2u] = bitcast<u32>(m.z); ${T1}[w + 3u] = bitcast<u32>(m.w);
  }
}`,
      b,
      params,
      { threads: M * G * WG, wg: WG },
    );
  }
  {
    const b = bind([{ buf: x.buffer as GpuBuf }, { buf: t1 }, { buf: t2, write: true }]);
    const [X, T1, T2] = b.names as [string, string, string];
    rt.run(
      `varMean:split2:${b.key}`,
      () => `${PRELUDE}${b.decl}${COMMON}${WRED}
${ENTRY(WG)}${chunk}${mergeRow(T1)}
${pass2('j0 + lid', 'j1', `${WG}u`, ld(X, 'base + j'))}
  let m = wred2(q, lid);
  if (lid == 0u) { ${T2}[wgi * 2u] = bitcast<u32>(m.x); ${T2}[wgi * 2u + 1u] = bitcast<u32>(m.y); }
}`,
      b,
      params,
      { threads: M * G * WG, wg: WG },
    );
  }
  {
    const b = bind([
      { buf: t1 },
      { buf: t2 },
      { buf: varOut.buffer as GpuBuf, write: true },
      { buf: meanOut.buffer as GpuBuf, write: true },
    ]);
    const [T1, T2, V, O] = b.names as [string, string, string, string];
    rt.run(
      `varMean:split3:${b.key}`,
      () => `${PRELUDE}${b.decl}${COMMON}${WRED}
${ENTRY(WG)}
  let r = wgi;
  if (r >= P[0]) { return; }
  let N = P[1];
  let G = P[2];
  let n = bitcast<f32>(P[7]);${mergeRow(T1)}
  var q = vec2<f32>(0.0, 0.0);
  if (lid < G) { q = vec2<f32>(${ld(T2, '(r * G + lid) * 2u')}, ${ld(T2, '(r * G + lid) * 2u + 1u')}); }
  let m = wred2(q, lid);
  if (lid == 0u) {
    ${V}[P[5] + r] = bitcast<u32>(var_out(f, m.x, m.y, n, bitcast<f32>(P[8]), P[9] != 0u));
    ${O}[P[6] + r] = bitcast<u32>(mean_out(f, m.y, n));
  }
}`,
      b,
      params,
      { threads: M * WG, wg: WG },
    );
  }
  rt.free(t1);
  rt.free(t2);
}
