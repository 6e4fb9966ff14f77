import type { DType, HostArray } from '@dl/tensor';
import { KERNEL_WRITES, contiguousStrides, numelOf, type TensorView } from '@dl/tensor/backend';
import type { WebGPUBackend } from './backend.js';
import { narrowHalf, widenHalf } from './kernels/half.js';
import type { GpuBuf, Runtime } from './runtime.js';

function isView(a: unknown): a is TensorView {
  return typeof a === 'object' && a !== null && 'dtype' in a && 'strides' in a && 'buffer' in a;
}

/** A fresh contiguous float32 view of `shape` on the device. */
function temp(rt: Runtime, shape: readonly number[]): TensorView {
  return { buffer: rt.allocate(Math.max(1, numelOf(shape))), dtype: 'float32', shape, strides: contiguousStrides(shape), offset: 0 };
}

/**
 * Teach `be` float16 (Note [float16 on webgpu]): buffers of two halves per word, and every kernel
 * entry computing in float32 between exact conversions: float16 views are widened into float32
 * temporaries on the device, the float32 kernel runs, the views it writes are rounded back
 * (round-to-nearest-even). Results equal PyTorch's CUDA ones for its ops that compute in float
 * (float32 math on half inputs, reductions and matmul accumulating in float32, one rounding at
 * the end). `copy`/`fill` convert directly; the fused optimizer step declines float16.
 *
 * @example
 * installHalfKernels(webgpu); // dl.randn([4, 4], { device: 'webgpu' }).half().matmul(…) then works
 */
export function installHalfKernels(be: WebGPUBackend): void {
  const target = be as unknown as Record<string, unknown>;
  (target as { dtypes: readonly DType[] }).dtypes = [...be.dtypes.filter((d) => d !== 'float16'), 'float16'];
  const rt = (): Runtime => be.runtime;
  for (const [name, writes] of Object.entries(KERNEL_WRITES)) {
    const f = target[name];
    if (typeof f !== 'function') continue;
    target[name] = function halfAware(...args: unknown[]): unknown {
      if (!args.some((a) => isView(a) && a.dtype === 'float16')) return f.apply(be, args);
      const r0 = rt();
      const wide = args.map((a) => {
        if (!isView(a) || a.dtype !== 'float16') return a;
        const t = temp(r0, a.shape);
        widenHalf(r0, a, t);
        return t;
      });
      const r = f.apply(be, wide);
      if (r !== false) for (const i of writes) if (wide[i] !== args[i]) narrowHalf(r0, wide[i] as TensorView, args[i] as TensorView);
      for (let i = 0; i < wide.length; i++) if (wide[i] !== args[i]) r0.free((wide[i] as TensorView).buffer as GpuBuf);
      return r;
    };
  }
  const copy = be.copy;
  be.copy = (src: TensorView, dst: TensorView): void => {
    if (src.dtype !== 'float16' && dst.dtype !== 'float16') return copy.call(be, src, dst);
    const r0 = rt();
    const t = temp(r0, dst.shape);
    if (src.dtype === 'float16') widenHalf(r0, { ...src, shape: dst.shape }, t);
    else copy.call(be, { ...src, shape: dst.shape }, t);
    if (dst.dtype === 'float16') narrowHalf(r0, t, dst);
    else copy.call(be, t, dst);
    r0.free(t.buffer as GpuBuf);
  };
  be.fill = (
    (fill) =>
    (dst: TensorView, value: number): void => {
      if (dst.dtype !== 'float16') return fill.call(be, dst, value);
      narrowHalf(rt(), null, dst, value);
    }
  )(be.fill);
  const step = be.optimizerStep;
  be.optimizerStep = (s, steps, params, grads, states) =>
    params.some((p) => p.dtype === 'float16') || grads.some((g) => g.dtype === 'float16')
      ? false
      : step.call(be, s, steps, params, grads, states);
  const allocate = be.allocate;
  be.allocate = (dtype: DType, numel: number): GpuBuf => allocate.call(be, dtype, dtype === 'float16' ? Math.ceil(numel / 2) : numel);
  const write = be.write;
  /** Whole words from an even element offset (a trailing odd element fills the low half of its word, zeroing the high one). */
  const writeWords = (b: GpuBuf, data: HostArray, offset: number): void => {
    const halves = new Uint16Array(data.length + (data.length % 2));
    halves.set(data);
    write.call(be, b, 'int32', new Int32Array(halves.buffer), offset / 2);
  };
  be.write = (buffer: unknown, dtype: DType, data: HostArray, offset: number): void => {
    if (dtype !== 'float16') return write.call(be, buffer, dtype, data, offset);
    const b = buffer as GpuBuf;
    const n = data.length;
    if (n === 0) return;
    if (offset % 2 === 0 && n % 2 === 0) return writeWords(b, data, offset);
    // an odd start or an odd count (a half word shared with another element): a temporary and a strided copy
    const tmp = be.allocate('float16', n);
    writeWords(tmp, data, 0);
    be.copy(
      { buffer: tmp, dtype: 'float16', shape: [n], strides: [1], offset: 0 },
      { buffer: b, dtype: 'float16', shape: [n], strides: [1], offset },
    );
    be.free(tmp);
  };
  const read = be.read;
  be.read = async (buffer: unknown, dtype: DType, offset: number, numel: number): Promise<HostArray> => {
    if (dtype !== 'float16') return read.call(be, buffer, dtype, offset, numel);
    if (numel === 0) return new Uint16Array(0);
    const w0 = offset >> 1;
    const w1 = (offset + numel + 1) >> 1;
    const words = (await read.call(be, buffer, 'int32', w0, w1 - w0)) as Int32Array;
    const halves = new Uint16Array(words.buffer, words.byteOffset, 2 * (w1 - w0));
    return halves.slice(offset & 1, (offset & 1) + numel);
  };
}
