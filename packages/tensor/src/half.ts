/**
 * Note [float16 storage]
 * A float16 tensor stores IEEE 754 binary16 bits, one `Uint16Array` element per value, on every
 * device (the webgpu backend packs two per 4-byte word). JS has no half-precision number, so the
 * bits never reach user code: `data()`, `dataSync()`, `toArray()`, `item()` and the op layer's
 * host reads decode them into a `Float32Array` (every half value is exactly a float32), and
 * values written into a float16 tensor are rounded as PyTorch's `c10::Half(float)`: first to
 * float32 (`Math.fround`), then to the nearest half, ties to even, with subnormals kept,
 * overflow to ±inf and NaN staying NaN. Backends see the raw bits (`read`, `write`,
 * serialization's `HalfStorage` / safetensors `F16` bytes).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The binary16 bits of `v` rounded to nearest-even (through float32, as `c10::Half(float)`).
 *
 * @example
 * dl.floatToHalfBits(1); // → 0x3c00
 * dl.floatToHalfBits(65520); // → 0x7c00 (inf: past the largest half, 65504)
 */
export function floatToHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return mant !== 0 ? sign | 0x7e00 | (mant >>> 13) : sign | 0x7c00;
  const e = exp - 112; // rebias 127 → 15
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // subnormal half (or zero): m · 2^(e-14) units of 2^-24
    const shift = 14 - e;
    if (shift > 24) return sign;
    const m = mant | 0x800000;
    let h = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (h & 1) === 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent rounds up to inf correctly
  return sign | h;
}

/**
 * The value of binary16 bits `h` (exact: every half is a float32).
 *
 * @example
 * dl.halfBitsToFloat(0x3555); // → 0.333251953125
 */
export function halfBitsToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return sign * m * 2 ** -24;
  if (e === 0x1f) return m !== 0 ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + m / 1024) * 2 ** (e - 15);
}

/**
 * `v` rounded to the nearest float16 value, as a number (`torch.tensor(v, dtype=torch.float16).item()`).
 *
 * @example
 * dl.roundToHalf(0.1); // → 0.0999755859375
 */
export function roundToHalf(v: number): number {
  return halfBitsToFloat(floatToHalfBits(v));
}

/** @internal Bits of `values` rounded to half, into `out` (a new Uint16Array by default). */
export function encodeHalf(values: ArrayLike<number>, out: Uint16Array = new Uint16Array(values.length)): Uint16Array {
  for (let i = 0; i < values.length; i++) out[i] = floatToHalfBits(values[i]!);
  return out;
}

/** @internal The values of half bits, into `out` (a new Float32Array by default). */
export function decodeHalf(bits: ArrayLike<number>, out: Float32Array = new Float32Array(bits.length)): Float32Array {
  for (let i = 0; i < bits.length; i++) out[i] = halfBitsToFloat(bits[i]!);
  return out;
}

/** @internal Host values of a backend read: float16 bits decode to a Float32Array, the rest pass through. */
export function hostValues<T extends ArrayLike<number>>(raw: T, dtype: string): T | Float32Array {
  return dtype === 'float16' ? decodeHalf(raw) : raw;
}

/**
 * @internal The Backend's kernel entries and which of their arguments each writes (every other view is read), for
 * wrappers that convert views around a kernel (Note [float16 compute] in @dl/backend-cpu).
 *
 * @example
 * KERNEL_WRITES.binary; // [3]: binary(op, a, b, out) writes out
 */
export const KERNEL_WRITES: Readonly<Record<string, readonly number[]>> = {
  unary: [2],
  binary: [3],
  compare: [3],
  where: [3],
  clamp: [3],
  reduce: [3],
  matmul: [2],
  gather: [3],
  scatter: [0],
  indexSelect: [3],
  sort: [2, 3],
  cumsum: [2],
  random: [0],
  conv2d: [3],
  conv2dBackwardInput: [2],
  conv2dBackwardWeight: [2],
  maxPool2d: [1, 2],
  avgPool2d: [1],
  maxPool2dBackward: [2],
  avgPool2dBackward: [1],
  softmax: [1],
  softmaxBackward: [2],
  thresholdBackward: [2],
  batchNorm: [3, 4, 5, 6],
  batchNormBackward: [5, 6, 7],
  layerNorm: [3, 4, 5],
  layerNormBackward: [5, 6, 7],
  nllLoss: [3, 4],
  nllLossBackward: [4],
  check: [],
  addmm: [3],
};
