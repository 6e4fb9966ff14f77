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
  /**
   * Elementwise `-x`, as `torch.Tensor.neg` (`dl.neg(x)`); keeps the input dtype.
   * @example dl.tensor([1, -2.5]).neg(); // → tensor([-1.0000,  2.5000])
   */
  neg: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['neg_f32', 'neg_int'] },
  /**
   * Elementwise `|x|`, as `torch.Tensor.abs` (`dl.abs(x)`); keeps the input dtype.
   * @example dl.tensor([-1.5, 2]).abs(); // → tensor([1.5000, 2.0000])
   */
  abs: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['abs_f32', 'abs_int'] },
  /**
   * Elementwise `e^x`, as `torch.Tensor.exp` (`dl.exp(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).exp(); // → tensor([1.0000, 2.7183])
   */
  exp: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['exp_f32', 'exp_int_to_float'] },
  /**
   * The natural logarithm (`-inf` at 0, NaN below), elementwise, as `torch.Tensor.log` (`dl.log(x)`); integer and bool inputs give float32.
   * @example dl.tensor([1, 2.718281828]).log(); // → tensor([0.0000, 1.0000])
   */
  log: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['log_f32', 'log_special'], domain: 'positive' },
  /**
   * Elementwise `log(1 + x)`, accurate for small `x`, as `torch.Tensor.log1p` (`dl.log1p(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1e-8]).log1p(); // → tensor([0.0000e+00, 1.0000e-08])
   */
  log1p: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['log1p_f32'], domain: 'positive' },
  /**
   * Elementwise `e^x - 1`, accurate for small `x`, as `torch.Tensor.expm1` (`dl.expm1(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1e-8]).expm1(); // → tensor([0.0000e+00, 1.0000e-08])
   */
  expm1: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['expm1_f32'] },
  /**
   * The square root (NaN below 0), elementwise, as `torch.Tensor.sqrt` (`dl.sqrt(x)`); integer and bool inputs give float32.
   * @example dl.tensor([4, 2]).sqrt(); // → tensor([2.0000, 1.4142])
   */
  sqrt: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['sqrt_f32', 'sqrt_int_to_float'], domain: 'positive' },
  /**
   * Elementwise `1 / sqrt(x)`, as `torch.Tensor.rsqrt` (`dl.rsqrt(x)`); integer and bool inputs give float32.
   * @example dl.tensor([4, 0.25]).rsqrt(); // → tensor([0.5000, 2.0000])
   */
  rsqrt: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['rsqrt_f32'], domain: 'positive' },
  /**
   * Elementwise `1 / x`, as `torch.Tensor.reciprocal` (`dl.reciprocal(x)`); integer and bool inputs give float32.
   * @example dl.tensor([2, -4]).reciprocal(); // → tensor([ 0.5000, -0.2500])
   */
  reciprocal: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['reciprocal_f32'], domain: 'positive' },
  /**
   * The sine (radians), elementwise, as `torch.Tensor.sin` (`dl.sin(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, Math.PI / 2]).sin(); // → tensor([0., 1.])
   */
  sin: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['sin_f32'] },
  /**
   * The cosine (radians), elementwise, as `torch.Tensor.cos` (`dl.cos(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, Math.PI]).cos(); // → tensor([ 1., -1.])
   */
  cos: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['cos_f32'] },
  /**
   * The tangent (radians), elementwise, as `torch.Tensor.tan` (`dl.tan(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, Math.PI / 4]).tan(); // → tensor([0., 1.])
   */
  tan: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['tan_f32'], domain: 'unit' },
  /**
   * The hyperbolic tangent, elementwise, as `torch.Tensor.tanh` (`dl.tanh(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).tanh(); // → tensor([0.0000, 0.7616])
   */
  tanh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['tanh_f32'] },
  /**
   * The logistic sigmoid `1 / (1 + e^-x)`, elementwise, as `torch.Tensor.sigmoid` (`dl.sigmoid(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 2]).sigmoid(); // → tensor([0.5000, 0.8808])
   */
  sigmoid: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['sigmoid_f32', 'sigmoid_extreme'] },
  /**
   * Elementwise `max(x, 0)` (NaN stays NaN), as `torch.Tensor.relu` (`dl.relu(x)`); keeps the input dtype.
   * @example dl.tensor([-1, 2]).relu(); // → tensor([0., 2.])
   */
  relu: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['relu_f32', 'relu_nan'] },
  /**
   * The error function, elementwise, as `torch.Tensor.erf` (`dl.erf(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).erf(); // → tensor([0.0000, 0.8427])
   */
  erf: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['erf_f32', 'erf_wide'] },
  /**
   * The sign: -1, 0 or 1 (NaN stays NaN), elementwise, as `torch.Tensor.sign` (`dl.sign(x)`); keeps the input dtype.
   * @example dl.tensor([-3, 0, 2]).sign(); // → tensor([-1.,  0.,  1.])
   */
  sign: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['sign_f32', 'sign_special'] },
  /**
   * Rounded down, elementwise, as `torch.Tensor.floor` (`dl.floor(x)`); keeps the input dtype.
   * @example dl.tensor([-1.5, 1.5]).floor(); // → tensor([-2.,  1.])
   */
  floor: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['floor_f32'] },
  /**
   * Rounded up, elementwise, as `torch.Tensor.ceil` (`dl.ceil(x)`); keeps the input dtype.
   * @example dl.tensor([-1.5, 1.5]).ceil(); // → tensor([-1.,  2.])
   */
  ceil: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['ceil_f32'] },
  /**
   * Rounded to the nearest integer, halves to even as PyTorch, elementwise, as `torch.Tensor.round` (`dl.round(x)`); keeps the input dtype.
   * @example dl.tensor([0.5, 1.5, 2.5]).round(); // → tensor([0., 2., 2.])
   */
  round: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['round_f32', 'round_half_even'] },
  /**
   * Rounded toward zero, elementwise, as `torch.Tensor.trunc` (`dl.trunc(x)`); keeps the input dtype.
   * @example dl.tensor([-1.7, 1.7]).trunc(); // → tensor([-1.,  1.])
   */
  trunc: { kind: 'unary', arity: 1, dtype: 'same', grad: true, fixtures: ['trunc_f32'] },
  /**
   * Elementwise `!x` (nonzero is true), as `torch.Tensor.logical_not` (`dl.logicalNot(x)`); gives a bool tensor.
   * @example dl.tensor([0, 1, 2]).logicalNot(); // → tensor([ True, False, False])
   */
  logicalNot: { kind: 'unary', arity: 1, dtype: 'bool', grad: false, fixtures: ['logical_not'] },
  /**
   * Whether each element is NaN, elementwise, as `torch.Tensor.isnan` (`dl.isnan(x)`); gives a bool tensor.
   * @example dl.tensor([1, NaN]).isnan(); // → tensor([False,  True])
   */
  isnan: { kind: 'unary', arity: 1, dtype: 'bool', grad: false, fixtures: ['isnan'] },
  /**
   * Whether each element is ±inf, elementwise, as `torch.Tensor.isinf` (`dl.isinf(x)`); gives a bool tensor.
   * @example dl.tensor([1, Infinity, -Infinity]).isinf(); // → tensor([False,  True,  True])
   */
  isinf: { kind: 'unary', arity: 1, dtype: 'bool', grad: false, fixtures: ['isinf'] },
  // issue 13 math: inverse trig / hyperbolic, logs and exps in other bases, special functions
  /**
   * The arcsine (NaN outside [-1, 1]), elementwise, as `torch.Tensor.asin` (`dl.asin(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).asin(); // → tensor([0.0000, 1.5708])
   */
  asin: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['asin_f32', 'asin_edges'], domain: 'unit' },
  /**
   * The arccosine (NaN outside [-1, 1]), elementwise, as `torch.Tensor.acos` (`dl.acos(x)`); integer and bool inputs give float32.
   * @example dl.tensor([1, 0]).acos(); // → tensor([0.0000, 1.5708])
   */
  acos: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['acos_f32', 'acos_edges'], domain: 'unit' },
  /**
   * The arctangent, elementwise, as `torch.Tensor.atan` (`dl.atan(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).atan(); // → tensor([0.0000, 0.7854])
   */
  atan: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['atan_f32', 'atan_edges'] },
  /**
   * The hyperbolic sine, elementwise, as `torch.Tensor.sinh` (`dl.sinh(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).sinh(); // → tensor([0.0000, 1.1752])
   */
  sinh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['sinh_f32', 'sinh_edges'] },
  /**
   * The hyperbolic cosine, elementwise, as `torch.Tensor.cosh` (`dl.cosh(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).cosh(); // → tensor([1.0000, 1.5431])
   */
  cosh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['cosh_f32', 'cosh_edges'] },
  /**
   * The inverse hyperbolic sine, elementwise, as `torch.Tensor.asinh` (`dl.asinh(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).asinh(); // → tensor([0.0000, 0.8814])
   */
  asinh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['asinh_f32', 'asinh_edges'] },
  /**
   * The inverse hyperbolic cosine (NaN below 1), elementwise, as `torch.Tensor.acosh` (`dl.acosh(x)`); integer and bool inputs give float32.
   * @example dl.tensor([1, 2]).acosh(); // → tensor([0.0000, 1.3170])
   */
  acosh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['acosh_f32', 'acosh_edges'], domain: 'positive' },
  /**
   * The inverse hyperbolic tangent (±inf at ±1), elementwise, as `torch.Tensor.atanh` (`dl.atanh(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 0.5]).atanh(); // → tensor([0.0000, 0.5493])
   */
  atanh: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['atanh_f32', 'atanh_edges'], domain: 'unit' },
  /**
   * The base-2 logarithm, elementwise, as `torch.Tensor.log2` (`dl.log2(x)`); integer and bool inputs give float32.
   * @example dl.tensor([1, 8]).log2(); // → tensor([0., 3.])
   */
  log2: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['log2_f32', 'log2_edges'], domain: 'positive' },
  /**
   * The base-10 logarithm, elementwise, as `torch.Tensor.log10` (`dl.log10(x)`); integer and bool inputs give float32.
   * @example dl.tensor([1, 100]).log10(); // → tensor([0., 2.])
   */
  log10: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['log10_f32', 'log10_edges'], domain: 'positive' },
  /**
   * Elementwise `2^x`, as `torch.Tensor.exp2` (`dl.exp2(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 3]).exp2(); // → tensor([1., 8.])
   */
  exp2: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['exp2_f32', 'exp2_edges'] },
  /**
   * The complementary error function `1 - erf(x)`, elementwise, as `torch.Tensor.erfc` (`dl.erfc(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 1]).erfc(); // → tensor([1.0000, 0.1573])
   */
  erfc: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['erfc_f32', 'erfc_wide'] },
  /**
   * The inverse error function (±inf at ±1), elementwise, as `torch.Tensor.erfinv` (`dl.erfinv(x)`); integer and bool inputs give float32.
   * @example dl.tensor([0, 0.5]).erfinv(); // → tensor([0.0000, 0.4769])
   */
  erfinv: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['erfinv_f32', 'erfinv_edges'], domain: 'unit' },
  /**
   * Elementwise `log|Γ(x)|`, as `torch.Tensor.lgamma` (`dl.lgamma(x)`); integer and bool inputs give float32.
   * @example dl.tensor([1, 5]).lgamma(); // → tensor([0.0000, 3.1781])
   */
  lgamma: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['lgamma_f32', 'lgamma_edges'], domain: 'positive' },
  /**
   * The digamma function `Γ'(x) / Γ(x)`, elementwise, as `torch.Tensor.digamma` (`dl.digamma(x)`); integer and bool inputs give float32.
   * @example dl.tensor([1, 2]).digamma(); // → tensor([-0.5772,  0.4228])
   */
  digamma: { kind: 'unary', arity: 1, dtype: 'float', grad: true, fixtures: ['digamma_f32', 'digamma_edges'], domain: 'positive' },
  /**
   * Whether the sign bit is set (true for -0 and negative NaN), elementwise, as `torch.Tensor.signbit` (`dl.signbit(x)`); gives a bool tensor.
   * @example dl.tensor([-1, 0, -0]).signbit(); // → tensor([ True, False,  True])
   */
  signbit: { kind: 'unary', arity: 1, dtype: 'bool', grad: false, fixtures: ['signbit_edges'] },

  // elementwise binary with broadcasting: backend.binary(name, a, b, out)
  /**
   * Elementwise `self + other`, broadcasting, as `torch.Tensor.add` (`dl.add(x, other)`); the result dtype follows torch's type promotion; a ShapeError if the shapes do not broadcast.
   * @example dl.tensor([1, 2]).add(10); // → tensor([11., 12.])
   */
  add: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['add_same', 'add_broadcast', 'promote_bool_plus_bool'] },
  /**
   * Elementwise `self - other`, broadcasting, as `torch.Tensor.sub` (`dl.sub(x, other)`); the result dtype follows torch's type promotion; a ShapeError if the shapes do not broadcast.
   * @example dl.tensor([1, 2]).sub(10); // → tensor([-9., -8.])
   */
  sub: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['sub_same', 'sub_broadcast'] },
  /**
   * The elementwise product, broadcasting, as `torch.Tensor.mul` (`dl.mul(x, other)`); the result dtype follows torch's type promotion; a ShapeError if the shapes do not broadcast.
   * @example dl.tensor([1, 2]).mul(dl.tensor([[3], [4]])); // → tensor([[3., 6.], [4., 8.]])
   */
  mul: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['mul_same', 'promote_int_mul_int'] },
  /**
   * True division, broadcasting, as `torch.Tensor.div` (`dl.div(x, other)`); integer inputs give float32; a ShapeError if the shapes do not broadcast.
   * @example dl.tensor([1, 2]).div(4); // → tensor([0.2500, 0.5000])
   */
  div: { kind: 'binary', arity: 2, dtype: 'promoteFloat', grad: true, fixtures: ['div_same', 'promote_int_div_int'] },
  /**
   * Elementwise `self ** other`, broadcasting, as `torch.Tensor.pow` (`dl.pow(x, other)`); the result dtype follows torch's type promotion; a ShapeError if the shapes do not broadcast.
   * @example dl.tensor([2, 3]).pow(2); // → tensor([4., 9.])
   */
  pow: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['pow_tensor', 'pow_int'] },
  /**
   * The elementwise maximum, broadcasting (NaN propagates), as `torch.Tensor.maximum` (`dl.maximum(x, other)`); the result dtype follows torch's type promotion; a ShapeError if the shapes do not broadcast.
   * @example dl.tensor([1, 5]).maximum(dl.tensor([3, 2])); // → tensor([3., 5.])
   */
  maximum: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['maximum_same', 'maximum_nan'] },
  /**
   * The elementwise minimum, broadcasting (NaN propagates), as `torch.Tensor.minimum` (`dl.minimum(x, other)`); the result dtype follows torch's type promotion; a ShapeError if the shapes do not broadcast.
   * @example dl.tensor([1, 5]).minimum(dl.tensor([3, 2])); // → tensor([1., 2.])
   */
  minimum: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['minimum_same', 'minimum_nan'] },
  /**
   * Python's modulus: the remainder with the sign of the divisor, as `torch.Tensor.remainder` (`dl.remainder(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([-3, 3]).remainder(2); // → tensor([1., 1.])
   */
  remainder: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['remainder_tensor', 'remainder_int'] },
  /**
   * The quadrant-aware arctangent of `self / other`, as `torch.Tensor.atan2` (`dl.atan2(x, other)`); integer inputs give float32; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([1, -1]).atan2(dl.tensor([-1, -1])); // → tensor([ 2.3562, -2.3562])
   */
  atan2: { kind: 'binary', arity: 2, dtype: 'promoteFloat', grad: true, fixtures: ['atan2_f32'] },
  /**
   * C's `fmod`: the remainder with the sign of the dividend, as `torch.Tensor.fmod` (`dl.fmod(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([-3, 3]).fmod(2); // → tensor([-1.,  1.])
   */
  fmod: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['fmod_f32', 'fmod_edges', 'fmod_int'] },
  /**
   * Elementwise `sqrt(self² + other²)` without overflow or underflow in the squares, as `torch.Tensor.hypot` (`dl.hypot(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([3, 5]).hypot(dl.tensor([4, 12])); // → tensor([ 5., 13.])
   */
  hypot: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['hypot_f32', 'hypot_edges'] },
  /**
   * Elementwise `self · log(other)`, 0 where `self` is 0 and `other` is not NaN, as `torch.Tensor.xlogy` (`dl.xlogy(x, other)`); integer inputs give float32; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([0, 2]).xlogy(dl.tensor([0, 3])); // → tensor([0.0000, 2.1972])
   */
  xlogy: { kind: 'binary', arity: 2, dtype: 'promoteFloat', grad: true, fixtures: ['xlogy_f32', 'xlogy_edges'], domain: 'positive' },
  /**
   * Elementwise `log(e^self + e^other)` without overflow (floating dtypes), as `torch.Tensor.logaddexp` (`dl.logaddexp(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot); integer inputs raise a DTypeError.
   * @example dl.tensor([0, 1000]).logaddexp(dl.tensor([0, 1000])); // → tensor([6.9315e-01, 1.0007e+03])
   */
  logaddexp: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['logaddexp_f32', 'logaddexp_edges'] },
  /**
   * Elementwise `log2(2^self + 2^other)` without overflow (floating dtypes), as `torch.Tensor.logaddexp2` (`dl.logaddexp2(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot); integer inputs raise a DTypeError.
   * @example dl.tensor([0, 1]).logaddexp2(dl.tensor([0, 1])); // → tensor([1., 2.])
   */
  logaddexp2: { kind: 'binary', arity: 2, dtype: 'promote', grad: true, fixtures: ['logaddexp2_f32', 'logaddexp2_edges'] },
  /**
   * Elementwise `|self|` with the sign bit of `other` (-0 and negative NaN count as negative), as `torch.Tensor.copysign` (`dl.copysign(x, other)`); integer inputs give float32; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([1, 2]).copysign(dl.tensor([-1, 0])); // → tensor([-1.,  2.])
   */
  copysign: { kind: 'binary', arity: 2, dtype: 'promoteFloat', grad: true, fixtures: ['copysign_f32', 'copysign_edges'] },
  /**
   * Bitwise and of integer or bool tensors (floats raise a DTypeError, as torch), as `torch.Tensor.bitwise_and` (`dl.bitwiseAnd(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([12, 10], { dtype: 'int32' }).bitwiseAnd(6); // → tensor([4, 2])
   */
  bitwiseAnd: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_and_int', 'bitwise_and_bool'] },
  /**
   * Bitwise or of integer or bool tensors (floats raise a DTypeError, as torch), as `torch.Tensor.bitwise_or` (`dl.bitwiseOr(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([12, 10], { dtype: 'int32' }).bitwiseOr(6); // → tensor([14, 14])
   */
  bitwiseOr: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_or_int'] },
  /**
   * Bitwise xor of integer or bool tensors (floats raise a DTypeError, as torch), as `torch.Tensor.bitwise_xor` (`dl.bitwiseXor(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([12, 10], { dtype: 'int32' }).bitwiseXor(6); // → tensor([10, 12])
   */
  bitwiseXor: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_xor_int'] },
  /**
   * Elementwise `self << other` on integer tensors (the shift count modulo the bit width of int32, as torch on x86; uint8 results wrap), as `torch.Tensor.bitwise_left_shift` (`dl.bitwiseLeftShift(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([1, 3], { dtype: 'int32' }).bitwiseLeftShift(2); // → tensor([ 4, 12])
   */
  bitwiseLeftShift: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_left_shift_int'] },
  /**
   * Elementwise `self >> other` (arithmetic) on integer tensors, as `torch.Tensor.bitwise_right_shift` (`dl.bitwiseRightShift(x, other)`); the result dtype follows torch's type promotion; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([-8, 8], { dtype: 'int32' }).bitwiseRightShift(1); // → tensor([-4,  4])
   */
  bitwiseRightShift: { kind: 'binary', arity: 2, dtype: 'promote', grad: false, fixtures: ['bitwise_right_shift_int'] },

  // comparison and logic: backend.compare(name, a, b, out), bool result
  /**
   * Elementwise `self == other`, as `torch.Tensor.eq` (`dl.eq(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot); NaN equals nothing.
   * @example dl.tensor([1, 2, NaN]).eq(dl.tensor([1, 0, NaN])); // → tensor([ True, False, False])
   */
  eq: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['eq_broadcast', 'eq_nan'] },
  /**
   * Elementwise `self != other`, as `torch.Tensor.ne` (`dl.ne(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot); NaN equals nothing.
   * @example dl.tensor([1, 2, NaN]).ne(dl.tensor([1, 0, NaN])); // → tensor([False,  True,  True])
   */
  ne: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['ne_broadcast', 'ne_nan'] },
  /**
   * Elementwise `self < other`, as `torch.Tensor.lt` (`dl.lt(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([1, 2, 3]).lt(2); // → tensor([ True, False, False])
   */
  lt: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['lt_broadcast'] },
  /**
   * Elementwise `self <= other`, as `torch.Tensor.le` (`dl.le(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([1, 2, 3]).le(2); // → tensor([ True,  True, False])
   */
  le: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['le_broadcast'] },
  /**
   * Elementwise `self > other`, as `torch.Tensor.gt` (`dl.gt(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([1, 2, 3]).gt(2); // → tensor([False, False,  True])
   */
  gt: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['gt_broadcast'] },
  /**
   * Elementwise `self >= other`, as `torch.Tensor.ge` (`dl.ge(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([1, 2, 3]).ge(2); // → tensor([False,  True,  True])
   */
  ge: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['ge_broadcast'] },
  /**
   * Elementwise `self && other` (nonzero is true), as `torch.Tensor.logical_and` (`dl.logicalAnd(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([0, 1, 2]).logicalAnd(dl.tensor([1, 1, 0])); // → tensor([False,  True, False])
   */
  logicalAnd: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['logical_and'] },
  /**
   * Elementwise `self || other` (nonzero is true), as `torch.Tensor.logical_or` (`dl.logicalOr(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([0, 1, 0]).logicalOr(dl.tensor([0, 0, 2])); // → tensor([False,  True,  True])
   */
  logicalOr: { kind: 'compare', arity: 2, dtype: 'bool', grad: false, fixtures: ['logical_or_float'] },
  /**
   * Elementwise exactly one of `self`, `other` true (nonzero is true), as `torch.Tensor.logical_xor` (`dl.logicalXor(x, other)`); gives a bool tensor; broadcasts (a ShapeError if it cannot).
   * @example dl.tensor([0, 1, 2]).logicalXor(dl.tensor([1, 1, 0])); // → tensor([ True, False,  True])
   */
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
