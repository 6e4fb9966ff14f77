import { PRELUDE } from '../wgsl.js';

/**
 * Note [Row kernels]
 * The fused softmax and layer-norm kernels reduce "rows" (softmax: the `n` elements along its
 * dim, `inner` apart; layer norm: `D` contiguous elements) and then write each row. Two forms,
 * chosen per call from the row length (the choice is part of the pipeline key):
 * - `thread`: one thread per row walks it alone (short rows, e.g. 64 logits rows of 10): no
 *   barriers, which cost most on software Vulkan (Note [Contiguous-row reductions]).
 * - `group`: one workgroup of {@link ROW_WG} threads per row (rows of {@link GROUP_FROM} or more):
 *   thread `t` reads elements t, t + WG, … (neighbouring threads read neighbouring words) and
 *   the partials meet in a shared-memory tree (`wsum` / `wmax`).
 * Both forms are written once: the body calls `wsum(v)` / `wmax(v)`, which the thread form
 * defines as the identity, and walks `j = T0; j < n; j += TS`. Sums accumulate in float32 (the
 * cpu backend's in float64: results agree to float32 rounding of the sums). Row maxima propagate
 * NaN (`fmax_nan`).
 */
export const ROW_WG = 128;
/** Row length from which a workgroup shares each row. */
export const GROUP_FROM = 256;

/** Which form a row of `n` elements takes. */
export function rowForm(n: number): 'thread' | 'group' {
  return n >= GROUP_FROM ? 'group' : 'thread';
}

/**
 * WGSL before the entry point (PRELUDE, the bindings, `wsum` / `wmax`) and the entry point's
 * opening lines defining `row` (with `P[0]` rows: out-of-range rows return), `T0` (this thread's
 * first element) and `TS` (its step).
 */
export function rowHead(form: 'thread' | 'group', decl: string): string {
  if (form === 'thread') {
    return `${PRELUDE}${decl}
fn wsum(v: f32) -> f32 { return v; }
fn wmax(v: f32) -> f32 { return v; }
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = (wid.y * nwg.x + wid.x) * 64u + lid;
  if (row >= P[0]) { return; }
  let T0 = 0u;
  let TS = 1u;
`;
  }
  return `${PRELUDE}${decl}
var<workgroup> RED: array<f32, ${ROW_WG}>;
var<private> LID: u32;
fn wsum(v: f32) -> f32 {
  RED[LID] = v;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s = s >> 1u) {
    if (LID < s) { RED[LID] = RED[LID] + RED[LID + s]; }
    workgroupBarrier();
  }
  let r = RED[0];
  workgroupBarrier();
  return r;
}
fn wmax(v: f32) -> f32 {
  RED[LID] = v;
  workgroupBarrier();
  for (var s = ${ROW_WG / 2}u; s > 0u; s = s >> 1u) {
    if (LID < s) { RED[LID] = fmax_nan(RED[LID], RED[LID + s]); }
    workgroupBarrier();
  }
  let r = RED[0];
  workgroupBarrier();
  return r;
}
@compute @workgroup_size(${ROW_WG})
fn main(@builtin(workgroup_id) wid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
  let row = wid.y * nwg.x + wid.x;
  if (row >= P[0]) { return; }
  LID = lid;
  let T0 = lid;
  let TS = ${ROW_WG}u;
`;
}

/** The dispatch of `rows` rows in `form`. */
export function rowGrid(form: 'thread' | 'group', rows: number): { threads: number; wg: number } {
  return form === 'thread' ? { threads: rows, wg: 64 } : { threads: rows * ROW_WG, wg: ROW_WG };
}
