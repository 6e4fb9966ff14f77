/**
 * The WGSL float32 forms of issue 13's math primitives (Note [Float32 special functions in WGSL]
 * in kernels/math-extra.ts) against the cpu backend's float64 ones, over dense sweeps of each
 * function's domain, near its poles and zeros and at ±inf/NaN; and the composites (clamp with
 * tensor bounds, nanToNum, isclose) with their gradients on the device. PyTorch agreement on
 * random layouts is the differential test's (differential_math.py); this checks accuracy.
 * Without a WebGPU adapter the suite is skipped, unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { webgpu } from './index.js';
import { setupGpu } from './test-gpu.js';

const be = await setupGpu(webgpu);

function sweep(lo: number, hi: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.fround(lo + ((hi - lo) * i) / (n - 1)));
}
const EDGES = [0, -0, Infinity, -Infinity, NaN, 1, -1, 2, -2, 0.5, -0.5, 1e-30, -1e-30, 1e30, -1e30, 3e38, -3e38];

/** Worst error of webgpu vs cpu: |gpu - cpu| / (atol + rtol |cpu|), NaN/inf positions exact. */
async function worst(op: (x: dl.Tensor) => dl.Tensor, xs: number[], rtol: number, atol: number): Promise<{ err: number; at: number }> {
  const ref = op(dl.tensor(xs)).toArraySync() as number[];
  const got = (await op(dl.tensor(xs, { device: 'webgpu' })).toArray()) as number[];
  let err = 0;
  let at = NaN;
  got.forEach((g, i) => {
    const r = ref[i]!;
    let e: number;
    if (!Number.isFinite(r)) e = Object.is(g, r) || (Number.isNaN(g) && Number.isNaN(r)) ? 0 : Infinity;
    else e = Math.abs(g - r) / (atol + rtol * Math.abs(r));
    if (e > err) [err, at] = [e, xs[i]!];
  });
  return { err, at };
}

describe.runIf(be)('webgpu math primitives (issue 13)', () => {
  beforeAll(async () => {
    await dl.initBackend('webgpu');
  });
  afterAll(async () => {
    await webgpu.sync().catch(() => {});
    webgpu.destroy();
  });

  const CASES: [string, (x: dl.Tensor) => dl.Tensor, number[]][] = [
    ['asin', (x) => x.asin(), sweep(-1, 1, 2001)],
    ['acos', (x) => x.acos(), sweep(-1, 1, 2001)],
    ['atan', (x) => x.atan(), sweep(-50, 50, 2001)],
    ['sinh', (x) => x.sinh(), [...sweep(-89, 89, 2001), ...sweep(-1e-3, 1e-3, 101)]],
    ['cosh', (x) => x.cosh(), sweep(-89, 89, 2001)],
    ['asinh', (x) => x.asinh(), [...sweep(-1e4, 1e4, 2001), ...sweep(-1e-3, 1e-3, 101), 1e20, -1e20]],
    ['acosh', (x) => x.acosh(), [...sweep(1, 1e4, 2001), ...sweep(1, 1.01, 101), 1e20]],
    ['atanh', (x) => x.atanh(), [...sweep(-1, 1, 2001), ...sweep(-1e-3, 1e-3, 101)]],
    ['log2', (x) => x.log2(), [...sweep(1e-3, 1e4, 2001), 1e-30, 1e30]],
    ['log10', (x) => x.log10(), [...sweep(1e-3, 1e4, 2001), 1e-30, 1e30]],
    ['exp2', (x) => x.exp2(), sweep(-126, 127, 2001)],
    ['erfc', (x) => x.erfc(), sweep(-6, 10, 2001)],
    ['erfinv', (x) => x.erfinv(), [...sweep(-1, 1, 2001), 0.999999, -0.999999, 0.9999999]],
    ['lgamma', (x) => x.lgamma(), [...sweep(-20.25, 40.25, 2411), ...sweep(1e-6, 1e-3, 51), 1e10, 1e30]],
    ['digamma', (x) => x.digamma(), [...sweep(-20.25, 40.25, 2411), ...sweep(1e-6, 1e-3, 51), 1e10, 1e30]],
  ];
  // float32 tolerances: the differential test's (rtol 1e-4, atol 1e-5) with a margin under them
  for (const [name, op, xs] of CASES) {
    it(`${name} over its domain and at the edges is within float32 tolerance of the float64 cpu form`, async () => {
      const { err, at } = await worst(op, [...xs, ...EDGES], 5e-5, 5e-6);
      expect(err, `${name}: worst error ${err} (in units of the tolerance) at x = ${at}`).toBeLessThanOrEqual(1);
    });
  }

  it('binary math: hypot, logaddexp(2), xlogy, copysign, fmod against cpu', async () => {
    const a = [...sweep(-30, 30, 301), ...EDGES];
    const b = a.map((v, i) => (i % 3 === 0 ? -v * 0.37 : Math.fround(v + 1.25)));
    for (const [name, f] of [
      ['hypot', dl.hypot],
      ['logaddexp', dl.logaddexp],
      ['logaddexp2', dl.logaddexp2],
      ['xlogy', dl.xlogy],
      ['copysign', dl.copysign],
      ['fmod', dl.fmod],
    ] as const) {
      const ref = f(dl.tensor(a), dl.tensor(b)).toArraySync() as number[];
      const got = (await f(dl.tensor(a, { device: 'webgpu' }), dl.tensor(b, { device: 'webgpu' })).toArray()) as number[];
      got.forEach((g, i) => {
        const r = ref[i]!;
        const msg = `${name}(${a[i]}, ${b[i]}): webgpu ${g}, cpu ${r}`;
        if (!Number.isFinite(r)) expect(Number.isNaN(r) ? Number.isNaN(g) : g === r, msg).toBe(true);
        else expect(Math.abs(g - r), msg).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(r));
      });
    }
  });

  it('bitwise ops and shifts on int32, uint8 and bool', async () => {
    const i = [5, -6, 12, 2147483647, -2147483648, 0];
    const s = [1, 3, 31, 32, 33, 0];
    const on = (v: number[], dtype: 'int32' | 'uint8') => dl.tensor(v, { dtype, device: 'webgpu' });
    expect(await on(i, 'int32').bitwiseAnd(on(s, 'int32')).toArray()).toEqual(
      dl
        .tensor(i, { dtype: 'int32' })
        .bitwiseAnd(dl.tensor(s, { dtype: 'int32' }))
        .toArraySync(),
    );
    expect(await on(i, 'int32').bitwiseXor(-1).toArray()).toEqual(i.map((v) => ~v));
    expect(await on(i, 'int32').bitwiseLeftShift(on(s, 'int32')).toArray()).toEqual(i.map((v, k) => v << s[k]!));
    expect(await on(i, 'int32').bitwiseRightShift(on(s, 'int32')).toArray()).toEqual(i.map((v, k) => v >> s[k]!));
    expect(await on([200, 1], 'uint8').bitwiseLeftShift(3).toArray()).toEqual([64, 8]);
    expect(await on([1, 0], 'uint8').bitwiseNot().toArray()).toEqual([254, 255]);
    expect(await dl.tensor([true, false], { device: 'webgpu' }).bitwiseNot().toArray()).toEqual([false, true]);
    expect(await dl.signbit(dl.tensor([-0, 0, -1, NaN], { device: 'webgpu' })).toArray()).toEqual([true, false, true, false]);
  });

  it('clamp with tensor bounds, nanToNum and fmax: values and gradients on the device', async () => {
    const x = dl.tensor([0.5, -1, 3, NaN], { device: 'webgpu', requiresGrad: true });
    const lo = dl.tensor([0, 0, 0, 0], { device: 'webgpu', requiresGrad: true });
    const hi = dl.tensor([1, -2, 2, 1], { device: 'webgpu', requiresGrad: true });
    const y = x.clamp(lo, hi);
    expect(await y.toArray()).toEqual([0.5, -2, 2, NaN]);
    y.sum().backward();
    expect(await x.grad!.toArray()).toEqual([1, 0, 0, 0]);
    expect(await lo.grad!.toArray()).toEqual([0, 0, 0, 0]);
    expect(await hi.grad!.toArray()).toEqual([0, 1, 1, 0]);
    const z = dl.tensor([NaN, Infinity, -Infinity, 1], { device: 'webgpu', requiresGrad: true });
    const n = z.nanToNum({ posinf: 100 });
    expect(await n.toArray()).toEqual([0, 100, -3.4028234663852886e38, 1]);
    n.sum().backward();
    expect(await z.grad!.toArray()).toEqual([0, 0, 0, 1]);
    expect(await dl.fmax(dl.tensor([1, NaN, NaN], { device: 'webgpu' }), dl.tensor([NaN, 2, NaN], { device: 'webgpu' })).toArray()).toEqual(
      [1, 2, NaN],
    );
    expect(
      await dl.isclose(dl.tensor([1, Infinity], { device: 'webgpu' }), dl.tensor([1.000001, Infinity], { device: 'webgpu' })).toArray(),
    ).toEqual([true, true]);
  });

  it("digamma's gradient (trigamma, a composite) and lgamma's on the device match cpu", async () => {
    const xs = [0.3, 2.5, -1.5, 7.25, 40];
    for (const f of [(t: dl.Tensor) => t.digamma(), (t: dl.Tensor) => t.lgamma()]) {
      const c = dl.tensor(xs, { requiresGrad: true });
      f(c).sum().backward();
      const g = dl.tensor(xs, { device: 'webgpu', requiresGrad: true });
      f(g).sum().backward();
      const ref = c.grad!.toArraySync() as number[];
      ((await g.grad!.toArray()) as number[]).forEach((v, i) =>
        expect(Math.abs(v - ref[i]!)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(ref[i]!)),
      );
    }
  });
});

if (!be) it.skip('math primitives on webgpu [skipped: no WebGPU adapter; run scripts/setup-webgpu.sh]', () => {});
