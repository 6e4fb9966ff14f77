/**
 * @internal CTC's alpha-beta recursion on the host, as torch 1.13's ctc_loss_cpu: per sample the
 * negative log-likelihood and the gradient of it with respect to the log-probabilities
 * (`exp(lp) − exp(lcab + nll − lp)` for t < input length, 0 after), in float64.
 */

/** What {@link ctcHost} gives: losses [N] and the gradient [T, N, C] (row-major) for a unit upstream gradient. */
export interface CtcHostResult {
  nll: Float64Array;
  grad: Float64Array;
}

function lse2(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = a > b ? a : b;
  return m + Math.log(Math.exp(a - m) + Math.exp(b - m));
}

/**
 * @param lp log-probabilities [T, N, C], row-major
 * @param targets padded labels [N, S], row-major
 * @param il input lengths [N] (each <= T), tl target lengths [N] (each <= S)
 */
export function ctcHost(
  lp: ArrayLike<number>,
  T: number,
  N: number,
  C: number,
  targets: ArrayLike<number>,
  S: number,
  il: ArrayLike<number>,
  tl: ArrayLike<number>,
  blank: number,
): CtcHostResult {
  const nll = new Float64Array(N);
  const grad = new Float64Array(T * N * C);
  for (let n = 0; n < N; n++) {
    const L = tl[n]!;
    const Tn = il[n]!;
    const S2 = 2 * L + 1;
    if (Tn === 0) {
      nll[n] = L === 0 ? 0 : Infinity;
      continue;
    }
    // extended labels, their skips, and the emissions lp[t, n, l'(s)]
    const lab = new Int32Array(S2).fill(blank);
    for (let s = 1; s < S2; s += 2) lab[s] = targets[n * S + (s - 1) / 2]!;
    const skip = new Uint8Array(S2);
    for (let s = 3; s < S2; s += 2) skip[s] = lab[s] !== lab[s - 2] ? 1 : 0;
    const em = new Float64Array(Tn * S2);
    for (let t = 0; t < Tn; t++) {
      const row = (t * N + n) * C;
      for (let s = 0; s < S2; s++) em[t * S2 + s] = lp[row + lab[s]!]!;
    }
    const alpha = new Float64Array(Tn * S2).fill(-Infinity);
    alpha[0] = em[0]!;
    if (L > 0) alpha[1] = em[1]!;
    for (let t = 1; t < Tn; t++) {
      const p = (t - 1) * S2;
      const q = t * S2;
      for (let s = 0; s < S2; s++) {
        let a = alpha[p + s]!;
        if (s >= 1) a = lse2(a, alpha[p + s - 1]!);
        if (skip[s]) a = lse2(a, alpha[p + s - 2]!);
        alpha[q + s] = a === -Infinity ? -Infinity : a + em[q + s]!;
      }
    }
    const last = (Tn - 1) * S2;
    const ll = L > 0 ? lse2(alpha[last + S2 - 1]!, alpha[last + S2 - 2]!) : alpha[last + S2 - 1]!;
    nll[n] = -ll;
    const beta = new Float64Array(Tn * S2).fill(-Infinity);
    beta[last + S2 - 1] = em[last + S2 - 1]!;
    if (L > 0) beta[last + S2 - 2] = em[last + S2 - 2]!;
    for (let t = Tn - 2; t >= 0; t--) {
      const p = (t + 1) * S2;
      const q = t * S2;
      for (let s = 0; s < S2; s++) {
        let b = beta[p + s]!;
        if (s + 1 < S2) b = lse2(b, beta[p + s + 1]!);
        if (s + 2 < S2 && skip[s + 2]) b = lse2(b, beta[p + s + 2]!);
        beta[q + s] = b === -Infinity ? -Infinity : b + em[q + s]!;
      }
    }
    const lcab = new Float64Array(C);
    for (let t = 0; t < Tn; t++) {
      lcab.fill(-Infinity);
      const q = t * S2;
      for (let s = 0; s < S2; s++) {
        const c = lab[s]!;
        lcab[c] = lse2(lcab[c]!, alpha[q + s]! + beta[q + s]!);
      }
      const row = (t * N + n) * C;
      for (let c = 0; c < C; c++) {
        const l = lp[row + c]!;
        grad[row + c] = Math.exp(l) - Math.exp(lcab[c]! + nll[n]! - l);
      }
    }
  }
  return { nll, grad };
}
