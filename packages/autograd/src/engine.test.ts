import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { AutogradError } from '@dl/tensor';
import '@dl/backend-cpu';
import { backwardAll, enableGrad, grad, isGradEnabled, noGrad, setGradEnabled } from './index.js';

const arr = (t: dl.Tensor | null | undefined) => t!.toArraySync() as any; // eslint-disable-line @typescript-eslint/no-explicit-any

describe('graph structure', () => {
  it('walks loss → … → input through gradFn.nextFunctions with PyTorch names', () => {
    const x = dl.tensor(
      [
        [1, 2],
        [3, 4],
      ],
      { requiresGrad: true },
    );
    const w = dl.tensor([[0.5], [-1]], { requiresGrad: true });
    const loss = x.mm(w).relu().sum();
    expect(loss.gradFn!.name()).toBe('SumBackward0');
    const relu = loss.gradFn!.nextFunctions[0]![0]!;
    expect(relu.name()).toBe('ReluBackward0');
    const mm = relu.nextFunctions[0]![0]!;
    expect(mm.name()).toBe('MmBackward0');
    expect(mm.nextFunctions.map(([n]) => n?.name())).toEqual(['AccumulateGrad', 'AccumulateGrad']);
    expect(x.isLeaf).toBe(true);
    expect(loss.isLeaf).toBe(false);
  });

  it('requiresGrad propagates iff an input requires grad and grad mode is on', () => {
    const a = dl.ones([2], { requiresGrad: true });
    const b = dl.ones([2]);
    expect(a.add(b).requiresGrad).toBe(true);
    expect(b.add(b).requiresGrad).toBe(false);
    expect(noGrad(() => a.add(b)).requiresGrad).toBe(false);
    expect(noGrad(() => enableGrad(() => a.add(b))).requiresGrad).toBe(true);
    setGradEnabled(false);
    try {
      expect(isGradEnabled()).toBe(false);
      expect(a.mul(2).requiresGrad).toBe(false);
    } finally {
      setGradEnabled(true);
    }
    expect(a.detach().requiresGrad).toBe(false);
  });
});

describe('backward', () => {
  it('backwardAll takes the gradients list as optional, as torch.autograd.backward(tensors)', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    const y = dl.tensor([3], { requiresGrad: true });
    backwardAll([x.mul(y).sum(), y.mul(2).sum()]);
    expect(x.grad!.toArraySync()).toEqual([3, 3]);
    expect(y.grad!.toArraySync()).toEqual([5]);
    expect(() => backwardAll([x.sum()], [undefined, undefined])).toThrow(/backward: got 2 gradients for 1 tensors/);
    expect(() => backwardAll([x.mul(2)])).toThrow(AutogradError);
  });

  it('a DAG where one tensor feeds two branches runs each node once', () => {
    const x = dl.tensor([1, 2, 3], { requiresGrad: true });
    const h = x.mul(x); // used twice
    const out = h.sin().add(h.mul(3)).sum();
    out.backward();
    // d/dx [sin(x²) + 3x²] = 2x cos(x²) + 6x
    const xs = [1, 2, 3];
    arr(x.grad).forEach((g: number, i: number) => expect(g).toBeCloseTo(2 * xs[i]! * Math.cos(xs[i]! ** 2) + 6 * xs[i]!, 4));
  });

  it('gradients accumulate across backward calls and zero_ resets them', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    x.mul(3).sum().backward();
    x.mul(3).sum().backward();
    expect(arr(x.grad)).toEqual([6, 6]);
    x.grad!.zero_();
    x.mul(2).sum().backward();
    expect(arr(x.grad)).toEqual([2, 2]);
  });

  it('a second backward through a freed graph fails; retainGraph allows it', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(undefined, { retainGraph: true });
    y.backward();
    expect(arr(x.grad)[0]).toBeCloseTo(2 * Math.E, 5);
    expect(() => y.backward()).toThrow(/backward through the graph a second time/);
    expect(() => y.backward()).toThrow(AutogradError);
  });

  it('a non-scalar output needs a gradient argument', () => {
    const x = dl.ones([2, 2], { requiresGrad: true });
    const y = x.mul(2);
    expect(() => y.backward()).toThrow(/implicitly created only for scalar outputs.*\[2, 2\]/s);
    y.backward(
      dl.tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    expect(arr(x.grad)).toEqual([
      [2, 4],
      [6, 8],
    ]);
  });

  it('backward on a tensor that does not require grad is a clear error', () => {
    expect(() => dl.ones([1]).sum().backward()).toThrow(/does not require grad/);
  });

  it('broadcasting is undone by summing the gradient back', () => {
    const a = dl.ones([3, 1], { requiresGrad: true });
    const b = dl.ones([4], { requiresGrad: true });
    a.add(b).mul(2).sum().backward();
    expect(arr(a.grad)).toEqual([[8], [8], [8]]);
    expect(arr(b.grad)).toEqual([6, 6, 6, 6]);
  });

  it('views and slicing route gradients into the right positions', () => {
    const x = dl.arange(12, undefined, 1, { dtype: 'float32' }).view(3, 4).requiresGrad_();
    const y = x.at('1:', '::2').mul(
      dl.tensor([
        [1, 2],
        [3, 4],
      ]),
    );
    y.sum().backward();
    expect(arr(x.grad)).toEqual([
      [0, 0, 0, 0],
      [1, 0, 2, 0],
      [3, 0, 4, 0],
    ]);
    const z = dl.zeros([2, 3], { requiresGrad: true });
    z.t()
      .reshape(6)
      .mul(dl.arange(6, undefined, 1, { dtype: 'float32' }))
      .sum()
      .backward();
    expect(arr(z.grad)).toEqual([
      [0, 2, 4],
      [1, 3, 5],
    ]);
  });

  it('mixed dtypes: float64 result, float32 leaf gets a float32 grad', () => {
    const a = dl.ones([2], { requiresGrad: true });
    const b = dl.ones([2], { dtype: 'float64' });
    const y = a.mul(b).sum();
    expect(y.dtype).toBe('float64');
    y.backward();
    expect(a.grad!.dtype).toBe('float32');
  });
});

describe('in-place', () => {
  it('modifying a tensor saved for backward raises an error naming the op', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(1);
    const z = y.exp(); // saves its output
    z.add_(1);
    expect(() => z.sum().backward()).toThrow(/modified by an inplace operation.*exp/s);
  });

  it('in-place on a leaf that requires grad is refused outside noGrad', () => {
    const w = dl.ones([2], { requiresGrad: true });
    expect(() => w.add_(1)).toThrow(/leaf Variable that requires grad/);
    noGrad(() => w.add_(1));
    expect(arr(w)).toEqual([2, 2]);
  });

  it('in-place ops on non-leaves keep the graph', () => {
    const x = dl.tensor([1, -2, 3], { requiresGrad: true });
    const y = x.mul(2);
    y.relu_();
    expect(y.gradFn!.name()).toBe('ReluBackward0');
    y.sum().backward();
    expect(arr(x.grad)).toEqual([2, 0, 2]);
  });
});

describe('hooks and retainGrad', () => {
  it('registerHook sees and may replace the gradient; retainGrad keeps non-leaf grads', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    h.retainGrad();
    const seen: number[][] = [];
    h.registerHook((g) => void seen.push(g.toArraySync() as number[]));
    x.registerHook((g) => g.mul(10));
    h.pow(2).sum().backward();
    expect(seen).toEqual([[6, 12]]);
    expect(arr(h.grad)).toEqual([6, 12]);
    expect(arr(x.grad)).toEqual([180, 360]);
  });
});

describe('grad()', () => {
  it('returns gradients without touching .grad, and allowUnused', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    const u = dl.tensor([5], { requiresGrad: true });
    const [gx, gu] = grad([x.square().sum()], [x, u], { allowUnused: true });
    expect(arr(gx)).toEqual([2, 4]);
    expect(gu).toBeNull();
    expect(x.grad).toBeNull();
    expect(() => grad([x.square().sum()], [u])).toThrow(/not have been used in the graph/);
  });

  it('second-order gradient of x**3 is 6x', () => {
    const x = dl.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    const [g1] = grad([x.pow(3).sum()], [x], { createGraph: true });
    expect(arr(g1)).toEqual([3, 12, 27]);
    expect(g1!.requiresGrad).toBe(true);
    const [g2] = grad([g1!.sum()], [x]);
    expect(arr(g2)).toEqual([6, 12, 18]);
  });
});

describe('memory', () => {
  it('a loop of forward + backward holds a flat memory line', () => {
    const w = dl.randn([32, 16], { requiresGrad: true });
    const x = dl.randn([64, 32]);
    const step = () =>
      dl.tidy(() => {
        const loss = x.mm(w).tanh().square().mean();
        loss.backward();
        noGrad(() => w.sub_(w.grad!.mul(0.01)));
        w.grad!.zero_();
      });
    for (let i = 0; i < 20; i++) step();
    const before = dl.memory().devices.cpu!;
    const tensorsBefore = dl.memory().tensors;
    for (let i = 0; i < 200; i++) step();
    const after = dl.memory().devices.cpu!;
    expect(after.storages).toBe(before.storages);
    expect(after.bytes).toBe(before.bytes);
    expect(dl.memory().tensors).toBeLessThanOrEqual(tensorsBefore);
  });
});
