import { ArgumentError, type Tensor } from '@dl/tensor';

/** @internal torch's apply_loss_reduction, with its error for an unknown reduction. */
export function applyReduction(op: string, l: Tensor, reduction: string | undefined): Tensor {
  switch (reduction ?? 'mean') {
    case 'mean':
      return l.mean();
    case 'sum':
      return l.sum();
    case 'none':
      return l;
    default:
      throw new ArgumentError(`${op}: ${String(reduction)} is not a valid value for reduction`, {
        op,
        hint: "use 'mean', 'sum' or 'none'",
      });
  }
}

/** @internal Check the reduction before computing anything. */
export function checkReduction(op: string, reduction: string | undefined): void {
  const r = reduction ?? 'mean';
  if (r !== 'mean' && r !== 'sum' && r !== 'none')
    throw new ArgumentError(`${op}: ${String(reduction)} is not a valid value for reduction`, { op, hint: "use 'mean', 'sum' or 'none'" });
}
