import { deviceCan, readHostSync } from '../dispatch.js';
import { IndexError, fmtShape } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { checkOnDevice, DEFERRED_NOTE } from './device-check.js';
import { contiguous } from './views.js';

/**
 * Note [Index bounds on the host]
 * PyTorch checks every index of gather/scatter/indexSelect/`x[idx]` and raises "index 5 is out
 * of bounds for dimension 0 with size 3"; negative indices are errors for gather, scatter and
 * indexSelect and wrap (once) for `x[idx]`. A kernel that wrapped or skipped them would answer
 * silently wrong, so on devices with synchronous reads (cpu) the op layer scans the index tensor
 * before the kernel runs (one pass over the indices, no copy when they are contiguous). Devices
 * without synchronous reads (webgpu) validate on the device instead: gather/scatter/indexSelect
 * kernels check their own indices; advanced indexing, which merges several index tensors into one
 * before any kernel sees them, asks for a device check of each against its own dim (`onDevice`).
 */

/** @internal The values of an integer index tensor when the device reads synchronously, else null. */
export function hostIndexValues(index: Tensor, op: string): ArrayLike<number> | null {
  if (!deviceCan(index, 'readSync') || index.numel() === 0) return null;
  return readHostSync(index.isContiguous() ? index : contiguous(index), op);
}

/**
 * @internal Throws PyTorch's IndexError for the first index outside `[lo, size)` where `lo` is
 * `-size` when negatives wrap and 0 when they are errors (Note [Index bounds on the host]). With
 * `onDevice`, a device without synchronous reads checks the indices itself and the next read
 * raises the same error (for ops whose kernels do not check, e.g. advanced indexing, whose
 * indices are merged before any kernel sees them).
 */
export function checkIndexBounds(
  op: string,
  index: Tensor,
  dim: number,
  size: number,
  opts: { negativeWraps: boolean; selfShape: readonly number[]; onDevice?: boolean },
): void {
  const lo = opts.negativeWraps ? -size : 0;
  const vals = hostIndexValues(index, op);
  if (!vals) {
    if (opts.onDevice) {
      const shape = [...opts.selfShape];
      const { negativeWraps } = opts;
      checkOnDevice(op, index, {
        lo,
        hi: size - 1,
        key: `index:${op}:${dim}:${size}:${negativeWraps}:${fmtShape(shape)}`,
        error: (v) => indexBoundsError(op, v, dim, size, negativeWraps, shape, true),
      });
    }
    return;
  }
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (v >= lo && v < size) continue;
    throw indexBoundsError(op, v, dim, size, opts.negativeWraps, opts.selfShape);
  }
}

function indexBoundsError(
  op: string,
  v: number,
  dim: number,
  size: number,
  negativeWraps: boolean,
  selfShape: readonly number[],
  deferred = false,
): IndexError {
  const lo = negativeWraps ? -size : 0;
  return new IndexError(`${op}: index ${v} is out of bounds for dimension ${dim} with size ${size}`, {
    op,
    hint:
      (v < 0 && !negativeWraps
        ? `${op} does not wrap negative indices (as PyTorch); add ${size} to them first (the indexed tensor has shape ${fmtShape(selfShape)})`
        : `valid indices are ${lo}..${size - 1} (the indexed tensor has shape ${fmtShape(selfShape)})`) +
      (deferred ? `. ${DEFERRED_NOTE}` : ''),
  });
}
