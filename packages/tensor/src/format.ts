import type { HostArray } from './dtype.js';
import type { TensorBase } from './tensor-base.js';

const PRECISION = 4;
const THRESHOLD = 1000;
const EDGE = 3;
const LINEWIDTH = 80;

function fmtExp(v: number, width = 0): string {
  let s = v.toExponential(PRECISION).replace(/e([+-])(\d)$/, 'e$10$2');
  if (Number.isNaN(v)) s = 'nan';
  else if (!Number.isFinite(v)) s = v > 0 ? 'inf' : '-inf';
  return s.padStart(width);
}
function fmtFixed(v: number, digits: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const s = v.toFixed(digits);
  return Object.is(v, -0) || (v < 0 && /^0\.?0*$/.test(s)) ? `-${s}` : s;
}

/** Mirrors PyTorch's `_Formatter`: int mode, sci mode and the common width. */
class Formatter {
  intMode = true;
  sciMode = false;
  width = 1;
  constructor(readonly floating: boolean, readonly isBool: boolean, values: ArrayLike<number>) {
    if (!floating) {
      for (let i = 0; i < values.length; i++) this.width = Math.max(this.width, this.raw(values[i]!).length);
      return;
    }
    const nz: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v) && v !== 0) nz.push(v);
    }
    if (nz.length === 0) return;
    const abs = nz.map(Math.abs);
    const mn = Math.min(...abs);
    const mx = Math.max(...abs);
    this.intMode = nz.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (mx / mn > 1000 || mx > 1e8) {
        this.sciMode = true;
        for (const v of nz) this.width = Math.max(this.width, fmtExp(v).length);
      } else for (const v of nz) this.width = Math.max(this.width, fmtFixed(v, 0).length + 1);
    } else if (mx / mn > 1000 || mx > 1e8 || mn < 1e-4) {
      this.sciMode = true;
      for (const v of nz) this.width = Math.max(this.width, fmtExp(v).length);
    } else for (const v of nz) this.width = Math.max(this.width, fmtFixed(v, PRECISION).length);
  }
  private raw(v: number): string {
    return this.isBool ? (v ? 'True' : 'False') : String(v);
  }
  format(v: number): string {
    let s: string;
    if (!this.floating) s = this.raw(v);
    else if (this.sciMode) s = fmtExp(v, this.width);
    else if (this.intMode) s = fmtFixed(v, 0) + (Number.isFinite(v) ? '.' : '');
    else s = fmtFixed(v, PRECISION);
    return s.padStart(this.width);
  }
}

interface Nd {
  shape: number[];
  get(idx: number[]): number;
}

function summarized(values: ArrayLike<number>, shape: readonly number[], summarize: boolean): number[] {
  // Values the formatter looks at: with summarisation only the printed edges.
  if (!summarize) return Array.from(values);
  const out: number[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const rec = (d: number, off: number) => {
    if (d === shape.length) {
      out.push(values[off]!);
      return;
    }
    const n = shape[d]!;
    const idx = n > 2 * EDGE ? [...Array(EDGE).keys(), ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    for (const i of idx) rec(d + 1, off + i * strides[d]!);
  };
  rec(0, 0);
  return out;
}

function body(nd: Nd, shape: readonly number[], f: Formatter, summarize: boolean): string {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const rec = (d: number, off: number, indent: number): string => {
    const n = shape[d]!;
    const items = summarize && n > 2 * EDGE ? [...Array(EDGE).keys(), -1, ...Array.from({ length: EDGE }, (_, i) => n - EDGE + i)] : [...Array(n).keys()];
    if (d === shape.length - 1) {
      const perLine = Math.max(1, Math.floor((LINEWIDTH - indent) / (f.width + 2)));
      const data = items.map((i) => (i < 0 ? ' ...' : f.format(nd.get([off + i]))));
      const lines: string[] = [];
      for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
    }
    const parts = items.map((i) => (i < 0 ? '...' : rec(d + 1, off + i * strides[d]!, indent + 1)));
    return '[' + parts.join(',' + '\n'.repeat(shape.length - d - 1) + ' '.repeat(indent + 1)) + ']';
  };
  return rec(0, 0, 7);
}

/** @internal PyTorch-style string of a tensor given its contiguous host values. */
export function formatTensor(t: TensorBase, values: HostArray): string {
  const floating = t.dtype === 'float32' || t.dtype === 'float64';
  const n = values.length;
  const summarize = n > THRESHOLD;
  const f = new Formatter(floating, t.dtype === 'bool', summarized(values, t.shape, summarize));
  const suffixes: string[] = [];
  if (t.device !== 'cpu') suffixes.push(`device='${t.device}'`);
  let str: string;
  if (n === 0) {
    if (t.dim() !== 1) suffixes.push(`size=(${t.shape.join(', ')}${t.dim() === 1 ? ',' : ''})`);
    str = '[]';
  } else if (t.dim() === 0) str = f.format(values[0]!);
  else str = body({ shape: [...t.shape], get: (i) => values[i[0]!]! }, t.shape, f, summarize);
  if (t.dtype === 'float64' || t.dtype === 'uint8') suffixes.push(`dtype=torch.${t.dtype}`);
  if (t.gradFn) suffixes.push(`grad_fn=<${t.gradFn.name()}>`);
  else if (t.requiresGrad) suffixes.push('requires_grad=True');
  let out = 'tensor(' + str;
  let lastLen = out.length - out.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLen + s.length + 2 > LINEWIDTH) {
      out += ',\n' + ' '.repeat(7) + s;
      lastLen = 7 + s.length;
    } else {
      out += ', ' + s;
      lastLen += s.length + 2;
    }
  }
  return out + ')';
}
