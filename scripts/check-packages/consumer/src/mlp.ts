/**
 * What a user's project does with the installed packages: train a small MLP on the cpu backend
 * and look at what dl prints. Bundled (minified) for the browser by `check-packages.mjs` and
 * type-checked under `moduleResolution` node16 and bundler; nothing here is specific to either.
 */
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { nn } from '@dl/nn';
import { Adam } from '@dl/optim';
import { TensorDataset, DataLoader } from '@dl/data';

/** What one run reports; `check-packages.mjs` judges it. */
export interface RunReport {
  /** mean loss of each epoch */
  losses: number[];
  /** `String(model)` */
  repr: string;
  /** a matmul of mismatched shapes, caught */
  shapeError: { name: string; isInstance: boolean; instanceOf: boolean; message: string };
  /** an optimizer built with a negative learning rate, caught */
  optimError: { name: string; message: string };
  ms: number;
}

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error, none was thrown');
}

/** y = sin(2 x0) + x0 x1 on 128 points of [-1, 1]², an MLP 2-32-32-1, Adam, 12 epochs of 4 batches. */
export async function run(): Promise<RunReport> {
  const t0 = performance.now();
  dl.manualSeed(0);
  const x = dl.rand([128, 2]).mul(2).sub(1);
  const x0 = x.select(1, 0);
  const y = x0
    .mul(2)
    .sin()
    .add(x0.mul(x.select(1, 1)))
    .unsqueeze(1);
  const model = new nn.Sequential(new nn.Linear(2, 32), new nn.Tanh(), new nn.Linear(32, 32), new nn.ReLU(), new nn.Linear(32, 1));
  const lossFn = new nn.MSELoss();
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const loader = new DataLoader(new TensorDataset(x, y), { batchSize: 32, shuffle: true });
  const losses: number[] = [];
  for (let epoch = 0; epoch < 12; epoch++) {
    let sum = 0;
    let n = 0;
    for await (const [xb, yb] of loader) {
      opt.zeroGrad();
      const loss = lossFn.forward(model.forward(xb!), yb!);
      loss.backward();
      opt.step();
      sum += await loss.item();
      n++;
    }
    losses.push(sum / n);
  }
  const e = caught(() => dl.matmul(dl.ones([2, 3]), dl.ones([2, 3])));
  const shapeError = {
    name: e instanceof Error ? e.name : String(e),
    isInstance: dl.DLError.isInstance(e),
    instanceOf: e instanceof dl.ShapeError,
    message: e instanceof Error ? e.message : String(e),
  };
  const o = caught(() => new Adam(model.parameters(), { lr: -1 }));
  const optimError = { name: o instanceof Error ? o.name : String(o), message: o instanceof Error ? o.message : String(o) };
  return { losses, repr: String(model), shapeError, optimError, ms: Math.round(performance.now() - t0) };
}
