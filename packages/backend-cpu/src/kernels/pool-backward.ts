import { IndexError } from '@dl/tensor';
import type { Pool2dParams, TensorView } from '@dl/tensor/backend';
import type { CpuBuffer } from '../buffer.js';
import { fillRange } from '../wasm/fill.js';

/**
 * Note [Pooling backward kernels]
 * The backward passes of 2-D pooling as single loops over contiguous views (the op layer
 * makes `grad` and `indices` contiguous; `gradIn` is a fresh contiguous [N, C, H, W]):
 *  - max: zero each input plane, then add every grad value at its flat `h * W + w` index
 *    (a scatter-add per plane, in grad's order: ties of overlapping windows add up as torch);
 *  - avg: zero, then add `grad / divisor` over every window position inside the input, with
 *    PyTorch's divisor (the window clipped to the padded input when `countIncludePad`, else
 *    the real elements it covers).
 * They replace the op layer's composite (fill + scatterAdd over an expanded index table) on
 * cpu; any float dtype.
 */

/** Max pooling's backward: gradIn = 0, then gradIn[plane, indices[q]] += grad[q]. */
export function maxPool2dBackward(grad: TensorView, indices: TensorView, gradIn: TensorView, _p: Pool2dParams): void {
  const [N, C, H, W] = gradIn.shape as [number, number, number, number];
  const OH = grad.shape[2]!;
  const OW = grad.shape[3]!;
  const G = grad.buffer as CpuBuffer;
  const I = indices.buffer as Int32Array;
  const O = gradIn.buffer as CpuBuffer;
  const HW = H * W;
  const L = OH * OW;
  zero(O, gradIn.offset, gradIn.offset + N * C * HW);
  let q = 0;
  let gq = grad.offset;
  let iq = indices.offset;
  for (let nc = 0; nc < N * C; nc++) {
    const plane = gradIn.offset + nc * HW;
    for (let l = 0; l < L; l++, q++) {
      const k = I[iq++]!;
      if (k < 0 || k >= HW) {
        throw new IndexError(`maxPool2dBackward: index ${k} at position ${q} is out of bounds for an input plane of ${H}x${W}`, {
          op: 'maxPool2dBackward',
        });
      }
      O[plane + k]! += G[gq++]!;
    }
  }
}

/** Average pooling's backward: gradIn = 0, then each grad / divisor added over its window. */
export function avgPool2dBackward(grad: TensorView, gradIn: TensorView, p: Pool2dParams): void {
  const [N, C, H, W] = gradIn.shape as [number, number, number, number];
  const OH = grad.shape[2]!;
  const OW = grad.shape[3]!;
  const [KH, KW] = p.kernelSize;
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const include = p.countIncludePad ?? true;
  const G = grad.buffer as CpuBuffer;
  const O = gradIn.buffer as CpuBuffer;
  const HW = H * W;
  zero(O, gradIn.offset, gradIn.offset + N * C * HW);
  // per output position: the clipped window and 1 / divisor (the same in every plane)
  const L = OH * OW;
  const h0 = new Int32Array(L);
  const h1 = new Int32Array(L);
  const w0 = new Int32Array(L);
  const w1 = new Int32Array(L);
  const div = new Float64Array(L);
  for (let oh = 0, l = 0; oh < OH; oh++)
    for (let ow = 0; ow < OW; ow++, l++) {
      let hs = oh * sh - ph;
      let ws = ow * sw - pw;
      let he = Math.min(hs + KH, H + ph);
      let we = Math.min(ws + KW, W + pw);
      const poolSize = (he - hs) * (we - ws);
      hs = Math.max(hs, 0);
      ws = Math.max(ws, 0);
      he = Math.min(he, H);
      we = Math.min(we, W);
      const n = include ? poolSize : (he - hs) * (we - ws);
      h0[l] = hs;
      h1[l] = he;
      w0[l] = ws;
      w1[l] = we;
      div[l] = n > 0 ? n : 1;
    }
  const f32 = O instanceof Float32Array; // torch divides in the tensor's dtype, then adds
  let gq = grad.offset;
  for (let nc = 0; nc < N * C; nc++) {
    const plane = gradIn.offset + nc * HW;
    for (let l = 0; l < L; l++) {
      const q = G[gq++]! / div[l]!;
      const v = f32 ? Math.fround(q) : q;
      const he = h1[l]!;
      const ws = w0[l]!;
      const we = w1[l]!;
      for (let h = h0[l]!; h < he; h++) {
        const row = plane + h * W;
        for (let w = ws; w < we; w++) O[row + w]! += v;
      }
    }
  }
}

/** Zero `[from, to)`: float32 heap buffers through the wasm fill (Note [Filling heap buffers]). */
function zero(a: CpuBuffer, from: number, to: number): void {
  if (a instanceof Float32Array) fillRange(a, 0, from, to);
  else a.fill(0, from, to);
}
