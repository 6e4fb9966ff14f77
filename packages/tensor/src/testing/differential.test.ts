import { beforeAll, describe, expect, it } from 'vitest';
import * as dl from '../everything.js';
import { buildInput, loadDifferential, loadKnownFailures, parseKnownFailures, type DiffCase } from './differential.js';
import { coveredNames, runDifferentialCase } from './suite-differential.js';
import { toyBackend } from './toy-backend.js';

// The runner of the differential suite itself, on the toy backend (exp/neg/add/mul/copy/fill).
// The suite runs on real devices in @dl/nn (cpu) and @dl/backend-webgpu.
describe('differential runner', () => {
  beforeAll(() => {
    dl.registerBackend(toyBackend('toy-diff', ['float32', 'int32']));
  });

  it('rebuilds inputs from base buffer + view recipe (strides, offset, stride 0)', async () => {
    const t = buildInput(
      {
        dtype: 'float32',
        base: { shape: [7], data: [9, 0, 1, 2, 3, 4, 5] },
        view: [
          ['slice', 0, 1, 7, 1],
          ['view', [2, 3]],
        ],
      },
      'toy-diff',
    );
    expect(t.storageOffset()).toBe(1);
    expect(Array.from(await t.contiguous().data())).toEqual([0, 1, 2, 3, 4, 5]);
    const p = buildInput({ dtype: 'float32', base: { shape: [3, 2], data: [0, 1, 2, 3, 4, 5] }, view: [['permute', [1, 0]]] }, 'toy-diff');
    expect(p.stride()).toEqual([1, 2]);
    const s = buildInput(
      { dtype: 'float32', base: { shape: [2, 5], data: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] }, view: [['slice', 1, 1, 5, 2]] },
      'toy-diff',
    );
    expect(s.shape).toEqual([2, 2]);
    expect(Array.from(await s.contiguous().data())).toEqual([1, 3, 6, 8]);
    const e = buildInput({ dtype: 'float32', base: { shape: [1, 2], data: ['NaN', '-Infinity'] }, view: [['expand', [3, 2]]] }, 'toy-diff');
    expect(e.stride()).toEqual([0, 1]);
    expect(Array.from(await e.contiguous().data())).toEqual([NaN, -Infinity, NaN, -Infinity, NaN, -Infinity]);
  });

  const addCase = (out: (number | string)[], extra: Partial<DiffCase> = {}): DiffCase => ({
    key: 'add#00',
    op: 'add',
    inputs: [
      { dtype: 'float32', base: { shape: [2, 2], data: [1, 2, 'NaN', 4] }, view: [['permute', [1, 0]]] },
      { dtype: 'float32', base: { shape: [2], data: [10, 'Infinity'] } },
    ],
    call: { kind: 'method', name: 'add', args: [{ $: 1 }] },
    out: [{ shape: [2, 2], dtype: 'float32', data: out as never }],
    ...extra,
  });

  it('passes a case that agrees, NaN and inf positions included', async () => {
    // x = [[1, NaN], [2, 4]] (permuted), + [10, inf]
    expect(await runDifferentialCase(addCase([11, 'NaN', 12, 'Infinity']), { device: 'toy-diff' })).toBeNull();
  });

  it('fails a case that disagrees: a value, a NaN position, an inf sign, a dtype', async () => {
    const opts = { device: 'toy-diff' };
    expect((await runDifferentialCase(addCase([11, 'NaN', 12.01, 'Infinity']), opts))?.stage).toBe('forward');
    expect((await runDifferentialCase(addCase([11, 0, 12, 'Infinity']), opts))?.detail).toMatch(/element 1/);
    expect((await runDifferentialCase(addCase([11, 'NaN', 12, '-Infinity']), opts))?.detail).toMatch(/element 3/);
    const wrongDtype = addCase([11, 'NaN', 12, 'Infinity']);
    wrongDtype.out = [{ shape: [2, 2], dtype: 'int32', data: [11, 0, 12, 0] }];
    expect((await runDifferentialCase(wrongDtype, opts))?.detail).toMatch(/dtype float32, expected int32/);
  });

  it('expects a typed DLError where torch raises', async () => {
    const opts = { device: 'toy-diff' };
    const raising: DiffCase = { ...addCase([]), out: undefined, error: 'RuntimeError: size mismatch' };
    raising.inputs[1] = { dtype: 'float32', base: { shape: [3], data: [1, 2, 3] } };
    expect(await runDifferentialCase(raising, opts)).toBeNull(); // dl throws a ShapeError
    const silent: DiffCase = { ...addCase([]), out: undefined, error: 'RuntimeError: made up' };
    expect((await runDifferentialCase(silent, opts))?.stage).toBe('no-error');
    const untyped: DiffCase = {
      ...addCase([]),
      call: { kind: 'method', name: 'noSuchMethod', args: [] },
      out: undefined,
      error: 'RuntimeError: x',
    };
    expect((await runDifferentialCase(untyped, opts))?.detail).toMatch(/not a DLError/);
  });

  it('accepts the flushed-denormal results only on devices that say they flush', async () => {
    const c: DiffCase = {
      key: 'neg#00',
      op: 'neg',
      inputs: [{ dtype: 'float32', base: { shape: [1], data: [1e-40] } }],
      call: { kind: 'method', name: 'exp', args: [] },
      out: [{ shape: [1], dtype: 'float32', data: [2] }], // deliberately wrong
      outFtz: [{ shape: [1], dtype: 'float32', data: [1] }], // exp(0)
    };
    expect((await runDifferentialCase(c, { device: 'toy-diff' }))?.stage).toBe('forward');
    expect(await runDifferentialCase(c, { device: 'toy-diff', flushesDenormals: true })).toBeNull();
  });

  it('parses the known-failures format', () => {
    const k = parseKnownFailures('# comment\n\ncpu sum#03 int32 sum overflows\n* F.relu#12 reason # trailing comment\n');
    expect(k.map((x) => [x.device, x.key, x.reason])).toEqual([
      ['cpu', 'sum#03', 'int32 sum overflows'],
      ['*', 'F.relu#12', 'reason'],
    ]);
  });

  it('the committed fixture has >= 20 cases per op and every known failure names a case', () => {
    const fx = loadDifferential();
    const counts = new Map<string, number>();
    for (const c of fx.cases) counts.set(c.op, (counts.get(c.op) ?? 0) + 1);
    expect(fx.ops.filter((op) => (counts.get(op) ?? 0) < 20)).toEqual([]);
    const keys = new Set(fx.cases.map((c) => c.key));
    expect(loadKnownFailures().filter((k) => !keys.has(k.key))).toEqual([]);
    expect(coveredNames(fx.cases).has('dl.matmul')).toBe(true);
  });
});
