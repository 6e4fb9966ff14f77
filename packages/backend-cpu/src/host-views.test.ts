import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { registerBackend } from '@dl/tensor/backend';
import { cpuBackend } from './index.js';

describe('t.storage(): the memory under a tensor and its views (torch TypedStorage)', () => {
  it('size, dtype, device, element reads and writes that show through every view', () => {
    const x = dl.arange(6).float();
    const v = x.view(2, 3);
    const s = v.storage();
    expect([s.size(), s.length, s.dtype, s.device, s.elementSize(), s.nbytes()]).toEqual([6, 6, 'float32', 'cpu', 4, 24]);
    expect(v.at(1).storage().size()).toBe(6); // a row's storage is the whole storage
    s.set(0, -1);
    s[4] = 40;
    expect(x.toArraySync()).toEqual([-1, 1, 2, 3, 40, 5]);
    expect(v.t().toArraySync()).toEqual([
      [-1, 3],
      [1, 40],
      [2, 5],
    ]);
    expect([s.get(4), s[4], s.get(-1), s[0]]).toEqual([40, 40, 5, -1]);
    x.add_(1); // and the other way
    expect(s.tolist()).toEqual([0, 2, 3, 4, 41, 6]);
    expect([...s]).toEqual([0, 2, 3, 4, 41, 6]);
    expect(() => s.get(6)).toThrow(dl.IndexError);
    expect(() => (s[-7] = 1)).toThrow(/out of range for a storage of size 6/);
  });

  it('dataPtr() is shared by every view of one storage, differs between storages, and offsets like pointers', () => {
    const a = dl.zeros([4, 5]);
    const ptr = a.storage().dataPtr();
    expect(a.view(-1).storage().dataPtr()).toBe(ptr);
    expect(a.t().storage().dataPtr()).toBe(ptr);
    expect(a.at(2).storage().dataPtr()).toBe(ptr);
    expect(a.clone().storage().dataPtr()).not.toBe(ptr);
    expect(a.dataPtr()).toBe(ptr);
    expect(a.at(2).storageOffset()).toBe(10);
    expect(a.at(2).dataPtr()).toBe(ptr + 10 * 4);
    expect(a.at(2).storage().isSameStorage(a.storage())).toBe(true);
  });

  it('prints as PyTorch prints a storage', () => {
    expect(String(dl.tensor([1, 2.5, 1e-5]).storage())).toBe(
      ' 1.0\n 2.5\n 9.999999747378752e-06\n[dl.TypedStorage(dtype=torch.float32, device=cpu) of size 3]',
    );
    expect(inspect(dl.tensor([1, 2], { dtype: 'int32' }).storage())).toBe(
      ' 1\n 2\n[dl.TypedStorage(dtype=torch.int32, device=cpu) of size 2]',
    );
    expect(String(dl.tensor([true, false]).storage())).toBe(' True\n False\n[dl.TypedStorage(dtype=torch.bool, device=cpu) of size 2]');
    expect(String(dl.zeros([0]).storage())).toBe(' \n[dl.TypedStorage(dtype=torch.float32, device=cpu) of size 0]');
  });

  it('a storage write counts as an in-place write (version)', () => {
    const x = dl.ones([3]);
    const before = x._version;
    x.storage().set(1, 5);
    expect(x._version).toBe(before + 1);
  });
});

describe('t.numpy(): a zero-copy typed array over a contiguous cpu tensor', () => {
  it('shares memory both ways, for the tensor and its contiguous views', () => {
    const t = dl.zeros([2, 3]);
    const a = t.numpy();
    expect(a).toBeInstanceOf(Float32Array);
    expect(a.length).toBe(6);
    a[0] = 5;
    expect(t.at(0, 0).itemSync()).toBe(5);
    t.add_(1);
    expect(Array.from(a)).toEqual([6, 1, 1, 1, 1, 1]);
    const row = t.at(1).numpy(); // a contiguous view: its own elements only
    row[2] = 9;
    expect(Array.from(a)).toEqual([6, 1, 1, 1, 1, 9]);
    expect(dl.tensor([1, 2], { dtype: 'int32' }).numpy()).toBeInstanceOf(Int32Array);
    expect(t.asTypedArray()[5]).toBe(9);
  });

  it('stays shared across step boundaries, kernels and memory growth (wasm-heap storage)', () => {
    const t = dl.zeros([4096]); // large enough for the wasm heap when it is on
    const a = t.numpy();
    dl.endStep();
    dl.endStep();
    t.add_(2);
    const u = t.mul(3); // a kernel reading t after the boundaries (adopt would move a spilled storage)
    dl.endStep();
    t.add_(1);
    const big = Array.from({ length: 4 }, () => dl.zeros([1 << 20])); // grow memory
    a[1] = 7;
    expect(t.at(1).itemSync()).toBe(7);
    expect(a[0]).toBe(3);
    expect(u.at(0).itemSync()).toBe(6);
    expect(big.length).toBe(4);
  });

  it('a tensor already handed to the garbage collector (spilled) shares too, and is not moved by later kernels', () => {
    const t = dl.ones([1000]).mul(2);
    dl.endStep(); // t was loose: spilled
    const a = t.numpy();
    t.mul(1);
    dl.endStep();
    t.mul(1);
    dl.endStep();
    t.fill_(4);
    expect(a[999]).toBe(4);
  });

  it('after dispose the array keeps its last values and shares them with no later tensor', () => {
    const t = dl.full([512], 3);
    const a = t.numpy();
    t.dispose();
    const others = Array.from({ length: 8 }, () => dl.full([512], 8)); // same size: the pool's reuse candidates
    expect(a[0]).toBe(3);
    others[0]!.fill_(1);
    expect(Array.from(new Set(a))).toEqual([3]);
  });

  it('refuses tensors that require grad, non-contiguous tensors and devices without host memory, naming the fix', () => {
    const w = dl.ones([2, 2], { requiresGrad: true });
    expect(() => w.numpy()).toThrow(dl.StateError);
    expect(() => w.numpy()).toThrow(/Can't call numpy\(\) on Tensor that requires grad[\s\S]*detach\(\)\.numpy\(\)/);
    expect(Array.from(w.detach().numpy())).toEqual([1, 1, 1, 1]);
    const tt = dl.arange(6).float().view(2, 3).t();
    expect(() => tt.numpy()).toThrow(/not contiguous[\s\S]*contiguous\(\)\.numpy\(\)/);
    expect(Array.from(tt.contiguous().numpy())).toEqual([0, 3, 1, 4, 2, 5]);

    const nohost = Object.assign(Object.create(cpuBackend) as object, {
      name: 'nohost',
      hostView: undefined,
      readSync: undefined,
      spill: undefined,
    });
    registerBackend(nohost as never);
    const g = dl.tensor([1, 2], { device: 'nohost' });
    expect(() => g.numpy()).toThrow(/'nohost'[\s\S]*await t\.data\(\)/);
    expect(() => g.storage().get(0)).toThrow(dl.StateError);
    g.storage().set(0, 5); // writes work on every device
    expect(String(g.storage())).toBe('...\n[dl.TypedStorage(dtype=torch.float32, device=nohost) of size 2]');
  });
});
