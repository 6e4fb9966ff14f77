import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import * as dl from '../everything.js';
import type { Tensor } from '../tensor.js';

/**
 * Note [Fast-path fixtures]
 * PyTorch 1.13 values for cases sized to reach a backend's fast paths through the public API
 * (`tools/fixtures/fast_path_fixtures.py`; the tests are `fast-paths-torch.test.ts` in
 * packages/backend-cpu, for tensor ops, and packages/optim, for nn layers, autograd and
 * optimizers, which @dl/backend-cpu cannot import).
 *
 * Inputs are not stored: both sides rebuild them from a 32-bit LCG in integer arithmetic
 * ({@link fastPathValues}), k/1024 values exact in float32, then special values, then views
 * (narrow, transpose, permute, expand, reshape, float64, clone: on cpu a cloned input lives in the wasm
 * heap and the others stay zero-copy host arrays, so both the in-place and the staged wasm paths run).
 *
 * Tolerances ({@link fastPathMismatches}): exact ops (elementwise, copies, compares, casts, max
 * pooling) must equal torch's float32 result (NaN matches NaN; the sign of a zero is not compared:
 * torch itself gives maximum(-0, 0) = 0 on its vectorized path and -0 on its scalar one).
 * Reductions are compared with torch's float64 result: |got - want| <= atol + rtol * |want|,
 * rtol = 4u (u = 2^-24), atol = max(16 * torch's own float32 error on the case,
 * 4u * sqrt(K) * max|want|), K the reduction length: float32 rounding scaled by the reduction
 * length, far below the error of a wrong or missed element. Non-finite values must match exactly.
 * Such outputs are stored rounded to a multiple of a power of two q <= atol/4 (the bytes below it
 * are zero and gzip drops them); the stored atol includes q/2.
 */

/** One input of a fast-path case: LCG values, special values, views. */
export interface FastPathInput {
  shape: number[];
  seed: number;
  lo: number;
  hi: number;
  /** integer input (k itself rather than k/1024), as int32 */
  int?: boolean;
  specials?: Array<[number, number | string]>;
  views?: unknown[][];
}
/** One expected output: float32 byte planes in base64, and its tolerance (0, 0: exact). */
export interface FastPathOutput {
  shape: number[];
  b64: string;
  atol: number;
  rtol: number;
}
/** One case of a fast-path fixture file. */
export interface FastPathCase {
  name: string;
  kind: string;
  args: Record<string, unknown>;
  inputs: Record<string, FastPathInput>;
  outputs: Record<string, FastPathOutput>;
  /** fast seams the case must reach (`fast.<name>` of the cpu backend, or 'matmul') */
  paths: string[];
}

/**
 * Read a gzipped fast-path fixture file.
 *
 * @example
 * const cases = loadFastPathFixtures(new URL('./fixtures/fast-paths.json.gz', import.meta.url));
 */
export function loadFastPathFixtures(url: URL): FastPathCase[] {
  return (JSON.parse(gunzipSync(readFileSync(url)).toString('utf8')) as { cases: FastPathCase[] }).cases;
}

/**
 * The LCG of tools/fixtures/fast_path_fixtures.py: n integers in [lo, hi].
 *
 * @example
 * fastPathValues(3, 7, -2048, 2048); // the same three integers Python draws
 */
export function fastPathValues(n: number, seed: number, lo: number, hi: number): Int32Array {
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

/**
 * Build one input as the generator does: values, specials, then views.
 *
 * @example
 * const x = fastPathInput({ shape: [4, 5], seed: 1, lo: -2048, hi: 2048, views: [['t']] });
 */
export function fastPathInput(spec: FastPathInput): Tensor {
  const n = spec.shape.reduce((x, y) => x * y, 1);
  const ks = fastPathValues(n, spec.seed, spec.lo, spec.hi);
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
    else if (kind === 'float64') t = t.to({ dtype: 'float64' });
    else throw new dl.ArgumentError(`fastPathInput: unknown view ${String(kind)}`, { op: 'fastPathInput' });
  }
  return t;
}

/** Expected values: base64 of float32 byte planes (byte 0 of every element, then byte 1, …). */
function decode(b64: string): Float32Array {
  const planes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
  const n = planes.length / 4;
  const bytes = new Uint8Array(planes.length);
  for (let i = 0; i < n; i++) for (let k = 0; k < 4; k++) bytes[4 * i + k] = planes[k * n + i]!;
  return new Float32Array(bytes.buffer);
}

/**
 * Compare values with one expected output (Note [Fast-path fixtures]); returns '' when they
 * match, else how many differ and the first few.
 *
 * @example
 * expect(fastPathMismatches(out.dataSync(), c.outputs.out!)).toBe('');
 */
export function fastPathMismatches(got: ArrayLike<number>, spec: FastPathOutput): string {
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
      if (bad.length < 5) bad.push(`[${i}] got ${g}, want ${w}`);
    }
  }
  return count ? `${count}/${want.length} differ (atol ${spec.atol}, rtol ${spec.rtol}): ${bad.join('; ')}` : '';
}

type Seam = (...a: never[]) => unknown;
/** What {@link watchFastSeams} and {@link withoutFastSeams} need of a backend (the cpu backend's seams). */
export interface FastSeams {
  fast: object;
  matmulImpls: Seam[];
}

/**
 * Wrap every fast seam of a backend so a test sees which accepted a call (returned true);
 * `restore()` puts the originals back.
 *
 * @example
 * const watch = watchFastSeams(cpuBackend);
 * x.add(y);
 * watch.taken.has('binary');
 * watch.restore();
 */
export function watchFastSeams(backend: FastSeams): { taken: Set<string>; restore: () => void } {
  const taken = new Set<string>();
  const fast = backend.fast as Record<string, unknown>;
  const saved = { ...fast };
  const wrap =
    (name: string, f: Seam): Seam =>
    (...a) => {
      const r = f(...a);
      if (r) taken.add(name);
      return r;
    };
  for (const [k, f] of Object.entries(saved)) if (typeof f === 'function') fast[k] = wrap(k, f as Seam);
  const impls = [...backend.matmulImpls];
  backend.matmulImpls.splice(0, impls.length, ...impls.map((f) => wrap('matmul', f)));
  return {
    taken,
    restore: () => {
      for (const k of Object.keys(fast)) delete fast[k];
      Object.assign(fast, saved);
      backend.matmulImpls.splice(0, backend.matmulImpls.length, ...impls);
    },
  };
}

/**
 * Empty a backend's fast seams (its reference kernels run) until the returned function is called.
 *
 * @example
 * const restore = withoutFastSeams(cpuBackend);
 * const ref = x.add(y);
 * restore();
 */
export function withoutFastSeams(backend: FastSeams): () => void {
  const fast = backend.fast as Record<string, unknown>;
  const saved = { ...fast };
  const impls = [...backend.matmulImpls];
  for (const k of Object.keys(fast)) delete fast[k];
  backend.matmulImpls.length = 0;
  return () => {
    Object.assign(fast, saved);
    backend.matmulImpls.push(...impls);
  };
}
