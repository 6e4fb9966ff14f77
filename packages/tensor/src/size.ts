/** Node's `util.inspect.custom` symbol, without importing `node:util` (the browser build stays clean). */
export const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * The sizes of a tensor's dimensions (`torch.Size`): a frozen array of numbers, so indexing,
 * destructuring, `.length`, spreading and `Array.isArray` work as for any array, and it prints
 * as PyTorch prints a size. `map`/`slice`/`filter` give plain arrays. `t.shape` and `t.size()`
 * are both a Size.
 *
 * @example
 * const s = dl.zeros([5, 3]).size();
 * String(s);                 // 'dl.Size([5, 3])'
 * const [rows, cols] = s;    // 5, 3
 * s.numel();                 // 15
 */
export class Size extends Array<number> {
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
  /**
   * The number of elements a tensor of this size has, as `torch.Size.numel`.
   *
   * @example
   * dl.zeros(2, 3).size().numel(); // → 6
   */
  numel(): number {
    let n = 1;
    for (let i = 0; i < this.length; i++) n *= this[i]!;
    return n;
  }
  /**
   * Whether `other` (an array or a Size) has the same sizes, as `torch.Size == other` (JavaScript's `===` compares
   * identity).
   *
   * @example
   * dl.zeros(2, 3).size().equals([2, 3]); // → true
   */
  equals(other: readonly number[]): boolean {
    return other.length === this.length && this.every((s, i) => s === other[i]);
  }
  /**
   * Prints as PyTorch prints a `torch.Size`: `dl.Size([2, 3])`.
   *
   * @example
   * String(dl.zeros(2, 3).size()); // → 'dl.Size([2, 3])'
   */
  override toString(): string {
    return `dl.Size([${this.join(', ')}])`;
  }
  [INSPECT](): string {
    return this.toString();
  }
}

/**
 * @internal The frozen Size of `dims` (the same object when it is one already, so an op's output
 * shares its input's shape). A copy given Size's prototype: as fast as the frozen plain array
 * shapes were (`new Size(n)`, through the Array subclass constructor, cost ~1 µs per new shape and
 * ~30% of a small training step).
 */
export function toSize(dims: readonly number[]): Size {
  if (dims instanceof Size) return dims;
  const s = dims.slice();
  Object.setPrototypeOf(s, Size.prototype);
  return Object.freeze(s) as Size;
}
