import { IndexError, OperatorError } from './errors.js';
import type { TensorBase } from './tensor-base.js';

/**
 * Note [No silent JS-operator answers]
 * JavaScript has no operator overloading: `x + y` on two objects converts both to primitives
 * and adds or concatenates those, `p -= lr * g` makes `p` NaN, `t[3] = 42` adds a property
 * nobody reads. A PyTorch port line by line writes exactly these, so a tensor refuses them:
 *
 * - `Symbol.toPrimitive` answers hint 'string' (`${t}`, `String(t)`) with the printed tensor and
 *   throws an OperatorError naming the method for hints 'number' and 'default' (`+`, `-`, `*`, `<`,
 *   `+=`, `==` with a primitive, `Number(t)`). `'loss: ' + t` uses hint 'default' too: the error
 *   suggests a template literal.
 * - Numeric property keys: the root of Tensor's prototype chain is a Proxy, whose traps run only
 *   for properties found nowhere before it — own fields and methods are found earlier, so ops pay
 *   nothing. Reading `t[i]` gives row `i` (`t.select(0, i)`, as PyTorch's `t[i]`), out of range an
 *   IndexError; writing `t[i] = v` throws with a hint to `t.at(i).fill_(v)` and to
 *   `t.indexPut_([i], v)` (which also works on tensors in the autograd graph). Any other property
 *   read or written there behaves as on a plain object.
 *
 * Tensors iterate over dim 0 as PyTorch's do (Note [Tensors iterate over dim 0] in
 * ops/iteration.ts): `Symbol.iterator` is found on the prototype, before this Proxy, so neither
 * trap sees it. Test frameworks treat iterables as collections — vitest's `toEqual` walks them
 * down to 0-d rows, which refuse iteration — so tests compare tensors by value
 * (`expect(a.toArraySync()).toEqual(…)`), never `expect(a).toEqual(b)`.
 */

type Indexable = TensorBase & { select(dim: number, index: number): TensorBase };

/** `"3"`, `"-1"`: canonical integer keys (not `"03"`, `"1.5"`, `"1e3"`). */
function intKey(key: string | symbol): number | null {
  if (typeof key !== 'string' || key.length === 0 || key.length > 16) return null;
  const c = key.charCodeAt(0);
  if (!((c >= 48 && c <= 57) || c === 45)) return null;
  const n = Number(key);
  return Number.isInteger(n) && String(n) === key ? n : null;
}

function shapeOf(t: TensorBase): string {
  return `[${t.shape.join(', ')}]`;
}

/** The OperatorError `x + y`, `x * 2`, `x < y`, `+x` raise. */
export function coercionError(t: TensorBase, hint: string): OperatorError {
  const one = t.numel() === 1;
  const what = hint === 'number' ? 'a number' : 'a primitive';
  return new OperatorError(
    `a Tensor of shape ${shapeOf(t)} cannot be converted to ${what}: JavaScript operators (+, -, *, /, <, +=, …) do not work on tensors`,
    {
      op: 'toPrimitive',
      hint:
        'use the methods: x.add(y), x.sub(y), x.mul(2), x.div(y), x.lt(y), p.sub_(g.mul(lr)); ' +
        (one ? 'for the number in this one-element tensor use t.item() (or t.itemSync() on cpu); ' : '') +
        'to print, use a template literal `loss: ${t}` or String(t)',
    },
  );
}

/** Tensor's `[Symbol.toPrimitive]`: strings print, numbers refuse. */
export function toPrimitive(t: TensorBase, hint: string): string {
  if (hint === 'string') return String(t.toString());
  throw coercionError(t, hint);
}

function rowOf(t: Indexable, i: number): TensorBase {
  if (t.shape.length === 0) {
    throw new IndexError(`t[${i}]: invalid index of a 0-dim tensor`, {
      op: 'index',
      hint: 'use t.item() (or t.itemSync()) to read its number',
    });
  }
  const n = t.shape[0]!;
  if (i < -n || i >= n) {
    throw new IndexError(`t[${i}]: index ${i} is out of bounds for dimension 0 with size ${n}`, {
      op: 'index',
      hint: `valid indices are ${-n}..${n - 1} (tensor of shape ${shapeOf(t)})`,
    });
  }
  return t.select(0, i);
}

function assignError(t: TensorBase, i: number): OperatorError {
  return new OperatorError(`t[${i}] = v: assigning to an index of a tensor (shape ${shapeOf(t)}) does nothing in JavaScript`, {
    op: 'index',
    hint: `use t.at(${i}).fill_(v) for a number, t.at(${i}).copy_(src) for a tensor (t.at(':', ${i}) for a column); t.indexPut_([${i}], v) does the same and also works on tensors in the autograd graph (t.indexPut_([idx], v) for index tensors and masks)`,
  });
}

/** @internal Property reads on tensors that reached the root Proxy without an integer key (for tests). */
export const proxyMisses = { count: 0 };

/**
 * @internal Make `proto`'s prototype the Proxy of Note [No silent JS-operator answers]. Called
 * once, on TensorBase.prototype.
 */
export function guardIndexAccess(proto: object): void {
  // Reads that miss on purpose in hot paths: the dispatcher tells a Tensor from a strided operand
  // by `x.of === undefined` and reads `x.inPlace`. Defined (as undefined) here, they stop before
  // the Proxy, whose trap is a slow path (`proxyMisses` counts its other reads; a test keeps ops
  // at zero).
  for (const k of ['of', 'inPlace'])
    Object.defineProperty(proto, k, { value: undefined, writable: true, configurable: true, enumerable: false });
  const target = Object.getPrototypeOf(proto) as object;
  const root = new Proxy(target, {
    get(tgt, key, receiver) {
      const i = intKey(key);
      if (i !== null && receiver !== root && isTensorLike(receiver)) return rowOf(receiver as Indexable, i);
      proxyMisses.count++;
      return Reflect.get(tgt, key, receiver);
    },
    set(tgt, key, value, receiver) {
      const i = intKey(key);
      if (i !== null && receiver !== root && isTensorLike(receiver)) throw assignError(receiver as TensorBase, i);
      return Reflect.set(tgt, key, value, receiver);
    },
  });
  Object.setPrototypeOf(proto, root);
}

function isTensorLike(v: unknown): boolean {
  return typeof v === 'object' && v !== null && 'shape' in v && '_storage' in v;
}
