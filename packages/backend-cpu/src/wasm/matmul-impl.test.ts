import type { TensorView } from '@dl/tensor/backend';
import { describe, expect, it } from 'vitest';
import { matmulRef } from '../kernels/matmul.js';
import { wasmMatmul } from './matmul-impl.js';

function view(buffer: unknown, dtype: 'float32' | 'float64', shape: number[], strides: number[], offset = 0): TensorView {
  return { buffer, dtype, shape, strides, offset } as TensorView;
}

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => (s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5);
}

describe('wasmMatmul (cpu backend MatmulImpl)', () => {
  it('matches the reference kernel on batched, broadcast and transposed views', () => {
    const B = 3,
      M = 20,
      K = 33,
      N = 17;
    const a = rand(B * M * K, 1);
    const bT = rand(N * K, 2); // one [N,K] matrix read as a broadcast transposed b
    const va = view(a, 'float32', [B, M, K], [M * K, K, 1]);
    const vb = view(bT, 'float32', [B, K, N], [0, 1, K]);
    const got = new Float32Array(B * M * N);
    const want = new Float32Array(B * M * N);
    expect(wasmMatmul(va, vb, view(got, 'float32', [B, M, N], [M * N, N, 1]))).toBe(true);
    matmulRef(va, vb, view(want, 'float32', [B, M, N], [M * N, N, 1]));
    for (let i = 0; i < got.length; i++) expect(Math.abs(got[i]! - want[i]!)).toBeLessThan(1e-4);
  });

  it('declines float64 and tiny products', () => {
    const f64 = new Float64Array(64);
    expect(
      wasmMatmul(
        view(f64, 'float64', [1, 8, 8], [64, 8, 1]),
        view(f64, 'float64', [1, 8, 8], [64, 8, 1]),
        view(new Float64Array(64), 'float64', [1, 8, 8], [64, 8, 1]),
      ),
    ).toBe(false);
    const f32 = new Float32Array(4);
    expect(
      wasmMatmul(
        view(f32, 'float32', [1, 2, 2], [4, 2, 1]),
        view(f32, 'float32', [1, 2, 2], [4, 2, 1]),
        view(new Float32Array(4), 'float32', [1, 2, 2], [4, 2, 1]),
      ),
    ).toBe(false);
  });
});
