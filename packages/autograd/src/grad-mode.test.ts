import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { enableGrad, isGradEnabled, noGrad, setGradEnabled } from './index.js';

describe('grad modes as scopes', () => {
  it('setGradEnabled(mode, fn) runs fn in that mode, returns its result and restores the mode', () => {
    const x = dl.ones([2], { requiresGrad: true });
    const y = setGradEnabled(false, () => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
    expect(x.mul(2).requiresGrad).toBe(true);
    noGrad(() => {
      const z = setGradEnabled(true, () => x.mul(2));
      expect(z.gradFn?.name()).toBe('MulBackward0');
      expect(isGradEnabled()).toBe(false);
    });
  });

  it('the mode is restored when fn throws', () => {
    expect(() =>
      setGradEnabled(false, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    expect(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
  });

  it('setGradEnabled(mode) without fn is a global switch; inside a scope it lasts until the scope ends (as torch)', () => {
    try {
      setGradEnabled(false);
      expect(isGradEnabled()).toBe(false);
      enableGrad(() => {
        setGradEnabled(false);
        expect(isGradEnabled()).toBe(false);
      });
      expect(isGradEnabled()).toBe(false);
      setGradEnabled(true);
      noGrad(() => setGradEnabled(true));
      expect(isGradEnabled()).toBe(true);
    } finally {
      setGradEnabled(true);
    }
  });

  it('async functions keep the mode until their promise settles, then restore it', async () => {
    const x = dl.ones([2], { requiresGrad: true });
    const p = noGrad(async () => {
      await new Promise((r) => setTimeout(r, 5));
      return x.mul(2);
    });
    expect(isGradEnabled()).toBe(false); // the documented caveat: code running meanwhile sees the mode
    const y = await p;
    expect(y.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);

    await expect(
      noGrad(async () => {
        await null;
        throw new Error('async boom');
      }),
    ).rejects.toThrow('async boom');
    expect(isGradEnabled()).toBe(true);

    const z = await setGradEnabled(false, async () =>
      enableGrad(async () => {
        await null;
        return x.mul(3);
      }),
    );
    expect(z.gradFn?.name()).toBe('MulBackward0');
    expect(isGradEnabled()).toBe(true);
  });

  it('overlapping async scopes each remove only their own frame', async () => {
    let releaseA!: () => void;
    const a = noGrad(() => new Promise<void>((r) => (releaseA = r)));
    let releaseB!: () => void;
    const b = enableGrad(() => new Promise<void>((r) => (releaseB = r)));
    expect(isGradEnabled()).toBe(true); // b's frame is on top
    releaseA();
    await a;
    expect(isGradEnabled()).toBe(true); // a ended first: b's mode stays
    releaseB();
    await b;
    expect(isGradEnabled()).toBe(true);

    const c = noGrad(() => new Promise<void>((r) => setTimeout(r, 1)));
    const d = noGrad(() => new Promise<void>((r) => setTimeout(r, 5)));
    await c;
    expect(isGradEnabled()).toBe(false); // d still open
    await d;
    expect(isGradEnabled()).toBe(true);
  });

  it('bad arguments are ArgumentErrors', () => {
    expect(() => setGradEnabled('no' as never)).toThrow(dl.ArgumentError);
    expect(() => setGradEnabled(false, 5 as never)).toThrow(/expected a function/);
    expect(() => noGrad(undefined as never)).toThrow(/noGrad: expected a function/);
    expect(() => enableGrad({} as never)).toThrow(dl.ArgumentError);
    expect(isGradEnabled()).toBe(true);
  });
});

describe('backward arguments', () => {
  it('loss.backward({ retainGraph: true }) takes the options as the first argument', () => {
    const x = dl.tensor([1, 2, 3], { requiresGrad: true });
    const loss = x.mul(x).sum();
    loss.backward({ retainGraph: true });
    loss.backward();
    expect(Array.from(x.grad!.dataSync())).toEqual([4, 8, 12]);
  });

  it('gradient then options, and null as "no gradient", still work', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    y.backward(dl.ones([2]), { retainGraph: true });
    y.backward(dl.ones([2]));
    expect(Array.from(x.grad!.dataSync())).toEqual([6, 6]);
    const s = x.sum();
    s.backward(null);
    expect(Array.from(x.grad!.dataSync())).toEqual([7, 7]);
  });

  it('a first argument that is neither a tensor nor options, or misspelt options, is an ArgumentError', () => {
    const x = dl.tensor([1, 2], { requiresGrad: true });
    const loss = x.sum();
    expect(() => loss.backward(1 as never)).toThrow(/backward: gradient must be a Tensor, got number/);
    expect(() => loss.backward([1, 1] as never)).toThrow(/got an array/);
    expect(() => loss.backward({ retainGraph: true } as never, {})).toThrow(dl.ArgumentError);
    expect(() => loss.backward({ retain_graph: true } as never)).toThrow(/unknown option 'retain_graph'[\s\S]*retainGraph/);
    loss.backward(); // the graph is intact after the refusals
    expect(Array.from(x.grad!.dataSync())).toEqual([1, 1]);
  });
});

describe('printing autograd state', () => {
  it('console.log(loss.gradFn) prints <MeanBackward0 object>, and the tensor its grad_fn', () => {
    const x = dl.ones([2, 2], { requiresGrad: true });
    const loss = x.mul(2).mean();
    expect(inspect(loss.gradFn)).toBe('<MeanBackward0 object>');
    expect(String(loss.gradFn)).toBe('<MeanBackward0 object>');
    expect(inspect(loss)).toBe('tensor(2., grad_fn=<MeanBackward0>)');
    expect(inspect(loss.gradFn!.nextFunctions[0]![0])).toBe('<MulBackward0 object>');
    expect(inspect(x)).toBe('tensor([[1., 1.],\n        [1., 1.]], requires_grad=True)');
  });
});
