import type { DType, HostArray } from './dtype.js';
import { printOptions as OPTS } from './print-options.js';
import { pyExp, pyFixed, pyRepr } from './py-number-format.js';
import { getDefaultDevice } from './registry.js';
import type { TensorBase } from './tensor-base.js';

/**
 * Note [Printing as PyTorch]
 * `formatTensor` follows torch 1.13's `_tensor_str.py` step by step (the fixture test checks it
 * against strings torch printed): `_Formatter` picks int mode, scientific mode and one width
 * from the printed values, `_vector_str` wraps rows at `linewidth`, `get_summarized_data` and
 * `edgeitems` cut tensors over `threshold` elements, and `_add_suffixes` appends `device=`,
 * `dtype=`, `grad_fn=`/`requires_grad=True`. Numbers go through Python's formatting rules
 * (Note [Python number formatting]). dl's `int32` plays PyTorch's `int64` (the default integer
 * type, `long()`), so it prints no `dtype=` suffix where int64 would print none.
 */

/** dtypes whose non-empty tensors print no `dtype=` suffix (PyTorch: default float, int64, bool). */
const PLAIN_DTYPES: ReadonlySet<string> = new Set(['float32', 'int32', 'int64', 'bool']);

/** How PyTorch names a dtype: `torch.float32`. */
export function torchDTypeName(d: DType | string): string {
  return `torch.${d}`;
}

/** Mirrors PyTorch's `_Formatter`: int mode, sci mode and the common width. */
class Formatter {
  intMode = true;
  sciMode = false;
  width = 1;
  private readonly precision = OPTS.precision;
  constructor(
    readonly floating: boolean,
    readonly isBool: boolean,
    values: ArrayLike<number>,
  ) {
    if (!floating) {
      for (let i = 0; i < values.length; i++) this.width = Math.max(this.width, this.raw(values[i]!).length);
      return;
    }
    const nz: number[] = [];
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (Number.isFinite(v) && v !== 0) nz.push(v);
    }
    if (nz.length === 0) return; // as PyTorch: sciMode stays automatic (off) for all-zero/non-finite tensors
    let mn = Infinity;
    let mx = 0;
    for (const v of nz) {
      const a = Math.abs(v);
      if (a < mn) mn = a;
      if (a > mx) mx = a;
    }
    const p = this.precision;
    this.intMode = nz.every((v) => v === Math.ceil(v));
    if (this.intMode) {
      if (mx / mn > 1000 || mx > 1e8) {
        this.sciMode = true;
        for (const v of nz) this.width = Math.max(this.width, pyExp(v, p).length);
      } else for (const v of nz) this.width = Math.max(this.width, pyFixed(v, 0).length + 1);
    } else if (mx / mn > 1000 || mx > 1e8 || mn < 1e-4) {
      this.sciMode = true;
      for (const v of nz) this.width = Math.max(this.width, pyExp(v, p).length);
    } else for (const v of nz) this.width = Math.max(this.width, pyFixed(v, p).length);
    if (OPTS.sciMode !== null) this.sciMode = OPTS.sciMode;
  }
  private raw(v: number): string {
    return this.isBool ? (v ? 'True' : 'False') : String(v);
  }
  format(v: number): string {
    let s: string;
    if (!this.floating) s = this.raw(v);
    else if (this.sciMode) s = pyExp(v, this.precision);
    else if (this.intMode) s = pyFixed(v, 0) + (Number.isFinite(v) ? '.' : '');
    else s = pyFixed(v, this.precision);
    return s.padStart(this.width);
  }
}

/** Indices printed along a dim of size n: all, or the edges around -1 (the `...`). */
function printedIndices(n: number, summarize: boolean, marker: boolean): number[] {
  const edge = OPTS.edgeitems;
  if (!summarize || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i);
  const head = Array.from({ length: edge }, (_, i) => i);
  const tail = Array.from({ length: edge }, (_, i) => n - edge + i);
  return marker ? [...head, -1, ...tail] : [...head, ...tail];
}

function contiguousStrides(shape: readonly number[]): number[] {
  const st = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    st[i] = acc;
    acc *= shape[i]!;
  }
  return st;
}

/** The values the formatter looks at (PyTorch's `get_summarized_data`): with summarization only the printed edges. */
function summarized(values: ArrayLike<number>, shape: readonly number[], summarize: boolean): ArrayLike<number> {
  if (!summarize) return values;
  const out: number[] = [];
  const strides = contiguousStrides(shape);
  const rec = (d: number, off: number): void => {
    if (d === shape.length) {
      out.push(values[off]!);
      return;
    }
    for (const i of printedIndices(shape[d]!, true, false)) rec(d + 1, off + i * strides[d]!);
  };
  rec(0, 0);
  return out;
}

/** PyTorch's `_tensor_str_with_formatter` for dim >= 1. */
function body(values: ArrayLike<number>, shape: readonly number[], f: Formatter, summarize: boolean, indent0: number): string {
  const strides = contiguousStrides(shape);
  const rec = (d: number, off: number, indent: number): string => {
    const items = printedIndices(shape[d]!, summarize, true);
    if (d === shape.length - 1) {
      const perLine = Math.max(1, Math.floor((OPTS.linewidth - indent) / (f.width + 2)));
      const data = items.map((i) => (i < 0 ? ' ...' : f.format(values[off + i]!)));
      const lines: string[] = [];
      for (let i = 0; i < data.length; i += perLine) lines.push(data.slice(i, i + perLine).join(', '));
      return '[' + lines.join(',\n' + ' '.repeat(indent + 1)) + ']';
    }
    const parts = items.map((i) => (i < 0 ? '...' : rec(d + 1, off + i * strides[d]!, indent + 1)));
    return '[' + parts.join(',' + '\n'.repeat(shape.length - d - 1) + ' '.repeat(indent + 1)) + ']';
  };
  return rec(0, 0, indent0);
}

/** PyTorch's `_add_suffixes`. */
function addSuffixes(str: string, suffixes: readonly string[], indent: number): string {
  let out = str;
  let lastLen = str.length - str.lastIndexOf('\n') + 1;
  for (const s of suffixes) {
    if (lastLen + s.length + 2 > OPTS.linewidth) {
      out += ',\n' + ' '.repeat(indent) + s;
      lastLen = indent + s.length;
    } else {
      out += ', ' + s;
      lastLen += s.length + 2;
    }
  }
  return out + ')';
}

/** The `device=`/`dtype=` suffixes before the autograd one. */
function autogradSuffix(t: TensorBase): string | null {
  if (t.gradFn) return `grad_fn=<${t.gradFn.name()}>`;
  if (t.requiresGrad) return 'requires_grad=True';
  return null;
}

/** @internal PyTorch-style string of a tensor given its contiguous host values. */
export function formatTensor(t: TensorBase, values: HostArray): string {
  const prefix = 'tensor(';
  const indent = prefix.length;
  const floating = t.dtype === 'float32' || t.dtype === 'float64' || t.dtype === 'float16';
  const n = values.length;
  const summarize = n > OPTS.threshold;
  const suffixes: string[] = [];
  // As torch (Note [Print tensor device] in _tensor_str.py): the device shows unless it is the default one.
  if (t.device !== getDefaultDevice()) suffixes.push(`device='${t.device}'`);
  let str: string;
  if (n === 0) {
    if (t.dim() !== 1) suffixes.push(`size=(${t.shape.join(', ')}${t.dim() === 1 ? ',' : ''})`);
    if (t.dtype !== 'float32') suffixes.push(`dtype=${torchDTypeName(t.dtype)}`);
    str = '[]';
  } else {
    if (!PLAIN_DTYPES.has(t.dtype)) suffixes.push(`dtype=${torchDTypeName(t.dtype)}`);
    const f = new Formatter(floating, t.dtype === 'bool', summarized(values, t.shape, summarize));
    str = t.dim() === 0 ? f.format(values[0]!) : body(values, t.shape, f, summarize, indent);
  }
  const ag = autogradSuffix(t);
  if (ag) suffixes.push(ag);
  return addSuffixes(prefix + str, suffixes, indent);
}

/**
 * @internal The line a tensor prints without reading its values (devices without synchronous
 * reads, such as webgpu): shape and dtype in place of the values, then PyTorch's suffixes.
 */
export function formatTensorSummary(t: TensorBase): string {
  const suffixes = [`device='${t.device}'`, `dtype=${torchDTypeName(t.dtype)}`];
  const ag = autogradSuffix(t);
  if (ag) suffixes.push(ag);
  return addSuffixes(`tensor(<shape [${t.shape.join(', ')}]; values on the device: await t.format() prints them>`, suffixes, 7);
}

/** @internal How a Parameter prints (PyTorch's `Parameter.__repr__`). */
export const PARAMETER_PREFIX = 'Parameter containing:\n';

/** @internal One element as a storage prints it (Python's `str` of the element). */
export function formatStorageElement(dtype: DType, v: number): string {
  if (dtype === 'bool') return v ? 'True' : 'False';
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'float16') return pyRepr(v);
  return String(v);
}
