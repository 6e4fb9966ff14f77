/**
 * Note [Trig range reduction] against torch 1.13: sin / cos / tan of float32 arguments from
 * 1e-30 to 3.4e38 (named large ones, floats nearest to multiples of pi/2, random ones) agree with
 * PyTorch's float32 results within a few ulps (fixtures/edge.json, from
 * tools/fixtures/webgpu_edge_fixtures.py).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { UnaryOp } from '@dl/tensor/backend';
import { download, empty, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());

type Num = number | 'NaN' | 'Infinity' | '-Infinity';
const num = (v: Num): number => (typeof v === 'number' ? v : Number(v));
const edge = JSON.parse(readFileSync(new URL('./fixtures/edge.json', import.meta.url), 'utf8')) as {
  trig: Record<'x' | 'sin' | 'cos' | 'tan', Num[]>;
};

/** Distance in float32 ulps (at the larger magnitude's binade; subnormal ulp for tiny values). */
function ulps(a: number, e: number): number {
  if (Number.isNaN(a) || Number.isNaN(e)) return Number.isNaN(a) && Number.isNaN(e) ? 0 : Infinity;
  if (a === e) return 0;
  const m = Math.max(Math.abs(a), Math.abs(e));
  const ulp = Math.max(2 ** (Math.floor(Math.log2(m)) - 23), 2 ** -149);
  return Math.abs(a - e) / ulp;
}

async function run(op: UnaryOp, xs: readonly number[]): Promise<number[]> {
  const gpu = be!;
  const x = upload(gpu, 'float32', xs);
  const out = empty(gpu, 'float32', [xs.length]);
  gpu.unary(op, x, out);
  return download(gpu, out);
}

describe.runIf(be)('webgpu sin / cos / tan: range reduction (vs torch float32)', () => {
  const xs = edge.trig.x.map(num);
  for (const op of ['sin', 'cos', 'tan'] as const) {
    it(`${op} of ${xs.length} arguments up to 3.4e38 within 4 ulps of torch (measured: 2, 2, 3 on lavapipe)`, async () => {
      const want = edge.trig[op].map(num);
      const got = await run(op, xs);
      const bad: string[] = [];
      got.forEach((g, i) => {
        // tan near an odd multiple of pi/2 is ill-conditioned only through its argument, which is exact here
        if (ulps(g, want[i]!) > 4) bad.push(`${op}(${xs[i]}) = ${g}, torch ${want[i]} (${ulps(g, want[i]!).toFixed(1)} ulps)`);
      });
      expect(bad).toEqual([]);
    });
  }

  it('named cases: 1e10, 1e20, 3e38, -1e10 (WGSL builtins are far off there)', async () => {
    const named = [1e3, 1e5, 1e10, 1e20, 3e38, -1e10];
    const idx = named.map((v) => xs.indexOf(Math.fround(v)));
    expect(idx.every((i) => i >= 0)).toBe(true);
    const s = await run('sin', named);
    const c = await run('cos', named);
    idx.forEach((i, k) => {
      expect(s[k]).toBeCloseTo(num(edge.trig.sin[i]!), 6);
      expect(c[k]).toBeCloseTo(num(edge.trig.cos[i]!), 6);
    });
  });

  it('inf gives NaN, NaN stays NaN, -0 keeps its sign for sin and tan', async () => {
    const got = await run('sin', [Infinity, -Infinity, NaN, -0]);
    expect(got.slice(0, 3).every(Number.isNaN)).toBe(true);
    expect(Object.is(got[3], -0)).toBe(true);
    const gt = await run('tan', [-0, Infinity]);
    expect(Object.is(gt[0], -0)).toBe(true);
    expect(Number.isNaN(gt[1])).toBe(true);
    expect(await run('cos', [0, -0])).toEqual([1, 1]);
  });
});
