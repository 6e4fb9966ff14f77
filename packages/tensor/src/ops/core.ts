import { allocTensor } from '../tensor-base.js';
import { Tensor } from '../tensor.js';
import { isFloating, type DType } from '../dtype.js';
import { ArgumentError, DeviceError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { getDefaultDevice } from '../registry.js';
import { contiguousStrides, isContiguousLayout, numelOf, shapesEqual } from '../shape.js';

/** Options shared by creation functions. */
export interface CreateOptions {
  dtype?: DType;
  device?: string;
  requiresGrad?: boolean;
}

/** A tensor or a JS scalar where an op accepts either (`x.add(2)`). */
export type TensorOrScalar = Tensor | number | boolean;

/** @internal Fresh contiguous tensor with undefined values. */
export function emptyTensor(shape: readonly number[], dtype: DType, device: string = getDefaultDevice(), op = 'empty'): Tensor {
  return allocTensor(Tensor, shape, dtype, device, op);
}

/** @internal All tensors must be on one device; returns it. */
export function commonDevice(op: string, ...ts: ReadonlyArray<Tensor | null | undefined>): string {
  let dev: string | undefined;
  for (const t of ts) {
    if (!t) continue;
    if (dev === undefined) dev = t.device;
    else if (t.device !== dev) {
      const desc = ts.filter((x): x is Tensor => !!x).map((x) => `${fmtShape(x.shape)} on ${x.device}`).join(', ');
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

/** @internal Kernel-level cast (no autograd): returns `t` itself when the dtype already matches. */
export function castRaw(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  const out = emptyTensor(t.shape, dtype, t.device, 'cast');
  t._backend.copy(t._view('cast'), out._view());
  return out;
}

/** @internal Kernel-level contiguous (no autograd): `t` itself when already contiguous. */
export function contiguousRaw(t: Tensor): Tensor {
  if (t.isContiguous()) return t;
  const out = emptyTensor(t.shape, t.dtype, t.device, 'contiguous');
  t._backend.copy(t._view('contiguous'), out._view());
  return out;
}

/** @internal Scalar as a 0-d tensor of `dtype` on `device`. */
export function scalarTensor(v: number | boolean, dtype: DType, device: string): Tensor {
  const t = emptyTensor([], dtype, device, 'scalar');
  t._backend.fill(t._view(), typeof v === 'boolean' ? Number(v) : v);
  return t;
}

/**
 * @internal Where a kernel may write its result: `out` itself if it fits (same shape and dtype,
 * contiguous or the backend writes strided outputs), else a fresh tensor to copy from.
 */
export function outTarget(op: string, shape: readonly number[], dtype: DType, device: string, out?: Tensor): Tensor {
  if (!out) return emptyTensor(shape, dtype, device, op);
  if (!shapesEqual(out.shape, shape)) {
    throw new ShapeError(`${op}: out has shape ${fmtShape(out.shape)} but the result has shape ${fmtShape(shape)}`, {
      op,
      hint: 'allocate out with the result shape (dl does not resize out tensors)',
    });
  }
  if (out.device !== device) {
    throw new DeviceError(`${op}: out is on ${out.device} but the inputs are on ${device}`, { op });
  }
  if (out.dtype === dtype && (isContiguousLayout(out.shape, out._strides) || out._backend.capabilities.stridedOutput)) return out;
  return emptyTensor(shape, dtype, device, op);
}

/** @internal Finish an op that may have an `out`: copy into it if the kernel wrote elsewhere. */
export function finishOut(op: string, result: Tensor, out?: Tensor): Tensor {
  if (!out || out === result) {
    if (out) out._storage.version++;
    return result;
  }
  if (isFloating(result.dtype) && !isFloating(out.dtype)) {
    throw new DTypeError(`${op}: result type ${result.dtype} can't be cast to the desired output type ${out.dtype}`, { op });
  }
  result._backend.copy(result._view(), out._view(op));
  out._storage.version++;
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
