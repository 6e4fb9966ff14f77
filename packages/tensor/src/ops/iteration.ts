/**
 * Note [Tensors iterate over dim 0]
 * `for (const row of t)`, `[...t]`, `const [a, b] = t` give `t.unbind(0)`'s rows, as torch's
 * `for row in t`; a 0-d tensor refuses with torch's "iteration over a 0-d tensor" (a ShapeError).
 * The rows are views (gradients flow back through UnbindBackward0). The index Proxy of Note [No
 * silent JS-operator answers] is not involved: `Symbol.iterator` is a symbol key found on the
 * prototype before the Proxy's traps, so `t[i]` and the coercion errors are unchanged.
 *
 * Test frameworks walk iterables in deep equality (vitest's `toEqual`), so compare tensors by
 * their values (`expect(a.toArraySync()).toEqual(…)`, `dl.testing`'s closeness checks), not as
 * objects: two tensors compared with `toEqual` would be walked row by row down to 0-d rows.
 */
import { ShapeError } from '../errors.js';
import { Tensor } from '../tensor.js';

declare module '../tensor.js' {
  interface Tensor {
    /**
     * The rows along dim 0 (`t.unbind(0)`), as torch's `for row in t`; a 0-d tensor raises.
     * @example for (const row of dl.tensor([[1, 2], [3, 4]])) console.log(String(row));
     */
    [Symbol.iterator](): Iterator<Tensor>;
  }
}

/** @internal Install `Tensor.prototype[Symbol.iterator]` (called once from index.ts). */
export function installIteration(): void {
  Object.defineProperty(Tensor.prototype, Symbol.iterator, {
    // as torch's `__iter__`: raises when asked (not at the first row), then `iter(self.unbind(0))`
    value: function rows(this: Tensor): Iterator<Tensor> {
      if (this.dim() === 0) {
        throw new ShapeError('iteration over a 0-d tensor', {
          op: 'iter',
          hint: 'use t.item() for its number, or t.unsqueeze(0) for a 1-element sequence',
        });
      }
      return this.unbind(0)[Symbol.iterator]();
    },
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
