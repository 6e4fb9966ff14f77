import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import {
  adaptiveAvgPool2dBackward,
  batchNormBackward,
  conv2dBackwardInput,
  conv2dBackwardWeight,
  groupShape,
  layerNormBackward,
  nllLossBackward,
  normStats,
  sliceBackward,
  softmaxBackward,
} from '@dl/tensor/internal';
import { isGradEnabled } from './grad-mode.js';
import type { Rule, RuleContext } from './rules.js';

/**
 * Derivative rules of the composite ops recorded as one node (Note [Composite ops as one node]
 * in @dl/tensor's ops/composite.ts), with PyTorch's node names and formulas (derivatives.yaml).
 * Written with tensor ops, so createGraph differentiates them again; where a rule would read a
 * statistic the forward saved (batch/layer norm), it recomputes it from the input when grad mode
 * is on during backward, so that the second derivative sees its dependence on the input.
 */

/** A 2-D column-major view (the transpose of a contiguous matrix): Note [Gradient layout] in rules.ts. */
function isTransposed(t: Tensor): boolean {
  return t.dim() === 2 && t.shape[0]! > 1 && t.shape[1]! > 1 && t.stride(0) === 1 && t.stride(1) === t.shape[0];
}

/** Has input `i` a tensor (not a null optional input)? */
const present = <K extends 'batchNorm' | 'layerNorm' | 'groupNorm'>(c: RuleContext<K>, i: number) => c.inputMeta[i] !== null;

/** `(x - mean) * invstd` normalised over `axes`, and the gradient through it (shared by batch/layer norm). */
function normGrad(g: Tensor, xhat: Tensor, invstd: Tensor, axes: number[]): Tensor {
  const m1 = g.mean(axes, { keepdim: true });
  const m2 = g.mul(xhat).mean(axes, { keepdim: true });
  return g.sub(m1).sub(xhat.mul(m2)).mul(invstd);
}

/** torch's binary_cross_entropy_backward clamp: `static const float EPSILON = 1e-12` (so float32's 1e-12). */
const BCE_EPSILON = Math.fround(1e-12);

export const compositeRules = {
  softmax: {
    saves: { output: true },
    backward: (g, c) => {
      const y = c.output();
      const d = c.params.dim;
      // one fused kernel where the device has one (not under createGraph: tensor ops differentiate again)
      if (!isGradEnabled()) return [softmaxBackward(y, g, d, false)];
      return [y.mul(g.sub(g.mul(y).sum(d, { keepdim: true })))];
    },
  } satisfies Rule<'softmax'>,
  logSoftmax: {
    saves: { output: true },
    backward: (g, c) => {
      const y = c.output();
      const d = c.params.dim;
      if (!isGradEnabled()) return [softmaxBackward(y, g, d, true)];
      return [g.sub(y.exp().mul(g.sum(d, { keepdim: true })))];
    },
  } satisfies Rule<'logSoftmax'>,
  addmm: {
    saves: { inputs: [1, 2] },
    backward: (g, c) => {
      const a = c.input(1);
      const b = c.input(2);
      const ga = c.needs[1] ? (isTransposed(a) ? b.mm(g.t()).t() : g.mm(b.t())) : null;
      const gb = c.needs[2] ? (isTransposed(b) ? g.t().mm(a).t() : a.t().mm(g)) : null;
      return [c.needs[0] ? g : null, ga, gb];
    },
  } satisfies Rule<'addmm'>,
  hardtanh: {
    saves: { inputs: [0] },
    // torch's hardtanh_backward: 0 where x <= min or x >= max (so also at the bounds), else g (NaN passes g).
    backward: (g, c) => {
      const x = c.input(0);
      return [dl.where(x.le(c.params.min).logicalOr(x.ge(c.params.max)), 0, g)];
    },
  } satisfies Rule<'hardtanh'>,
  gelu: {
    saves: { inputs: [0] },
    backward: (g, c) => {
      const x = c.input(0);
      if (c.params.approximate === 'tanh') {
        // torch's GeluBackward (tanh): 0.5 (1 + tanh(u)) + 0.5 x (1 - tanh(u)²) u', u = √(2/π)(x + 0.044715 x³)
        const beta = Math.sqrt(2 / Math.PI);
        const kappa = 0.044715;
        const xsq = x.mul(x);
        const th = x.add(xsq.mul(x).mul(kappa)).mul(beta).tanh();
        const left = th.add(1).mul(0.5);
        const right = x
          .mul(0.5)
          .mul(th.square().neg().add(1))
          .mul(
            xsq
              .mul(3 * kappa)
              .add(1)
              .mul(beta),
          );
        return [g.mul(left.add(right))];
      }
      const cdf = x.mul(Math.SQRT1_2).erf().add(1).mul(0.5);
      const pdf = x
        .square()
        .mul(-0.5)
        .exp()
        .mul(1 / Math.sqrt(2 * Math.PI));
      return [g.mul(cdf.add(x.mul(pdf)))];
    },
  } satisfies Rule<'gelu'>,
  silu: {
    saves: { inputs: [0] },
    backward: (g, c) => {
      const x = c.input(0);
      const s = x.sigmoid();
      return [g.mul(s.mul(x.mul(s.neg().add(1)).add(1)))];
    },
  } satisfies Rule<'silu'>,
  leakyRelu: {
    saves: { inputs: [0] },
    // torch's leaky_relu_backward: g where x > 0, else g * negativeSlope (also at 0)
    backward: (g, c) => [dl.where(c.input(0).gt(0), g, g.mul(c.params.negativeSlope))],
  } satisfies Rule<'leakyRelu'>,
  elu: {
    saves: { inputs: [0] },
    // torch's elu_backward on the input: g where x > 0, else g * alpha * exp(x)
    backward: (g, c) => {
      const x = c.input(0);
      return [dl.where(x.gt(0), g, g.mul(x.clamp(null, 0).exp().mul(c.params.alpha)))];
    },
  } satisfies Rule<'elu'>,
  softplus: {
    saves: { inputs: [0] },
    // torch's softplus_backward: g where beta x > threshold, else g * sigmoid(beta x)
    backward: (g, c) => {
      const bx = c.input(0).mul(c.params.beta);
      return [dl.where(bx.gt(c.params.threshold), g, g.mul(bx.sigmoid()))];
    },
  } satisfies Rule<'softplus'>,
  embedding: {
    // torch's embedding_backward: each output row added into the weight row it came from, none into paddingIdx
    backward: (g, c) => {
      const { indices, paddingIdx } = c.params;
      const [V, D] = c.inputMeta[0]!.shape as [number, number];
      const idx = indices.reshape(-1);
      let rows = g.reshape(idx.shape[0]!, D);
      if (paddingIdx !== null) rows = dl.where(idx.ne(paddingIdx).unsqueeze(1), rows, 0);
      return [dl.zeros([V, D], { dtype: g.dtype, device: g.device }).scatterAdd(0, idx.unsqueeze(1).expand(idx.shape[0]!, D), rows)];
    },
  } satisfies Rule<'embedding'>,
  adaptiveAvgPool2d: {
    name: 'AdaptiveAvgPool2DBackward0',
    // each input position sums g / (kh·kw) over the windows that hold it (Note [Adaptive average pooling as window sums])
    backward: (g, c) => [adaptiveAvgPool2dBackward(g, c.params.inputShape)],
  } satisfies Rule<'adaptiveAvgPool2d'>,
  conv1d: {
    saves: { inputs: [0, 1] },
    name: 'ConvolutionBackward0',
    // as conv2d's rule on the unit-height 4-D views
    backward: (g, c) => {
      const x = c.input(0);
      const w = c.input(1);
      const { stride, padding, dilation, groups, hasBias } = c.params;
      const p = { stride, padding, dilation, groups };
      const g4 = g.unsqueeze(2);
      return [
        c.needs[0] ? conv2dBackwardInput(g4, w.unsqueeze(2), [x.shape[0]!, x.shape[1]!, 1, x.shape[2]!], p).squeeze(2) : null,
        c.needs[1] ? conv2dBackwardWeight(g4, x.unsqueeze(2), [w.shape[0]!, w.shape[1]!, 1, w.shape[2]!], p).squeeze(2) : null,
        hasBias && c.needs[2] ? g.sum([0, 2]) : null,
      ];
    },
  } satisfies Rule<'conv1d'>,
  convTranspose2d: {
    saves: { inputs: [0, 1] },
    name: 'ConvolutionBackward0',
    // y = conv2dᵀ(x; w) (+ bias), maybe cropped from the full output: g goes back through the
    // crop's adjoint (embedding into the full output), then as conv2dBackwardInput's rule.
    backward: (g, c) => {
      const x = c.input(0);
      const w = c.input(1);
      const { stride, padding, dilation, groups, hasBias, direct, fullShape } = c.params;
      let p = { stride, padding, dilation, groups };
      let gf = g;
      if (!direct) {
        const rows = Math.min(g.shape[2]!, fullShape[2]! - padding[0]!);
        const cols = Math.min(g.shape[3]!, fullShape[3]! - padding[1]!);
        gf = sliceBackward(g.narrow(2, 0, rows).narrow(3, 0, cols), fullShape, [0, 0, padding[0]!, padding[1]!], [1, 1, 1, 1]);
        p = { ...p, padding: [0, 0] };
      }
      return [
        c.needs[0] ? dl.conv2d(gf, w, null, p) : null,
        c.needs[1] ? conv2dBackwardWeight(x, gf, [...w.shape], p) : null,
        hasBias && c.needs[2] ? g.sum([0, 2, 3]) : null,
      ];
    },
  } satisfies Rule<'convTranspose2d'>,
  nllLoss: {
    name: (p) => (p.twoD ? 'NllLoss2DBackward0' : 'NllLossBackward0'),
    backward: (g, c) => {
      const { target, weight, totalWeight, reduction, ignoreIndex } = c.params;
      const shape = c.inputMeta[0]!.shape;
      if (!isGradEnabled()) {
        // the device's fused kernel (Note [Fused nll loss] in the cpu backend), where it has one
        const gx = nllLossBackward(g, shape, target, weight, totalWeight, ignoreIndex, reduction);
        if (gx) return [gx];
      }
      const C = shape.length === 1 ? shape[0]! : shape[1]!;
      const t = target.reshape(-1);
      const valid = t.ne(ignoreIndex);
      const safe = t.where(valid, 0);
      const gl = reduction === 'none' ? g.reshape(-1) : reduction === 'mean' ? g.div(totalWeight) : g;
      // where, not a product: an all-ignored mean divides by 0, and its gradient is 0 (as torch's)
      const coef = dl.where(valid, weight ? gl.mul(weight.indexSelect(0, safe)).neg() : gl.neg(), 0);
      const rows = dl.zeros([t.shape[0]!, C], { dtype: g.dtype, device: g.device }).scatter(1, safe.unsqueeze(1), coef.unsqueeze(1));
      if (shape.length <= 2) return [rows.reshape([...shape])];
      const k = shape.length;
      const channelsLast = rows.reshape([shape[0]!, ...shape.slice(2), C]);
      return [channelsLast.permute([0, k - 1, ...Array.from({ length: k - 2 }, (_, i) => i + 1)])];
    },
  } satisfies Rule<'nllLoss'>,
  mseLoss: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => {
      const a = c.input(0);
      const scale = c.params.reduction === 'mean' ? g.mul(2 / a.numel()) : g.mul(2);
      const ga = a.sub(c.input(1)).mul(scale);
      return [c.needs[0] ? ga : null, c.needs[1] ? ga.neg() : null];
    },
  } satisfies Rule<'mseLoss'>,
  smoothL1Loss: {
    saves: { inputs: [0, 1] },
    // torch's smooth_l1_loss_backward: -1 where d <= -beta, else 1 where d >= beta, else d / beta
    // (so with beta 0 the slope at d = 0 is -1, as torch's kernel)
    backward: (g, c) => {
      const d = c.input(0).sub(c.input(1));
      const { beta, reduction } = c.params;
      const s = reduction === 'mean' ? g.div(d.numel()) : g;
      const slope = (e: Tensor) => dl.where(e.le(-beta), -1, dl.where(e.ge(beta), 1, beta === 0 ? dl.zerosLike(e) : e.div(beta)));
      // the target's gradient is the same kernel with the operands swapped (derivatives.yaml)
      return [c.needs[0] ? slope(d).mul(s) : null, c.needs[1] ? slope(d.neg()).mul(s) : null];
    },
  } satisfies Rule<'smoothL1Loss'>,
  huberLoss: {
    saves: { inputs: [0, 1] },
    // torch's huber_loss_backward: d inside [-delta, delta], ±delta outside
    backward: (g, c) => {
      const d = c.input(0).sub(c.input(1));
      const { delta, reduction } = c.params;
      const s = reduction === 'mean' ? g.div(d.numel()) : g;
      const gi = d.clamp(-delta, delta).mul(s);
      return [c.needs[0] ? gi : null, c.needs[1] ? gi.neg() : null];
    },
  } satisfies Rule<'huberLoss'>,
  binaryCrossEntropy: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => {
      const p = c.input(0);
      const t = c.input(1);
      const { weight, reduction } = c.params;
      let s = reduction === 'mean' ? g.div(p.numel()) : g;
      if (weight) s = s.mul(weight);
      const oneMinusP = p.neg().add(1);
      // torch clamps (1 - p) * p at EPSILON (a float 1e-12), so p in {0, 1} has a finite gradient
      const gp = c.needs[0] ? s.mul(p.sub(t)).div(oneMinusP.mul(p).clamp(BCE_EPSILON, null)) : null;
      const gt = c.needs[1] ? s.mul(oneMinusP.log().sub(p.log())) : null;
      return [gp, gt];
    },
  } satisfies Rule<'binaryCrossEntropy'>,
  binaryCrossEntropyWithLogits: {
    saves: { inputs: [0, 1] },
    backward: (g, c) => {
      const x = c.input(0);
      const t = c.input(1);
      const { weight, posWeight, reduction } = c.params;
      let s = reduction === 'mean' ? g.div(x.numel()) : g;
      if (weight) s = s.mul(weight);
      const sig = x.sigmoid();
      let gx: Tensor | null = null;
      let gt: Tensor | null = null;
      if (posWeight) {
        const pt = posWeight.mul(t);
        if (c.needs[0]) gx = pt.add(1).sub(t).mul(sig).sub(pt).mul(s);
        // d/dt = -x + (posWeight - 1) * softplus(-x)  (= log(1 - σ) - posWeight·log σ)
        if (c.needs[1])
          gt = x
            .neg()
            .add(posWeight.sub(1).mul(x.neg().relu().add(x.abs().neg().exp().log1p())))
            .mul(s);
      } else {
        if (c.needs[0]) gx = sig.sub(t).mul(s);
        if (c.needs[1]) gt = x.neg().mul(s);
      }
      return [gx, gt];
    },
  } satisfies Rule<'binaryCrossEntropyWithLogits'>,
  batchNorm: {
    saves: { inputs: [0, 1] },
    name: 'NativeBatchNormBackward0',
    backward: (g, c) => {
      const x = c.input(0);
      const { training, eps } = c.params;
      if (!isGradEnabled()) {
        // the device's fused kernel (Note [Fused batch norm] in the cpu backend), where it has one
        const w0 = present(c, 1) ? c.input(1) : null;
        const r = batchNormBackward(g, x, w0, c.params.mean, c.params.invstd, training, c.needs);
        if (r) return r;
      }
      const cs = x.shape.map((s, i) => (i === 1 ? s : 1));
      const axes = x.shape.map((_, i) => i).filter((i) => i !== 1);
      let invstd = c.params.invstd.reshape(cs);
      let xhat: Tensor;
      if (training && isGradEnabled()) ({ rstd: invstd, xhat } = normStats(x, axes, eps));
      else xhat = x.sub(c.params.mean.reshape(cs)).mul(invstd);
      const w = present(c, 1) ? c.input(1).reshape(cs) : null;
      let gx: Tensor | null = null;
      if (c.needs[0]) {
        const gxhat = w ? g.mul(w) : g;
        gx = training ? normGrad(gxhat, xhat, invstd, axes) : gxhat.mul(invstd);
      }
      return [gx, c.needs[1] ? g.mul(xhat).sum(axes) : null, c.needs[2] ? g.sum(axes) : null];
    },
  } satisfies Rule<'batchNorm'>,
  layerNorm: {
    saves: { inputs: [0, 1] },
    name: 'NativeLayerNormBackward0',
    backward: (g, c) => {
      const x = c.input(0);
      const k = c.params.normalizedShape.length;
      if (!isGradEnabled()) {
        // the device's fused kernel (Note [Fused layer norm] in the cpu backend), where it has one
        const r = layerNormBackward(g, x, k, present(c, 1) ? c.input(1) : null, c.params.mean, c.params.rstd, c.needs);
        if (r) return r;
      }
      const axes = Array.from({ length: k }, (_, i) => x.dim() - k + i);
      let rstd = c.params.rstd;
      let xhat: Tensor;
      if (isGradEnabled()) ({ rstd, xhat } = normStats(x, axes, c.params.eps));
      else xhat = x.sub(c.params.mean).mul(rstd);
      const gxhat = present(c, 1) ? g.mul(c.input(1)) : g;
      return [c.needs[0] ? normGrad(gxhat, xhat, rstd, axes) : null, c.needs[1] ? g.mul(xhat) : null, c.needs[2] ? g : null];
    },
  } satisfies Rule<'layerNorm'>,
  groupNorm: {
    saves: { inputs: [0, 1] },
    name: 'NativeGroupNormBackward0',
    backward: (g, c) => {
      const x = c.input(0);
      const G = c.params.numGroups;
      const cs = x.shape.map((s, i) => (i === 1 ? s : 1));
      const others = x.shape.map((_, i) => i).filter((i) => i !== 1);
      const gs = groupShape(x.shape, G);
      const xg = x.reshape(gs);
      let rstd = c.params.rstd;
      let xhat: Tensor;
      if (isGradEnabled()) ({ rstd, xhat } = normStats(xg, [2], c.params.eps));
      else xhat = xg.sub(c.params.mean).mul(rstd);
      const gxhat = (present(c, 1) ? g.mul(c.input(1).reshape(cs)) : g).reshape(gs);
      return [
        c.needs[0] ? normGrad(gxhat, xhat, rstd, [2]).reshape([...x.shape]) : null,
        c.needs[1] ? g.mul(xhat.reshape([...x.shape])).sum(others) : null,
        c.needs[2] ? g.sum(others) : null,
      ];
    },
  } satisfies Rule<'groupNorm'>,
};
