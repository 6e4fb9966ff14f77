import { ArgumentError } from '@dl/tensor';

/** erf to double precision: Taylor series near 0, continued fraction for erfc beyond. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return x > 0 ? 1 : -1;
  // erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))) via Lentz
  let f = ax;
  let c = ax;
  let d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = ax + a * d;
    d = d === 0 ? 1e-300 : 1 / d;
    c = ax + a / c;
    if (c === 0) c = 1e-300;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Round half to even (PyTorch / NumPy rounding). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

/**
 * Python-style remainder (the sign of the divisor), as torch.remainder: the exact `fmod` (JS `%`
 * is exact on doubles, so float32 operands give torch's float32 result even for 1e30 % 3.7, where
 * `x - floor(x / y) * y` loses every digit), moved into the divisor's sign.
 */
export function pyRemainder(x: number, y: number): number {
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r;
}

/** Integer remainder: as {@link pyRemainder}, but a zero divisor raises (torch: ZeroDivisionError). */
export function intRemainder(x: number, y: number): number {
  if (y === 0) {
    throw new ArgumentError('remainder: integer division by zero (ZeroDivisionError)', {
      op: 'remainder',
      hint: 'the divisor has a zero element; for floating tensors the result would be NaN — cast with .float() if that is what you want',
    });
  }
  const r = x % y;
  return r !== 0 && r < 0 !== y < 0 ? r + y : r;
}
