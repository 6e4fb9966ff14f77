/**
 * `pnpm demo -- --task charlm`: train the character-level GPT on the King James Bible (the
 * embedded Genesis excerpt by default, or `--text FILE`), print train/val loss, and sample text.
 *
 * Parity with PyTorch: `--save-init FILE.pt` writes the initial weights and every batch's window
 * starts, `--losses-out FILE.json` the loss of every step; `tools/charlm/reference.py --init FILE.pt
 * --compare FILE.json` replays the run in PyTorch and prints the largest difference.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as dl from '@dl/tensor';
import { GPT } from './model.js';
import { drawOffsets, estimateLoss, excerptText, makeCorpus, trainCharLM, type CharLMConfig } from './train.js';
import { writeAtomic } from '../atomic-write.js';

const USAGE = `usage: pnpm demo -- --task charlm [--text FILE] [--steps 1000] [--batch-size 16] [--block-size 64]
                 [--layers 4] [--heads 4] [--embd 64] [--dropout 0] [--lr 0.003] [--weight-decay 0.1]
                 [--warmup 50] [--device cpu|webgpu] [--seed 0] [--sample 400] [--out out]
                 [--init FILE.pt] [--save-init FILE.pt] [--losses-out FILE.json]
  --text FILE        a UTF-8 text (the whole Bible: apt-get install bible-kjv; python3 tools/charlm/kjv_text.py --out kjv.txt)
  --init FILE.pt     start from a checkpoint {config, model, offsets} (e.g. one tools/charlm/reference.py wrote)
  --save-init FILE   write the initial weights and batches, for tools/charlm/reference.py --init FILE`;

/** Parse, train, report, sample. */
export async function main(argv: string[]): Promise<void> {
  const { values: a } = parseArgs({
    args: argv,
    options: {
      task: { type: 'string' },
      text: { type: 'string' },
      steps: { type: 'string', default: '1000' },
      'batch-size': { type: 'string', default: '16' },
      'block-size': { type: 'string', default: '64' },
      layers: { type: 'string', default: '4' },
      heads: { type: 'string', default: '4' },
      embd: { type: 'string', default: '64' },
      dropout: { type: 'string', default: '0' },
      lr: { type: 'string', default: '0.003' },
      'weight-decay': { type: 'string', default: '0.1' },
      warmup: { type: 'string', default: '50' },
      device: { type: 'string', default: 'cpu' },
      seed: { type: 'string', default: '0' },
      sample: { type: 'string', default: '400' },
      out: { type: 'string', default: 'out' },
      init: { type: 'string' },
      'save-init': { type: 'string' },
      'losses-out': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (a.help) {
    console.log(USAGE);
    return;
  }
  const num = (name: string, v: string | undefined, { int = false, zero = false } = {}): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || (int && !Number.isInteger(n)) || n < 0 || (!zero && n === 0)) {
      throw new Error(`--${name}: expected a ${zero ? 'non-negative' : 'positive'} ${int ? 'integer' : 'number'}, got ${v}`);
    }
    return n;
  };
  const device = a.device!;
  if (device !== 'cpu') {
    await import(`@dl/backend-${device}`);
    await dl.initBackend(device);
  }
  dl.manualSeed(num('seed', a.seed, { int: true, zero: true }));

  const text = a.text ? readFileSync(resolve(a.text), 'utf8') : excerptText();
  const corpus = makeCorpus(text);
  let cfg: CharLMConfig;
  let model: GPT;
  let offsets: dl.Tensor;
  if (a.init) {
    const ck = (await dl.load(resolve(a.init), { device })) as unknown as {
      config: CharLMConfig;
      model: Record<string, dl.Tensor>;
      offsets: dl.Tensor;
    };
    cfg = ck.config;
    if (cfg.vocabSize !== corpus.chars.length)
      throw new Error(`--init: the checkpoint's vocabulary has ${cfg.vocabSize} characters, the text ${corpus.chars.length}`);
    model = new GPT(cfg);
    model.loadStateDict(ck.model);
    offsets = ck.offsets;
  } else {
    cfg = {
      vocabSize: corpus.chars.length,
      blockSize: num('block-size', a['block-size'], { int: true }),
      nLayer: num('layers', a.layers, { int: true }),
      nHead: num('heads', a.heads, { int: true }),
      nEmbd: num('embd', a.embd, { int: true }),
      dropout: num('dropout', a.dropout, { zero: true }),
      batchSize: num('batch-size', a['batch-size'], { int: true }),
      steps: num('steps', a.steps, { int: true }),
      lr: num('lr', a.lr),
      weightDecay: num('weight-decay', a['weight-decay'], { zero: true }),
      warmup: num('warmup', a.warmup, { int: true, zero: true }),
      minLrRatio: 0.1,
      gradClip: 1,
    };
    model = new GPT(cfg);
    offsets = drawOffsets(corpus.train, cfg);
  }
  if (device !== 'cpu') model.to(device);
  const train = corpus.train.to(device);
  const val = corpus.val.to(device);
  offsets = offsets.to(device);
  if (a['save-init']) {
    await dl.save({ config: { ...cfg }, model: model.stateDict(), offsets }, resolve(a['save-init']), { int64: true });
    console.log(`wrote ${a['save-init']} (initial weights and batches: python3 tools/charlm/reference.py --init ${a['save-init']})`);
  }
  const nParams = model.parameters().reduce((s, p) => s + p.numel(), 0);
  console.log(`data: ${a.text ?? 'embedded KJV excerpt (Genesis 1-20)'}: ${text.length} characters, vocabulary ${corpus.chars.length}`);
  console.log(
    `model: GPT, ${cfg.nLayer} layers, ${cfg.nHead} heads, ${cfg.nEmbd} wide, block ${cfg.blockSize}: ${nParams} parameters; AdamW lr ${cfg.lr}, batch ${cfg.batchSize}, ${offsets.shape[0]} steps, device ${device}`,
  );

  const t0 = performance.now();
  const every = Math.max(1, Math.floor(offsets.shape[0]! / 10));
  const losses = await trainCharLM(model, train, offsets, cfg, ({ step, loss, lr }) => {
    if (step % every === 0 || step === offsets.shape[0]! - 1) {
      const secs = (performance.now() - t0) / 1000;
      console.log(
        `step ${String(step).padStart(5)} | loss ${loss.toFixed(4)} | lr ${lr.toExponential(2)} | ${((step + 1) / secs).toFixed(1)} steps/s`,
      );
    }
  });
  const secs = (performance.now() - t0) / 1000;
  const evalGen = new dl.Generator(1234);
  const trainLoss = await estimateLoss(model, train, cfg, 20, evalGen);
  const valLoss = await estimateLoss(model, val, cfg, 20, evalGen);
  console.log(
    `train loss ${trainLoss.toFixed(4)} | val loss ${valLoss.toFixed(4)} | ${secs.toFixed(1)} s (${(offsets.shape[0]! / secs).toFixed(1)} steps/s)`,
  );

  const nSample = num('sample', a.sample, { int: true, zero: true });
  if (nSample > 0) {
    const start = dl.tensor([corpus.encode('\n')], { dtype: 'int64', device });
    const ids = model.generate(start, nSample, { temperature: 0.8, generator: new dl.Generator(0) });
    console.log(`--- sample (temperature 0.8) ---\n${corpus.decode((await ids.at(0).toArray()) as number[]).slice(1)}\n---`);
  }
  const out = resolve(a.out!);
  if (a['losses-out']) await writeAtomic(resolve(a['losses-out']), JSON.stringify({ losses }));
  await writeAtomic(join(out, 'charlm-history.json'), JSON.stringify({ config: cfg, losses, trainLoss, valLoss, seconds: secs }, null, 1));
  console.log(`wrote ${join(out, 'charlm-history.json')}`);
}

export { USAGE };
