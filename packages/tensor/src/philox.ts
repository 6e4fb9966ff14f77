/**
 * Note [Philox stream]
 * dl's random numbers come from the counter-based Philox4x32-10 generator (Salmon et al.,
 * "Parallel random numbers: as easy as 1, 2, 3"), so every backend can produce the very
 * same numbers in parallel: element `i` of a fill that starts at stream offset `o` uses
 * counter `c = o + i` as the 128-bit block `[c mod 2^32, floor(c / 2^32), 0, 0]` under the
 * 64-bit key of the generator, and takes words of the output block:
 *   uniform: `u = (w0 >>> 8) * 2^-24`, in [0, 1), exact in float32;
 *   normal:  Box–Muller, `u1 = ((w0 >>> 8) + 1) * 2^-24` in (0, 1], `u2 = (w1 >>> 8) * 2^-24`,
 *            `z = sqrt(-2 ln u1) * cos(2π u2)`.
 * A GPU backend reproduces uniforms bit for bit and normals to float32 rounding.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;

/** High 32 bits of the 64-bit product of two u32 (exact, via 16-bit halves). */
export function mulhi32(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const lolo = aLo * bLo;
  const lohi = aLo * bHi;
  const hilo = aHi * bLo;
  const hihi = aHi * bHi;
  const cross = (lolo >>> 16) + (lohi & 0xffff) + (hilo & 0xffff);
  return (hihi + (lohi >>> 16) + (hilo >>> 16) + (cross >>> 16)) >>> 0;
}

/**
 * Philox4x32-10 (Salmon et al. 2011; PyTorch's CUDA generator uses it too) of counter block
 * `[c0, c1, 0, 0]` under key `[k0, k1]`; writes 4 u32 words to `out`.
 *
 * @example
 * const out = new Uint32Array(4);
 * philox4x32(0, 0, 0, 0, out); // out: [1713891541, 3781805453, 3159862348, 2600524760]
 */
export function philox4x32(c0: number, c1: number, k0: number, k1: number, out: Uint32Array): void {
  let x0 = c0 >>> 0;
  let x1 = c1 >>> 0;
  let x2 = 0;
  let x3 = 0;
  let key0 = k0 >>> 0;
  let key1 = k1 >>> 0;
  for (let r = 0; r < 10; r++) {
    const hi0 = mulhi32(M0, x0);
    const lo0 = Math.imul(M0, x0) >>> 0;
    const hi1 = mulhi32(M1, x2);
    const lo1 = Math.imul(M1, x2) >>> 0;
    const n0 = (hi1 ^ x1 ^ key0) >>> 0;
    const n1 = lo1;
    const n2 = (hi0 ^ x3 ^ key1) >>> 0;
    const n3 = lo0;
    x0 = n0;
    x1 = n1;
    x2 = n2;
    x3 = n3;
    key0 = (key0 + W0) >>> 0;
    key1 = (key1 + W1) >>> 0;
  }
  out[0] = x0;
  out[1] = x1;
  out[2] = x2;
  out[3] = x3;
}

const TWO_NEG_24 = 1 / 16777216;

/**
 * Reference fill of the Philox stream (Note [Philox stream]): `out[i]` from counter `offset + i`,
 * uniform in [0, 1) or standard normal (Box–Muller). Backends call this or reproduce it, so
 * `dl.rand`/`dl.randn` give the same numbers on every device.
 *
 * @example
 * const { key, offset } = generator.reserve(out.length);
 * philoxFill(out, 'normal', key, offset); // what the cpu backend's `random` kernel does
 */
export function philoxFill(
  out: Float32Array | Float64Array,
  dist: 'uniform' | 'normal',
  key: readonly [number, number],
  offset: number,
): void {
  const w = new Uint32Array(4);
  const n = out.length;
  for (let i = 0; i < n; i++) {
    const c = offset + i;
    philox4x32(c % 4294967296, Math.floor(c / 4294967296), key[0], key[1], w);
    if (dist === 'uniform') {
      out[i] = (w[0]! >>> 8) * TWO_NEG_24;
    } else {
      const u1 = ((w[0]! >>> 8) + 1) * TWO_NEG_24;
      const u2 = (w[1]! >>> 8) * TWO_NEG_24;
      out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
  }
}
