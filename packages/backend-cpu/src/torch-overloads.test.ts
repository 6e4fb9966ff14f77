// PyTorch call forms that tutorial ports write: torch.randint(high, size), scatter_ with a 0-d
// index, cat/stack's dim= keyword; and the typed errors for keyword forms dl takes positionally.
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import './index.js';

describe('PyTorch call forms (cpu)', () => {
  it('randint(high, size) draws from [0, high), as torch.randint(10, size=(1,))', () => {
    dl.manualSeed(0);
    const t = dl.randint(10, [1000]);
    expect(t.shape).toEqual([1000]);
    expect(t.dtype).toBe('int32');
    const v = Array.from(t.dataSync());
    expect(Math.min(...v)).toBe(0);
    expect(Math.max(...v)).toBe(9);
    expect(typeof dl.randint(10, [1]).itemSync()).toBe('number');
    expect(dl.randint(3, 5, [4], { dtype: 'float32' }).dtype).toBe('float32'); // the 3-argument form is unchanged
    expect(Array.from(dl.randint(3, 5, 4).dataSync()).every((x) => x === 3 || x === 4)).toBe(true);
    dl.manualSeed(1);
    const a = Array.from(dl.randint(0, 7, [20]).dataSync());
    dl.manualSeed(1);
    expect(Array.from(dl.randint(7, [20]).dataSync())).toEqual(a); // same stream as low = 0
    expect(() => dl.randint(10, { size: [1] } as never)).toThrow(/randint: high must be a number, got an object/);
    expect(() => dl.randint('a' as never, 3, [1])).toThrow(dl.ArgumentError);
  });

  it('scatter_ with a 0-d index and a value: the Transforms tutorial one-hot', () => {
    const y = 3;
    const oneHot = dl.zeros(10, { dtype: 'float32' }).scatter_(0, dl.tensor(y, { dtype: 'int64' }), 1);
    expect(String(oneHot)).toBe('tensor([0., 0., 0., 1., 0., 0., 0., 0., 0., 0.])'); // torch 1.13's print
    expect(
      Array.from(
        dl
          .zeros(4)
          .scatter(0, dl.tensor(1, { dtype: 'int64' }), dl.tensor(5))
          .dataSync(),
      ),
    ).toEqual([0, 5, 0, 0]);
    expect(() => dl.zeros(10).scatter_(0, dl.tensor([3], { dtype: 'int64' }), { value: 1 } as never)).toThrow(
      /scatter: src must be a Tensor or a number, got an object\n {2}hint: pass the value positionally: x\.scatter_\(dim, index, 1\)/,
    );
  });

  it('cat and stack take { dim } (torch.cat(ts, dim=1)); other ops name the keyword in a typed error', () => {
    const t = dl.ones(2, 3);
    expect(dl.cat([t, t], { dim: 1 }).shape).toEqual([2, 6]);
    expect(dl.cat([t, t], {}).shape).toEqual([4, 3]);
    expect(dl.stack([t, t], { dim: -1 }).shape).toEqual([2, 3, 2]);
    expect(() => t.argmax({ dim: 1 } as never)).toThrow(dl.ArgumentError);
    expect(() => t.softmax({ dim: 1 } as never)).toThrow(/softmax: dim must be an integer, got an object\n {2}hint: pass dim positionally/);
  });

  it('new_ones / new_zeros / new_empty / new_full / new_tensor keep dtype and device, not shape', () => {
    const x = dl.tensor([[1, 2]], { dtype: 'int32' });
    const a = x.newOnes(5, 3);
    expect([a.shape, a.dtype, a.device]).toEqual([[5, 3], 'int32', 'cpu']);
    expect(x.newOnes([5, 3], { dtype: 'float64' }).dtype).toBe('float64'); // x.new_ones(5, 3, dtype=torch.double)
    expect(Array.from(x.newZeros(2).dataSync())).toEqual([0, 0]);
    expect(x.newEmpty([2, 2]).shape).toEqual([2, 2]);
    const f = x.newFull([2], 7);
    expect([f.dtype, Array.from(f.dataSync())]).toEqual(['int32', [7, 7]]);
    const t = dl.ones(1, { dtype: 'float64' }).newTensor([1.5, 2]);
    expect([t.dtype, Array.from(t.dataSync())]).toEqual(['float64', [1.5, 2]]);
    expect(dl.ones([2], { requiresGrad: true }).newOnes(2).requiresGrad).toBe(false);
  });

  it('t.data as a tensor in common PyTorch idioms: init in place, torch.max(outputs.data, 1)', () => {
    const w = dl.empty([64, 32], { requiresGrad: true });
    const b = dl.empty([64], { requiresGrad: true });
    dl.manualSeed(0);
    w.data.normal_(0, 0.02); // DCGAN's weights_init: m.weight.data.normal_(0.0, 0.02)
    b.data.fill_(0); // m.bias.data.fill_(0)
    const vals = Array.from(w.dataSync());
    const mean = vals.reduce((s, v) => s + v, 0) / vals.length;
    const std = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / vals.length);
    expect(Math.abs(mean)).toBeLessThan(0.003);
    expect(std).toBeGreaterThan(0.018);
    expect(std).toBeLessThan(0.022);
    expect(Array.from(b.dataSync()).every((v) => v === 0)).toBe(true);
    expect([w.requiresGrad, w.isLeaf, w.gradFn]).toEqual([true, true, null]); // still a leaf that trains
    const outputs = dl
      .tensor([
        [0.1, 0.9, 0.0],
        [2, -1, 3],
      ])
      .mul(w.at(0, 0).detach().mul(0).add(1));
    const [, predicted] = dl.max(outputs.data, 1); // _, predicted = torch.max(outputs.data, 1)
    expect(Array.from(predicted!.dataSync())).toEqual([1, 2]);
  });
});
