// pytorch.org/tutorials, Learn the Basics: "Tensors" (torch 1.13), ported line by line.
// Printed values are torch 1.13's (checked with /usr/bin/python3). Deliberate differences:
// `dl.tensor([[1, 2], [3, 4]])` is float32 (dl's default for JS numbers), `t.dtype` prints
// 'float32' (torch: torch.float32), `tensor[:, 1] = 0` is `tensor.at(':', 1).fill_(0)`.
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';

describe('tutorial: Tensors', () => {
  it('initializing a tensor', async () => {
    const data = [
      [1, 2],
      [3, 4],
    ];
    const x_data = dl.tensor(data);
    expect(await x_data.toArray()).toEqual(data);
    // from a NumPy array: a typed array shares memory (torch.from_numpy)
    const np_array = new Float64Array([1, 2, 3, 4]);
    const x_np = dl.fromArray(np_array, [2, 2]);
    expect(x_np.dtype).toBe('float64');
    expect(await x_np.toArray()).toEqual(data);

    const x_ones = dl.onesLike(x_data); // retains the properties of x_data
    expect(`Ones Tensor: \n ${x_ones} \n`).toBe('Ones Tensor: \n tensor([[1., 1.],\n        [1., 1.]]) \n');
    const x_int = dl.tensor(data, { dtype: 'int64' });
    const x_rand = dl.randLike(x_int, { dtype: 'float' }); // overrides the datatype of x_data
    expect(x_rand.dtype).toBe('float32');
    expect(x_rand.shape).toEqual([2, 2]);
    expect(`Random Tensor: \n ${x_rand} \n`).toMatch(
      /^Random Tensor: \n tensor\(\[\[0\.\d{4}, 0\.\d{4}\],\n {8}\[0\.\d{4}, 0\.\d{4}\]\]\) \n$/,
    );

    const shape = [2, 3];
    const rand_tensor = dl.rand(shape);
    const ones_tensor = dl.ones(shape);
    const zeros_tensor = dl.zeros(shape);
    expect(rand_tensor.shape).toEqual([2, 3]);
    expect(`Ones Tensor: \n ${ones_tensor} \n`).toBe('Ones Tensor: \n tensor([[1., 1., 1.],\n        [1., 1., 1.]]) \n');
    expect(`Zeros Tensor: \n ${zeros_tensor}`).toBe('Zeros Tensor: \n tensor([[0., 0., 0.],\n        [0., 0., 0.]])');
  });

  it('attributes of a tensor', () => {
    const tensor = dl.rand(3, 4);
    expect(`Shape of tensor: ${tensor.shape}`).toBe('Shape of tensor: dl.Size([3, 4])');
    expect(`Datatype of tensor: ${tensor.dtype}`).toBe('Datatype of tensor: float32');
    expect(`Device tensor is stored on: ${tensor.device}`).toBe('Device tensor is stored on: cpu');
  });

  it('standard numpy-like indexing and slicing', () => {
    const tensor = dl.ones(4, 4);
    expect(`First row: ${tensor.at(0)}`).toBe('First row: tensor([1., 1., 1., 1.])');
    expect(`First row: ${tensor[0]}`).toBe('First row: tensor([1., 1., 1., 1.])'); // tensor[0] reads (and typechecks)
    expect(`First column: ${tensor.at(':', 0)}`).toBe('First column: tensor([1., 1., 1., 1.])');
    expect(`Last column: ${tensor.at('...', -1)}`).toBe('Last column: tensor([1., 1., 1., 1.])');
    tensor.at(':', 1).fill_(0); // tensor[:,1] = 0
    const printed = 'tensor([[1., 0., 1., 1.],\n        [1., 0., 1., 1.],\n        [1., 0., 1., 1.],\n        [1., 0., 1., 1.]])';
    expect(String(tensor)).toBe(printed);
    // the same with index assignment (torch's tensor[:, 1] = 0 through __setitem__)
    const t2 = dl.ones(4, 4);
    t2.indexPut_([dl.arange(4), dl.tensor([1, 1, 1, 1], { dtype: 'int64' })], dl.tensor(0));
    expect(String(t2)).toBe(printed);
    // `tensor[:, 1] = 0` itself is refused with a hint, never silently ignored
    expect(() => {
      (t2 as unknown as Record<number, number>)[1] = 0;
    }).toThrow(dl.OperatorError);
  });

  it('joining tensors: cat with dim positional or as a keyword', () => {
    const tensor = dl.ones(4, 4);
    tensor.at(':', 1).fill_(0);
    const t1 = dl.cat([tensor, tensor, tensor], { dim: 1 }); // torch.cat([...], dim=1)
    expect(String(t1)).toBe(
      'tensor([[1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.],\n' +
        '        [1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.],\n' +
        '        [1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.],\n' +
        '        [1., 0., 1., 1., 1., 0., 1., 1., 1., 0., 1., 1.]])',
    );
    expect(String(dl.cat([tensor, tensor, tensor], 1))).toBe(String(t1));
    expect(dl.stack([tensor, tensor], { dim: 1 }).shape).toEqual([4, 2, 4]);
  });

  it('arithmetic operations, single-element tensors and in-place ops', async () => {
    const tensor = dl.ones(4, 4);
    tensor.at(':', 1).fill_(0);
    // matrix multiplication: y1, y2, y3 have the same value
    const y1 = tensor.matmul(tensor.T);
    const y2 = tensor.matmul(tensor.T);
    const y3 = dl.randLike(y1);
    dl.matmul(tensor, tensor.T, { out: y3 });
    const three = 'tensor([[3., 3., 3., 3.],\n        [3., 3., 3., 3.],\n        [3., 3., 3., 3.],\n        [3., 3., 3., 3.]])';
    expect([String(y1), String(y2), String(y3)]).toEqual([three, three, three]);
    // element-wise product: z1, z2, z3 have the same value
    const z1 = tensor.mul(tensor);
    const z2 = tensor.mul(tensor);
    const z3 = dl.randLike(tensor);
    dl.mul(tensor, tensor, { out: z3 });
    expect(String(z3)).toBe(String(tensor));
    expect(await z1.toArray()).toEqual(await z2.toArray());

    const agg = tensor.sum();
    const agg_item = await agg.item();
    expect([agg_item, typeof agg_item]).toEqual([12, 'number']); // torch: 12.0 <class 'float'>

    tensor.add_(5);
    expect(String(tensor)).toBe(
      'tensor([[6., 5., 6., 6.],\n        [6., 5., 6., 6.],\n        [6., 5., 6., 6.],\n        [6., 5., 6., 6.]])',
    );
  });

  it('bridge with NumPy: t.numpy() and dl.fromArray share memory both ways', () => {
    const t = dl.ones(5);
    expect(`t: ${t}`).toBe('t: tensor([1., 1., 1., 1., 1.])');
    const n = t.numpy();
    expect(Array.from(n)).toEqual([1, 1, 1, 1, 1]);
    t.add_(1); // a change in the tensor reflects in the array
    expect(Array.from(n)).toEqual([2, 2, 2, 2, 2]);

    const n2 = new Float64Array(5).fill(1); // n = np.ones(5)
    const t2 = dl.fromArray(n2, [5]); // t = torch.from_numpy(n)
    for (let i = 0; i < n2.length; i++) n2[i]! += 1; // np.add(n, 1, out=n)
    expect(`t: ${t2}`).toBe('t: tensor([2., 2., 2., 2., 2.], dtype=torch.float64)');
  });

  it('cat/stack refuse a dim that is neither an integer nor { dim }, with a typed error', () => {
    const t = dl.ones(2, 2);
    expect(() => dl.cat([t, t], { dims: 1 } as never)).toThrow(/cat: unknown option 'dims'/);
    expect(() => dl.cat([t, t], [1] as never)).toThrow(dl.ArgumentError);
    expect(() => dl.stack([t, t], 'x' as never)).toThrow(/stack: dim must be an integer or \{ dim \}, got string/);
  });
});
