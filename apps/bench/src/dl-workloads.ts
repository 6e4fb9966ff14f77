/**
 * The bench workloads on dl's cpu backend, through the public API only
 * (`@dl/tensor` + `@dl/backend-cpu` + `@dl/autograd`, and `@dl/nn` for the models).
 * Every step runs inside `dl.tidy` so memory stays flat, and reads a value back.
 */
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { nn } from '@dl/nn';
import { randomLabels, randomValues, type Step } from './workloads.js';

type T = dl.Tensor;
const rnd = (shape: number[], seed: number, scale = 1): T => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = randomValues(n, seed);
  if (scale !== 1) for (let i = 0; i < n; i++) v[i]! *= scale;
  // dl.tensor copies into memory the backend owns (the wasm heap on cpu), as any tensor a dl
  // program computes; fromArray would wrap this JS array (zero-copy, like torch.from_numpy),
  // which every wasm kernel must then copy in.
  return dl.tensor(v).reshape(shape);
};
const labels = (n: number): T => dl.fromArray(randomLabels(n), [n]);
const P = (s: number, p: number): dl.Conv2dParams => ({ stride: [s, s], padding: [p, p], dilation: [1, 1], groups: 1 });

interface SgdLike { zeroGrad(): void; step(): void }

/** `@dl/optim`'s SGD when the package has one; otherwise the same update by hand under noGrad. */
async function sgd(params: T[], lr: number): Promise<SgdLike> {
  try {
    const optim = (await import('@dl/optim')) as Record<string, unknown>;
    const SGD = optim.SGD as (new (p: T[], o: { lr: number }) => SgdLike) | undefined;
    if (SGD) return new SGD(params, { lr });
  } catch {
    // no optim yet
  }
  return {
    zeroGrad: () => { for (const p of params) p.grad?.zero_(); },
    step: () => noGrad(() => { for (const p of params) if (p.grad) p.sub_(p.grad.mul(lr)); }),
  };
}

/** One training step: forward, cross-entropy, backward, SGD update; returns the loss. */
function trainStep(model: nn.Module, opt: SgdLike, params: T[], x: T, y: T): number {
  return dl.tidy(() => {
    opt.zeroGrad();
    const logits = model.call(x) as T;
    const loss = nn.functional.crossEntropy(logits, y);
    loss.backward();
    opt.step();
    // Gradients stay allocated and are zeroed in place next step (as torch 1.13's zero_grad):
    // autograd keeps leaf .grad out of tidy, so dropping them here would leak to the GC.
    return loss.itemSync();
  });
}

class BasicBlock extends nn.Module {
  conv1: nn.Conv2d; bn1: nn.BatchNorm2d; conv2: nn.Conv2d; bn2: nn.BatchNorm2d;
  down: nn.Sequential | null;
  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(cout);
    this.conv2 = new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(cout);
    this.down = stride !== 1 || cin !== cout
      ? new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout))
      : null;
  }
  forward(x: T): T {
    const h = (this.bn1.call(this.conv1.call(x)) as T).relu();
    const o = this.bn2.call(this.conv2.call(h)) as T;
    const s = this.down ? (this.down.call(x) as T) : x;
    return o.add(s).relu();
  }
}

function resnet18(): nn.Module {
  const layers: nn.Module[] = [
    new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false }), new nn.BatchNorm2d(64), new nn.ReLU(),
    new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
  ];
  let cin = 64;
  for (const [cout, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]] as const) {
    layers.push(new BasicBlock(cin, cout, stride), new BasicBlock(cout, cout, 1));
    cin = cout;
  }
  layers.push(new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(512, 1000));
  return new nn.Sequential(...layers).eval();
}

/** Build workload `id` on dl; undefined when dl has no implementation of it. */
export async function dlWorkload(id: string): Promise<Step | undefined> {
  dl.manualSeed(0);
  const mm = /^matmul-(\d+)$/.exec(id);
  if (mm) {
    const n = Number(mm[1]);
    const a = rnd([n, n], 1), b = rnd([n, n], 2);
    return { run: () => dl.tidy(() => { a.matmul(b); }), dispose: () => { a.dispose(); b.dispose(); } };
  }
  const ew = /^(addrelu|sum)-(\d+)M$/.exec(id);
  if (ew) {
    const n = Number(ew[2]) * 2 ** 20;
    const a = rnd([n], 1), b = rnd([n], 2);
    const run = ew[1] === 'addrelu' ? () => dl.tidy(() => { a.add(b).relu(); }) : () => dl.tidy(() => a.sum().itemSync());
    return { run, dispose: () => { a.dispose(); b.dispose(); } };
  }
  const conv = /^conv-(1x6k5|64x64k3)-(fwd|fwdbwd)$/.exec(id);
  if (conv) {
    const small = conv[1] === '1x6k5';
    const [N, Ci, Co, H, K, pad] = small ? [64, 1, 6, 28, 5, 0] : [32, 64, 64, 56, 3, 1];
    const x = rnd([N, Ci, H, H], 1);
    const w = rnd([Co, Ci, K, K], 2, 0.1);
    const b = rnd([Co], 3, 0.1);
    const OH = H + 2 * pad - K + 1;
    const g = rnd([N, Co, OH, OH], 4);
    const p = P(1, pad);
    if (conv[2] === 'fwd') {
      return { run: () => dl.tidy(() => { dl.conv2d(x, w, b, p); }) };
    }
    x.requiresGrad = true; w.requiresGrad = true; b.requiresGrad = true;
    return {
      run: () => dl.tidy(() => {
        dl.conv2d(x, w, b, p).backward(g);
        for (const t of [x, w, b]) { t.grad?.dispose(); t.grad = null; } // kept by autograd: free them
      }),
    };
  }
  if (id === 'mlp-train') {
    const model = new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));
    const params = model.parameters();
    const opt = await sgd(params, 0.01);
    const x = rnd([64, 784], 1), y = labels(64);
    return { run: () => trainStep(model, opt, params, x, y) };
  }
  if (id === 'lenet-train') {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(6, 16, 5), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(400, 120), new nn.ReLU(), new nn.Linear(120, 84), new nn.ReLU(), new nn.Linear(84, 10),
    );
    const params = model.parameters();
    const opt = await sgd(params, 0.01);
    const x = rnd([64, 1, 28, 28], 1), y = labels(64);
    return { run: () => trainStep(model, opt, params, x, y) };
  }
  if (id === 'resnet18-fwd') {
    const model = resnet18();
    const x = rnd([8, 3, 224, 224], 1);
    return { run: () => noGrad(() => dl.tidy(() => { (model.call(x) as T).sum().itemSync(); })) };
  }
  return undefined;
}
