/**
 * The training session behind the page: LeNet-5, Adam and the embedded digits on one device,
 * trained one batch at a time so the page can yield to the event loop between batches.
 *
 * Everything here is written as the PyTorch loop is: `model(x)`, `F.crossEntropy`,
 * `opt.zeroGrad()`, `loss.backward()`, `opt.step()`, `await loss.item()`-style reads; no
 * `tidy`, no `dispose` (the library frees each step's temporaries, docs/guides/memory.md).
 */
import * as dl from '@dl/tensor';
import '@dl/autograd';
import { noGrad } from '@dl/autograd';
import { F } from '@dl/nn';
import { Adam } from '@dl/optim';
import type { DigitSet } from './data.js';
import { MNIST_NORM } from './data.js';
import { StepHistory } from './history.js';
import { LeNet } from './model.js';

/** One training step's numbers. */
export interface StepPoint {
  step: number;
  loss: number;
  /** fraction of the batch the model got right (before the step's update) */
  accuracy: number;
}

/** A test-set evaluation. */
export interface EvalPoint {
  step: number;
  loss: number;
  accuracy: number;
}

/** Settings of a session. */
export interface SessionOptions {
  batchSize: number;
  lr: number;
  seed: number;
}

/**
 * Give the browser a turn (input, rendering, timers) between batches: a MessageChannel task (not
 * `setTimeout(0)`, which nested calls clamp to 4 ms, nor `scheduler.yield()`, whose continuation
 * is queued ahead of the browser's other tasks).
 *
 * @example
 * for (;;) { await trainOneBatch(); await yieldToEventLoop(); }
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => resolve();
    ch.port2.postMessage(null);
  });
}

/**
 * LeNet-5 + Adam on the embedded digits, on `cpu` or `webgpu`.
 *
 * @example
 * const s = new Session(await loadMnist(url), { batchSize: 64, lr: 1e-3, seed: 0 });
 * await s.useDevice('webgpu');
 * const { loss } = await s.trainStep();
 */
export class Session {
  device = 'cpu';
  model!: LeNet;
  opt!: Adam;
  step = 0;
  /** the steps so far, decimated to at most 1,000 points (see Note [Decimation] in history.ts) */
  readonly history = new StepHistory(1000);
  readonly evals: EvalPoint[] = [];
  /** images trained on (for throughput) */
  images = 0;
  private perm: dl.Tensor | undefined;
  private cursor = 0;
  private generator!: dl.Generator;
  /** the device switch in progress (switches run one after another) */
  private switching: Promise<void> = Promise.resolve();

  constructor(
    readonly data: { train: DigitSet; test: DigitSet },
    readonly opts: SessionOptions,
  ) {
    this.reset();
  }

  /**
   * Start over: new weights, a new optimizer, the batches from the first again (all seeded, so
   * a reset run repeats the first), empty history; stays on the current device.
   */
  reset(): void {
    dl.manualSeed(this.opts.seed);
    this.generator = new dl.Generator(this.opts.seed);
    this.model = new LeNet();
    if (this.device !== 'cpu') this.model.to(this.device);
    this.opt = new Adam(this.model.parameters(), { lr: this.opts.lr });
    this.step = 0;
    this.images = 0;
    this.history.clear();
    this.evals.length = 0;
    this.perm = undefined;
  }

  /**
   * Move the model to `device` and start a fresh optimizer there (Adam's moments do not move
   * with it, as in PyTorch, where the optimizer is made after `.to`). `await model.toAsync(device)`
   * is `model.to(device)` for a move that may read a GPU (webgpu → cpu cannot be synchronous).
   *
   * Note [Device switch races]
   * The move awaits GPU reads, so other code runs meanwhile. Two switches run one after another
   * (each waits for the one before), and a {@link reset} during the move, which makes a new model
   * on the old device, is caught: the move starts over with the new model, so the optimizer and
   * `this.device` always end up matching the model. Training steps must not run during a switch
   * (the page serialises them); a step's update made meanwhile would be lost with the old copy.
   *
   * @example
   * await session.useDevice('webgpu'); session.device; // → 'webgpu'
   */
  useDevice(device: string): Promise<void> {
    const run = this.switching.then(async () => {
      if (device !== 'cpu') await dl.initBackend(device);
      for (;;) {
        const model = this.model;
        await model.toAsync(device);
        if (this.model === model) break; // else a reset swapped the model in meanwhile: move that one
      }
      this.opt = new Adam(this.model.parameters(), { lr: this.opts.lr });
      this.device = device;
    });
    this.switching = run.catch(() => {});
    return run;
  }

  /** The next batch of training indices: a fresh seeded permutation every epoch (`shuffle=True`). */
  private nextIndices(): dl.Tensor {
    const n = this.data.train.length;
    const bs = this.opts.batchSize;
    if (!this.perm || this.cursor + bs > n) {
      this.perm = dl.randperm(n, { generator: this.generator });
      this.cursor = 0;
    }
    const idx = this.perm.narrow(0, this.cursor, bs);
    this.cursor += bs;
    return idx;
  }

  /** One optimisation step on the next batch; resolves once its loss has been read. */
  async trainStep(): Promise<StepPoint> {
    const idx = this.nextIndices();
    const x = this.data.train.x.indexSelect(0, idx).to(this.device);
    const y = this.data.train.y.indexSelect(0, idx).to(this.device);

    this.opt.zeroGrad();
    const out = this.model(x);
    const loss = F.crossEntropy(out, y);
    loss.backward();
    this.opt.step();

    // one read for both numbers (one round trip on webgpu), like `loss.item()` and `(pred == y).sum().item()`
    const correct = out.argmax(1).eq(y).sum().float();
    const [l, c] = await dl.stack([loss.detach(), correct]).data();
    this.step += 1;
    this.images += y.shape[0]!;
    const point = { step: this.step, loss: l!, accuracy: c! / y.shape[0]! };
    this.history.push(point);
    return point;
  }

  /**
   * Loss and accuracy on the test set (or its first `limit` images), in eval mode without
   * gradients, a batch at a time with a turn of the event loop between batches; the model is
   * left in the mode it was in.
   *
   * @example
   * const { accuracy } = await session.evaluate(2000);
   */
  async evaluate(limit = this.data.test.length, batchSize = 250): Promise<EvalPoint> {
    const n = Math.min(limit, this.data.test.length);
    const model = this.model;
    const wasTraining = model.training;
    model.eval();
    let lossSum = 0;
    let correct = 0;
    try {
      for (let i = 0; i < n; i += batchSize) {
        const len = Math.min(batchSize, n - i);
        const x = this.data.test.x.narrow(0, i, len).to(this.device);
        const y = this.data.test.y.narrow(0, i, len).to(this.device);
        const stats = noGrad(() => {
          const out = model(x);
          return dl.stack([F.crossEntropy(out, y, { reduction: 'sum' }), out.argmax(1).eq(y).sum().float()]);
        });
        const [l, c] = await stats.data();
        lossSum += l!;
        correct += c!;
        await yieldToEventLoop();
      }
    } finally {
      model.train(wasTraining);
    }
    const point = { step: this.step, loss: lossSum / n, accuracy: correct / n };
    this.evals.push(point);
    return point;
  }

  /**
   * Class probabilities for one 28×28 image with pixel values in [0, 1] (white digit on black,
   * as MNIST), normalised as the training data.
   *
   * @example
   * const probs = await session.predict(pixels); // Float32Array(10), sums to 1
   */
  async predict(pixels: Float32Array): Promise<Float32Array> {
    const norm = Float32Array.from(pixels, (v) => (v - MNIST_NORM.mean) / MNIST_NORM.std);
    const x = dl.fromArray(norm, [1, 1, 28, 28]).to(this.device);
    // restore the mode the model was in (an evaluate() paused mid-loop has it in eval mode), and
    // before the await: a training step may run while the values are read
    const wasTraining = this.model.training;
    this.model.eval();
    const probs = noGrad(() => F.softmax(this.model(x), 1));
    this.model.train(wasTraining);
    return Float32Array.from(await probs.data());
  }
}
