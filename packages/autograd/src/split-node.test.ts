import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { grad } from './index.js';

// split / chunk / unbind record ONE node with every part as an output (Note [Multi-output splits]
// in @dl/tensor's ops/views.ts), as torch; expected values from torch 1.13.
const arr = (t: dl.Tensor | null | undefined) => t!.toArraySync() as unknown;
const x0 = () => dl.arange(12).reshape(3, 4).float().requiresGrad_();

describe('multi-output split nodes', () => {
  it('unbind: one UnbindBackward0 node; parts without a gradient count as zeros', () => {
    const x = x0();
    const [a, b, c] = x.unbind(0);
    expect(a!.gradFn).toBe(b!.gradFn);
    expect(String(a!.gradFn)).toBe('<UnbindBackward0 object>');
    expect(a!.gradFn!.nextFunctions.length).toBe(1);
    a!
      .mul(2)
      .add(c!.mul(dl.tensor([1, 2, 3, 4])))
      .sum()
      .backward();
    expect(arr(x.grad)).toEqual([
      [2, 2, 2, 2],
      [0, 0, 0, 0],
      [1, 2, 3, 4],
    ]);
  });

  it('unbind along a later dim stacks the gradients there', () => {
    const x = x0();
    const cols = x.unbind(1);
    expect(cols.map((t) => t.shape)).toEqual([[3], [3], [3], [3]]);
    const [g] = grad([cols[1]!.sum().add(cols[3]!.mul(3).sum())], [x]);
    expect(arr(g)).toEqual([
      [0, 1, 0, 3],
      [0, 1, 0, 3],
      [0, 1, 0, 3],
    ]);
  });

  it('split with sizes and chunk: SplitWithSizesBackward0 / SplitBackward0, gradients as torch', () => {
    const x = x0();
    const [p, q] = x.split([1, 3], 1);
    expect(String(q!.gradFn)).toBe('<SplitWithSizesBackward0 object>');
    expect(p!.gradFn).toBe(q!.gradFn);
    q!.mul(q!).sum().backward();
    expect(arr(x.grad)).toEqual([
      [0, 2, 4, 6],
      [0, 10, 12, 14],
      [0, 18, 20, 22],
    ]);
    const y = x0();
    const u = y.chunk(2, 1);
    expect(String(u[0]!.gradFn)).toBe('<SplitBackward0 object>');
    u[1]!.sum().backward();
    expect(arr(y.grad)).toEqual([
      [0, 0, 1, 1],
      [0, 0, 1, 1],
      [0, 0, 1, 1],
    ]);
  });

  it('is differentiated again under createGraph', () => {
    const x = dl.tensor([1, 2, 3], { requiresGrad: true });
    const [a, , c] = x.unbind();
    const [g] = grad([a!.pow(3).add(c!.pow(2))], [x], { createGraph: true });
    expect(arr(g)).toEqual([3, 0, 6]);
    const [gg] = grad([g!.sum()], [x]);
    expect(arr(gg)).toEqual([6, 0, 2]);
  });

  it('costs one pass over x in backward however many parts (bytes allocated grow linearly)', () => {
    const bytes = (n: number): number => {
      const x = dl.randn([n, 64], { requiresGrad: true });
      const parts = x.unbind(0);
      let loss = parts[0]!.sum();
      for (let i = 1; i < n; i++) loss = loss.add(parts[i]!.sum());
      const prof = dl.profile(() => loss.backward());
      return prof.rows.reduce((s, r) => s + r.selfBytes, 0);
    };
    const small = bytes(50);
    const large = bytes(400);
    expect(large / small).toBeLessThan(8 * 1.2); // 8× the parts: linear (one slice per part would be 64×)
  });
});
