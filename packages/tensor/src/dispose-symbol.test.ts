import { beforeAll, describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import { registerBackend } from '@dl/tensor/backend';
import { toyBackend } from './testing/toy-backend.js';

beforeAll(() => registerBackend(toyBackend('toydispose', ['float32', 'int32'])));

describe('Symbol.dispose (Note [Symbol.dispose without esnext.disposable])', () => {
  it('tensors have [Symbol.dispose] at run time and it disposes', () => {
    const t = dl.ones([2], { device: 'toydispose' });
    expect(typeof t[Symbol.dispose]).toBe('function');
    t[Symbol.dispose]();
    expect(t.isDisposed).toBe(true);
  });

  it('`using` disposes at the end of the block', () => {
    let seen: dl.Tensor | undefined;
    {
      using t = dl.arange(3, { device: 'toydispose' });
      seen = t;
      expect(t.isDisposed).toBe(false);
    }
    expect(seen.isDisposed).toBe(true);
  });
});
