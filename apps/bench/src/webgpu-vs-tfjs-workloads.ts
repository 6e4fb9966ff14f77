/**
 * The rows of `pnpm bench --device webgpu` (src/webgpu-vs-tfjs.ts), each written twice: on dl's
 * `webgpu` device and on `@tensorflow/tfjs-backend-webgpu`. Every `run` resolves only once the
 * GPU has finished its work: dl awaits `webgpu.sync()` or a read (`await loss.item()`), tfjs
 * awaits `data()` of a one-element slice of the result (reading the whole result would time a
 * copy dl does not make). Both sides free their temporaries (dl.tidy / tf.tidy) so a row's
 * memory does not grow across runs; the training rows on dl are the plain PyTorch loop.
 * tfjs uses its native NHWC layout for convs, dl NCHW (the same arithmetic).
 */
import type * as TF from '@tensorflow/tfjs-core';
import * as dl from '@dl/tensor';
import type { Conv2dParams } from '@dl/tensor/backend';
import '@dl/backend-cpu'; // the host side: dl.fromArray builds on cpu, then .to('webgpu')
import { noGrad } from '@dl/autograd';
import { F, type nn } from '@dl/nn';
import { SGD } from '@dl/optim';
import { models } from '@dl/vision';
import { webgpu } from '@dl/backend-webgpu';
import { tfjsResnet18 } from './tfjs-resnet.js';
import { randomLabels, randomValues } from './workloads.js';
import { lenet, mlp } from './models.js';

type T = dl.Tensor;

/** One timed program: `run` finishes when the device has; `dispose` frees what the row built. */
export interface GpuStep {
  run: () => Promise<void>;
  dispose?: () => void;
}

/** A bench row: its id, a label for the table, the flops of one run, and both programs. */
export interface GpuWorkload {
  id: string;
  label: string;
  flops?: number;
  dl: () => GpuStep;
  tfjs: (tf: typeof TF) => GpuStep;
}

const CONV = { N: 32, C: 64, H: 56, K: 3 } as const;
const convFlops = 2 * CONV.N * CONV.C * CONV.H * CONV.H * CONV.C * CONV.K * CONV.K;

const rnd = (shape: number[], seed: number, scale = 1): T => {
  const n = shape.reduce((a, b) => a * b, 1);
  const v = randomValues(n, seed);
  if (scale !== 1) for (let i = 0; i < n; i++) v[i]! *= scale;
  return dl.fromArray(v, shape).to('webgpu');
};
const labels = (n: number, classes = 10): T =>
  dl
    .fromArray(
      classes === 10 ? randomLabels(n) : Int32Array.from(randomValues(n, 9), (v) => Math.floor((v + 1) * 0.5 * classes) % classes),
      [n],
    )
    .to('webgpu');
const disposeAll = (ts: Iterable<T>): void => {
  for (const t of ts) t.dispose();
};
const disposeModel = (m: nn.Module): void => {
  disposeAll(m.parameters());
  disposeAll(m.buffers());
};

/** The plain PyTorch loop: zeroGrad, forward, cross-entropy, backward, step, `await loss.item()`. */
function dlTrain(model: nn.Module & { forward(x: T): T }, x: T, y: T): GpuStep {
  const opt = new SGD(model.parameters(), { lr: 0.01 });
  return {
    run: async () => {
      opt.zeroGrad();
      const loss = F.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      await loss.item();
    },
    dispose: () => {
      disposeModel(model);
      x.dispose();
      y.dispose();
    },
  };
}

/** tfjs helpers bound to one tf module. */
function tfKit(tf: typeof TF) {
  const rndT = (shape: number[], seed: number, scale = 1): TF.Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = randomValues(n, seed);
    if (scale !== 1) for (let i = 0; i < n; i++) v[i]! *= scale;
    return tf.tensor(v, shape);
  };
  /** Run `make` in a tidy and await its (small) result; the wait covers all queued work. */
  const read = async (make: () => TF.Tensor): Promise<void> => {
    const r = tf.tidy(make);
    await r.data();
    r.dispose();
  };
  /** One element of `t`, flattened: a cheap read that still waits for `t`. */
  const first = (t: TF.Tensor): TF.Tensor =>
    tf.reshape(
      tf.slice(
        t,
        t.shape.map(() => 0),
        t.shape.map(() => 1),
      ),
      [1],
    );
  const variable = (shape: number[], seed: number, fanIn: number): TF.Variable => tf.variable(rndT(shape, seed, 1 / Math.sqrt(fanIn)));
  const oneHot = (n: number): TF.Tensor => tf.oneHot(tf.tensor1d(randomLabels(n), 'int32'), 10);
  return { rndT, read, first, variable, oneHot };
}

function matmulRow(n: number): GpuWorkload {
  return {
    id: `matmul-${n}`,
    label: `matmul ${n}`,
    flops: 2 * n ** 3,
    dl: () => {
      const a = rnd([n, n], 1),
        b = rnd([n, n], 2);
      return {
        run: async () => {
          dl.tidy(() => {
            a.matmul(b);
          });
          await webgpu.sync();
        },
        dispose: () => disposeAll([a, b]),
      };
    },
    tfjs: (tf) => {
      const k = tfKit(tf);
      const a = k.rndT([n, n], 1),
        b = k.rndT([n, n], 2);
      return { run: () => k.read(() => k.first(tf.matMul(a, b))), dispose: () => tf.dispose([a, b]) };
    },
  };
}

function elementwiseRow(kind: 'addrelu' | 'sum', mega: number): GpuWorkload {
  const n = mega * 2 ** 20;
  return {
    id: `${kind}-${mega}M`,
    label: kind === 'addrelu' ? `add+relu ${mega}M` : `sum ${mega}M`,
    dl: () => {
      const a = rnd([n], 1),
        b = rnd([n], 2);
      const run =
        kind === 'addrelu'
          ? async () => {
              dl.tidy(() => {
                a.add(b).relu();
              });
              await webgpu.sync();
            }
          : async () => {
              const s = a.sum();
              await s.item();
              s.dispose();
            };
      return { run, dispose: () => disposeAll([a, b]) };
    },
    tfjs: (tf) => {
      const k = tfKit(tf);
      const a = k.rndT([n], 1),
        b = k.rndT([n], 2);
      const run = kind === 'addrelu' ? () => k.read(() => k.first(tf.relu(tf.add(a, b)))) : () => k.read(() => tf.sum(a));
      return { run, dispose: () => tf.dispose([a, b]) };
    },
  };
}

function convRow(backward: boolean): GpuWorkload {
  const { N, C, H, K } = CONV;
  return {
    id: backward ? 'conv-fwdbwd' : 'conv-fwd',
    label: `conv2d ${N}×${C}×${H}×${H}→${C} k${K} p1 ${backward ? 'fwd+bwd' : 'fwd'}`,
    flops: backward ? 3 * convFlops : convFlops,
    dl: () => {
      const p: Conv2dParams = { stride: [1, 1], padding: [1, 1], dilation: [1, 1], groups: 1 };
      const x = rnd([N, C, H, H], 1),
        w = rnd([C, C, K, K], 2, 0.1),
        b = rnd([C], 3, 0.1),
        g = rnd([N, C, H, H], 4);
      if (backward) for (const t of [x, w, b]) t.requiresGrad = true;
      return {
        run: async () => {
          dl.tidy(() => {
            const y = dl.conv2d(x, w, b, p);
            if (backward) {
              y.backward(g);
              for (const t of [x, w, b]) {
                t.grad?.dispose(); // kept by autograd: free them
                t.grad = null;
              }
            }
          });
          await webgpu.sync();
        },
        dispose: () => disposeAll([x, w, b, g]),
      };
    },
    tfjs: (tf) => {
      const k = tfKit(tf);
      const x = k.rndT([N, H, H, C], 1) as TF.Tensor4D,
        w = k.rndT([K, K, C, C], 2, 0.1) as TF.Tensor4D,
        b = k.rndT([C], 3, 0.1) as TF.Tensor1D,
        dy = k.rndT([N, H, H, C], 4) as TF.Tensor4D;
      const f = (xx: TF.Tensor, ww: TF.Tensor, bb: TF.Tensor): TF.Tensor4D =>
        tf.add(tf.conv2d(xx as TF.Tensor4D, ww as TF.Tensor4D, 1, 'same'), bb);
      const grads = tf.grads(f);
      const run = backward
        ? () =>
            k.read(() => {
              const [gx, gw, gb] = grads([x, w, b], dy);
              return tf.concat([k.first(gx!), k.first(gw!), k.first(gb!)]);
            })
        : () => k.read(() => k.first(f(x, w, b)));
      return { run, dispose: () => tf.dispose([x, w, b, dy]) };
    },
  };
}

function mlpRow(): GpuWorkload {
  return {
    id: 'mlp-train',
    label: 'MLP 784-512-512-10 train step, batch 64',
    flops: 3 * 2 * 64 * (784 * 512 + 512 * 512 + 512 * 10),
    dl: () => {
      dl.manualSeed(0);
      return dlTrain(mlp().to('webgpu'), rnd([64, 784], 1), labels(64));
    },
    tfjs: (tf) => {
      const k = tfKit(tf);
      const sizes = [784, 512, 512, 10];
      const ws = sizes.slice(1).map((o, i) => k.variable([sizes[i]!, o], 10 + i, sizes[i]!));
      const bs = sizes.slice(1).map((o, i) => k.variable([o], 20 + i, sizes[i]!));
      const x = k.rndT([64, 784], 1),
        y = k.oneHot(64);
      const opt = tf.train.sgd(0.01);
      const forward = (): TF.Scalar => {
        let h: TF.Tensor = x;
        for (let i = 0; i < 3; i++) {
          h = tf.add(tf.matMul(h, ws[i]!), bs[i]!);
          if (i < 2) h = tf.relu(h);
        }
        return tf.losses.softmaxCrossEntropy(y, h) as TF.Scalar;
      };
      return {
        run: () => k.read(() => opt.minimize(forward, true)!),
        dispose: () => {
          tf.dispose([...ws, ...bs, x, y]);
          opt.dispose();
        },
      };
    },
  };
}

function lenetRow(): GpuWorkload {
  return {
    id: 'lenet-train',
    label: 'LeNet-5 train step, batch 64',
    dl: () => {
      dl.manualSeed(0);
      return dlTrain(lenet().to('webgpu'), rnd([64, 1, 28, 28], 1), labels(64));
    },
    tfjs: (tf) => {
      const k = tfKit(tf);
      const vs = [
        k.variable([5, 5, 1, 6], 10, 25),
        k.variable([6], 11, 25),
        k.variable([5, 5, 6, 16], 12, 150),
        k.variable([16], 13, 150),
        k.variable([400, 120], 14, 400),
        k.variable([120], 15, 400),
        k.variable([120, 84], 16, 120),
        k.variable([84], 17, 120),
        k.variable([84, 10], 18, 84),
        k.variable([10], 19, 84),
      ];
      const [c1, c1b, c2, c2b, f1, f1b, f2, f2b, f3, f3b] = vs;
      const x = k.rndT([64, 28, 28, 1], 1) as TF.Tensor4D,
        y = k.oneHot(64);
      const opt = tf.train.sgd(0.01);
      const forward = (): TF.Scalar => {
        let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, c1! as TF.Tensor as TF.Tensor4D, 1, 'same'), c1b!)) as TF.Tensor4D, 2, 2, 'valid');
        h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, c2! as TF.Tensor as TF.Tensor4D, 1, 'valid'), c2b!)) as TF.Tensor4D, 2, 2, 'valid');
        let z: TF.Tensor = tf.reshape(h, [64, 400]);
        z = tf.relu(tf.add(tf.matMul(z, f1!), f1b!));
        z = tf.relu(tf.add(tf.matMul(z, f2!), f2b!));
        return tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(z, f3!), f3b!)) as TF.Scalar;
      };
      return {
        run: () => k.read(() => opt.minimize(forward, true)!),
        dispose: () => {
          tf.dispose([...vs, x, y]);
          opt.dispose();
        },
      };
    },
  };
}

/** ResNet-18 (1.82 GFLOP of multiply-adds ×2 per 224×224 image forward; backward ≈ 2× forward). */
const RESNET18_FWD_FLOPS = 2 * 1.814e9;

function resnetRow(train: boolean, batch: number): GpuWorkload {
  return {
    id: train ? `resnet18-train-b${batch}` : `resnet18-fwd-b${batch}`,
    label: `ResNet-18 ${train ? 'train step' : 'forward (eval)'}, batch ${batch}`,
    flops: (train ? 3 : 1) * RESNET18_FWD_FLOPS * batch,
    dl: () => {
      dl.manualSeed(0);
      const model = models.resnet18().to('webgpu');
      const x = rnd([batch, 3, 224, 224], 1);
      if (train) return dlTrain(model.train(), x, labels(batch, 1000));
      model.eval();
      return {
        run: async () => {
          const s = noGrad(() => model.forward(x).sum());
          await s.item();
          s.dispose();
        },
        dispose: () => {
          disposeModel(model);
          x.dispose();
        },
      };
    },
    tfjs: (tf) => {
      const k = tfKit(tf);
      const net = tfjsResnet18(tf, k.rndT);
      const x = k.rndT([batch, 224, 224, 3], 1) as TF.Tensor4D;
      if (!train)
        return {
          run: () => k.read(() => tf.sum(net.forward(x, false))),
          dispose: () => {
            net.dispose();
            x.dispose();
          },
        };
      const y = tf.oneHot(
        tf.tensor1d(
          Int32Array.from(randomValues(batch, 9), (v) => Math.floor((v + 1) * 500) % 1000),
          'int32',
        ),
        1000,
      );
      const opt = tf.train.sgd(0.01);
      const loss = (): TF.Scalar => tf.losses.softmaxCrossEntropy(y, net.forward(x, true)) as TF.Scalar;
      return {
        run: () => k.read(() => opt.minimize(loss, true, net.trainable)!),
        dispose: () => {
          net.dispose();
          tf.dispose([x, y]);
          opt.dispose();
        },
      };
    },
  };
}

/** Every row, in table order; `big` adds matmul 4096, `resnetTrain` the ResNet-18 training step. */
export function webgpuWorkloads({ big, resnetTrain }: { big: boolean; resnetTrain: boolean }): GpuWorkload[] {
  return [
    ...[256, 512, 1024, 2048, ...(big ? [4096] : [])].map(matmulRow),
    elementwiseRow('addrelu', 1),
    elementwiseRow('addrelu', 16),
    elementwiseRow('sum', 1),
    elementwiseRow('sum', 16),
    convRow(false),
    convRow(true),
    mlpRow(),
    lenetRow(),
    resnetRow(false, 8),
    ...(resnetTrain ? [resnetRow(true, 32)] : []),
  ];
}

/** A ResNet-18 training step at `batch` on dl, to count its dispatches when the timed row is skipped. */
export function resnetTrainProbe(batch: number): GpuWorkload {
  return resnetRow(true, batch);
}
