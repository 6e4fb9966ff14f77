import { describe, expect, it } from 'vitest';
import * as dl from '@dl/tensor';
import '@dl/backend-cpu';
import type { nn } from '@dl/nn';
import { models } from '../index.js';

describe('model factories never return random weights when pretrained ones are asked for', () => {
  it.each([
    ['pretrained: true', { pretrained: true }, /pretrained: true needs weights; dl downloads none/],
    ["torchvision's weights: 'DEFAULT'", { weights: 'DEFAULT' }, /weights must be a state dict \(a record of tensors\), got 'DEFAULT'/],
    ["weights: 'IMAGENET1K_V1'", { weights: 'IMAGENET1K_V1' }, /got 'IMAGENET1K_V1'/],
    ['weights: true', { weights: true }, /got true/],
  ])('resnet18 with %s raises PretrainedWeightsError saying how to load weights', (_name, opts, message) => {
    const make = () => models.resnet18(opts as never);
    expect(make).toThrow(models.PretrainedWeightsError);
    expect(make).toThrow(message);
    try {
      make();
    } catch (e) {
      expect((e as dl.ArgumentError).hint).toMatch(
        /torch\.save\(torchvision\.models\.resnet18\(weights='DEFAULT'\)\.state_dict\(\), 'resnet18\.pth'\)/,
      );
      expect((e as dl.ArgumentError).hint).toMatch(/models\.resnet18\(\{ weights: await dl\.load\('resnet18\.pth'\) \}\)/);
    }
  });

  it('a path as weights says to dl.load it; a Promise says to await it; other values are typed errors', () => {
    expect(() => models.resnet18({ weights: 'resnet18.pth' } as never)).toThrow(models.PretrainedWeightsError);
    try {
      models.resnet34({ weights: './r34.pth' } as never);
    } catch (e) {
      expect((e as dl.ArgumentError).hint).toBe("load the file first: models.resnet34({ weights: await dl.load('./r34.pth') })");
    }
    expect(() => models.resnet18({ weights: Promise.resolve({}) } as never)).toThrow(/weights is a Promise/);
    expect(() => models.resnet18({ weights: 5 } as never)).toThrow(
      /weights must be a state dict \(a record of tensors by name\), got number/,
    );
    expect(() => models.resnet18({ weights: dl.ones(2) } as never)).toThrow(/got a Tensor/);
    expect(() => models.resnet18({ weights: [] } as never)).toThrow(/got an array/);
  });

  it('lenet5 and mlp check weights too, and load a state dict', () => {
    expect(() => models.lenet5({ pretrained: true })).toThrow(/dl has no pretrained lenet5/);
    expect(() => models.mlp({ pretrained: true })).toThrow(models.PretrainedWeightsError);
    const a = models.mlp({ inFeatures: 4, hidden: [3], numClasses: 2 });
    const b = models.mlp({ inFeatures: 4, hidden: [3], numClasses: 2, weights: a.stateDict() });
    expect((b.at(1) as nn.Linear).weight.toArraySync()).toEqual((a.at(1) as nn.Linear).weight.toArraySync());
    const l = models.lenet5({ weights: new Map(Object.entries(models.lenet5().stateDict())) });
    expect(l(dl.randn([1, 1, 28, 28])).shape).toEqual([1, 10]);
    expect(() => models.lenet5({ weights: { 'conv1.weight': dl.ones(1) } })).toThrow(/Missing key\(s\) in state_dict/);
    expect(models.resnet18({ weights: null, numClasses: 3 }).fc.outFeatures).toBe(3);
  });
});
