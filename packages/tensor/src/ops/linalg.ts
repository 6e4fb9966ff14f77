import { defineOp, recordOp, runKernel, willRecord, type Operand } from '../dispatch.js';
import { AutogradError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { broadcastShapes } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { commonDevice, emptyTensor, finishOut, outTarget } from './core.js';
import { binary, type OutOptions } from './elementwise.js';
import { sum } from './reduce.js';

/** A 2-D tensor as a batch of one [1, n, m] for the batched matmul kernel. */
function as3d(t: Tensor): Operand {
  if (t.dim() === 3) return t;
  return { of: t, shape: [1, ...t.shape], strides: [0, ...t._strides], offset: t._offset };
}

function checkDtypes(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: expected both operands to have the same dtype, but got ${a.dtype} ${fmtShape(a.shape)} and ${b.dtype} ${fmtShape(b.shape)}`,
      {
        op,
        hint: 'cast one of them, e.g. b.to(a.dtype)',
      },
    );
  }
  if (a.dtype === 'bool') throw new DTypeError(`${op}: not implemented for bool tensors`, { op, hint: 'cast with .float()' });
}

/**
 * PyTorch's `out=` for the matrix products: the product is computed, then written into `out`
 * (same shape and device; not while autograd records, as torch).
 */
function intoOut(op: string, a: Tensor, b: Tensor, out: Tensor, product: () => Tensor): Tensor {
  if (willRecord([a, b])) {
    throw new AutogradError(`${op}: functions with out=... arguments don't support automatic differentiation`, {
      op,
      hint: 'drop the out option, or run under dl.noGrad(() => …)',
    });
  }
  const r = product();
  const target = outTarget(op, r.shape, r.dtype, r.device, out); // shape, device and overlap checks
  if (target !== out) target.dispose();
  return finishOut(op, r, out);
}

/**
 * Matrix product of two 2-D tensors.
 *
 * @example
 * dl.mm(dl.rand(2, 3), dl.rand(3, 4)).shape; // [2, 4]
 * dl.mm(a, b, { out: c });                  // writes into c, as torch's out=
 */
export const mm = defineOp('mm', (a: Tensor, b: Tensor, opts?: OutOptions): Tensor => {
  if (opts?.out) return intoOut('mm', a, b, opts.out, () => mm(a, b));
  const op = 'mm';
  if (a.dim() !== 2 || b.dim() !== 2) {
    throw new ShapeError(`mm: expected 2-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, {
      op,
      hint: 'use matmul for other ranks',
    });
  }
  if (a.shape[1] !== b.shape[0]) {
    throw new ShapeError(
      `mm: mat1 and mat2 shapes cannot be multiplied (${a.shape[0]}x${a.shape[1]} and ${b.shape[0]}x${b.shape[1]}): ${fmtShape(a.shape)} @ ${fmtShape(b.shape)}`,
      {
        op,
        hint: 'the inner sizes must agree: (n×k) @ (k×m)',
      },
    );
  }
  checkDtypes(op, a, b);
  const device = commonDevice(op, a, b);
  const out = emptyTensor([a.shape[0]!, b.shape[1]!], a.dtype, device, op);
  runKernel(op, 'matmul', as3d(a), as3d(b), as3d(out));
  recordOp('mm', [a, b], out, {});
  return out;
});

/**
 * The batched matrix product `[b, n, k] × [b, k, m] → [b, n, m]`, as `torch.bmm` (no broadcasting: use `matmul`); `{ out
 * }` receives the result. Mismatched sizes raise a ShapeError.
 *
 * @example
 * dl.bmm(dl.ones(4, 2, 3), dl.ones(4, 3, 5)).shape; // → [4, 2, 5]
 */
export const bmm = defineOp('bmm', (a: Tensor, b: Tensor, opts?: OutOptions): Tensor => {
  if (opts?.out) return intoOut('bmm', a, b, opts.out, () => bmm(a, b));
  const op = 'bmm';
  if (a.dim() !== 3 || b.dim() !== 3)
    throw new ShapeError(`bmm: expected 3-D tensors, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, { op });
  if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
    throw new ShapeError(`bmm: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied`, {
      op,
      hint: 'expected [B, n, k] @ [B, k, m] with the same B',
    });
  }
  checkDtypes(op, a, b);
  const device = commonDevice(op, a, b);
  const out = emptyTensor([a.shape[0]!, a.shape[1]!, b.shape[2]!], a.dtype, device, op);
  runKernel(op, 'matmul', a, b, out);
  recordOp('bmm', [a, b], out, {});
  return out;
});

/**
 * Matrix product with PyTorch's rules: dot for 1-D·1-D, matrix-vector, and batched
 * products broadcasting the batch dims.
 *
 * @example
 * dl.matmul(dl.rand(10, 3, 4), dl.rand(4, 5)).shape; // [10, 3, 5]
 */
export const matmul = defineOp('matmul', (a: Tensor, b: Tensor, opts?: OutOptions): Tensor => {
  if (opts?.out) return intoOut('matmul', a, b, opts.out, () => matmul(a, b));
  const op = 'matmul';
  if (a.dim() === 0 || b.dim() === 0) {
    throw new ShapeError(`matmul: both arguments need at least 1 dimension, got ${fmtShape(a.shape)} and ${fmtShape(b.shape)}`, {
      op,
      hint: 'use mul for scalars',
    });
  }
  if (a.dim() === 1 && b.dim() === 1) {
    if (a.shape[0] !== b.shape[0]) {
      throw new ShapeError(`matmul: 1D tensors expected to have the same size, but got ${a.shape[0]} and ${b.shape[0]}`, { op });
    }
    checkDtypes(op, a, b);
    return sum(binary('mul', a, b));
  }
  const k = a.shape[a.dim() - 1]!;
  const kb = b.dim() === 1 ? b.shape[0]! : b.shape[b.dim() - 2]!;
  if (k !== kb) {
    throw new ShapeError(`matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k} != ${kb})`, {
      op,
      hint: 'the last dim of the first must equal the second-to-last of the second',
    });
  }
  if (a.dim() <= 2 && b.dim() <= 2) {
    const A = a.dim() === 1 ? a.unsqueeze(0) : a;
    const B = b.dim() === 1 ? b.unsqueeze(1) : b;
    const r = mm(A, B);
    if (a.dim() === 1) return r.squeeze(0);
    if (b.dim() === 1) return r.squeeze(1);
    return r;
  }
  if (b.dim() <= 2) {
    // Fold the batch into rows: one big mm (the Linear case).
    const B = b.dim() === 1 ? b.unsqueeze(1) : b;
    const rows = a.shape.slice(0, -1).reduce((x, y) => x * y, 1); // not -1: k may be 0
    const r = mm(a.reshape(rows, k), B);
    const shape = [...a.shape.slice(0, -1), ...(b.dim() === 1 ? [] : [B.shape[1]!])];
    return r.reshape(shape);
  }
  const A = a.dim() === 1 ? a.unsqueeze(0) : a;
  const n = A.shape[A.dim() - 2]!;
  const m = b.shape[b.dim() - 1]!;
  const batch = broadcastShapes(op, A.shape.slice(0, -2), b.shape.slice(0, -2));
  const bs = batch.reduce((x, y) => x * y, 1);
  const A3 = A.expand([...batch, n, k]).reshape(bs, n, k);
  const B3 = b.expand([...batch, k, m]).reshape(bs, k, m);
  let r = bmm(A3, B3).reshape([...batch, n, m]);
  if (a.dim() === 1) r = r.squeeze(-2);
  return r;
});

/**
 * The dot product of two 1-D tensors of one length (0-d), as `torch.dot`.
 *
 * @example
 * dl.dot(dl.tensor([1, 2, 3]), dl.tensor([4, 5, 6])); // → tensor(32.)
 */
export const dot = defineOp('dot', (a: Tensor, b: Tensor): Tensor => {
  if (a.dim() !== 1 || b.dim() !== 1)
    throw new ShapeError(`dot: 1D tensors expected, but got ${a.dim()}D and ${b.dim()}D tensors`, { op: 'dot' });
  return matmul(a, b);
});

/**
 * The outer product of two 1-D tensors, `[n] × [m] → [n, m]`, as `torch.outer`.
 *
 * @example
 * dl.outer(dl.tensor([1, 2]), dl.tensor([1, 10, 100])); // → tensor([[  1.,  10., 100.], [  2.,  20., 200.]])
 */
export const outer = defineOp('outer', (a: Tensor, b: Tensor): Tensor => binary('mul', a.unsqueeze(1), b.unsqueeze(0)));
