/**
 * Note [Python number formatting]
 * PyTorch prints with Python's `'{:.4f}'`, `'{:.4e}'` and `repr(float)`. JavaScript's
 * `toFixed`/`toExponential` differ in three ways that show in printed tensors: ties round away
 * from zero where Python rounds the exact binary value half to even (`0.03125` → Python
 * `0.0312`, JS `0.0313`), `toFixed` switches to exponent form from 1e21, and exponents have one
 * digit (`1e+0`, Python `1e+00`). These helpers round the exact value of the double with
 * BigInt arithmetic, so every digit matches Python's.
 */

const TEN = 10n;
const pow10Cache: bigint[] = [1n];
function pow10(n: number): bigint {
  while (pow10Cache.length <= n) pow10Cache.push(pow10Cache[pow10Cache.length - 1]! * TEN);
  return pow10Cache[n]!;
}

const view = new DataView(new ArrayBuffer(8));
/** `|v| = m * 2^e` exactly (finite, non-zero v). */
function decompose(v: number): [bigint, number] {
  view.setFloat64(0, v);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const bexp = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let e: number;
  if (bexp === 0) e = -1074;
  else {
    m |= 1n << 52n;
    e = bexp - 1075;
  }
  return [m, e];
}

/** `round_half_even(num / den)` for non-negative BigInts. */
function roundDiv(num: bigint, den: bigint): bigint {
  const q = num / den;
  const r2 = (num % den) * 2n;
  if (r2 > den || (r2 === den && q % 2n === 1n)) return q + 1n;
  return q;
}

/** `|v| * 10^d` rounded half to even, for finite v and d >= 0. */
function scaledRound(v: number, d: number): bigint {
  if (v === 0) return 0n;
  const [m, e] = decompose(v);
  const num = m * pow10(d);
  return e >= 0 ? num << BigInt(e) : roundDiv(num, 1n << BigInt(-e));
}

function special(v: number): string | null {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return null;
}

/** Python's `'{:.Nf}'.format(v)`. */
export function pyFixed(v: number, digits: number): string {
  const s = special(v);
  if (s !== null) return s;
  const q = scaledRound(v, digits)
    .toString()
    .padStart(digits + 1, '0');
  const int = q.slice(0, q.length - digits);
  const frac = q.slice(q.length - digits);
  const neg = v < 0 || Object.is(v, -0);
  return (neg ? '-' : '') + int + (digits > 0 ? '.' + frac : '');
}

/** Python's `'{:.Ne}'.format(v)`. */
export function pyExp(v: number, digits: number): string {
  const s = special(v);
  if (s !== null) return s;
  const neg = v < 0 || Object.is(v, -0);
  let mant: string;
  let k: number;
  if (v === 0) {
    mant = '0'.repeat(digits + 1);
    k = 0;
  } else {
    const [m, e] = decompose(v);
    k = Math.floor(Math.log10(Math.abs(v)));
    const lo = pow10(digits);
    const hi = lo * TEN;
    let q = 0n;
    // |v| * 10^(digits - k), exact, then rounded; the log10 estimate may be off by one.
    for (let tries = 0; tries < 3; tries++) {
      const shift = digits - k;
      let num = m;
      let den = 1n;
      if (shift >= 0) num *= pow10(shift);
      else den *= pow10(-shift);
      if (e >= 0) num <<= BigInt(e);
      else den <<= BigInt(-e);
      const floor = num / den;
      if (floor >= hi) k++;
      else if (floor < lo) k--;
      else {
        q = roundDiv(num, den);
        break;
      }
    }
    if (q === hi) {
      q = lo;
      k++;
    }
    mant = q.toString();
  }
  const body = digits > 0 ? `${mant[0]}.${mant.slice(1)}` : mant;
  const exp = `${k < 0 ? '-' : '+'}${String(Math.abs(k)).padStart(2, '0')}`;
  return `${neg ? '-' : ''}${body}e${exp}`;
}

/** Python's `repr(float(v))`: the shortest digits that round-trip, `1.0`, `1e-05`, `1e+16`. */
export function pyRepr(v: number): string {
  const s = special(v);
  if (s !== null) return s;
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const [mantissa, expStr] = v.toExponential().split('e') as [string, string];
  const neg = mantissa.startsWith('-');
  const digits = mantissa.replace('-', '').replace('.', '');
  const k = Number(expStr);
  let out: string;
  if (k < -4 || k >= 16) {
    out = (digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits) + `e${k < 0 ? '-' : '+'}${String(Math.abs(k)).padStart(2, '0')}`;
  } else if (k < 0) out = `0.${'0'.repeat(-k - 1)}${digits}`;
  else if (digits.length <= k + 1) out = `${digits}${'0'.repeat(k + 1 - digits.length)}.0`;
  else out = `${digits.slice(0, k + 1)}.${digits.slice(k + 1)}`;
  return (neg ? '-' : '') + out;
}
