import { defineOp, deviceCan, recordOp, runKernel, type Operand } from '../dispatch.js';
import { DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { broadcastOperand, commonDevice, emptyTensor } from './core.js';

/** A 2-D operand as a batch of one [1, n, m] for the batched matmul kernel. */
function as3d(t: Tensor): Operand {
  return { of: t, shape: [1, ...t.shape], strides: [0, ...t._strides], offset: t._offset };
}

/**
 * `bias + mat1 @ mat2` for 2-D `mat1` [n, k] and `mat2` [k, m], `bias` broadcast to [n, m]
 * (PyTorch's `addmm`, what `F.linear` runs for a 2-D input with a bias): autograd records one
 * `AddmmBackward0` node (Note [Composite ops as one node] in ops/composite.ts).
 *
 * @example
 * addmm(b, x, w.t()); // F.linear(x, w, b)
 */
export const addmm = defineOp('addmm', (bias: Tensor, mat1: Tensor, mat2: Tensor): Tensor => {
  const op = 'addmm';
  if (mat1.dim() !== 2 || mat2.dim() !== 2) {
    throw new ShapeError(`addmm: expected 2-D matrices, got ${fmtShape(mat1.shape)} and ${fmtShape(mat2.shape)}`, {
      op,
      hint: 'use matmul for other ranks',
    });
  }
  const [n, k] = mat1.shape as [number, number];
  const m = mat2.shape[1]!;
  if (mat2.shape[0] !== k) {
    throw new ShapeError(`addmm: mat1 and mat2 shapes cannot be multiplied (${n}x${k} and ${mat2.shape[0]}x${m})`, {
      op,
      hint: 'the inner sizes must agree: (n×k) @ (k×m)',
    });
  }
  const shape = [n, m];
  const b = broadcastShapes(op, bias.shape, shape);
  if (b.length !== 2 || b[0] !== n || b[1] !== m) {
    throw new ShapeError(`addmm: bias ${fmtShape(bias.shape)} cannot be broadcast to the product's shape ${fmtShape(shape)}`, { op });
  }
  if (mat1.dtype !== mat2.dtype || bias.dtype !== mat1.dtype || mat1.dtype === 'bool') {
    throw new DTypeError(`addmm: expected bias, mat1 and mat2 of one non-bool dtype, got ${bias.dtype}, ${mat1.dtype} and ${mat2.dtype}`, {
      op,
      hint: 'cast them to one dtype, e.g. .float()',
    });
  }
  const device = commonDevice(op, bias, mat1, mat2);
  const out = emptyTensor(shape, mat1.dtype, device, op);
  if (mat1.dtype === 'float32' && deviceCan(mat1, 'addmm')) {
    // one kernel with the bias as the product's epilogue where the device takes these operands (FusedKernels.addmm;
    // webgpu: Note [Matmul bias epilogue]), with the composite's values
    const done = { value: false };
    runKernel(op, 'addmm', broadcastOperand(bias, shape), as3d(mat1), as3d(mat2), as3d(out), done);
    if (done.value) {
      recordOp('addmm', [bias, mat1, mat2], out, {});
      return out;
    }
  }
  const prod = emptyTensor(shape, mat1.dtype, device, op);
  runKernel(op, 'matmul', as3d(mat1), as3d(mat2), as3d(prod));
  runKernel(op, 'binary', 'add', prod, broadcastOperand(bias, shape), out);
  prod.dispose();
  recordOp('addmm', [bias, mat1, mat2], out, {});
  return out;
});
