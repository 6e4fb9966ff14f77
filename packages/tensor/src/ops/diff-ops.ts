import type { BinaryOp, Conv2dParams, Pool2dParams, UnaryOp } from '../backend.js';
import type { DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';

/**
 * Every op autograd records, with the parameters its derivative rule needs. `@dl/autograd`
 * keeps one rule per key (`satisfies { [K in DiffOp]: Rule<K> }`), so adding an op here
 * without a rule fails to type-check. Composite ops (softmax, linear, mse…) are not here:
 * they are built from these and need no rule.
 */
export interface DiffOpParams extends Record<Exclude<UnaryOp, 'logicalNot' | 'isnan' | 'isinf'>, Record<string, never>>,
  Record<Exclude<BinaryOp, never>, Record<string, never>> {
  where: Record<string, never>;
  clamp: { min: number | null; max: number | null };
  cast: { from: DType; fromDevice: string };
  clone: Record<string, never>;
  sum: { axes: number[]; keepdim: boolean };
  mean: { axes: number[]; keepdim: boolean };
  prod: { axes: number[]; keepdim: boolean };
  /** max/min over several axes without indices (gradient split evenly among ties, as amax). */
  amax: { axes: number[]; keepdim: boolean };
  amin: { axes: number[]; keepdim: boolean };
  /** max/min along one dim with indices (gradient to the index taken). */
  maxDim: { dim: number; keepdim: boolean; indices: Tensor };
  minDim: { dim: number; keepdim: boolean; indices: Tensor };
  cumsum: { dim: number };
  mm: Record<string, never>;
  bmm: Record<string, never>;
  reshape: { inShape: number[]; name: string };
  permute: { dims: number[]; name: string };
  expand: { inShape: number[] };
  slice: { inShape: number[]; starts: number[]; steps: number[] };
  sliceBackward: { inShape: number[]; starts: number[]; steps: number[] };
  gather: { dim: number };
  scatter: { dim: number; mode: 'add' | 'assign' };
  indexSelect: { dim: number };
  cat: { dim: number; sizes: number[] };
  conv2d: Conv2dParams & { hasBias: boolean };
  conv2dBackwardInput: Conv2dParams & { inShape: number[] };
  conv2dBackwardWeight: Conv2dParams & { wShape: number[] };
  maxPool2d: Pool2dParams & { indices: Tensor };
  maxPool2dBackward: Pool2dParams & { indices: Tensor; inShape: number[] };
  avgPool2d: Pool2dParams;
  avgPool2dBackward: Pool2dParams & { inShape: number[] };
}

export type DiffOp = keyof DiffOpParams;
