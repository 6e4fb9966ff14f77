/**
 * NumPy-style stacking (`hstack`, `vstack`/`rowStack`, `dstack`, `columnStack`) and `meshgrid`,
 * composed from reshape, cat and expand as in torch.
 */
import { defineOp } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { Tensor } from '../tensor.js';
import { commonDevice } from './core.js';
import { cat } from './indexing.js';

function tensorList(op: string, tensors: readonly Tensor[]): void {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new ArgumentError(`${op}: expects a non-empty list of Tensors`, { op });
  tensors.forEach((t, k) => {
    if (!(t instanceof Tensor))
      throw new ArgumentError(`${op}: expected Tensor as element ${k} in the tensor list, but got ${t === null ? 'null' : typeof t}`, {
        op,
      });
  });
}

/** `torch.atleast_1d/2d/3d` of one tensor (a view). */
function atLeast(t: Tensor, n: 1 | 2 | 3): Tensor {
  if (t.dim() >= n) return t;
  if (n === 1) return t.reshape([1]);
  if (n === 2) return t.reshape([1, t.numel()]);
  if (t.dim() === 0) return t.reshape([1, 1, 1]);
  if (t.dim() === 1) return t.reshape([1, t.shape[0]!, 1]);
  return t.unsqueeze(-1);
}

/**
 * Concatenate horizontally (`torch.hstack`): along dim 0 for 1-D tensors, else dim 1; 0-d
 * tensors count as 1-D.
 *
 * @example
 * dl.hstack([dl.tensor([1, 2]), dl.tensor([3])]); // [1, 2, 3]
 */
export const hstack = defineOp('hstack', (tensors: readonly Tensor[]): Tensor => {
  tensorList('hstack', tensors);
  const ts = tensors.map((t) => atLeast(t, 1));
  return cat(ts, ts[0]!.dim() === 1 ? 0 : 1);
});

/**
 * Concatenate vertically (`torch.vstack`, alias `rowStack`): 1-D tensors become rows.
 *
 * @example
 * dl.vstack([dl.tensor([1, 2]), dl.tensor([3, 4])]); // [[1, 2], [3, 4]]
 */
export const vstack = defineOp('vstack', (tensors: readonly Tensor[]): Tensor => {
  tensorList('vstack', tensors);
  return cat(
    tensors.map((t) => atLeast(t, 2)),
    0,
  );
});

/** Alias of {@link vstack} (`torch.row_stack`). @example dl.rowStack([a, b]) */
export const rowStack = defineOp('rowStack', (tensors: readonly Tensor[]): Tensor => vstack(tensors));

/**
 * Concatenate depth-wise, along dim 2 (`torch.dstack`): `[n]` becomes `[1, n, 1]`, `[a, b]`
 * becomes `[a, b, 1]`.
 *
 * @example
 * dl.dstack([dl.tensor([1, 2]), dl.tensor([3, 4])]).shape; // [1, 2, 2]
 */
export const dstack = defineOp('dstack', (tensors: readonly Tensor[]): Tensor => {
  tensorList('dstack', tensors);
  return cat(
    tensors.map((t) => atLeast(t, 3)),
    2,
  );
});

/**
 * Stack as columns (`torch.column_stack`): 0-d and 1-D tensors become `[n, 1]` columns, the
 * others are concatenated along dim 1.
 *
 * @example
 * dl.columnStack([dl.tensor([1, 2]), dl.tensor([3, 4])]); // [[1, 3], [2, 4]]
 */
export const columnStack = defineOp('columnStack', (tensors: readonly Tensor[]): Tensor => {
  tensorList('columnStack', tensors);
  return cat(
    tensors.map((t) => (t.dim() <= 1 ? t.reshape([t.numel(), 1]) : t)),
    1,
  );
});

/** `indexing` of meshgrid: 'ij' (matrix, the default) or 'xy' (Cartesian: first two dims swapped). */
export interface MeshgridOptions {
  indexing?: 'ij' | 'xy';
}

/**
 * Coordinate grids from 1-D (or 0-d) tensors (`torch.meshgrid`): output i varies along dim i and
 * is constant along the others (expanded views). `indexing: 'xy'` swaps the roles of the first
 * two inputs (outputs of shape `[n1, n0, ...]`), as NumPy. torch 1.13 warns when `indexing` is not given and uses 'ij'; dl uses
 * 'ij' without a warning.
 *
 * @example
 * const [gx, gy] = dl.meshgrid([dl.tensor([1, 2, 3]), dl.tensor([4, 5])], { indexing: 'ij' }); // both [3, 2]
 * const [X, Y] = dl.meshgrid(dl.arange(3), dl.arange(2), { indexing: 'xy' }); // both [2, 3]
 */
export const meshgrid = defineOp('meshgrid', (...args: (Tensor | readonly Tensor[] | MeshgridOptions)[]): Tensor[] => {
  const op = 'meshgrid';
  let opts: MeshgridOptions = {};
  const tensors: Tensor[] = [];
  for (const a of args) {
    if (a instanceof Tensor) tensors.push(a);
    else if (Array.isArray(a)) tensors.push(...(a as Tensor[]));
    else if (a !== null && typeof a === 'object') opts = a as MeshgridOptions;
    else throw new ArgumentError(`meshgrid: expected Tensors (or a list of them) and { indexing }, got ${String(a)}`, { op });
  }
  if (tensors.length === 0) throw new ArgumentError('meshgrid: expects a non-empty TensorList', { op });
  tensorList(op, tensors);
  const indexing = opts.indexing ?? 'ij';
  if (indexing !== 'ij' && indexing !== 'xy') {
    throw new ArgumentError(`meshgrid: indexing must be one of "xy" or "ij", but received: ${String(indexing)}`, { op });
  }
  tensors.forEach((t, k) => {
    if (t.dim() > 1) throw new ShapeError(`meshgrid: expects 0D or 1D tensors, but tensor ${k} has shape ${fmtShape(t.shape)}`, { op });
    if (t.dtype !== tensors[0]!.dtype)
      throw new DTypeError(`meshgrid: expects all tensors to have the same dtype, got ${tensors[0]!.dtype} and ${t.dtype}`, { op });
  });
  commonDevice(op, ...tensors);
  const swap = indexing === 'xy' && tensors.length >= 2;
  const ts = [...tensors];
  if (swap) [ts[0], ts[1]] = [ts[1]!, ts[0]!];
  const shape = ts.map((t) => t.numel());
  const grids = ts.map((t, i) => t.reshape(shape.map((s, j) => (i === j ? s : 1))).expand(shape));
  // 'xy': the grids of the swapped inputs, handed back in the caller's order (as torch)
  if (swap) [grids[0], grids[1]] = [grids[1]!, grids[0]!];
  return grids;
});
