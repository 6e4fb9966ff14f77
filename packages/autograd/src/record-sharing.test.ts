/**
 * What `record` shares between nodes to stay cheap per op (issue 15): one edge per node
 * output (`edgeOf`), metas reused across same-shaped tensors (Note [Shared tensor metas]), autograd
 * meta made only for outputs past the first. The graph must read exactly as before.
 */
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import './index.js';
import type { OpNode } from './index.js';

const arr = (t: dl.Tensor | null | undefined) => t!.toArraySync();

describe('record: shared edges and metas', () => {
  it('consumers of one output share its edge; leaves share their AccumulateGrad edge; constants the null edge', () => {
    const x = dl.tensor([1, 2, 3], { requiresGrad: true });
    const c = dl.tensor([4, 5, 6]);
    const a = x.mul(2);
    const b = a.add(c);
    const d = a.sub(c);
    const e = x.add(1);
    const [ea, ec] = b.gradFn!.nextFunctions;
    expect(ea![0]).toBe(a.gradFn);
    expect(ea![1]).toBe(0);
    expect(d.gradFn!.nextFunctions[0]).toBe(ea);
    expect(ec).toEqual([null, 0]);
    expect(Object.isFrozen(ec)).toBe(true);
    const acc = a.gradFn!.nextFunctions[0]!;
    expect(acc[0]!.name()).toBe('AccumulateGrad');
    expect(e.gradFn!.nextFunctions[0]).toBe(acc);
    b.add(d).sum().backward();
    expect(arr(x.grad)).toEqual([4, 4, 4]);
  });

  it('outputs past the first carry their output number (split), and gradients reach the right slices', () => {
    const x = dl.arange(6, { dtype: 'float32' }).requiresGrad_();
    const [p, q, r] = x.split(2);
    const node = q!.gradFn!;
    expect(r!.gradFn).toBe(node);
    const edgeQ = q!.mul(1).gradFn!.nextFunctions[0]!;
    const edgeR = r!.mul(1).gradFn!.nextFunctions[0]!;
    expect(edgeQ[0]).toBe(node);
    expect(edgeQ[1]).toBe(1);
    expect(edgeR[1]).toBe(2);
    expect(p!.mul(1).gradFn!.nextFunctions[0]![1]).toBe(0);
    r!.mul(3).sum().add(q!.mul(2).sum()).backward();
    expect(arr(x.grad)).toEqual([0, 0, 2, 2, 3, 3]);
  });

  it('a reused meta keeps each input shape, dtype and device: broadcast gradients sum back to them', () => {
    const x = dl.ones([3, 1], { requiresGrad: true });
    const y = dl.ones([1, 4], { requiresGrad: true });
    const w = dl.ones([3, 4], { requiresGrad: true, dtype: 'float64' });
    const z = x.add(y).mul(x).add(y).to('float64').mul(w);
    const node = z.gradFn as OpNode;
    expect(node.inputMeta.map((m) => [m!.shape, m!.dtype])).toEqual([
      [[3, 4], 'float64'],
      [[3, 4], 'float64'],
    ]);
    z.sum().backward();
    expect(x.grad!.shape).toEqual([3, 1]);
    expect(y.grad!.shape).toEqual([1, 4]);
    expect(x.grad!.dtype).toBe('float32');
    expect(arr(x.grad)).toEqual([[12], [12], [12]]);
    expect(arr(y.grad)).toEqual([[6, 6, 6, 6]]);
  });

  it('an input reshaped in place after use (unsqueeze_) gets a meta of its new shape', () => {
    const x = dl.ones([2, 3], { requiresGrad: true });
    const a = x.mul(2);
    const m1 = (a.add(1).gradFn as OpNode).inputMeta[0]!;
    a.unsqueeze_(0);
    const m2 = (a.add(1).gradFn as OpNode).inputMeta[0]!;
    expect(m1.shape).toEqual([2, 3]);
    expect(m2.shape).toEqual([1, 2, 3]);
  });

  it('hooks and retainGrad on a first output still work without meta made at record time', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    const a = x.mul(3);
    a.retainGrad();
    const seen: number[][] = [];
    a.registerHook((g) => void seen.push(g.toArraySync() as number[]));
    a.mul(a).sum().backward();
    expect(arr(a.grad)).toEqual([6, 12]);
    expect(seen).toEqual([[6, 12]]);
    expect(arr(x.grad)).toEqual([18, 36]);
  });

  it('a step boundary hands every saved storage of a loose graph to the GC, walking the whole chain; backward still reads them', () => {
    const cpuBytes = () => dl.memory().devices.cpu!.bytes;
    const v = Array.from({ length: 300 }, (_, i) => (i % 7) / 7 - 0.5);
    const x = dl.tensor(v, { requiresGrad: true }); // heap sized
    dl.endStep();
    const base = cpuBytes();
    const out = dl.tidy(() => {
      const a = x.mul(2);
      const b = a.mul(a);
      const c = b.mul(b);
      return c.sum();
    });
    expect(cpuBytes() - base).toBeGreaterThanOrEqual(2 * 300 * 4); // a and b, saved by the graph
    dl.endStep();
    expect(cpuBytes()).toBe(base); // every saved storage spilled, down the chain
    out.backward();
    const g = x.grad!.toArraySync() as number[];
    v.forEach((xi, i) => expect(g[i]).toBeCloseTo(64 * xi ** 3, 4));
  });
});
