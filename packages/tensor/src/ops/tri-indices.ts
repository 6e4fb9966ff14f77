/**
 * `trilIndices` / `triuIndices`: the coordinates of a matrix's lower / upper triangle.
 */
import { defineOp } from '../dispatch.js';
import { ArgumentError } from '../errors.js';
import { getDefaultDevice } from '../registry.js';
import type { Tensor } from '../tensor.js';
import { fromHost } from './creation.js';

/** Where the indices go (`device=`; int32 is dl's int64). */
export interface TriIndicesOptions {
  device?: string;
}

function triIndices(op: string, row: number, col: number, offset: number, lower: boolean, opts: TriIndicesOptions): Tensor {
  for (const [name, v] of [['row', row], ['col', col]] as const) {
    if (!Number.isInteger(v) || v < 0) throw new ArgumentError(`${op}: ${name} must be a non-negative integer, got ${v}`, { op });
  }
  if (!Number.isInteger(offset)) throw new ArgumentError(`${op}: offset must be an integer, got ${offset}`, { op });
  const rs: number[] = [];
  const cs: number[] = [];
  for (let i = 0; i < row; i++) {
    for (let j = 0; j < col; j++) {
      if (lower ? j - i <= offset : j - i >= offset) {
        rs.push(i);
        cs.push(j);
      }
    }
  }
  return fromHost([...rs, ...cs], [2, rs.length], 'int32', opts.device ?? getDefaultDevice(), op);
}

/**
 * Row and column indices (`[2, N]`, int32) of the lower triangle of a `row` x `col` matrix, up to
 * diagonal `offset`, in row-major order (`torch.tril_indices`).
 *
 * @example
 * dl.trilIndices(3, 3); // [[0, 1, 1, 2, 2, 2], [0, 0, 1, 0, 1, 2]]
 */
export const trilIndices = defineOp('trilIndices', (row: number, col: number, offset: number = 0, opts: TriIndicesOptions = {}): Tensor =>
  triIndices('trilIndices', row, col, offset, true, opts),
);

/**
 * Row and column indices (`[2, N]`, int32) of the upper triangle of a `row` x `col` matrix, from
 * diagonal `offset`, in row-major order (`torch.triu_indices`).
 *
 * @example
 * dl.triuIndices(2, 3, 1); // [[0, 0, 1], [1, 2, 2]]
 */
export const triuIndices = defineOp('triuIndices', (row: number, col: number, offset: number = 0, opts: TriIndicesOptions = {}): Tensor =>
  triIndices('triuIndices', row, col, offset, false, opts),
);
