/**
 * torch → dl: files written by PyTorch 1.13's torch.save (tools/fixtures/serialization_fixtures.py)
 * load with their values, dtypes, layouts and storage sharing; refused files give typed errors.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as dl from '../everything.js';
import { expectLoadedMatches, type Desc } from './fixture-compare.js';
import { toyBackend } from '../testing/toy-backend.js';
import { DTYPES } from '../dtype.js';

import { unpickle } from './unpickler.js';
import { fromPy } from './tree.js';

const fx = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);
const bytes = (name: string) => new Uint8Array(readFileSync(fx(name)));
const json = (name: string) => JSON.parse(readFileSync(fx(name), 'utf8')) as Desc;

beforeAll(() => {
  dl.registerBackend(toyBackend('cpu', DTYPES));
  dl.registerBackend(toyBackend('gpu', DTYPES, { asyncOnly: true }));
});

describe('dl.load reads what torch.save wrote', () => {
  for (const file of ['torch-state.pt', 'torch-deflated.pt', 'torch-zip64.pt', 'torch-byteorder.pt']) {
    it(`${file}: every dtype, 0-d, empty, transposed view, shared storage, Parameter, optimizer state`, async () => {
      const ck = await dl.load(bytes(file));
      await expectLoadedMatches(ck, json('torch-state.json'));
    });
  }

  it('reads from a path, and onto another device', async () => {
    const ck = (await dl.load(fx('torch-state.pt').pathname, { device: 'gpu' })) as Record<string, Record<string, dl.Tensor>>;
    expect(ck.model!.f32!.device).toBe('gpu');
    expect(ck.model!.f32_t!._storage).toBe(ck.model!.f32!._storage);
    expect([...(await ck.model!.f32_t!.data())]).toHaveLength(6);
  });

  it('safetensors (written by the spec): every dtype', async () => {
    const sd = await dl.load(bytes('torch-state.safetensors'));
    await expectLoadedMatches(sd, json('torch-state-safetensors.json'));
  });

  it('int dict keys become string keys; optimizer ints stay ints, floats floats', async () => {
    const ck = (await dl.load(bytes('torch-state.pt'))) as {
      optimizer: { state: Record<string, unknown>; param_groups: Record<string, unknown>[] };
    };
    expect(Object.keys(ck.optimizer.state)).toEqual(['0', '1']);
    expect(ck.optimizer.param_groups[0]).toMatchObject({ lr: 0.001, params: [0, 1], weight_decay: 0, amsgrad: false, betas: [0.9, 0.999] });
  });

  it('refuses an int64 value past int32, naming the key', async () => {
    const e = await dl.load(bytes('torch-int64-big.pt')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(dl.SerializationError);
    expect((e as dl.SerializationError).key).toBe('counts');
    expect(String(e)).toMatch(/counts holds the int64 value 1099511627776 .*outside int32/);
  });

  it('refuses the legacy format with a typed error that says how to re-save', async () => {
    const e = await dl.load(bytes('torch-legacy.pt')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(dl.SerializationError);
    expect(String(e)).toMatch(/legacy PyTorch format[\s\S]*hint: .*torch\.save/);
  });

  it('refuses a pickle that calls os.system, naming the global, running nothing', async () => {
    const e = await dl.load(bytes('evil-global.pt')).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(dl.UnpicklingError);
    expect((e as dl.UnpicklingError).global).toMatch(/^posix\.system$|^os\.system$/);
  });
});

describe('the restricted unpickler reads plain pickles (protocols 2 and 4)', () => {
  for (const file of ['plain-p2.pkl', 'plain-p4.pkl']) {
    it(file, async () => {
      const v = fromPy(
        unpickle(bytes(file)),
        {
          tensor: () => {
            throw new Error('no tensors');
          },
          storage: () => {
            throw new Error('no storages');
          },
        },
        'load',
        100,
      );
      await expectLoadedMatches(v, json('plain.json'));
    });
  }
});
