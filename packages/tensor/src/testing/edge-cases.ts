import { readFileSync } from 'node:fs';
import type { Tensor } from '../tensor.js';
import * as dl from '../everything.js';
import type { DL } from './op-cases.js';
import type { FixtureTensor } from './fixtures.js';

/**
 * One PyTorch-checked edge case (tools/fixtures/edge_cases.py): its inputs, torch's output or the
 * error torch raised, and for gradient cases d(out.sum())/d(input) (null for non-float inputs).
 */
export interface EdgeFixture {
  inputs: FixtureTensor[];
  output?: FixtureTensor;
  error?: { type: string; message: string };
  grads?: (FixtureTensor | null)[];
}

/** The edge-case fixtures: case name → fixture. */
export interface EdgeFixtures {
  torch: string;
  cases: Record<string, EdgeFixture>;
}

type ErrorClass = new (...args: never[]) => Error;

/**
 * How dl computes one edge case. `run` gets dl, the inputs (built on the device under test) and
 * the device; it returns a tensor, or a boolean for `allclose`. `error`: the dl class expected
 * where torch raised. `grad`: @dl/autograd checks the gradients too. `needs`: what the device must
 * offer (`syncRead` for `allclose` and errors raised by a cpu kernel, e.g. integer division by a
 * zero element).
 */
export interface EdgeCase {
  run: (dl: DL, inputs: Tensor[], device: string) => Tensor | boolean;
  error?: ErrorClass;
  grad?: boolean;
  needs?: 'syncRead';
}

const REDUCE_OPS = [
  'max',
  'min',
  'argmax',
  'argmin',
  'amax',
  'amin',
  'sum',
  'mean',
  'prod',
  'std',
  'var',
  'logsumexp',
  'all',
  'any',
] as const;
const NO_IDENTITY = new Set(['max', 'min', 'argmax', 'argmin', 'amax', 'amin']);

/** `x.<op>(dim, { keepdim })` for every reduction (values only for max/min). */
function reduceDim(x: Tensor, op: (typeof REDUCE_OPS)[number], dim: number, keepdim: boolean): Tensor {
  const o = { keepdim };
  switch (op) {
    case 'max':
      return x.max(dim, o).values;
    case 'min':
      return x.min(dim, o).values;
    case 'prod':
      return x.prod(dim, o);
    case 'all':
      return x.all(dim, o);
    case 'any':
      return x.any(dim, o);
    default:
      return (x[op] as (d: number, o: { keepdim: boolean }) => Tensor).call(x, dim, o);
  }
}

function reduceCases(): Record<string, EdgeCase> {
  const out: Record<string, EdgeCase> = {};
  for (const op of REDUCE_OPS) {
    for (const dim of [0, 1]) {
      out[`empty_${op}_dim${dim}`] = {
        run: (_dl, [x]) => reduceDim(x!, op, dim, false),
        ...(dim === 0 && NO_IDENTITY.has(op) ? { error: dl.IndexError } : {}),
      };
    }
    out[`empty_${op}_dim1_keepdim`] = { run: (_dl, [x]) => reduceDim(x!, op, 1, true) };
  }
  const whole = { max: (x: Tensor) => x.max(), min: (x: Tensor) => x.min(), argmax: (x: Tensor) => x.argmax() };
  for (const [op, f] of Object.entries(whole)) out[`empty_${op}_all`] = { run: (_dl, [x]) => f(x!), error: dl.IndexError };
  for (const op of ['sum', 'mean', 'prod', 'std', 'var', 'all', 'any'] as const) {
    out[`empty_${op}_all`] = { run: (_dl, [x]) => (x![op] as () => Tensor).call(x) };
  }
  out.empty_logsumexp_all = { run: (_dl, [x]) => x!.logsumexp([0, 1]) };
  out.empty_norm_dim1 = { run: (_dl, [x]) => x!.norm(2, 1) };
  out.empty_cumsum_dim1 = { run: (_dl, [x]) => x!.cumsum(1) };
  return out;
}

const ov = (f: (x: Tensor, dl: DL) => Tensor): EdgeCase => ({ run: (d, [x]) => f(x!, d), error: dl.ArgumentError });

/**
 * Every case of edge-cases.json, by name (issue 11's edge classes): reductions over empty
 * tensors, matmul with inner size 0, clamp with min > max, linspace, remainder, std/var without
 * overflow, gradients at zeros and NaN, allclose with ±inf/NaN, in-place writes to expanded views.
 *
 * @example
 * const { cases } = loadEdgeFixtures();
 * edgeCases.mm_k0!.run(dl, inputs, 'cpu');
 */
export const edgeCases: Record<string, EdgeCase> = {
  ...reduceCases(),

  mm_k0: { run: (d, [a, b]) => d.mm(a!, b!), grad: true },
  bmm_k0: { run: (d, [a, b]) => d.bmm(a!, b!), grad: true },
  matmul_k0_batched: { run: (d, [a, b]) => d.matmul(a!, b!), grad: true },
  matmul_k0_batched_both: { run: (d, [a, b]) => d.matmul(a!, b!), grad: true },
  matmul_k0_dot: { run: (d, [a, b]) => d.matmul(a!, b!), grad: true },
  matmul_k0_mv: { run: (d, [a, b]) => d.matmul(a!, b!), grad: true },
  mm_k0_int: { run: (d, [a, b]) => d.mm(a!, b!) },
  mm_n0: { run: (d, [a, b]) => d.mm(a!, b!), grad: true },

  clamp_min_gt_max: { run: (_d, [x]) => x!.clamp(1, 0), grad: true },
  clamp_min_gt_max_int: { run: (_d, [x]) => x!.clamp(1, 0) },
  clamp_boundaries_grad: { run: (_d, [x]) => x!.clamp(0, 6), grad: true },

  linspace_steps0: { run: (d, _i, device) => d.linspace(2, 5, 0, { device }) },
  linspace_steps1: { run: (d, _i, device) => d.linspace(2, 5, 1, { device }) },
  linspace_steps2: { run: (d, _i, device) => d.linspace(2, 5, 2, { device }) },
  linspace_steps5: { run: (d, _i, device) => d.linspace(2, 5, 5, { device }) },
  linspace_negative: { run: (d, _i, device) => d.linspace(2, 5, -1, { device }), error: dl.ArgumentError },

  remainder_big_pos: { run: (d, [x]) => d.remainder(x!, 3.7) },
  remainder_big_neg: { run: (d, [x]) => d.remainder(x!, -3.7) },
  remainder_inf_divisor: { run: (d, [x]) => d.remainder(x!, Infinity) },
  remainder_zero_divisor_float: { run: (d, [x]) => d.remainder(x!, 0) },
  remainder_int: { run: (d, [x]) => d.remainder(x!, -3) },
  remainder_int_tensor: { run: (d, [a, b]) => d.remainder(a!, b!) },
  remainder_int_by_zero: { run: (d, [x]) => d.remainder(x!, 0), error: dl.ArgumentError },
  remainder_int_by_zero_tensor: { run: (d, [a, b]) => d.remainder(a!, b!), error: dl.ArgumentError, needs: 'syncRead' },

  div_floor_float: { run: (d, [a, b]) => d.div(a!, b!, { roundingMode: 'floor' }) },
  div_trunc_float: { run: (d, [a, b]) => d.div(a!, b!, { roundingMode: 'trunc' }) },
  div_floor_float_scalar: { run: (d, [a]) => d.div(a!, -2.5, { roundingMode: 'floor' }) },
  div_floor_inf: { run: (d, [a, b]) => d.floorDivide(a!, b!) },
  div_floor_scalar_inf: { run: (d, [a]) => d.div(a!, Infinity, { roundingMode: 'floor' }) },
  grad_div_divisor_no_overflow: { run: (d, [a, b]) => d.div(a!, b!), grad: true },
  grad_remainder_divisor: { run: (d, [a, b]) => d.remainder(a!, b!), grad: true },
  div_floor_int: { run: (d, [a, b]) => d.div(a!, b!, { roundingMode: 'floor' }) },
  div_trunc_int: { run: (d, [a, b]) => d.div(a!, b!, { roundingMode: 'trunc' }) },
  floor_divide_int_scalar: { run: (d, [a]) => d.floorDivide(a!, -3) },
  div_floor_uint8: { run: (_d, [a]) => a!.floorDivide(2) },
  div_floor_int_float_scalar: { run: (d, [a]) => d.div(a!, 2.5, { roundingMode: 'floor' }) },
  div_floor_int_by_zero: { run: (d, [a]) => d.div(a!, 0, { roundingMode: 'floor' }), error: dl.ArgumentError },
  div_trunc_int_by_zero_tensor: {
    run: (d, [a, b]) => d.div(a!, b!, { roundingMode: 'trunc' }),
    error: dl.ArgumentError,
    needs: 'syncRead',
  },
  div_floor_bool: { run: (d, [a]) => d.floorDivide(a!, a!), error: dl.DTypeError },

  ...Object.fromEntries(
    [-3, -0.5, 0.3, 0.5, 0.7, 1].map((w) => [
      `lerp_scalar_${w.toFixed(1)}`,
      { run: (_d: DL, [a, b]: Tensor[]) => a!.lerp(b!, w) } as EdgeCase,
    ]),
  ),
  lerp_tensor_weight_grad: { run: (d, [a, b, w]) => d.lerp(a!, b!, w!), grad: true },
  lerp_scalar_weight_grad: { run: (_d, [a, b]) => a!.lerp(b!, 0.75), grad: true },

  std_1e20: { run: (_d, [x]) => x!.std(), grad: true },
  std_1e38: { run: (_d, [x]) => x!.std() },
  std_3e38_overflows: { run: (_d, [x]) => x!.std() },
  std_dim_2e38: { run: (_d, [x]) => x!.std(1) },
  var_1e20_overflows: { run: (_d, [x]) => x!.var() },
  var_1e19: { run: (_d, [x]) => x!.var() },
  std_tiny: { run: (_d, [x]) => x!.std() },
  std_denormal: { run: (_d, [x]) => x!.std() },
  std_inf: { run: (_d, [x]) => x!.std() },
  std_nan: { run: (_d, [x]) => x!.std() },
  std_single: { run: (_d, [x]) => x!.std() },
  var_unbiased_false_dim0: { run: (_d, [x]) => x!.var(0, { unbiased: false }) },

  grad_prod_one_zero: { run: (_d, [x]) => x!.prod(), grad: true },
  grad_prod_two_zeros: { run: (_d, [x]) => x!.prod(), grad: true },
  grad_prod_no_zero: { run: (_d, [x]) => x!.prod(), grad: true },
  grad_prod_dim1: { run: (_d, [x]) => x!.prod(1), grad: true },
  grad_prod_dim0_keepdim: { run: (_d, [x]) => x!.prod(0, { keepdim: true }), grad: true },
  grad_norm_zero: { run: (_d, [x]) => x!.norm(), grad: true },
  grad_norm_p1_zero: { run: (_d, [x]) => x!.norm(1), grad: true },
  grad_norm_p3_zero: { run: (_d, [x]) => x!.norm(3), grad: true },
  grad_norm_pinf_zero: { run: (_d, [x]) => x!.norm(Infinity), grad: true },
  grad_norm_p05_zero_element: { run: (_d, [x]) => x!.norm(0.5), grad: true },
  grad_norm_dim_zero_row: { run: (_d, [x]) => x!.norm(2, 1), grad: true },
  grad_std_zero: { run: (_d, [x]) => x!.std(), grad: true },
  grad_std_constant: { run: (_d, [x]) => x!.std(), grad: true },
  grad_std_dim_constant_row: { run: (_d, [x]) => x!.std(1), grad: true },
  grad_var_zero: { run: (_d, [x]) => x!.var(), grad: true },
  grad_var_dim_inf: { run: (_d, [x]) => x!.var(1), grad: true },
  grad_std_dim_inf: { run: (_d, [x]) => x!.std(1), grad: true },
  grad_std_1e20_dim0_keepdim: { run: (_d, [x]) => x!.std(0, { keepdim: true }), grad: true },
  grad_relu_nan: { run: (_d, [x]) => x!.relu(), grad: true },
  grad_max_nan: { run: (_d, [x]) => x!.max(), grad: true },
  grad_max_two_nans: { run: (_d, [x]) => x!.max(), grad: true },
  grad_min_nan: { run: (_d, [x]) => x!.min(), grad: true },
  grad_max_ties: { run: (_d, [x]) => x!.max(), grad: true },
  grad_max_dim_nan: { run: (_d, [x]) => x!.max(0).values, grad: true },
  grad_amax_nan: { run: (_d, [x]) => x!.amax(), grad: true },
  grad_amax_dim_nan: { run: (_d, [x]) => x!.amax(1), grad: true },

  allclose_inf_inf: { run: (_d, [a, b]) => a!.allclose(b!), needs: 'syncRead' },
  allclose_neginf_inf: { run: (_d, [a, b]) => a!.allclose(b!), needs: 'syncRead' },
  allclose_neginf_neginf: { run: (_d, [a, b]) => a!.allclose(b!), needs: 'syncRead' },
  allclose_big_inf: { run: (_d, [a, b]) => a!.allclose(b!), needs: 'syncRead' },
  allclose_inf_big: { run: (_d, [a, b]) => a!.allclose(b!), needs: 'syncRead' },
  allclose_nan: { run: (_d, [a, b]) => a!.allclose(b!), needs: 'syncRead' },
  allclose_nan_equal_nan: { run: (_d, [a, b]) => a!.allclose(b!, { equalNan: true }), needs: 'syncRead' },
  allclose_nan_vs_number: { run: (_d, [a, b]) => a!.allclose(b!, { equalNan: true }), needs: 'syncRead' },
  allclose_close: { run: (_d, [a, b]) => a!.allclose(b!), needs: 'syncRead' },
  allclose_far: { run: (_d, [a, b]) => a!.allclose(b!), needs: 'syncRead' },

  overlap_add_: ov((x) => x.expand(3).add_(1)),
  overlap_mul_: ov((x) => x.expand(2, 3).mul_(2)),
  overlap_neg_: ov((x) => x.expand(3).neg_()),
  overlap_relu_: ov((x) => x.expand(3).relu_()),
  overlap_clamp_: ov((x) => x.expand(3).clamp_(0, 1)),
  overlap_copy_: ov((x, d) => x.expand(3).copy_(d.ones([3], { device: x.device }))),
  overlap_uniform_: ov((x) => x.expand(3).uniform_()),
  overlap_out: ov((x, d) => d.add(d.ones([3], { device: x.device }), 1, { out: x.expand(3) })),
  overlap_fill_: { run: (_d, [x]) => x!.expand(3).fill_(2) },
  overlap_zero_: { run: (_d, [x]) => x!.expand(3).zero_() },
  overlap_size1_add_: { run: (_d, [x]) => x!.expand(1, 1).add_(1) },
  overlap_empty_abs_: { run: (_d, [x]) => x!.expand(3, 0).abs_() },
  overlap_masked_fill_: { run: (_d, [x, m]) => x!.expand(2, 3).maskedFill_(m!, 9) },

  inplace_clamp_int_float_bounds: { run: (_d, [x]) => x!.clamp_(0.5, 1.5), error: dl.DTypeError },
  inplace_sigmoid_int: { run: (_d, [x]) => x!.sigmoid_(), error: dl.DTypeError },
  masked_fill_int_inf: { run: (d, [x]) => x!.maskedFill(d.tensor([true, false], { device: x!.device }), Infinity), error: dl.DTypeError },
  masked_fill_int_nan: { run: (d, [x]) => x!.maskedFill(d.tensor([true, false], { device: x!.device }), NaN), error: dl.DTypeError },
  masked_fill_int_fraction: { run: (d, [x]) => x!.maskedFill(d.tensor([true, false], { device: x!.device }), 2.5) },
  norm_inf_empty_dim0: { run: (_d, [x]) => x!.norm(Infinity, 0) },
  norm_inf_empty_all: { run: (_d, [x]) => x!.norm(Infinity) },
};

let cached: EdgeFixtures | null = null;

/**
 * The edge-case fixtures (tools/fixtures/edge_cases.py, committed as JSON).
 *
 * @example
 * const { cases } = loadEdgeFixtures(); cases.mm_k0!.output!.shape; // [2, 3]
 */
export function loadEdgeFixtures(): EdgeFixtures {
  if (cached) return cached;
  let lastErr: unknown;
  for (const rel of ['./fixtures/edge-cases.json', '../../src/testing/fixtures/edge-cases.json']) {
    try {
      cached = JSON.parse(readFileSync(new URL(rel, import.meta.url), 'utf8')) as EdgeFixtures;
      return cached;
    } catch (e) {
      lastErr = e;
    }
  }
  throw new dl.StateError(`loadEdgeFixtures: cannot read edge-cases.json (${String(lastErr)})`, {
    op: 'loadEdgeFixtures',
    hint:
      'the PyTorch fixtures ship with @dl/tensor (src/testing/fixtures/); ' +
      'this install lacks them: reinstall @dl/tensor (npm/pnpm with no file filtering). ' +
      'In the dl repository, regenerate them with `python3 tools/fixtures/edge_cases.py`',
  });
}
