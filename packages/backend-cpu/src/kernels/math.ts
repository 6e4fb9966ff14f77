import { ArgumentError } from '@dl/tensor';

/**
 * Note [erf in float64]
 * erf and erfc to a few ulps of float64, at the cost of one short polynomial: the Taylor series in
 * x² below 1 (19 terms, as four interleaved Horner chains), and above it erfc(x) = exp(-x²)·g(x) with g a Chebyshev series on
 * [1, 2], [2, 3.5] and [3.5, 6] (Clenshaw); beyond 6, erfc < 2e-17. The coefficients come from
 * tools/numerics/erf_coefficients.py (mpmath at 60 digits; worst relative error of g 3.5e-15).
 * The series and continued fraction this replaces took up to 80 terms with two divisions each:
 * erf was 30% of a GPT training step (GELU).
 */
// erf's Taylor coefficients c_n (of x^(2n+1)), dealt into four interleaved polynomials in u = x⁸
// (the k-th holds c[k], c[k+4], …), evaluated as four independent Horner chains: a quarter of
// the dependent-multiply latency of one chain.
const T0 = [1.1283791670955126, 0.005223977625442188, 1.6462114365889248e-6, 9.422759064650411e-11, 1.6342614095367152e-15] as const;
const T1 = [-0.37612638903183754, -0.0008548327023450853, -1.6365844691234924e-7, -6.7113668551641105e-12, -9.063970842808673e-17] as const;
const T2 = [0.11283791670955126, 0.00012055332981789664, 1.4807192815879218e-8, 4.4632242632864775e-13, 4.763348040515068e-18] as const;
const T3 = [-0.026866170645131252, -1.492565035840625e-5, -1.2290555301717928e-9, -2.7835162072109215e-14] as const;
const ERFC_CHEB: readonly [number, number, Float64Array][] = [
  [
    1,
    2,
    new Float64Array([
      0.331427281639452, -0.0850021377067432, 0.009951127341466115, -0.0010810888102208325, 0.0001102324363119495, -1.0636830518218601e-5,
      9.775012680479055e-7, -8.597922867888315e-8, 7.2677084117248425e-9, -5.923543840592542e-10, 4.6683928572294154e-11,
      -3.56612770156775e-12, 2.6458779519104523e-13, -1.9101658673527567e-14, 1.343976588479829e-15, -9.228790549094326e-17,
      6.19267308464391e-18, -4.0652224326488762e-19,
    ]),
  ],
  [
    2,
    3.5,
    new Float64Array([
      0.19943078169681192, -0.04938002535992735, 0.00584049638189269, -0.0006632226933017975, 7.259178935511736e-5, -7.682952765978158e-6,
      7.883915794570548e-7, -7.861599623239447e-8, 7.632681897920269e-9, -7.227220937985042e-10, 6.683956650788739e-11,
      -6.045467151546551e-12, 5.353822288044628e-13, -4.6471602519833763e-14, 3.957386034387205e-15, -3.3089920479178426e-16,
      2.7188560214028356e-17, -2.196787001971828e-18, 1.7465619718983957e-19,
    ]),
  ],
  [
    3.5,
    6,
    new Float64Array([
      0.12011119518612726, -0.03077508367843977, 0.003865397162805732, -0.00047649553104630324, 5.770371528146291e-5, -6.87063803752421e-6,
      8.049536979209691e-7, -9.285957122953073e-8, 1.055453759031051e-8, -1.1826607946099641e-9, 1.3071369079163705e-10,
      -1.4257239280506568e-11, 1.5353276736774004e-12, -1.6330584393840345e-13, 1.716360603412163e-14, -1.7831232826173895e-15,
      1.83176561966693e-16, -1.861292377204558e-17, 1.871317819141625e-18, -1.8620581628727267e-19,
    ]),
  ],
];
// worst relative error of g on [1, 6]: 3.45e-15

const [ERFC_1, ERFC_2, ERFC_3] = ERFC_CHEB.map(([, , c]) => c) as [Float64Array, Float64Array, Float64Array];

/** Σ c_j T_j(t) by Clenshaw's recurrence. */
function clenshaw(c: Float64Array, t: number): number {
  let b1 = 0;
  let b2 = 0;
  for (let j = c.length - 1; j >= 1; j--) {
    const b0 = 2 * t * b1 - b2 + c[j]!;
    b2 = b1;
    b1 = b0;
  }
  return t * b1 - b2 + c[0]!;
}

/** erfc on [1, 6) from the fitted g (the intervals of ERFC_CHEB, unrolled). */
function erfcCheb(ax: number): number {
  const g =
    ax < 2 ? clenshaw(ERFC_1, 2 * ax - 3) : ax < 3.5 ? clenshaw(ERFC_2, (2 * ax - 5.5) / 1.5) : clenshaw(ERFC_3, (2 * ax - 9.5) / 2.5);
  return Math.exp(-ax * ax) * g;
}

/** The error function, to a few ulps of float64 (Note [erf in float64]). */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 1) {
    const t = x * x;
    const t2 = t * t;
    const u = t2 * t2;
    const p0 = (((T0[4] * u + T0[3]) * u + T0[2]) * u + T0[1]) * u + T0[0];
    const p1 = (((T1[4] * u + T1[3]) * u + T1[2]) * u + T1[1]) * u + T1[0];
    const p2 = (((T2[4] * u + T2[3]) * u + T2[2]) * u + T2[1]) * u + T2[0];
    const p3 = ((T3[3] * u + T3[2]) * u + T3[1]) * u + T3[0];
    return x * (p0 + t * p1 + t2 * (p2 + t * p3));
  }
  if (ax >= 6) return x > 0 ? 1 : -1;
  const r = 1 - erfcCheb(ax);
  return x > 0 ? r : -r;
}

/**
 * erfc of a non-negative argument (1 - erf without its cancellation), to a few ulps (Note [erf
 * in float64]); beyond the fit, the asymptotic series, summed while its terms still shrink.
 */
export function erfcPositive(ax: number): number {
  if (ax < 1) return 1 - erf(ax);
  if (ax < 6) return erfcCheb(ax);
  if (ax > 27) return 0; // below the smallest float64
  // exp(-x²)/(x√π)·Σ (-1)^n (2n-1)!!/(2x²)^n: at x ≥ 6 its smallest term is below 1e-17 by n ≈ 28
  const i2 = 1 / (2 * ax * ax);
  let term = 1;
  let sum = 1;
  for (let n = 1; n < 40; n++) {
    term *= -(2 * n - 1) * i2;
    sum += term;
    if (Math.abs(term) < 1e-17) break;
  }
  return (Math.exp(-ax * ax) / (ax * Math.sqrt(Math.PI))) * sum;
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
