import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fastPathInput,
  fastPathMismatches,
  loadFastPathFixtures,
  watchFastSeams,
  withoutFastSeams,
  type FastPathCase,
} from '@dl/tensor/testing';
import { cpuBackend } from './index.js';
import { setNumThreads } from './wasm/index.js';

/**
 * PyTorch values for tensor ops at sizes that reach every cpu fast path (Note [Fast-path fixtures]
 * in @dl/tensor/testing: inputs, tolerances; `tools/fixtures/fast_path_fixtures.py` writes
 * `fixtures/fast-paths.json.gz`). The nn layers, autograd and optimizers, which @dl/backend-cpu
 * cannot import, are in packages/optim/src/fast-paths-torch.test.ts.
 *
 * Every case runs twice: with the fast paths as installed, checking also that the case reached
 * the seams it names (`paths`: `cpuBackend.fast.<name>` or the wasm GEMM returned true), and with
 * the fast seams emptied (the reference kernels). Run the file with `DL_CPU_WASM=0` as well: then
 * nothing is installed and the wasm heap is off, so both passes run the reference kernels
 * (`DL_CPU_WASM=0 npx vitest run src/fast-paths-torch.test.ts`).
 */

type M = Record<string, (...a: unknown[]) => Tensor>;
const call = (t: Tensor, name: string, ...a: unknown[]): Tensor => (t as unknown as M)[name]!(...a);

function run(c: FastPathCase, x: Record<string, Tensor>): Record<string, Tensor> {
  const a = c.args as {
    op: string;
    inplace?: boolean;
    scalar?: number;
    dims?: number[] | null;
    keepdim?: boolean;
    dtype?: string;
    how?: 'inplace' | 'out';
    narrow?: number[];
    value?: number | 'nan' | '-0' | 'inf' | '-inf';
  };
  switch (c.kind) {
    case 'binary':
      return { out: a.inplace ? call(x.a!.clone(), `${a.op}_`, x.b!) : call(x.a!, a.op, x.b!) };
    case 'binarySelf': {
      const t = x.a!.clone();
      return { out: call(t, `${a.op}_`, t) };
    }
    case 'intoView': {
      const base = x.base!.clone();
      const [d, start, len] = a.narrow!;
      const view = base.narrow(d!, start!, len!);
      if (a.how === 'inplace') call(view, `${a.op}_`, ...(x.b ? [x.b] : []));
      else (dl as unknown as Record<string, (p: Tensor, q: Tensor, o: object) => Tensor>)[a.op]!(x.a!, x.b!, { out: view });
      return { out: base };
    }
    case 'fill': {
      const base = x.a!.clone();
      const v = typeof a.value === 'string' ? { nan: NaN, '-0': -0, inf: Infinity, '-inf': -Infinity }[a.value]! : a.value!;
      (a.narrow ? base.narrow(a.narrow[0]!, a.narrow[1]!, a.narrow[2]!) : base).fill_(v);
      return { out: base };
    }
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

const cases = loadFastPathFixtures(new URL('./fixtures/fast-paths.json.gz', import.meta.url));
// the fused wasm kernels that work on heap buffers decline with the heap off (values are still checked)
const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
const wasmOn = env?.DL_CPU_WASM !== '0' && env?.DL_CPU_WASM_HEAP !== '0';

describe.each(['fast paths', 'reference kernels'] as const)('tensor ops against PyTorch at fast-path sizes: %s', (mode) => {
  let watch: ReturnType<typeof watchFastSeams> | undefined;
  let restore: (() => void) | undefined;
  beforeAll(() => {
    setNumThreads(2); // the GEMM's worker split runs even on a one-core machine
    if (mode === 'fast paths') watch = watchFastSeams(cpuBackend);
    else restore = withoutFastSeams(cpuBackend);
  });
  afterAll(() => {
    watch?.restore();
    restore?.();
  });

  it('covers every kind of case the generator writes', () => {
    expect(new Set(cases.map((c) => c.kind))).toEqual(
      new Set([
        'binary',
        'binarySelf',
        'intoView',
        'fill',
        'binaryScalar',
        'unary',
        'compare',
        'cast',
        'sum',
        'mean',
        'matmul',
        'contiguous',
      ]),
    );
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const inputs = Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, fastPathInput(s)]));
    watch?.taken.clear();
    const outs = run(c, inputs);
    for (const [k, spec] of Object.entries(c.outputs)) {
      const t = outs[k]!;
      expect(t.shape, `${k} shape`).toEqual(spec.shape);
      expect(fastPathMismatches(t.dataSync() as ArrayLike<number>, spec), k).toBe('');
    }
    if (watch && wasmOn) for (const p of c.paths) expect(watch.taken.has(p), `reached fast.${p}`).toBe(true);
  });
});
