import { floatToHalfBits, halfBitsToFloat, type DType } from '@dl/tensor';
import { KERNEL_WRITES, contiguousStrides, type Backend, type TensorView } from '@dl/tensor/backend';

/**
 * Note [float16 compute]
 * The cpu backend stores float16 as IEEE half bits in a Uint16Array (Note [float16 storage] in
 * @dl/tensor) and computes on it as PyTorch's cpu kernels do for most half ops: in float32, each
 * result rounded to half once. Every kernel entry is wrapped (`installHalfKernels`): float16
 * views are widened into contiguous float32 copies, the float32 kernel runs, and the views the
 * kernel writes are narrowed back with round-to-nearest-even. So every op that works on float32
 * works on float16, reductions and matmul accumulate in float32 (as torch on GPU; torch 1.13's
 * cpu lacks half matmul), and results equal float32 math on the half inputs rounded to half.
 * `copy` and `fill` convert directly (exact, as `.half()`/`.float()` in torch). The fused
 * optimizer step declines float16 (the op layer runs its per-tensor ops). It is not fast: the
 * point on cpu is correctness and interchange (load a half checkpoint, move it to webgpu).
 */

function isView(a: unknown): a is TensorView {
  return typeof a === 'object' && a !== null && 'dtype' in a && 'strides' in a && 'buffer' in a;
}

/** Calls `f(flatIndex, storageIndex)` for every element of `v` in row-major order. */
function forEachElement(v: TensorView, f: (i: number, at: number) => void): void {
  const { shape, strides } = v;
  const r = shape.length;
  let n = 1;
  for (const s of shape) n *= s;
  if (n === 0) return;
  const idx = new Array<number>(r).fill(0);
  let at = v.offset;
  for (let i = 0; i < n; i++) {
    f(i, at);
    for (let d = r - 1; d >= 0; d--) {
      idx[d]!++;
      at += strides[d]!;
      if (idx[d]! < shape[d]!) break;
      at -= idx[d]! * strides[d]!;
      idx[d] = 0;
    }
  }
}

/** A contiguous float32 copy of the float16 view `v`. */
function widen(v: TensorView): TensorView {
  let n = 1;
  for (const s of v.shape) n *= s;
  const out = new Float32Array(n);
  const bits = v.buffer as Uint16Array;
  forEachElement(v, (i, at) => {
    out[i] = halfBitsToFloat(bits[at]!);
  });
  return { buffer: out, dtype: 'float32', shape: v.shape, strides: contiguousStrides(v.shape), offset: 0 };
}

/** Round the contiguous float32 `src` into the float16 view `dst`. */
function narrow(src: TensorView, dst: TensorView): void {
  const vals = src.buffer as Float32Array;
  const bits = dst.buffer as Uint16Array;
  forEachElement(dst, (i, at) => {
    bits[at] = floatToHalfBits(vals[i]!);
  });
}

/**
 * Wrap `be`'s kernel entries so float16 views compute in float32 (Note [float16 compute]) and add
 * float16 to its dtypes.
 *
 * @example
 * installHalfKernels(cpuBackend); // then dl.tensor([1, 2], { dtype: 'float16' }).exp() works on cpu
 */
export function installHalfKernels(be: Backend & { pool?: { release(b: unknown, d: DType): void } }): void {
  const target = be as unknown as Record<string, unknown>;
  (target as { dtypes: readonly DType[] }).dtypes = [...be.dtypes.filter((d) => d !== 'float16'), 'float16'];
  for (const [name, writes] of Object.entries(KERNEL_WRITES)) {
    const f = target[name];
    if (typeof f !== 'function') continue;
    target[name] = function halfAware(this: unknown, ...args: unknown[]): unknown {
      if (!args.some((a) => isView(a) && a.dtype === 'float16')) return f.apply(be, args);
      const wide = args.map((a) => (isView(a) && a.dtype === 'float16' ? widen(a) : a));
      const r = f.apply(be, wide);
      if (r !== false) for (const i of writes) if (wide[i] !== args[i]) narrow(wide[i] as TensorView, args[i] as TensorView);
      return r;
    };
  }
  const copy = be.copy;
  be.copy = (src: TensorView, dst: TensorView): void => {
    if (src.dtype !== 'float16' && dst.dtype !== 'float16') return copy.call(be, src, dst);
    if (src.dtype === 'float16' && dst.dtype === 'float16') {
      const s = widen(src); // half → float → half is exact
      return narrow(s, dst);
    }
    if (src.dtype === 'float16') return copy.call(be, widen(src), dst);
    let n = 1;
    for (const s of dst.shape) n *= s;
    const tmp: TensorView = {
      buffer: new Float32Array(n),
      dtype: 'float32',
      shape: dst.shape,
      strides: contiguousStrides(dst.shape),
      offset: 0,
    };
    copy.call(be, { ...src, shape: dst.shape }, tmp);
    narrow(tmp, dst);
  };
  const fill = be.fill;
  be.fill = (dst: TensorView, value: number): void => {
    if (dst.dtype !== 'float16') return fill.call(be, dst, value);
    const h = floatToHalfBits(value);
    const bits = dst.buffer as Uint16Array;
    forEachElement(dst, (_i, at) => {
      bits[at] = h;
    });
  };
  const step = be.optimizerStep;
  if (step) {
    be.optimizerStep = (s, steps, params, grads, states) =>
      params.some((p) => p.dtype === 'float16') || grads.some((g) => g.dtype === 'float16')
        ? false
        : step.call(be, s, steps, params, grads, states);
  }
  const free = be.free;
  be.free = (buffer: unknown): void => {
    // the pool files a Uint16Array under float16, not uint8 (its dtype is not guessed from the array)
    if (buffer instanceof Uint16Array && be.pool) be.pool.release(buffer, 'float16');
    else free.call(be, buffer);
  };
}
