import type { DeviceCheck, TensorView } from '@dl/tensor/backend';
import { reportCode } from '../device-errors.js';
import { bind, f32bits, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE, WG } from '../wgsl.js';
import { numelOf, stridedCode, stridedParams } from './strided.js';

/**
 * Note [Device value checks]
 * `Backend.check` lets the op layer validate values it cannot read synchronously (oneHot labels,
 * BCE probabilities, advanced-indexing indices against their own dims, float → int casts): the
 * check becomes an error at the next read, like the index checks of gather/scatter (Note
 * [Deferred GPU errors]), with the op layer's own error (the cpu message) built from the value.
 * PyTorch (and dl on cpu) reports the *first* bad element, so the check is two dispatches that
 * share the fourth error word as scratch:
 *  1. one thread per element: a bad element (NaN always bad; bounds and `allow` compared as f32 or i32) does
 *     `atomicMax(scratch, ~i)`, so scratch ends as `~(smallest bad flat index)`, 0 when none;
 *  2. one thread: if scratch is non-zero it clears it, reads that element again and reports it
 *     (value bits, flat index) for the check's site, unless an earlier error is already recorded.
 * The scratch word is 0 between checks (the pass-2 clear, and every capture clears all words).
 */
export function check(rt: Runtime, x: TensorView, c: DeviceCheck): void {
  const n = numelOf(x.shape);
  if (n === 0) return;
  const float = x.dtype === 'float32';
  const rank = x.shape.length;
  const b = bind([{ buf: x.buffer as GpuBuf }, rt.errors.binding()]);
  const [X, E] = b.names as [string, string];
  const params = stridedParams(x.shape, [x]);
  const pi = params.length;
  const allow = c.allow !== undefined;
  params.push(float ? f32bits(c.lo) : c.lo | 0, float ? f32bits(c.hi) : c.hi | 0, rt.errors.checkSite(c, float ? 'f32' : 'i32'));
  if (allow) params.push(float ? f32bits(c.allow!) : c.allow! | 0);
  const t = float ? 'f32' : 'i32';
  const value = float ? `bitcast<f32>(${X}[o0])` : x.dtype === 'int32' ? `bitcast<i32>(${X}[o0])` : `i32(${X}[o0])`;
  const lo = `bitcast<${t}>(P[${pi}])`;
  const hi = `bitcast<${t}>(P[${pi + 1}])`;
  const inRange = `(v ${c.loOpen ? '>' : '>='} ${lo}) && (v ${c.hiOpen ? '<' : '<='} ${hi})${float ? ' && !isnan_f(v)' : ''}`;
  const ok = allow ? `(${inRange}) || v == bitcast<${t}>(P[${pi + 3}])` : inRange;
  const mode = `${c.loOpen ? 'o' : 'c'}${c.hiOpen ? 'o' : 'c'}${allow ? 'a' : ''}`;
  rt.run(
    `check1:${x.dtype}:${mode}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}${entry1d()}
${stridedCode(rank, 1)}
  let v = ${value};
  if (!(${ok})) { atomicMax(&${E}[3], ~gid); }
}`,
    b,
    params,
    { threads: n, wg: WG },
  );
  rt.run(
    `check2:${x.dtype}:${rank}:${b.key}`,
    () => `${PRELUDE}${b.decl}@compute @workgroup_size(1)
fn main() {
  let m = atomicLoad(&${E}[3]);
  if (m == 0u) { return; }
  atomicStore(&${E}[3], 0u);
  let gid = ~m;
${stridedCode(rank, 1)}
  let v = ${value};
  ${reportCode(E, `P[${pi + 2}]`, 'v', 'gid')}
}`,
    b,
    params,
    { groups: [1, 1, 1] },
  );
}
