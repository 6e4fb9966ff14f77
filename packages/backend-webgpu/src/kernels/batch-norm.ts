import type { BatchNormParams, TensorView } from '@dl/tensor/backend';
import { bind, f32bits, type BindReq, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE, WG } from '../wgsl.js';

/**
 * Note [Batch norm on webgpu]
 * Batch norm over dim 1 of contiguous float32 x [N, C, *] (M = N · plane elements per channel),
 * the cpu backend's formulas (Note [Fused batch norm] there) in float32:
 * - Training forward, M ≤ {@link ONE_GROUP_MAX}: one workgroup of {@link BWG} threads per channel,
 *   one dispatch. The threads sum the channel (each a strided slice of it, then a fixed two-level
 *   combine in workgroup memory), so every thread knows the mean; then they sum (x − mean)² the
 *   same way (the two-pass scheme: no cancellation of E[x²] − E[x]², unlike a one-pass sum of
 *   squares), write mean, biased var and invstd = 1 / √(var + eps), and apply
 *   `(x − mean) · (invstd · w) + b` to the channel they just read (still in cache).
 * - Larger M: the channel splits into S segments of {@link SEGMENT} elements, two dispatches.
 *   Pass 1, a workgroup per (channel, segment): the segment's count, mean and centred sum of
 *   squares M2 (two-pass inside the segment). Pass 2, a workgroup per (channel, segment): every
 *   thread merges the channel's S partials in order (Chan et al.: M2 = Σ M2ₛ + Σ nₛ (meanₛ − mean)²,
 *   sound for any spread of the segment means), then applies its segment.
 * - Eval forward: one elementwise pass with the given statistics.
 * - Backward: the same shapes of work for the per-channel Σg and Σ(x − mean)·g (one workgroup per
 *   channel, or partial sums per segment and a combining pass), then
 *   `gradIn = (g − Σg/M − (x − mean) · invstd² · Σ(x − mean)g / M) · invstd · w` in training,
 *   `g · invstd · w` in eval (elementwise when no weight or bias gradient is asked for).
 * Sums are float32 (torch's CUDA kernels accumulate float in float too; cpu uses float64): each
 * thread adds ~M/256 values and the combine is a fixed tree, so results are deterministic and
 * within a few float32 ulps of cpu's for ordinary data. A NaN or inf in a channel makes its
 * statistics NaN, as torch; a spread beyond ~1.8e19 (where (x − mean)² overflows float32) makes
 * the variance inf and invstd 0, as torch's CUDA kernels (cpu stays finite in float64).
 */

/** Threads per workgroup of the reduction kernels. */
const BWG = 256;
/** Elements per channel up to which one workgroup reduces and applies a channel alone. */
export const ONE_GROUP_MAX = 32768;
/** Elements of one segment of a larger channel. */
export const SEGMENT = 16384;
/** Most segments per channel. */
const MAX_SEGS = 256;

const buf = (v: TensorView) => v.buffer as GpuBuf;

/** Parameter words: C, HW, M, S, D, L, eps, qs, rs, groups (the views' offsets follow, by name). */
interface Geo {
  C: number;
  HW: number;
  M: number;
  S: number;
}

function geometry(x: TensorView): Geo {
  let HW = 1;
  for (let i = 2; i < x.shape.length; i++) HW *= x.shape[i]!;
  const C = x.shape[1]!;
  const M = x.shape[0]! * HW;
  const S = M <= ONE_GROUP_MAX ? 1 : Math.min(MAX_SEGS, Math.ceil(M / SEGMENT));
  return { C, HW, M, S };
}

/** The words before the offsets; `D` workgroups per channel in this dispatch. */
function head(g: Geo, D: number, eps: number): number[] {
  const L = Math.ceil(g.M / g.S);
  return [g.C, g.HW, g.M, g.S, D, L, f32bits(eps), Math.floor(BWG / g.HW), BWG % g.HW, g.C * D];
}

/** Named operands bound in order; `off(name)` is the WGSL word of its offset. */
function operands(fixed: number, ops: Array<[string, TensorView | GpuBuf | null, boolean]>) {
  const present = ops.filter(([, v]) => v !== null) as Array<[string, TensorView | GpuBuf, boolean]>;
  const reqs: BindReq[] = present.map(([, v, write]) => ({ buf: 'buffer' in v ? buf(v) : v, write }));
  const b = bind(reqs);
  const name = new Map<string, string>();
  const offWord = new Map<string, string>();
  const offsets: number[] = [];
  present.forEach(([n, v], i) => {
    name.set(n, b.names[i]!);
    offWord.set(n, `P[${fixed + i}]`);
    offsets.push('buffer' in v ? v.offset : 0);
  });
  const at = (n: string, idx: string) => `${name.get(n)}[${offWord.get(n)} + ${idx}]`;
  const f = (n: string, idx: string) => `bitcast<f32>(${at(n, idx)})`;
  const flags = present.map(([n]) => n).join(',');
  return { b, offsets, at, f, flags };
}

const REDUCE = /* wgsl */ `
var<workgroup> RA: array<f32, ${BWG}>;
var<workgroup> RB: array<f32, ${BWG}>;
// Sums a and b over the workgroup: 16 threads add 16 slots each, then every thread adds the 16 results in order.
fn red2(lid: u32, a: f32, b: f32) -> vec2<f32> {
  RA[lid] = a; RB[lid] = b;
  workgroupBarrier();
  if (lid < 16u) {
    var u = 0.0; var v = 0.0;
    for (var k = 0u; k < 16u; k++) { u = u + RA[lid * 16u + k]; v = v + RB[lid * 16u + k]; }
    RA[lid * 16u] = u; RB[lid * 16u] = v;
  }
  workgroupBarrier();
  var s = 0.0; var t = 0.0;
  for (var k = 0u; k < 16u; k++) { s = s + RA[k * 16u]; t = t + RB[k * 16u]; }
  workgroupBarrier();
  return vec2<f32>(s, t);
}`;

const ENTRY = /* wgsl */ `
@compute @workgroup_size(${BWG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let wg = wid.y * nwg.x + wid.x;
  if (wg >= P[9]) { return; }
  let C = P[0]; let HW = P[1]; let M = P[2]; let S = P[3]; let D = P[4]; let L = P[5];
  let eps = bitcast<f32>(P[6]);
  let c = wg / D; let s = wg % D;
  let j0 = s * L; let j1 = min(M, j0 + L);`;

/** WGSL: run `body` for each element of the channel's elements [j0, j1) this thread owns; `a` is its word relative to the view. */
function walk(body: string): string {
  return `  {
    var j = j0 + lid; var n = j / HW; var i = j % HW;
    loop {
      if (j >= j1) { break; }
      let a = (n * C + c) * HW + i;
${body}
      j = j + ${BWG}u; i = i + P[8]; n = n + P[7];
      if (i >= HW) { i = i - HW; n = n + 1u; }
    }
  }`;
}

function dispatch(groups: number): { groups: [number, number, number] } {
  const gx = Math.min(groups, 65535);
  return { groups: [gx, Math.ceil(groups / gx), 1] };
}

/**
 * Batch norm forward (Note [Batch norm on webgpu]): in training writes the batch mean and biased
 * variance into `mean`/`variance`, else reads them; writes `invstd` and `out`.
 *
 * @example
 * batchNorm(rt, x, w, b, mean, variance, invstd, out, { training: true, eps: 1e-5 });
 */
export function batchNorm(
  rt: Runtime,
  x: TensorView,
  weight: TensorView | null,
  bias: TensorView | null,
  mean: TensorView,
  variance: TensorView,
  invstd: TensorView,
  out: TensorView,
  p: BatchNormParams,
): void {
  const g = geometry(x);
  if (g.M === 0 || g.C === 0) return;
  const affine = (o: ReturnType<typeof operands>) => `(${o.f('x', 'a')} - mean) * alpha${bias ? ` + ${o.f('b', 'c')}` : ''}`;
  const alpha = (o: ReturnType<typeof operands>) => `r${weight ? ` * ${o.f('w', 'c')}` : ''}`;
  if (!p.training) {
    const params = [g.C, g.HW, g.M * g.C, f32bits(p.eps)];
    const o = operands(params.length, [
      ['x', x, false],
      ['w', weight, false],
      ['b', bias, false],
      ['m', mean, false],
      ['v', variance, false],
      ['r', invstd, true],
      ['o', out, true],
    ]);
    params.push(...o.offsets);
    rt.run(
      `bnEval:${o.flags}:${o.b.key}`,
      () => `${PRELUDE}${o.b.decl}${entry1d()}
  let C = P[0]; let HW = P[1];
  let r0 = 1.0 / sqrt(${o.f('v', 'min(gid, C - 1u)')} + bitcast<f32>(P[3]));
  if (gid < C) { ${o.at('r', 'gid')} = bitcast<u32>(r0); }
  if (gid >= P[2]) { return; }
  let a = gid; let c = (gid / HW) % C;
  let mean = ${o.f('m', 'c')};
  let r = 1.0 / sqrt(${o.f('v', 'c')} + bitcast<f32>(P[3]));
  let alpha = ${alpha(o)};
  ${o.at('o', 'a')} = bitcast<u32>(${affine(o)});
}`,
      o.b,
      params,
      { threads: Math.max(g.M * g.C, g.C), wg: WG },
    );
    return;
  }
  const stats = (o: ReturnType<typeof operands>) => `  if (s == 0u && lid == 0u) {
    ${o.at('m', 'c')} = bitcast<u32>(mean); ${o.at('v', 'c')} = bitcast<u32>(vr); ${o.at('r', 'c')} = bitcast<u32>(r);
  }
  let alpha = ${alpha(o)};
${walk(`      ${o.at('o', 'a')} = bitcast<u32>(${affine(o)});`)}
}`;
  const local = (o: ReturnType<typeof operands>) => `  var acc = 0.0;
${walk(`      acc = acc + ${o.f('x', 'a')};`)}
  let cnt = f32(j1 - min(j0, j1));
  let mean = red2(lid, acc, 0.0).x / cnt;
  var sq = 0.0;
${walk(`      let d = ${o.f('x', 'a')} - mean; sq = sq + d * d;`)}
  let m2 = red2(lid, sq, 0.0).x;`;
  if (g.S === 1) {
    const params = head(g, 1, p.eps);
    const o = operands(params.length, [
      ['x', x, false],
      ['w', weight, false],
      ['b', bias, false],
      ['m', mean, true],
      ['v', variance, true],
      ['r', invstd, true],
      ['o', out, true],
    ]);
    params.push(...o.offsets);
    rt.run(
      `bnTrain:${o.flags}:${o.b.key}`,
      () => `${PRELUDE}${o.b.decl}${REDUCE}${ENTRY}
${local(o)}
  let vr = m2 / f32(M);
  let r = 1.0 / sqrt(vr + eps);
${stats(o)}`,
      o.b,
      params,
      dispatch(g.C),
    );
    return;
  }
  // pass 1: (count, mean, M2) of each segment
  const tmp = rt.allocate(g.C * g.S * 3);
  const p1 = head(g, g.S, p.eps);
  const o1 = operands(p1.length, [
    ['x', x, false],
    ['t', tmp, true],
  ]);
  p1.push(...o1.offsets);
  rt.run(
    `bnPart:${o1.b.key}`,
    () => `${PRELUDE}${o1.b.decl}${REDUCE}${ENTRY}
${local(o1)}
  if (lid == 0u) {
    let q = (c * S + s) * 3u;
    ${o1.at('t', 'q')} = bitcast<u32>(cnt); ${o1.at('t', 'q + 1u')} = bitcast<u32>(mean); ${o1.at('t', 'q + 2u')} = bitcast<u32>(m2);
  }
}`,
    o1.b,
    p1,
    dispatch(g.C * g.S),
  );
  // pass 2: every thread merges the channel's partials in order, then applies its segment
  const p2 = head(g, g.S, p.eps);
  const o2 = operands(p2.length, [
    ['x', x, false],
    ['t', tmp, false],
    ['w', weight, false],
    ['b', bias, false],
    ['m', mean, true],
    ['v', variance, true],
    ['r', invstd, true],
    ['o', out, true],
  ]);
  p2.push(...o2.offsets);
  rt.run(
    `bnApply:${o2.flags}:${o2.b.key}`,
    () => `${PRELUDE}${o2.b.decl}${ENTRY}
  var sum = 0.0;
  for (var k = 0u; k < S; k++) {
    let q = (c * S + k) * 3u;
    if (${o2.f('t', 'q')} > 0.0) { sum = sum + ${o2.f('t', 'q')} * ${o2.f('t', 'q + 1u')}; }
  }
  let mean = sum / f32(M);
  var m2 = 0.0;
  for (var k = 0u; k < S; k++) {
    let q = (c * S + k) * 3u;
    let dm = ${o2.f('t', 'q + 1u')} - mean;
    if (${o2.f('t', 'q')} > 0.0) { m2 = m2 + ${o2.f('t', 'q + 2u')} + ${o2.f('t', 'q')} * dm * dm; }
  }
  let vr = m2 / f32(M);
  let r = 1.0 / sqrt(vr + eps);
${stats(o2)}`,
    o2.b,
    p2,
    dispatch(g.C * g.S),
  );
  rt.free(tmp);
}

/**
 * Batch norm backward (Note [Batch norm on webgpu]): `gradIn`, `gradWeight`, `gradBias` where not null.
 *
 * @example
 * batchNormBackward(rt, g, x, w, mean, invstd, gx, gw, gb, { training: true, eps: 1e-5 });
 */
export function batchNormBackward(
  rt: Runtime,
  g: TensorView,
  x: TensorView,
  weight: TensorView | null,
  mean: TensorView,
  invstd: TensorView,
  gradIn: TensorView | null,
  gradWeight: TensorView | null,
  gradBias: TensorView | null,
  p: BatchNormParams,
): void {
  const geo = geometry(x);
  if (geo.C === 0 || geo.M === 0) return; // the op layer passes non-empty tensors
  // the weight matters to gradIn only (an unused binding would not match an automatic layout)
  const wt = gradIn ? weight : null;
  const needSums = gradWeight !== null || gradBias !== null || (gradIn !== null && p.training);
  const wr = (o: ReturnType<typeof operands>) => `${o.f('r', 'c')}${wt ? ` * ${o.f('w', 'c')}` : ''}`;
  if (!needSums) {
    if (!gradIn || geo.M === 0) return;
    const params = [geo.C, geo.HW, geo.M * geo.C];
    const o = operands(params.length, [
      ['g', g, false],
      ['w', wt, false],
      ['r', invstd, false],
      ['gi', gradIn, true],
    ]);
    params.push(...o.offsets);
    rt.run(
      `bnBwdEval:${o.flags}:${o.b.key}`,
      () => `${PRELUDE}${o.b.decl}${entry1d()}
  if (gid >= P[2]) { return; }
  let a = gid; let c = (gid / P[1]) % P[0];
  ${o.at('gi', 'a')} = bitcast<u32>(${o.f('g', 'a')} * (${wr(o)}));
}`,
      o.b,
      params,
      { threads: geo.M * geo.C, wg: WG },
    );
    return;
  }
  const ops = (
    extra: Array<[string, TensorView | GpuBuf | null, boolean]>,
    data = true,
  ): Array<[string, TensorView | GpuBuf | null, boolean]> => [
    ['g', data ? g : null, false],
    ['x', data ? x : null, false],
    ['w', wt, false],
    ['m', mean, false],
    ['r', invstd, false],
    ...extra,
    ['gi', gradIn, true],
    ['gw', gradWeight, true],
    ['gb', gradBias, true],
  ];
  // with the channel's sums sg and dot known: gradients of weight and bias, then gradIn over [j0, j1)
  const finish = (o: ReturnType<typeof operands>) => `  let mu = ${o.f('m', 'c')};
  let r = ${o.f('r', 'c')};
  if (s == 0u && lid == 0u) {
${gradWeight ? `    ${o.at('gw', 'c')} = bitcast<u32>(dot * r);\n` : ''}${gradBias ? `    ${o.at('gb', 'c')} = bitcast<u32>(sg);\n` : ''}  }
${
  gradIn
    ? `  let wr = ${wr(o)};
  let k = dot * r * r / f32(M);
  let mg = sg / f32(M);
${walk(
  p.training
    ? `      ${o.at('gi', 'a')} = bitcast<u32>((${o.f('g', 'a')} - mg - (${o.f('x', 'a')} - mu) * k) * wr);`
    : `      ${o.at('gi', 'a')} = bitcast<u32>(${o.f('g', 'a')} * wr);`,
)}`
    : ''
}
}`;
  const sums = (o: ReturnType<typeof operands>) => `  let mu0 = ${o.f('m', 'c')};
  var ag = 0.0; var ad = 0.0;
${walk(`      let gv = ${o.f('g', 'a')}; ag = ag + gv; ad = ad + (${o.f('x', 'a')} - mu0) * gv;`)}
  let tot = red2(lid, ag, ad);`;
  const mode = p.training ? 'train' : 'eval';
  if (geo.S === 1) {
    const params = head(geo, 1, 0);
    const o = operands(params.length, ops([]));
    params.push(...o.offsets);
    rt.run(
      `bnBwd:${mode}:${o.flags}:${o.b.key}`,
      () => `${PRELUDE}${o.b.decl}${REDUCE}${ENTRY}
${sums(o)}
  let sg = tot.x; let dot = tot.y;
${finish(o)}`,
      o.b,
      params,
      dispatch(geo.C),
    );
    return;
  }
  const tmp = rt.allocate(geo.C * geo.S * 2);
  const p1 = head(geo, geo.S, 0);
  const o1 = operands(p1.length, [
    ['g', g, false],
    ['x', x, false],
    ['m', mean, false],
    ['t', tmp, true],
  ]);
  p1.push(...o1.offsets);
  rt.run(
    `bnBwdPart:${o1.b.key}`,
    () => `${PRELUDE}${o1.b.decl}${REDUCE}${ENTRY}
${sums(o1)}
  if (lid == 0u) { let q = (c * S + s) * 2u; ${o1.at('t', 'q')} = bitcast<u32>(tot.x); ${o1.at('t', 'q + 1u')} = bitcast<u32>(tot.y); }
}`,
    o1.b,
    p1,
    dispatch(geo.C * geo.S),
  );
  // pass 2: sums of the partials in order; one workgroup per channel when only weight/bias gradients are asked for
  const D = gradIn ? geo.S : 1;
  const p2 = head(geo, D, 0);
  const o2 = operands(p2.length, ops([['t', tmp, false]], gradIn !== null));
  p2.push(...o2.offsets);
  rt.run(
    `bnBwdApply:${mode}:${o2.flags}:${o2.b.key}`,
    () => `${PRELUDE}${o2.b.decl}${ENTRY}
  var sg = 0.0; var dot = 0.0;
  for (var k = 0u; k < S; k++) { let q = (c * S + k) * 2u; sg = sg + ${o2.f('t', 'q')}; dot = dot + ${o2.f('t', 'q + 1u')}; }
${finish(o2)}`,
    o2.b,
    p2,
    dispatch(geo.C * D),
  );
  rt.free(tmp);
}
