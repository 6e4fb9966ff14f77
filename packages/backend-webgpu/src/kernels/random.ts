import type { RandomDist, TensorView } from '@dl/tensor/backend';
import { bind, type GpuBuf, type Runtime } from '../runtime.js';
import { entry1d, PRELUDE, toWord, WG } from '../wgsl.js';

/** Philox4x32-10 in WGSL (Note [Philox stream] in @dl/tensor): 32×32→64 products via 16-bit halves. */
const PHILOX = /* wgsl */ `
fn mulhilo(a: u32, b: u32) -> vec2<u32> {
  let aLo = a & 0xffffu; let aHi = a >> 16u; let bLo = b & 0xffffu; let bHi = b >> 16u;
  let lolo = aLo * bLo; let lohi = aLo * bHi; let hilo = aHi * bLo; let hihi = aHi * bHi;
  let cross = (lolo >> 16u) + (lohi & 0xffffu) + (hilo & 0xffffu);
  return vec2<u32>(hihi + (lohi >> 16u) + (hilo >> 16u) + (cross >> 16u), a * b);
}
fn philox(c0: u32, c1: u32, k0: u32, k1: u32) -> vec4<u32> {
  var x = vec4<u32>(c0, c1, 0u, 0u);
  var key0 = k0; var key1 = k1;
  for (var r = 0; r < 10; r++) {
    let p0 = mulhilo(0xd2511f53u, x.x);
    let p1 = mulhilo(0xcd9e8d57u, x.z);
    x = vec4<u32>(p1.x ^ x.y ^ key0, p1.y, p0.x ^ x.w ^ key1, p0.y);
    key0 = key0 + 0x9e3779b9u; key1 = key1 + 0xbb67ae85u;
  }
  return x;
}
`;

export function random(rt: Runtime, out: TensorView, dist: RandomDist, key: readonly [number, number], offset: number): void {
  const n = out.shape.reduce((a, b) => a * b, 1);
  const b = bind([{ buf: out.buffer as GpuBuf, write: true }]);
  const lo = offset % 4294967296;
  const hi = Math.floor(offset / 4294967296);
  const value =
    dist === 'uniform'
      ? 'f32(w.x >> 8u) * 5.9604644775390625e-8'
      : `sqrt(-2.0 * log((f32(w.x >> 8u) + 1.0) * 5.9604644775390625e-8)) * cos(6.283185307179586 * (f32(w.y >> 8u) * 5.9604644775390625e-8))`;
  rt.run(
    `random:${dist}:${out.dtype}:${b.key}`,
    () => `${PRELUDE}${PHILOX}${b.decl}${entry1d()}
  if (gid >= P[0]) { return; }
  let c0 = P[1] + gid;
  let c1 = P[2] + select(0u, 1u, c0 < gid);
  let w = philox(c0, c1, P[3], P[4]);
  let v: f32 = ${value};
  ${b.names[0]}[P[5] + gid] = ${toWord('v', 'float32')};
}`,
    b,
    [n, lo, hi, key[0] >>> 0, key[1] >>> 0, out.offset],
    { threads: n, wg: WG },
  );
}
