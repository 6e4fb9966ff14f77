import { defineOp, deviceCan, readHostSync } from '../dispatch.js';
import { DTypeError, ShapeError, StateError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { fromHost } from './creation.js';
import { contiguous, expand, narrow, reshapeTo } from './views.js';
import { indexPut, indexWithPlan, planIndex } from './advanced-index.js';

/** Options of {@link nonzero}. */
export interface NonzeroOptions {
  /** Return one 1-D index tensor per dimension (`torch.nonzero(x, as_tuple=True)`). */
  asTuple?: boolean;
}

/**
 * Note [Data-dependent shapes]
 * `nonzero`, `maskedSelect`, `x.at(boolMask)` and `unique` have an output size that depends on the
 * values. On devices with synchronous reads (cpu) they read the input and return at once; on
 * devices without (webgpu) the sync form throws a StateError naming its `…Async` twin, which
 * awaits the read: `await dl.nonzeroAsync(mask)`, `await dl.maskedSelectAsync(x, mask)`.
 */
function requireSync(x: Tensor, op: string, alt: string): void {
  if (!deviceCan(x, 'readSync')) {
    throw new StateError(`${op}: the output size depends on the values, which device '${x.device}' cannot read synchronously`, {
      op,
      hint: `use \`${alt}\` (see Note [Data-dependent shapes])`,
    });
  }
}

function coordsFromHost(x: Tensor, data: ArrayLike<number>, opts: NonzeroOptions): Tensor | Tensor[] {
  const shape = x.shape;
  const r = shape.length;
  const hits: number[] = [];
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) hits.push(i); // NaN is nonzero, -0 is zero (as torch)
  const n = hits.length;
  if (opts.asTuple) {
    const rr = Math.max(r, 1); // a 0-d input is seen as 1-d, as torch
    const cols = Array.from({ length: rr }, () => new Array<number>(n));
    for (let k = 0; k < n; k++) {
      let f = hits[k]!;
      for (let d = rr - 1; d >= 0; d--) {
        const s = r === 0 ? 1 : shape[d]!;
        cols[d]![k] = f % s;
        f = Math.floor(f / s);
      }
    }
    return cols.map((c) => fromHost(c, [n], 'int32', x.device, 'nonzero'));
  }
  const out = new Array<number>(n * r);
  for (let k = 0; k < n; k++) {
    let f = hits[k]!;
    for (let d = r - 1; d >= 0; d--) {
      out[k * r + d] = f % shape[d]!;
      f = Math.floor(f / shape[d]!);
    }
  }
  return fromHost(out, [n, r], 'int32', x.device, 'nonzero');
}

function hostValues(x: Tensor, op: string): ArrayLike<number> {
  return x.numel() === 0 ? [] : readHostSync(x.isContiguous() ? x : contiguous(x), op);
}

/**
 * Indices of the nonzero elements (`torch.nonzero`): an int32 tensor `[n, x.dim()]`, or with
 * `{ asTuple: true }` one 1-D tensor per dimension (what `x.at(...)` takes). Sync read: cpu; use
 * {@link nonzeroAsync} on webgpu (Note [Data-dependent shapes]).
 *
 * @example
 * dl.nonzero(dl.tensor([[0, 1], [2, 0]]));                    // [[0, 1], [1, 0]]
 * const [r, c] = dl.nonzero(mask, { asTuple: true }); x.at(r, c);
 */
export function nonzero(x: Tensor, opts: NonzeroOptions & { asTuple: true }): Tensor[];
export function nonzero(x: Tensor, opts?: NonzeroOptions & { asTuple?: false }): Tensor;
export function nonzero(x: Tensor, opts?: NonzeroOptions): Tensor | Tensor[];
export function nonzero(x: Tensor, opts: NonzeroOptions = {}): Tensor | Tensor[] {
  return nonzeroOp(x, opts);
}
const nonzeroOp = defineOp('nonzero', (x: Tensor, opts: NonzeroOptions): Tensor | Tensor[] => {
  requireSync(x, 'nonzero', 'await dl.nonzeroAsync(x)');
  return coordsFromHost(x, hostValues(x, 'nonzero'), opts);
});

/**
 * `nonzero` for any device: awaits the read of `x` (the number of nonzeros decides the shape).
 *
 * @example
 * await dl.nonzeroAsync(dl.tensor([0, 3, 0, 4])); // → tensor([[1], [3]])
 */
export async function nonzeroAsync(x: Tensor, opts: NonzeroOptions & { asTuple: true }): Promise<Tensor[]>;
export async function nonzeroAsync(x: Tensor, opts?: NonzeroOptions & { asTuple?: false }): Promise<Tensor>;
export async function nonzeroAsync(x: Tensor, opts: NonzeroOptions = {}): Promise<Tensor | Tensor[]> {
  return coordsFromHost(x, x.numel() === 0 ? [] : await x.data(), opts);
}

function checkMask(op: string, x: Tensor, mask: Tensor): number[] {
  if (!(mask instanceof Tensor)) throw new DTypeError(`${op}: expected mask to be a bool Tensor, got ${typeof mask}`, { op });
  if (mask.dtype !== 'bool') {
    throw new DTypeError(`${op}: expected BoolTensor for mask, got ${mask.dtype} with shape ${fmtShape(mask.shape)}`, {
      op,
      hint: 'build masks with comparisons (x.gt(0)) or cast with .bool()',
    });
  }
  return broadcastShapes(op, x.shape, mask.shape);
}

/**
 * The elements of `x` where `mask` (bool, broadcast with `x`) is true, as a 1-D tensor
 * (`torch.masked_select`). Differentiable. Sync read: cpu; use {@link maskedSelectAsync} on webgpu.
 *
 * @example
 * x.maskedSelect(x.gt(0)); // the positive entries
 */
export const maskedSelect = defineOp('maskedSelect', (x: Tensor, mask: Tensor): Tensor => {
  const shape = checkMask('maskedSelect', x, mask);
  requireSync(mask, 'maskedSelect', 'await dl.maskedSelectAsync(x, mask)');
  const xb = expand(x, shape);
  const mb = expand(mask, shape);
  if (shape.length === 0)
    return indexWithPlan(planIndex(xb.reshape(1), [mb.reshape(1)], 'maskedSelect'), 'maskedSelect', 'MaskedSelectBackward0');
  return indexWithPlan(planIndex(xb, [mb], 'maskedSelect'), 'maskedSelect', 'MaskedSelectBackward0');
});

/**
 * `maskedSelect` for any device: awaits the read of `mask`.
 *
 * @example
 * const x = dl.tensor([1, -2, 3]);
 * await dl.maskedSelectAsync(x, x.gt(0)); // → tensor([1., 3.])
 */
export async function maskedSelectAsync(x: Tensor, mask: Tensor): Promise<Tensor> {
  const shape = checkMask('maskedSelect', x, mask);
  const mb = expand(mask, shape);
  const coords = await nonzeroAsync(mb, { asTuple: true });
  const xb = expand(x, shape);
  if (shape.length === 0) return indexWithPlan(planIndex(xb.reshape(1), coords, 'maskedSelect'), 'maskedSelect', 'MaskedSelectBackward0');
  return indexWithPlan(planIndex(xb, coords, 'maskedSelect'), 'maskedSelect', 'MaskedSelectBackward0');
}

/**
 * A copy of `x` with the elements where `mask` (bool, broadcast to x's shape) is true replaced, in
 * order, by the first elements of `source` (`torch.masked_scatter`). Differentiable w.r.t. `x` and
 * `source`. Sync read: cpu (Note [Data-dependent shapes]); `x.maskedScatter_` is the in-place form.
 *
 * @example
 * dl.zeros([2, 3]).maskedScatter(dl.tensor([true, false, true]), dl.arange(10).float()); // [[0, 0, 1], [2, 0, 3]]
 */
export const maskedScatter = defineOp('maskedScatter', (x: Tensor, mask: Tensor, source: Tensor): Tensor => {
  const op = 'maskedScatter';
  const shape = checkMask(op, x, mask);
  if (shape.length !== x.dim() || shape.some((s, i) => s !== x.shape[i])) {
    throw new ShapeError(`${op}: the mask ${fmtShape(mask.shape)} must broadcast to self ${fmtShape(x.shape)}`, { op });
  }
  if (!(source instanceof Tensor) || source.dtype !== x.dtype) {
    throw new DTypeError(
      `${op}: expected self and source to have same dtypes but got ${x.dtype} and ${source instanceof Tensor ? source.dtype : typeof source}`,
      {
        op,
        hint: `cast the source first: source.to('${x.dtype}')`,
      },
    );
  }
  requireSync(mask, op, 'const idx = await dl.nonzeroAsync(mask, { asTuple: true }); dl.indexPut(x, idx, values)');
  const mb = expand(mask, [...x.shape]);
  const coords = x.dim() === 0 ? nonzero(mb.reshape(1), { asTuple: true }) : nonzero(mb, { asTuple: true });
  const n = coords[0]!.shape[0]!;
  if (source.numel() < n) {
    throw new ShapeError(`${op}: number of elements of source (${source.numel()}) < number of ones in mask (${n})`, {
      op,
      hint: 'the source gives one element per true entry of the mask, in order',
    });
  }
  const vals = narrow(reshapeTo(source, [source.numel()], 'ViewBackward0'), 0, 0, n);
  if (x.dim() === 0) return reshapeTo(indexPut(x.reshape(1), coords, vals), [], 'MaskedScatterBackward0');
  const out = indexPut(x, coords, vals);
  return reshapeTo(out, out.shape, 'MaskedScatterBackward0');
});
