/** Helpers of PyTorch's module repr (`Module.toString`, layers' `extraRepr`). */

/** Indent every line of `s` but the first by `n` spaces (PyTorch's `_addindent`). */
export function addIndent(s: string, n: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  const pad = ' '.repeat(n);
  return [lines[0], ...lines.slice(1).map((l) => pad + l)].join('\n');
}

/** Python's repr of a number as PyTorch prints module options (`1.0`, `0.1`, `1e-05`). */
export function pyFloat(v: number): string {
  if (Number.isInteger(v) && Math.abs(v) < 1e16) return `${v}.0`;
  const s = String(v);
  const m = /^(-?[\d.]+)e([+-])(\d+)$/.exec(s);
  if (m) return `${m[1]}e${m[2]}${m[3]!.padStart(2, '0')}`;
  if (Math.abs(v) < 1e-4 && v !== 0) {
    const e = v.toExponential();
    const mm = /^(-?[\d.]+)e([+-])(\d+)$/.exec(e)!;
    return `${mm[1]}e${mm[2]}${mm[3]!.padStart(2, '0')}`;
  }
  return s;
}

/** Python tuple repr of numbers: `(3, 3)`, `(5,)`. */
export function pyTuple(v: readonly number[]): string {
  return v.length === 1 ? `(${v[0]},)` : `(${v.join(', ')})`;
}
