/**
 * `torch.multinomial`: draw category indices from rows of non-negative weights.
 *
 * Note [Multinomial from tensor ops]
 * Sampling is written with tensor ops, so it runs where the weights are (webgpu included) with
 * no host read:
 * - with replacement, inverse-CDF: `u ~ U[0, total)` per sample, and the index is how many
 *   cumulative weights are ≤ u. Zero-weight categories repeat the previous cumulative value, so a
 *   sample never lands on them;
 * - without replacement, the exponential race (what torch does on CUDA): keys `w / E` with
 *   `E ~ Exp(1)`, and the `n` largest keys are a draw of `n` distinct categories with the
 *   sequential without-replacement probabilities. Zero weights get key 0 and come last.
 * The streams are dl's generator's (Philox), so the draws are not torch's; the distribution is.
 * Weights are checked as torch checks them (finite, ≥ 0, a positive sum per row): on the host
 * where the device reads synchronously, else on the device at the next read.
 */
import { defineOp, deviceCan, readHostSync } from '../dispatch.js';
import { ArgumentError, DTypeError, ShapeError, fmtShape } from '../errors.js';
import { isFloating } from '../dtype.js';
import type { Generator } from '../generator.js';
import { Tensor } from '../tensor.js';
import type { TensorMethods } from '../tensor-methods.js';
import { rand } from './creation.js';
import { checkOnDevice, DEFERRED_NOTE } from './device-check.js';

/** Options of {@link multinomial}. */
export interface MultinomialOptions {
  /** Draw with replacement (default false: `numSamples` distinct categories per row). */
  replacement?: boolean;
  /** The generator to draw from (default: the global one, `dl.manualSeed`). */
  generator?: Generator;
}

declare module '../tensor.js' {
  interface Tensor {
    /**
     * `numSamples` category indices per row, drawn with probabilities proportional to this
     * tensor's weights (1-D: `[numSamples]`, 2-D: `[rows, numSamples]`, int64 as int32). As
     * `torch.multinomial`.
     *
     * @example
     * const probs = F.softmax(logits, -1);   // [batch, vocab]
     * const next = probs.multinomial(1);     // [batch, 1]
     */
    multinomial(numSamples: number, opts?: MultinomialOptions): Tensor;
  }
}

function checkWeights(input: Tensor): void {
  const op = 'multinomial';
  const bad = (what: string) =>
    new ArgumentError(`multinomial: probability tensor contains either \`inf\`, \`nan\` or element < 0 (${what})`, {
      op,
      hint: 'pass non-negative finite weights, e.g. F.softmax(logits, -1)',
    });
  if (deviceCan(input, 'readSync')) {
    const v = readHostSync(input.contiguous().detach(), op);
    const cols = input.shape[input.dim() - 1]!;
    for (let r = 0; r < v.length / cols; r++) {
      let s = 0;
      for (let j = 0; j < cols; j++) {
        const w = Number(v[r * cols + j]);
        if (!(w >= 0) || w === Infinity) throw bad(`row ${r}, element ${j} is ${w}`);
        s += w;
      }
      if (!(s > 0)) {
        throw new ArgumentError(`multinomial: invalid multinomial distribution (sum of probabilities <= 0) in row ${r}`, {
          op,
          hint: 'every row needs at least one positive weight',
        });
      }
    }
  } else {
    checkOnDevice(op, input, {
      lo: 0,
      hi: Number.MAX_VALUE,
      key: 'multinomial:weights',
      error: (w, i) => bad(`element ${i} is ${w}. ${DEFERRED_NOTE}`),
    });
  }
}

/**
 * `numSamples` category indices per row of `input` (1-D or 2-D non-negative weights, need not sum
 * to 1), with or without replacement (Note [Multinomial from tensor ops]). As `torch.multinomial`.
 *
 * @example
 * dl.manualSeed(0);
 * dl.multinomial(dl.tensor([0.1, 0, 0.9]), 4, { replacement: true }); // e.g. tensor([2, 2, 0, 2])
 * dl.multinomial(dl.tensor([[1, 1, 1, 1]]), 2);                       // two distinct indices
 */
export const multinomial = defineOp('multinomial', (input: Tensor, numSamples: number, opts: MultinomialOptions = {}): Tensor => {
  const op = 'multinomial';
  if (!(input instanceof Tensor)) throw new ArgumentError(`multinomial: expected a Tensor of weights, got ${typeof input}`, { op });
  if (input.dim() < 1 || input.dim() > 2) {
    throw new ShapeError(`multinomial: prob_dist must be 1 or 2 dim, got a tensor of shape ${fmtShape(input.shape)}`, {
      op,
      hint: 'reshape to [rows, categories]',
    });
  }
  if (!isFloating(input.dtype)) {
    throw new DTypeError(`multinomial: expected a floating-point weight tensor, got ${input.dtype}`, { op, hint: 'cast with .float()' });
  }
  if (!Number.isInteger(numSamples) || numSamples <= 0) {
    throw new ArgumentError(`multinomial: cannot sample numSamples=${numSamples} samples`, {
      op,
      hint: 'numSamples must be a positive integer',
    });
  }
  const cats = input.shape[input.dim() - 1]!;
  if (cats === 0) throw new ShapeError(`multinomial: the number of categories cannot be zero (input ${fmtShape(input.shape)})`, { op });
  const replacement = opts.replacement ?? false;
  if (!replacement && numSamples > cats) {
    throw new ArgumentError(
      `multinomial: cannot sample numSamples=${numSamples} > prob_dist.size(-1)=${cats} samples without replacement`,
      {
        op,
        hint: 'pass { replacement: true }, or draw at most as many samples as there are categories',
      },
    );
  }
  const w = (input.dim() === 1 ? input.unsqueeze(0) : input).detach();
  const rows = w.shape[0]!;
  if (rows === 0) return w.newZeros([0, numSamples], { dtype: 'int32' });
  checkWeights(w);
  const ropts = { generator: opts.generator, device: w.device, dtype: w.dtype };
  let out: Tensor;
  if (replacement) {
    const cdf = w.cumsum(1); // [rows, cats]
    const total = cdf.at(':', '-1:'); // [rows, 1]
    const u = rand([rows, numSamples], ropts).mul(total); // [rows, n] in [0, total)
    out = cdf
      .unsqueeze(1)
      .le(u.unsqueeze(2))
      .sum(2)
      .clamp(0, cats - 1)
      .int(); // [rows, n]
  } else {
    const e = rand([rows, cats], ropts).neg().log1p().neg(); // Exp(1): -log(1 - U), U in [0, 1)
    out = w.div(e).topk(numSamples, 1).indices.int();
  }
  return input.dim() === 1 ? out.view(numSamples) : out;
});

/** Tensor methods of this family (Note [Tensor methods from op families]). */
export const multinomialMethods = {
  multinomial(this: Tensor, numSamples: number, opts?: MultinomialOptions) {
    return multinomial(this, numSamples, opts);
  },
} satisfies TensorMethods;
