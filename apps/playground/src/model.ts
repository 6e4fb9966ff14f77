/**
 * LeNet-5 as a PyTorch user writes it: an `nn.Module` subclass whose `forward` calls its layers
 * (`this.conv1(x)`), called as `model(x)`. The same network as `@dl/vision`'s `models.lenet5()`:
 * the first conv pads by 2 so 1×28×28 MNIST digits give the classic 16×5×5 features;
 * 61,706 parameters.
 */
import type { Tensor } from '@dl/tensor';
import { F, nn } from '@dl/nn';

/**
 * LeNet-5 for 1×28×28 digits, 10 classes.
 *
 * @example
 * const model = new LeNet();
 * const logits = model(dl.randn([8, 1, 28, 28])); // [8, 10]
 */
export class LeNet extends nn.Module {
  static {
    Object.defineProperty(this, 'name', { value: 'LeNet' }); // the repr's name, minified or not
  }
  conv1 = new nn.Conv2d(1, 6, 5, { padding: 2 });
  conv2 = new nn.Conv2d(6, 16, 5);
  fc1 = new nn.Linear(16 * 5 * 5, 120);
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x: Tensor): Tensor {
    x = F.maxPool2d(F.relu(this.conv1(x)), 2);
    x = F.maxPool2d(F.relu(this.conv2(x)), 2);
    x = x.flatten(1);
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    return this.fc3(x);
  }
}
