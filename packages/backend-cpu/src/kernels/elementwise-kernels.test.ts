import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_DTYPES, BINARY, COMPARE, FAST_COMPARE, UNARY } from './elementwise-exprs.js';
import {
  BINARY_ROWS,
  CAST_LOOPS,
  COMPARE_LOOPS,
  COMPARE_ROWS,
  COMPARE_SCALAR_LOOPS,
  OTHER_ROWS,
  UNARY_ROWS,
} from './elementwise-kernels.generated.js';

/** The generator (a plain .mjs build script, imported by URL: it is outside this package's sources). */
interface Generator {
  REGENERATE: string;
  generatedFiles(): [path: string, text: string][];
}
const GENERATOR = new URL('../../../../scripts/gen-cpu-kernels.mjs', import.meta.url).href;

describe('generated elementwise kernels (Note [Generated inner loops])', () => {
  it('the generated files (these kernels, the GEMM worker module) are what their sources generate', async () => {
    const { REGENERATE, generatedFiles } = (await import(/* @vite-ignore */ GENERATOR)) as Generator;
    const files = generatedFiles();
    expect(files.map(([p]) => p)).toEqual([
      'packages/backend-cpu/src/kernels/elementwise-kernels.generated.ts',
      'packages/backend-cpu/src/wasm/gemm-worker.js',
    ]);
    for (const [path, text] of files) {
      const committed = readFileSync(new URL(`../../../../${path}`, import.meta.url), 'utf8');
      if (committed !== text)
        expect.fail(`${path} is out of date with its sources: run \`${REGENERATE}\` at the repository root and commit the result`);
    }
  });

  it('has one real function per op (and per dtype where the loop is per dtype)', () => {
    expect(Object.keys(UNARY_ROWS)).toEqual(Object.keys(UNARY));
    expect(Object.keys(COMPARE_ROWS)).toEqual(Object.keys(COMPARE));
    expect(Object.keys(BINARY_ROWS)).toEqual(Object.keys(BINARY));
    const fns = new Set<unknown>([...Object.values(UNARY_ROWS), ...Object.values(COMPARE_ROWS), ...Object.values(OTHER_ROWS)]);
    for (const op of Object.keys(BINARY) as (keyof typeof BINARY)[]) {
      expect(Object.keys(BINARY_ROWS[op])).toEqual(ALL_DTYPES);
      for (const d of ALL_DTYPES) fns.add(BINARY_ROWS[op][d]);
    }
    for (const s of ALL_DTYPES) {
      expect(Object.keys(CAST_LOOPS[s])).toEqual(ALL_DTYPES.filter((d) => d !== s));
      for (const f of Object.values(CAST_LOOPS[s])) fns.add(f);
    }
    for (const op of Object.keys(FAST_COMPARE) as (keyof typeof COMPARE_LOOPS)[]) {
      for (const d of ALL_DTYPES) fns.add(COMPARE_LOOPS[op][d]).add(COMPARE_SCALAR_LOOPS[op][d]);
    }
    // distinct functions, not one closure shared by several ops or dtypes (monomorphic loops)
    const n =
      Object.keys(UNARY).length +
      Object.keys(COMPARE).length +
      3 +
      Object.keys(BINARY).length * ALL_DTYPES.length +
      ALL_DTYPES.length * (ALL_DTYPES.length - 1) +
      Object.keys(FAST_COMPARE).length * ALL_DTYPES.length * 2;
    expect(fns.size).toBe(n);
    for (const f of fns) expect(typeof f).toBe('function');
  });

  it('rows walk strided operands', () => {
    const a = new Float32Array([1, -2, 3, -4, 5, -6]);
    const o = new Float32Array(6).fill(9);
    UNARY_ROWS.abs(3, o, 1, 2, a, 5, -2); // o[1], o[3], o[5] = |a[5]|, |a[3]|, |a[1]|
    expect([...o]).toEqual([9, 6, 9, 4, 9, 2]);
    const b = new Float32Array([10]);
    BINARY_ROWS.sub.float32(3, o, 0, 1, a, 0, 2, b, 0, 0); // broadcast scalar b
    expect([...o.subarray(0, 3)]).toEqual([-9, -7, -5]);
    const c = new Uint8Array([1, 0, 1]);
    OTHER_ROWS.where(3, o, 0, 1, c, 0, 1, a, 0, 1, b, 0, 0);
    expect([...o.subarray(0, 3)]).toEqual([1, 10, 3]);
  });

  it('integer dtypes get their own expressions', () => {
    const big = new Int32Array([2 ** 20 + 3, -7, 7]);
    const y = new Int32Array([2 ** 20 + 5, 2, -2]);
    const o = new Int32Array(3);
    BINARY_ROWS.mul.int32(3, o, 0, 1, big, 0, 1, y, 0, 1);
    expect([...o]).toEqual([Math.imul(2 ** 20 + 3, 2 ** 20 + 5), -14, -14]); // wraps as torch's int32
    BINARY_ROWS.remainder.int32(3, o, 0, 1, big, 0, 1, y, 0, 1);
    expect([...o.subarray(1)]).toEqual([1, -1]); // Python's sign rule: -7 % 2 = 1, 7 % -2 = -1
    BINARY_ROWS.fmod.int32(3, o, 0, 1, big, 0, 1, y, 0, 1);
    expect([...o.subarray(1)]).toEqual([-1, 1]); // C's: the sign of the dividend
  });

  it('contiguous fast loops compare against a tensor or a scalar and cast', () => {
    const a = new Float64Array([1, 2, 3, NaN]);
    const b = new Float64Array([2, 2, 2, 2]);
    const o = new Uint8Array(4);
    COMPARE_LOOPS.ge.float64(4, o, 0, a, 0, b, 0);
    expect([...o]).toEqual([0, 1, 1, 0]);
    COMPARE_SCALAR_LOOPS.ne.float64(4, o, 0, a, 0, b, 1);
    expect([...o]).toEqual([1, 0, 1, 1]);
    const i = new Int32Array(4);
    CAST_LOOPS.float64.int32!(4, i, 0, new Float64Array([1.9, -1.9, 2 ** 31, 0]), 0);
    expect([...i]).toEqual([1, -1, -(2 ** 31), 0]);
    CAST_LOOPS.float64.bool!(4, o, 0, a, 0);
    expect([...o]).toEqual([1, 1, 1, 1]); // NaN is true, as torch
  });
});
