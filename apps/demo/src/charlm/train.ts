/**
 * Training the character-level GPT as nanoGPT trains it: random windows of the text as batches,
 * AdamW with decay only on matrices, linear warm-up then cosine decay (LambdaLR), gradient
 * clipping, and a held-out loss. The PyTorch reference (tools/charlm/reference.py) does the same
 * step for step.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as dl from '@dl/tensor';
import type { Tensor } from '@dl/tensor';
import { noGrad } from '@dl/autograd';
import { nn } from '@dl/nn';
import { AdamW, lrScheduler } from '@dl/optim';
import type { GPT, GPTConfig } from './model.js';

/** The model plus the optimisation settings; what a checkpoint's `config` holds. */
export interface CharLMConfig extends GPTConfig {
  batchSize: number;
  /** Training steps (the cosine schedule ends here). */
  steps: number;
  lr: number;
  weightDecay: number;
  /** Steps of linear warm-up. */
  warmup: number;
  /** The learning rate at the end of the cosine, as a fraction of `lr`. */
  minLrRatio: number;
  /** Clip the gradients' global 2-norm to this. */
  gradClip: number;
}

/** The text, its vocabulary and the two splits as int token tensors. */
export interface Corpus {
  chars: string[];
  train: Tensor;
  val: Tensor;
  encode(s: string): number[];
  decode(ids: readonly number[]): string;
}

/** The embedded default: Genesis 1-20 of the King James Bible (tools/charlm/kjv_text.py). */
export function excerptText(): string {
  return readFileSync(fileURLToPath(new URL('./kjv-excerpt.txt', import.meta.url)), 'utf8');
}

/** Vocabulary = the sorted distinct characters (by code point, as Python sorts); 90% train, 10% val. */
export function makeCorpus(text: string): Corpus {
  const chars = [...new Set(text)].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  const stoi = new Map(chars.map((c, i) => [c, i]));
  const encode = (s: string) =>
    Array.from(s, (c) => {
      const i = stoi.get(c);
      if (i === undefined) throw new Error(`charlm: character ${JSON.stringify(c)} is not in the vocabulary`);
      return i;
    });
  const ids = dl.tensor(encode(text), { dtype: 'int64' });
  const n = Math.floor(0.9 * ids.shape[0]!);
  return { chars, train: ids.at(`:${n}`), val: ids.at(`${n}:`), encode, decode: (xs) => xs.map((i) => chars[i]).join('') };
}

/** Inputs `x` and next-character targets `y`, `[B, T]` each, from windows starting at `offsets` (`[B]`). */
export function getBatch(data: Tensor, offsets: Tensor, blockSize: number): [Tensor, Tensor] {
  const ix = offsets.unsqueeze(1).add(dl.arange(blockSize, { device: offsets.device }));
  return [data.at(ix), data.at(ix.add(1))]; // PyTorch's data[ix], data[ix + 1]
}

/** Random window starts for `count` batches (default: `cfg.steps`): `[count, batchSize]`, from `generator`. */
export function drawOffsets(data: Tensor, cfg: CharLMConfig, generator?: dl.Generator, count = cfg.steps): Tensor {
  return dl.randint(0, data.shape[0]! - cfg.blockSize - 1, [count, cfg.batchSize], { generator, device: data.device });
}

/** The LambdaLR factor: linear warm-up to 1, then a cosine down to `minLrRatio` at `steps`. */
export function lrLambda(cfg: CharLMConfig): (step: number) => number {
  return (step) => {
    if (step < cfg.warmup) return (step + 1) / cfg.warmup;
    const progress = Math.min(1, (step - cfg.warmup) / Math.max(1, cfg.steps - cfg.warmup));
    return cfg.minLrRatio + 0.5 * (1 - cfg.minLrRatio) * (1 + Math.cos(Math.PI * progress));
  };
}

/** The mean loss over `batches` random batches of `data`, without gradients. */
export async function estimateLoss(
  model: GPT,
  data: Tensor,
  cfg: CharLMConfig,
  batches: number,
  generator?: dl.Generator,
): Promise<number> {
  model.eval();
  const offsets = drawOffsets(data, cfg, generator, batches);
  const losses = noGrad(() =>
    dl.stack(Array.from({ length: batches }, (_, i) => model(...getBatch(data, offsets.at(i), cfg.blockSize))[1])),
  );
  model.train();
  return await losses.mean().item();
}

/** What {@link trainCharLM} reports after each step. */
export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
}

/**
 * Train `model` on `data` with the batches whose window starts are `offsets` (`[steps, B]`), as
 * the PyTorch reference does: AdamW (betas 0.9/0.95, decay groups), LambdaLR warm-up + cosine,
 * global-norm clipping. Resolves to the loss of every step.
 */
export async function trainCharLM(
  model: GPT,
  data: Tensor,
  offsets: Tensor,
  cfg: CharLMConfig,
  onStep?: (s: StepInfo) => void,
): Promise<number[]> {
  const opt = new AdamW(model.paramGroups(cfg.weightDecay), { lr: cfg.lr, betas: [0.9, 0.95] });
  const sched = new lrScheduler.LambdaLR(opt, lrLambda(cfg));
  model.train();
  const losses: number[] = [];
  for (let step = 0; step < offsets.shape[0]!; step++) {
    const [x, y] = getBatch(data, offsets.at(step), cfg.blockSize);
    const [, loss] = model(x, y);
    opt.zeroGrad();
    loss.backward();
    nn.utils.clipGradNorm_(model.parameters(), cfg.gradClip);
    const lr = opt.paramGroups[0]!.lr as number;
    opt.step();
    sched.step();
    losses.push(await loss.item());
    onStep?.({ step, loss: losses[step]!, lr });
  }
  return losses;
}
