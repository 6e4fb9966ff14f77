/**
 * Test helpers (not part of the build): find the software Vulkan ICD that
 * scripts/setup-webgpu.sh unpacked into <repo>/.vk, create a backend, and move host
 * arrays in and out of strided views.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DType, HostArray } from '@dl/tensor';
import type { TensorView } from '@dl/tensor/backend';
import { WebGPUBackend } from './backend.js';

function findIcd(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const p = join(dir, '.vk', 'icd.json');
    if (existsSync(p)) return p;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** A fresh initialised backend, or null (with the reason printed) when there is no adapter. */
export async function setupGpu(be = new WebGPUBackend()): Promise<WebGPUBackend | null> {
  if (!process.env.VK_ICD_FILENAMES) {
    const icd = findIcd();
    if (icd) process.env.VK_ICD_FILENAMES = icd;
  }
  try {
    await be.init();
    return be;
  } catch (e) {
    const msg = `webgpu tests skipped: ${(e as Error).message.split('\n')[0]} (run scripts/setup-webgpu.sh)`;
    if (process.env.DL_REQUIRE_WEBGPU === '1') throw new Error(`${msg}; DL_REQUIRE_WEBGPU=1 requires a WebGPU adapter`);
    console.warn(msg);
    return null;
  }
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    s[d] = acc;
    acc *= shape[d]!;
  }
  return s;
}

const CTOR = { float32: Float32Array, float64: Float64Array, float16: Uint16Array, int32: Int32Array, uint8: Uint8Array, bool: Uint8Array };

/** Upload `data` as a contiguous view of `shape`. */
export function upload(be: WebGPUBackend, dtype: DType, data: ArrayLike<number>, shape: readonly number[] = [data.length]): TensorView {
  const buffer = be.allocate(dtype, data.length);
  be.write(buffer, dtype, CTOR[dtype].from(data) as HostArray, 0);
  return { buffer, dtype, shape, strides: contiguousStrides(shape), offset: 0 };
}

/** A new contiguous (uninitialised) view. */
export function empty(be: WebGPUBackend, dtype: DType, shape: readonly number[]): TensorView {
  const n = shape.reduce((a, b) => a * b, 1);
  return { buffer: be.allocate(dtype, n), dtype, shape, strides: contiguousStrides(shape), offset: 0 };
}

/** Read a contiguous view's elements. */
export async function download(be: WebGPUBackend, v: TensorView): Promise<number[]> {
  const n = v.shape.reduce((a, b) => a * b, 1);
  return [...(await be.read(v.buffer, v.dtype, v.offset, n))];
}

/** Elements of a strided view of a host array, in row-major order of `shape`. */
export function hostStrided(data: ArrayLike<number>, shape: readonly number[], strides: readonly number[], offset: number): number[] {
  const out: number[] = [];
  const n = shape.reduce((a, b) => a * b, 1);
  for (let i = 0; i < n; i++) {
    let rem = i;
    let o = offset;
    for (let d = shape.length - 1; d >= 0; d--) {
      const c = rem % shape[d]!;
      rem = Math.floor(rem / shape[d]!);
      o += c * strides[d]!;
    }
    out.push(data[o]!);
  }
  return out;
}

/** Float32 rounding. */
export const f32 = (x: number) => Math.fround(x);

/** Compare with relative/absolute tolerance; NaN matches NaN. */
export function close(actual: readonly number[], expected: readonly number[], rtol = 1e-5, atol = 1e-6): string | null {
  if (actual.length !== expected.length) return `length ${actual.length} != ${expected.length}`;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    if (Number.isNaN(e) ? !Number.isNaN(a) : a !== e && !(Math.abs(a - e) <= atol + rtol * Math.abs(e))) {
      return `at ${i}: got ${a}, expected ${e}`;
    }
  }
  return null;
}
