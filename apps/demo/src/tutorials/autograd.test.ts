// pytorch.org/tutorials, Learn the Basics: "Automatic Differentiation with torch.autograd"
// (torch 1.13), ported line by line. Printed values are torch 1.13's.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { F } from '@dl/nn';

describe('tutorial: Autograd', () => {
  it('tensors, functions and the computational graph; computing gradients', async () => {
    const x = dl.ones(5); // input tensor
    const y = dl.zeros(3); // expected output
    const w = dl.randn([5, 3], { requiresGrad: true });
    const b = dl.randn([3], { requiresGrad: true });
    const z = dl.matmul(x, w).add(b);
    const loss = F.binaryCrossEntropyWithLogits(z, y);

    expect(`Gradient function for z = ${z.gradFn}`).toBe('Gradient function for z = <AddBackward0 object>');
    expect(`Gradient function for loss = ${loss.gradFn}`).toBe(
      'Gradient function for loss = <BinaryCrossEntropyWithLogitsBackward0 object>',
    );
    expect(inspect(loss.gradFn)).toBe('<BinaryCrossEntropyWithLogitsBackward0 object>');

    loss.backward();
    // d loss / d w[i][j] = (sigmoid(z_j) - y_j) / 3 for every row i (x is ones), d loss / d b = the same row
    const zs = (await z.detach().toArray()) as number[];
    const expected = zs.map((v) => 1 / (1 + Math.exp(-v)) / 3);
    const gw = (await w.grad!.toArray()) as number[][];
    for (const row of gw) row.forEach((g, j) => expect(g).toBeCloseTo(expected[j]!, 6));
    ((await b.grad!.toArray()) as number[]).forEach((g, j) => expect(g).toBeCloseTo(expected[j]!, 6));
    expect(String(w.grad)).toMatch(/^tensor\(\[\[/);
  });

  it('disabling gradient tracking: noGrad and detach', () => {
    const x = dl.ones(5);
    const w = dl.randn([5, 3], { requiresGrad: true });
    const b = dl.randn([3], { requiresGrad: true });
    let z = dl.matmul(x, w).add(b);
    expect(z.requiresGrad).toBe(true);
    z = noGrad(() => dl.matmul(x, w).add(b));
    expect(z.requiresGrad).toBe(false);
    z = dl.matmul(x, w).add(b);
    const z_det = z.detach();
    expect(z_det.requiresGrad).toBe(false);
    expect(z_det.gradFn).toBeNull();
  });

  it('tensor gradients and Jacobian products: backward(gradient, { retainGraph })', () => {
    const inp = dl.eye(4, 5, { requiresGrad: true });
    const out = inp.add(1).pow(2).t();
    out.backward(dl.onesLike(out), { retainGraph: true });
    expect(`First call\n${inp.grad}`).toBe(
      'First call\ntensor([[4., 2., 2., 2., 2.],\n        [2., 4., 2., 2., 2.],\n        [2., 2., 4., 2., 2.],\n        [2., 2., 2., 4., 2.]])',
    );
    out.backward(dl.onesLike(out), { retainGraph: true });
    expect(`\nSecond call\n${inp.grad}`).toBe(
      '\nSecond call\ntensor([[8., 4., 4., 4., 4.],\n        [4., 8., 4., 4., 4.],\n        [4., 4., 8., 4., 4.],\n        [4., 4., 4., 8., 4.]])',
    );
    inp.grad!.zero_();
    out.backward(dl.onesLike(out), { retainGraph: true });
    expect(`\nCall after zeroing gradients\n${inp.grad}`).toBe(
      '\nCall after zeroing gradients\ntensor([[4., 2., 2., 2., 2.],\n        [2., 4., 2., 2., 2.],\n        [2., 2., 4., 2., 2.],\n        [2., 2., 2., 4., 2.]])',
    );
    // the Python keyword spelling gets a hint, not a silent default
    expect(() => out.backward(dl.onesLike(out), { retain_graph: true } as never)).toThrow(/retain_graph is retainGraph/);
  });
});
