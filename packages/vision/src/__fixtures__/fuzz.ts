/**
 * Seeded mutations for the readers' fuzz tests: bit flips, byte overwrites, truncation,
 * insertions, deletions, duplicated ranges and huge length fields, reproducible from a seed.
 */
import { DLError } from '@dl/tensor';

/** A seeded PRNG (mulberry32): numbers in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function int(r: () => number, n: number): number {
  return Math.floor(r() * n);
}

const HUGE = [0xffffffff, 0x7fffffff, 0x80000000, 0x7fffffff - 1, 0x10000000, 0x00ffffff, 0];

/** One random mutation of `b` (a copy); `hot` offsets (length fields…) are picked more often. */
export function mutate(b: Uint8Array, r: () => number, hot: readonly number[] = []): Uint8Array {
  const out = new Uint8Array(b); // a copy, and a plain Uint8Array even when b is a Buffer
  const at = () => (hot.length && r() < 0.5 ? hot[int(r, hot.length)]! : int(r, Math.max(1, out.length)));
  switch (int(r, 8)) {
    case 0: // bit flips
      for (let k = 1 + int(r, 4); k > 0; k--) {
        const i = at();
        if (i < out.length) out[i]! ^= 1 << int(r, 8);
      }
      return out;
    case 1: // random bytes
      for (let k = 1 + int(r, 4); k > 0; k--) {
        const i = at();
        if (i < out.length) out[i] = int(r, 256);
      }
      return out;
    case 2: // truncation
      return out.subarray(0, int(r, out.length));
    case 3: {
      // a huge 32-bit field, big- or little-endian
      const i = at();
      const v = HUGE[int(r, HUGE.length)]!;
      if (i + 4 > out.length) return out;
      new DataView(out.buffer, out.byteOffset).setUint32(i, v, r() < 0.5);
      return out;
    }
    case 4: {
      // insertion of random bytes
      const i = int(r, out.length + 1);
      const ins = Uint8Array.from({ length: 1 + int(r, 16) }, () => int(r, 256));
      return concat([out.subarray(0, i), ins, out.subarray(i)]);
    }
    case 5: {
      // deletion of a range
      const i = int(r, out.length);
      return concat([out.subarray(0, i), out.subarray(Math.min(out.length, i + 1 + int(r, 64)))]);
    }
    case 6: {
      // a range duplicated
      const i = int(r, out.length);
      const j = Math.min(out.length, i + 1 + int(r, 128));
      return concat([out.subarray(0, j), out.subarray(i, j), out.subarray(j)]);
    }
    default: // a run of 0xff or 0x00
      const i = at();
      out.fill(r() < 0.5 ? 0xff : 0, i, Math.min(out.length, i + 1 + int(r, 8)));
      return out;
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The outcome of one fuzz case: the value, or the typed error it threw. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: DLError };

/**
 * Run `fn`; a {@link DLError} is an expected outcome, anything else (TypeError, RangeError,
 * a plain Error from a dependency) is rethrown with the case's label so the test fails.
 */
export function typedOutcome<T>(label: string, fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof DLError) return { ok: false, error: e };
    throw new Error(`${label}: untyped ${(e as Error)?.constructor?.name ?? typeof e}: ${(e as Error)?.message ?? String(e)}`, { cause: e });
  }
}
