// A plain-JavaScript user's script, run with `node` in the scratch project: trains an MLP on the
// cpu backend and prints one JSON line that `check-packages.mjs` judges.
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import '@dl/autograd';
import { nn } from '@dl/nn';
import { Adam } from '@dl/optim';

const t0 = performance.now();
dl.manualSeed(0);
const x = dl.rand([128, 2]).mul(2).sub(1);
const x0 = x.select(1, 0);
const y = x0
  .mul(2)
  .sin()
  .add(x0.mul(x.select(1, 1)))
  .unsqueeze(1);
const model = new nn.Sequential(new nn.Linear(2, 32), new nn.Tanh(), new nn.Linear(32, 1));
const opt = new Adam(model.parameters(), { lr: 0.02 });
const lossFn = new nn.MSELoss();
const losses = [];
for (let step = 0; step < 60; step++) {
  opt.zeroGrad();
  const loss = lossFn.forward(model.forward(x), y);
  loss.backward();
  opt.step();
  if (step % 10 === 0 || step === 59) losses.push(await loss.item());
}
let shapeError = null;
try {
  dl.matmul(dl.ones([2, 3]), dl.ones([2, 3]));
} catch (e) {
  shapeError = { name: e.name, isInstance: dl.DLError.isInstance(e), instanceOf: e instanceof dl.ShapeError, message: e.message };
}
console.log(JSON.stringify({ losses, repr: String(model), shapeError, ms: Math.round(performance.now() - t0) }));
