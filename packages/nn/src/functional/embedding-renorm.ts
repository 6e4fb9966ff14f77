import { StateError, fmtShape, type Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';

/**
 * Note [Embedding max_norm renormalises in place]
 * With `maxNorm`, torch's `F.embedding` / `F.embedding_bag` first rescale, in place and outside
 * autograd, every row of `weight` that `indices` looks up and whose `normType`-norm exceeds
 * `maxNorm`: row · maxNorm / (norm + 1e-7) (aten's embedding_renorm_). dl does the same with tensor
 * ops on the device: the looked-up rows, their norms, the factor (1 where the norm is within
 * bounds) and an `indexPut_` of the scaled rows back (a repeated index writes the same row twice,
 * so no dedup is needed). The lookup that follows then reads the renormalised rows, and the
 * gradient flows through the lookup only, as torch.
 */
export function embeddingRenorm_(weight: Tensor, indices: Tensor, maxNorm: number, normType: number): void {
  if (indices.numel() === 0) return;
  if (weight.shape.some((s, i) => s > 1 && weight.stride(i) === 0)) {
    throw new StateError(
      `embedding: maxNorm renormalises the weight in place, but weight ${fmtShape(weight.shape)} is expanded (strides ${fmtShape(weight.stride())}): more than one element refers to a single memory location`,
      {
        op: 'embedding',
        hint: 'clone() the weight first',
      },
    );
  }
  noGrad(() => {
    const idx = indices.reshape(-1);
    const rows = weight.detach().indexSelect(0, idx);
    const norms = rows.norm(normType, 1, { keepdim: true });
    const scale = norms.add(1e-7).reciprocal().mul(maxNorm).where(norms.gt(maxNorm), 1);
    weight.detach().indexPut_([idx], rows.mul(scale));
  });
}
