/**
 * `trilIndices` / `triuIndices`: the coordinates of a matrix's lower / upper triangle.
 */
import { defineOp } from '../dispatch.js';
import { ArgumentError } from '../errors.js';
import { getDefaultDevice } from '../registry.js';
import { checkNumel } from '../shape.js';
import { checkOptionsArg } from './options-arg.js';
import type { Tensor } from '../tensor.js';
import { fromHost } from './creation.js';

/** Where the indices go (`device=`; int32 is dl's int64). */
export interface TriIndicesOptions {
  device?: string;
}

/** Σ over i in [0, rows) of clamp(i + c0, 0, cap), in closed form. */
function sumClamped(rows: number, c0: number, cap: number): number {
  const lo = Math.min(rows, Math.max(0, -c0));
  const hi = Math.min(rows, Math.max(lo, cap - c0));
  return (hi - lo) * c0 + ((lo + hi - 1) * (hi - lo)) / 2 + (rows - hi) * cap;
}

function triIndices(op: string, row: number, col: number, offset: number, lower: boolean, opts: TriIndicesOptions): Tensor {
  checkOptionsArg(op, opts, `dl.${op}(3, 3, 0, { device: 'cpu' })`);
  for (const [name, v] of [
    ['row', row],
    ['col', col],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ArgumentError(`${op}: ${name} must be a non-negative integer, got ${v}`, { op });
  }
  if (!Number.isInteger(offset)) throw new ArgumentError(`${op}: offset must be an integer, got ${offset}`, { op });
  // Row i's run of columns is known, so the count is known (and checked) before anything is
  // allocated, and the loops visit only rows that have entries: a huge empty triangle costs nothing.
  const span = (i: number): [number, number] =>
    lower ? [0, Math.min(col, Math.max(0, i + offset + 1))] : [Math.min(col, Math.max(0, i + offset)), col];
  const n = lower ? sumClamped(row, offset + 1, col) : row * col - sumClamped(row, offset, col);
  checkNumel([2, n], op);
  const out = new Int32Array(2 * n);
  let k = 0;
  for (let i = lower ? Math.max(0, -offset) : 0; k < n; i++) {
    const [j0, j1] = span(i);
    for (let j = j0; j < j1; j++, k++) {
      out[k] = i;
      out[n + k] = j;
    }
  }
  return fromHost(out, [2, n], 'int32', opts.device ?? getDefaultDevice(), op);
}

/**
 * Row and column indices (`[2, N]`, int32) of the lower triangle of a `row` x `col` matrix, up to
 * diagonal `offset`, in row-major order (`torch.tril_indices`).
 *
 * @example
 * dl.trilIndices(3, 3); // [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
 */
export const trilIndices = defineOp(
  'trilIndices',
  (row: number, col: number, offset: number = 0, opts: TriIndicesOptions = {}): Tensor =>
    triIndices('trilIndices', row, col, offset, true, opts),
);

/**
 * Row and column indices (`[2, N]`, int32) of the upper triangle of a `row` x `col` matrix, from
 * diagonal `offset`, in row-major order (`torch.triu_indices`).
 *
 * @example
 * dl.triuIndices(2, 3, 1); // [[0, 0, 1], [1, 2, 2]]
 */
export const triuIndices = defineOp(
  'triuIndices',
  (row: number, col: number, offset: number = 0, opts: TriIndicesOptions = {}): Tensor =>
    triIndices('triuIndices', row, col, offset, false, opts),
);
