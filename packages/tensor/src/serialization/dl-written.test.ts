/**
 * dl → torch: dl writes the fixtures `dl-*` (DL_UPDATE_FIXTURES=1 rewrites them; otherwise the
 * writer must reproduce them byte for byte), tools/fixtures/serialization_fixtures.py `check`
 * reads them with torch.load(weights_only=True) and records what PyTorch saw in
 * torch-read-back.json, which is compared here with what dl saved. dl also reads its own files.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dl from '../everything.js';
import { expectLoadedMatches, expectSavedMatches, type Desc } from './fixture-compare.js';
import { toyBackend } from '../testing/toy-backend.js';
import { DTYPES } from '../dtype.js';

const fx = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const UPDATE = process.env.DL_UPDATE_FIXTURES === '1';

beforeAll(() => dl.registerBackend(toyBackend('cpu', DTYPES)));

/** The state dict: every dl dtype, a 0-d and an empty tensor, a transposed view, two views of one storage. */
function stateDict(): Record<string, dl.Tensor> {
  const base = dl.fromArray(new Float32Array([1.5, -2, 3.25, 0, 1e-3, 7]), [2, 3]);
  const shared = dl.fromArray(
    Float32Array.from({ length: 10 }, (_, i) => i / 4),
    [10],
  );
  return {
    f32: base,
    f32_t: base.t(),
    f64: dl.fromArray(new Float64Array([0.1, -1e300, Math.PI])),
    i32: dl.fromArray(new Int32Array([1, -2, 2 ** 31 - 1, -(2 ** 31)])),
    u8: dl.fromArray(new Uint8Array([0, 1, 255])),
    bool: dl.fromArray(new Uint8Array([1, 0, 1]), [3], { dtype: 'bool' }),
    scalar: dl.fromArray(new Float32Array([3.25]), []),
    empty: dl.fromArray(new Float32Array(0), [0, 3]),
    shared_a: shared.at('0:4'),
    shared_b: shared.at('4:').view(2, 3),
    num_batches_tracked: dl.fromArray(new Int32Array([5]), []),
  };
}

/** A checkpoint as a training loop saves it: model, a parameter, optimizer state, plain values. */
function checkpoint(): Record<string, unknown> {
  const param = dl.fromArray(new Float32Array([1, 2]));
  param.requiresGrad = true;
  return {
    model: stateDict(),
    param,
    optimizer: {
      state: {
        0: { step: dl.fromArray(new Float32Array([3]), []), exp_avg: dl.fromArray(new Float32Array([0.1, 0.2])) },
        1: { step: 3, exp_avg: dl.fromArray(new Float32Array([0.3])) },
      },
      param_groups: [
        { lr: 0.001, betas: [0.9, 0.999], eps: 1e-8, weight_decay: 0, amsgrad: false, params: [0, 1], initial_lr: dl.pyFloat(1) },
      ],
    },
    epoch: 7,
    name: 'run-1',
    ratio: 0.5,
    none: null,
    flags: [true, false],
    big: 2 ** 40,
    bigger: 2n ** 70n,
    negative: -3,
    nested: [
      [1, 2],
      [3, 'x'],
    ],
  };
}

/** Files dl writes, what goes in each, and the save options. */
const FILES: Record<string, { make: () => unknown; opts?: dl.SaveOptions }> = {
  'dl-tensors.pt': { make: stateDict },
  'dl-checkpoint.pt': { make: checkpoint },
  'dl-int64.pt': { make: () => ({ labels: dl.fromArray(new Int32Array([3, -1, 0])), step: 2 }), opts: { int64: true } },
  'dl-tensors.safetensors': { make: stateDict },
  'dl-checkpoint.safetensors': { make: checkpoint },
};

describe('dl-written files', () => {
  for (const [name, { make, opts }] of Object.entries(FILES)) {
    it(`${name} is what the writer produces now${UPDATE ? ' (rewritten)' : ''}`, async () => {
      const bytes = await dl.save(make() as dl.Savable, { format: name.endsWith('.safetensors') ? 'safetensors' : 'pt', ...opts });
      if (UPDATE) writeFileSync(fx(name), bytes);
      expect(
        Buffer.from(bytes).equals(readFileSync(fx(name))),
        `${name} differs from the committed fixture; rerun with DL_UPDATE_FIXTURES=1 and the python check`,
      ).toBe(true);
    });
  }
});

describe('PyTorch reads what dl wrote (torch-read-back.json from the fixture script)', () => {
  const report = existsSync(fx('torch-read-back.json'))
    ? (JSON.parse(readFileSync(fx('torch-read-back.json'), 'utf8')) as Record<
        string,
        { how: string; value: Desc; metadata?: Record<string, string> }
      >)
    : {};
  it('the check ran on every dl-written file', () => {
    expect(Object.keys(report).sort()).toEqual(Object.keys(FILES).sort());
  });
  for (const name of ['dl-tensors.pt', 'dl-checkpoint.pt', 'dl-int64.pt']) {
    it(`${name}: torch.load gives dl's tensors (dtypes, layouts, sharing, values) and Python ints/floats`, async () => {
      await expectSavedMatches(FILES[name]!.make(), report[name]!.value, FILES[name]!.opts);
    });
  }
  it('dl-tensors.pt loads in torch with weights_only=True', () => {
    expect(report['dl-tensors.pt']!.how).toBe('weights_only=True');
    expect(report['dl-int64.pt']!.how).toBe('weights_only=True');
  });
  it('safetensors: the spec reader gets every tensor, contiguous; the checkpoint keeps its structure in metadata', async () => {
    const flat = stateDict();
    const contiguous = (t: dl.Tensor) => dl.fromArray(t.contiguous().dataSync(), t.shape, { dtype: t.dtype });
    const got = report['dl-tensors.safetensors']!;
    await expectSavedMatches(
      Object.fromEntries(Object.entries(flat).map(([k, t]) => [k, contiguous(t)])),
      sortDict(got.value, Object.keys(flat)),
    );
    expect(got.metadata ?? null).toBeNull();
    const ck = report['dl-checkpoint.safetensors']!;
    expect(Object.keys(ck.metadata ?? {})).toEqual(['dl.structure']);
    const names = (ck.value as { $dict: [string, Desc][] }).$dict.map(([k]) => k);
    expect(names).toContain('model.f32_t');
    expect(names).toContain('optimizer.state.0.exp_avg');
  });
});

/** The safetensors dict in the order of `keys` (the file sorts tensors by element size). */
function sortDict(d: Desc, keys: string[]): Desc {
  const entries = (d as { $dict: [Desc, Desc][] }).$dict;
  return { $dict: keys.map((k) => entries.find(([n]) => n === k)!) };
}

describe('dl reads its own files back', () => {
  it('.pt: values, layouts and sharing, ints and floats', async () => {
    const back = (await dl.load(readFileSync(fx('dl-checkpoint.pt')))) as Record<string, unknown>;
    const ck = checkpoint();
    const model = back.model as Record<string, dl.Tensor>;
    expect(model.f32_t!._storage).toBe(model.f32!._storage);
    expect(model.shared_b!._storage).toBe(model.shared_a!._storage);
    expect(model.shared_b!.storageOffset()).toBe(4);
    expect(model.f32_t!.stride()).toEqual([1, 3]);
    expect(await model.f32_t!.toArray()).toEqual(await (ck.model as Record<string, dl.Tensor>).f32_t!.toArray());
    expect((back.param as dl.Tensor).requiresGrad).toBe(true);
    expect(back.bigger).toBe(2n ** 70n);
    expect((back.optimizer as { param_groups: unknown[] }).param_groups[0]).toMatchObject({
      lr: 0.001,
      params: [0, 1],
      initial_lr: 1,
      betas: [0.9, 0.999],
    });
  });
  it('.safetensors: the same object, tensors contiguous', async () => {
    const back = (await dl.load(readFileSync(fx('dl-checkpoint.safetensors')))) as Record<string, unknown>;
    const model = back.model as Record<string, dl.Tensor>;
    expect(model.f32_t!.isContiguous()).toBe(true);
    expect(await model.f32_t!.toArray()).toEqual([[1.5, 0], [-2, 1e-3].map((x) => Math.fround(x)), [3.25, 7]]);
    expect(back.bigger).toBe(2n ** 70n);
    expect(back.nested).toEqual([
      [1, 2],
      [3, 'x'],
    ]);
    expect(Object.keys((back.optimizer as { state: object }).state)).toEqual(['0', '1']);
  });
  it('int64: int32 tensors written as int64 come back as int32', async () => {
    const back = (await dl.load(readFileSync(fx('dl-int64.pt')))) as Record<string, dl.Tensor>;
    expect(back.labels!.dtype).toBe('int32');
    expect([...back.labels!.dataSync()]).toEqual([3, -1, 0]);
  });
  it('torch-written state dict round-trips through dl.save unchanged', async () => {
    const ck = await dl.load(readFileSync(fx('torch-state.pt')));
    const again = await dl.load(await dl.save(ck as dl.Savable));
    await expectLoadedMatches(again, JSON.parse(readFileSync(fx('torch-state.json'), 'utf8')) as Desc);
  });
});
