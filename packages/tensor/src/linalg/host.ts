/**
 * Note [Host linear algebra in float64]
 * The factorisations of `dl.linalg` (LU for det/inv/solve, Cholesky, Householder QR, Jacobi for
 * eigh and svd) run on the host, one matrix of a batch at a time, in float64 whatever the input
 * dtype (float32 results are rounded once at the end): the matrices users factor are small, the
 * algorithms are sequential, and float64 makes them as accurate as LAPACK's float32 ones or
 * better. These functions take and return row-major Float64Arrays; the ops around them
 * (decompositions.ts) read the input (Note [linalg on devices without sync reads]), check shapes
 * and dtypes, and record the autograd node.
 *
 * Sign conventions: QR's Householder reflectors follow LAPACK's dlarfg (R's diagonal is
 * `-sign(a) * norm`, no reflection when the column below the diagonal is zero), so Q and R match
 * torch's. Eigenvectors and singular vectors are unique only up to sign (Jacobi and LAPACK's
 * divide-and-conquer pick different ones): each vector here is scaled so its largest-magnitude
 * entry is positive. Compare reconstructions and sign-invariant quantities with torch, not the
 * raw vectors.
 */

/** LU with partial pivoting (LAPACK getrf's choice of the first largest pivot), in place. */
export interface LU {
  lu: Float64Array; // L (unit, below the diagonal) and U
  perm: Int32Array; // row i of PA is row perm[i] of A
  sign: number; // the permutation's sign
  zeroAt: number; // 1-based index of the first zero diagonal element of U (0: none), as LAPACK's info
}

export function luFactor(a: Float64Array, n: number): LU {
  const lu = Float64Array.from(a);
  const perm = new Int32Array(n);
  for (let i = 0; i < n; i++) perm[i] = i;
  let sign = 1;
  let zeroAt = 0;
  for (let k = 0; k < n; k++) {
    let p = k;
    let best = Math.abs(lu[k * n + k]!);
    for (let i = k + 1; i < n; i++) {
      const v = Math.abs(lu[i * n + k]!);
      if (v > best || Number.isNaN(v)) {
        best = v;
        p = i;
        if (Number.isNaN(v)) break;
      }
    }
    if (p !== k) {
      for (let j = 0; j < n; j++) {
        const t = lu[k * n + j]!;
        lu[k * n + j] = lu[p * n + j]!;
        lu[p * n + j] = t;
      }
      const t = perm[k]!;
      perm[k] = perm[p]!;
      perm[p] = t;
      sign = -sign;
    }
    const piv = lu[k * n + k]!;
    if (piv === 0) {
      if (!zeroAt) zeroAt = k + 1;
      continue;
    }
    for (let i = k + 1; i < n; i++) {
      const f = (lu[i * n + k]! /= piv);
      if (f === 0) continue;
      for (let j = k + 1; j < n; j++) lu[i * n + j]! -= f * lu[k * n + j]!;
    }
  }
  return { lu, perm, sign, zeroAt };
}

/** Solve A X = B for X (B: n × k row-major) from A's LU. */
export function luSolve(f: LU, n: number, b: Float64Array, k: number): Float64Array {
  const { lu, perm } = f;
  const x = new Float64Array(n * k);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) x[i * k + c] = b[perm[i]! * k + c]!;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const l = lu[i * n + j]!;
      if (l !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= l * x[j * k + c]!;
    }
  }
  for (let i = n - 1; i >= 0; i--) {
    for (let j = i + 1; j < n; j++) {
      const u = lu[i * n + j]!;
      if (u !== 0) for (let c = 0; c < k; c++) x[i * k + c]! -= u * x[j * k + c]!;
    }
    const d = lu[i * n + i]!;
    for (let c = 0; c < k; c++) x[i * k + c]! /= d;
  }
  return x;
}

export function identity(n: number): Float64Array {
  const e = new Float64Array(n * n);
  for (let i = 0; i < n; i++) e[i * n + i] = 1;
  return e;
}

export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = a[i * cols + j]!;
  return t;
}

/** det from an LU: the product of U's diagonal times the permutation's sign. */
export function luDet(f: LU, n: number): number {
  let d = f.sign;
  for (let i = 0; i < n; i++) d *= f.lu[i * n + i]!;
  return d;
}

/**
 * Cholesky factor L (lower) of the symmetric matrix whose lower triangle `a` holds; returns the
 * 1-based order of the first leading minor that is not positive-definite instead of failing.
 */
export function cholesky(a: Float64Array, n: number): { l: Float64Array; failedAt: number } {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = a[j * n + j]!;
    for (let k = 0; k < j; k++) s -= l[j * n + k]! * l[j * n + k]!;
    if (!(s > 0)) return { l, failedAt: j + 1 };
    const d = Math.sqrt(s);
    l[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = a[i * n + j]!;
      for (let k = 0; k < j; k++) t -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = t / d;
    }
  }
  return { l, failedAt: 0 };
}

/** Inverse of a lower-triangular matrix (forward substitution on the identity). */
export function lowerInverse(l: Float64Array, n: number): Float64Array {
  const x = new Float64Array(n * n);
  for (let c = 0; c < n; c++) {
    for (let i = c; i < n; i++) {
      let s = i === c ? 1 : 0;
      for (let k = c; k < i; k++) s -= l[i * n + k]! * x[k * n + c]!;
      x[i * n + c] = s / l[i * n + i]!;
    }
  }
  return x;
}

/**
 * Householder QR of an m × n matrix (LAPACK's reflectors, Note [Host linear algebra in float64]):
 * Q m × kq (kq = min(m, n), or m when `complete`) and R kr × n (kr = kq).
 */
export function householderQr(a: Float64Array, m: number, n: number, complete: boolean): { q: Float64Array; r: Float64Array; kq: number } {
  const r = Float64Array.from(a);
  const k = Math.min(m, n);
  const vs: (Float64Array | null)[] = [];
  for (let j = 0; j < k; j++) {
    const alpha = r[j * n + j]!;
    let xn = 0;
    for (let i = j + 1; i < m; i++) xn = Math.hypot(xn, r[i * n + j]!);
    if (xn === 0) {
      vs.push(null);
      continue;
    }
    const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, xn);
    const v = new Float64Array(m - j);
    v[0] = alpha - beta;
    for (let i = j + 1; i < m; i++) v[i - j] = r[i * n + j]!;
    let vv = 0;
    for (let i = 0; i < v.length; i++) vv += v[i]! * v[i]!;
    // R[j:, j:] -= 2 v (vᵀ R) / vᵀv
    for (let c = j; c < n; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i - j]! * r[i * n + c]!;
      s = (2 * s) / vv;
      for (let i = j; i < m; i++) r[i * n + c]! -= s * v[i - j]!;
    }
    r[j * n + j] = beta;
    for (let i = j + 1; i < m; i++) r[i * n + j] = 0;
    for (let i = 0; i < v.length; i++) v[i] = v[i]! / Math.sqrt(vv);
    vs.push(v);
  }
  const kq = complete ? m : k;
  // Q = H_0 H_1 … H_{k-1} applied to the first kq columns of the identity (backwards)
  const q = new Float64Array(m * kq);
  for (let i = 0; i < kq; i++) q[i * kq + i] = 1;
  for (let j = k - 1; j >= 0; j--) {
    const v = vs[j];
    if (!v) continue;
    for (let c = 0; c < kq; c++) {
      let s = 0;
      for (let i = j; i < m; i++) s += v[i - j]! * q[i * kq + c]!;
      s *= 2;
      for (let i = j; i < m; i++) q[i * kq + c]! -= s * v[i - j]!;
    }
  }
  const kr = kq;
  const rOut = new Float64Array(kr * n);
  rOut.set(r.subarray(0, Math.min(kr, m) * n));
  return { q, r: rOut, kq };
}

/** Flip each column of `v` (rows × cols) so its largest-magnitude entry is positive. */
function fixSigns(v: Float64Array, rows: number, cols: number, also?: { a: Float64Array; rows: number; cols: number }): void {
  for (let c = 0; c < cols; c++) {
    let best = 0;
    let at = 0;
    for (let i = 0; i < rows; i++) {
      const x = Math.abs(v[i * cols + c]!);
      if (x > best + 1e-12 * best) {
        best = x;
        at = i;
      }
    }
    if (v[at * cols + c]! < 0) {
      for (let i = 0; i < rows; i++) v[i * cols + c] = -v[i * cols + c]!;
      if (also) for (let i = 0; i < also.rows; i++) also.a[i * also.cols + c] = -also.a[i * also.cols + c]!;
    }
  }
}

/**
 * Eigen-decomposition of the symmetric matrix `a` (n × n, both triangles set) by cyclic Jacobi
 * rotations: eigenvalues ascending, eigenvectors as the columns of `v`.
 */
export function jacobiEigh(a0: Float64Array, n: number): { w: Float64Array; v: Float64Array } {
  const a = Float64Array.from(a0);
  const v = identity(n);
  let norm = 0;
  for (let i = 0; i < n * n; i++) norm += a[i]! * a[i]!;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q]! * a[p * n + q]!;
    if (!(off > 1e-30 * norm) || !Number.isFinite(off)) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q]!;
        if (apq === 0) continue;
        const theta = (a[q * n + q]! - a[p * n + p]!) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p]!;
          const akq = a[k * n + q]!;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k]!;
          const aqk = a[q * n + k]!;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p]!;
          const vkq = v[k * n + q]!;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i * n + i]! - a[j * n + j]!);
  const w = new Float64Array(n);
  const vs = new Float64Array(n * n);
  order.forEach((src, dst) => {
    w[dst] = a[src * n + src]!;
    for (let k = 0; k < n; k++) vs[k * n + dst] = v[k * n + src]!;
  });
  fixSigns(vs, n, n);
  return { w, v: vs };
}

/** Complete the orthonormal columns `u[:, 0:have]` (m × cols) up to `cols` columns (Gram-Schmidt on e_i). */
function completeColumns(u: Float64Array, m: number, cols: number, have: boolean[]): void {
  for (let c = 0; c < cols; c++) {
    if (have[c]) continue;
    for (let e = 0; e < m; e++) {
      const x = new Float64Array(m);
      x[e] = 1;
      for (let pass = 0; pass < 2; pass++) {
        for (let o = 0; o < cols; o++) {
          if (!have[o]) continue;
          let d = 0;
          for (let i = 0; i < m; i++) d += u[i * cols + o]! * x[i]!;
          for (let i = 0; i < m; i++) x[i]! -= d * u[i * cols + o]!;
        }
      }
      let nx = 0;
      for (let i = 0; i < m; i++) nx += x[i]! * x[i]!;
      nx = Math.sqrt(nx);
      if (nx > 1e-6) {
        for (let i = 0; i < m; i++) u[i * cols + c] = x[i]! / nx;
        have[c] = true;
        break;
      }
    }
  }
}

/**
 * SVD of an m × n matrix by one-sided Jacobi (Hestenes) rotations: U m × ku, S k (descending),
 * Vh kv × n, with ku = kv = min(m, n), or ku = m, kv = n when `full`.
 */
export function jacobiSvd(
  a: Float64Array,
  m: number,
  n: number,
  full: boolean,
): { u: Float64Array; s: Float64Array; vh: Float64Array; ku: number; kv: number } {
  if (m < n) {
    const r = jacobiSvd(transpose(a, m, n), n, m, full);
    // Aᵀ = U S Vh  =>  A = Vhᵀ S Uᵀ
    return { u: transpose(r.vh, r.kv, m), s: r.s, vh: transpose(r.u, n, r.ku), ku: r.kv, kv: r.ku };
  }
  const k = n;
  // columns of A and of V as contiguous rows (cache-friendly rotations): wt is Aᵀ (n × m), vt is Vᵀ
  const wt = transpose(a, m, n);
  const vt = identity(n);
  for (let sweep = 0; sweep < 100; sweep++) {
    let rotated = false;
    for (let p = 0; p < n; p++) {
      const po = p * m;
      for (let q = p + 1; q < n; q++) {
        const qo = q * m;
        let al = 0;
        let be = 0;
        let ga = 0;
        for (let i = 0; i < m; i++) {
          const x = wt[po + i]!;
          const y = wt[qo + i]!;
          al += x * x;
          be += y * y;
          ga += x * y;
        }
        if (ga === 0 || Math.abs(ga) <= 1e-15 * Math.sqrt(al * be)) continue;
        rotated = true;
        const zeta = (be - al) / (2 * ga);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        for (let i = 0; i < m; i++) {
          const x = wt[po + i]!;
          const y = wt[qo + i]!;
          wt[po + i] = c * x - s * y;
          wt[qo + i] = s * x + c * y;
        }
        for (let i = 0; i < n; i++) {
          const x = vt[p * n + i]!;
          const y = vt[q * n + i]!;
          vt[p * n + i] = c * x - s * y;
          vt[q * n + i] = s * x + c * y;
        }
      }
    }
    if (!rotated) break;
  }
  const w = transpose(wt, n, m);
  const v = transpose(vt, n, n);
  const sig = Array.from({ length: n }, (_, c) => {
    let s = 0;
    for (let i = 0; i < m; i++) s += wt[c * m + i]! * wt[c * m + i]!;
    return Math.sqrt(s);
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => sig[j]! - sig[i]!);
  const ku = full ? m : k;
  const s = new Float64Array(k);
  const u = new Float64Array(m * ku);
  const vv = new Float64Array(n * n); // V with sorted columns
  const have = new Array<boolean>(ku).fill(false);
  const smax = sig[order[0]!] ?? 0;
  order.forEach((src, dst) => {
    s[dst] = sig[src]!;
    for (let i = 0; i < n; i++) vv[i * n + dst] = v[i * n + src]!;
    if (sig[src]! > 1e-300 && sig[src]! > smax * 1e-15) {
      for (let i = 0; i < m; i++) u[i * ku + dst] = w[i * n + src]! / sig[src]!;
      have[dst] = true;
    }
  });
  completeColumns(u, m, ku, have);
  // sign: the largest entry of each right singular vector positive (U's column follows)
  fixSigns(vv, n, n, { a: u, rows: m, cols: ku });
  return { u, s, vh: transpose(vv, n, n), ku, kv: n };
}

/**
 * Solve T X = B (T n × n triangular, B n × k) by substitution from the triangle `upper` names,
 * with a unit diagonal when `unit`; a zero diagonal gives ±inf / NaN, as LAPACK's trtrs.
 */
export function triangularSolve(t: Float64Array, n: number, b: Float64Array, k: number, upper: boolean, unit: boolean): Float64Array {
  const x = Float64Array.from(b);
  for (let s = 0; s < n; s++) {
    const i = upper ? n - 1 - s : s;
    for (let c = 0; c < k; c++) {
      let v = x[i * k + c]!;
      if (upper) for (let j = i + 1; j < n; j++) v -= t[i * n + j]! * x[j * k + c]!;
      else for (let j = 0; j < i; j++) v -= t[i * n + j]! * x[j * k + c]!;
      x[i * k + c] = unit ? v : v / t[i * n + i]!;
    }
  }
  return x;
}
