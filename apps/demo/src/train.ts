/* eslint-disable @typescript-eslint/no-explicit-any */
import * as dl from '@dl/tensor';
import '@dl/autograd';
import { noGrad } from '@dl/autograd';
import { DataLoader, type Dataset } from '@dl/data';
import { F, type Module } from '@dl/nn';
import { Adam, SGD, AdamW, RMSprop, type Optimizer } from '@dl/optim';
import { models } from '@dl/vision';

export type OptimizerName = 'adam' | 'sgd' | 'adamw' | 'rmsprop';

/** A module that maps a batch of inputs to logits (LeNet-5 here). */
export type Classifier = Module & { forward(x: dl.Tensor): dl.Tensor };

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
 * One optimisation step on a batch, written as the PyTorch loop: no `tidy`, no `dispose`; the
 * library frees what the step made. Resolves to the loss (`await loss.item()`, PyTorch's
 * `loss.item()`, so it works on devices with asynchronous reads such as webgpu).
 *
 * @example
 * for (const [x, y] of loader) await trainStep(net, opt, x!, y!);
 */
export async function trainStep(net: Classifier, opt: Optimizer<any>, xb: dl.Tensor, yb: dl.Tensor): Promise<number> {
  opt.zeroGrad();
  const loss = F.crossEntropy(net.forward(xb), yb);
  loss.backward();
  opt.step();
  return await loss.item();
}

/** The device of a module's parameters. */
function deviceOf(net: Module): string {
  return net.parameters()[0]?.device ?? 'cpu';
}

/**
 * Accuracy (0..1) and mean loss of `net` on `ds`, in eval mode without gradients (PyTorch's
 * `with torch.no_grad():`), on the module's device (batches are moved there). Plain code: no
 * `tidy`, no `dispose`.
 */
export async function evaluate(net: Classifier, ds: Dataset<dl.Tensor[]>, batchSize = 500): Promise<{ accuracy: number; loss: number }> {
  net.eval();
  const device = deviceOf(net);
  let correct = 0;
  let lossSum = 0;
  let n = 0;
  for (const [xb0, yb0] of new DataLoader(ds, { batchSize })) {
    const xb = xb0!.to(device);
    const yb = yb0!.to(device);
    const stats = noGrad(() => {
      const out = net.forward(xb);
      const batchLoss = F.crossEntropy(out, yb, { reduction: 'sum' });
      return dl.stack([batchLoss, out.argmax(1).eq(yb).sum().float()]);
    });
    const [l, c] = await stats.data(); // one read for both numbers (one round trip on webgpu)
    lossSum += l!;
    correct += c!;
    n += yb.shape[0]!;
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
export async function runLeNetSteps(
  steps: number,
  opts: { batchSize?: number; warmup?: number; seed?: number; device?: string } = {},
): Promise<{ seconds: number; stepsPerSecond: number; lastLoss: number }> {
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
