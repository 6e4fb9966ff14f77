#!/usr/bin/python3
"""Coefficients of the cpu backend's erf / erfc (packages/backend-cpu/src/kernels/math.ts).

|x| < 1:   erf(x) = x * sum_n c_n x^(2n), the Taylor series (c_n = 2/sqrt(pi) (-1)^n / (n! (2n+1)), printed dealt into four chains,
           19 terms: the first omitted one is below 2e-19 at |x| = 1).
1 <= x < 6: erfc(x) = exp(-x^2) * g(x), with g a Chebyshev series on each of [1, 2], [2, 3.5] and
           [3.5, 6], fitted here from mpmath's erfc at 60 digits (interpolation at Chebyshev nodes).
Prints the TypeScript tables and the worst relative error of the fit, measured in mpmath.
"""
import mpmath

mpmath.mp.dps = 60
INTERVALS = [(1, 2, 30), (2, 3.5, 30), (3.5, 6, 30)]


def g(x):
    return mpmath.erfc(x) * mpmath.exp(x * x)


def cheb_fit(a, b, n):
    nodes = [mpmath.cos(mpmath.pi * (k + mpmath.mpf(1) / 2) / n) for k in range(n)]
    vals = [g((b - a) / 2 * t + (b + a) / 2) for t in nodes]
    coef = []
    for j in range(n):
        s = sum(vals[k] * mpmath.cos(mpmath.pi * j * (k + mpmath.mpf(1) / 2) / n) for k in range(n))
        coef.append(2 * s / n)
    coef[0] /= 2
    while len(coef) > 1 and abs(coef[-1]) < mpmath.mpf('1e-19'):
        coef.pop()
    return [float(c) for c in coef]


def clenshaw(coef, t):
    b1 = b2 = 0.0
    for c in reversed(coef[1:]):
        b1, b2 = 2 * t * b1 - b2 + c, b1
    return t * b1 - b2 + coef[0]


def main():
    taylor = [float(2 / mpmath.sqrt(mpmath.pi) * (-1) ** n / (mpmath.factorial(n) * (2 * n + 1))) for n in range(19)]
    for k in range(4):  # dealt into four interleaved Horner chains in u = x^8 (math.ts)
        print(f'const T{k} = [' + ', '.join(repr(c) for c in taylor[k::4]) + '] as const;')
    print('const ERFC_CHEB: readonly [number, number, readonly number[]][] = [')
    worst = 0
    for a, b, n in INTERVALS:
        coef = cheb_fit(a, b, n)
        print(f'  [{a}, {b}, [' + ', '.join(repr(c) for c in coef) + ']],')
        for i in range(401):
            x = a + (b - a) * i / 400
            t = (2 * x - (a + b)) / (b - a)
            err = abs((clenshaw(coef, t) - g(x)) / g(x))
            worst = max(worst, err)
    print('];')
    print(f'// worst relative error of g on [1, 6]: {float(worst):.2e}')


if __name__ == '__main__':
    main()
