/**
 * Contiguous-row float32 reductions (Note [Contiguous-row reductions]) against a float64 host
 * reference: full reductions past a million elements (two passes), trailing / inner axes with
 * many outputs (a thread per row) and with few (two passes), offsets, NaN and ±inf propagation,
 * and layouts that keep the general kernels (leading and middle axes, strided rows). Skipped
 * without a WebGPU adapter unless DL_REQUIRE_WEBGPU=1.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { close, contiguousStrides, download, empty, f32, setupGpu, upload } from './test-gpu.js';

const be = await setupGpu();
afterAll(() => be?.destroy());

function values(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return f32((s / 2147483648) * 2 - 1);
  });
}

/** Reference reduction of row-major `x` (`shape`) over `axes`, in float64, keepdim order. */
function ref(op: ReduceOp, x: readonly number[], shape: readonly number[], axes: readonly number[]): number[] {
  const outShape = shape.map((s, d) => (axes.includes(d) ? 1 : s));
  const nOut = outShape.reduce((a, b) => a * b, 1);
  const init = op === 'prod' ? 1 : op === 'max' ? -Infinity : op === 'min' ? Infinity : 0;
  const acc = new Array<number>(nOut).fill(init);
  const ostr = contiguousStrides(outShape);
  for (let i = 0; i < x.length; i++) {
    let rem = i;
    let o = 0;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      if (!axes.includes(d)) o += c * ostr[d]!;
    }
    const a = acc[o]!;
    const v = x[i]!;
    acc[o] =
      op === 'sum'
        ? a + v
        : op === 'prod'
          ? a * v
          : Number.isNaN(a) || Number.isNaN(v)
            ? Number.NaN
            : op === 'max'
              ? Math.max(a, v)
              : Math.min(a, v);
  }
  return acc;
}

async function run(op: ReduceOp, shape: number[], axes: number[], xs: number[], offset = 0) {
  const gpu = be!;
  const buf = upload(gpu, 'float32', [...new Array<number>(offset).fill(7), ...xs]);
  const x: TensorView = { ...buf, shape, strides: contiguousStrides(shape), offset };
  const out = empty(
    gpu,
    'float32',
    shape.map((s, d) => (axes.includes(d) ? 1 : s)),
  );
  gpu.reduce(op, x, axes, out);
  return download(gpu, out);
}

describe.runIf(be)('contiguous-row reductions', () => {
  it('sum of 1M + 7 elements (two passes) and of 3M', async () => {
    for (const n of [(1 << 20) + 7, 3 << 20]) {
      const xs = values(n, n);
      const got = await run('sum', [n], [0], xs);
      expect(close(got, ref('sum', xs, [n], [0]), 1e-4, 2e-3)).toBeNull();
    }
  });

  const cases: Array<[string, number[], number[]]> = [
    ['trailing axis, many rows (a thread per row)', [600, 40], [1]],
    ['trailing axes, many rows', [520, 3, 7], [1, 2]],
    ['trailing axis, few long rows (two passes)', [3, 5000], [1]],
    ['inner axes around a kept outer one', [4, 3000, 2], [1, 2]],
    ['every axis of a 3-d tensor', [16, 33, 17], [0, 1, 2]],
    ['leading axis (general kernel)', [5000, 3], [0]],
    ['middle axis (general kernel)', [4, 3000, 2], [1]],
  ];
  for (const op of ['sum', 'max', 'min', 'prod'] as const)
    for (const [name, shape, axes] of cases)
      it(`${op}: ${name} ${JSON.stringify(shape)} over ${JSON.stringify(axes)}`, async () => {
        const n = shape.reduce((a, b) => a * b, 1);
        // prod of values near 1 so that long rows stay finite
        const xs = values(n, 11 + n).map((v) => (op === 'prod' ? f32(1 + v / 1024) : v));
        expect(close(await run(op, shape, axes, xs, 4), ref(op, xs, shape, axes), 1e-4, 1e-3)).toBeNull();
      });

  it('NaN and ±inf propagate to their own output only', async () => {
    const shape = [3, 4096];
    const xs = values(3 * 4096, 5);
    xs[100] = Number.NaN; // row 0
    xs[4096 + 3000] = Number.POSITIVE_INFINITY; // row 1
    xs[2 * 4096 + 5] = Number.NEGATIVE_INFINITY; // row 2
    xs[2 * 4096 + 4000] = Number.POSITIVE_INFINITY; // row 2: inf - inf
    const sum = await run('sum', shape, [1], xs);
    expect(sum[0]).toBeNaN();
    expect(sum[1]).toBe(Number.POSITIVE_INFINITY);
    expect(sum[2]).toBeNaN();
    const mx = await run('max', shape, [1], xs);
    expect(mx[0]).toBeNaN();
    expect(mx[1]).toBe(Number.POSITIVE_INFINITY);
    expect(mx[2]).toBe(Number.POSITIVE_INFINITY);
    const mn = await run('min', shape, [1], xs);
    expect(mn[0]).toBeNaN();
    expect(mn[2]).toBe(Number.NEGATIVE_INFINITY);
    const all = await run('sum', [3 * 4096], [0], xs);
    expect(all[0]).toBeNaN();
  });
});
