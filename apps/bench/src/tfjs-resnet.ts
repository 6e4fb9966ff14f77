/**
 * ResNet-18 (torchvision's architecture: 7×7/2 stem, 3×3/2 max pool, BasicBlocks 64-128-256-512,
 * 1×1/2 projection shortcuts, global average pool, 1000-way linear) in tfjs ops, NHWC, for the
 * webgpu bench. Training mode normalises with the batch's statistics (`tf.moments`) and trains
 * every conv weight, BatchNorm scale/shift and the classifier; it does not update running
 * statistics (dl's BatchNorm2d does: a few small elementwise kernels per layer more on dl's side).
 */
import type * as TF from '@tensorflow/tfjs-core';

interface Bn {
  gamma: TF.Variable;
  beta: TF.Variable;
  mean: TF.Tensor1D;
  variance: TF.Tensor1D;
}
interface Block {
  w1: TF.Variable;
  b1: Bn;
  w2: TF.Variable;
  b2: Bn;
  wd?: TF.Variable;
  bd?: Bn;
  stride: number;
}

/** A tfjs ResNet-18: `forward(x [N,224,224,3], training)` gives logits [N,1000]. */
export interface TfjsResnet {
  forward: (x: TF.Tensor4D, training: boolean) => TF.Tensor2D;
  trainable: TF.Variable[];
  dispose: () => void;
}

/**
 * Build a ResNet-18 from seeded weights (He-scaled).
 *
 * @example
 * const net = tfjsResnet18(tf, (shape, seed, scale) => tf.randomNormal(shape, 0, scale, 'float32', seed));
 * const logits = net.forward(tf.zeros([1, 224, 224, 3]), false); // [1, 1000]
 */
export function tfjsResnet18(tf: typeof TF, rnd: (shape: number[], seed: number, scale?: number) => TF.Tensor): TfjsResnet {
  let seed = 100;
  const trainable: TF.Variable[] = [];
  const constants: TF.Tensor[] = [];
  const v = (t: TF.Tensor): TF.Variable => {
    const r = tf.variable(t);
    t.dispose();
    trainable.push(r);
    return r;
  };
  const convW = (k: number, ci: number, co: number): TF.Variable => v(rnd([k, k, ci, co], seed++, Math.sqrt(2 / (k * k * ci))));
  const bn = (c: number): Bn => {
    const mean = tf.zeros([c]) as TF.Tensor1D,
      variance = tf.ones([c]) as TF.Tensor1D;
    constants.push(mean, variance);
    return { gamma: v(tf.ones([c])), beta: v(tf.zeros([c])), mean, variance };
  };
  const applyBn = (h: TF.Tensor4D, p: Bn, training: boolean): TF.Tensor4D => {
    if (!training) return tf.batchNorm(h, p.mean, p.variance, p.beta, p.gamma, 1e-5) as TF.Tensor4D;
    const m = tf.moments(h, [0, 1, 2]);
    return tf.batchNorm(h, m.mean as TF.Tensor1D, m.variance as TF.Tensor1D, p.beta, p.gamma, 1e-5) as TF.Tensor4D;
  };
  const conv = (h: TF.Tensor4D, w: TF.Variable, stride: number, pad: number): TF.Tensor4D =>
    tf.conv2d(
      h,
      w as TF.Tensor as TF.Tensor4D,
      stride,
      pad === 0
        ? 'valid'
        : [
            [0, 0],
            [pad, pad],
            [pad, pad],
            [0, 0],
          ],
    );
  const stem = convW(7, 3, 64),
    stemBn = bn(64);
  const blocks: Block[] = [];
  let cin = 64;
  for (const [cout, stride] of [
    [64, 1],
    [128, 2],
    [256, 2],
    [512, 2],
  ] as const) {
    for (let i = 0; i < 2; i++) {
      const s = i === 0 ? stride : 1;
      const down = s !== 1 || cin !== cout;
      blocks.push({
        w1: convW(3, cin, cout),
        b1: bn(cout),
        w2: convW(3, cout, cout),
        b2: bn(cout),
        stride: s,
        ...(down ? { wd: convW(1, cin, cout), bd: bn(cout) } : {}),
      });
      cin = cout;
    }
  }
  const fc = v(rnd([512, 1000], seed++, 1 / Math.sqrt(512))),
    fcb = v(tf.zeros([1000]));
  const forward = (x: TF.Tensor4D, training: boolean): TF.Tensor2D => {
    let h = tf.relu(applyBn(conv(x, stem, 2, 3), stemBn, training)) as TF.Tensor4D;
    h = tf.maxPool(h, 3, 2, 1);
    for (const b of blocks) {
      const a = tf.relu(applyBn(conv(h, b.w1, b.stride, 1), b.b1, training)) as TF.Tensor4D;
      const o = applyBn(conv(a, b.w2, 1, 1), b.b2, training);
      const s = b.wd ? applyBn(conv(h, b.wd, b.stride, 0), b.bd!, training) : h;
      h = tf.relu(tf.add(o, s)) as TF.Tensor4D;
    }
    return tf.add(tf.matMul(tf.mean(h, [1, 2]), fc), fcb) as TF.Tensor2D;
  };
  return { forward, trainable, dispose: () => tf.dispose([...trainable, ...constants]) };
}
