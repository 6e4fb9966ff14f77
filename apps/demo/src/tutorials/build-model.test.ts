// pytorch.org/tutorials, Learn the Basics: "Build the Neural Network" (torch 1.13), ported line
// by line. The reprs are torch 1.13's exactly (checked with /usr/bin/python3).
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import { nn } from '@dl/nn';

const device = 'cpu';

class NeuralNetwork extends nn.Module {
  flatten = new nn.Flatten();
  linear_relu_stack = new nn.Sequential(
    new nn.Linear(28 * 28, 512),
    new nn.ReLU(),
    new nn.Linear(512, 512),
    new nn.ReLU(),
    new nn.Linear(512, 10),
  );
  forward(x: dl.Tensor): dl.Tensor {
    x = this.flatten(x);
    const logits = this.linear_relu_stack(x);
    return logits;
  }
}

const MODEL_REPR = `NeuralNetwork(
  (flatten): Flatten(start_dim=1, end_dim=-1)
  (linear_relu_stack): Sequential(
    (0): Linear(in_features=784, out_features=512, bias=True)
    (1): ReLU()
    (2): Linear(in_features=512, out_features=512, bias=True)
    (3): ReLU()
    (4): Linear(in_features=512, out_features=10, bias=True)
  )
)`;

describe('tutorial: Build the Neural Network', () => {
  it('define the class, print it, call it, Softmax(dim=1) and argmax', async () => {
    const model = new NeuralNetwork().to(device);
    expect(inspect(model)).toBe(MODEL_REPR); // print(model)
    const X = dl.rand([1, 28, 28], { device });
    const logits = model(X);
    expect(logits.shape).toEqual([1, 10]);
    const pred_probab = new nn.Softmax({ dim: 1 })(logits);
    expect(await pred_probab.sum().item()).toBeCloseTo(1, 5);
    const y_pred = pred_probab.argmax(1);
    expect(`Predicted class: ${y_pred}`).toMatch(/^Predicted class: tensor\(\[\d\]\)$/);
    expect(await y_pred.item()).toBe(await logits.argmax().item());
  });

  it('model layers: Flatten, Linear, ReLU, Sequential, Softmax', async () => {
    const input_image = dl.rand(3, 28, 28);
    expect(`${input_image.size()}`).toBe('dl.Size([3, 28, 28])');
    const flatten = new nn.Flatten();
    const flat_image = flatten(input_image);
    expect(flat_image.size()).toEqual([3, 784]);
    const layer1 = new nn.Linear(28 * 28, 20);
    const hidden1 = layer1(flat_image);
    expect(hidden1.size()).toEqual([3, 20]);
    const relued = new nn.ReLU()(hidden1);
    expect(await relued.min().item()).toBeGreaterThanOrEqual(0);
    expect(await relued.toArray()).toEqual(((await hidden1.toArray()) as number[][]).map((r) => r.map((v) => Math.max(v, 0))));

    const seq_modules = new nn.Sequential(flatten, layer1, new nn.ReLU(), new nn.Linear(20, 10));
    const logits = seq_modules(dl.rand(3, 28, 28));
    const softmax = new nn.Softmax({ dim: 1 });
    const pred_probab = softmax(logits);
    ((await pred_probab.sum(1).toArray()) as number[]).forEach((s) => expect(s).toBeCloseTo(1, 5));
    expect(pred_probab.gradFn!.name()).toBe('SoftmaxBackward0');
  });

  it('model parameters: namedParameters with sizes and the first two rows', () => {
    const model = new NeuralNetwork();
    expect(`Model structure: ${model}\n\n`).toBe(`Model structure: ${MODEL_REPR}\n\n`);
    const lines: string[] = [];
    for (const [name, param] of model.namedParameters())
      lines.push(`Layer: ${name} | Size: ${param.size()} | Values : ${param.at(':2')} \n`);
    expect(lines.map((l) => l.split(' | Values')[0])).toEqual([
      'Layer: linear_relu_stack.0.weight | Size: dl.Size([512, 784])',
      'Layer: linear_relu_stack.0.bias | Size: dl.Size([512])',
      'Layer: linear_relu_stack.2.weight | Size: dl.Size([512, 512])',
      'Layer: linear_relu_stack.2.bias | Size: dl.Size([512])',
      'Layer: linear_relu_stack.4.weight | Size: dl.Size([10, 512])',
      'Layer: linear_relu_stack.4.bias | Size: dl.Size([10])',
    ]);
    // slices of a parameter print with their grad_fn and summarise wide rows, as torch does
    expect(lines[0]).toMatch(/Values : tensor\(\[\[[- ]0\.\d{4}, .*\.\.\., .*\],\n .*\]\],\n {7}grad_fn=<SliceBackward0>\) \n$/);
    expect(lines[1]).toMatch(/Values : tensor\(\[[- ]?0\.\d{4}, [- ]?0\.\d{4}\], grad_fn=<SliceBackward0>\) \n$/);
  });

  it('Linear with PyTorch keyword sizes gets a typed error naming the argument', () => {
    // nn.Linear(in_features=28*28, out_features=20) ported as an object
    expect(() => new nn.Linear({ inFeatures: 784, outFeatures: 20 } as never, undefined as never)).toThrow(dl.ArgumentError);
    expect(() => new nn.Linear({ inFeatures: 784, outFeatures: 20 } as never, undefined as never)).toThrow(
      /Linear: in_features must be a non-negative integer, got an object/,
    );
    expect(() => new nn.Linear(784, 2.5)).toThrow(/out_features must be a non-negative integer, got 2.5/);
  });
});
