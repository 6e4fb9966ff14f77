import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import './index.js';

// Note [Tensors iterate over dim 0] (packages/tensor/src/ops/iteration.ts), as torch 1.13.

describe('tensors iterate over dim 0', () => {
  it("for..of, spread and destructuring give unbind(0)'s rows", () => {
    const t = dl.tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const rows: number[][] = [];
    for (const row of t) rows.push(row.toArraySync() as number[]);
    expect(rows).toEqual([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    const [a, b] = t;
    expect(a!.toArraySync()).toEqual([1, 2]);
    expect(b!.shape).toEqual([2]);
    expect([...dl.arange(3)].map((x) => x.itemSync())).toEqual([0, 1, 2]);
    expect([...dl.zeros(0, 4)]).toEqual([]);
  });

  it('rows are views: gradients flow back (UnbindBackward0)', () => {
    const x = dl.randn([3, 2], { dtype: 'float64' }).requiresGrad_();
    let s = dl.zeros([2], { dtype: 'float64' });
    let k = 1;
    for (const row of x) s = s.add(row.mul(k++));
    s.sum().backward();
    expect(x.grad!.toArraySync()).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
  });

  it('a 0-d tensor raises torch\'s "iteration over a 0-d tensor" as a typed error, when asked', () => {
    const s = dl.tensor(1);
    expect(() => s[Symbol.iterator]()).toThrow(dl.ShapeError);
    expect(() => [...s]).toThrow(/iteration over a 0-d tensor/);
  });

  it('the index Proxy and the coercion errors are unchanged', () => {
    const t = dl.tensor([
      [1, 2],
      [3, 4],
    ]);
    expect((t as unknown as Record<number, dl.Tensor>)[1]!.toArraySync()).toEqual([3, 4]);
    expect(() => (t as unknown as number) + 1).toThrow(dl.OperatorError);
    expect(`${t.at(0)}`).toContain('tensor([1., 2.])');
  });
});
