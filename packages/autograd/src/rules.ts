import * as dl from '@dl/tensor';
import {
  avgPool2dBackward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2dBackward,
  sliceBackward,
  sliceDims,
  thresholdBackward,
} from '@dl/tensor/internal';
import type { Tensor } from '@dl/tensor';
import type { Conv2dParams, Pool2dParams } from '@dl/tensor/backend';
import type { DiffOp, DiffOpParams } from '@dl/tensor/internal';
import type { TensorMeta } from './node.js';
import { compositeRules } from './composite-rules.js';
import { linalgRules } from './linalg-rules.js';
import { shapeRules } from './shape-rules.js';
import { trigamma } from './polygamma.js';

/** What a derivative rule sees: saved inputs/outputs (null when not saved), metadata and params. */
export interface RuleContext<K extends DiffOp> {
  readonly params: DiffOpParams[K];
  /** Saved inputs (only those the rule declares in `saves`). */
  input(i: number): Tensor;
  /** Saved output (when the rule declares it). */
  output(): Tensor;
  readonly inputMeta: ReadonlyArray<TensorMeta | null>;
  /** Which inputs need a gradient (skip work for the others). */
  readonly needs: readonly boolean[];
  /**
   * The gradient of every output, zeros where none flowed (a multi-output node such as
   * `splitWithSizes` reads them all; `backward`'s `g` is the first).
   */
  readonly grads: readonly Tensor[];
}

/**
 * One derivative rule: given the gradient of the output, the gradient of each input (null
 * where none flows). Written with tensor ops, so with `createGraph` they are differentiated
 * again. Results may have the broadcast shape or the wrong dtype: the engine sums them back
 * to each input's shape and casts (Note [Broadcast gradients]).
 */
export interface Rule<K extends DiffOp> {
  /** Which saved tensors the rule reads: indices of inputs, and/or the output. */
  saves?: { inputs?: readonly number[]; output?: boolean };
  /** PyTorch's node name (`AddBackward0`); defaults from the op key. */
  name?: string | ((p: DiffOpParams[K], inputRank: number) => string);
  backward(g: Tensor, ctx: RuleContext<K>): ReadonlyArray<Tensor | null>;
}

type Conv = Conv2dParams;
type Pool = Pool2dParams;
// The conv/pool functions live in @dl/tensor's conv/pool ops (optional fused kernels below them).
interface ConvOps {
  conv2d(x: Tensor, w: Tensor, b: Tensor | null, p: Conv): Tensor;
  conv2dBackwardInput(g: Tensor, w: Tensor, inShape: number[], p: Conv): Tensor;
  conv2dBackwardWeight(g: Tensor, x: Tensor, wShape: number[], p: Conv): Tensor;
  maxPool2dBackward(g: Tensor, indices: Tensor, inShape: number[], p: Pool): Tensor;
  avgPool2d(x: Tensor, p: Pool): Tensor;
  avgPool2dBackward(g: Tensor, inShape: number[], p: Pool): Tensor;
}
const cv = {
  conv2d: dl.conv2d,
  avgPool2d: dl.avgPool2d,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  maxPool2dBackward,
  avgPool2dBackward,
} as unknown as ConvOps;

const unary = <K extends DiffOp>(saves: Rule<K>['saves'], f: (g: Tensor, ctx: RuleContext<K>) => Tensor, name?: string): Rule<K> => ({
  saves,
  ...(name ? { name } : {}),
  backward: (g, ctx) => [f(g, ctx)],
});
const IN0 = { inputs: [0] } as const;
const OUT = { output: true } as const;
const zero = <K extends DiffOp>(): Rule<K> => ({ backward: (g) => [dl.zerosLike(g)] });

function conv(p: DiffOpParams['conv2d'] | DiffOpParams['conv2dBackwardInput'] | DiffOpParams['conv2dBackwardWeight']): Conv {
  return { stride: p.stride, padding: p.padding, dilation: p.dilation, groups: p.groups };
}
function pool(p: Pool): Pool {
  const { kernelSize, stride, padding, dilation, ceilMode } = p;
  return {
    kernelSize,
    stride,
    padding,
    dilation,
    ceilMode,
    ...(p.countIncludePad === undefined ? {} : { countIncludePad: p.countIncludePad }),
  };
}

/** Expand a reduced gradient back over the reduced axes. */
function unreduce(g: Tensor, inShape: readonly number[], axes: readonly number[], keepdim: boolean): Tensor {
  let r = g;
  if (!keepdim) for (const a of [...axes].sort((x, y) => x - y)) r = r.unsqueeze(a);
  return r.expand([...inShape]);
}

/**
 * torch's var_backward: 2·g·(x - mean(x))/(n - correction), g expanded over the reduced axes. A
 * 0-d input with n = correction (`x.var()` of one value) is torch's `inf · g` (±inf, NaN where
 * g is 0); elsewhere n = correction gives 0·inf = NaN, as torch.
 */
function varBackward(g: Tensor, x: Tensor, p: DiffOpParams['var']): Tensor {
  const n = p.axes.reduce((a, d) => a * x.shape[d]!, 1);
  if (x.dim() === 0 && n === p.correction) return g.mul(Infinity);
  const dev = x.sub(x.mean(p.axes, { keepdim: true }));
  return unreduce(g, x.shape, p.axes, p.keepdim)
    .mul(dev)
    .mul(2 / (n - p.correction));
}

/** A 2-D column-major view (the transpose of a contiguous matrix). */
function isTransposed(t: Tensor): boolean {
  return t.dim() === 2 && t.shape[0]! > 1 && t.shape[1]! > 1 && t.stride(0) === 1 && t.stride(1) === t.shape[0];
}

function invPerm(dims: readonly number[]): number[] {
  const inv = new Array<number>(dims.length);
  dims.forEach((d, i) => (inv[d] = i));
  return inv;
}

/** maximum/minimum: the gradient goes to the winner, split evenly on ties (as PyTorch). */
function binaryExtreme<K extends 'maximum' | 'minimum'>(loses: 'lt' | 'gt'): Rule<K> {
  return {
    saves: { inputs: [0, 1] },
    backward: (g, c) => {
      const a = c.input(0);
      const b = c.input(1);
      const half = dl.where(a.eq(b), g.div(2), g);
      return [half.maskedFill(a[loses](b), 0), half.maskedFill(b[loses](a), 0)];
    },
  };
}

/**
 * amax/amin: the gradient is shared evenly among the elements equal to the result.
 *
 * Note [max() at NaN]
 * torch differs between its two nodes here, and dl follows: `x.max()` (MaxBackward1, recorded with
 * `whole`) sends the gradient to the NaN elements when the result is NaN (shared evenly), while
 * `x.amax()` (AmaxBackward0) compares x == NaN, finds no element, and gives NaN everywhere.
 */
function reduceExtreme<K extends 'amax' | 'amin'>(op: 'max' | 'min'): Rule<K> {
  const amax = `${op === 'max' ? 'Amax' : 'Amin'}Backward0`;
  const whole = `${op === 'max' ? 'Max' : 'Min'}Backward1`;
  return {
    saves: { inputs: [0], output: true },
    name: (p) => (p.whole ? whole : amax),
    backward: (g, c) => {
      const x = c.input(0);
      const { axes, keepdim } = c.params;
      const out = unreduce(c.output(), x.shape, axes, keepdim);
      let hit = x.eq(out);
      if (c.params.whole) hit = hit.logicalOr(x.isnan().logicalAnd(out.isnan()));
      const mask = hit.to(g.dtype);
      return [
        unreduce(g, x.shape, axes, keepdim)
          .mul(mask)
          .div(mask.sum(axes, { keepdim: true })),
      ];
    },
  };
}

/** max/min along a dim: the gradient goes to the index that was taken. */
function scatterToIndex(g: Tensor, c: RuleContext<'maxDim' | 'minDim'>): Tensor {
  const { dim, keepdim, indices } = c.params;
  const gi = keepdim ? g : g.unsqueeze(dim);
  const ii = keepdim ? indices : indices.unsqueeze(dim);
  return dl.zeros([...c.inputMeta[0]!.shape], { dtype: g.dtype, device: g.device }).scatter(dim, ii, gi);
}

/**
 * Note [Derivative table]
 * One rule per recorded op, exhaustive at compile time: `DiffOp` is every row of @dl/tensor's
 * primitive table with `grad: true` (and `DiffOpParams` the `params` of those rows), so a
 * primitive added there without a rule here fails to type-check. Formulas follow PyTorch's
 * derivatives.yaml.
 */
export const rules = {
  neg: unary(undefined, (g) => g.neg()),
  abs: unary(IN0, (g, c) => g.mul(c.input(0).sign())),
  exp: unary(OUT, (g, c) => g.mul(c.output())),
  log: unary(IN0, (g, c) => g.div(c.input(0))),
  log1p: unary(IN0, (g, c) => g.div(c.input(0).add(1))),
  expm1: unary(OUT, (g, c) => g.mul(c.output().add(1))),
  sqrt: unary(OUT, (g, c) => g.div(c.output().mul(2))),
  rsqrt: unary(OUT, (g, c) => g.mul(c.output().pow(3)).mul(-0.5)),
  reciprocal: unary(OUT, (g, c) => g.mul(c.output().square()).neg()),
  sin: unary(IN0, (g, c) => g.mul(c.input(0).cos())),
  cos: unary(IN0, (g, c) => g.mul(c.input(0).sin()).neg()),
  tan: unary(OUT, (g, c) => g.mul(c.output().square().add(1))),
  tanh: unary(OUT, (g, c) => g.mul(c.output().square().neg().add(1))),
  sigmoid: unary(OUT, (g, c) => {
    const y = c.output();
    return g.mul(y.mul(y.neg().add(1)));
  }),
  // threshold_backward as torch: zero where the output is <= 0, so a NaN input passes the gradient.
  relu: unary(OUT, (g, c) => thresholdBackward(g, c.output(), 0), 'ReluBackward0'),
  // linear in grad (the same op on u), a step function of output (no gradient)
  thresholdBackward: {
    saves: { inputs: [1] },
    name: 'ThresholdBackwardBackward0',
    backward: (u, c) => [c.needs[0] ? thresholdBackward(u, c.input(1), c.params.threshold) : null, null],
  },
  erf: unary(IN0, (g, c) =>
    g.mul(
      c
        .input(0)
        .square()
        .neg()
        .exp()
        .mul(2 / Math.sqrt(Math.PI)),
    ),
  ),
  sign: zero(),
  floor: zero(),
  ceil: zero(),
  round: zero(),
  trunc: zero(),
  // issue 13 math (derivatives.yaml of torch 1.13)
  asin: unary(IN0, (g, c) => g.mul(c.input(0).square().neg().add(1).rsqrt())),
  acos: unary(IN0, (g, c) => g.mul(c.input(0).square().neg().add(1).rsqrt()).neg()),
  atan: unary(IN0, (g, c) => g.div(c.input(0).square().add(1))),
  sinh: unary(IN0, (g, c) => g.mul(c.input(0).cosh())),
  cosh: unary(IN0, (g, c) => g.mul(c.input(0).sinh())),
  asinh: unary(IN0, (g, c) => g.mul(c.input(0).square().add(1).rsqrt())),
  acosh: unary(IN0, (g, c) => g.mul(c.input(0).square().sub(1).rsqrt())),
  atanh: unary(IN0, (g, c) => g.div(c.input(0).square().neg().add(1))),
  log2: unary(IN0, (g, c) => g.div(c.input(0).mul(Math.LN2))),
  log10: unary(IN0, (g, c) => g.div(c.input(0).mul(Math.LN10))),
  exp2: unary(OUT, (g, c) => g.mul(c.output().mul(Math.LN2))),
  erfc: unary(IN0, (g, c) =>
    g.mul(
      c
        .input(0)
        .square()
        .neg()
        .exp()
        .mul(-2 / Math.sqrt(Math.PI)),
    ),
  ),
  erfinv: unary(OUT, (g, c) =>
    g.mul(
      c
        .output()
        .square()
        .exp()
        .mul(Math.sqrt(Math.PI) / 2),
    ),
  ),
  lgamma: unary(IN0, (g, c) => g.mul(c.input(0).digamma())),
  digamma: unary(IN0, (g, c) => g.mul(trigamma(c.input(0)))),

  add: { backward: (g) => [g, g] },
  sub: { backward: (g) => [g, g.neg()] },
  mul: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => [c.needs[0] ? g.mul(c.input(1)) : null, c.needs[1] ? g.mul(c.input(0)) : null],
  },
  div: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => {
      const b = c.input(1);
      // torch's div_tensor_other_backward: -g·((a / b) / b), which stays finite where b² would overflow
      return [c.needs[0] ? g.div(b) : null, c.needs[1] ? g.mul(c.input(0).div(b).div(b)).neg() : null];
    },
  },
  pow: {
    saves: { inputs: [0, 1], output: true },
    backward: (g, c) => {
      const a = c.input(0);
      const b = c.input(1);
      const ga = c.needs[0] ? dl.where(b.eq(0), 0, g.mul(b).mul(a.pow(b.sub(1)))) : null;
      const gb = c.needs[1] ? dl.where(a.eq(0).logicalAnd(b.ge(0)), 0, g.mul(c.output()).mul(a.log())) : null;
      return [ga, gb];
    },
  },
  maximum: binaryExtreme('lt'),
  minimum: binaryExtreme('gt'),
  remainder: {
    saves: { inputs: [0, 1] },
    // torch: -g·floor_divide(a, b) (its fmod-based floor: -x // inf is -1, huge quotients exact)
    backward: (g, c) => [g, c.needs[1] ? g.mul(dl.div(c.input(0), c.input(1), { roundingMode: 'floor' })).neg() : null],
  },
  fmod: {
    saves: { inputs: [0, 1] },
    // torch: -g·div(a, b, rounding_mode='trunc')
    backward: (g, c) => [g, c.needs[1] ? g.mul(dl.div(c.input(0), c.input(1), { roundingMode: 'trunc' })).neg() : null],
  },
  hypot: {
    saves: { inputs: [0, 1], output: true },
    // torch's order, g·a / out (g·a may overflow to inf first, as in torch)
    backward: (g, c) => [c.needs[0] ? g.mul(c.input(0)).div(c.output()) : null, c.needs[1] ? g.mul(c.input(1)).div(c.output()) : null],
  },
  copysign: {
    saves: { inputs: [0], output: true },
    // torch: g·(out / a), 0 where a == 0 (NaN at a = ±inf); zeros for b
    backward: (g, c) => [
      c.needs[0] ? g.mul(c.output().div(c.input(0)).maskedFill(c.input(0).eq(0), 0)) : null,
      c.needs[1] ? dl.zerosLike(g) : null,
    ],
  },
  xlogy: {
    saves: { inputs: [0, 1] },
    // torch: a: xlogy(g, b) with 0 where a == 0 and b <= 0; b: g·a / b
    backward: (g, c) => {
      const a = c.input(0);
      const b = c.input(1);
      const ga = c.needs[0] ? dl.xlogy(g, b).maskedFill(a.eq(0).logicalAnd(b.le(0)), 0) : null;
      return [ga, c.needs[1] ? g.mul(a).div(b) : null];
    },
  },
  logaddexp: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => [g.div(c.input(1).sub(c.input(0)).exp().add(1)), g.div(c.input(0).sub(c.input(1)).exp().add(1))],
  },
  logaddexp2: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => [g.div(c.input(1).sub(c.input(0)).exp2().add(1)), g.div(c.input(0).sub(c.input(1)).exp2().add(1))],
  },
  atan2: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => {
      const a = c.input(0);
      const b = c.input(1);
      const d = a.square().add(b.square());
      return [g.mul(b).div(d), g.mul(a).div(d).neg()];
    },
  },
  where: {
    saves: { inputs: [0] },
    name: 'WhereBackward0',
    backward: (g, c) => {
      const cond = c.input(0);
      return [null, c.needs[1] ? dl.where(cond, g, 0) : null, c.needs[2] ? dl.where(cond, 0, g) : null];
    },
  },
  clamp: {
    saves: { inputs: [0] },
    name: 'ClampBackward1',
    backward: (g, c) => {
      const x = c.input(0);
      let mask = dl.onesLike(x, { dtype: 'bool' });
      if (c.params.min !== null) mask = mask.logicalAnd(x.ge(c.params.min));
      if (c.params.max !== null) mask = mask.logicalAnd(x.le(c.params.max));
      return [dl.where(mask, g, 0)]; // torch's where: a NaN input (mask false) gets 0 even from a NaN gradient
    },
  },
  cast: {
    name: 'ToCopyBackward0',
    backward: (g, c) => [g.to({ device: c.params.fromDevice, dtype: c.params.from })],
  },
  clone: { backward: (g) => [g] },
  sum: {
    name: (p, rank) => (p.axes.length === rank && !p.keepdim ? 'SumBackward0' : 'SumBackward1'),
    backward: (g, c) => [unreduce(g, c.inputMeta[0]!.shape, c.params.axes, c.params.keepdim)],
  },
  mean: {
    name: (p, rank) => (p.axes.length === rank && !p.keepdim ? 'MeanBackward0' : 'MeanBackward1'),
    backward: (g, c) => {
      const shape = c.inputMeta[0]!.shape;
      const n = c.params.axes.reduce((a, d) => a * shape[d]!, 1);
      return [unreduce(g, shape, c.params.axes, c.params.keepdim).div(n)];
    },
  },
  prod: {
    saves: { inputs: [0] },
    // Note [prod with zeros]: result / x is 0/0 at a zero. As torch's prod_backward: with no zero
    // in a slice the gradient is result / x; with one zero, the product of the others at the zero
    // and 0 elsewhere; with several zeros, 0. Written with where/prod so it differentiates again.
    backward: (g, c) => {
      const x = c.input(0);
      const { axes, keepdim } = c.params;
      const zero = x.eq(0);
      const zeros = zero.to(x.dtype).sum(axes, { keepdim: true });
      const others = x.maskedFill(zero, 1).prod(axes.length === 1 ? axes[0] : null, { keepdim: true }); // product of the non-zeros
      const atZero = dl.where(zeros.eq(1), others, 0);
      const elsewhere = dl.where(zeros.eq(0), others.div(x.maskedFill(zero, 1)), 0);
      return [unreduce(g, x.shape, axes, keepdim).mul(dl.where(zero, atZero, elsewhere))];
    },
  },
  var: { saves: IN0, name: 'VarBackward0', backward: (g, c) => [varBackward(g, c.input(0), c.params)] },
  std: {
    saves: { inputs: [0], output: true },
    name: 'StdBackward0',
    // torch's std_backward: var_backward(g / (2·std)), 0 where std is 0 (both wheres keep the
    // masked branch finite, so createGraph sees no 0·inf either)
    backward: (g, c) => {
      const out = c.output();
      const zero = out.eq(0);
      return [varBackward(dl.where(zero, 0, g.div(dl.where(zero, 1, out.mul(2)))), c.input(0), c.params)];
    },
  },
  amax: reduceExtreme('max'),
  amin: reduceExtreme('min'),
  maxDim: { name: 'MaxBackward0', backward: (g, c) => [scatterToIndex(g, c)] },
  minDim: { name: 'MinBackward0', backward: (g, c) => [scatterToIndex(g, c)] },
  cumsum: { backward: (g, c) => [g.flip(c.params.dim).cumsum(c.params.dim).flip(c.params.dim)] },
  mm: {
    saves: { inputs: [0, 1] },
    // Note [Gradient layout]: an operand that is a transposed view (Linear's `x.mm(W.t())`) gets
    // its gradient as the transpose of a contiguous product, so after the view's own backward it
    // lands contiguous in the leaf's layout (no strided accumulation into .grad).
    backward: (g, c) => {
      const a = c.input(0);
      const b = c.input(1);
      const ga = c.needs[0] ? (isTransposed(a) ? b.mm(g.t()).t() : g.mm(b.t())) : null;
      const gb = c.needs[1] ? (isTransposed(b) ? g.t().mm(a).t() : a.t().mm(g)) : null;
      return [ga, gb];
    },
  },
  bmm: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => [c.needs[0] ? g.bmm(c.input(1).transpose(1, 2)) : null, c.needs[1] ? c.input(0).transpose(1, 2).bmm(g) : null],
  },
  reshape: { name: (p) => p.name, backward: (g, c) => [g.reshape([...c.params.inShape])] },
  permute: { name: (p) => p.name, backward: (g, c) => [g.permute(invPerm(c.params.dims))] },
  expand: { backward: (g) => [g] },
  slice: {
    name: 'SliceBackward0',
    backward: (g, c) => [sliceBackward(g, c.params.inShape, c.params.starts, c.params.steps)],
  },
  sliceBackward: {
    backward: (g, c) => [sliceDims(g, [...c.params.starts], [...c.inputMeta[0]!.shape], [...c.params.steps])],
  },
  gather: {
    saves: { inputs: [1] },
    backward: (g, c) => {
      const idx = c.input(1);
      return [dl.zeros([...c.inputMeta[0]!.shape], { dtype: g.dtype, device: g.device }).scatterAdd(c.params.dim, idx, g), null];
    },
  },
  scatter: {
    saves: { inputs: [1] },
    name: (p) => (p.mode === 'add' ? 'ScatterAddBackward0' : 'ScatterBackward0'),
    backward: (g, c) => {
      const idx = c.input(1);
      const d = c.params.dim;
      const gSelf = c.params.mode === 'add' ? g : g.scatter(d, idx, 0);
      return [gSelf, null, c.needs[2] ? g.gather(d, idx) : null];
    },
  },
  indexSelect: {
    saves: { inputs: [1] },
    backward: (g, c) => {
      const idx = c.input(1);
      const d = c.params.dim;
      const shape = g.shape.map((_, i) => (i === d ? -1 : 1));
      const full = idx.view(shape).expand([...g.shape]);
      return [dl.zeros([...c.inputMeta[0]!.shape], { dtype: g.dtype, device: g.device }).scatterAdd(d, full, g), null];
    },
  },
  cat: {
    backward: (g, c) => {
      const { sizes, dim } = c.params;
      if (!sizes.includes(-1)) return g.split(sizes, dim);
      // -1: a legacy empty 1-D input that cat skipped for shapes (its gradient is empty too)
      const parts = g.split(
        sizes.filter((s) => s >= 0),
        dim,
      );
      let j = 0;
      return sizes.map((s) => (s < 0 ? dl.zeros([0], { dtype: g.dtype, device: g.device }) : parts[j++]!));
    },
  },
  conv2d: {
    saves: { inputs: [0, 1] },
    name: 'ConvolutionBackward0',
    backward: (g, c) => {
      const x = c.input(0);
      const w = c.input(1);
      const p = conv(c.params);
      return [
        c.needs[0] ? cv.conv2dBackwardInput(g, w, [...x.shape], p) : null,
        c.needs[1] ? cv.conv2dBackwardWeight(g, x, [...w.shape], p) : null,
        c.params.hasBias && c.needs[2] ? g.sum([0, 2, 3]) : null,
      ];
    },
  },
  conv2dBackwardInput: {
    saves: { inputs: [0, 1] },
    backward: (u, c) => {
      const g = c.input(0);
      const w = c.input(1);
      const p = conv(c.params);
      return [c.needs[0] ? cv.conv2d(u, w, null, p) : null, c.needs[1] ? cv.conv2dBackwardWeight(g, u, [...w.shape], p) : null];
    },
  },
  conv2dBackwardWeight: {
    saves: { inputs: [0, 1] },
    backward: (u, c) => {
      const g = c.input(0);
      const x = c.input(1);
      const p = conv(c.params);
      return [c.needs[0] ? cv.conv2d(x, u, null, p) : null, c.needs[1] ? cv.conv2dBackwardInput(g, u, [...x.shape], p) : null];
    },
  },
  maxPool2d: {
    name: 'MaxPool2DWithIndicesBackward0',
    backward: (g, c) => [cv.maxPool2dBackward(g, c.params.indices, [...c.inputMeta[0]!.shape], pool(c.params))],
  },
  maxPool2dBackward: {
    backward: (u, c) => {
      const idx = c.params.indices;
      const lead = idx.shape.slice(0, -2); // [N, C], or [C] unbatched
      const flat = u.reshape([...lead, -1]).gather(lead.length, idx.reshape([...lead, -1]));
      return [flat.reshape([...idx.shape])];
    },
  },
  avgPool2d: {
    name: 'AvgPool2DBackward0',
    backward: (g, c) => [cv.avgPool2dBackward(g, [...c.inputMeta[0]!.shape], pool(c.params))],
  },
  avgPool2dBackward: { backward: (u, c) => [cv.avgPool2d(u, pool(c.params))] },
  ...compositeRules,
  ...linalgRules,
  ...shapeRules,
} satisfies { [K in DiffOp]: Rule<K> };

/** PyTorch's name for a node of `op`. */
export function nodeName<K extends DiffOp>(op: K, params: DiffOpParams[K], inputRank: number): string {
  const r = rules[op] as Rule<K>;
  if (typeof r.name === 'function') return r.name(params, inputRank);
  if (typeof r.name === 'string') return r.name;
  return `${op[0]!.toUpperCase()}${op.slice(1)}Backward0`;
}
