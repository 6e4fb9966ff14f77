/**
 * The bench workloads on tfjs-core (backend `cpu` or `wasm`, chosen by the caller with
 * `tf.setBackend`). tfjs's native layout is NHWC, so the conv workloads use it (the same
 * arithmetic as NCHW). Each step computes in `tf.tidy` and reads its result with `dataSync`
 * *after* the tidy: a `dataSync` inside `tf.tidy` makes tfjs-wasm's matmul ~15x slower
 * (1.2 s instead of 85 ms at 1024 here), which would flatter dl.
 *
 * Ids are the peers' ids (`Workload.peer`): `mlp-train` and `lenet-train` serve dl's `-plain`
 * and `-tidy` rows (tfjs's own idiom, `optimizer.minimize` in `tf.tidy`, is one spelling).
 * `op-overhead` has no autograd variant here: tfjs records gradients only inside `tf.grads`.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { OP_CHAIN, randomLabels, randomValues, type Step } from './workloads.js';
import { tfjsResnet18 } from './tfjs-resnet.js';

export function tfjsWorkload(tf: typeof TF, id: string): Step | undefined {
  /** Run `make` in a tidy, then read and dispose what it returned. */
  const read = (make: () => TF.Tensor | TF.Tensor[]): void => {
    const r = tf.tidy(make);
    for (const t of Array.isArray(r) ? r : [r]) t.dataSync();
    tf.dispose(r);
  };
  const rnd = (shape: number[], seed: number, scale = 1): TF.Tensor => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = randomValues(n, seed);
    if (scale !== 1) for (let i = 0; i < n; i++) v[i]! *= scale;
    return tf.tensor(v, shape);
  };
  const variable = (shape: number[], seed: number, fanIn: number): TF.Variable => tf.variable(rnd(shape, seed, 1 / Math.sqrt(fanIn)));
  const oneHot = (n: number): TF.Tensor => tf.oneHot(tf.tensor1d(randomLabels(n), 'int32'), 10);

  const mm = /^matmul-(\d+)$/.exec(id);
  if (mm) {
    const n = Number(mm[1]);
    const a = rnd([n, n], 1),
      b = rnd([n, n], 2);
    return { run: () => read(() => tf.matMul(a, b)), dispose: () => tf.dispose([a, b]) };
  }
  const ew = /^(addrelu|sum)-(\d+)M$/.exec(id);
  if (ew) {
    const n = Number(ew[2]) * 2 ** 20;
    const a = rnd([n], 1),
      b = rnd([n], 2);
    // dataSync of a 16M result would time a 64 MB copy out; read one element instead
    const run = ew[1] === 'addrelu' ? () => read(() => tf.slice(tf.relu(tf.add(a, b)), [0], [1])) : () => read(() => tf.sum(a));
    return { run, dispose: () => tf.dispose([a, b]) };
  }
  const conv = /^conv-(1x6k5|64x64k3)-(fwd|fwdbwd)$/.exec(id);
  if (conv) {
    const small = conv[1] === '1x6k5';
    const [N, Ci, Co, H, K, pad] = small ? [64, 1, 6, 28, 5, 0] : [32, 64, 64, 56, 3, 1];
    const OH = H + 2 * pad - K + 1;
    const x = rnd([N, H, H, Ci], 1) as TF.Tensor4D;
    const w = rnd([K, K, Ci, Co], 2, 0.1) as TF.Tensor4D;
    const b = rnd([Co], 3, 0.1) as TF.Tensor1D;
    const dy = rnd([N, OH, OH, Co], 4) as TF.Tensor4D;
    const padding = pad === 0 ? 'valid' : 'same';
    const f = (xx: TF.Tensor4D, ww: TF.Tensor4D, bb: TF.Tensor1D): TF.Tensor4D => tf.add(tf.conv2d(xx, ww, 1, padding), bb);
    if (conv[2] === 'fwd') return { run: () => read(() => tf.slice(f(x, w, b), [0, 0, 0, 0], [1, 1, 1, 1])) };
    const grads = tf.grads((xx, ww, bb) => f(xx as TF.Tensor4D, ww as TF.Tensor4D, bb as TF.Tensor1D));
    return {
      run: () =>
        read(() => {
          const [gx, gw, gb] = grads([x, w, b], dy);
          return [gw!, gb!, tf.slice(gx!, [0, 0, 0, 0], [1, 1, 1, 1])];
        }),
    };
  }
  if (id === 'mlp-train') {
    const sizes = [784, 512, 512, 10];
    const ws = sizes.slice(1).map((o, i) => variable([sizes[i]!, o], 10 + i, sizes[i]!));
    const bs = sizes.slice(1).map((o, i) => variable([o], 20 + i, sizes[i]!));
    const x = rnd([64, 784], 1),
      y = oneHot(64);
    const opt = tf.train.sgd(0.01);
    const forward = (): TF.Scalar => {
      let h: TF.Tensor = x;
      for (let i = 0; i < 3; i++) {
        h = tf.add(tf.matMul(h, ws[i]!), bs[i]!);
        if (i < 2) h = tf.relu(h);
      }
      return tf.losses.softmaxCrossEntropy(y, h) as TF.Scalar;
    };
    return { run: () => read(() => opt.minimize(forward, true)!) };
  }
  if (id === 'lenet-train') {
    const c1 = variable([5, 5, 1, 6], 10, 25),
      c1b = variable([6], 11, 25);
    const c2 = variable([5, 5, 6, 16], 12, 150),
      c2b = variable([16], 13, 150);
    const f1 = variable([400, 120], 14, 400),
      f1b = variable([120], 15, 400);
    const f2 = variable([120, 84], 16, 120),
      f2b = variable([84], 17, 120);
    const f3 = variable([84, 10], 18, 84),
      f3b = variable([10], 19, 84);
    const x = rnd([64, 28, 28, 1], 1) as TF.Tensor4D,
      y = oneHot(64);
    const opt = tf.train.sgd(0.01);
    const forward = (): TF.Scalar => {
      let h = tf.maxPool(tf.relu(tf.add(tf.conv2d(x, c1 as TF.Tensor4D, 1, 'same'), c1b)) as TF.Tensor4D, 2, 2, 'valid');
      h = tf.maxPool(tf.relu(tf.add(tf.conv2d(h, c2 as TF.Tensor4D, 1, 'valid'), c2b)) as TF.Tensor4D, 2, 2, 'valid');
      let z: TF.Tensor = tf.reshape(h, [64, 400]);
      z = tf.relu(tf.add(tf.matMul(z, f1), f1b));
      z = tf.relu(tf.add(tf.matMul(z, f2), f2b));
      z = tf.add(tf.matMul(z, f3), f3b);
      return tf.losses.softmaxCrossEntropy(y, z) as TF.Scalar;
    };
    return { run: () => read(() => opt.minimize(forward, true)!) };
  }
  if (id === 'op-overhead') {
    const x = tf.tensor1d([1, 2, 3, 4]),
      b = tf.tensor1d([0.5, 0.25, 0.125, 0.0625]);
    return {
      run: () =>
        read(() => {
          let y = x;
          for (let i = 0; i < OP_CHAIN; i++) y = tf.add(y, b);
          return y;
        }),
      dispose: () => tf.dispose([x, b]),
    };
  }
  if (id === 'resnet18-fwd') {
    // the webgpu bench's tfjs ResNet-18 (same seeded weights), in inference mode
    const net = tfjsResnet18(tf, rnd);
    const x = rnd([8, 224, 224, 3], 1) as TF.Tensor4D;
    return {
      run: () => read(() => tf.sum(net.forward(x, false))),
      dispose: () => {
        net.dispose();
        x.dispose();
      },
    };
  }
  return undefined;
}
