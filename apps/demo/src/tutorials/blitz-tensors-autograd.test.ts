// pytorch.org/tutorials, Deep Learning with PyTorch: A 60 Minute Blitz, "Tensors" and
// "A Gentle Introduction to torch.autograd" / the older "Autograd: automatic differentiation"
// (torch 1.13), ported line by line. Printed values are torch 1.13's (/usr/bin/python3).
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';

describe('tutorial: 60 minute blitz, Tensors', () => {
  it('construction, new_ones, randn_like, size, add (out=, in place), views, item, numpy', async () => {
    let x = dl.empty(5, 3);
    expect(x.shape).toEqual([5, 3]);
    x = dl.rand(5, 3);
    x = dl.zeros(5, 3, { dtype: 'long' });
    expect(x.dtype).toBe('int32'); // int64 is stored as int32 (README: PyTorch → dl)
    x = dl.tensor([5.5, 3]);
    expect(String(x)).toBe('tensor([5.5000, 3.0000])');
    x = x.newOnes(5, 3, { dtype: 'double' }); // new_* methods take in sizes
    expect(String(x)).toBe(
      'tensor([[1., 1., 1.],\n        [1., 1., 1.],\n        [1., 1., 1.],\n        [1., 1., 1.],\n        [1., 1., 1.]], dtype=torch.float64)',
    );
    x = dl.randnLike(x, { dtype: 'float' }); // override dtype, same size
    expect(x.dtype).toBe('float32');
    expect(`${x.size()}`).toBe('dl.Size([5, 3])');

    const y = dl.rand(5, 3);
    const sum = await x.add(y).toArray();
    expect(await dl.add(x, y).toArray()).toEqual(sum);
    const result = dl.empty(5, 3);
    dl.add(x, y, { out: result });
    expect(await result.toArray()).toEqual(sum);
    y.add_(x); // adds x to y
    expect(await y.toArray()).toEqual(sum);
    expect(x.at(':', 1).shape).toEqual([5]); // print(x[:, 1])

    const v = dl.randn(4, 4);
    const w = v.view(16);
    const z = v.view(-1, 8); // the size -1 is inferred from other dimensions
    expect([`${v.size()}`, `${w.size()}`, `${z.size()}`]).toEqual(['dl.Size([4, 4])', 'dl.Size([16])', 'dl.Size([2, 8])']);
    const one = dl.randn(1);
    expect(await one.item()).toBe(((await one.toArray()) as number[])[0]);

    const a = dl.ones(5);
    const b = a.numpy();
    a.add_(1);
    expect(`${a}`).toBe('tensor([2., 2., 2., 2., 2.])');
    expect(Array.from(b)).toEqual([2, 2, 2, 2, 2]);
  });
});

describe('tutorial: 60 minute blitz, Autograd', () => {
  it('requires_grad, grad_fn, mean, backward, requires_grad_ and y.data.norm()', async () => {
    const x = dl.ones([2, 2], { requiresGrad: true });
    expect(String(x)).toBe('tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)');
    const y = x.add(2);
    expect(String(y)).toBe('tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)');
    expect(String(y.gradFn)).toBe('<AddBackward0 object>');
    const z = y.mul(y).mul(3);
    const out = z.mean();
    expect(`${z} ${out}`).toBe('tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>) tensor(27., grad_fn=<MeanBackward0>)');

    let a = dl.randn(2, 2);
    a = a.mul(3).div(a.sub(1));
    expect(a.requiresGrad).toBe(false);
    a.requiresGrad_(true);
    expect(a.requiresGrad).toBe(true);
    const b = a.mul(a).sum();
    expect(String(b.gradFn)).toBe('<SumBackward0 object>');

    out.backward();
    expect(String(x.grad)).toBe('tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])');

    // vector-Jacobian product; the loop reads y.data.norm() as torch does
    const x2 = dl.tensor([0.5, -1.0, 2.0], { requiresGrad: true });
    let y2 = x2.mul(2);
    let n = 0;
    while ((await y2.data.norm().item()) < 1000) {
      y2 = y2.mul(2);
      n++;
    }
    expect(`${n} ${y2}`).toBe('8 tensor([ 256., -512., 1024.], grad_fn=<MulBackward0>)');
    const v = dl.tensor([0.1, 1.0, 0.0001], { dtype: 'float' });
    y2.backward(v);
    expect(String(x2.grad)).toBe('tensor([5.1200e+01, 5.1200e+02, 5.1200e-02])');

    expect(x2.requiresGrad).toBe(true);
    expect(x2.pow(2).requiresGrad).toBe(true);
    expect(noGrad(() => x2.pow(2).requiresGrad)).toBe(false);
    const y3 = x2.detach();
    expect(y3.requiresGrad).toBe(false);
    expect(String(x2.eq(y3).all())).toBe('tensor(True)');
  });
});
