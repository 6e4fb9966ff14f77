import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import './index.js';

describe('smoke', () => {
  it('basic ops', () => {
    const x = dl.arange(16).view(4, 4);
    expect(x.sum(1).toArraySync()).toEqual([6, 22, 38, 54]);
    const y = dl.tensor([[-1.2, 3.1], [-0.9, 2.9]]);
    console.log(y.toString());
    console.log(dl.ones(2, 2).add(1).toString());
    console.log(dl.rand(3, 3).matmul(dl.rand(3, 2)).toString());
    console.log(x.at(':', 1).toString(), x.t().contiguous().toString());
    console.log(dl.tensor([1, 2, 3]).float().toString(), dl.tensor(3.5).toString(), dl.arange(2000).float().toString());
    const [v, i] = dl.tensor([[3, 1, 2]]).sort(1);
    console.log(v.toString(), i.toString());
  });
});
