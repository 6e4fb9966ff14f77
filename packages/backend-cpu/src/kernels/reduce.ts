import type { ReduceOp, TensorView } from '@dl/tensor/backend';
import { offsetsOf } from '../strided.js';
import type { CpuBuffer } from '../buffer.js';

/**
 * Reduce `axes` of x into out (keepdim shape, contiguous). The kept dims give one base offset
 * per output element; the reduced dims give a list of relative offsets walked for each.
 */
export function reduce(op: ReduceOp, x: TensorView, axes: readonly number[], out: TensorView): void {
  const keptShape = x.shape.map((s, i) => (axes.includes(i) ? 1 : s));
  const keptStrides = x.strides.map((s, i) => (axes.includes(i) ? 0 : s));
  const redShape = axes.map((a) => x.shape[a]!);
  const redStrides = axes.map((a) => x.strides[a]!);
  const bases = offsetsOf(keptShape, keptStrides, x.offset);
  const rel = offsetsOf(redShape, redStrides, 0);
  const a = x.buffer as CpuBuffer;
  const o = out.buffer as CpuBuffer;
  const m = rel.length;
  const oo = out.offset;
  const nOut = bases.length;
  switch (op) {
    case 'sum':
      for (let i = 0; i < nOut; i++) {
        const b = bases[i]!;
        let acc = 0;
        for (let j = 0; j < m; j++) acc += a[b + rel[j]!]!;
        o[oo + i] = acc;
      }
      return;
    case 'prod':
      for (let i = 0; i < nOut; i++) {
        const b = bases[i]!;
        let acc = 1;
        for (let j = 0; j < m; j++) acc *= a[b + rel[j]!]!;
        o[oo + i] = acc;
      }
      return;
    case 'max':
    case 'min': {
      const isMax = op === 'max';
      for (let i = 0; i < nOut; i++) {
        const b = bases[i]!;
        let acc = isMax ? -Infinity : Infinity;
        for (let j = 0; j < m; j++) {
          const v = a[b + rel[j]!]!;
          if (v !== v) {
            acc = NaN;
            break;
          }
          if (isMax ? v > acc : v < acc) acc = v;
        }
        o[oo + i] = acc;
      }
      return;
    }
    case 'argmax':
    case 'argmin': {
      const isMax = op === 'argmax';
      for (let i = 0; i < nOut; i++) {
        const b = bases[i]!;
        let best = a[b]!;
        let bi = 0;
        if (best === best) {
          for (let j = 1; j < m; j++) {
            const v = a[b + rel[j]!]!;
            if (v !== v) {
              bi = j;
              break;
            }
            if (isMax ? v > best : v < best) {
              best = v;
              bi = j;
            }
          }
        }
        o[oo + i] = bi;
      }
      return;
    }
    case 'all':
    case 'any': {
      const isAll = op === 'all';
      for (let i = 0; i < nOut; i++) {
        const b = bases[i]!;
        let acc = isAll;
        for (let j = 0; j < m; j++) {
          const v = a[b + rel[j]!] !== 0;
          if (isAll ? !v : v) {
            acc = !isAll;
            break;
          }
        }
        o[oo + i] = acc ? 1 : 0;
      }
      return;
    }
    default:
      // Every reduce primitive of @dl/tensor's table has a case: a new one fails to type-check here.
      return unhandled(op);
  }
}

function unhandled(op: never): never {
  throw new Error(`cpu: no reduce kernel for ${String(op)}`);
}

/** Cumulative sum along `dim` (out contiguous, same shape). */
export function cumsum(x: TensorView, dim: number, out: TensorView): void {
  const n = x.shape[dim]!;
  const lineShape = x.shape.map((s, i) => (i === dim ? 1 : s));
  const xb = offsetsOf(lineShape, x.strides, x.offset);
  const ob = offsetsOf(lineShape, out.strides, out.offset);
  const xs = x.strides[dim]!;
  const os = out.strides[dim]!;
  const a = x.buffer as CpuBuffer;
  const o = out.buffer as CpuBuffer;
  for (let l = 0; l < xb.length; l++) {
    let acc = 0;
    for (let i = 0, p = xb[l]!, q = ob[l]!; i < n; i++, p += xs, q += os) {
      acc += a[p]!;
      o[q] = acc;
    }
  }
}
