import type { Conv2dParams, Pool2dParams } from './backend.js';
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

/**
 * Note [One table per primitive]
 * Every primitive is one row of {@link PRIMITIVES}: its kind (which Backend method runs it),
 * arity, result-dtype rule, whether autograd records it (then `@dl/autograd` must have a rule),
 * the parameters its rule receives, and the PyTorch fixture cases that cover it. Everything else
 * is derived from the rows, so a missing piece fails `tsc` instead of failing at run time:
 *  - the kernel-name unions of the Backend contract (`UnaryOp`, `BinaryOp`, `CompareOp`,
 *    `ReduceOp`) and the per-op kernel tables of each backend ({@link KernelTable});
 *  - `DiffOp` / `DiffOpParams`, the keys of the derivative table (`rules satisfies
 *    { [K in DiffOp]: Rule<K> }` in `@dl/autograd`);
 *  - the result-dtype sets of the elementwise op layer (ops/elementwise.ts);
 *  - the elementwise methods of `Tensor` (tensor.ts installs one per row);
 *  - the fixture list: a row must name at least one case of `testing/fixtures/ops.json` (or say
 *    why none can exist); the conformance suite checks each named case exists and runs the
 *    primitive, and `tools/fixtures/generate.py` writes a default case for an elementwise row whose
 *    named case it does not have yet (it reads the one-line rows below: keep them on one line).
 * CONTRIBUTING.md ("Adding an op") lists the steps.
 */

/** Which Backend method runs a primitive. */
export type PrimitiveKind =
  /** `backend.unary(name, …)`, `backend.binary(name, …)`, `backend.compare(name, …)`, `backend.reduce(name, …)` */
  | 'unary'
  | 'binary'
  | 'compare'
  | 'reduce'
  /** its own Backend method of the same name (`where`, `copy`, `matmul`, …) */
  | 'kernel'
  /** an optional Backend method (`FusedKernels`) with a composite fallback in the op layer */
  | 'fused'
  /** no kernel of its own: a view or an op built from kernels that autograd records as one node */
  | 'graph';

/** How a primitive's result dtype follows from its inputs. */
export type DTypeRule =
  /** the input's dtype */
  | 'same'
  /** floating inputs keep their dtype, integer and bool inputs give float32 */
  | 'float'
  /** bool */
  | 'bool'
  /** PyTorch's type promotion of the operands (ops/elementwise.ts notes the bool special cases) */
  | 'promote'
  /** promotion, then integer results become float32 (true division) */
  | 'promoteFloat'
  /** int32 (indices) */
  | 'int32'
  /** an argument decides (a cast's target, a reduction's accumulation dtype, a fill's tensor) */
  | 'given';

/** Input domain where an elementwise op is smooth (generated fixtures draw their inputs there). */
export type Domain = 'real' | 'positive' | 'unit';

/** Case names of `testing/fixtures/ops.json`, or why a primitive cannot have a PyTorch fixture. */
export type FixtureRefs = readonly [string, ...string[]] | { readonly none: string };

/** One row of {@link PRIMITIVES}. */
export interface PrimitiveSpec {
  readonly kind: PrimitiveKind;
  /** Tensor inputs (`'n'`: a list). */
  readonly arity: number | 'n';
  readonly dtype: DTypeRule;
  /** Recorded by autograd: `@dl/autograd` must have a derivative rule for it. */
  readonly grad: boolean;
  /** PyTorch fixture cases that run this primitive (forward, or in their gradient). */
  readonly fixtures: FixtureRefs;
  /** The parameters its derivative rule receives (a type, carried by {@link params}). */
  readonly params?: unknown;
  /** Where an elementwise op is smooth (default 'real'). */
  readonly domain?: Domain;
}

/** A phantom value carrying the parameter type of a row (nothing at run time). */
const params = <T>(): T => undefined as T;

type Axes = { axes: number[]; keepdim: boolean };
type SliceParams = { inShape: number[]; starts: number[]; steps: number[] };
/** How a loss reduces its per-element values. */
export type LossReduction = 'mean' | 'sum' | 'none';
/**
 * nllLoss's params: class-index `target` (int32, no class dim), per-class `weight`, and the
 * sum of the weights of the counted targets (`totalWeight`, 0-d: the mean's divisor). `twoD`
 * names the node NllLoss2DBackward0 (a 4-D input, as PyTorch's nll_loss2d).
 */
type NllParams = {
  reduction: LossReduction;
  ignoreIndex: number;
  target: Tensor;
  weight: Tensor | null;
  totalWeight: Tensor;
  twoD: boolean;
};

/**
 * The primitives: one row each (Note [One table per primitive]).
 *
 * @example
 * PRIMITIVES.exp; // { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: [...] }
 */
export const PRIMITIVES = {
  // elementwise unary: backend.unary(name, x, out)
  neg: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['neg_f32', 'neg_int'] },
  abs: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['abs_f32', 'abs_int'] },
  exp: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['exp_f32', 'exp_int_to_float'] },
  log: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['log_f32', 'log_special'], domain: 'positive' },
  log1p: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['log1p_f32'], domain: 'positive' },
  expm1: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['expm1_f32'] },
  sqrt: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['sqrt_f32', 'sqrt_int_to_float'], domain: 'positive' },
  rsqrt: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['rsqrt_f32'], domain: 'positive' },
  reciprocal: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['reciprocal_f32'], domain: 'positive' },
  sin: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['sin_f32'] },
  cos: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['cos_f32'] },
  tan: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['tan_f32'], domain: 'unit' },
  tanh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['tanh_f32'] },
  sigmoid: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['sigmoid_f32', 'sigmoid_extreme'] },
  relu: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['relu_f32', 'relu_nan'] },
  erf: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['erf_f32', 'erf_wide'] },
  sign: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['sign_f32', 'sign_special'] },
  floor: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['floor_f32'] },
  ceil: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['ceil_f32'] },
  /** Round half to even, as PyTorch. */
  round: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['round_f32', 'round_half_even'] },
  trunc: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['trunc_f32'] },
  logicalNot: { kind: 'unary', arity: 1, dtype: 'bool', grad: false, fixtures: ['logical_not'] },
  isnan: { kind: 'unary', arity: 1, dtype: 'bool', grad: false, fixtures: ['isnan'] },
  isinf: { kind: 'unary', arity: 1, dtype: 'bool', grad: false, fixtures: ['isinf'] },
  // issue 13 math: inverse trig / hyperbolic, logs and exps in other bases, special functions
  asin: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['asin_f32', 'asin_edges'], domain: 'unit' },
  acos: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['acos_f32', 'acos_edges'], domain: 'unit' },
  atan: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['atan_f32', 'atan_edges'] },
  sinh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['sinh_f32', 'sinh_edges'] },
  cosh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['cosh_f32', 'cosh_edges'] },
  asinh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['asinh_f32', 'asinh_edges'] },
  acosh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['acosh_f32', 'acosh_edges'], domain: 'positive' },
  atanh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['atanh_f32', 'atanh_edges'], domain: 'unit' },
  log2: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['log2_f32', 'log2_edges'], domain: 'positive' },
  log10: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['log10_f32', 'log10_edges'], domain: 'positive' },
  exp2: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['exp2_f32', 'exp2_edges'] },
  erfc: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['erfc_f32', 'erfc_wide'] },
  erfinv: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['erfinv_f32', 'erfinv_edges'], domain: 'unit' },
  lgamma: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['lgamma_f32', 'lgamma_edges'], domain: 'positive' },
  digamma: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['digamma_f32', 'digamma_edges'], domain: 'positive' },
  /** Is the sign bit set (true for -0 and negative NaN)? */
  signbit: { kind: 'unary', arity: 1, dtype: 'bool', grad: false, fixtures: ['signbit_edges'] },

  // elementwise binary with broadcasting: backend.binary(name, a, b, out)
  add: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['add_same', 'add_broadcast', 'promote_bool_plus_bool'] },
  sub: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['sub_same', 'sub_broadcast'] },
  mul: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['mul_same', 'promote_int_mul_int'] },
  /** True division (integers give float32). */
  div: { kind: 'binary', arity: 2, dtype: 'promoteFloat', grad: true, fixtures: ['div_same', 'promote_int_div_int'] },
  pow: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['pow_tensor', 'pow_int'] },
  maximum: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['maximum_same', 'maximum_nan'] },
  minimum: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['minimum_same', 'minimum_nan'] },
  /** Python-style modulus (the sign of the divisor). */
  remainder: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['remainder_tensor', 'remainder_int'] },
  /** Quadrant-aware arctangent of self / other. */
  atan2: { kind: 'binary', arity: 2, dtype: 'promoteFloat', grad: true, fixtures: ['atan2_f32'] },
  /** C's fmod: the remainder with the sign of the dividend. */
  fmod: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['fmod_f32', 'fmod_edges', 'fmod_int'] },
  /** sqrt(a² + b²) without overflow or underflow in the squares. */
  hypot: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['hypot_f32', 'hypot_edges'] },
  /** `a·log(b)`, 0 where a is 0 and b is not NaN. */
  xlogy: { kind: 'binary', arity: 2, dtype: 'promoteFloat', grad: true, fixtures: ['xlogy_f32', 'xlogy_edges'], domain: 'positive' },
  /** `log(exp(a) + exp(b))` / `log2(2^a + 2^b)` without overflow (floating only). */
  logaddexp: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['logaddexp_f32', 'logaddexp_edges'] },
  logaddexp2: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['logaddexp2_f32', 'logaddexp2_edges'] },
  /** |a| with the sign bit of b (-0 and negative NaN count as negative). */
  copysign: { kind: 'binary', arity: 2, dtype: 'promoteFloat', grad: true, fixtures: ['copysign_f32', 'copysign_edges'] },
  /** Bitwise ops on integer and bool tensors (floats raise, as torch). */
  bitwiseAnd: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_and_int', 'bitwise_and_bool'] },
  bitwiseOr: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_or_int'] },
  bitwiseXor: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_xor_int'] },
  /** Shifts by the shift count modulo the bit width of int32 (as torch on x86; uint8 results wrap). */
  bitwiseLeftShift: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_left_shift_int'] },
  bitwiseRightShift: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_right_shift_int'] },

  // comparison and logic: backend.compare(name, a, b, out), bool result
  eq: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['eq_broadcast', 'eq_nan'] },
  ne: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['ne_broadcast', 'ne_nan'] },
  lt: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['lt_broadcast'] },
  le: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['le_broadcast'] },
  gt: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['gt_broadcast'] },
  ge: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['ge_broadcast'] },
  logicalAnd: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['logical_and'] },
  logicalOr: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['logical_or_float'] },
  logicalXor: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['logical_xor'] },

  // reductions: backend.reduce(name, x, axes, out)
  sum: { kind: 'reduce', arity: 1, dtype: 'given', grad: true, params: params<Axes>(), fixtures: ['sum_all', 'sum_dim1', 'sum_int'] },
  prod: { kind: 'reduce', arity: 1, dtype: 'given', grad: true, params: params<Axes>(), fixtures: ['prod_dim', 'prod_int'] },
  max: { kind: 'reduce', arity: 1, dtype: 'same', grad: false, fixtures: ['max_all', 'max_dim'] },
  min: { kind: 'reduce', arity: 1, dtype: 'same', grad: false, fixtures: ['min_all', 'min_dim'] },
  argmax: { kind: 'reduce', arity: 1, dtype: 'int32', grad: false, fixtures: ['argmax_all', 'argmax_dim'] },
  argmin: { kind: 'reduce', arity: 1, dtype: 'int32', grad: false, fixtures: ['argmin_all', 'argmin_dim'] },
  all: { kind: 'reduce', arity: 1, dtype: 'bool', grad: false, fixtures: ['all_all', 'all_dim'] },
  any: { kind: 'reduce', arity: 1, dtype: 'bool', grad: false, fixtures: ['any_float', 'any_dim_keepdim'] },

  // kernels with a Backend method of their own
  where: { kind: 'kernel', arity: 3, dtype: 'promote', grad: true, fixtures: ['where_broadcast', 'where_int'] },
  copy: { kind: 'kernel', arity: 1, dtype: 'given', grad: false, fixtures: ['contiguous_transposed', 'cast_float_to_int'] },
  fill: { kind: 'kernel', arity: 0, dtype: 'given', grad: false, fixtures: ['add_scalar'] },
  clamp: {
    kind: 'kernel',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ min: number | null; max: number | null }>(),
    fixtures: ['clamp_both', 'clamp_int'],
  },
  matmul: { kind: 'kernel', arity: 2, dtype: 'same', grad: false, fixtures: ['matmul_2d', 'bmm'] },
  gather: { kind: 'kernel', arity: 2, dtype: 'same', grad: true, params: params<{ dim: number }>(), fixtures: ['gather_dim1'] },
  scatter: {
    kind: 'kernel',
    arity: 3,
    dtype: 'same',
    grad: true,
    params: params<{ dim: number; mode: 'add' | 'assign' }>(),
    fixtures: ['scatter_src', 'scatter_add'],
  },
  indexSelect: { kind: 'kernel', arity: 2, dtype: 'same', grad: true, params: params<{ dim: number }>(), fixtures: ['index_select_dim0'] },
  sort: { kind: 'kernel', arity: 1, dtype: 'same', grad: false, fixtures: ['sort_last', 'sort_nan'] },
  cumsum: {
    kind: 'kernel',
    arity: 1,
    dtype: 'given',
    grad: true,
    params: params<{ dim: number }>(),
    fixtures: ['cumsum_dim0', 'cumsum_int'],
  },
  random: {
    kind: 'kernel',
    arity: 0,
    dtype: 'given',
    grad: false,
    fixtures: {
      none: "PyTorch's CPU generator is not Philox4x32-10: every backend is checked bit for bit against philox.ts instead (conformance 'examples/manualSeed…')",
    },
  },

  // optional fused kernels (the op layer falls back to a composite of the primitives above)
  conv2d: {
    kind: 'fused',
    arity: 3,
    dtype: 'same',
    grad: true,
    params: params<Conv2dParams & { hasBias: boolean }>(),
    fixtures: ['conv2d_basic', 'conv2d_groups'],
  },
  conv2dBackwardInput: {
    kind: 'fused',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<Conv2dParams & { inShape: number[] }>(),
    fixtures: ['conv2d_basic'],
  },
  conv2dBackwardWeight: {
    kind: 'fused',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<Conv2dParams & { wShape: number[] }>(),
    fixtures: ['conv2d_basic'],
  },
  maxPool2d: {
    kind: 'fused',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<Pool2dParams & { indices: Tensor }>(),
    fixtures: ['max_pool2d_basic'],
  },
  avgPool2d: { kind: 'fused', arity: 1, dtype: 'same', grad: true, params: params<Pool2dParams>(), fixtures: ['avg_pool2d_basic'] },
  /** torch's threshold_backward(grad, output, threshold): relu's backward as one kernel (inputs [grad, output]). */
  thresholdBackward: {
    kind: 'fused',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<{ threshold: number }>(),
    fixtures: ['relu_f32', 'relu_nan'],
  },

  // recorded by autograd as one node, no kernel of their own
  cast: {
    kind: 'graph',
    arity: 1,
    dtype: 'given',
    grad: true,
    params: params<{ from: DType; fromDevice: string }>(),
    fixtures: ['cast_f32_to_f64', 'cast_int_to_float'],
  },
  clone: { kind: 'graph', arity: 1, dtype: 'same', grad: true, fixtures: ['clone_sliced'] },
  mean: { kind: 'graph', arity: 1, dtype: 'same', grad: true, params: params<Axes>(), fixtures: ['mean_all', 'mean_dim'] },
  /** max/min over several axes without indices (gradient split evenly among ties, as amax). */
  amax: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<Axes & { whole?: boolean }>(),
    fixtures: ['amax_dims', 'max_all'],
  },
  amin: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<Axes & { whole?: boolean }>(),
    fixtures: ['amin_keepdim', 'min_all'],
  },
  /** max/min along one dim with indices (gradient to the index taken). */
  maxDim: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ dim: number; keepdim: boolean; indices: Tensor }>(),
    fixtures: ['max_dim'],
  },
  minDim: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ dim: number; keepdim: boolean; indices: Tensor }>(),
    fixtures: ['min_dim'],
  },
  mm: { kind: 'graph', arity: 2, dtype: 'same', grad: true, fixtures: ['mm', 'mm_sliced'] },
  bmm: { kind: 'graph', arity: 2, dtype: 'same', grad: true, fixtures: ['bmm'] },
  reshape: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ inShape: number[]; name: string }>(),
    fixtures: ['reshape', 'view_flat'],
  },
  permute: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ dims: number[]; name: string }>(),
    fixtures: ['permute', 'transpose'],
  },
  expand: { kind: 'graph', arity: 1, dtype: 'same', grad: true, params: params<{ inShape: number[] }>(), fixtures: ['expand'] },
  slice: { kind: 'graph', arity: 1, dtype: 'same', grad: true, params: params<SliceParams>(), fixtures: ['narrow', 'at_slices_steps'] },
  /** split/chunk/unbind: every part a view and an output of ONE node (Note [Multi-output splits] in ops/views.ts). */
  splitWithSizes: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ dim: number; sizes: number[]; node: 'Split' | 'SplitWithSizes' | 'Unbind' }>(),
    fixtures: ['split_size', 'split_sizes_dim1', 'chunk_dim1', 'chunk_even'],
  },
  sliceBackward: { kind: 'graph', arity: 1, dtype: 'same', grad: true, params: params<SliceParams>(), fixtures: ['narrow'] },
  /** the diagonal over dims dim1, dim2 as a view (ops/diagonal.ts, Note [diagonal is a view]). */
  diagonal: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ offset: number; dim1: number; dim2: number }>(),
    fixtures: ['diagonal_offset', 'diagonal_dims'],
  },
  /** zeros of inShape with the input on that diagonal: diagonal's gradient, and diagEmbed. */
  diagonalBackward: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ inShape: number[]; offset: number; dim1: number; dim2: number }>(),
    fixtures: ['diag_embed', 'diagonal_offset'],
  },
  /** scatter with a reduction (inputs [self, index, src]; ops/scatter-reduce.ts): one ScatterReduceBackward0 node, as torch. */
  scatterReduce: {
    kind: 'graph',
    arity: 3,
    dtype: 'same',
    grad: true,
    params: params<{ dim: number; reduce: 'sum' | 'prod' | 'mean' | 'amax' | 'amin'; includeSelf: boolean }>(),
    fixtures: ['scatter_reduce_amax', 'scatter_reduce_prod', 'scatter_reduce_mean'],
  },
  cat: {
    kind: 'graph',
    arity: 'n',
    dtype: 'promote',
    grad: true,
    params: params<{ dim: number; sizes: number[] }>(),
    fixtures: ['cat_dim0', 'cat_promote'],
  },
  maxPool2dBackward: {
    kind: 'fused',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<Pool2dParams & { indices: Tensor; inShape: number[] }>(),
    fixtures: ['max_pool2d_basic'],
  },
  avgPool2dBackward: {
    kind: 'fused',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<Pool2dParams & { inShape: number[] }>(),
    fixtures: ['avg_pool2d_basic'],
  },

  // composite ops autograd records as one node with PyTorch's name and a fused derivative, their
  // forward composed of the kernels above (Note [Composite ops as one node] in ops/composite.ts)
  softmax: {
    kind: 'graph',
    arity: 1,
    dtype: 'float',
    grad: true,
    params: params<{ dim: number }>(),
    fixtures: ['softmax_dim1', 'softmax_3d_neg'],
  },
  logSoftmax: {
    kind: 'graph',
    arity: 1,
    dtype: 'float',
    grad: true,
    params: params<{ dim: number }>(),
    fixtures: ['log_softmax_dim1', 'log_softmax_dim0'],
  },
  /** bias + mat1 @ mat2 (inputs [bias, mat1, mat2]): `F.linear` of a 2-D input with a bias. */
  addmm: { kind: 'graph', arity: 3, dtype: 'same', grad: true, fixtures: ['linear_addmm'] },
  /** clamp whose gradient is 0 at the bounds (relu6, hardtanh). */
  hardtanh: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ min: number; max: number }>(),
    fixtures: ['hardtanh_bounds'],
  },
  nllLoss: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<NllParams>(),
    fixtures: ['nll_loss_mean', 'nll_loss_4d_none'],
  },
  mseLoss: {
    kind: 'graph',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<{ reduction: LossReduction }>(),
    fixtures: ['mse_loss_mean', 'mse_loss_none'],
  },
  smoothL1Loss: {
    kind: 'graph',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<{ reduction: LossReduction; beta: number }>(),
    fixtures: ['smooth_l1_loss_beta'],
  },
  huberLoss: {
    kind: 'graph',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<{ reduction: LossReduction; delta: number }>(),
    fixtures: ['huber_loss_delta'],
  },
  binaryCrossEntropy: {
    kind: 'graph',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<{ reduction: LossReduction; weight: Tensor | null }>(),
    fixtures: ['bce_mean'],
  },
  binaryCrossEntropyWithLogits: {
    kind: 'graph',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<{ reduction: LossReduction; weight: Tensor | null; posWeight: Tensor | null }>(),
    fixtures: ['bce_logits_sum'],
  },
  /** inputs [x, weight, bias]; `mean`/`invstd` per channel (batch statistics in training, running ones in eval). */
  batchNorm: {
    kind: 'graph',
    arity: 3,
    dtype: 'same',
    grad: true,
    params: params<{ training: boolean; eps: number; mean: Tensor; invstd: Tensor }>(),
    fixtures: ['batch_norm_train'],
  },
  /** inputs [x, weight, bias]; `mean`/`rstd` over the trailing `normalizedShape` dims (keepdim). */
  layerNorm: {
    kind: 'graph',
    arity: 3,
    dtype: 'same',
    grad: true,
    params: params<{ normalizedShape: number[]; eps: number; mean: Tensor; rstd: Tensor }>(),
    fixtures: ['layer_norm_affine'],
  },
  /** inputs [x, weight, bias]; `mean`/`rstd` [N, numGroups, 1]. */
  groupNorm: {
    kind: 'graph',
    arity: 3,
    dtype: 'same',
    grad: true,
    params: params<{ numGroups: number; eps: number; mean: Tensor; rstd: Tensor }>(),
    fixtures: ['group_norm_affine'],
  },
  gelu: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ approximate: 'none' | 'tanh' }>(),
    fixtures: ['gelu_exact', 'gelu_tanh'],
  },
  silu: { kind: 'graph', arity: 1, dtype: 'same', grad: true, fixtures: ['silu_f32'] },
  leakyRelu: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ negativeSlope: number }>(),
    fixtures: ['leaky_relu_f32'],
  },
  elu: { kind: 'graph', arity: 1, dtype: 'same', grad: true, params: params<{ alpha: number }>(), fixtures: ['elu_f32'] },
  softplus: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ beta: number; threshold: number }>(),
    fixtures: ['softplus_f32'],
  },
  /** var/std over `axes` (VarBackward0/StdBackward0; forward in ops/reduce.ts, Note [Variance without overflow]). */
  var: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ axes: number[]; keepdim: boolean; correction: number }>(),
    fixtures: ['var_dim', 'var_dims', 'var_unbiased_false', 'var_correction0_all'],
  },
  std: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ axes: number[]; keepdim: boolean; correction: number }>(),
    fixtures: ['std_all', 'std_dim_keepdim', 'std_sliced'],
  },
  /** inputs [weight]; `indices` int32, rows at `paddingIdx` get no gradient. */
  embedding: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ indices: Tensor; paddingIdx: number | null }>(),
    fixtures: ['embedding_padding'],
  },
  /** the input's shape and [OH, OW]: the rule rebuilds the windows from them (Note [Adaptive average pooling as window sums]). */
  adaptiveAvgPool2d: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ inputShape: number[]; outputSize: [number, number] }>(),
    fixtures: ['adaptive_avg_pool2d_bins'],
  },
  /** inputs [x, weight, bias]; `direct`: the adjoint of a convolution reaches the whole output, else a crop of `fullShape`. */
  convTranspose2d: {
    kind: 'graph',
    arity: 3,
    dtype: 'same',
    grad: true,
    params: params<Conv2dParams & { hasBias: boolean; direct: boolean; fullShape: number[] }>(),
    fixtures: ['conv_transpose2d_out_pad', 'conv_transpose2d_cropped'],
  },
  /** inputs [x, weight, bias] of [N, C, L]; params in the 2-D (unit height) form. */
  conv1d: {
    kind: 'graph',
    arity: 3,
    dtype: 'same',
    grad: true,
    params: params<Conv2dParams & { hasBias: boolean }>(),
    fixtures: ['conv1d_stride_pad'],
  },
  // dl.linalg factorisations: forward on the host in float64 (Note [Host linear algebra in float64]
  // in linalg/host.ts), one node each; multi-output ones record one packed output (Note [Packed
  // linalg outputs] in linalg/decompositions.ts). Checked by tools/fixtures/differential_linalg.py.
  linalgInv: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    fixtures: { none: 'differential_linalg.py rows (linalg.inv) check it against torch' },
  },
  linalgDet: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ cof: Tensor }>(),
    fixtures: { none: 'differential_linalg.py rows (linalg.det) check it against torch' },
  },
  linalgSlogdet: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ invT: Tensor }>(),
    fixtures: { none: 'differential_linalg.py rows (linalg.slogdet) check it against torch' },
  },
  linalgSolve: {
    kind: 'graph',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<{ inv: Tensor; vector: boolean }>(),
    fixtures: { none: 'differential_linalg.py rows (linalg.solve) check it against torch' },
  },
  linalgCholesky: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ upper: boolean; linv: Tensor }>(),
    fixtures: { none: 'differential_linalg.py rows (linalg.cholesky) check it against torch' },
  },
  linalgQr: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ mode: 'reduced' | 'complete' | 'r'; m: number; n: number; kq: number; rinv: Tensor }>(),
    fixtures: { none: 'differential_linalg.py rows (linalg.qr) check it against torch' },
  },
  linalgEigh: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ n: number }>(),
    fixtures: { none: 'differential_linalg.py rows (linalg.eigh, eigvalsh) check it against torch' },
  },
  linalgSvd: {
    kind: 'graph',
    arity: 1,
    dtype: 'same',
    grad: true,
    params: params<{ m: number; n: number; ku: number; kv: number }>(),
    fixtures: { none: 'differential_linalg.py rows (linalg.svd, svdvals) check it against torch' },
  },
  linalgSolveTriangular: {
    kind: 'graph',
    arity: 2,
    dtype: 'same',
    grad: true,
    params: params<{ upper: boolean; left: boolean; unitriangular: boolean; tinv: Tensor }>(),
    fixtures: { none: 'differential_linalg.py rows (linalg.solveTriangular) check it against torch' },
  },
} as const satisfies Record<string, PrimitiveSpec>;

type Table = typeof PRIMITIVES;
/** The type of {@link PRIMITIVES} (its rows' doc comments carry over to types mapped from it). */
export type PrimitiveTable = Table;

/** Every primitive's name. */
export type Primitive = keyof Table;

/** The primitives of one kind. */
export type PrimitivesOf<K extends PrimitiveKind> = { [P in Primitive]: Table[P]['kind'] extends K ? P : never }[Primitive];

/** Elementwise unary kernels. `out` has `x`'s shape; dtype as the op layer decides. */
export type UnaryOp = PrimitivesOf<'unary'>;
/** Arithmetic binary kernels: `a`, `b`, `out` share one shape (broadcast by 0 strides) and one dtype. */
export type BinaryOp = PrimitivesOf<'binary'>;
/** Comparison / logical kernels: `a` and `b` share a dtype, `out` is `bool`. */
export type CompareOp = PrimitivesOf<'compare'>;
/**
 * Reductions. `out` has `x`'s rank with every axis in `axes` of size 1 (keepdim form).
 * `argmax`/`argmin` take exactly one axis and write int32 (first index of the extreme;
 * NaN counts as the extreme, as PyTorch). `sum`/`prod` write `x`'s dtype; `all`/`any` write bool.
 * `max`/`min` propagate NaN.
 */
export type ReduceOp = PrimitivesOf<'reduce'>;

/** Unary primitives whose result dtype follows `rule`. */
export type UnaryWithDType<R extends DTypeRule> = { [P in UnaryOp]: Table[P]['dtype'] extends R ? P : never }[UnaryOp];

/**
 * A backend's per-op table for the primitives of one kind: exhaustive, so a primitive added to
 * the table without an entry here fails to type-check.
 *
 * @example
 * const UNARY = { neg: '-x', abs: 'Math.abs(x)', … } satisfies KernelTable<'unary', string>;
 */
export type KernelTable<K extends PrimitiveKind, V, Except extends Primitive = never> = {
  readonly [P in Exclude<PrimitivesOf<K>, Except>]: V;
};

/**
 * Every op autograd records: the rows with `grad: true`. `@dl/autograd` keeps one rule per key
 * (`satisfies { [K in DiffOp]: Rule<K> }`). Composites that PyTorch records as one node
 * (softmax, addmm, the losses, batch/layer norm) are `kind: 'graph'` rows with a rule; other
 * composites (std, logsumexp…) are built from these and need no rule.
 */
export type DiffOp = { [P in Primitive]: Table[P]['grad'] extends true ? P : never }[Primitive];

type ParamsOf = { [P in DiffOp]: Table[P] extends { readonly params: infer T } ? T : Record<string, never> };
/**
 * The parameters each recorded op hands to its derivative rule. (An interface, so that
 * `DiffOpParams[K]` for a generic `K` resolves through `K`'s constraint.)
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface DiffOpParams extends ParamsOf {}

/**
 * Names of the primitives of one kind, in table order (run-time list).
 *
 * @example
 * primitivesOf('compare'); // ['eq', 'ne', 'lt', 'le', 'gt', 'ge', 'logicalAnd', 'logicalOr', 'logicalXor']
 */
export function primitivesOf<K extends PrimitiveKind>(kind: K): PrimitivesOf<K>[] {
  return (Object.keys(PRIMITIVES) as Primitive[]).filter((p) => PRIMITIVES[p].kind === kind) as PrimitivesOf<K>[];
}

/**
 * The row of a primitive (typed loosely, for code that walks the table).
 *
 * @example
 * primitiveSpec('div').dtype; // 'promoteFloat'
 */
export function primitiveSpec(name: Primitive): PrimitiveSpec {
  return PRIMITIVES[name];
}
