import { defineOp, recordOp } from '../dispatch.js';
import type { Tensor } from '../tensor.js';
import { runDetached } from './composite.js';

/**
 * Rows of `weight` [numEmbeddings, dim] at int32 `indices` (already checked to be in range):
 * [...indices.shape, dim]; one `EmbeddingBackward0` node, whose gradient adds each output row
 * into the weight row it came from, except rows at `paddingIdx` (normalised, or null), as
 * PyTorch's embedding_backward (Note [Composite ops as one node] in ops/composite.ts).
 *
 * @example
 * embedding(tokens, table, null);
 */
export const embedding = defineOp('embedding', (indices: Tensor, weight: Tensor, paddingIdx: number | null): Tensor => {
  const out = runDetached([weight], (w) => w.indexSelect(0, indices.reshape(-1)).reshape([...indices.shape, weight.shape[1]!]));
  recordOp('embedding', [weight], out, { indices, paddingIdx });
  return out;
});
