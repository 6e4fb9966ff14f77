// pytorch.org/tutorials, Deep Learning with PyTorch: A 60 Minute Blitz, "Neural Networks"
// (torch 1.13), ported line by line. Reprs and grad_fn names are torch 1.13's.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn, F } from '@dl/nn';
import * as optim from '@dl/optim';

class Net extends nn.Module {
  // 1 input image channel, 6 output channels, 5x5 square convolution kernel
  conv1 = new nn.Conv2d(1, 6, 5);
  conv2 = new nn.Conv2d(6, 16, 5);
  // an affine operation: y = Wx + b
  fc1 = new nn.Linear(16 * 5 * 5, 120); // 5*5 from image dimension
  fc2 = new nn.Linear(120, 84);
  fc3 = new nn.Linear(84, 10);

  forward(x: dl.Tensor): dl.Tensor {
    // Max pooling over a (2, 2) window
    x = F.maxPool2d(F.relu(this.conv1(x)), [2, 2]);
    // If the size is a square, you can specify with a single number
    x = F.maxPool2d(F.relu(this.conv2(x)), 2);
    x = dl.flatten(x, 1); // flatten all dimensions except the batch dimension
    x = F.relu(this.fc1(x));
    x = F.relu(this.fc2(x));
    x = this.fc3(x);
    return x;
  }
}

describe('tutorial: Neural Networks (60 minute blitz)', () => {
  it('define the network, print it, parameters, forward, zero_grad and backward with random gradients', () => {
    const net = new Net();
    expect(inspect(net)).toBe(`Net(
  (conv1): Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))
  (conv2): Conv2d(6, 16, kernel_size=(5, 5), stride=(1, 1))
  (fc1): Linear(in_features=400, out_features=120, bias=True)
  (fc2): Linear(in_features=120, out_features=84, bias=True)
  (fc3): Linear(in_features=84, out_features=10, bias=True)
)`);
    const params = [...net.parameters()];
    expect(params.length).toBe(10);
    expect(`${params[0]!.size()}`).toBe('dl.Size([6, 1, 5, 5])'); // conv1's .weight

    const input = dl.randn(1, 1, 32, 32);
    const out = net(input);
    expect(out.shape).toEqual([1, 10]);
    expect(String(out)).toMatch(/^tensor\(\[\[.*\]\], grad_fn=<AddmmBackward0>\)$/s);

    net.zeroGrad();
    out.backward(dl.randn(1, 10));
    for (const p of net.parameters()) expect(p.grad!.shape).toEqual(p.shape);
  });

  it('loss function: MSELoss, grad_fn chain, conv1.bias.grad before/after backward', async () => {
    const net = new Net();
    const input = dl.randn(1, 1, 32, 32);
    net.zeroGrad(); // as in the tutorial's previous section: gradients exist
    net(input).backward(dl.randn(1, 10));
    const output = net(input);
    let target = dl.randn(10); // a dummy target, for example
    target = target.view(1, -1); // make it the same shape as output
    const criterion = new nn.MSELoss();
    const loss = criterion(output, target);
    expect(String(loss)).toMatch(/^tensor\(\d+\.\d{4}, grad_fn=<MseLossBackward0>\)$/);
    // the value is the mean squared error
    const [o, t] = [(await output.toArray()) as number[][], (await target.toArray()) as number[][]];
    const mse = o[0]!.reduce((a, v, i) => a + (v - t[0]![i]!) ** 2, 0) / 10;
    expect(await loss.item()).toBeCloseTo(mse, 5);

    expect(`${loss.gradFn}`).toBe('<MseLossBackward0 object>'); // MSELoss
    expect(`${loss.gradFn!.nextFunctions[0]![0]}`).toBe('<AddmmBackward0 object>'); // Linear
    expect(`${loss.gradFn!.nextFunctions[0]![0]!.nextFunctions[0]![0]}`).toBe('<AccumulateGrad object>'); // fc3.bias

    net.zeroGrad(); // zeroes the gradient buffers of all parameters (torch 1.13: set_to_none=False)
    expect(`conv1.bias.grad before backward\n${net.conv1.bias!.grad}`).toBe(
      'conv1.bias.grad before backward\ntensor([0., 0., 0., 0., 0., 0.])',
    );
    loss.backward();
    const after = `conv1.bias.grad after backward\n${net.conv1.bias!.grad}`;
    expect(after).toMatch(/^conv1\.bias\.grad after backward\ntensor\(\[[- ]?\d\.\d{4}(, [- ]?\d\.\d{4}){5}\]\)$/);
    expect(await net.conv1.bias!.grad!.abs().sum().item()).toBeGreaterThan(0);
  });

  it('update the weights: manual SGD with f.data.sub_(f.grad.data * learning_rate), then torch.optim', async () => {
    const net = new Net();
    const input = dl.randn(1, 1, 32, 32);
    const target = dl.randn(1, 10);
    const criterion = new nn.MSELoss();
    net.zeroGrad();
    criterion(net(input), target).backward();

    const before = new Map([...net.namedParameters()].map(([k, p]) => [k, p.clone()]));
    const learning_rate = 0.01;
    for (const f of net.parameters()) f.data.sub_(f.grad!.data.mul(learning_rate));
    for (const [k, p] of net.namedParameters()) {
      const expected = (await before.get(k)!.sub(p.grad!.mul(learning_rate)).data()) as Float32Array;
      const got = await p.data();
      expect(got.length).toBe(expected.length);
      for (let i = 0; i < got.length; i += 97) expect(got[i]).toBeCloseTo(expected[i]!, 6);
      expect(p.requiresGrad).toBe(true); // the update did not touch the graph flags
    }

    // create your optimizer
    const optimizer = new optim.SGD(net.parameters(), { lr: 0.01 });
    // in your training loop:
    const first = await criterion(net(input), target).item();
    for (let i = 0; i < 5; i++) {
      optimizer.zeroGrad(); // zero the gradient buffers
      const output = net(input);
      const loss = criterion(output, target);
      loss.backward();
      optimizer.step(); // Does the update
    }
    expect(await criterion(net(input), target).item()).toBeLessThan(first);
  });
});
