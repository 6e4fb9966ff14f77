import type { Tensor, ValuesIndices } from '@dl/tensor';

/** `{ values, indices }` as PyTorch's tuple: an array `[values, indices]` with the two names too. */
export function pairOf(r: { values: Tensor; indices: Tensor }): ValuesIndices {
  return Object.assign([r.values, r.indices] as [Tensor, Tensor], { values: r.values, indices: r.indices });
}
