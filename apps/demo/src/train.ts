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

/**
 * One optimisation step on a batch, inside `dl.tidy` so memory stays flat. Resolves to the loss
 * (read with `await`, so it works on devices with asynchronous reads such as webgpu).
 */
export async function trainStep(net: Module, opt: Optimizer<any>, xb: dl.Tensor, yb: dl.Tensor): Promise<number> {
  const loss = dl.tidy(() => {
    opt.zeroGrad();
    const l = F.crossEntropy(net.call(xb) as dl.Tensor, yb);
    l.backward();
    opt.step();
    return l.detach();
  });
  const v = await loss.item();
  loss.dispose();
  return v;
}

/** The device of a module's parameters. */
function deviceOf(net: Module): string {
  return net.parameters()[0]?.device ?? 'cpu';
}

/**
 * Accuracy (0..1) and mean loss of `net` on `ds`, in eval mode without gradients, on the
 * module's device (batches are moved there).
 */
export async function evaluate(net: Module, ds: Dataset<dl.Tensor[]>, batchSize = 500): Promise<{ accuracy: number; loss: number }> {
  net.eval();
  const device = deviceOf(net);
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  for (const [xb0, yb0] of new DataLoader(ds, { batchSize })) {
    const stats = noGrad(() =>
      dl.tidy(() => {
        const xb = xb0!.to(device);
        const yb = yb0!.to(device);
        const out = net.call(xb) as dl.Tensor;
        const lossSum = F.crossEntropy(out, yb, { reduction: 'sum' });
        return dl.stack([lossSum, out.argmax(1).eq(yb).sum().float()]);
      }),
    );
    const [l, c] = await stats.data();
    stats.dispose();
    lossSum += l!;
    correct += c!;
    n += yb0!.shape[0]!;
    xb0!.dispose();
    yb0!.dispose();
  }
  net.train();
  return { accuracy: correct / n, loss: lossSum / n };
}

/**
 * Run `steps` LeNet-5 training steps (Adam, lr 1e-3, batch `batchSize`) on random 1×28×28
 * inputs, for benchmarks: returns the wall time and steps per second. Warm-up steps are
 * not timed.
 *
 * @example
 * const { stepsPerSecond } = await runLeNetSteps(50);
 */
export async function runLeNetSteps(steps: number, opts: { batchSize?: number; warmup?: number; seed?: number; device?: string } = {}): Promise<{ seconds: number; stepsPerSecond: number; lastLoss: number }> {
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
  for (let i = 0; i < (opts.warmup ?? 3); i++) lastLoss = await trainStep(net, opt, x, y);
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) lastLoss = await trainStep(net, opt, x, y);
  const seconds = (performance.now() - t0) / 1000;
  return { seconds, stepsPerSecond: steps / seconds, lastLoss };
}
