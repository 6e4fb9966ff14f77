import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { gradcheck } from './index.js';

// Gradients of advanced indexing (Note [Advanced indexing] in @dl/tensor): expected values from
// torch 1.13, the code in comments.
const long = (v: dl.NestedData) => dl.tensor(v, { dtype: 'int64' });
const arr = (t: dl.Tensor | null | undefined) => t!.toArraySync();

describe('advanced indexing gradients', () => {
  it('x[idx0, idx1] scatters the gradient back, repeated indices accumulate (IndexBackward0)', () => {
    // x = torch.arange(24.).reshape(2,3,4).requires_grad_()
    // y = x[torch.tensor([0,0,1]), torch.tensor([2,2,0])]; (y * torch.arange(12.).reshape(3,4)).sum().backward()
    const x = dl.arange(24, undefined, 1, { dtype: 'float32' }).reshape(2, 3, 4).detach().requiresGrad_();
    const y = x.at(long([0, 0, 1]), long([2, 2, 0]));
    expect(y.gradFn!.name()).toBe('IndexBackward0');
    y.mul(dl.arange(12, undefined, 1, { dtype: 'float32' }).reshape(3, 4))
      .sum()
      .backward();
    expect(arr(x.grad)).toEqual([
      [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
        [4, 6, 8, 10],
      ],
      [
        [8, 9, 10, 11],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
    ]);
  });

  it('masked select and mask indexing are differentiable (MaskedSelectBackward0)', () => {
    // a = torch.arange(6.).reshape(2,3).requires_grad_(); torch.masked_select(a, torch.tensor([True,False,True])).sum().backward()
    const a = dl.arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 3).detach().requiresGrad_();
    const s = a.maskedSelect(dl.tensor([true, false, true]));
    expect(s.gradFn!.name()).toBe('MaskedSelectBackward0');
    s.sum().backward();
    expect(arr(a.grad)).toEqual([
      [1, 0, 1],
      [1, 0, 1],
    ]);
    const b = dl.arange(6, undefined, 1, { dtype: 'float32' }).reshape(2, 3).detach().requiresGrad_();
    b.at(b.gt(2)).mul(2).sum().backward(); // b[b > 2]
    expect(arr(b.grad)).toEqual([
      [0, 0, 0],
      [2, 2, 2],
    ]);
  });

  it('maskedScatter: gradients to self (unmasked) and to the used source elements (MaskedScatterBackward0)', () => {
    // a = torch.zeros(3, requires_grad=True); b = torch.arange(5., requires_grad=True)
    // a.masked_scatter(torch.tensor([True,False,True]), b).sum().backward() -> a.grad [0,1,0], b.grad [1,1,0,0,0]
    const a = dl.zeros([3], { requiresGrad: true });
    const b = dl.arange(5, undefined, 1, { dtype: 'float32' }).detach().requiresGrad_();
    const y = a.maskedScatter(dl.tensor([true, false, true]), b);
    expect(y.gradFn!.name()).toBe('MaskedScatterBackward0');
    y.sum().backward();
    expect([arr(a.grad), arr(b.grad)]).toEqual([
      [0, 1, 0],
      [1, 1, 0, 0, 0],
    ]);
  });

  it('gradcheck through slices mixed with index tensors (float64)', () => {
    const x = dl.randn([3, 4, 5], { dtype: 'float64', requiresGrad: true });
    expect(
      gradcheck(
        (t) =>
          t.at(
            '1:',
            long([
              [0, 3],
              [-1, 1],
            ]),
            '::2',
          ),
        [x],
      ),
    ).toBe(true);
    expect(gradcheck((t) => t.at(long([2, 0]), ':', long([4, 4])), [x])).toBe(true);
  });

  it('indexPut with accumulate: gradient w.r.t. the values', () => {
    // v = torch.tensor([1.,2,3,4], requires_grad=True)
    // out = torch.zeros(2,3,4).index_put((torch.tensor([1,1]), torch.tensor([2,2])), v*1, accumulate=True)
    // (out * torch.arange(24.).reshape(2,3,4)).sum().backward(); v.grad -> [40, 42, 44, 46]
    const w = dl.arange(24, undefined, 1, { dtype: 'float32' }).reshape(2, 3, 4);
    const v = dl.tensor([1, 2, 3, 4], { requiresGrad: true });
    const out = dl.indexPut(dl.zeros([2, 3, 4]), [long([1, 1]), long([2, 2])], v.mul(1), { accumulate: true });
    out.mul(w).sum().backward();
    expect(arr(v.grad)).toEqual([40, 42, 44, 46]);
    // out = torch.zeros(2,3,4).index_put((torch.tensor([1,0]),), v*1): v.grad -> [60, 66, 72, 78]
    const v2 = dl.tensor([1, 2, 3, 4], { requiresGrad: true });
    dl.indexPut(dl.zeros([2, 3, 4]), [long([1, 0])], v2.mul(1))
      .mul(w)
      .sum()
      .backward();
    expect(arr(v2.grad)).toEqual([60, 66, 72, 78]);
  });

  it('indexPut_ on a tensor in the graph: values and the untouched entries get gradients', () => {
    const x = dl.tensor([1, 2, 3, 4], { requiresGrad: true });
    const v = dl.tensor([10, 20], { requiresGrad: true });
    const y = x.mul(1);
    y.indexPut_([long([0, 2])], v);
    y.mul(dl.tensor([1, 2, 3, 4]))
      .sum()
      .backward();
    expect(arr(x.grad)).toEqual([0, 2, 0, 4]); // overwritten entries pass no gradient to x
    expect(arr(v.grad)).toEqual([1, 3]);
  });

  it('y[:, idx] = 0 and y[:, 0] = v on a tensor in the graph (IndexPutBackward0)', () => {
    // x = torch.ones(2, 3, requires_grad=True); y = x * 1; y[:, [0]] = 0
    // (y * torch.tensor([[1., 2, 3], [4, 5, 6]])).sum().backward(); x.grad -> [[0, 2, 3], [0, 5, 6]]
    const w = dl.tensor([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const x = dl.ones([2, 3], { requiresGrad: true });
    const y = x.mul(1);
    y.indexPut_([':', long([0])], 0);
    expect(y.gradFn!.name()).toBe('IndexPutBackward0');
    y.mul(w).sum().backward();
    expect(arr(x.grad)).toEqual([
      [0, 2, 3],
      [0, 5, 6],
    ]);
    // v = torch.tensor([7., 8], requires_grad=True); y = x * 1; y[:, 0] = v; same loss: v.grad -> [1, 4]
    const x2 = dl.ones([2, 3], { requiresGrad: true });
    const v = dl.tensor([7, 8], { requiresGrad: true });
    const y2 = x2.mul(1);
    y2.indexPut_([':', 0], v);
    expect(arr(y2)).toEqual([
      [7, 1, 1],
      [8, 1, 1],
    ]);
    y2.mul(w).sum().backward();
    expect([arr(x2.grad), arr(v.grad)]).toEqual([
      [
        [0, 2, 3],
        [0, 5, 6],
      ],
      [1, 4],
    ]);
  });

  it('recorded indexPut_ writes where the unrecorded one does (flat positions from the plan, any layout of x)', () => {
    // Note [Flat positions of an index]: the recorded path (values that require grad) must agree
    // with the in-place view path for every kind of index, on contiguous, transposed and offset x.
    const base = dl.randn([4, 5, 6]);
    const specs: (dl.Index | dl.Tensor | number[])[][] = [
      [long([-1, 0, -4])],
      [long([0, 2]), ':', long([[1], [5]])],
      [1, long([2, 2, 0])],
      ['1::2', long([4, 0]), '::3'],
      [null, long([1, 2]), '...', long([0, 5])],
      [dl.randn([4, 5]).gt(0)],
      [':', dl.tensor([true, false, true, true, false])],
      [dl.tensor(false)],
      ['1:3', '::2', 2],
      [long(2), ':', [1, 1]],
    ];
    for (const accumulate of [false, true]) {
      for (const layout of ['contiguous', 'transposed', 'offset']) {
        for (const spec of specs) {
          const put = (record: boolean) => {
            const whole = layout === 'offset' ? dl.cat([base, base]) : base.transpose(0, 2).contiguous();
            const x =
              layout === 'offset' ? whole.at('4:') : layout === 'transposed' ? whole.transpose(0, 2) : whole.transpose(0, 2).contiguous();
            const shape = [...x.at(...spec).shape];
            const v = dl
              .arange(
                shape.reduce((a, b) => a * b, 1),
                undefined,
                1,
                { dtype: 'float32' },
              )
              .reshape(shape)
              .add(100);
            x.indexPut_(spec, v.mul(dl.ones([]).requiresGrad_(record)), { accumulate });
            expect(x.requiresGrad).toBe(record);
            return arr(whole);
          };
          expect(put(true), `${layout} ${accumulate} ${String(spec)}`).toEqual(put(false));
        }
      }
    }
  });
});
