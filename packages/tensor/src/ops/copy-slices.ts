import { AutogradError, fmtShape } from '../errors.js';
import { isContiguousLayout } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { fromHost } from './creation.js';
import { scatter } from './indexing.js';
import { reshapeTo } from './views.js';

/**
 * Note [In-place writes into views: CopySlices]
 * `o = dl.zeros(2, 4); o.at(0).copy_(lin(x))` writes `lin(x)` into `o`'s storage through a view.
 * The view takes over the write's graph node (Note [In-place ops]), but the *base* `o` is what
 * the user goes on with (`o.sum().backward()`), and it had no node: the gradient never reached
 * `lin` — silently. torch records `CopySlices` on the base: the base's new value is its old value
 * with the view's region replaced by the in-place op's result, so
 *
 * - the gradient to the result (hence, through the op's own rule, to the written source and to
 *   the old view) is the base's gradient taken through the view's geometry, and
 * - the gradient to the old base is the base's gradient with the view's region zeroed; the part
 *   that still depends on the old region arrives through the op's own rule (`add_` passes it
 *   through, `mul_` scales it, `copy_`/`fill_` drop it), exactly torch's composition.
 *
 * Here that node is built from differentiable ops: the view's elements, as flat positions in the
 * (contiguous) base, are an index; the base's new graph is `base.reshape(-1).scatter(0, index,
 * result.reshape(-1))`, recorded before the kernel writes (scatter saves only the index, so the
 * write does not invalidate it), reshaped back under the name `CopySlices` (what torch prints as
 * `grad_fn=<CopySlices>`). The base then takes over that node, as the view takes over the op's.
 * A base whose layout is not contiguous, or a view of a leaf that requires grad (torch refuses
 * that too), raises an AutogradError instead of losing the gradient.
 */

/** @internal Does an in-place write into `target` need a CopySlices node on its base? */
export function needsCopySlices(target: Tensor, result: Tensor | null): Tensor | null {
  const base = target._base as Tensor | null;
  if (!base || base === target) return null;
  if (!(result?.requiresGrad || base.requiresGrad || target.requiresGrad)) return null;
  return base;
}

/**
 * @internal Build the base's CopySlices graph for writing `result` into the view `target` of
 * `base` (call before the kernel writes; Note [In-place writes into views: CopySlices]). Returns
 * the tensor whose node the base takes over with {@link adoptCopySlices}.
 */
export function copySlicesGraph(op: string, base: Tensor, target: Tensor, result: Tensor): Tensor {
  if (base.requiresGrad && base.gradFn === null) {
    throw new AutogradError(
      `${op}: a view of a leaf tensor that requires grad (shape ${fmtShape(base.shape)}) is being used in an in-place operation`,
      { op, hint: 'write into a copy (w.clone()), or do it under dl.noGrad() (as init functions do)' },
    );
  }
  if (!isContiguousLayout(base.shape, base._strides)) {
    throw new AutogradError(
      `${op}: writing in place into a view of a non-contiguous tensor (shape ${fmtShape(base.shape)}) would lose its gradient`,
      {
        op,
        hint: 'build the result out of place: dl.stack / dl.cat of the pieces, or t = t.indexPut([i], v)',
      },
    );
  }
  const n = target.numel();
  const pos = new Array<number>(n);
  const shape = target.shape;
  const strides = target._strides;
  const idx = new Array<number>(shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let p = target._offset - base._offset;
    for (let d = 0; d < shape.length; d++) p += idx[d]! * strides[d]!;
    pos[k] = p;
    for (let d = shape.length - 1; d >= 0; d--) {
      if (++idx[d]! < shape[d]!) break;
      idx[d] = 0;
    }
  }
  const index = fromHost(pos, [n], 'int32', base.device, 'CopySlices');
  const src = result.dtype === base.dtype ? result : result.to(base.dtype);
  const flat = scatter(reshapeTo(base, [base.numel()], 'ViewBackward0'), 0, index, reshapeTo(src, [n], 'ViewBackward0'));
  return reshapeTo(flat, base.shape, 'CopySlices');
}

/** @internal The base takes over the CopySlices node built by {@link copySlicesGraph}. */
export function adoptCopySlices(base: Tensor, graph: Tensor): void {
  if (graph.gradFn) {
    base.gradFn = graph.gradFn;
    base.requiresGrad = true;
    base._autograd = graph._autograd;
    graph._autograd = null;
  }
  graph.dispose();
}
