import { ArgumentError, type Tensor } from '@dl/tensor';
import { nn } from '@dl/nn';
import { loadWeights, type WeightsOptions } from './weights.js';

/**
 * LeNet-5 in its common modern form (as PyTorch's tutorials): conv 5×5 → 6, ReLU, max-pool 2,
 * conv 5×5 → 16, ReLU, max-pool 2, then 400 → 120 → 84 → classes with ReLUs. The classic
 * network takes 1×32×32 inputs; for 28×28 (MNIST) the first conv pads by 2, which gives the
 * same 16×5×5 features (`inputSize: 28`, the default). 61,706 parameters for 10 classes.
 *
 * @example
 * const net = models.lenet5();               // 1×28×28 inputs (padding 2)
 * const classic = models.lenet5({ inputSize: 32 });
 */
export class LeNet5 extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'LeNet5' }); // the repr's name, minified or not
  }
  conv1: nn.Conv2d;
  pool1: nn.MaxPool2d;
  conv2: nn.Conv2d;
  pool2: nn.MaxPool2d;
  fc1: nn.Linear;
  fc2: nn.Linear;
  fc3: nn.Linear;
  constructor(opts: { numClasses?: number; inChannels?: number; inputSize?: 28 | 32 } = {}) {
    super();
    const size = opts.inputSize ?? 28;
    if (size !== 28 && size !== 32) throw new ArgumentError(`lenet5: inputSize must be 28 or 32, got ${size}`, { op: 'lenet5' });
    this.conv1 = new nn.Conv2d(opts.inChannels ?? 1, 6, 5, { padding: size === 28 ? 2 : 0 });
    this.pool1 = new nn.MaxPool2d(2);
    this.conv2 = new nn.Conv2d(6, 16, 5);
    this.pool2 = new nn.MaxPool2d(2);
    this.fc1 = new nn.Linear(16 * 5 * 5, 120);
    this.fc2 = new nn.Linear(120, 84);
    this.fc3 = new nn.Linear(84, opts.numClasses ?? 10);
  }
  forward(x: Tensor): Tensor {
    let h = this.pool1.forward(this.conv1.forward(x).relu());
    h = this.pool2.forward(this.conv2.forward(h).relu());
    h = h.flatten(1);
    h = this.fc1.forward(h).relu();
    h = this.fc2.forward(h).relu();
    return this.fc3.forward(h);
  }
}

/**
 * LeNet-5 (see {@link LeNet5}); `weights` loads a state dict.
 *
 * @example
 * const net = models.lenet5(); // 28×28 MNIST input by default
 * net(dl.randn(8, 1, 28, 28)).shape; // → [8, 10]
 */
export function lenet5(opts: { numClasses?: number; inChannels?: number; inputSize?: 28 | 32 } & WeightsOptions = {}): LeNet5 {
  const { weights, pretrained, ...arch } = opts;
  return loadWeights('lenet5', () => new LeNet5(arch), { weights, pretrained });
}

/**
 * A multi-layer perceptron on flattened inputs: Linear → ReLU (→ Dropout) per hidden size,
 * then Linear to `numClasses`.
 *
 * @example
 * const net = models.mlp({ inFeatures: 784, hidden: [256, 128], numClasses: 10 });
 */
export function mlp(
  opts: { inFeatures?: number; hidden?: readonly number[]; numClasses?: number; dropout?: number } & WeightsOptions = {},
): nn.Sequential {
  return loadWeights(
    'mlp',
    () => {
      const layers: nn.Module[] = [new nn.Flatten()];
      let d = opts.inFeatures ?? 784;
      for (const h of opts.hidden ?? [256, 128]) {
        layers.push(new nn.Linear(d, h), new nn.ReLU());
        if (opts.dropout) layers.push(new nn.Dropout(opts.dropout));
        d = h;
      }
      layers.push(new nn.Linear(d, opts.numClasses ?? 10));
      return new nn.Sequential(...layers);
    },
    opts,
  );
}
