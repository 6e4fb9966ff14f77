/**
 * @dl/autograd — importing it turns on gradient tracking for @dl/tensor: `requiresGrad`,
 * `backward()`, `gradFn`/`nextFunctions`, grad modes, `grad()` and `gradcheck`.
 *
 * @packageDocumentation
 *
 * @example
 * import * as dl from '@dl/tensor';
 * import '@dl/backend-cpu';
 * import '@dl/autograd';
 * const x = dl.ones([2, 2], { requiresGrad: true });
 * const out = x.add(2).mul(x.add(2)).mul(3).mean();
 * out.backward(); // x.grad: [[4.5, 4.5], [4.5, 4.5]]
 */
import { AutogradError, type Tensor } from '@dl/tensor';
import { setAutogradHook } from '@dl/tensor/internal';
import { backward, record, spillGraph, watch } from './engine.js';
import { isGradEnabled } from './grad-mode.js';

setAutogradHook({
  shouldRecord(inputs) {
    if (!isGradEnabled()) return false;
    for (const t of inputs) if (t && t.requiresGrad) return true;
    return false;
  },
  record,
  backward,
  spillGraph,
  watch,
  isGradEnabled,
  checkInPlace(target: Tensor, op: string, copySlices = false) {
    if (!isGradEnabled()) return;
    if (target.requiresGrad && target.isLeaf) {
      throw new AutogradError(`${op}: a leaf Variable that requires grad is being used in an in-place operation`, {
        op,
        hint: 'wrap parameter updates in noGrad(() => …), or operate on x.detach()',
      });
    }
    const base = target._base as Tensor | null;
    // a view of a non-leaf is fine where the op records CopySlices on the base (Note [In-place writes into views: CopySlices])
    if (base && base.requiresGrad && (base.isLeaf || !copySlices)) {
      throw new AutogradError(
        base.isLeaf
          ? `${op}: a view of a leaf Variable that requires grad is being used in an in-place operation`
          : `${op}: in-place operations on views of tensors that require grad are not supported`,
        {
          op,
          hint: base.isLeaf
            ? 'use the out-of-place op, or clone() the view first'
            : 'use the out-of-place op, clone() the view first, or build the result with dl.stack / dl.cat / t.indexPut(…)',
        },
      );
    }
  },
});

export { noGrad, enableGrad, setGradEnabled, isGradEnabled } from './grad-mode.js';
export { grad, backwardMany as backwardAll, sumToShape, type GradOptions } from './engine.js';
export { AccumulateGrad, GraphNode, OpNode, SavedTensor, type Edge, type TensorMeta } from './node.js';
export { rules, type Rule, type RuleContext } from './rules.js';
export { gradcheck, gradgradcheck, type GradcheckFn, type GradcheckOptions } from './gradcheck.js';
