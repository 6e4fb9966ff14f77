import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { diagonalBackward, sliceBackward, sliceDims } from '@dl/tensor/internal';
import type { Rule } from './rules.js';

/**
 * Derivative rules of the shape and index ops with a node of their own: `diagonal` (a view; Note
 * [diagonal is a view] in @dl/tensor's ops/diagonal.ts), its adjoint `diagonalBackward`, and
 * `scatterReduce` with torch 1.13's formulas (scatter_reduce_backward in FunctionsManual.cpp).
 * Written with tensor ops, so createGraph differentiates them again.
 */
export const shapeRules = {
  /** split/chunk/unbind (Note [Multi-output splits] in @dl/tensor's ops/views.ts): every part's gradient at once. */
  splitWithSizes: {
    name: (p) => `${p.node}Backward0`,
    backward: (_g, c) => [
      c.params.node === 'Unbind'
        ? dl.stack([...c.grads], c.params.dim)
        : c.grads.length === 1
          ? c.grads[0]!
          : dl.cat([...c.grads], c.params.dim),
    ],
  } satisfies Rule<'splitWithSizes'>,
  diagonal: {
    backward: (g, c) => [diagonalBackward(g, [...c.inputMeta[0]!.shape], c.params.offset, c.params.dim1, c.params.dim2)],
  } satisfies Rule<'diagonal'>,
  diagonalBackward: {
    name: 'DiagEmbedBackward0',
    backward: (u, c) => [u.diagonal(c.params.offset, c.params.dim1, c.params.dim2)],
  } satisfies Rule<'diagonalBackward'>,
  scatterReduce: {
    saves: { inputs: [0, 1, 2], output: true },
    backward: (g, c) => {
      const { dim: d, reduce, includeSelf } = c.params;
      const self = c.input(0);
      const index = c.input(1);
      const srcFull = c.input(2);
      // scatter reads only the part of src the index covers; the rest gets a zero gradient
      const cut = !srcFull.shape.every((s, i) => s === index.shape[i]);
      const src = cut
        ? sliceDims(
            srcFull,
            srcFull.shape.map(() => 0),
            [...index.shape],
            srcFull.shape.map(() => 1),
          )
        : srcFull;
      const result = c.output();
      let gSelf: Tensor;
      let gSrc: Tensor;
      if (reduce === 'sum') {
        gSelf = g;
        gSrc = g.gather(d, index);
      } else if (reduce === 'mean') {
        const start = includeSelf ? dl.onesLike(g) : dl.zerosLike(g);
        let n = start.scatterAdd(d, index, dl.ones([...index.shape], { dtype: g.dtype, device: g.device }));
        n = n.maskedFill(n.eq(0), 1);
        gSelf = g.div(n);
        gSrc = gSelf.gather(d, index);
      } else if (reduce === 'amax' || reduce === 'amin') {
        // ties share the gradient evenly; torch counts self's tie even when includeSelf is false
        const value = result.gather(d, index);
        const selfIs = self.eq(result).to(g.dtype);
        const srcIs = src.eq(value).to(g.dtype);
        const spread = g.div(selfIs.scatterAdd(d, index, srcIs));
        gSelf = selfIs.mul(spread);
        gSrc = srcIs.mul(spread.gather(d, index));
      } else {
        // prod: the product of the others, computed with zeros masked out (torch's formula)
        const maskedSelf = self.maskedFill(self.eq(0), 1);
        gSelf = g.mul(maskedSelf.scatterReduce(d, index, src, 'prod', { includeSelf })).div(maskedSelf);
        const srcZero = src.eq(0);
        const zeros = dl.zerosLike(self).scatterAdd(d, index, srcZero.to(self.dtype)).gather(d, index);
        const single = srcZero.logicalAnd(zeros.eq(1));
        const maskedSrcResult = self.scatterReduce(d, index, src.maskedFill(single, 1), 'prod', { includeSelf });
        gSrc = dl.where(single, g.mul(maskedSrcResult).gather(d, index), g.mul(result).gather(d, index).div(src.maskedFill(srcZero, 1)));
      }
      if (!includeSelf) gSelf = gSelf.scatter(d, index, 0);
      if (cut)
        gSrc = sliceBackward(
          gSrc,
          [...srcFull.shape],
          srcFull.shape.map(() => 0),
          srcFull.shape.map(() => 1),
        );
      return [c.needs[0] ? gSelf : null, null, c.needs[2] ? gSrc : null];
    },
  } satisfies Rule<'scatterReduce'>,
};
