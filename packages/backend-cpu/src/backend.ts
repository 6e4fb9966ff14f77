import {
  hostArray,
  philoxFill,
  specVersion,
  type Backend,
  type DType,
  type HostArray,
  type RandomDist,
  type TensorView,
} from '@dl/tensor';
import { BufferPool, type CpuBuffer } from './buffer.js';
import * as ew from './kernels/elementwise.js';
import { reduce, cumsum } from './kernels/reduce.js';
import { matmulRef } from './kernels/matmul.js';
import { gather, indexSelect, scatter, sort } from './kernels/indexing.js';
import { numel } from './strided.js';

/**
 * A matmul implementation the backend can route to (the WASM SIMD kernels plug in here).
 * Returns false to decline (dtype, size), and the reference kernel runs.
 */
export type MatmulImpl = (a: TensorView, b: TensorView, out: TensorView) => boolean;

/**
 * The cpu backend: every kernel over strided typed arrays, synchronously.
 *
 * @example
 * import '@dl/backend-cpu'; // registers it as 'cpu'
 */
export class CpuBackend implements Backend {
  readonly name = 'cpu';
  readonly specVersion = specVersion;
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32', 'uint8', 'bool'];
  readonly capabilities = { stridedOutput: true, syncRead: true };
  readonly pool = new BufferPool();
  /** Fast matmul paths tried in order before the reference kernel. */
  readonly matmulImpls: MatmulImpl[] = [];

  allocate(dtype: DType, n: number): CpuBuffer {
    return this.pool.allocate(dtype, n);
  }
  free(buffer: unknown): void {
    const b = buffer as CpuBuffer;
    this.pool.release(b, dtypeOf(b));
  }
  write(buffer: unknown, _dtype: DType, data: HostArray, offset: number): void {
    (buffer as CpuBuffer).set(data, offset);
  }
  async read(buffer: unknown, dtype: DType, offset: number, n: number): Promise<HostArray> {
    return this.readSync(buffer, dtype, offset, n);
  }
  readSync(buffer: unknown, dtype: DType, offset: number, n: number): HostArray {
    const out = hostArray(dtype, n);
    out.set((buffer as CpuBuffer).subarray(offset, offset + n));
    return out;
  }
  hostView(buffer: unknown): HostArray {
    return buffer as CpuBuffer;
  }
  wrapHost(data: HostArray): CpuBuffer {
    return data;
  }
  memoryInfo() {
    return { bytesInUse: this.pool.inUseBytes, bytesPooled: this.pool.pooledBytes, buffers: this.pool.buffers };
  }
  async sync(): Promise<void> {}

  unary = ew.unary;
  binary = ew.binary;
  compare = ew.compare;
  where = ew.where;
  copy = ew.copy;
  fill = ew.fill;
  clamp = ew.clamp;
  reduce = reduce;
  cumsum = cumsum;
  gather = gather;
  scatter = scatter;
  indexSelect = indexSelect;
  sort = sort;

  matmul(a: TensorView, b: TensorView, out: TensorView): void {
    for (const impl of this.matmulImpls) if (impl(a, b, out)) return;
    matmulRef(a, b, out);
  }

  random(out: TensorView, dist: RandomDist, key: readonly [number, number], offset: number): void {
    const o = out.buffer as CpuBuffer;
    const n = numel(out);
    const target = o.subarray(out.offset, out.offset + n);
    if (target instanceof Float32Array || target instanceof Float64Array) philoxFill(target, dist, key, offset);
    else {
      const tmp = new Float64Array(n);
      philoxFill(tmp, dist, key, offset);
      target.set(tmp);
    }
  }
}

function dtypeOf(b: CpuBuffer): DType {
  if (b instanceof Float32Array) return 'float32';
  if (b instanceof Float64Array) return 'float64';
  if (b instanceof Int32Array) return 'int32';
  return 'uint8';
}
