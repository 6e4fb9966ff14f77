import { ArgumentError } from './errors.js';
import { philoxFill } from './philox.js';

/**
 * A seeded random-number generator (Philox4x32-10 keyed by the seed, with a stream
 * offset), the same on every backend: `manualSeed(s)` then the same calls give the
 * same numbers on cpu and webgpu.
 *
 * @example
 * const g = new dl.Generator().manualSeed(42);
 * dl.rand([2, 2], { generator: g });
 */
export class Generator {
  private key: [number, number] = [0, 0];
  private offset = 0;
  constructor(seed?: number) {
    this.manualSeed(seed ?? 67280421310721);
  }
  /**
   * Resets the generator to `seed` (an integer up to 2^53) and returns it, as `torch.Generator.manual_seed`: the same seed
   * gives the same numbers on every device.
   *
   * @example
   * const g = new dl.Generator().manualSeed(42);
   * dl.rand(2, { generator: g }).equal(dl.rand(2, { generator: new dl.Generator(42) })); // → true
   */
  manualSeed(seed: number): this {
    if (!Number.isSafeInteger(seed)) {
      throw new ArgumentError(`manualSeed: seed must be a safe integer, got ${seed}`, { op: 'manualSeed' });
    }
    const s = seed < 0 ? seed + 2 ** 53 : seed;
    this.key = [(s % 4294967296) >>> 0, Math.floor(s / 4294967296) >>> 0];
    this.offset = 0;
    return this;
  }
  /**
   * The seed last set, as `torch.Generator.initial_seed`.
   *
   * @example
   * new dl.Generator(7).initialSeed(); // → 7
   */
  initialSeed(): number {
    return this.key[1] * 4294967296 + this.key[0];
  }
  /**
   * Reserves `n` counters of the Philox stream and returns the key and the first counter: what a backend's `random` kernel
   * draws from (`philoxFill`), so every device draws the same numbers.
   *
   * @example
   * new dl.Generator(0).reserve(4).offset; // → 0
   */
  reserve(n: number): { key: readonly [number, number]; offset: number } {
    const offset = this.offset;
    // Keep streams 4-aligned so consecutive draws never overlap whatever a backend does per block.
    this.offset += Math.ceil(n / 4) * 4;
    return { key: this.key, offset };
  }
  /**
   * `n` uniforms in [0, 1) drawn on the host (float32 values in a Float64Array), for host-side sampling such as `randperm`
   * and the data samplers.
   *
   * @example
   * new dl.Generator(0).uniforms(3).length; // → 3
   */
  uniforms(n: number): Float64Array {
    const { key, offset } = this.reserve(n);
    const out = new Float64Array(n);
    philoxFill(out, 'uniform', key, offset);
    return out;
  }
  /**
   * The generator's state (`{ key, offset }`), to restore later with `setState`, as `torch.Generator.get_state`.
   *
   * @example
   * const g = new dl.Generator(0); const s = g.getState(); const a = dl.rand(2, { generator: g });
   * g.setState(s); // dl.rand(2, { generator: g }).equal(a) → true
   */
  getState(): { key: [number, number]; offset: number } {
    return { key: [...this.key], offset: this.offset };
  }
  /**
   * Restores a state from `getState`, as `torch.Generator.set_state`: the draws after it repeat those after the
   * `getState`.
   *
   * @example
   * const g = new dl.Generator(0); const s = g.getState(); const a = dl.randn(3, { generator: g });
   * g.setState(s); // dl.randn(3, { generator: g }).equal(a) → true
   */
  setState(state: { key: readonly [number, number]; offset: number }): void {
    this.key = [state.key[0], state.key[1]];
    this.offset = state.offset;
  }
}

/** The process-wide default generator. */
export const defaultGenerator = new Generator();

/**
 * Seed the default generator (`torch.manual_seed`).
 *
 * @example
 * dl.manualSeed(103);
 * const a = dl.rand(3); dl.manualSeed(103); const b = dl.rand(3); // a equals b
 */
export function manualSeed(seed: number): Generator {
  return defaultGenerator.manualSeed(seed);
}
