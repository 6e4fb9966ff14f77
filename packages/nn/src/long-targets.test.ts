import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { F, nn } from './index.js';

// Integer class labels as PyTorch code writes them: `dtype=torch.int64` / `.long()` (stored as
// int32, Note [int64 is int32] in @dl/tensor). Expected values from torch 1.13:
//   logits = torch.tensor([[1., 2., 0.5], [0.1, -1., 2.], [0.3, 0.3, 3.]], requires_grad=True)
//   y = torch.tensor([0, 1, 1]); l = F.cross_entropy(logits, y); l.backward()
const LOSS = 2.490755796432495;
const GRAD = [
  [-0.2562587261199951, 0.20951056480407715, 0.04674812778830528],
  [0.04156915843486786, -0.31949618458747864, 0.2779270112514496],
  [0.019747547805309296, -0.3135857880115509, 0.2938382625579834],
];
const logitsOf = () =>
  dl.tensor(
    [
      [1, 2, 0.5],
      [0.1, -1, 2],
      [0.3, 0.3, 3],
    ],
    { requiresGrad: true },
  );

function expectClose(a: number[][], b: number[][]): void {
  a.forEach((row, i) => row.forEach((v, j) => expect(v).toBeCloseTo(b[i]![j]!, 5)));
}

describe('int64 labels end to end', () => {
  it("crossEntropy with dl.tensor([...], { dtype: 'int64' }) targets", () => {
    const logits = logitsOf();
    const y = dl.tensor([0, 1, 1], { dtype: 'int64' });
    const loss = F.crossEntropy(logits, y);
    expect(loss.itemSync()).toBeCloseTo(LOSS, 5);
    loss.backward();
    expectClose(logits.grad!.toArraySync() as number[][], GRAD);
  });

  it('crossEntropy / nllLoss with float labels cast by .long(), and the CrossEntropyLoss module', () => {
    const y = dl.tensor([0, 1, 1]).long(); // float32 by design (Note [JS numbers are floats]), cast as in torch
    expect(y.dtype).toBe('int32');
    expect(F.crossEntropy(logitsOf(), y).itemSync()).toBeCloseTo(LOSS, 5);
    expect(F.nllLoss(logitsOf().logSoftmax(1), y.type('long')).itemSync()).toBeCloseTo(LOSS, 5);
    const criterion = new nn.CrossEntropyLoss();
    expect(criterion.forward(logitsOf(), dl.tensor([0, 1, 1], { dtype: 'long' })).itemSync()).toBeCloseTo(LOSS, 5);
  });

  it('labels built by indexing: a class histogram with indexPut_ and predictions compared with eq', () => {
    const y = dl.tensor([0, 1, 1], { dtype: 'int64' });
    // counts = torch.zeros(3, dtype=torch.long); counts.index_put_((y,), torch.tensor(1), accumulate=True) -> [1, 2, 0]
    const counts = dl.zeros([3], { dtype: 'long' });
    counts.indexPut_([y], 1, { accumulate: true });
    expect(counts.toArraySync()).toEqual([1, 2, 0]);
    // accuracy as tutorials write it: (pred == y).sum().item()
    const pred = logitsOf().argmax(1);
    expect(pred.eq(y).sum().itemSync()).toBe(0);
    expect(dl.unique(y).toArraySync()).toEqual([0, 1]);
  });
});

describe('PyTorch dtype names on modules', () => {
  it("model.to('double') / to({ dtype: 'float' }) cast the parameters, as torch's model.double()", () => {
    const m = new nn.Linear(2, 3);
    m.to('double');
    expect(m.weight.dtype).toBe('float64');
    m.to({ dtype: 'float' });
    expect(m.weight.dtype).toBe('float32');
    m.to('half');
    expect(m.weight.dtype).toBe('float16');
    expect(() => m.to('bfloat16' as never)).toThrow(dl.DTypeError); // a dtype dl does not have, with a hint (not an unknown device)
  });
});
