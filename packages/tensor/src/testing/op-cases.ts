import type { Tensor } from '../tensor.js';
import type { DType } from '../dtype.js';
import type * as dlModule from '../everything.js';
import { primitivesOf } from '../primitives.js';
import { fixtureValue } from './fixtures.js';
import { addmm } from '../ops/addmm.js';
import { hardtanh } from '../ops/hardtanh.js';
import { elu, gelu, leakyRelu, silu, softplus } from '../ops/activations.js';
import { embedding } from '../ops/embedding.js';
import { adaptiveAvgPool2d } from '../ops/adaptive-pool.js';
import { convTranspose2d } from '../ops/conv-transpose.js';
import { conv1d } from '../ops/conv1d.js';
import { binaryCrossEntropy, binaryCrossEntropyWithLogits, huberLoss, mseLoss, nllLoss, smoothL1Loss } from '../ops/losses.js';
import { batchNorm, groupNorm, layerNorm } from '../ops/normalization.js';
import type { LossReduction } from '../primitives.js';

/** The `@dl/tensor` namespace as the op cases see it. */
export type DL = typeof dlModule;

/** Keyword arguments of a case, as written by the fixture generator. */
export type Kwargs = Record<string, unknown>;

/**
 * How each fixture op key is computed with dl. Returns one tensor or several (multi-output ops
 * like `max(dim)`, `sort`, `split`), possibly asynchronously (`unique` reads the data).
 */
export type OpCase = (dl: DL, inputs: Tensor[], kwargs: Kwargs) => Tensor | Tensor[] | Promise<Tensor | Tensor[]>;

const n = (v: unknown): number => fixtureValue(v) as number;
const opt = <T>(v: unknown): T | undefined => (v === undefined || v === null ? undefined : (fixtureValue(v) as T));
const kd = (k: Kwargs) => ({ keepdim: (k.keepdim as boolean | undefined) ?? false });
const dimArg = (k: Kwargs) => k.dim as number | number[] | undefined;

function in0(inputs: Tensor[]): Tensor {
  return inputs[0]!;
}
/** The second operand: a tensor input or the `other` scalar. */
function other(inputs: Tensor[], k: Kwargs): Tensor | number {
  return inputs[1] ?? n(k.other);
}

type Method = (this: Tensor, ...args: unknown[]) => Tensor;
const method = (t: Tensor, name: string): Method => (t as unknown as Record<string, Method>)[name]!;

/** `x.<name>()`. */
const unary =
  (name: string): OpCase =>
  (_dl, x) =>
    method(in0(x), name).call(in0(x));

/** `dl.<name>(x, other, { alpha })` for add/sub with alpha, else `x.<name>(other)` (every binary and compare primitive has the method). */
const binary =
  (name: string): OpCase =>
  (dl, x, k) => {
    if (k.alpha !== undefined) return dl[name as 'add'](in0(x), other(x, k), { alpha: n(k.alpha) });
    return method(in0(x), name).call(in0(x), other(x, k));
  };

const pair = (r: [Tensor, Tensor]): Tensor[] => [r[0], r[1]];

/**
 * The op table shared by the conformance suite and `@dl/autograd`'s gradient checks: fixture
 * op key → dl computation.
 *
 * @example
 * const c = loadFixtures().cases[0]!;
 * const out = await opCases[c.op]!(dl, c.inputs.map((s) => makeInput(s, 'cpu')), c.kwargs);
 */
export const opCases: Record<string, OpCase> = {
  // Every elementwise primitive of the table, under its own name (Note [One table per primitive]).
  ...Object.fromEntries(primitivesOf('unary').map((name) => [name, unary(name)])),
  ...Object.fromEntries([...primitivesOf('binary'), ...primitivesOf('compare')].map((name) => [name, binary(name)])),
  t: unary('t'),
  contiguous: unary('contiguous'),
  clone: unary('clone'),
  clamp: (_dl, x, k) => in0(x).clamp(opt<number>(k.min), opt<number>(k.max)),
  where: (dl, x, k) => dl.where(x[0]!, x[1]!, x[2] ?? n(k.other)),
  to: (_dl, x, k) => in0(x).to(k.dtype as DType),

  sum: (_dl, x, k) => in0(x).sum(dimArg(k), kd(k)),
  mean: (_dl, x, k) => in0(x).mean(dimArg(k), kd(k)),
  prod: (_dl, x, k) => in0(x).prod(k.dim as number | undefined, kd(k)),
  max: (_dl, x, k) => (k.dim === undefined ? in0(x).max() : pair(in0(x).max(k.dim as number, kd(k)))),
  min: (_dl, x, k) => (k.dim === undefined ? in0(x).min() : pair(in0(x).min(k.dim as number, kd(k)))),
  argmax: (_dl, x, k) => in0(x).argmax(k.dim as number | undefined, kd(k)),
  argmin: (_dl, x, k) => in0(x).argmin(k.dim as number | undefined, kd(k)),
  amax: (_dl, x, k) => in0(x).amax(dimArg(k), kd(k)),
  amin: (_dl, x, k) => in0(x).amin(dimArg(k), kd(k)),
  std: (_dl, x, k) => in0(x).std(dimArg(k), { ...kd(k), ...(k.unbiased === undefined ? {} : { unbiased: k.unbiased as boolean }) }),
  var: (_dl, x, k) => in0(x).var(dimArg(k), { ...kd(k), ...(k.unbiased === undefined ? {} : { unbiased: k.unbiased as boolean }) }),
  logsumexp: (_dl, x, k) => in0(x).logsumexp(dimArg(k)!, kd(k)),
  all: (_dl, x, k) => in0(x).all(k.dim as number | undefined, kd(k)),
  any: (_dl, x, k) => in0(x).any(k.dim as number | undefined, kd(k)),
  cumsum: (_dl, x, k) => in0(x).cumsum(k.dim as number),
  norm: (_dl, x, k) => in0(x).norm(opt<number>(k.p), dimArg(k), kd(k)),

  matmul: (dl, x) => dl.matmul(x[0]!, x[1]!),
  mm: (dl, x) => dl.mm(x[0]!, x[1]!),
  bmm: (dl, x) => dl.bmm(x[0]!, x[1]!),
  softmax: (dl, x, k) => dl.softmax(in0(x), k.dim as number),
  logSoftmax: (dl, x, k) => dl.logSoftmax(in0(x), k.dim as number),

  cat: (dl, x, k) => dl.cat(x, k.dim as number),
  stack: (dl, x, k) => dl.stack(x, k.dim as number),
  split: (_dl, x, k) => in0(x).split(k.splitSize as number | number[], k.dim as number),
  chunk: (_dl, x, k) => in0(x).chunk(k.chunks as number, k.dim as number),
  gather: (_dl, x, k) => in0(x).gather(k.dim as number, x[1]!),
  scatter: (_dl, x, k) => in0(x).scatter(k.dim as number, x[1]!, x[2] ?? n(k.value)),
  scatterAdd: (_dl, x, k) => in0(x).scatterAdd(k.dim as number, x[1]!, x[2]!),
  indexSelect: (_dl, x, k) => in0(x).indexSelect(k.dim as number, x[1]!),
  maskedFill: (_dl, x, k) => in0(x).maskedFill(x[1]!, n(k.value)),
  unique: async (dl, x, k) => {
    const r = await dl.uniqueAsync(in0(x), { returnInverse: !!k.returnInverse, returnCounts: !!k.returnCounts });
    return r instanceof dl.Tensor ? [r] : [...r]; // torch's (output, inverse?, counts?)
  },
  sort: (_dl, x, k) => pair(in0(x).sort(k.dim as number | undefined, { descending: !!k.descending })),
  argsort: (_dl, x, k) => in0(x).argsort(k.dim as number | undefined, { descending: !!k.descending }),
  topk: (_dl, x, k) =>
    pair(in0(x).topk(k.k as number, k.dim as number | undefined, { largest: (k.largest as boolean | undefined) ?? true })),
  oneHot: async (dl, x, k) => {
    let classes = k.numClasses as number;
    // Inferring the class count (-1) reads max() synchronously; on async devices (webgpu) oneHot
    // asks for it explicitly, so the case reads it first, as a caller would.
    if (classes < 0 && !dl.getBackend(in0(x).device).readSync) classes = in0(x).numel() ? (await in0(x).max().item()) + 1 : 0;
    return dl.oneHot(in0(x), classes);
  },
  tril: (_dl, x, k) => in0(x).tril(k.diagonal as number | undefined),
  triu: (_dl, x, k) => in0(x).triu(k.diagonal as number | undefined),
  flip: (_dl, x, k) => in0(x).flip(k.dims as number[]),
  repeat: (_dl, x, k) => in0(x).repeat(...(k.sizes as number[])),
  diagonal: (_dl, x, k) => in0(x).diagonal(k.offset as number, k.dim1 as number, k.dim2 as number),
  diagEmbed: (_dl, x, k) => in0(x).diagEmbed(k.offset as number, k.dim1 as number, k.dim2 as number),
  scatterReduce: (_dl, x, k) =>
    in0(x).scatterReduce(k.dim as number, x[1]!, x[2]!, k.reduce as 'sum', { includeSelf: k.includeSelf as boolean }),

  view: (_dl, x, k) => in0(x).view(k.shape as number[]),
  reshape: (_dl, x, k) => in0(x).reshape(k.shape as number[]),
  permute: (_dl, x, k) => in0(x).permute(k.dims as number[]),
  transpose: (_dl, x, k) => in0(x).transpose(k.dim0 as number, k.dim1 as number),
  expand: (_dl, x, k) => in0(x).expand(k.sizes as number[]),
  narrow: (_dl, x, k) => in0(x).narrow(k.dim as number, k.start as number, k.length as number),
  select: (_dl, x, k) => in0(x).select(k.dim as number, k.index as number),
  at: (_dl, x, k) => in0(x).at(...(k.index as (number | string | null)[])),
  flatten: (_dl, x, k) => in0(x).flatten(k.startDim as number | undefined, k.endDim as number | undefined),
  squeeze: (_dl, x, k) => in0(x).squeeze(k.dim as number | undefined),
  unsqueeze: (_dl, x, k) => in0(x).unsqueeze(k.dim as number),

  conv2d: (dl, [x, w, b], k) => dl.conv2d(x!, w!, b ?? null, k as never),
  maxPool2d: (dl, [x], k) => {
    const r = dl.maxPool2d(x!, k as never);
    return [r.values, r.indices];
  },
  avgPool2d: (dl, [x], k) => dl.avgPool2d(x!, k as never),

  linearRelu: (dl, [x, w, b]) => dl.relu(x!.matmul(w!.t()).add(b!)),
  mse: (_dl, [a, b]) => a!.sub(b!).pow(2).mean(),

  // composite ops recorded as one node (Note [Composite ops as one node] in ops/composite.ts)
  addmm: (_dl, [b, x, w]) => addmm(b!, x!, w!.t()),
  hardtanh: (_dl, [x], k) => hardtanh(x!, n(k.minVal), n(k.maxVal)),
  nllLoss: (_dl, [x, t], k) => nllLoss(x!, t!, { weight: null, ignoreIndex: n(k.ignoreIndex), reduction: k.reduction as LossReduction }),
  mseLoss: (_dl, [a, b], k) => mseLoss(a!, b!, k.reduction as LossReduction),
  smoothL1Loss: (_dl, [a, b], k) => smoothL1Loss(a!, b!, k.reduction as LossReduction, n(k.beta)),
  huberLoss: (_dl, [a, b], k) => huberLoss(a!, b!, k.reduction as LossReduction, n(k.delta)),
  binaryCrossEntropy: (_dl, [p, t], k) => binaryCrossEntropy(p!, t!, null, k.reduction as LossReduction),
  binaryCrossEntropyWithLogits: (_dl, [x, t], k) => binaryCrossEntropyWithLogits(x!, t!, null, null, k.reduction as LossReduction),
  batchNorm: (_dl, [x, w, b], k) =>
    batchNorm(x!, w!, b!, { training: !!k.training, eps: n(k.eps), runningMean: null, runningVar: null }).output,
  layerNorm: (_dl, [x, w, b], k) => layerNorm(x!, k.normalizedShape as number[], w!, b!, n(k.eps)),
  groupNorm: (_dl, [x, w, b], k) => groupNorm(x!, n(k.numGroups), w!, b!, n(k.eps)),
  gelu: (_dl, [x], k) => gelu(x!, k.approximate as 'none' | 'tanh'),
  silu: (_dl, [x]) => silu(x!),
  leakyRelu: (_dl, [x], k) => leakyRelu(x!, n(k.negativeSlope)),
  elu: (_dl, [x], k) => elu(x!, n(k.alpha)),
  softplus: (_dl, [x], k) => softplus(x!, n(k.beta), n(k.threshold)),
  embedding: (_dl, [i, w], k) => embedding(i!, w!, opt<number>(k.paddingIdx) ?? null),
  adaptiveAvgPool2d: (_dl, [x], k) => adaptiveAvgPool2d(x!, k.outputSize as [number, number]),
  convTranspose2d: (_dl, [x, w, b], k) => convTranspose2d(x!, w!, b ?? null, k as never),
  conv1d: (_dl, [x, w, b], k) => conv1d(x!, w!, b ?? null, k as never),
};
