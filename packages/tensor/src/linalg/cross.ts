import { defineOp } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { crossAlong } from '../ops/linalg-extra.js';

/**
 * Cross product of 3-vectors along `dim` (`torch.linalg.cross`: the last dim by default);
 * inputs broadcast.
 *
 * @example
 * dl.linalg.cross(dl.tensor([[1, 0, 0]]), dl.tensor([[0, 1, 0]])); // [[0, 0, 1]]
 */
export const cross = defineOp(
  'linalg.cross',
  (a: Tensor, b: Tensor, opts: { dim?: number } = {}): Tensor => crossAlong('linalg.cross', a, b, opts.dim ?? -1),
);
