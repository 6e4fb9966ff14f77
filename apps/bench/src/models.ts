/**
 * The bench's dl models, shared by the cpu bench (dl-workloads.ts), the webgpu-vs-cpu bench
 * (webgpu.ts) and the webgpu-vs-tfjs bench (webgpu-vs-tfjs-workloads.ts), so every run trains
 * the same networks.
 *
 * @example
 * const model = lenet(); // LeNet-5 for 1×28×28 inputs, 10 classes
 */
import { nn } from '@dl/nn';

/** The 784-512-512-10 MLP of the `mlp-train` rows. */
export const mlp = (): nn.Sequential =>
  new nn.Sequential(new nn.Linear(784, 512), new nn.ReLU(), new nn.Linear(512, 512), new nn.ReLU(), new nn.Linear(512, 10));

/** LeNet-5 (padded first conv, as the demo) of the `lenet-train` rows. */
export const lenet = (): nn.Sequential =>
  new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(400, 120),
    new nn.ReLU(),
    new nn.Linear(120, 84),
    new nn.ReLU(),
    new nn.Linear(84, 10),
  );
