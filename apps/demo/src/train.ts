/* eslint-disable @typescript-eslint/no-explicit-any */
import * as dl from '@dl/tensor';
import '@dl/autograd';
import { noGrad } from '@dl/autograd';
import { DataLoader, type Dataset } from '@dl/data';
import { F, type Module } from '@dl/nn';
import { Adam, SGD, AdamW, RMSprop, type Optimizer } from '@dl/optim';
import { models } from '@dl/vision';

export type OptimizerName = 'adam' | 'sgd' | 'adamw' | 'rmsprop';

export function makeOptimizer(name: OptimizerName, params: dl.Tensor[], lr: number): Optimizer<any> {
  switch (name) {
    case 'adam':
      return new Adam(params, { lr });
    case 'adamw':
      return new AdamW(params, { lr });
    case 'rmsprop':
      return new RMSprop(params, { lr });
    case 'sgd':
      return new SGD(params, { lr, momentum: 0.9 });
    default:
      throw new Error(`unknown optimizer '${name as string}' (use adam, adamw, sgd or rmsprop)`);
  }
}

/** One optimisation step on a batch, inside `dl.tidy` so memory stays flat. Returns the loss. */
export function trainStep(net: Module, opt: Optimizer<any>, xb: dl.Tensor, yb: dl.Tensor): number {
  return dl.tidy(() => {
    opt.zeroGrad();
    const loss = F.crossEntropy(net.call(xb) as dl.Tensor, yb);
    loss.backward();
    opt.step();
    return loss.itemSync();
  });
}

/** Accuracy (0..1) and mean loss of `net` on `ds`, in eval mode without gradients. */
export function evaluate(net: Module, ds: Dataset<dl.Tensor[]>, batchSize = 500): { accuracy: number; loss: number } {
  net.eval();
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  noGrad(() => {
    for (const [xb, yb] of new DataLoader(ds, { batchSize })) {
      dl.tidy(() => {
        const out = net.call(xb!) as dl.Tensor;
        lossSum += F.crossEntropy(out, yb!, { reduction: 'sum' }).itemSync();
        correct += out.argmax(1).eq(yb!).sum().itemSync();
        n += yb!.shape[0]!;
      });
      xb!.dispose();
      yb!.dispose();
    }
  });
  net.train();
  return { accuracy: correct / n, loss: lossSum / n };
}

/**
 * Run `steps` LeNet-5 training steps (Adam, lr 1e-3, batch `batchSize`) on random 1×28×28
 * inputs, for benchmarks: returns the wall time and steps per second. Warm-up steps are
 * not timed.
 *
 * @example
 * const { stepsPerSecond } = runLeNetSteps(50);
 */
export function runLeNetSteps(steps: number, opts: { batchSize?: number; warmup?: number; seed?: number; device?: string } = {}): { seconds: number; stepsPerSecond: number; lastLoss: number } {
  const g = new dl.Generator(opts.seed ?? 0);
  dl.manualSeed(opts.seed ?? 0);
  const device = opts.device ?? dl.getDefaultDevice();
  const bs = opts.batchSize ?? 64;
  const net = models.lenet5();
  if (device !== 'cpu') net.to(device);
  const opt = new Adam(net.parameters(), { lr: 1e-3 });
  const x = dl.randn([bs, 1, 28, 28], { generator: g, device });
  const y = dl.randint(0, 10, [bs], { generator: g, device });
  let lastLoss = NaN;
  for (let i = 0; i < (opts.warmup ?? 3); i++) lastLoss = trainStep(net, opt, x, y);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) lastLoss = trainStep(net, opt, x, y);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, stepsPerSecond: steps / seconds, lastLoss };
}
