/**
 * Note [linalg on devices without sync reads]
 * The factorisations run on the host (Note [Host linear algebra in float64] in host.ts). On cpu
 * the input is read synchronously. webgpu cannot read synchronously, so each sync function there
 * raises a StateError naming its `…Async` twin (`await dl.linalg.invAsync(A)`), which awaits the
 * read, factors on the host and uploads the results to the input's device: a documented transfer
 * of the matrix to the host and of the factors back. The autograd node is recorded on the
 * input's device and its derivative is plain tensor ops (matmul, elementwise) on that device: the
 * host-side values a derivative needs (inverses of A, L or R) are computed in the forward and
 * travel in the node's params, so backward never reads the device.
 */
import { deviceCan, readHostSync } from '../dispatch.js';
import { DTypeError, ShapeError, StateError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';

/** A batch of matrices read to the host: `count` row-major `rows × cols` matrices in `data`. */
export interface HostMatrices {
  data: Float64Array;
  batch: number[];
  count: number;
  rows: number;
  cols: number;
}

/** torch's checks of a linalg input: floating dtype, at least 2-D, square when asked. */
export function checkMatrix(op: string, a: Tensor, square: boolean, name = 'A'): void {
  if (a.dtype !== 'float32' && a.dtype !== 'float64') {
    throw new DTypeError(`${op}: Expected a floating point or complex tensor as input. Got ${a.dtype}`, {
      op,
      hint: 'cast with .float() or .double()',
    });
  }
  if (a.dim() < 2)
    throw new ShapeError(`${op}: The input tensor ${name} must have at least 2 dimensions, got ${fmtShape(a.shape)}`, {
      op,
      hint: 'a matrix is [..., m, n]',
    });
  const m = a.shape[a.dim() - 2]!;
  const n = a.shape[a.dim() - 1]!;
  if (square && m !== n)
    throw new ShapeError(`${op}: ${name} must be batches of square matrices, but they are ${m} by ${n} matrices`, {
      op,
      hint: 'the last two dims must be equal',
    });
}

function shapeOf(a: Tensor, data: ArrayLike<number>): HostMatrices {
  const rows = a.shape[a.dim() - 2]!;
  const cols = a.shape[a.dim() - 1]!;
  const batch = a.shape.slice(0, -2);
  const count = batch.reduce((p, s) => p * s, 1);
  return { data: Float64Array.from(data), batch, count, rows, cols };
}

/** Read `a` synchronously (cpu), or raise the StateError naming the async twin. */
export function readMatrices(op: string, a: Tensor, asyncName: string): HostMatrices {
  if (!deviceCan(a, 'readSync')) {
    throw new StateError(`${op}: device '${a.device}' cannot be read synchronously, and this factorisation runs on the host`, {
      op,
      hint: `use \`await dl.${asyncName}(…)\` (Note [linalg on devices without sync reads])`,
    });
  }
  const c = a.detach().contiguous();
  return shapeOf(a, a.numel() === 0 ? [] : readHostSync(c, op));
}

/** Read `a` on any device (awaits the transfer). */
export async function readMatricesAsync(a: Tensor): Promise<HostMatrices> {
  const data = a.numel() === 0 ? [] : await a.detach().contiguous().data();
  return shapeOf(a, data);
}

/** The `(Batch element i): ` prefix torch puts in a batched linalg error. */
export function batchPrefix(a: Tensor, i: number): string {
  return a.dim() > 2 ? `(Batch element ${i}): ` : '';
}
