import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpuBackend, type MatmulImpl } from './index.js';
import { setNumThreads } from './wasm/index.js';

/**
 * Note [Fast-path fixtures]
 * PyTorch 1.13 values for cases sized to reach every cpu fast path through the public API
 * (`tools/fixtures/fast_path_fixtures.py` writes `fixtures/fast-paths.json.gz`; the nn/autograd/
 * optimizer half, which @dl/backend-cpu cannot import, is `packages/optim/src/fast-paths-torch.test.ts`).
 *
 * Inputs are not stored: both sides rebuild them from a 32-bit LCG in integer arithmetic
 * (`fixtureValues`), k/1024 values that are exact in float32, then special values and views
 * (narrow, transpose, expand, clone: a cloned input lives in the wasm heap, the others stay
 * zero-copy host arrays, so both the in-place and the staged wasm paths run).
 *
 * Tolerances: exact ops (elementwise, copies, compares, casts) must equal torch's float32 result
 * (NaN matches NaN; the sign of a zero is not compared: torch itself gives maximum(-0, 0) = 0 on
 * its vectorized path and -0 on its scalar one, and relu(-0) = -0 where dl gives 0). Reductions are compared with torch's
 * float64 result: |got - want| <= atol + rtol * |want|, rtol = 4u (u = 2^-24) and
 * atol = max(16 * torch's own float32 error on the case, 4u * sqrt(K) * max|want|), K the
 * reduction length: float32 rounding scaled by the reduction length, far below the error of a
 * wrong or missed element. Non-finite values must match exactly.
 *
 * Every case runs twice: with the fast paths as installed, checking also that the case reached
 * the seams it names (`paths`: `cpuBackend.fast.<name>` or the wasm GEMM returned true), and with
 * the fast seams emptied (the reference kernels). Run the file with `DL_CPU_WASM=0` as well: then
 * nothing is installed and the wasm heap is off, so both passes run the reference kernels
 * (CI runs it plain; `DL_CPU_WASM=0 npx vitest run src/fast-paths-torch.test.ts` by hand).
 */

interface InputSpec {
  shape: number[];
  seed: number;
  lo: number;
  hi: number;
  int?: boolean;
  specials?: Array<[number, number | string]>;
  views?: unknown[][];
}
interface OutputSpec {
  shape: number[];
  b64: string;
  atol: number;
  rtol: number;
}
interface Case {
  name: string;
  kind: string;
  args: Record<string, unknown>;
  inputs: Record<string, InputSpec>;
  outputs: Record<string, OutputSpec>;
  paths: string[];
}

/** The LCG of tools/fixtures/fast_path_fixtures.py: n integers in [lo, hi]. */
function fixtureValues(n: number, seed: number, lo: number, hi: number): Int32Array {
  const out = new Int32Array(n);
  const span = hi - lo + 1;
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = lo + ((s >>> 8) % span);
  }
  return out;
}

const SPECIAL: Record<string, number> = { nan: NaN, inf: Infinity, '-inf': -Infinity, '-0': -0 };

/** Build one input as the generator does: values, specials, then views. */
function fixtureInput(spec: InputSpec): Tensor {
  const n = spec.shape.reduce((x, y) => x * y, 1);
  const ks = fixtureValues(n, spec.seed, spec.lo, spec.hi);
  let t: Tensor;
  if (spec.int) t = dl.fromArray(ks, spec.shape);
  else {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) v[i] = ks[i]! / 1024;
    for (const [i, x] of spec.specials ?? []) v[i < 0 ? n + i : i] = typeof x === 'string' ? SPECIAL[x]! : x;
    t = dl.fromArray(v, spec.shape);
  }
  for (const [kind, ...a] of spec.views ?? []) {
    const args = a as never[];
    if (kind === 'narrow') t = t.narrow(args[0]!, args[1]!, args[2]!);
    else if (kind === 't') t = t.t();
    else if (kind === 'transpose') t = t.transpose(args[0]!, args[1]!);
    else if (kind === 'permute') t = t.permute(args[0]!);
    else if (kind === 'expand') t = t.expand(args[0]!);
    else if (kind === 'reshape') t = t.reshape(args[0]!);
    else if (kind === 'clone') t = t.clone();
    else throw new Error(`fixture view ${String(kind)}`);
  }
  return t;
}

/** Expected values: base64 of float32 byte planes (byte 0 of every element, then byte 1, …). */
function decode(b64: string): Float32Array {
  const planes = Buffer.from(b64, 'base64');
  const n = planes.length / 4;
  const bytes = new Uint8Array(planes.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) bytes[4 * i + k] = planes[k * n + i]!;
  return new Float32Array(bytes.buffer);
}

/** Compare one output; returns a description of the first mismatches, or '' when it matches. */
function mismatches(got: ArrayLike<number>, spec: OutputSpec): string {
  const want = decode(spec.b64);
  if (got.length !== want.length) return `length ${got.length}, want ${want.length}`;
  const exact = spec.atol === 0 && spec.rtol === 0;
  const bad: string[] = [];
  let count = 0;
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!,
      w = want[i]!;
    const ok = exact || !Number.isFinite(w) ? g === w || (g !== g && w !== w) : Math.abs(g - w) <= spec.atol + spec.rtol * Math.abs(w);
    if (!ok) {
      count++;
      if (bad.length < 5) bad.push(`[${i}] got ${Object.is(g, -0) ? '-0' : g}, want ${Object.is(w, -0) ? '-0' : w}`);
    }
  }
  return count ? `${count}/${want.length} differ (atol ${spec.atol}, rtol ${spec.rtol}): ${bad.join('; ')}` : '';
}

/** Wrap every fast seam of the cpu backend so a test can see which accepted a call. */
function watchFastPaths(): { taken: Set<string>; restore: () => void } {
  const taken = new Set<string>();
  const fast = cpuBackend.fast as Record<string, unknown>;
  const saved = { ...fast };
  for (const [k, f] of Object.entries(saved)) {
    if (typeof f !== 'function') continue;
    fast[k] = (...a: unknown[]) => {
      const r = (f as (...x: unknown[]) => unknown)(...a);
      if (r) taken.add(k);
      return r;
    };
  }
  const impls = [...cpuBackend.matmulImpls];
  cpuBackend.matmulImpls.splice(
    0,
    impls.length,
    ...impls.map(
      (f): MatmulImpl =>
        (a, b, o) => {
          const r = f(a, b, o);
          if (r) taken.add('matmul');
          return r;
        },
    ),
  );
  return {
    taken,
    restore: () => {
      for (const k of Object.keys(fast)) delete fast[k];
      Object.assign(fast, saved);
      cpuBackend.matmulImpls.splice(0, cpuBackend.matmulImpls.length, ...impls);
    },
  };
}

/** Empty the fast seams (the reference kernels run) until the returned function is called. */
function referenceKernelsOnly(): () => void {
  const fast = cpuBackend.fast as Record<string, unknown>;
  const saved = { ...fast };
  const impls = [...cpuBackend.matmulImpls];
  for (const k of Object.keys(fast)) delete fast[k];
  cpuBackend.matmulImpls.length = 0;
  return () => {
    Object.assign(fast, saved);
    cpuBackend.matmulImpls.push(...impls);
  };
}

type M = Record<string, (...a: unknown[]) => Tensor>;
const call = (t: Tensor, name: string, ...a: unknown[]): Tensor => (t as unknown as M)[name]!(...a);

function run(c: Case, x: Record<string, Tensor>): Record<string, Tensor> {
  const a = c.args as { op: string; inplace?: boolean; scalar?: number; dims?: number[] | null; keepdim?: boolean; dtype?: string };
  switch (c.kind) {
    case 'binary':
      return { out: a.inplace ? call(x.a!.clone(), `${a.op}_`, x.b!) : call(x.a!, a.op, x.b!) };
    case 'binaryScalar':
      return { out: call(x.a!, a.op, a.scalar!) };
    case 'unary':
      return { out: a.inplace ? call(x.a!.clone(), `${a.op}_`) : call(x.a!, a.op) };
    case 'compare':
      return { out: call(x.a!, a.op, x.b ?? a.scalar!).float() };
    case 'cast':
      return { out: x.a!.to({ dtype: a.dtype as 'int32' }) };
    case 'sum':
      return { out: a.dims == null ? x.a!.sum() : x.a!.sum(a.dims, { keepdim: a.keepdim ?? false }) };
    case 'mean':
      return { out: x.a!.mean(a.dims!) };
    case 'matmul':
      return { out: dl.matmul(x.a!, x.b!) };
    case 'contiguous':
      return { out: x.a!.contiguous() };
    default:
      throw new Error(`unknown fixture kind ${c.kind}`);
  }
}

const doc = JSON.parse(gunzipSync(readFileSync(new URL('./fixtures/fast-paths.json.gz', import.meta.url))).toString('utf8')) as {
  cases: Case[];
};
const wasmOn = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.DL_CPU_WASM !== '0';

describe.each(['fast paths', 'reference kernels'] as const)('tensor ops against PyTorch at fast-path sizes: %s', (mode) => {
  let watch: ReturnType<typeof watchFastPaths> | undefined;
  let restore: (() => void) | undefined;
  beforeAll(() => {
    setNumThreads(2); // the GEMM's worker split runs even on a one-core machine
    if (mode === 'fast paths') watch = watchFastPaths();
    else restore = referenceKernelsOnly();
  });
  afterAll(() => {
    watch?.restore();
    restore?.();
  });

  it('covers every kind of case the generator writes', () => {
    expect(new Set(doc.cases.map((c) => c.kind))).toEqual(
      new Set(['binary', 'binaryScalar', 'unary', 'compare', 'cast', 'sum', 'mean', 'matmul', 'contiguous']),
    );
  });

  it.each(doc.cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, fixtureInput(s)]));
    watch?.taken.clear();
    const outs = run(c, inputs);
    for (const [k, spec] of Object.entries(c.outputs)) {
      const t = outs[k]!;
      expect(t.shape, `${k} shape`).toEqual(spec.shape);
      expect(mismatches(t.dataSync() as ArrayLike<number>, spec), k).toBe('');
    }
    if (watch && wasmOn) for (const p of c.paths) expect(watch.taken.has(p), `reached fast.${p}`).toBe(true);
  });
});
