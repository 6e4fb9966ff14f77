import type { Bound, Runtime } from '../runtime.js';

/**
 * Note [Matmul grid chunks]
 * WebGPU caps every grid dimension at `maxComputeWorkgroupsPerDimension` (65535 by default), and
 * the matmul grids grow with the data: x with N, y with M (a Linear layer over 2.2M rows), z with
 * batch × splits (70000 small products). The kernels add the workgroup offsets P[at], P[at+1],
 * P[at+2] (`at` = the length of `params`) to `workgroup_id` x, y, z, and the grid is dispatched in
 * chunks of at most the limit per dimension, each chunk with its own offsets (same pipeline; one
 * dispatch when nothing exceeds). `tail` words follow the offsets.
 *
 * @example
 * runChunked(rt, key, code, b, params, [Math.ceil(N / 32), Math.ceil(M / 32), B]); // params gain 3 words
 */
export function runChunked(
  rt: Runtime,
  key: string,
  code: () => string,
  b: Bound,
  params: readonly number[],
  groups: [number, number, number],
  tail: readonly number[] = [],
): void {
  const L = rt.limits.maxComputeWorkgroupsPerDimension;
  const [gx, gy, gz] = groups;
  for (let z0 = 0; z0 < gz; z0 += L)
    for (let y0 = 0; y0 < gy; y0 += L)
      for (let x0 = 0; x0 < gx; x0 += L)
        rt.run(key, code, b, [...params, x0, y0, z0, ...tail], {
          groups: [Math.min(L, gx - x0), Math.min(L, gy - y0), Math.min(L, gz - z0)],
        });
}
