import { beforeAll, describe, expect, it } from 'vitest';
import { inspect } from 'node:util';
import * as dl from './everything.js';
import { toyBackend } from './testing/toy-backend.js';

describe("t.data: the async read and PyTorch's .data (toy backend)", () => {
  beforeAll(() => {
    dl.registerBackend(toyBackend('toy', ['float32', 'int32', 'bool']));
    dl.setDefaultDevice('toy');
  });

  it('await t.data() still reads a typed-array copy', async () => {
    const t = dl.tensor([1, 2, 3]);
    const values = await t.data();
    expect(values).toBeInstanceOf(Float32Array);
    expect(Array.from(values)).toEqual([1, 2, 3]);
    values[0] = 99; // a copy
    expect(Array.from(await t.data())).toEqual([1, 2, 3]);
    const read = t.data; // detached from `t.` it still reads
    expect(Array.from(await read())).toEqual([1, 2, 3]);
  });

  it('t.data used as a tensor is t.detach(): same storage, in-place writes show through', async () => {
    const w = dl.tensor([1, 2, 3]);
    expect(w.data instanceof dl.Tensor).toBe(true);
    expect(w.data.shape).toEqual([3]);
    expect(w.data.dtype).toBe('float32');
    expect(w.data.requiresGrad).toBe(false);
    w.data.add_(dl.tensor([10, 10, 10])); // torch: w.data.add_(...)
    expect(Array.from(await w.data())).toEqual([11, 12, 13]);
    w.data.mul_(2);
    expect(Array.from(await w.data())).toEqual([22, 24, 26]);
    // as an op's input and as a method's argument
    expect(Array.from(await dl.add(w.data, 1).data())).toEqual([23, 25, 27]);
    expect(Array.from(await dl.tensor([1, 1, 1]).add(w.data).data())).toEqual([23, 25, 27]);
    expect(Array.from(await w.data.mul(w.data).data())).toEqual([484, 576, 676]);
  });

  it('prints as the tensor', () => {
    const t = dl.tensor([1, 2]);
    expect(String(t.data)).toBe('tensor([1., 2.])');
    expect(`${t.data}`).toBe('tensor([1., 2.])');
    expect(inspect(t.data)).toBe('tensor([1., 2.])');
  });

  it('t.data = x raises a StateError with the in-place alternative', () => {
    const t = dl.tensor([1, 2]);
    expect(() => {
      (t as unknown as { data: unknown }).data = dl.tensor([3, 4]);
    }).toThrow(dl.StateError);
    expect(() => {
      (t as unknown as { data: unknown }).data = dl.tensor([3, 4]);
    }).toThrow(/t\.data\.copy_\(x\)/);
  });

  it('a disposed tensor still refuses the read', async () => {
    const t = dl.tensor([1, 2]);
    t.dispose();
    await expect(t.data()).rejects.toThrow(dl.StateError);
  });
});
