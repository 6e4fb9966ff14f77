import { beforeAll, describe, expect, it } from 'vitest';
import * as dl from './everything.js';
import { toyBackend } from './testing/toy-backend.js';
import { proxyMisses } from './coercion.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- these tests write what a PyTorch port writes */

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('no silent JS-operator answers (toy backend)', () => {
  beforeAll(() => {
    dl.registerBackend(toyBackend('toy', ['float32', 'int32', 'bool']));
    dl.setDefaultDevice('toy');
  });

  it('arithmetic and comparison operators throw an OperatorError naming the method', () => {
    const x: any = dl.tensor([1, 2]);
    const y: any = dl.tensor([3, 4]);
    const cases: Array<[string, () => unknown]> = [
      ['x + y', () => x + y],
      ['x * 2', () => x * 2],
      ['x - y', () => x - y],
      ['x / 2', () => x / 2],
      ['x < y', () => x < y],
      ['x >= 0', () => x >= 0],
      ['+x', () => +x],
      ['-x', () => -x],
      // biome-ignore lint/suspicious/noDoubleEquals: loose equality is the coercion under test
      ['x == 1', () => x == 1],
      ['Number(x)', () => Number(x)],
      ['Math.max(x)', () => Math.max(x)],
    ];
    for (const [what, fn] of cases) {
      const e = thrown(fn);
      expect(e, what).toBeInstanceOf(dl.OperatorError);
      expect(e, what).toBeInstanceOf(dl.ArgumentError);
      expect(e.message, what).toMatch(/JavaScript operators/);
      expect(e.message, what).toMatch(/x\.add\(y\)/);
      expect(e.message, what).toMatch(/shape \[2\]/);
    }
  });

  it('compound assignments throw instead of making NaN or strings (p -= lr * g, n += t)', () => {
    let p: any = dl.tensor([1, 2]);
    const g: any = dl.tensor([0.5, 0.5]);
    expect(() => (p -= 0.1 * g)).toThrow(dl.OperatorError);
    expect(p).toBeInstanceOf(dl.Tensor); // unchanged
    let n: any = 0;
    const loss: any = dl.tensor(1.5);
    expect(() => (n += loss)).toThrow(/t\.item\(\)/); // one element: the hint names item()
    expect(n).toBe(0);
  });

  it("string contexts print; 'loss: ' + t throws with a hint to a template literal", () => {
    const t: any = dl.tensor([1, 2]);
    expect(`${t}`).toBe('tensor([1., 2.])');
    expect(String(t)).toBe('tensor([1., 2.])');
    expect([t].join()).toBe('tensor([1., 2.])');
    const e = thrown(() => 'loss: ' + t);
    expect(e).toBeInstanceOf(dl.OperatorError);
    expect(e.message).toContain('template literal');
  });

  it('t[i] reads row i as PyTorch (a view); out of range and 0-d are IndexErrors', () => {
    const t: any = dl.tensor([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(t[0]).toBeInstanceOf(dl.Tensor);
    expect(Array.from(t[1].dataSync())).toEqual([3, 4]);
    expect(Array.from(t[-1].dataSync())).toEqual([5, 6]);
    expect(t[2][1].toString()).toBe('tensor(6.)');
    expect(t[0].storage().dataPtr()).toBe(t.storage().dataPtr());
    expect(() => t[3]).toThrow(dl.IndexError);
    expect(() => t[3]).toThrow(/index 3 is out of bounds for dimension 0 with size 3/);
    expect(() => t[-4]).toThrow(dl.IndexError);
    expect(() => dl.tensor(5)[0 as never]).toThrow(/invalid index of a 0-dim tensor[\s\S]*item\(\)/);
  });

  it('t[i] = v throws with a hint to the indexing API; other properties behave as on any object', () => {
    const t: any = dl.tensor([1, 2, 3]);
    const e = thrown(() => (t[1] = 42));
    expect(e).toBeInstanceOf(dl.OperatorError);
    expect(e.message).toContain('t.at(1).fill_(v)');
    expect(e.message).toContain('t.indexPut_([1], v)'); // the form that also works on tensors in the autograd graph
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(dl.tensor([1, 2, 3]).indexPut_([1], 42).dataSync())).toEqual([1, 42, 3]); // and it does what the hint says
    expect(Object.keys(t)).not.toContain('1');
    t.name = 'weights';
    expect(t.name).toBe('weights');
    expect(t['1.5']).toBeUndefined(); // not an integer key
    expect(t.then).toBeUndefined(); // so `await t` and returning t from an async function work
    expect('shape' in t).toBe(true);
  });

  it('ops never reach the index Proxy (its trap is the slow path of a property lookup)', () => {
    const x = dl.tensor([
      [1, 2],
      [3, 4],
    ]);
    const b = dl.tensor([0.5, 0.25]);
    const before = proxyMisses.count;
    let y = x;
    for (let i = 0; i < 5; i++) y = y.add(b).mul(2).exp().neg();
    y = y.t().contiguous().view(4).reshape(2, 2).add_(1);
    y.fill_(0);
    String(y.at(0));
    expect(proxyMisses.count - before).toBe(0);
  });
});
