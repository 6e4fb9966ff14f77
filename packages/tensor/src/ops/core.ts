import { allocTensor } from '../tensor-base.js';
import { Tensor } from '../tensor.js';
import { canCast, type DType, type DTypeName } from '../dtype.js';
import { ArgumentError, DeviceError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { getDefaultDevice } from '../registry.js';
import { contiguousStrides, describeValue, isContiguousLayout, numelOf, shapesEqual } from '../shape.js';
import { deviceCan, inPlace, noteAlloc, runKernel, type Operand } from '../dispatch.js';

/** Options shared by creation functions. */
export interface CreateOptions {
  dtype?: DTypeName;
  device?: string;
  requiresGrad?: boolean;
}

/** A tensor or a JS scalar where an op accepts either (`x.add(2)`). */
export type TensorOrScalar = Tensor | number | boolean;

/** @internal Fresh contiguous tensor with undefined values. */
export function emptyTensor(shape: readonly number[], dtype: DType, device: string = getDefaultDevice(), op = 'empty'): Tensor {
  const t = allocTensor(Tensor, shape, dtype, device, op);
  noteAlloc(t);
  return t;
}

/** @internal All tensors must be on one device; returns it. */
export function commonDevice(op: string, ...ts: ReadonlyArray<Tensor | null | undefined>): string {
  let dev: string | undefined;
  for (const t of ts) {
    if (!t) continue;
    if (dev === undefined) dev = t.device;
    else if (t.device !== dev) {
      const desc = ts
        .filter((x): x is Tensor => !!x)
        .map((x) => `${fmtShape(x.shape)} on ${x.device}`)
        .join(', ');
      throw new DeviceError(`${op}: expected all tensors to be on the same device, but found ${desc}`, {
        op,
        hint: `move them with .to('${dev}') first`,
      });
    }
  }
  return dev ?? getDefaultDevice();
}

/** @internal A view of `t` broadcast to `shape` (0 strides), no autograd. */
export function broadcastView(t: Tensor, shape: readonly number[]): Tensor {
  if (shapesEqual(t.shape, shape)) return t;
  const lead = shape.length - t.shape.length;
  const strides = shape.map((s, i) => {
    const j = i - lead;
    if (j < 0) return 0;
    return t.shape[j] === 1 && s !== 1 ? 0 : t._strides[j]!;
  });
  return new Tensor(t._storage, shape, strides, t._offset);
}

/** @internal `t` seen broadcast to `shape` (0 strides) as a kernel operand: no Tensor object is made. */
export function broadcastOperand(t: Tensor, shape: readonly number[]): Operand {
  if (t.shape === shape || shapesEqual(t.shape, shape)) return t;
  const lead = shape.length - t.shape.length;
  const strides = new Array<number>(shape.length);
  for (let i = 0; i < shape.length; i++) {
    const j = i - lead;
    strides[i] = j < 0 || (t.shape[j] === 1 && shape[i] !== 1) ? 0 : t._strides[j]!;
  }
  return { of: t, shape, strides, offset: t._offset };
}

/**
 * @internal Check that a scalar argument (`full`'s value, `fill_`'s, a clamp bound) is a JS number
 * or boolean: `Number(undefined)` would silently fill NaN, `Number('3')` hide a bug.
 */
export function checkScalarArg(op: string, v: unknown, name: string, hint = 'pass a number (or a boolean)'): void {
  if (typeof v !== 'number' && typeof v !== 'boolean') {
    throw new ArgumentError(`${op}: ${name} must be a number, got ${describeValue(v)}`, { op, hint });
  }
}

/** @internal Kernel-level cast (no autograd): returns `t` itself when the dtype already matches. */
export function castRaw(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = emptyTensor(t.shape, dtype, t.device, 'cast');
  runKernel('cast', 'copy', t, out);
  return out;
}

/** @internal Kernel-level contiguous (no autograd): `t` itself when already contiguous. */
export function contiguousRaw(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  const out = emptyTensor(t.shape, t.dtype, t.device, 'contiguous');
  runKernel('contiguous', 'copy', t, out);
  return out;
}

/** @internal Scalar as a 0-d tensor of `dtype` on `device`. */
export function scalarTensor(v: number | boolean, dtype: DType, device: string): Tensor {
  const t = emptyTensor([], dtype, device, 'scalar');
  runKernel('scalar', 'fill', t, typeof v === 'boolean' ? Number(v) : v);
  return t;
}

/**
 * Note [Self-overlapping writes]
 * An expanded view (`zeros(1).expand(3)`) has a stride-0 dimension: several of its elements are
 * one memory location. An in-place op writing it would write that location several times, and
 * `x.add_(1)` would add 1 three times. torch refuses such writes for every in-place op and `out=`
 * except `fill_`/`zero_` (one value everywhere is well defined), `masked_fill_` and `index_put_`;
 * dl does the same. Only stride 0 with size > 1 is detected (as torch's `has_internal_overlap`);
 * other overlapping `asStrided` layouts are the caller's responsibility, as in torch.
 */
/** @internal In-place ops torch lets write self-overlapping tensors. */
export const OVERLAP_ALLOWED: ReadonlySet<string> = new Set(['fill_', 'zero_', 'maskedFill_', 'indexPut_']);

/**
 * @internal Throw when `t` has elements sharing one memory location (a stride-0 dim of size > 1)
 * and `op` would write it (Note [Self-overlapping writes]).
 */
export function checkNoInternalOverlap(t: Tensor, op: string): void {
  if (numelOf(t.shape) === 0) return; // nothing is written (torch: an empty tensor does not overlap)
  for (let i = 0; i < t.shape.length; i++) {
    if (t._strides[i] === 0 && t.shape[i]! > 1) {
      throw new ArgumentError(
        `${op}: unsupported operation: more than one element of the written-to tensor refers to a single memory location ` +
          `(shape ${fmtShape(t.shape)}, strides ${fmtShape(t._strides)}: dimension ${i} is expanded)`,
        { op, hint: 'Please clone() the tensor before performing the operation (or write into the tensor it was expanded from)' },
      );
    }
  }
}

/**
 * @internal Where a kernel may write its result: `out` itself if it fits (same shape and dtype,
 * contiguous or the backend writes strided outputs), else a fresh tensor to copy from.
 */
export function outTarget(op: string, shape: readonly number[], dtype: DType, device: string, out?: Tensor): Tensor {
  if (!out) return emptyTensor(shape, dtype, device, op);
  checkNoInternalOverlap(out, op);
  if (!shapesEqual(out.shape, shape)) {
    throw new ShapeError(`${op}: out has shape ${fmtShape(out.shape)} but the result has shape ${fmtShape(shape)}`, {
      op,
      hint: 'allocate out with the result shape (dl does not resize out tensors)',
    });
  }
  if (out.device !== device) {
    throw new DeviceError(`${op}: out is on ${out.device} but the inputs are on ${device}`, { op });
  }
  if (out.dtype === dtype && (isContiguousLayout(out.shape, out._strides) || deviceCan(out, 'stridedOutput'))) return out;
  return emptyTensor(shape, dtype, device, op);
}

/** @internal The destination to hand a kernel: `res`, marked as written in place when it is the user's `out`. */
export function dest(res: Tensor, out: Tensor | undefined): Operand {
  return res === out ? inPlace(res) : res;
}

/**
 * @internal Finish an op that may have an `out`: copy into it if the kernel wrote elsewhere (the
 * dispatcher bumps `out`'s version counter for whichever kernel wrote it).
 */
export function finishOut(op: string, result: Tensor, out?: Tensor): Tensor {
  if (!out || out === result) return result;
  if (!canCast(result.dtype, out.dtype)) {
    throw new DTypeError(`${op}: result type ${result.dtype} can't be cast to the desired output type ${out.dtype}`, { op });
  }
  runKernel(op, 'copy', result, inPlace(out));
  result.dispose();
  return out;
}

/** @internal Check `[name, [h, w], min]` pairs (conv/pool geometry) are integer pairs >= min. */
export function checkIntPairs(op: string, pairs: ReadonlyArray<readonly [string, readonly number[], number]>): void {
  for (const [name, v, min] of pairs) {
    if (!Array.isArray(v) || v.length !== 2 || v.some((e) => !Number.isInteger(e) || e < min)) {
      throw new ArgumentError(`${op}: ${name} must be a pair of integers >= ${min}, got ${JSON.stringify(v)}`, { op });
    }
  }
}

export { contiguousStrides, numelOf };
