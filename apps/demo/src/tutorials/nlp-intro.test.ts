// pytorch.org/tutorials, Deep Learning for NLP with PyTorch: "Introduction to PyTorch" and the
// first half of "Deep Learning with PyTorch" (affine maps, non-linearities, softmax) (torch 1.13),
// ported line by line. Printed outputs of fixed data are torch 1.13's (checked with
// /usr/bin/python3); dl's random generator is not torch's, so for random data the test checks
// shapes, the printed form and the values' relations instead.
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { nn, F } from '@dl/nn';

describe('tutorial: Introduction to PyTorch (Deep Learning for NLP)', () => {
  it('creating tensors, indexing, operations, cat and view', async () => {
    dl.manualSeed(1);
    // torch.tensor(data) creates a torch.Tensor object with the given data.
    const V_data = [1, 2, 3];
    const V = dl.tensor(V_data);
    expect(String(V)).toBe('tensor([1., 2., 3.])');
    // Creates a matrix
    const M_data = [
      [1, 2, 3],
      [4, 5, 6],
    ];
    const M = dl.tensor(M_data);
    expect(String(M)).toBe('tensor([[1., 2., 3.],\n        [4., 5., 6.]])');
    // Create a 3D tensor of size 2x2x2.
    const T_data = [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ];
    const T = dl.tensor(T_data);
    expect(String(T)).toBe('tensor([[[1., 2.],\n         [3., 4.]],\n\n        [[5., 6.],\n         [7., 8.]]])');
    // Index into V and get a scalar (0 dimensional tensor)
    expect(String(V.at(0))).toBe('tensor(1.)');
    // Get a Python number from it
    expect(V.at(0).itemSync()).toBe(1.0);
    // Index into M and get a vector
    expect(String(M.at(0))).toBe('tensor([1., 2., 3.])');
    // Index into T and get a matrix
    expect(String(T.at(0))).toBe('tensor([[1., 2.],\n        [3., 4.]])');

    let x = dl.randn([3, 4, 5]);
    expect(x.shape).toEqual([3, 4, 5]);

    // Operations with Tensors
    x = dl.tensor([1, 2, 3]);
    const y = dl.tensor([4, 5, 6]);
    const z = x.add(y);
    expect(String(z)).toBe('tensor([5., 7., 9.])');

    // By default, it concatenates along the first axis (concatenates rows)
    const x_1 = dl.randn(2, 5);
    const y_1 = dl.randn(3, 5);
    const z_1 = dl.cat([x_1, y_1]);
    expect(z_1.shape).toEqual([5, 5]);
    expect(await z_1.at('2:').toArray()).toEqual(await y_1.toArray());
    // Concatenate columns:
    const x_2 = dl.randn(2, 3);
    const y_2 = dl.randn(2, 5);
    // second arg specifies which axis to concat along
    const z_2 = dl.cat([x_2, y_2], 1);
    expect(z_2.shape).toEqual([2, 8]);
    // If your tensors are not compatible, torch will complain.
    expect(() => dl.cat([x_1, x_2])).toThrow(dl.ShapeError);
    expect(() => dl.cat([x_1, x_2])).toThrow(/cat/);

    // Reshaping Tensors
    x = dl.randn(2, 3, 4);
    expect(x.view(2, 12).shape).toEqual([2, 12]); // Reshape to 2 rows, 12 columns
    // Same as above.  If one of the dimensions is -1, its size can be inferred
    expect(await x.view(2, -1).toArray()).toEqual(await x.view(2, 12).toArray());
    expect(String(dl.arange(24).float().view(2, 3, 4).view(2, 12))).toBe(
      'tensor([[ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.],\n        [12., 13., 14., 15., 16., 17., 18., 19., 20., 21., 22., 23.]])',
    );
  });

  it('computation graphs and automatic differentiation: requires_grad, grad_fn, backward, requires_grad_, detach, no_grad', () => {
    // Tensor factory methods have a ``requires_grad`` flag
    let x = dl.tensor([1, 2, 3], { requiresGrad: true });
    // With requires_grad=True, you can still do all the operations you previously could
    let y = dl.tensor([4, 5, 6], { requiresGrad: true });
    let z = x.add(y);
    expect(String(z)).toBe('tensor([5., 7., 9.], grad_fn=<AddBackward0>)');
    // BUT z knows something extra.
    expect(String(z.gradFn)).toBe('<AddBackward0 object>');
    // Lets sum up all the entries in z
    const s = z.sum();
    expect(String(s)).toBe('tensor(21., grad_fn=<SumBackward0>)');
    expect(String(s.gradFn)).toBe('<SumBackward0 object>');
    // calling .backward() on any variable will run backprop, starting from it.
    s.backward();
    expect(String(x.grad)).toBe('tensor([1., 1., 1.])');

    x = dl.randn(2, 2);
    y = dl.randn(2, 2);
    // By default, user created Tensors have ``requires_grad=False``
    expect([x.requiresGrad, y.requiresGrad]).toEqual([false, false]);
    z = x.add(y);
    // So you can't backprop through z
    expect(z.gradFn).toBeNull();
    // ``.requires_grad_( ... )`` changes an existing Tensor's ``requires_grad``
    // flag in-place. The input flag defaults to ``True`` if not given.
    x = x.requiresGrad_();
    y = y.requiresGrad_();
    // z contains enough information to compute gradients, as we saw above
    z = x.add(y);
    expect(String(z.gradFn)).toBe('<AddBackward0 object>');
    // If any input to an operation has ``requires_grad=True``, so will the output
    expect(z.requiresGrad).toBe(true);
    // Now z has the computation history that relates itself to x and y
    // Can we just take its values, and **detach** it from its history?
    const new_z = z.detach();
    // ... does new_z have information to backprop to x and y?
    // NO!
    expect(new_z.gradFn).toBeNull();
    expect(x.requiresGrad).toBe(true);
    expect(x.pow(2).requiresGrad).toBe(true);
    noGrad(() => {
      expect(x.pow(2).requiresGrad).toBe(false);
    });
  });
});

describe('tutorial: Deep Learning with PyTorch (NLP): affine maps, non-linearities and softmax', () => {
  it('nn.Linear, F.relu, F.softmax and F.log_softmax', async () => {
    dl.manualSeed(1);
    const lin = new nn.Linear(5, 3); // maps from R^5 to R^3, parameters A, b
    // data is 2x5.  A maps from 5 to 3... can we map "data" under A?
    let data = dl.randn(2, 5);
    const out = lin(data); // yes
    expect(out.shape).toEqual([2, 3]);
    expect(String(out)).toMatch(/grad_fn=<AddmmBackward0>\)$/);

    // In pytorch, most non-linearities are in torch.functional (we have it imported as F)
    // Note that non-linearites typically don't have parameters like affine maps do.
    // That is, they don't have weights that are updated during training.
    data = dl.randn(2, 2);
    const relu = F.relu(data);
    expect(await relu.toArray()).toEqual(((await data.toArray()) as number[][]).map((r) => r.map((v) => Math.max(v, 0))));

    // Softmax is also in torch.nn.functional
    data = dl.randn(5);
    const sm = F.softmax(data, 0);
    expect(await F.softmax(data, 0).sum().item()).toBeCloseTo(1, 6); // Sums to 1 because it is a distribution!
    const lsm = F.logSoftmax(data, 0); // theres also log_softmax
    const a = (await sm.toArray()) as number[];
    const b = (await lsm.toArray()) as number[];
    b.forEach((v, i) => expect(Math.exp(v)).toBeCloseTo(a[i]!, 6));
    expect(String(F.softmax(dl.tensor([1, 2, 3]), 0))).toBe('tensor([0.0900, 0.2447, 0.6652])');
  });
});
