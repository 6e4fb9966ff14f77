/**
 * The bench workloads on dl's cpu backend, through the public API only
 * (`@dl/tensor` + `@dl/backend-cpu` + `@dl/autograd`, `@dl/nn` for the models, `@dl/optim`).
 *
 * The model rows come in two spellings (Note [plain and tidy rows] in workloads.ts):
 * `-plain` is the loop a PyTorch user writes, with no `dl.tidy`, `dispose` or `await`, and
 * leaves memory to the library; `-tidy` is the same step inside `dl.tidy`. The kernel rows
 * (matmul, elementwise, conv) time one op and free its result in `dl.tidy`, so they measure
 * the kernel and not the garbage collector.
 */
import * as dl from '@dl/tensor';
import type { Conv2dParams } from '@dl/tensor/backend';
import '@dl/backend-cpu';
import { noGrad } from '@dl/autograd';
import { F, nn } from '@dl/nn';
import { SGD } from '@dl/optim';
import { OP_CHAIN, randomLabels, randomValues, type Step } from './workloads.js';
import { lenet, mlp } from './models.js';

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
const P = (s: number, p: number): Conv2dParams => ({ stride: [s, s], padding: [p, p], dilation: [1, 1], groups: 1 });

/**
 * One training step as a PyTorch user writes it: no tidy, no dispose, no await. Reads the
 * loss back, as `loss.item()` in the PyTorch row.
 */
function plainStep(model: nn.Module & { forward(x: T): T }, opt: SGD, x: T, y: T): number {
  opt.zeroGrad();
  const loss = F.crossEntropy(model.forward(x), y);
  loss.backward();
  opt.step();
  return loss.itemSync();
}

/** The same step inside `dl.tidy`, which frees every temporary at its end. */
function tidyStep(model: nn.Module & { forward(x: T): T }, opt: SGD, x: T, y: T): number {
  return dl.tidy(() => {
    opt.zeroGrad();
    const loss = F.crossEntropy(model.forward(x), y);
    loss.backward();
    opt.step();
    // Gradients stay allocated and are zeroed in place next step (as torch 1.13's zero_grad):
    // autograd keeps leaf .grad out of tidy.
    return loss.itemSync();
  });
}

class BasicBlock extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  down: nn.Sequential | null;
  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(cout);
    this.conv2 = new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(cout);
    this.down =
      stride !== 1 || cin !== cout
        ? new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout))
        : null;
  }
  forward(x: T): T {
    const h = this.bn1.forward(this.conv1.forward(x)).relu();
    const o = this.bn2.forward(this.conv2.forward(h));
    const s = this.down ? this.down.forward(x) : x;
    return o.add(s).relu();
  }
}

function resnet18(): nn.Sequential {
  const layers: nn.Module[] = [
    new nn.Conv2d(3, 64, 7, { stride: 2, padding: 3, bias: false }),
    new nn.BatchNorm2d(64),
    new nn.ReLU(),
    new nn.MaxPool2d(3, { stride: 2, padding: 1 }),
  ];
  let cin = 64;
  for (const [cout, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
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
    const a = rnd([n, n], 1),
      b = rnd([n, n], 2);
    return {
      run: () =>
        dl.tidy(() => {
          a.matmul(b);
        }),
      dispose: () => {
        a.dispose();
        b.dispose();
      },
    };
  }
  const ew = /^(addrelu|sum)-(\d+)M$/.exec(id);
  if (ew) {
    const n = Number(ew[2]) * 2 ** 20;
    const a = rnd([n], 1),
      b = rnd([n], 2);
    const run =
      ew[1] === 'addrelu'
        ? () =>
            dl.tidy(() => {
              a.add(b).relu();
            })
        : () => dl.tidy(() => a.sum().itemSync());
    return {
      run,
      dispose: () => {
        a.dispose();
        b.dispose();
      },
    };
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
      return {
        run: () =>
          dl.tidy(() => {
            dl.conv2d(x, w, b, p);
          }),
      };
    }
    x.requiresGrad = true;
    w.requiresGrad = true;
    b.requiresGrad = true;
    return {
      run: () =>
        dl.tidy(() => {
          dl.conv2d(x, w, b, p).backward(g);
          for (const t of [x, w, b]) {
            t.grad?.dispose();
            t.grad = null;
          } // kept by autograd: free them
        }),
    };
  }
  const train = /^(mlp|lenet)-train-(plain|tidy)$/.exec(id);
  if (train) {
    const model = train[1] === 'mlp' ? mlp() : lenet();
    const opt = new SGD(model.parameters(), { lr: 0.01 });
    const x = train[1] === 'mlp' ? rnd([64, 784], 1) : rnd([64, 1, 28, 28], 1);
    const y = labels(64);
    const step = train[2] === 'plain' ? plainStep : tidyStep;
    return { run: () => step(model, opt, x, y) };
  }
  if (id === 'op-overhead' || id === 'op-overhead-autograd') {
    // Written plainly, as the PyTorch row: a chain of adds, then one read of the result.
    const x = dl.tensor([1, 2, 3, 4], { requiresGrad: id === 'op-overhead-autograd' });
    const b = dl.tensor([0.5, 0.25, 0.125, 0.0625]);
    return {
      run: () => {
        let y = x;
        for (let i = 0; i < OP_CHAIN; i++) y = y.add(b);
        return y.dataSync();
      },
    };
  }
  if (id === 'resnet18-fwd') {
    const model = resnet18();
    const x = rnd([8, 3, 224, 224], 1);
    // plain evaluation, as PyTorch's `with torch.no_grad(): model(x).sum().item()`
    return { run: () => noGrad(() => model.forward(x).sum().itemSync()) };
  }
  return undefined;
}
